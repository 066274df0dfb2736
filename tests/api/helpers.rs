//! Test harness: the real server on a random port with a fresh database per test —
//! a temporary SQLite file, or a fresh PostgreSQL schema when
//! `CUSTODIA_TEST_POSTGRES_URL` is set (dropped when the test ends).

use std::path::PathBuf;

use custodia::audit::Actor;
use custodia::config::Settings;
use custodia::domain::Role;
use custodia::services::Services;
use custodia::startup::Application;
use diesel::Connection;
use diesel::connection::SimpleConnection;
use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use serde_json::{Value, json};

mod ids;
mod inputs;
mod requests;
mod stored;

pub use ids::*;
pub use inputs::*;
#[allow(unused_imports)]
pub use requests::expect;
#[allow(unused_imports)]
pub use stored::*;

pub const PASSWORD: &str = "correct horse battery staple";

/// Every log line the test process writes, so tests can search it for canaries.
static LOGS: std::sync::LazyLock<std::sync::Arc<std::sync::Mutex<Vec<u8>>>> =
    std::sync::LazyLock::new(Default::default);

#[derive(Clone)]
struct Capture;

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        Capture
    }
}

fn capture_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let settings = custodia::config::LogSettings {
            format: custodia::config::LogFormat::Json,
            level: "debug".into(),
        };
        custodia::telemetry::init(&settings, Capture);
    });
}

#[allow(dead_code)]
pub fn captured_logs() -> Vec<u8> {
    LOGS.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

pub fn postgres_url() -> Option<String> {
    std::env::var("CUSTODIA_TEST_POSTGRES_URL").ok().filter(|s| !s.is_empty())
}

/// A fresh, empty database for one test (and a folder for its key file and blobs),
/// removed on drop.
pub struct TestDb {
    pub dir: tempfile::TempDir,
    url: String,
    /// PostgreSQL: (admin URL, schema) to drop.
    postgres: Option<(String, String)>,
    /// The test's prefix of the test bucket, when `CUSTODIA_TEST_S3_ENDPOINT` is set.
    pub s3: Option<custodia::config::S3Settings>,
    /// When the test began: what the object store wrote since may be this test's.
    pub created: std::time::SystemTime,
}

impl TestDb {
    pub fn new() -> Self {
        // A second early: file times may be rounded down.
        let created = std::time::SystemTime::now() - std::time::Duration::from_secs(1);
        let dir = tempfile::tempdir().unwrap();
        match postgres_url() {
            Some(base) => {
                let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
                let mut conn =
                    diesel::PgConnection::establish(&base).expect("CUSTODIA_TEST_POSTGRES_URL unreachable");
                conn.batch_execute(&format!("CREATE SCHEMA {schema}")).unwrap();
                let sep = if base.contains('?') { '&' } else { '?' };
                let url = format!("{base}{sep}options=-csearch_path%3D{schema}");
                TestDb { dir, url, postgres: Some((base, schema)), s3: test_s3(), created }
            }
            None => {
                let url = format!("sqlite://{}", dir.path().join("custodia.db").display());
                TestDb { dir, url, postgres: None, s3: test_s3(), created }
            }
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }

    #[allow(dead_code)]
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        self.url.strip_prefix("sqlite://").map(PathBuf::from)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(s3) = self.s3.take() {
            // The test's objects go with it (off the runtime: this blocks on the network).
            let _ = std::thread::spawn(move || {
                if let Ok(store) = custodia::store::s3::S3Blobs::new(&s3)
                    && let Ok(objects) = store.objects()
                {
                    for o in objects {
                        let _ = custodia::store::blobs::BlobStore::delete(&store, o.id);
                    }
                }
            })
            .join();
        }
        if let Some((base, schema)) = self.postgres.take() {
            // Off the async runtime: this blocks on the network.
            let _ = std::thread::spawn(move || {
                if let Ok(mut conn) = diesel::PgConnection::establish(&base) {
                    let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
                }
            })
            .join();
        }
    }
}

pub fn test_settings(db: &TestDb) -> Settings {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config");
    let mut settings = Settings::load_with(&dir, "test", false).expect("test settings");
    settings.server.port = 0;
    settings.server.workers = 2;
    settings.database.url = SecretString::from(db.url().to_owned());
    settings.database.pool_size = 4;
    settings.keys.key_file = db.dir.path().join("root.key");
    settings.storage.blob_dir = db.dir.path().join("blobs");
    // The test's prefix of the bucket is configured whenever there is a bucket; it holds
    // the blobs when the suite runs on it (`on_s3` for the tests about it).
    settings.storage.s3 = db.s3.clone();
    if db.s3.is_some() && suite_on_s3() {
        settings.storage.kind = custodia::config::StorageKind::S3;
    }
    settings
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: actix_web::web::Data<Services>,
    pub db: TestDb,
    /// Token of the admin every test starts with.
    pub admin: String,
    server: actix_web::dev::ServerHandle,
}

impl Drop for TestApp {
    /// The server's workers are threads of their own: without this they (and their
    /// pooled connections) would outlive the test, and a PostgreSQL run would run out
    /// of connection slots.
    fn drop(&mut self) {
        drop(self.server.stop(false));
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    capture_logs();
    let db = TestDb::new();
    let mut settings = test_settings(&db);
    tweak(&mut settings);
    // The server runs on a thread (and runtime) of its own, so that stopping it when the
    // test ends really ends it: its workers, background tasks and pooled connections
    // go with it. On the test's runtime, the stop could be lost as that runtime shut down,
    // and every test's connections would pile up (PostgreSQL ran out of slots).
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let app = Application::build(&settings).await.expect("application builds");
            let _ = tx.send((app.port(), app.state(), app.handle()));
            let _ = app.run_until_stopped().await;
        })
    });
    let (port, state, server) = rx.await.expect("the server thread started");
    let address = format!("http://127.0.0.1:{port}");
    // The server drops a kept-alive connection after 5 idle seconds (actix's default);
    // a pooled connection older than that may be closed under the client as it sends
    // (IncompleteMessage when a test pauses for an external tool), so none is kept as long.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(std::time::Duration::from_secs(2))
        .build()
        .unwrap();
    let mut test_app = TestApp { address, client, state, db, admin: String::new(), server };
    test_app.add_user("admin", Role::Admin).await;
    test_app.admin = test_app.login("admin", PASSWORD).await;
    test_app
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Creates a user directly through the service (as the CLI does).
    pub async fn add_user(&self, username: &str, role: Role) -> uuid::Uuid {
        self.state
            .auth
            .create_user(Actor::default(), username, SecretString::from(PASSWORD), role)
            .await
            .expect("user created")
            .id
    }

    pub async fn login_response(
        &self,
        username: &str,
        password: &str,
        totp: Option<&str>,
    ) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"username": username, "password": password, "totp": totp}))
            .send()
            .await
            .unwrap()
    }

    pub async fn login(&self, username: &str, password: &str) -> String {
        let res = self.login_response(username, password, None).await;
        assert_eq!(res.status(), StatusCode::OK, "login as {username}");
        let body: Value = res.json().await.unwrap();
        body["token"].as_str().unwrap().to_owned()
    }

    /// A user of `role` with a live session: (id, token).
    pub async fn user_with_token(&self, role: Role) -> (uuid::Uuid, String) {
        let name = format!("{}-{}", role.as_str(), &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let id = self.add_user(&name, role).await;
        (id, self.login(&name, PASSWORD).await)
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.unwrap()
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> reqwest::Response {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn audit_actions(&self) -> Vec<String> {
        self.state
            .context()
            .read(|c| custodia::audit::recent(c, 1000))
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect()
    }
}

/// Asserts a problem document with the given status and `type` code; returns it.
pub async fn assert_problem(res: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(res.status().as_u16(), status, "status for expected {code}");
    let content_type = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(content_type.as_deref(), Some("application/problem+json"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["type"], format!("urn:custodia:problem:{code}"), "{body}");
    assert_eq!(body["status"], status);
    body
}

/// Every file below `dir` (none if it does not exist), for checks of what is at rest.
#[allow(dead_code)]
pub fn files_under(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() { out.extend(files_under(&path)) } else { out.push(path) }
    }
    out
}
