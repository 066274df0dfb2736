//! Builds the application from settings: database, services, HTTP server. Binding to
//! port 0 works, so tests run the real server on a random port.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use secrecy::ExposeSecret;
use tracing_actix_web::TracingLogger;

use std::sync::Arc;

use crate::audit::Actor;
use crate::auth::service::Auth;
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::http::{self, headers, problem};
use crate::keys::{Keys, NewRoot};
use crate::store::blobs::BlobStore;
use crate::store::{Backend, Db, migrate};
use crate::telemetry::CustodiaRootSpan;

/// Shared by every handler.
#[derive(Debug)]
pub struct AppState {
    pub db: Db,
    pub auth: Auth,
    pub keys: Arc<Keys>,
    pub blobs: BlobStore,
    pub trust_forwarded_for: bool,
    pub max_attachment_bytes: u64,
    pub upload_idle_timeout: std::time::Duration,
    /// Free space on the blob store's disk that work must leave alone.
    pub reserve_free_bytes: u64,
    /// `Source-Organization` of evidence bundles.
    pub organisation: String,
    pub web: crate::config::WebSettings,
    /// Served over https (behind a TLS proxy): cookies are `Secure`.
    pub behind_tls: bool,
    /// Where a root key file would be, and the SQLite database file (if SQLite): the keys
    /// page warns when the one sits beside the other.
    pub root_key_file: std::path::PathBuf,
    pub database_file: Option<std::path::PathBuf>,
}

impl AppState {
    /// Runs `f` in one write transaction with the current keyring: the shape of every
    /// use case that reads or writes sealed records (reads too, since each is audited).
    pub async fn tx<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&mut crate::store::DbConnection, &crate::crypto::Keyring) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let keyring = self.keys.keyring()?;
        self.db.transaction(move |c| f(c, &keyring)).await
    }

    /// A read of sealed records and its audit record (`Db::audited_read`): the result is
    /// released only once `record` has committed.
    pub async fn audited_read<R, T, F, G>(&self, read: F, record: G) -> Result<T>
    where
        F: FnOnce(&mut crate::store::DbConnection, &crate::crypto::Keyring) -> Result<R> + Send + 'static,
        G: FnOnce(&mut crate::store::DbConnection, &crate::crypto::Keyring, R) -> Result<T> + Send + 'static,
        R: Send + 'static,
        T: Send + 'static,
    {
        let keyring = self.keys.keyring()?;
        let for_record = keyring.clone();
        self.db.audited_read(move |c| read(c, &keyring), move |c, found| record(c, &for_record, found)).await
    }
}

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

/// Opens the database, applies migrations when configured (always useful for SQLite,
/// where nobody runs a separate migration step), loads the keys and builds the services.
/// On a fresh installation with `keys.auto_init`, creates the keyring and a key file.
pub async fn open_state(settings: &Settings, may_auto_init: bool) -> Result<AppState> {
    let db = Db::connect(&settings.database)?;
    let auto = settings.database.auto_migrate;
    if auto {
        let applied = migrate::run_pending(&mut *db.get()?)?;
        if !applied.is_empty() {
            tracing::info!(count = applied.len(), "applied database migrations");
        }
    } else if migrate::pending_count(&mut *db.get()?)? > 0 {
        return Err(Error::internal("the database needs migrating: run `custodia migrate`"));
    }
    if settings.weak_password_hashing() {
        tracing::warn!("argon2 parameters are below OWASP's minimum: acceptable for tests only");
    }
    let auth = Auth::new(db.clone(), settings.auth.clone())?;
    let keys = Keys::open(db.clone(), settings.keys.clone()).await?;
    if !keys.is_initialised() && settings.keys.auto_init && may_auto_init {
        keys.init(Actor::default(), NewRoot::File).await?;
        tracing::info!(path = %settings.keys.key_file.display(), "created the keyring and its root key file");
    }
    let blobs = BlobStore::open(&settings.storage.blob_dir)?;
    let abandoned = blobs.clean_tmp()?;
    if abandoned > 0 {
        tracing::warn!(abandoned, "removed unfinished attachment uploads");
    }
    Ok(AppState {
        db,
        auth,
        keys: Arc::new(keys),
        blobs,
        trust_forwarded_for: settings.server.trust_forwarded_for,
        max_attachment_bytes: settings.storage.max_attachment_bytes,
        upload_idle_timeout: std::time::Duration::from_secs(settings.server.upload_idle_timeout_secs),
        reserve_free_bytes: settings.storage.reserve_free_bytes,
        organisation: settings.export.organisation.clone(),
        web: settings.web.clone(),
        behind_tls: settings.server.behind_tls(),
        root_key_file: settings.keys.key_file.clone(),
        database_file: sqlite_file(settings.database.url.expose_secret()),
    })
}

fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let path = url.strip_prefix("sqlite://")?;
    Some(std::path::PathBuf::from(path.split('?').next().unwrap_or(path)))
}

/// Removes blobs no row points to: a crash between storing a file and committing its row
/// leaves one (ciphertext whose key was never stored, so unreadable, but it takes space).
/// Only blobs older than an hour go, in case another instance is committing one now.
pub async fn sweep_orphan_blobs(state: &AppState) -> Result<()> {
    use diesel::prelude::*;

    use crate::store::schema::{attachments, bundles};
    let on_disk = state.blobs.list()?;
    if on_disk.is_empty() {
        return Ok(());
    }
    let referenced: std::collections::HashSet<String> = state
        .db
        .run(|c| {
            let mut ids: Vec<String> = attachments::table.select(attachments::blob_id).load(c)?;
            ids.extend(
                bundles::table
                    .filter(bundles::blob_id.is_not_null())
                    .select(bundles::blob_id.assume_not_null())
                    .load::<String>(c)?,
            );
            Ok(ids)
        })
        .await?
        .into_iter()
        .collect();
    let cutoff = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    let mut removed = 0;
    for (id, modified) in on_disk {
        if modified < cutoff && !referenced.contains(&id.to_string()) {
            state.blobs.delete(id)?;
            removed += 1;
        }
    }
    if removed > 0 {
        tracing::warn!(removed, "removed attachment files that no record refers to (left by a crash)");
    }
    Ok(())
}

impl Application {
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let backend = Backend::from_url(settings.database.url.expose_secret())?;
        let state = web::Data::new(open_state(settings, true).await?);
        sweep_orphan_blobs(&state).await?;
        let interrupted = state.db.run(crate::export::job::fail_interrupted).await?;
        if interrupted > 0 {
            tracing::warn!(interrupted, "evidence bundles interrupted by the last stop are marked failed");
        }
        spawn_keyring_reloader(state.keys.clone(), settings.keys.reload_interval_secs);
        spawn_checkpointer(state.clone(), settings.audit.checkpoint_interval_secs);
        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))?;
        let port = listener.local_addr()?.port();
        tracing::info!(port, backend = backend.name(), "listening");
        let server = build_server(listener, state.clone(), settings)?;
        Ok(Application { port, server, state })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The services behind the server, for the CLI and for tests that set up data.
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Stops the server from elsewhere (tests stop theirs when they end, so their
    /// worker threads and pooled connections do not outlive them).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Runs `task` every `every_secs` seconds (after the first period) for the life of the
/// runtime; failures are logged and the next round tries again.
fn every<F, Fut>(every_secs: u64, what: &'static str, task: F)
where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<()>> + Send,
{
    let period = Duration::from_secs(every_secs.max(1));
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(period);
        interval.tick().await;
        loop {
            interval.tick().await;
            if let Err(e) = task().await {
                tracing::warn!(error = %e, what, "periodic task failed");
            }
        }
    });
}

/// Keyring changes made by the CLI (rotation, retirement) reach the running service.
fn spawn_keyring_reloader(keys: Arc<Keys>, every_secs: u64) {
    every(every_secs, "keyring reload", move || {
        let keys = keys.clone();
        async move { keys.reload_if_changed().await.map(drop) }
    });
}

/// Signs a checkpoint of the audit log every so often when it has grown, so an
/// alteration of old entries is caught against a signature made before it.
fn spawn_checkpointer(state: web::Data<AppState>, every_secs: u64) {
    every(every_secs, "audit checkpoint", move || {
        let state = state.clone();
        async move {
            let Ok(keyring) = state.keys.keyring() else { return Ok(()) };
            state.db.transaction(move |c| crate::audit::checkpoints::create(c, &keyring)).await.map(drop)
        }
    });
}

fn build_server(
    listener: TcpListener,
    state: web::Data<AppState>,
    settings: &Settings,
) -> std::io::Result<Server> {
    let json =
        web::JsonConfig::default().limit(settings.server.max_json_bytes).error_handler(problem::json_error);
    let path = web::PathConfig::default().error_handler(problem::path_error);
    let query = web::QueryConfig::default().error_handler(problem::query_error);
    let behind_tls = settings.server.behind_tls();
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(json.clone())
            .app_data(path.clone())
            .app_data(query.clone())
            .configure(http::routes)
            .wrap(actix_web::middleware::from_fn(problem::finish_response))
            .wrap(headers::security_headers(behind_tls))
            .wrap(TracingLogger::<CustodiaRootSpan>::new())
    })
    .client_request_timeout(Duration::from_secs(settings.server.client_request_timeout_secs))
    .shutdown_timeout(10)
    .listen(listener)?;
    if settings.server.workers > 0 {
        server = server.workers(settings.server.workers);
    }
    Ok(server.run())
}
