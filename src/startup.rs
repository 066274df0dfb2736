//! Builds the application from settings: database, services, HTTP server. Binding to
//! port 0 works, so tests run the real server on a random port.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use secrecy::ExposeSecret;
use tracing_actix_web::TracingLogger;

use std::sync::Arc;

use crate::audit::AuditLog;
use crate::config::Settings;
use crate::error::Result;
use crate::http::{self, Edge, headers, problem};
use crate::keys::Keys;
use crate::services::Services;
use crate::store::Backend;
use crate::telemetry::CustodiaRootSpan;

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<Services>,
}

impl Application {
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let backend = Backend::from_url(settings.database.url.expose_secret())?;
        let state = web::Data::new(Services::open(settings, true).await?);
        state.attachments.sweep_orphans().await?;
        let released = state.bundles.release_own().await?;
        if released > 0 {
            tracing::warn!(
                released,
                node = state.node_id(),
                "evidence bundles this node was building are queued again"
            );
        }
        spawn_keyring_reloader(state.keys.clone(), settings.keys.reload_interval_secs);
        spawn_checkpointer(state.audit.clone(), settings.audit.checkpoint_interval_secs);
        spawn_poll(state.clone(), settings.cluster.poll_interval_secs);
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
    pub fn state(&self) -> web::Data<Services> {
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

/// The node's look at the database every `poll_interval_secs`: the cluster's emergency
/// seal, keyring changes, queued export builds (its own first build starts at once; this
/// takes over what another node queued or left behind when it died), old login failures.
fn spawn_poll(state: web::Data<Services>, every_secs: u64) {
    every(every_secs, "cluster poll", move || {
        let state = state.clone();
        async move { state.poll().await }
    });
}

/// Signs a checkpoint of the audit log every so often when it has grown, so an
/// alteration of old entries is caught against a signature made before it.
fn spawn_checkpointer(audit: AuditLog, every_secs: u64) {
    every(every_secs, "audit checkpoint", move || {
        let audit = audit.clone();
        async move { audit.checkpoint_if_grown().await }
    });
}

fn build_server(
    listener: TcpListener,
    state: web::Data<Services>,
    settings: &Settings,
) -> std::io::Result<Server> {
    let json =
        web::JsonConfig::default().limit(settings.server.max_json_bytes).error_handler(problem::json_error);
    let path = web::PathConfig::default().error_handler(problem::path_error);
    let query = web::QueryConfig::default().error_handler(problem::query_error);
    let behind_tls = settings.server.behind_tls();
    let edge = web::Data::new(Edge::from_settings(settings));
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(edge.clone())
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
