//! The one error type services return. The HTTP layer maps each variant to a problem
//! document in `http::problem`; nothing here carries plaintext, tokens or SQL text, so
//! an error can be logged without leaking what it was about.

use std::fmt;

mod level;
pub(crate) use level::event_at;

/// A field that failed validation, named so clients can show it next to the input.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self { field: field.into(), code, message: message.into() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Query parameters that parse but are out of range (paging): 400 `invalid_query`.
    #[error("invalid query parameters")]
    InvalidQuery(Vec<FieldError>),
    #[error("invalid username or password")]
    InvalidCredentials,
    #[error("a one-time code from the authenticator app is required")]
    TotpRequired,
    #[error("the one-time code is wrong or was already used")]
    TotpInvalid,
    #[error("this role must enrol a second factor before doing anything else")]
    SecondFactorEnrolmentRequired,
    #[error("authentication required")]
    Unauthenticated,
    #[error("not allowed")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("too many failed attempts")]
    RateLimited { retry_after_secs: u64 },
    #[error("the database is unavailable")]
    Unavailable,
    #[error("the service is sealed")]
    Sealed,
    #[error("no keyring yet: run `custodia init`")]
    NotInitialised,
    #[error("stored ciphertext failed its integrity check")]
    Integrity,
    #[error("key version {0} is not available")]
    KeyUnavailable(u32),
    #[error("the passphrase or shares do not open this keyring")]
    WrongKey,
    #[error("storage: {0}")]
    Storage(String),
    /// The object store did not answer or answered 5xx; the text (for the log only)
    /// says which request. Retrying later may work.
    #[error("the object store is unavailable: {0}")]
    StoreUnavailable(String),
    #[error("the body stopped arriving")]
    Stalled,
    #[error("the disk is full")]
    DiskFull,
    #[error("not enough free space: {needed} bytes needed, {available} available")]
    InsufficientStorage { needed: u64, available: u64 },
    #[error("the body is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn internal(context: impl fmt::Display) -> Self {
        Error::Internal(context.to_string())
    }

    pub fn field(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        Error::Validation(vec![FieldError::new(field, code, message)])
    }
}

impl From<diesel::result::Error> for Error {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as K, Error as D};
        match e {
            D::NotFound => Error::NotFound,
            D::DatabaseError(K::UniqueViolation, _) => Error::Conflict("already_exists"),
            D::DatabaseError(K::ForeignKeyViolation, _) => Error::Conflict("referenced_record_missing"),
            D::DatabaseError(K::ClosedConnection | K::UnableToSendCommand, _) => Error::Unavailable,
            D::DatabaseError(_, info) if is_transient(info.message()) => Error::Unavailable,
            // Keep diesel's own wording (it names constraints, not values) for the log only.
            other => Error::Internal(format!("database: {other}")),
        }
    }
}

/// Lock contention, a server going away, a full disk: the client may retry later.
fn is_transient(message: &str) -> bool {
    const MARKERS: &[&str] = &[
        "database is locked",
        "database is busy",
        "disk I/O error",
        "database or disk is full",
        "server closed the connection",
        "terminating connection",
        "could not connect",
        "no connection to the server",
        // PostgreSQL's NOWAIT: a second `search reindex` while one runs (`search::reindex`).
        "could not obtain lock",
    ];
    MARKERS.iter().any(|m| message.contains(m))
}

impl From<crate::crypto::CryptoError> for Error {
    fn from(e: crate::crypto::CryptoError) -> Self {
        use crate::crypto::CryptoError as C;
        match e {
            // A stored blob that is garbled, of an unknown format or fails its tag was
            // altered, truncated or moved: all are integrity failures to the caller.
            C::Integrity | C::Malformed(_) | C::Unsupported => Error::Integrity,
            C::KeyUnavailable(v) => Error::KeyUnavailable(v),
            C::WrongKey => Error::WrongKey,
            C::InvalidShare(why) => Error::BadRequest(format!("invalid share: {why}")),
            C::NotEnoughShares { have, need } => Error::BadRequest(format!("{have} of {need} shares")),
            C::PrimaryKeyInUse => Error::Conflict("primary_key_in_use"),
            C::TooLarge => Error::BadRequest("too large to encrypt".into()),
            C::Kdf => Error::Internal("key derivation parameters rejected".into()),
        }
    }
}

impl From<crate::audit::merkle::MerkleError> for Error {
    fn from(e: crate::audit::merkle::MerkleError) -> Self {
        // Our own stored tree failing its own algorithms means it was tampered with.
        tracing::error!(error = %e, "audit tree check failed");
        Error::Integrity
    }
}

impl From<crate::audit::checkpoint::CheckpointError> for Error {
    fn from(e: crate::audit::checkpoint::CheckpointError) -> Self {
        use crate::audit::checkpoint::CheckpointError as C;
        match e {
            C::Random => Error::Internal("random number generator failed".into()),
            C::Malformed(_) | C::BadSignature | C::UnknownKey => Error::Integrity,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        // A store error carried through `Read`/`Write` (the S3 store's) comes back as it was.
        if e.get_ref().is_some_and(|inner| inner.is::<Error>()) {
            if let Some(Ok(inner)) = e.into_inner().map(|b| b.downcast::<Error>()) {
                return *inner;
            }
            return Error::Storage("unreadable store error".into());
        }
        // Paths in io errors name random blob ids, never content.
        match e.kind() {
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => Error::DiskFull,
            _ => Error::Storage(e.to_string()),
        }
    }
}

impl From<r2d2::Error> for Error {
    fn from(_: r2d2::Error) -> Self {
        // The pool only fails when no connection could be made in time.
        Error::Unavailable
    }
}

impl From<tokio::task::JoinError> for Error {
    fn from(e: tokio::task::JoinError) -> Self {
        Error::Internal(format!("blocking task: {e}"))
    }
}
