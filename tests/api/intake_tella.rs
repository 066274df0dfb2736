//! Tella Web's API as Tella's Android app calls it (ReportsApiService and
//! ReportsRepositoryImp in Horizontal-org/Tella-Android; the routes of
//! Horizontal-org/TellaWeb-backend): `login/`, the project by slug, a report, `HEAD` for
//! the size received and chunked `PUT`s with `Content-Range`, interrupted and resumed;
//! then the refusals: ranges that overlap, skip or exceed, another device's report, a
//! revoked device, repeated failed logins.

use custodia::access::Allowed;
use custodia::audit::Actor;
use custodia::domain::Role;
use custodia::intake::tella::project_slug;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::helpers::*;

const BASE: &str = "/api/v1/tella";
/// Small chunks so a few MiB make many of them.
const CHUNK: usize = 256 * 1024;

struct Phone {
    user: Uuid,
    username: String,
    case: Uuid,
    /// The case lead's session (empty for a phone added to a case made elsewhere).
    lead: String,
}

/// A case led by a documenter, and a device account submitting to it.
async fn new_phone(app: &TestApp) -> Phone {
    let (lead, token) = app.user_with_token(Role::Documenter).await;
    let case = app.create_case(&token, NewCase::any()).await.id;
    let case = Uuid::parse_str(case.as_str()).unwrap();
    Phone { lead: token, ..phone_in(app, lead, case).await }
}

async fn phone_in(app: &TestApp, lead: Uuid, case: Uuid) -> Phone {
    use custodia::store::schema::intake_devices;
    use diesel::prelude::*;
    let username = unique("phone");
    let user = app.add_user(&username, Role::Intake).await;
    app.state
        .context()
        .write_plain(move |c| {
            diesel::insert_into(intake_devices::table)
                .values((
                    intake_devices::user_id.eq(user.to_string()),
                    intake_devices::case_id.eq(case.to_string()),
                    intake_devices::label.eq(b"sealed elsewhere".to_vec()),
                    intake_devices::created_by.eq(lead.to_string()),
                    intake_devices::created_at.eq(chrono::Utc::now().naive_utc()),
                ))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    Phone { user, username, case, lead: String::new() }
}

async fn tella_login(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    // The app appends "login/" to the server URL it derived from the project URL.
    let body = json!({"username": username, "password": password});
    app.client.post(app.url(&format!("{BASE}/login/"))).json(&body).send().await.unwrap()
}

async fn signed_in(app: &TestApp, phone: &Phone) -> String {
    let res = tella_login(app, &phone.username, PASSWORD).await;
    let body = expect(res, 200, "tella login").await;
    assert_eq!(body["user"]["username"], phone.username.as_str());
    body["access_token"].as_str().unwrap().to_owned()
}

async fn new_report(app: &TestApp, token: &str, project: Uuid) -> Uuid {
    let body = json!({"title": "Checkpoint at the border", "description": "They took my phone."});
    let res = app.post(&format!("{BASE}/project/{project}"), token, body).await;
    let report = expect(res, 201, "create report").await;
    assert_eq!(report["title"], "Checkpoint at the border");
    Uuid::parse_str(report["id"].as_str().unwrap()).unwrap()
}

fn file_url(report: Uuid, name: &str) -> String {
    format!("{BASE}/file/{report}/{name}")
}

async fn size_held(app: &TestApp, token: &str, report: Uuid, name: &str) -> u64 {
    let res = app.client.head(app.url(&file_url(report, name))).bearer_auth(token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "HEAD");
    res.headers()["size"].to_str().unwrap().parse().unwrap()
}

async fn put(
    app: &TestApp,
    token: &str,
    report: Uuid,
    name: &str,
    range: &str,
    body: Vec<u8>,
    info: Option<&Value>,
) -> reqwest::Response {
    let mut req = app
        .client
        .put(app.url(&format!("{BASE}/file/v2/{report}/{name}")))
        .bearer_auth(token)
        .header("Content-Range", range)
        .header("Content-Type", "video/mp4")
        .body(body);
    if let Some(info) = info {
        req = req.header("X-File-Info", info.to_string());
    }
    req.send().await.unwrap()
}

/// Sends the chunk of `data` that starts at `start`: its response.
async fn send_chunk(
    app: &TestApp,
    token: &str,
    report: Uuid,
    name: &str,
    data: &[u8],
    start: usize,
    info: Option<&Value>,
) -> reqwest::Response {
    let end = (start + CHUNK).min(data.len());
    let range = format!("bytes {}-{}/{}", start, end - 1, data.len());
    put(app, token, report, name, &range, data[start..end].to_vec(), info).await
}

/// A `PUT` whose connection drops after `sent` of the chunk's `len` bytes, as a phone
/// losing its network does.
#[allow(clippy::too_many_arguments)]
async fn cut_short(
    app: &TestApp,
    token: &str,
    report: Uuid,
    name: &str,
    start: usize,
    sent: &[u8],
    len: usize,
    total: usize,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.address.trim_start_matches("http://");
    let mut conn = tokio::net::TcpStream::connect(address).await.unwrap();
    let media = if name.ends_with(".mp4") { "video/mp4" } else { "image/jpeg" };
    let head = format!(
        "PUT {BASE}/file/v2/{report}/{name} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: {media}\r\nContent-Range: bytes {start}-{}/{total}\r\nContent-Length: {len}\r\n\r\n",
        start + len - 1
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    conn.write_all(sent).await.unwrap();
    conn.shutdown().await.unwrap();
    // Whatever the server answers (or not) once it sees the body end early.
    let mut answer = Vec::new();
    let _ = conn.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 4"), "{answer}");
}

/// Deterministic pseudo-random bytes (incompressible, unlike a pattern).
fn random_bytes(len: usize, mut state: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

#[tokio::test]
async fn a_large_file_interrupted_three_times_arrives_whole_and_the_report_reaches_the_inbox() {
    let app = spawn_app().await;
    let phone = new_phone(&app).await;
    let token = signed_in(&app, &phone).await;

    let slug = project_slug(phone.case);
    let project = expect(app.get(&format!("{BASE}/p/{slug}"), &token).await, 200, "project").await;
    assert_eq!(project["id"], phone.case.to_string());
    assert_eq!(project["slug"], slug.as_str());
    let project = Uuid::parse_str(project["id"].as_str().unwrap()).unwrap();
    let report = new_report(&app, &token, project).await;

    let data = random_bytes(5 * 1024 * 1024 + 12_345, 7);
    let name = "a1b2c3.mp4";
    let info = json!({"location": {"lat": 53.9, "lon": 27.56}, "cell": "257-02-1234", "wifi": ["home"]});
    assert_eq!(size_held(&app, &token, report, name).await, 0);

    // Three chunks go through, then the client stops (1st interruption).
    for start in (0..3 * CHUNK).step_by(CHUNK) {
        let res = send_chunk(&app, &token, report, name, &data, start, None).await;
        assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(res.headers()["range"], format!("bytes=0-{}", start + CHUNK - 1).as_str());
        let body: Value = res.json().await.unwrap();
        assert_eq!(body, json!({"success": true, "error": null, "complete": false}));
    }
    // It resumes from what HEAD says; the next chunk's body is cut short mid-way
    // (2nd): the connection drops, nothing of it is kept.
    let held = size_held(&app, &token, report, name).await as usize;
    assert_eq!(held, 3 * CHUNK);
    cut_short(&app, &token, report, name, held, &data[held..held + CHUNK / 2], CHUNK, data.len()).await;
    assert_eq!(size_held(&app, &token, report, name).await as usize, held);
    // A chunk whose answer was lost is sent again (3rd): refused as overlapping, with
    // the range held, and the client goes on from there.
    let res = send_chunk(&app, &token, report, name, &data, held, None).await;
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
    let res = send_chunk(&app, &token, report, name, &data, held, None).await;
    assert_eq!(res.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(res.headers()["range"], format!("bytes=0-{}", held + CHUNK - 1).as_str());
    assert_problem(res, 416, "range_not_satisfiable").await;

    // The rest, from what the server holds; the metadata comes with the last chunk.
    let mut start = size_held(&app, &token, report, name).await as usize;
    let mut last = None;
    while start < data.len() {
        let final_chunk = start + CHUNK >= data.len();
        let res = send_chunk(&app, &token, report, name, &data, start, final_chunk.then_some(&info)).await;
        if final_chunk {
            last = Some(expect(res, 200, "last chunk").await);
        } else {
            assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
        }
        start += CHUNK;
    }
    let last = last.unwrap();
    assert_eq!(last["fileName"], name);
    assert_eq!(last["bucket"], report.to_string());
    assert_eq!(last["type"], "video");
    assert_eq!(size_held(&app, &token, report, name).await as usize, data.len());
    // Complete: a chunk more is refused.
    let res = send_chunk(&app, &token, report, name, &data, 0, None).await;
    assert_eq!(res.status(), StatusCode::RANGE_NOT_SATISFIABLE);

    let closed =
        expect(app.post(&format!("{BASE}/report/{report}/close"), &token, json!({})).await, 200, "close")
            .await;
    assert_eq!(closed, json!({"success": true}));
    // The report was in the inbox from its creation; closing it again changes nothing.
    let again = app.post(&format!("{BASE}/report/{report}/close"), &token, json!({})).await;
    assert_eq!(expect(again, 200, "close again").await, json!({"success": true}));

    // The file as stored: whole, hashed as received and as content, the app's
    // metadata sealed with it.
    let who = app.state.auth.authenticate(&token).await.unwrap().0;
    let device = app.state.intake.device(Allowed::check(who).unwrap()).await.unwrap();
    let stored = app.state.intake.received_file(&device, report, name).await.unwrap().expect("the file");
    let sha = hex::encode(Sha256::digest(&data));
    assert_eq!(stored.size, data.len() as u64);
    assert_eq!(stored.received, data.len() as u64);
    assert_eq!(stored.meta.sha256, sha);
    assert_eq!(stored.meta.received_sha256, sha);
    assert_eq!(stored.meta.client, Some(info));
    assert_eq!(stored.id.to_string(), last["id"].as_str().unwrap());

    // One submission, pending, with one file; its chunks, their keys and blobs gone.
    let (status, files, chunks, keys) = counts(&app, report, stored.id).await;
    assert_eq!(status, "pending");
    assert_eq!((files, chunks, keys), (1, 0, 0));
    assert_eq!(app.stored_blobs().len(), 1, "only the joined file's blob remains");
    assert_eq!(app.unfinished_uploads(), 0);
    let actions = app.audit_actions().await;
    let count = |a: &str| actions.iter().filter(|x| *x == a).count();
    assert_eq!(count("intake.file"), 1);
    assert_eq!(count("intake.submission"), 1);
    assert_eq!(count("intake.report"), 1);
    assert_eq!(count("intake.chunk"), data.len().div_ceil(CHUNK));
    // The file's custody entry names it as the attachment it becomes, with its hashes.
    let entry = custody_entry(&app, stored.id).await;
    assert_eq!(entry["sha256"], sha.as_str());
    assert_eq!(entry["received_sha256"], sha.as_str());
    assert_eq!(entry["size"], data.len() as u64);
}

/// The submission's status, its files, the file's chunks and the chunks' keys.
async fn counts(app: &TestApp, report: Uuid, file: Uuid) -> (String, i64, i64, i64) {
    use custodia::store::schema::{data_keys, intake_chunks, intake_files, intake_submissions};
    use diesel::prelude::*;
    app.state
        .context()
        .read(move |c| {
            let status = intake_submissions::table
                .find(report.to_string())
                .select(intake_submissions::status)
                .first::<String>(c)?;
            let files = intake_files::table
                .filter(intake_files::submission_id.eq(report.to_string()))
                .count()
                .get_result(c)?;
            let chunks = intake_chunks::table
                .filter(intake_chunks::file_id.eq(file.to_string()))
                .count()
                .get_result(c)?;
            let keys = data_keys::table
                .filter(data_keys::record_table.eq("attachments"))
                .filter(data_keys::record_id.like(format!("{file}:%")))
                .count()
                .get_result(c)?;
            Ok((status, files, chunks, keys))
        })
        .await
        .unwrap()
}

async fn custody_entry(app: &TestApp, file: Uuid) -> Value {
    let entries = app.state.context().read(|c| custodia::audit::recent(c, 1000)).await.unwrap();
    let entry = entries
        .into_iter()
        .find(|e| e.action == "intake.file" && e.target_id.as_deref() == Some(file.to_string().as_str()))
        .expect("the file's custody entry");
    serde_json::from_str(&entry.details).unwrap()
}

#[tokio::test]
async fn ranges_that_overlap_skip_exceed_or_change_the_total_are_refused_and_nothing_is_kept() {
    let app = spawn_app().await;
    let phone = new_phone(&app).await;
    let token = signed_in(&app, &phone).await;
    let report = new_report(&app, &token, phone.case).await;
    let name = "clip.mp4";
    let data = random_bytes(3 * 1000, 11);
    let go = |range: &'static str, body: Vec<u8>| put(&app, &token, report, name, range, body, None);

    // A file's first chunk must start at 0.
    assert_problem(go("bytes 1000-1999/3000", data[1000..2000].to_vec()).await, 416, "range_not_satisfiable")
        .await;
    assert_eq!(go("bytes 0-999/3000", data[..1000].to_vec()).await.status(), StatusCode::PARTIAL_CONTENT);
    // Overlapping, skipping ahead.
    assert_problem(go("bytes 500-1499/3000", data[500..1500].to_vec()).await, 416, "range_not_satisfiable")
        .await;
    assert_problem(go("bytes 2000-2999/3000", data[2000..].to_vec()).await, 416, "range_not_satisfiable")
        .await;
    // Beyond the total, or a total other than the first chunk's.
    assert_problem(go("bytes 1000-3000/3000", vec![0; 2001]).await, 400, "bad_request").await;
    assert_problem(go("bytes 1000-1999/4000", data[1000..2000].to_vec()).await, 400, "bad_request").await;
    // A body that is not the range's length, a malformed or missing range.
    assert_problem(go("bytes 1000-1999/3000", vec![0; 10]).await, 400, "bad_request").await;
    assert_problem(go("bytes=1000-1999/3000", data[1000..2000].to_vec()).await, 400, "bad_request").await;
    let res = app
        .client
        .put(app.url(&format!("{BASE}/file/v2/{report}/{name}")))
        .bearer_auth(&token)
        .body(data[1000..2000].to_vec())
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "bad_request").await;
    // Larger than any file may be.
    let huge = put(&app, &token, report, "huge.bin", "bytes 0-9/999999999999999", vec![0; 10], None).await;
    assert_problem(huge, 413, "payload_too_large").await;

    // None of it was kept: the one good chunk alone.
    assert_eq!(size_held(&app, &token, report, name).await, 1000);
    assert_eq!(app.stored_blobs().len(), 1);
    assert_eq!(app.unfinished_uploads(), 0);
    // The report waits in the inbox while a file is arriving, and the lead cannot accept
    // it until the file is whole.
    let accept = format!("/api/v1/intake/submissions/{report}/accept");
    assert_problem(app.post(&accept, &phone.lead, json!({})).await, 409, "conflict").await;
}

#[tokio::test]
async fn a_device_sees_only_its_own_project_and_reports() {
    let app = spawn_app().await;
    let phone = new_phone(&app).await;
    let token = signed_in(&app, &phone).await;
    let report = new_report(&app, &token, phone.case).await;
    let name = "photo.jpg";
    assert_eq!(put(&app, &token, report, name, "bytes 0-9/20", vec![1; 10], None).await.status(), 206);

    // A device of another case, and another device of the same case.
    let stranger = new_phone(&app).await;
    let stranger_token = signed_in(&app, &stranger).await;
    let colleague = {
        let lead = app.add_user(&unique("lead"), Role::Documenter).await;
        phone_in(&app, lead, phone.case).await
    };
    let colleague_token = signed_in(&app, &colleague).await;
    for t in [&stranger_token, &colleague_token] {
        let res = app.client.head(app.url(&file_url(report, name))).bearer_auth(t).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let res = put(&app, t, report, name, "bytes 10-19/20", vec![2; 10], None).await;
        assert_problem(res, 404, "not_found").await;
        assert_problem(
            app.post(&format!("{BASE}/report/{report}/close"), t, json!({})).await,
            404,
            "not_found",
        )
        .await;
    }
    // Another case's project, by slug or by id.
    let slug = project_slug(phone.case);
    assert_problem(app.get(&format!("{BASE}/p/{slug}"), &stranger_token).await, 404, "not_found").await;
    let res =
        app.post(&format!("{BASE}/project/{}", phone.case), &stranger_token, json!({"title": "x"})).await;
    assert_problem(res, 404, "not_found").await;
    // A person's session is no device's.
    let (_, person) = app.user_with_token(Role::Documenter).await;
    assert_problem(app.get(&format!("{BASE}/p/{slug}"), &person).await, 403, "forbidden").await;
    assert_eq!(size_held(&app, &token, report, name).await, 10);
}

#[tokio::test]
async fn a_revoked_device_is_refused_on_its_next_request() {
    use custodia::store::schema::intake_devices;
    use diesel::prelude::*;
    let app = spawn_app().await;
    let phone = new_phone(&app).await;
    let token = signed_in(&app, &phone).await;
    let report = new_report(&app, &token, phone.case).await;
    assert_eq!(put(&app, &token, report, "a.jpg", "bytes 0-9/20", vec![1; 10], None).await.status(), 206);

    // Revoking disables the account and marks the device (as the devices service does).
    let user = phone.user;
    app.state
        .context()
        .write_plain(move |c| {
            diesel::update(intake_devices::table.find(user.to_string()))
                .set(intake_devices::revoked_at.eq(chrono::Utc::now().naive_utc()))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    app.state.auth.set_disabled(Actor::default(), phone.user, true).await.unwrap();

    let res = put(&app, &token, report, "a.jpg", "bytes 10-19/20", vec![2; 10], None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = app.client.head(app.url(&file_url(report, "a.jpg"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_problem(tella_login(&app, &phone.username, PASSWORD).await, 401, "invalid_credentials").await;
}

#[tokio::test]
async fn failed_device_logins_are_throttled_and_people_cannot_sign_in_here() {
    let app = spawn_app().await;
    let phone = new_phone(&app).await;
    for _ in 0..5 {
        assert_problem(
            tella_login(&app, &phone.username, "wrong password!").await,
            401,
            "invalid_credentials",
        )
        .await;
    }
    let res = tella_login(&app, &phone.username, PASSWORD).await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 429, "rate_limited").await;
    // A person's account is no device's.
    let name = unique("person");
    app.add_user(&name, Role::Documenter).await;
    assert_problem(tella_login(&app, &name, PASSWORD).await, 401, "invalid_credentials").await;
    // The path without the app's trailing slash works too.
    let lead = app.add_user(&unique("lead"), Role::Documenter).await;
    let other = phone_in(&app, lead, phone.case).await;
    let res = app
        .client
        .post(app.url(&format!("{BASE}/login")))
        .json(&json!({"username": other.username, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn older_apps_send_the_rest_of_a_file_in_one_put_and_close_it() {
    let app = spawn_app().await;
    let phone = new_phone(&app).await;
    let token = signed_in(&app, &phone).await;
    let report = new_report(&app, &token, phone.case).await;
    let data = random_bytes(700_000, 5);
    let rest = |name: &'static str, from: usize| {
        let (app, token, data) = (&app, &token, &data);
        async move {
            app.client
                .put(app.url(&file_url(report, name)))
                .bearer_auth(token)
                .header("Content-Type", "image/jpeg")
                .body(data[from..].to_vec())
                .send()
                .await
                .unwrap()
        }
    };

    // Cut short, then sent again from what HEAD says (0), then closed.
    cut_short(&app, &token, report, "one.jpg", 0, &data[..100_000], data.len(), data.len()).await;
    assert_eq!(size_held(&app, &token, report, "one.jpg").await, 0);
    let file = expect(rest("one.jpg", 0).await, 200, "the whole file").await;
    assert_eq!(file["type"], "image");
    let closed = app.post(&file_url(report, "one.jpg"), &token, json!({})).await;
    assert_eq!(expect(closed, 200, "close file").await, json!({"success": true}));

    // Begun in chunks, finished with the rest in one body.
    let res = send_chunk(&app, &token, report, "two.jpg", &data, 0, None).await;
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
    let held = size_held(&app, &token, report, "two.jpg").await as usize;
    expect(rest("two.jpg", held).await, 200, "the rest").await;
    // A file not yet whole cannot be closed.
    assert_eq!(send_chunk(&app, &token, report, "three.jpg", &data, 0, None).await.status(), 206);
    assert_problem(app.post(&file_url(report, "three.jpg"), &token, json!({})).await, 409, "conflict").await;

    let who = app.state.auth.authenticate(&token).await.unwrap().0;
    let device = app.state.intake.device(Allowed::check(who).unwrap()).await.unwrap();
    let sha = hex::encode(Sha256::digest(&data));
    for name in ["one.jpg", "two.jpg"] {
        let stored = app.state.intake.received_file(&device, report, name).await.unwrap().expect("whole");
        assert_eq!(stored.meta.sha256, sha, "{name}");
    }
}

/// Invariant 1 for Tella: a report's title and description, the app's metadata and the
/// file's bytes (in chunks, then joined) reach no byte at rest, no row and no log line.
#[tokio::test]
async fn no_canary_from_a_tella_report_reaches_disk_rows_or_logs() {
    use crate::canary::{assert_absent, database_rows};
    let app = spawn_app().await;
    let tag = Uuid::new_v4().simple().to_string();
    let canary = |what: &str| format!("CANARY{tag}{what} Алина Канарейкина");
    let canaries: Vec<String> = ["title", "description", "place", "file"].iter().map(|w| canary(w)).collect();
    let phone = new_phone(&app).await;
    let token = signed_in(&app, &phone).await;
    let body = json!({"title": canary("title"), "description": canary("description")});
    let report =
        expect(app.post(&format!("{BASE}/project/{}", phone.case), &token, body).await, 201, "report").await;
    let report = Uuid::parse_str(report["id"].as_str().unwrap()).unwrap();
    let data = canary("file").repeat(2 * CHUNK / canary("file").len() + 7).into_bytes();
    let info = json!({"location": canary("place")});
    let mut start = 0;
    while start < data.len() {
        let res = send_chunk(&app, &token, report, "v.mp4", &data, start, Some(&info)).await;
        assert!(res.status().is_success(), "{}", res.status());
        start += CHUNK;
    }
    expect(app.post(&format!("{BASE}/report/{report}/close"), &token, json!({})).await, 200, "close").await;

    for (path, bytes) in app.bytes_at_rest() {
        assert_absent(&path.display().to_string(), &bytes, &canaries);
    }
    let dump = database_rows(&app).await;
    assert_absent("database rows", dump.as_bytes(), &canaries);
    assert_absent("logs", &captured_logs(), &canaries);
}
