//! The database goes away and comes back: requests and /readyz answer 503 meanwhile,
//! and the service recovers by itself. PostgreSQL only (run through a TCP proxy this test
//! can cut); an embedded SQLite file cannot "go away" in the same sense.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::fixtures::draft_testimony;
use crate::helpers::*;

/// A loopback TCP proxy that can be cut (listener closed, live connections dropped)
/// and restored on the same port.
struct Proxy {
    port: u16,
    upstream: String,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let proxy = Proxy { port, upstream, tasks: Arc::default() };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let (upstream, tasks) = (self.upstream.clone(), self.tasks.clone());
        let acceptor = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let conn = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                tasks.lock().unwrap().push(conn);
            }
        });
        self.tasks.lock().unwrap().push(acceptor);
    }

    fn cut(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    async fn restore(&self) {
        // The port was just released; binding it again may take a moment.
        for _ in 0..50 {
            if let Ok(listener) = TcpListener::bind(("127.0.0.1", self.port)).await {
                self.serve(listener);
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("could not rebind the proxy port");
    }
}

// Multi-threaded: start-up connects synchronously, and the proxy must answer meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_gives_503_and_the_service_recovers_without_restart() {
    let Some(base) = postgres_url() else { return };
    let authority = base.split('@').nth(1).and_then(|rest| rest.split('/').next()).unwrap().to_owned();
    let proxy = Proxy::start(authority.clone()).await;
    let proxied = format!("127.0.0.1:{}", proxy.port);
    let app = spawn_app_with(|s| {
        use secrecy::ExposeSecret;
        let url = s.database.url.expose_secret().replace(&authority, &proxied);
        s.database.url = url.into();
        s.database.connect_timeout_secs = 1;
    })
    .await;
    assert_eq!(app.get("/api/v1/auth/me", &app.admin).await.status(), 200);

    proxy.cut();
    assert_problem(app.get("/api/v1/auth/me", &app.admin).await, 503, "unavailable").await;
    assert_problem(app.client.get(app.url("/readyz")).send().await.unwrap(), 503, "unavailable").await;
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);

    proxy.restore().await;
    let mut status = 0;
    for _ in 0..50 {
        status = app.get("/api/v1/auth/me", &app.admin).await.status().as_u16();
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, 200, "recovered without a restart");
    assert_eq!(app.client.get(app.url("/readyz")).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn files_left_by_a_crash_are_swept_and_files_in_use_are_kept() {
    use custodia::crypto::{Dek, FieldContext};
    // Ages files by their modification time; the bucket's sweep is in object_store.rs.
    let app = spawn_app_with(pin_folder).await;
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 3600);
    let ctx = FieldContext::new("attachments", "x", "content");
    let (orphan, _, _) =
        app.state.attachments.blobs().put_encrypted(&Dek::generate(), &ctx, &b"left by a crash"[..]).unwrap();
    let (recent, _, _) =
        app.state.attachments.blobs().put_encrypted(&Dek::generate(), &ctx, &b"being committed"[..]).unwrap();
    // A real attachment, as old as the orphan.
    let (token, testimony) = draft_testimony(&app).await;
    let file = Upload::bytes("kept").content_type("text/plain").filename("a.txt");
    let attachment = app.upload(&token, &testimony, file).await.id;
    let listed = app.state.attachments.blobs().list().unwrap();
    assert_eq!(listed.len(), 3);
    for (id, _) in &listed {
        if *id != recent {
            let path = app
                .db
                .dir
                .path()
                .join("blobs")
                .join(&id.simple().to_string()[..2])
                .join(id.simple().to_string());
            std::fs::File::options().write(true).open(path).unwrap().set_modified(old).unwrap();
        }
    }
    assert_eq!(app.state.attachments.sweep_orphans().await.unwrap(), 1);
    let left: Vec<uuid::Uuid> =
        app.state.attachments.blobs().list().unwrap().into_iter().map(|(id, _)| id).collect();
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(!left.contains(&orphan), "the orphan is gone");
    assert!(left.contains(&recent), "a recent file may be another instance's upload in progress");
    let view = app.get_json(&format!("/api/v1/testimonies/{testimony}"), &token).await;
    assert_eq!(view["attachments"][0]["id"], attachment);
    let res = app.get(&format!("/api/v1/attachments/{attachment}/content"), &token).await;
    assert_eq!(res.text().await.unwrap(), "kept");
}

/// A small filesystem of our own (tmpfs), to fill up or make read-only. Needs root and
/// permission to mount; where that is missing the test says so and checks nothing.
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(dir: &std::path::Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0700"), "tmpfs"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("note: cannot mount a tmpfs here (not root?): disk-full checks skipped");
        }
        ok.then(|| Tmpfs(dir.to_path_buf()))
    }

    fn remount(&self, mode: &str) {
        let status = std::process::Command::new("mount")
            .args(["-o", &format!("remount,{mode}")])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

async fn upload_bytes(app: &TestApp, token: &str, testimony: &TestimonyId, len: usize) -> reqwest::Response {
    let file = Upload::bytes(vec![7u8; len]).content_type("application/octet-stream").filename("scan.bin");
    app.upload_response(token, &format!("/api/v1/testimonies/{testimony}/attachments"), file).await
}

#[tokio::test]
async fn a_full_or_read_only_attachment_store_is_a_clear_error_with_nothing_half_written() {
    let mount_dir = tempfile::tempdir().unwrap();
    let blobs = mount_dir.path().join("blobs");
    let Some(fs) = Tmpfs::mount(&blobs, "1m") else { return };
    let store = blobs.clone();
    // About a disk filling up or going read-only: the folder store.
    let app = spawn_app_with(move |s| {
        pin_folder(s);
        s.storage.blob_dir = store
    })
    .await;
    let (token, testimony) = draft_testimony(&app).await;

    let res = upload_bytes(&app, &token, &testimony, 3 * 1024 * 1024).await;
    // Answered before the body was read to its end: the client must not reuse the
    // connection for its next request (a flaky BrokenPipe in CI before this).
    assert_eq!(res.headers()["connection"], "close");
    assert_problem(res, 507, "insufficient_storage").await;
    let view: serde_json::Value =
        app.get(&format!("/api/v1/testimonies/{testimony}"), &token).await.json().await.unwrap();
    assert_eq!(view["attachments"].as_array().unwrap().len(), 0, "no row");
    assert_eq!(files_under(&blobs), Vec::<std::path::PathBuf>::new(), "no partial file");
    assert!(!app.audit_actions().await.contains(&"attachment.upload".to_owned()));
    // Space again: the same service takes the next file.
    assert_eq!(upload_bytes(&app, &token, &testimony, 100_000).await.status(), 201);

    fs.remount("ro");
    let res = upload_bytes(&app, &token, &testimony, 1000).await;
    assert_problem(res, 503, "storage_unavailable").await;
    fs.remount("rw");
    assert_eq!(upload_bytes(&app, &token, &testimony, 1000).await.status(), 201);
    let view: serde_json::Value =
        app.get(&format!("/api/v1/testimonies/{testimony}"), &token).await.json().await.unwrap();
    assert_eq!(view["attachments"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_stalled_upload_is_dropped_and_does_not_hold_the_service() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(|s| s.server.upload_idle_timeout_secs = 1).await;
    let (token, testimony) = draft_testimony(&app).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut slow = TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /api/v1/testimonies/{testimony}/attachments HTTP/1.1\r\nHost: {address}\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/octet-stream\r\n\
         X-Filename: slow.bin\r\nContent-Length: 1000000\r\n\r\n0123456789"
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    // Meanwhile the service answers others at once.
    let started = std::time::Instant::now();
    assert_eq!(app.get("/api/v1/auth/me", &token).await.status(), 200);
    assert!(started.elapsed() < Duration::from_millis(900));
    let mut answer = vec![0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(10), slow.read(&mut answer)).await.unwrap().unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("upload_stalled"));
    assert!(app.stored_blobs().is_empty(), "the partial file is gone");
    assert_eq!(app.unfinished_uploads(), 0, "no upload left unfinished");
}
