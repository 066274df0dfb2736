//! The S3 blob store against a real one (Garage, `.ci/garage.sh`), where it differs from
//! the folder: the store going away and coming back, orphans and unfinished uploads in
//! the bucket, refused credentials, objects altered in the bucket, and the migration
//! from the folder. The attachment and bundle tests run on it as well when
//! `CUSTODIA_TEST_S3_ENDPOINT` is set. Skipped without it, unless CUSTODIA_REQUIRE_TOOLS=1.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use custodia::config::S3Settings;
use custodia::crypto::{Dek, FieldContext};
use custodia::store::blobs::BlobStore;
use custodia::store::s3::S3Blobs;
use tokio::net::{TcpListener, TcpStream};

use crate::fixtures::draft_testimony;
use crate::helpers::*;

/// A TCP relay in front of Garage that can be cut (every connection dropped, new ones
/// refused) and restored: the object store going away under a running service.
struct Relay {
    port: u16,
    down: Arc<AtomicBool>,
    live: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl Relay {
    async fn to(endpoint: &str) -> Relay {
        let target = endpoint.trim_start_matches("http://").trim_end_matches('/').to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let down = Arc::new(AtomicBool::new(false));
        let live: Arc<Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let (is_down, conns) = (down.clone(), live.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if is_down.load(Ordering::SeqCst) {
                    continue; // dropped: the connection is reset
                }
                let target = target.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                conns.lock().unwrap().push(task.abort_handle());
            }
        });
        Relay { port, down, live, accept }
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        for task in self.live.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    fn restore(&self) {
        self.down.store(false, Ordering::SeqCst);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

// Two workers: the relay runs on the test's runtime while a check blocks on the store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_object_store_answers_503_records_nothing_and_recovers_without_restart() {
    let Some(s3) = require_s3() else { return };
    let relay = Relay::to(&s3.endpoint).await;
    let endpoint = relay.endpoint();
    let app = spawn_app_with(move |s| {
        let mut s3 = s3.clone();
        s3.endpoint = endpoint;
        s.storage.kind = custodia::config::StorageKind::S3;
        s.storage.s3 = Some(s3);
    })
    .await;
    let (token, testimony) = draft_testimony(&app).await;
    let kept = app.upload(&token, &testimony, Upload::bytes("kept").content_type("text/plain")).await.id;

    relay.cut();
    let path = format!("/api/v1/testimonies/{testimony}/attachments");
    let res =
        app.upload_response(&token, &path, Upload::bytes(vec![5u8; 50_000]).content_type("text/plain")).await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 503, "object_store_unavailable").await;
    let res = app.get(&format!("/api/v1/attachments/{kept}/content"), &token).await;
    assert_problem(res, 503, "object_store_unavailable").await;
    let url = app.url(&format!("/api/v1/attachments/{kept}/content"));
    let res = app.client.get(url).bearer_auth(&token).header("range", "bytes=1-2").send().await.unwrap();
    assert_problem(res, 503, "object_store_unavailable").await;
    assert!(!app.audit_actions().await.contains(&"integrity_error".to_owned()), "an outage is not damage");
    let view = app.get_json(&format!("/api/v1/testimonies/{testimony}"), &token).await;
    assert_eq!(view["attachments"].as_array().unwrap().len(), 1, "no row for the failed upload");
    let uploads = app.audit_actions().await.iter().filter(|a| *a == "attachment.upload").count();
    assert_eq!(uploads, 1, "only the upload that was stored is audited");

    relay.restore();
    let again = app.upload(&token, &testimony, Upload::bytes("again").content_type("text/plain")).await.id;
    let res = app.get(&format!("/api/v1/attachments/{again}/content"), &token).await;
    assert_eq!(res.text().await.unwrap(), "again");
    let res = app.get(&format!("/api/v1/attachments/{kept}/content"), &token).await;
    assert_eq!(res.text().await.unwrap(), "kept");
    // Every row points at an object.
    assert_eq!(app.stored_blobs().len(), 2);
}

#[tokio::test]
async fn orphan_objects_are_swept_once_old_and_objects_in_use_are_kept() {
    let Some(_) = require_s3() else { return };
    let app = spawn_app_with(on_s3).await;
    let (token, testimony) = draft_testimony(&app).await;
    let kept = app.upload(&token, &testimony, Upload::bytes("kept").content_type("text/plain")).await.id;
    let ctx = FieldContext::new("attachments", "x", "content");
    let (orphan, _, _) =
        app.blob_store().put_encrypted(&Dek::generate(), &ctx, &b"left by a crash"[..]).unwrap();
    assert_eq!(app.stored_blobs().len(), 2);
    // Just stored: might be another node's upload about to be committed.
    assert_eq!(app.state.attachments.sweep_orphans().await.unwrap(), 0);

    // The same database and bucket seen two hours later.
    let later = chrono::Utc::now() + chrono::TimeDelta::hours(2);
    let mut settings = test_settings(&app.db);
    on_s3(&mut settings);
    let services = custodia::services::Services::open_with_clock(
        &settings,
        false,
        custodia::clock::Clock::manual(later),
    )
    .await
    .unwrap();
    assert_eq!(services.attachments.sweep_orphans().await.unwrap(), 1);
    let left: Vec<_> = app.stored_blobs().into_iter().map(|(id, _)| id).collect();
    assert_eq!(left.len(), 1);
    assert_ne!(left[0], orphan);
    let res = app.get(&format!("/api/v1/attachments/{kept}/content"), &token).await;
    assert_eq!(res.text().await.unwrap(), "kept");
}

#[tokio::test]
async fn start_up_refuses_wrong_credentials_a_missing_bucket_or_no_store_and_says_which() {
    let Some(s3) = require_s3() else { return };
    let db = TestDb::new();
    let cases: [(&str, Breakage); 3] = [
        ("secret_access_key", |s| s.secret_access_key = "0".repeat(64).into()),
        ("no bucket", |s| s.bucket = format!("missing-{}", uuid::Uuid::new_v4().simple())),
        ("unreachable", |s| s.endpoint = format!("http://127.0.0.1:{}", closed_port())),
    ];
    for (says, change) in cases {
        let mut settings = test_settings(&db);
        let mut wrong = s3.clone();
        change(&mut wrong);
        settings.storage.kind = custodia::config::StorageKind::S3;
        settings.storage.s3 = Some(wrong);
        let Err(err) = custodia::services::Services::open(&settings, true).await else {
            panic!("{says}: started")
        };
        assert!(err.to_string().contains(says), "{says}: {err}");
        assert!(!err.to_string().contains(&"0".repeat(64)), "never the secret: {err}");
    }
}

/// A way to get a setting wrong.
type Breakage = fn(&mut S3Settings);

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn an_object_truncated_in_the_bucket_is_an_integrity_error_as_in_the_folder() {
    let Some(_) = require_s3() else { return };
    let app = spawn_app_with(on_s3).await;
    let (token, testimony) = draft_testimony(&app).await;
    let body: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let id =
        app.upload(&token, &testimony, Upload::bytes(body).content_type("application/octet-stream")).await.id;
    app.tamper_blob(app.only_blob(), |bytes| bytes.truncate(bytes.len() - 1000));
    let res = app.get(&format!("/api/v1/attachments/{id}/content"), &token).await;
    // The start verifies, so the answer began: it is cut short, never completed.
    let status = res.status().as_u16();
    let whole = res.bytes().await;
    assert!(status == 500 || whole.is_err() || whole.unwrap().len() < 200_000, "status {status}");
    let actions = app.audit_actions().await;
    assert!(actions.iter().any(|a| a == "integrity_error"), "{actions:?}");
}

#[test]
fn an_upload_dropped_half_way_leaves_no_object_and_a_young_one_is_not_aborted() {
    let Some(s3) = require_s3() else { return };
    let store = S3Blobs::new(&s3).unwrap();
    // Over one part (8 MiB): a multipart upload is under way when the writer goes.
    let mut writer = store.create().unwrap();
    writer.write_all(&vec![1u8; 9 * 1024 * 1024]).unwrap();
    drop(writer);
    assert!(store.objects().unwrap().is_empty(), "nothing visible");
    assert_eq!(store.pending_uploads().unwrap(), 0, "the upload was aborted");

    // A node killed mid-upload cannot abort: its upload stays invisible, and another
    // node's start-up leaves it alone while it may still be in progress.
    let mut writer = store.create().unwrap();
    writer.write_all(&vec![2u8; 9 * 1024 * 1024]).unwrap();
    let _ = Box::leak(writer);
    assert!(store.objects().unwrap().is_empty());
    assert_eq!(store.pending_uploads().unwrap(), 1);
    assert_eq!(store.clean_tmp().unwrap(), 0, "young uploads are kept");

    // A large blob goes up in parts and reads back whole, from any offset.
    let dek = Dek::generate();
    let ctx = FieldContext::new("attachments", "big", "content");
    let data: Vec<u8> = (0..20_000_000u32).map(|i| (i % 253) as u8).collect();
    let store: Arc<dyn BlobStore> = Arc::new(store);
    let (id, len, _) = store.put_encrypted(&dek, &ctx, &data[..]).unwrap();
    assert_eq!(len, data.len() as u64);
    let mut plain = Vec::new();
    custodia::crypto::decrypt_reader(&dek, &ctx, store.open_blob(id).unwrap(), &mut plain).unwrap();
    assert!(plain == data, "read back whole");
    let mut reader = store.open_blob(id).unwrap();
    use std::io::{Read, Seek, SeekFrom};
    let total = reader.seek(SeekFrom::End(0)).unwrap();
    reader.seek(SeekFrom::Start(total - 10)).unwrap();
    let mut tail = Vec::new();
    reader.read_to_end(&mut tail).unwrap();
    assert_eq!(tail.len(), 10);
    store.delete(id).unwrap();
    assert!(matches!(store.open_blob(id), Err(custodia::error::Error::NotFound)));
}

#[tokio::test]
async fn blobs_migrate_copies_the_folder_into_the_bucket_verified_and_resumes() {
    let Some(_) = require_s3() else { return };
    let app = spawn_app_with(pin_folder).await;
    let (token, testimony) = draft_testimony(&app).await;
    for i in 0..3 {
        let body = format!("file {i}").repeat(1000);
        app.upload(&token, &testimony, Upload::bytes(body).content_type("text/plain")).await;
    }
    let folder = app.stored_blobs();
    assert_eq!(folder.len(), 3);
    let migrate = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_custodia"))
            .env("CUSTODIA_CONFIG_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/config"))
            .env("CUSTODIA_ENV", "test")
            .env("CUSTODIA__DATABASE__URL", app.db.url())
            .env("CUSTODIA__KEYS__KEY_FILE", app.db.dir.path().join("root.key"))
            .env("CUSTODIA__STORAGE__BLOB_DIR", app.db.dir.path().join("blobs"))
            .envs(s3_env(app.db.s3.as_ref().unwrap()))
            .env("CUSTODIA__STORAGE__KIND", "folder")
            .args(["blobs", "migrate", "--to", "s3"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let said = migrate();
    assert!(said.starts_with("3 blobs copied and verified"), "{said}");
    let bucket = S3Blobs::new(app.db.s3.as_ref().unwrap()).unwrap();
    let mut copied: Vec<_> = bucket
        .list()
        .unwrap()
        .into_iter()
        .map(|(id, _)| {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut bucket.open_blob(id).unwrap(), &mut bytes).unwrap();
            (id, bytes)
        })
        .collect();
    copied.sort();
    assert!(copied == folder, "the same ids and the same ciphertext");

    // A blob damaged in the bucket is copied again; the others are skipped.
    let (id, mut bytes) = copied[0].clone();
    bytes[40] ^= 1;
    bucket.copy_in(id, &mut &bytes[..]).unwrap();
    let said = migrate();
    assert!(said.starts_with("1 blobs copied and verified") && said.contains("2 already"), "{said}");
    assert_eq!(bucket.digest(id).unwrap(), custodia_digest(&folder[0].1));
}

fn custodia_digest(bytes: &[u8]) -> Option<(u64, [u8; 32])> {
    use sha2::Digest;
    Some((bytes.len() as u64, sha2::Sha256::digest(bytes).into()))
}
