//! Bad input gets a clear 4xx problem document, never a 500, and never echoes values.

use reqwest::Method;
use serde_json::json;

use crate::fixtures::draft_testimony;
use crate::helpers::*;

#[tokio::test]
async fn malformed_requests_get_problem_documents() {
    let app = spawn_app().await;
    let login = app.url("/api/v1/auth/login");

    let res = app
        .client
        .post(&login)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "invalid_body").await;

    let res = app.client.post(&login).json(&json!({"username": "x"})).send().await.unwrap();
    let body = assert_problem(res, 400, "invalid_body").await;
    assert!(body["detail"].as_str().unwrap().contains("missing field `password`"));

    let canary = "CANARY-Иван-Петров";
    let res =
        app.client.post(&login).json(&json!({"username": 42, "password": canary})).send().await.unwrap();
    let body = assert_problem(res, 400, "invalid_body").await;
    assert!(!body.to_string().contains("CANARY"));
    let res = app.client.post(&login).json(&json!({"username": canary, "password": 7})).send().await.unwrap();
    assert!(!assert_problem(res, 400, "invalid_body").await.to_string().contains("CANARY"));

    let res = app
        .client
        .post(&login)
        .json(&json!({"username": "a", "password": "b", "extra": 1}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "invalid_body").await;

    let res = app.client.post(&login).body(r#"{"username":"a","password":"b"}"#).send().await.unwrap();
    assert_problem(res, 415, "unsupported_media_type").await;

    // Declared too large: refused from the headers alone, before any body is read.
    let (status, head) = raw_request(&app, "POST", "/api/v1/auth/login", "Content-Length: 2000000\r\n").await;
    assert_eq!(status, 413, "{head}");
    assert!(head.to_ascii_lowercase().contains("application/problem+json"), "{head}");

    let res = app.client.get(app.url("/api/v1/no/such/route")).send().await.unwrap();
    assert_problem(res, 404, "not_found").await;
    // Outside the API, paths belong to the pages: a page for people, not a document.
    let res = app.client.get(app.url("/nothing-here")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");

    let res = app.call(Method::DELETE, "/api/v1/auth/login", None, None).await;
    assert_problem(res, 405, "method_not_allowed").await;
    let res = app.call(Method::PATCH, "/healthz", None, None).await;
    assert_problem(res, 405, "method_not_allowed").await;

    let res = app.call(Method::GET, "/api/v1/users?limit=abc", Some(&app.admin), None).await;
    assert_problem(res, 400, "invalid_query").await;
    let res = app.call(Method::GET, "/api/v1/users?surprise=1", Some(&app.admin), None).await;
    assert_problem(res, 400, "invalid_query").await;
}

/// Sends a request head (and no body) over a raw connection; returns status and head.
async fn raw_request(app: &TestApp, method: &str, path: &str, extra_headers: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n{extra_headers}\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = stream.read(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf[..n]).into_owned();
    let status = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, text)
}

#[tokio::test]
async fn the_openapi_document_is_served_and_names_the_bearer_scheme() {
    let app = spawn_app().await;
    let doc: serde_json::Value =
        app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    assert!(doc["paths"]["/api/v1/users"]["post"].is_object());
    // Every schema an operation refers to is in the document.
    fn refs(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(map) => {
                if let Some(r) = map.get("$ref").and_then(|r| r.as_str()) {
                    out.push(r.trim_start_matches("#/components/schemas/").to_owned());
                }
                map.values().for_each(|x| refs(x, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    refs(&doc, &mut found);
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let missing: Vec<&String> = found.iter().filter(|r| !schemas.contains_key(r.as_str())).collect();
    assert!(missing.is_empty(), "unresolved schema references: {missing:?}");
}

/// A filename is data, never a path: whatever an upload calls itself, the file lands
/// under a random id in the blob store and the name goes back percent-encoded.
#[tokio::test]
async fn path_traversal_in_an_upload_filename_goes_nowhere() {
    let app = spawn_app().await;
    let (token, testimony) = draft_testimony(&app).await;
    let escape = app.db.dir.path().join("escaped.txt");
    let name = format!("../../../../..{}", escape.display());
    let file = Upload::bytes("payload")
        .content_type("text/plain")
        .filename(&custodia::domain::percent::encode(&name));
    let a = app.upload(&token, &testimony, file).await;
    assert_eq!(a["filename"], "escaped.txt", "only the last component of a path is kept, as data");
    assert!(!escape.exists());
    let res = app.get(&format!("/api/v1/attachments/{}/content", a.id), &token).await;
    let disposition = res.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(
        disposition.starts_with("attachment; filename*=UTF-8''") && !disposition.contains('/'),
        "{disposition}"
    );
    // Stored under its random id only, whichever the store.
    assert_eq!(app.stored_blobs().len(), 1);
    if app.stores_in_folder() {
        for entry in std::fs::read_dir(app.db.dir.path().join("blobs")).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            assert!(
                name == "tmp" || (name.len() == 2 && name.chars().all(|c| c.is_ascii_hexdigit())),
                "{name}"
            );
        }
    }
}

/// Inside a body too, an array is never taken for an object: serde would bind a
/// testimony's consent or a search's filters from one by position.
#[tokio::test]
async fn an_array_inside_a_body_is_refused_where_an_object_belongs() {
    let app = spawn_app().await;
    let (token, testimony) = draft_testimony(&app).await;
    let path = format!("/api/v1/testimonies/{testimony}");
    let draft: serde_json::Value = app.get(&path, &token).await.json().await.unwrap();
    let mut body = json!({
        "witness_id": draft["witness"]["id"], "account": "draft", "summary": "",
        "languages": [], "persons_present": [], "identifying_spans": [],
        "reliability": "unknown", "source_connection": "",
        "consent": [false, "written", "2026-01-01", "1"],
    });
    let res = app.call(Method::PUT, &path, Some(&token), Some(body.clone())).await;
    let problem = assert_problem(res, 400, "invalid_body").await;
    assert_eq!(problem["detail"], "`consent` must be a JSON object with named fields");
    body["consent"] = json!({"may_be_named": false, "share_with": {}, "given_on": "", "how_given": "not_recorded", "text_version": ""});
    body["identifying_spans"] = json!([[0, 1]]);
    let res = app.call(Method::PUT, &path, Some(&token), Some(body)).await;
    let problem = assert_problem(res, 400, "invalid_body").await;
    assert_eq!(problem["detail"], "`identifying_spans.0` must be a JSON object with named fields");
    let still: serde_json::Value = app.get(&path, &token).await.json().await.unwrap();
    assert_eq!(still["account"], draft["account"], "nothing was written");
}

/// A filename is only a name to show: what does not percent-decode is kept as sent,
/// never a reason to refuse the file.
#[tokio::test]
async fn an_upload_filename_that_does_not_decode_is_kept_as_sent() {
    let app = spawn_app().await;
    let (token, testimony) = draft_testimony(&app).await;
    let file = Upload::bytes("payload").content_type("text/plain").filename("report%.pdf");
    assert_eq!(app.upload(&token, &testimony, file).await["filename"], "report%.pdf");
    let file = Upload::bytes("payload").content_type("text/plain").filename("%FF%D0%B0.txt");
    assert_eq!(app.upload(&token, &testimony, file).await["filename"], "\u{fffd}а.txt");
}

/// A NUL byte or any text that cannot be a code never reaches the database, where
/// PostgreSQL would refuse it outright (a 500 there): it is a bad parameter, or no record.
#[tokio::test]
async fn parameters_that_cannot_be_codes_are_refused_before_the_database() {
    let app = spawn_app().await;
    let (_, auditor) = app.user_with_token(custodia::domain::Role::Auditor).await;
    for query in ["action=login%00", "target_type=user%00", "target_id=%00", "target_id="] {
        let res = app.get(&format!("/api/v1/audit?{query}"), &auditor).await;
        assert_problem(res, 400, "invalid_query").await;
    }
    let res = app.get("/api/v1/audit?action=login_failed", &auditor).await;
    assert_eq!(res.status(), 200);
    let res = app.get("/api/v1/audit/custody/user%00/x", &auditor).await;
    assert_problem(res, 404, "not_found").await;
    let res = app.get("/api/v1/vocabularies?vocabulary=act%00type", &app.admin).await;
    assert_problem(res, 400, "invalid_query").await;
    let res = app.post("/api/v1/auth/login", "", json!({"username": "ad\u{0}min", "password": "x"})).await;
    assert_problem(res, 401, "invalid_credentials").await;
}
