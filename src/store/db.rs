//! Backend selection, connection set-up (SQLite pragmas), the r2d2 pool and the bridge
//! from async handlers to blocking diesel calls.

use std::path::PathBuf;
use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use secrecy::{ExposeSecret, SecretString};

use crate::config::{DatabaseSettings, SqliteSynchronous};
use crate::error::{Error, Result};

/// One connection type for both engines; queries are written once against it.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    #[cfg(feature = "sqlite")]
    Sqlite(diesel::SqliteConnection),
    #[cfg(feature = "postgres")]
    Postgres(diesel::PgConnection),
}

/// Which engine a URL names. Chosen by scheme here rather than by diesel's
/// `MultiConnection::establish`, which tries each backend in turn, hides the real
/// connection error and would turn a mistyped URL into a new SQLite file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Sqlite { path: PathBuf },
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database.url must start with sqlite:// or postgres:// (got a URL starting {0:?})")]
    UnknownScheme(String),
    #[error("database.url names {0}, but this binary was built without the `{0}` feature")]
    NotCompiledIn(&'static str),
    #[error("sqlite:// needs a file path; in-memory databases are not supported")]
    NoSqlitePath,
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("database setup failed: {0}")]
    Setup(String),
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        if let Some(rest) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            if rest.is_empty() || rest.starts_with(":memory:") {
                return Err(StoreError::NoSqlitePath);
            }
            if !cfg!(feature = "sqlite") {
                return Err(StoreError::NotCompiledIn("sqlite"));
            }
            return Ok(Backend::Sqlite { path: PathBuf::from(rest) });
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            if !cfg!(feature = "postgres") {
                return Err(StoreError::NotCompiledIn("postgres"));
            }
            return Ok(Backend::Postgres);
        }
        // Show only the scheme-ish start: the rest may hold a password.
        let shown: String = url.chars().take_while(|c| *c != ':').take(12).collect();
        Err(StoreError::UnknownScheme(shown))
    }

    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite { .. } => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Makes connections for the pool and sets every SQLite connection up the same way.
#[derive(Debug)]
pub struct Manager {
    backend: Backend,
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    url: SecretString,
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    busy_timeout_ms: u32,
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    synchronous: SqliteSynchronous,
}

impl Manager {
    fn connect_once(&self) -> Result<DbConnection, StoreError> {
        match &self.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite { path } => {
                let path_str =
                    path.to_str().ok_or_else(|| StoreError::Setup("database path is not UTF-8".into()))?;
                let mut conn = diesel::SqliteConnection::establish(path_str)
                    .map_err(|e| StoreError::Connect(e.to_string()))?;
                let synchronous = match self.synchronous {
                    SqliteSynchronous::Full => "FULL",
                    SqliteSynchronous::Normal => "NORMAL",
                };
                // busy_timeout first: switching to WAL itself needs the lock.
                // secure_delete overwrites freed pages so deleted ciphertext and wrapped
                // keys do not linger in the file (crypto-shredding relies on it).
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {};
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = {synchronous};
                     PRAGMA foreign_keys = ON;
                     PRAGMA secure_delete = ON;",
                    self.busy_timeout_ms
                ))
                .map_err(|e| StoreError::Setup(e.to_string()))?;
                Ok(DbConnection::Sqlite(conn))
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres => {
                let conn = diesel::PgConnection::establish(self.url.expose_secret())
                    .map_err(|e| StoreError::Connect(redact(&e.to_string(), &self.url)))?;
                Ok(DbConnection::Postgres(conn))
            }
            #[allow(unreachable_patterns)]
            other => Err(StoreError::NotCompiledIn(other.name())),
        }
    }
}

/// libpq error text never contains the password, but make sure the URL cannot leak.
#[cfg(feature = "postgres")]
fn redact(message: &str, url: &SecretString) -> String {
    message.replace(url.expose_secret(), "[database url]")
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = StoreError;

    fn connect(&self) -> Result<DbConnection, StoreError> {
        self.connect_once()
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), StoreError> {
        conn.batch_execute("SELECT 1").map_err(|e| StoreError::Connect(e.to_string()))
    }

    /// Called as a connection goes back to the pool. Checkouts are not tested (a
    /// `SELECT 1` round trip per checkout was a fifth of an authenticated request), so a
    /// connection the server dropped is found here instead: after work on it failed,
    /// and only then, it must answer a `SELECT 1` to be kept. The first request after an
    /// outage may fail on a stale connection; the pool then opens a new one.
    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        use diesel::r2d2::R2D2Connection;
        conn.is_broken() || (SUSPECT.replace(false) && conn.batch_execute("SELECT 1").is_err())
    }
}

thread_local! {
    /// Set by `Db::run` when its work failed in a way a lost connection could explain,
    /// just before the connection goes back to the pool on the same thread.
    static SUSPECT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The pool plus the bridge to blocking diesel work. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<Manager>,
    backend: Backend,
    /// SQLite has one writer at a time. Queueing writers here, in order, beats letting
    /// them collide on the file lock, where SQLite's busy handler sleeps and retries
    /// (unfairly: under load a few requests waited over a second); and the queue lets
    /// one commit (one fsync) carry every write waiting for it (`group`).
    #[cfg(feature = "sqlite")]
    writer: Option<super::group::GroupCommit>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("backend", &self.backend.name()).finish()
    }
}

impl Db {
    /// Connects once to report a bad URL or an unreachable server clearly, then builds
    /// a pool that reconnects on its own if the database goes away later.
    pub fn connect(settings: &DatabaseSettings) -> Result<Self, StoreError> {
        let backend = Backend::from_url(settings.url.expose_secret())?;
        if let Backend::Sqlite { path } = &backend {
            create_private_file(path)?;
        }
        let manager = Manager {
            backend: backend.clone(),
            url: settings.url.clone(),
            busy_timeout_ms: settings.sqlite_busy_timeout_ms,
            synchronous: settings.sqlite_synchronous,
        };
        let first = manager.connect_once()?;
        let pool = r2d2::Pool::builder()
            .max_size(settings.pool_size)
            .min_idle(Some(0))
            .test_on_check_out(false)
            .connection_timeout(Duration::from_secs(settings.connect_timeout_secs.max(1)))
            .error_handler(Box::new(LogPoolErrors))
            .build_unchecked(manager);
        drop(first);
        #[cfg(feature = "sqlite")]
        let writer =
            matches!(backend, Backend::Sqlite { .. }).then(|| super::group::GroupCommit::new(pool.clone()));
        Ok(Db {
            pool,
            backend,
            #[cfg(feature = "sqlite")]
            writer,
        })
    }

    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// Runs blocking diesel work on the runtime's blocking pool, never on an async worker.
    pub async fn run<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&mut DbConnection) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            let result = f(&mut conn);
            if matches!(result, Err(Error::Unavailable | Error::Internal(_))) {
                SUSPECT.set(true);
            }
            result
        })
        .await?
    }

    /// A read of a row or two that may run on the calling thread, skipping the hop to
    /// the blocking pool: on SQLite only (a local file, microseconds; a hop and its
    /// wake-ups cost more than the query, most of an authenticated request's time), and
    /// only when a pooled connection is idle now. `None` when it cannot: the caller then
    /// uses `run`. Never for anything that can wait (a lock, the network, a large read).
    pub fn run_inline<T>(&self, f: impl FnOnce(&mut DbConnection) -> Result<T>) -> Option<Result<T>> {
        if !matches!(self.backend, Backend::Sqlite { .. }) {
            return None;
        }
        let mut conn = self.pool.try_get()?;
        let result = f(&mut conn);
        if matches!(result, Err(Error::Unavailable | Error::Internal(_))) {
            SUSPECT.set(true);
        }
        Some(result)
    }

    /// As `run`, inside one write transaction: the audit entry and the change commit
    /// together or not at all.
    pub async fn transaction<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&mut DbConnection) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        #[cfg(feature = "sqlite")]
        if let Some(group) = &self.writer {
            return group.run(f).await;
        }
        self.run(move |conn| write_transaction(conn, f)).await
    }

    /// A read of sensitive data and its record (the audit entry, and whatever else the
    /// record writes). The caller gets the result only once the record has committed; if
    /// the record cannot be written, the read fails and nothing is released.
    ///
    /// On PostgreSQL both run in one transaction. On SQLite, where every write waits for
    /// the one writer, running reads there too put every decryption and search re-check
    /// on one core (73 % of the server's CPU under load was inside the writer's batch).
    /// There the read runs first on a pooled connection, in a read-only snapshot that
    /// cannot write (`query_only`), and only the record joins the group commit.
    pub async fn audited_read<R, T, F, G>(&self, read: F, record: G) -> Result<T>
    where
        F: FnOnce(&mut DbConnection) -> Result<R> + Send + 'static,
        G: FnOnce(&mut DbConnection, R) -> Result<T> + Send + 'static,
        R: Send + 'static,
        T: Send + 'static,
    {
        #[cfg(feature = "sqlite")]
        if let Some(group) = &self.writer {
            let found = self.run(move |conn| read_snapshot(conn, read)).await?;
            return group.run(move |conn| record(conn, found)).await;
        }
        self.transaction(move |conn| {
            let found = read(conn)?;
            record(conn, found)
        })
        .await
    }

    /// Synchronous access for the CLI and start-up, outside the async runtime.
    pub fn get(&self) -> Result<r2d2::PooledConnection<Manager>> {
        Ok(self.pool.get()?)
    }

    pub async fn is_reachable(&self) -> bool {
        self.run(|conn| {
            conn.batch_execute("SELECT 1")?;
            Ok(())
        })
        .await
        .is_ok()
    }
}

/// A transaction that intends to write (on SQLite `BEGIN IMMEDIATE`, `Guard::WRITE`).
pub fn write_transaction<T, F>(conn: &mut DbConnection, f: F) -> Result<T>
where
    F: FnOnce(&mut DbConnection) -> Result<T>,
{
    match conn {
        #[cfg(feature = "sqlite")]
        DbConnection::Sqlite(_) => super::guard::Guard::WRITE.run(conn, f),
        #[cfg(feature = "postgres")]
        DbConnection::Postgres(_) => conn.transaction(f),
    }
}

/// A read-only transaction on SQLite: one consistent snapshot, and `query_only` so that
/// a read cannot write beside the writer queue (and its audit).
#[cfg(feature = "sqlite")]
fn read_snapshot<T, F>(conn: &mut DbConnection, f: F) -> Result<T>
where
    F: FnOnce(&mut DbConnection) -> Result<T>,
{
    super::guard::Guard::SNAPSHOT.run(conn, f)
}

#[derive(Debug)]
struct LogPoolErrors;

impl r2d2::HandleError<StoreError> for LogPoolErrors {
    fn handle_error(&self, error: StoreError) {
        tracing::warn!(%error, "database connection failed");
    }
}

/// Creates the SQLite file (and its folder) readable by this user only, before SQLite
/// opens it: SQLite gives the WAL and shared-memory files the database file's mode.
fn create_private_file(path: &std::path::Path) -> Result<(), StoreError> {
    let setup = |e: std::io::Error| StoreError::Setup(format!("cannot create {}: {e}", path.display()));
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(parent).map_err(setup)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(setup(e)),
    }
}

/// The system clock's time (at the precision both engines keep) for stamps that record
/// when a row was written: audit entries, wrapped keys, the export signer. Whatever a
/// decision depends on takes its time from the services' `Clock` instead, so tests can
/// set it; the audit log keeps real time whatever a test's clock says.
pub fn now() -> NaiveDateTime {
    crate::clock::Clock::system().now_naive()
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Connect(_) => Error::Unavailable,
            other => Error::Internal(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_is_chosen_by_scheme() {
        assert_eq!(
            Backend::from_url("sqlite://data/x.db").unwrap(),
            Backend::Sqlite { path: "data/x.db".into() }
        );
        assert!(matches!(Backend::from_url("sqlite::memory:"), Err(StoreError::NoSqlitePath)));
        assert!(matches!(Backend::from_url("mysql://u:pw@h/db"), Err(StoreError::UnknownScheme(_))));
        assert!(matches!(Backend::from_url("data/x.db"), Err(StoreError::UnknownScheme(_))));
    }

    #[test]
    fn unknown_scheme_error_does_not_echo_the_password() {
        let err = Backend::from_url("mysql://user:hunter2@host/db").unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
    }
}
