//! What an independent attack run found (issue 16), and where the documents and the
//! service disagreed: damaged attachments, errors that quoted the client's keys, a
//! kept-alive connection dropped without notice, headers, times, paging, ranges and the
//! members permission.

use custodia::audit::StoredEntry;
use custodia::crypto::{STREAM_HEADER_LEN, segment_offset};
use custodia::domain::Role;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::fixtures::testimony_in_new_case;
use crate::helpers::*;

/// A documenter (token and username) with one attachment of `size` bytes on a draft
/// testimony: (token, username, attachment id, the file).
async fn attachment_of(app: &TestApp, size: usize) -> (String, String, AttachmentId, Vec<u8>) {
    let name = format!("doc-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    app.add_user(&name, Role::Documenter).await;
    let token = app.login(&name, PASSWORD).await;
    let (_, testimony) = testimony_in_new_case(app, &token, Consent::shared_with(&[])).await;
    let file: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
    let upload = Upload::bytes(file.clone()).content_type("application/octet-stream");
    let attachment = app.upload(&token, &testimony, upload).await.id;
    (token, name, attachment, file)
}

/// Flips one bit of the only stored blob, `at` bytes into its ciphertext.
fn flip_bit(app: &TestApp, at: u64) {
    app.tamper_blob(app.only_blob(), |bytes| bytes[at as usize] ^= 0x01);
}

async fn entries(app: &TestApp) -> Vec<StoredEntry> {
    app.state.context().read(|c| custodia::audit::recent(c, 1000)).await.unwrap()
}

fn detail(e: &StoredEntry, key: &str) -> Value {
    serde_json::from_str::<Value>(&e.details).unwrap()[key].clone()
}

#[tokio::test]
async fn an_attachment_damaged_at_its_start_answers_integrity_error_not_an_empty_200() {
    let app = spawn_app().await;
    let (token, _, aid, _) = attachment_of(&app, 1000).await;
    flip_bit(&app, STREAM_HEADER_LEN as u64 + 10);

    let res = app.get(&format!("/api/v1/attachments/{aid}/content"), &token).await;
    let body = assert_problem(res, 500, "integrity_error").await;
    assert!(body["instance"].is_string(), "{body}");
    let log = entries(&app).await;
    let failure = log.iter().find(|e| e.action == "integrity_error").expect("audited");
    assert_eq!(failure.outcome, "failure");
    assert_eq!(failure.target_type.as_deref(), Some("attachment"));
    assert_eq!(failure.target_id.as_deref(), Some(aid.as_str()));
    assert_eq!(log.iter().filter(|e| e.action == "integrity_error").count(), 1, "audited once");
    assert!(
        !log.iter().any(|e| e.action == "attachment.download"),
        "no entry states a download that never happened"
    );

    // A range in the damaged segment is refused the same way.
    let res = app
        .client
        .get(app.url(&format!("/api/v1/attachments/{aid}/content")))
        .bearer_auth(&token)
        .header("range", "bytes=0-9")
        .send()
        .await
        .unwrap();
    assert_problem(res, 500, "integrity_error").await;
}

#[tokio::test]
async fn an_attachment_damaged_further_in_is_cut_short_of_its_length_and_audited() {
    let app = spawn_app().await;
    let (token, _, aid, file) = attachment_of(&app, 200_000).await;
    flip_bit(&app, segment_offset(2) + 100);

    let res = app.get(&format!("/api/v1/attachments/{aid}/content"), &token).await;
    assert_eq!(res.status(), 200, "the start was sound");
    assert_eq!(res.headers()["content-length"], "200000", "the client knows how much to expect");
    assert!(res.bytes().await.is_err(), "the body ends short of its length: never a complete-looking file");

    let log = entries(&app).await;
    let started = log.iter().find(|e| e.action == "attachment.download").expect("the start is recorded");
    let failure = log.iter().find(|e| e.action == "integrity_error").expect("the cut is audited");
    assert_eq!(failure.outcome, "failure");
    assert_eq!(failure.target_type.as_deref(), Some("attachment"));
    assert_eq!(failure.target_id.as_deref(), Some(aid.as_str()));
    assert!(failure.seq > started.seq);
    let sent = detail(failure, "after_bytes").as_u64().unwrap();
    assert!(sent > 0 && sent < file.len() as u64, "{sent}");

    // The sound segments still come back in ranges.
    let res = app
        .client
        .get(app.url(&format!("/api/v1/attachments/{aid}/content")))
        .bearer_auth(&token)
        .header("range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(res.bytes().await.unwrap().to_vec(), file[10..20].to_vec());
}

#[tokio::test]
async fn the_pages_download_path_checks_the_start_too() {
    let app = spawn_app().await;
    let (_, name, aid, file) = attachment_of(&app, 1000).await;
    let browser = app.web_login(&name).await;
    let res = app.web_get(&browser, &format!("/attachments/{aid}/content")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().to_vec(), file);

    flip_bit(&app, STREAM_HEADER_LEN as u64 + 1);
    let res = app.web_get(&browser, &format!("/attachments/{aid}/content")).await;
    assert_eq!(res.status(), 500);
    let log = entries(&app).await;
    let failure = log.iter().find(|e| e.action == "integrity_error").expect("audited");
    assert_eq!(failure.target_id.as_deref(), Some(aid.as_str()));
    assert_eq!(log.iter().filter(|e| e.action == "attachment.download").count(), 1, "only the sound one");
}

#[tokio::test]
async fn a_range_outside_the_file_is_416_and_several_ranges_get_the_whole_file() {
    let app = spawn_app().await;
    let (token, _, aid, file) = attachment_of(&app, 1000).await;
    let get = |range: &'static str| {
        app.client
            .get(app.url(&format!("/api/v1/attachments/{aid}/content")))
            .bearer_auth(&token)
            .header("range", range)
            .send()
    };
    for range in ["bytes=1000-", "bytes=5000-6000", "bytes=-0"] {
        let res = get(range).await.unwrap();
        assert_eq!(res.headers()["content-range"], "bytes */1000", "{range}");
        assert_problem(res, 416, "range_not_satisfiable").await;
    }
    for range in ["bytes=0-1,5-9", "bytes=9-1", "lines=1-2", "bytes=x-"] {
        let res = get(range).await.unwrap();
        assert_eq!(res.status(), 200, "{range}");
        assert_eq!(res.bytes().await.unwrap().to_vec(), file, "{range}");
    }
}

#[tokio::test]
async fn no_error_quotes_the_clients_keys_or_values() {
    let app = spawn_app().await;
    let canary = format!("Иван-Петров-{}", uuid::Uuid::new_v4().simple());
    let (_, auditor) = app.user_with_token(Role::Auditor).await;
    let (_, documenter) = app.user_with_token(Role::Documenter).await;

    // JSON: an unknown key, and a value of the wrong type.
    let mut unknown = json!({"reference": "R-1", "title": "t"});
    unknown[canary.as_str()] = json!(1);
    let res = app.post("/api/v1/cases", &documenter, unknown).await;
    let body = assert_problem(res, 400, "invalid_body").await;
    assert!(body["detail"].as_str().unwrap().starts_with("an unknown field at "), "{body}");
    let res = app.post("/api/v1/cases", &documenter, json!({"reference": canary.clone(), "title": 7})).await;
    let body = assert_problem(res, 400, "invalid_body").await;
    assert!(!body.to_string().contains(&canary), "{body}");
    // The query: an unknown parameter and a bad value.
    let res = app.get(&format!("/api/v1/audit?{canary}=1"), &auditor).await;
    let body = assert_problem(res, 400, "invalid_query").await;
    assert!(!body.to_string().contains(&canary), "{body}");
    let res = app.get(&format!("/api/v1/audit?from={canary}"), &auditor).await;
    let body = assert_problem(res, 400, "invalid_query").await;
    assert!(!body.to_string().contains(&canary), "{body}");
    // The path.
    let res = app.get(&format!("/api/v1/cases/{canary}"), &documenter).await;
    let body = assert_problem(res, 400, "invalid_path").await;
    assert!(!body.to_string().contains(&canary), "{body}");
    // An urlencoded form (the sign-in page).
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[(canary.as_str(), canary.as_str()), ("username", "x")])
        .send()
        .await
        .unwrap();
    assert!(!res.text().await.unwrap().contains(&canary));

    let logs = String::from_utf8_lossy(&captured_logs()).into_owned();
    assert!(!logs.contains(&canary), "the canary reached the log");
    // Percent-encoded in a URL, it must not be there either.
    let encoded = custodia::domain::percent::encode(&canary);
    assert!(!logs.contains(&encoded), "the canary reached the log, percent-encoded");
}

/// Reads one response (head lower-cased, body by `Content-Length`); `None` if the
/// connection closed first.
async fn read_response(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            while buf.len() < end + 4 + len {
                let n = stream.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some((head, buf[end + 4..end + 4 + len].to_vec()));
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn says_close(head: &str) -> bool {
    head.lines().any(|l| l.starts_with("connection:") && l.contains("close"))
}

#[tokio::test]
async fn an_early_refusal_of_a_post_never_leaves_a_kept_alive_connection_to_drop() {
    let app = spawn_app().await;
    let (_, documenter) = app.user_with_token(Role::Documenter).await;
    let addr = app.address.trim_start_matches("http://").to_owned();
    let body = r#"{"username": "someone-new", "password": "long enough password here", "role": "admin"}"#;

    // 403 and 401 before the body arrived: the server will not read it, and says so.
    for auth in [format!("Authorization: Bearer {documenter}\r\n"), String::new()] {
        let mut stream = TcpStream::connect(&addr).await.unwrap();
        let head = format!(
            "POST /api/v1/users HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let (head, _) = read_response(&mut stream).await.expect("an answer");
        assert!(head.starts_with("http/1.1 403") || head.starts_with("http/1.1 401"), "{head}");
        assert!(says_close(&head), "refused unread, yet offered for reuse:\n{head}");
    }

    // The body sent with the head: either the connection is said to close, or it serves
    // the next request.
    let mut stream = TcpStream::connect(&addr).await.unwrap();
    let request = format!(
        "POST /api/v1/users HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {documenter}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let (head, _) = read_response(&mut stream).await.expect("an answer");
    assert!(head.starts_with("http/1.1 403"), "{head}");
    if !says_close(&head) {
        let next = format!(
            "GET /api/v1/auth/me HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {documenter}\r\n\r\n"
        );
        stream.write_all(next.as_bytes()).await.unwrap();
        let (head, _) = read_response(&mut stream).await.expect("the kept-alive connection answers");
        assert!(head.starts_with("http/1.1 200"), "{head}");
    }

    // A body that was read keeps the connection alive: two requests on one connection.
    let mut stream = TcpStream::connect(&addr).await.unwrap();
    let case =
        format!(r#"{{"reference": "K-{}", "title": "t"}}"#, &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let request = format!(
        "POST /api/v1/cases HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {documenter}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{case}",
        case.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let (head, _) = read_response(&mut stream).await.expect("an answer");
    assert!(head.starts_with("http/1.1 201") && !says_close(&head), "{head}");
    let next =
        format!("GET /api/v1/auth/me HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {documenter}\r\n\r\n");
    stream.write_all(next.as_bytes()).await.unwrap();
    let (head, _) = read_response(&mut stream).await.expect("the kept-alive connection answers");
    assert!(head.starts_with("http/1.1 200"), "{head}");
}

#[tokio::test]
async fn the_api_sends_no_referrer_and_the_pages_only_to_themselves() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/auth/me", &app.admin).await;
    assert_eq!(res.headers()["referrer-policy"], "no-referrer");
    let res = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(res.headers()["referrer-policy"], "no-referrer");
    // The pages' forms must keep their Origin, which `no-referrer` would make `null`.
    let res = app.client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(res.headers()["referrer-policy"], "same-origin");
}

#[tokio::test]
async fn audit_times_are_answered_as_rfc3339_utc() {
    let app = spawn_app().await;
    let (_, auditor) = app.user_with_token(Role::Auditor).await;
    let page: Value = app.get("/api/v1/audit", &auditor).await.json().await.unwrap();
    let items = page["items"].as_array().unwrap();
    assert!(!items.is_empty());
    for item in items {
        let at = item["at"].as_str().unwrap();
        assert!(at.ends_with('Z'), "{at}");
        chrono::DateTime::parse_from_rfc3339(at).unwrap_or_else(|e| panic!("{at}: {e}"));
    }
    // The custody proofs answer the same text their leaf hash covers.
    let seq = items[0]["seq"].as_i64().unwrap();
    let res = app.get(&format!("/api/v1/audit/entries/{seq}/proof"), &auditor).await;
    if res.status() == 200 {
        let proof: Value = res.json().await.unwrap();
        let canonical: Value = serde_json::from_str(proof["canonical"].as_str().unwrap()).unwrap();
        assert_eq!(proof["entry"]["at"], canonical["at"]);
    }
}

#[tokio::test]
async fn paging_out_of_range_is_invalid_query() {
    let app = spawn_app().await;
    let (_, auditor) = app.user_with_token(Role::Auditor).await;
    for (path, token, field) in [
        ("/api/v1/cases?limit=0", &app.admin, "limit"),
        ("/api/v1/users?limit=201", &app.admin, "limit"),
        ("/api/v1/users?offset=-1", &app.admin, "offset"),
        ("/api/v1/audit?limit=1000", &auditor, "limit"),
    ] {
        let body = assert_problem(app.get(path, token).await, 400, "invalid_query").await;
        assert_eq!(body["errors"][0]["field"], field, "{path}: {body}");
    }
    let res = app.get("/api/v1/audit?from=2027-01-02T00:00:00Z&to=2027-01-01T00:00:00Z", &auditor).await;
    assert_problem(res, 400, "invalid_query").await;
}

#[tokio::test]
async fn case_members_need_their_own_permission_that_admins_have() {
    use custodia::access::policy::{self, Action};
    let app = spawn_app().await;
    let doc: Value =
        app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let op = &doc["paths"]["/api/v1/cases/{id}/members"]["get"];
    let text =
        format!("{} {}", op["summary"].as_str().unwrap_or(""), op["description"].as_str().unwrap_or(""));
    assert!(text.contains("Permission: `case.members_read`"), "{text}");
    assert!(policy::allowed(Role::Admin, Action::CaseMembersRead));
    assert!(!policy::allowed(Role::Admin, Action::CaseRead), "admins still read no content");

    let (_, member) = app.user_with_token(Role::Documenter).await;
    let (case_id, _) = testimony_in_new_case(&app, &member, Consent::shared_with(&[])).await;
    let path = format!("/api/v1/cases/{case_id}/members");
    assert_eq!(app.get(&path, &member).await.status(), 200);
    assert_eq!(app.get(&path, &app.admin).await.status(), 200, "admins manage membership");
    let (_, outsider) = app.user_with_token(Role::Investigator).await;
    assert_problem(app.get(&path, &outsider).await, 404, "not_found").await;
    let (_, auditor) = app.user_with_token(Role::Auditor).await;
    assert_problem(app.get(&path, &auditor).await, 403, "forbidden").await;
    // And still no content for the admin.
    let res =
        app.call(Method::GET, &format!("/api/v1/cases/{case_id}/testimonies"), Some(&app.admin), None).await;
    assert_problem(res, 404, "not_found").await;
}
