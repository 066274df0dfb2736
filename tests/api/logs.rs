//! Log levels (issue 24): what the API refuses by design — bad input, no session, no
//! right, too many attempts, a sealed service, requests actix-http cannot even parse —
//! is logged below ERROR, so no client can fill the error log; a real internal failure
//! still is an ERROR, with its cause. Every log line is captured process-wide, so each
//! test looks only at lines of its own requests (by request id) or at lines no request
//! of any test may write.

use std::io::{Read, Write};

use custodia::domain::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixtures::testimony_in_new_case;
use crate::helpers::*;

/// The captured log lines, parsed.
fn log_lines() -> Vec<Value> {
    String::from_utf8_lossy(&captured_logs()).lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

fn request_id_of(line: &Value) -> Option<&str> {
    line["span"]["request_id"].as_str()
}

/// Sends raw bytes to the server and reads its answer until it closes the connection
/// (it logs what it logs about the connection before closing it).
fn raw_exchange(address: &str, request: &[u8]) -> String {
    let mut stream = std::net::TcpStream::connect(address.trim_start_matches("http://")).unwrap();
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    // The server may answer and close before it has read all of an oversized head.
    let _ = stream.write_all(request);
    // Nothing more comes: a body cut short is a client that went away mid-request.
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

/// Checks that a refusal reached our application — a problem document, a request id and
/// the security headers — and returns its request id.
async fn refused(res: reqwest::Response, status: u16, what: &str) -> String {
    assert_eq!(res.status().as_u16(), status, "{what}");
    let header = |name: &str| res.headers().get(name).map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(header("content-type").as_deref(), Some("application/problem+json"), "{what}");
    assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"), "{what}: security headers");
    assert!(header("content-security-policy").is_some(), "{what}: security headers");
    let id = header("x-request-id").unwrap_or_else(|| panic!("{what}: no request id"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], status, "{what}: {body}");
    id
}

#[tokio::test]
async fn a_burst_of_bad_input_and_a_sealed_service_log_nothing_at_error() {
    let app = spawn_app_with(|s| s.server.max_json_bytes = 4096).await;
    let (_, documenter) = app.user_with_token(Role::Documenter).await;
    let mut ids = Vec::new();
    let cases = app.url("/api/v1/cases");
    let login = app.url("/api/v1/auth/login");
    let json_body = |url: &str, body: &str| {
        app.client
            .post(url)
            .bearer_auth(&documenter)
            .header("content-type", "application/json")
            .body(body.to_owned())
    };

    let bodies = [
        ("malformed JSON", r#"{"reference": "R-1", "title": "#),
        ("an array for an object", r#"["R-1", "Array case", "x"]"#),
        ("an unknown field", r#"{"reference": "R-1", "title": "T", "colour": "red"}"#),
        ("a wrong type", r#"{"reference": 7, "title": ["T"]}"#),
        ("not JSON at all", "reference=R-1"),
    ];
    for (what, body) in bodies {
        ids.push(refused(json_body(&cases, body).send().await.unwrap(), 400, what).await);
    }
    let res = app.post("/api/v1/cases", &documenter, json!({"reference": "", "title": ""})).await;
    ids.push(refused(res, 422, "invalid fields").await);
    let big = format!(r#"{{"reference": "R-1", "title": "{}"}}"#, "x".repeat(8192));
    ids.push(refused(json_body(&cases, &big).send().await.unwrap(), 413, "an oversized body").await);
    let res = app.client.post(&cases).bearer_auth(&documenter).header("content-type", "text/plain");
    ids.push(refused(res.body("{}").send().await.unwrap(), 415, "another media type").await);
    let res = app.get("/api/v1/nowhere", &documenter).await;
    ids.push(refused(res, 404, "an unknown route").await);
    let res = app.call(Method::DELETE, "/api/v1/auth/login", None, None).await;
    assert_eq!(res.headers().get("allow").map(|v| v.to_str().unwrap()), Some("POST"));
    ids.push(refused(res, 405, "a wrong method").await);
    ids.push(refused(app.get("/api/v1/users/not-a-uuid", &app.admin).await, 400, "a bad path").await);
    ids.push(refused(app.get("/api/v1/users?limit=many", &app.admin).await, 400, "a bad query").await);
    let res = app.client.get(app.url("/api/v1/users")).send().await.unwrap();
    ids.push(refused(res, 401, "no token").await);
    ids.push(refused(app.get("/api/v1/users", "not-a-token").await, 401, "a bad token").await);
    ids.push(refused(app.get("/api/v1/users", &documenter).await, 403, "no right").await);

    // Wrong passwords until the account is throttled.
    app.add_user("victim", Role::Lawyer).await;
    let mut throttled = false;
    for _ in 0..30 {
        let res =
            app.client.post(&login).json(&json!({"username": "victim", "password": "wrong"})).send().await;
        let res = res.unwrap();
        let status = res.status().as_u16();
        ids.push(refused(res, status, "a wrong login").await);
        assert!(status == 401 || status == 429, "{status}");
        if status == 429 {
            throttled = true;
            break;
        }
    }
    assert!(throttled, "wrong logins end in 429");

    // A client that goes away halfway through its body.
    let address = app.address.clone();
    let cut = "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
               Content-Length: 1000\r\n\r\n{\"username\": \"victim\", \"pass";
    let answer = tokio::task::spawn_blocking(move || raw_exchange(&address, cut.as_bytes())).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    let id = answer.lines().find_map(|l| l.strip_prefix("x-request-id: ")).expect("a request id");
    ids.push(id.trim().to_owned());

    // Sealed: a normal, documented state, refused by a middleware before routing.
    let browser = app.web_login("admin").await;
    let res = app.call(Method::POST, "/api/v1/system/seal", Some(&app.admin), None).await;
    assert_eq!(res.status(), 204);
    let mut sealed = Vec::new();
    for path in ["/api/v1/users", "/api/v1/cases/00000000-0000-0000-0000-000000000000", "/api/v1/nowhere"] {
        sealed.push(refused(app.get(path, &app.admin).await, 503, "sealed").await);
    }
    sealed
        .push(refused(app.client.get(app.url("/readyz")).send().await.unwrap(), 503, "/readyz sealed").await);
    ids.extend(sealed.iter().cloned());
    let res = app.web_get(&browser, "/cases").await;
    assert!(res.status().is_client_error() || res.status().is_server_error(), "{}", res.status());
    ids.push(res.headers()["x-request-id"].to_str().unwrap().to_owned());

    // Requests actix-http refuses before any of ours runs (see docs/operations.md): a NUL
    // byte in a header and a head too large answer bare, and must not log an ERROR.
    let canary = format!("CANARY{}", uuid::Uuid::new_v4().simple());
    let nul = format!("GET /api/v1/auth/me HTTP/1.1\r\nHost: x\r\nX-Note: {canary}\0\r\n\r\n");
    let too_large =
        format!("GET /api/v1/auth/me HTTP/1.1\r\nHost: x\r\nX-Note: {canary}{}\r\n\r\n", "x".repeat(131_072));
    let address = app.address.clone();
    let answers = tokio::task::spawn_blocking(move || {
        [raw_exchange(&address, nul.as_bytes()), raw_exchange(&address, too_large.as_bytes())]
    })
    .await
    .unwrap();
    assert!(answers[0].starts_with("HTTP/1.1 400"), "{}", answers[0]);
    assert!(answers[1].starts_with("HTTP/1.1 431"), "{}", answers[1]);

    let lines = log_lines();
    let ours: Vec<&Value> =
        lines.iter().filter(|l| request_id_of(l).is_some_and(|id| ids.iter().any(|i| i == id))).collect();
    let errors: Vec<&&Value> = ours.iter().filter(|l| l["level"] == "ERROR").collect();
    assert!(errors.is_empty(), "refusals logged at ERROR: {errors:#?}");
    for id in &ids {
        assert!(ours.iter().any(|l| request_id_of(l) == Some(id)), "no log line for request {id}");
    }
    for id in &sealed {
        let line = ours.iter().find(|l| request_id_of(l) == Some(id)).unwrap();
        assert_eq!(
            (line["level"].as_str(), line["problem"].as_str()),
            (Some("INFO"), Some("sealed")),
            "{line}"
        );
    }
    let throttle =
        ours.iter().find(|l| l["problem"] == "rate_limited").expect("the throttled login is logged");
    assert_eq!(throttle["level"], "WARN");
    // Nothing any test sends may make actix-http log a parse error at ERROR: it is ours,
    // at INFO, and says neither the header nor its value.
    let parse_errors: Vec<&Value> = lines
        .iter()
        .filter(|l| {
            l["target"].as_str().is_some_and(|t| t.starts_with("actix_http")) && l["level"] == "ERROR"
        })
        .filter(|l| l["message"].as_str().is_some_and(|m| m.contains("request parse error")))
        .collect();
    assert!(parse_errors.is_empty(), "{parse_errors:#?}");
    let http_layer = |reason: &str| {
        lines.iter().any(|l| {
            l["target"] == custodia::telemetry::HTTP_LAYER_TARGET
                && l["reason"] == reason
                && l["level"] == "INFO"
        })
    };
    assert!(http_layer("malformed request") && http_layer("request head too large"));
    assert!(!String::from_utf8_lossy(&captured_logs()).contains(&canary), "a header's value reached the log");
}

/// A real internal failure — stored ciphertext altered — is still an ERROR, with its
/// cause and the request id the client is given to quote, from the API and the pages.
#[tokio::test]
async fn an_internal_failure_is_still_logged_at_error() {
    let app = spawn_app().await;
    app.add_user("author", Role::Documenter).await;
    let token = app.login("author", PASSWORD).await;
    let (_, testimony) = testimony_in_new_case(&app, &token, Consent::shared_with(&[])).await;
    let target = testimony.to_string();
    app.state
        .context()
        .read(move |c| {
            use custodia::store::schema::testimonies::dsl::*;
            use diesel::prelude::*;
            let mut blob: Vec<u8> = testimonies.find(&target).select(content).first(c)?;
            let middle = blob.len() / 2;
            blob[middle] ^= 0x01;
            diesel::update(testimonies.find(&target)).set(content.eq(blob)).execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    let res = app.get(&format!("/api/v1/testimonies/{testimony}"), &token).await;
    let api = refused(res, 500, "an altered record").await;
    let browser = app.web_login("author").await;
    let res = app.web_get(&browser, &format!("/testimonies/{testimony}")).await;
    assert_eq!(res.status(), 500);
    let html = res.headers().get("content-type").is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    assert!(html, "a page for people, not a problem document");
    let page = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let lines = log_lines();
    for id in [api, page] {
        let line = lines.iter().find(|l| request_id_of(l) == Some(id.as_str()) && l["level"] == "ERROR");
        let line = line.unwrap_or_else(|| panic!("no ERROR line for request {id}"));
        assert_eq!(line["status"], 500, "{line}");
        assert_eq!(line["error"], "stored ciphertext failed its integrity check", "{line}");
        assert_eq!(line["problem"], "integrity_error", "{line}");
    }
}
