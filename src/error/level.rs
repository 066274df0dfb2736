//! How loudly a failure is logged, by what an operator must do about it. ERROR pages
//! someone: it is kept for what needs a person (a broken disk, database or key, altered
//! data, a bug). What the service refuses by design — bad input, no session, no right,
//! too many attempts, a sealed service — is the API working as documented: logged below
//! ERROR, or every unauthenticated client could fill the error log (and the alerts).

use tracing::Level;

use super::Error;

impl Error {
    /// The level a request or task that ended in this error is logged at. Exhaustive on
    /// purpose: a new kind of error must be placed here, not fall into a default.
    pub fn log_level(&self) -> Level {
        match self {
            // The client's input or state: it is told why, nothing to do on our side.
            Error::Validation(_)
            | Error::BadRequest(_)
            | Error::InvalidQuery(_)
            | Error::InvalidCredentials
            | Error::TotpRequired
            | Error::TotpInvalid
            | Error::SecondFactorEnrolmentRequired
            | Error::Unauthenticated
            | Error::Forbidden
            | Error::NotFound
            | Error::Conflict(_)
            | Error::TooLarge { .. }
            // The client sent too slowly or went away mid-body.
            | Error::Stalled => Level::INFO,
            // Sealed and not initialised are documented states that an operator chose
            // (or has yet to leave, which /readyz shows): each refused request says
            // nothing new.
            Error::Sealed | Error::NotInitialised => Level::INFO,
            // Someone is guessing passwords or an unseal passphrase: nothing broke, but
            // worth a look if it keeps happening (the audit log names the account).
            Error::RateLimited { .. } | Error::WrongKey => Level::WARN,
            // Needs a person: the database unreachable (or held locked), a key that is
            // gone, storage failing or full, stored data altered, or a bug.
            Error::Unavailable
            | Error::KeyUnavailable(_)
            | Error::Storage(_)
            | Error::StoreUnavailable(_)
            | Error::DiskFull
            | Error::InsufficientStorage { .. }
            | Error::Integrity
            | Error::Internal(_) => Level::ERROR,
        }
    }
}

/// `tracing`'s macros need their level at compile time; this picks one of them at run
/// time (from [`Error::log_level`]).
macro_rules! event_at {
    ($level:expr, $($rest:tt)+) => {
        match $level {
            ::tracing::Level::ERROR => ::tracing::error!($($rest)+),
            ::tracing::Level::WARN => ::tracing::warn!($($rest)+),
            ::tracing::Level::INFO => ::tracing::info!($($rest)+),
            ::tracing::Level::DEBUG => ::tracing::debug!($($rest)+),
            _ => ::tracing::trace!($($rest)+),
        }
    };
}
pub(crate) use event_at;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_needs_a_person_is_an_error() {
        let expected = [
            Error::Validation(vec![]),
            Error::BadRequest("malformed".into()),
            Error::InvalidQuery(vec![]),
            Error::InvalidCredentials,
            Error::TotpRequired,
            Error::TotpInvalid,
            Error::SecondFactorEnrolmentRequired,
            Error::Unauthenticated,
            Error::Forbidden,
            Error::NotFound,
            Error::Conflict("already_exists"),
            Error::TooLarge { limit: 1 },
            Error::Stalled,
            Error::Sealed,
            Error::NotInitialised,
        ];
        for e in &expected {
            assert_eq!(e.log_level(), Level::INFO, "{e}");
        }
        for e in [Error::RateLimited { retry_after_secs: 60 }, Error::WrongKey] {
            assert_eq!(e.log_level(), Level::WARN, "{e}");
        }
        let operator = [
            Error::Unavailable,
            Error::KeyUnavailable(2),
            Error::Storage("read-only file system".into()),
            Error::StoreUnavailable("connection refused".into()),
            Error::DiskFull,
            Error::InsufficientStorage { needed: 2, available: 1 },
            Error::Integrity,
            Error::internal("bug"),
        ];
        for e in &operator {
            assert_eq!(e.log_level(), Level::ERROR, "{e}");
        }
    }
}
