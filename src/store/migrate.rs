//! Migrations, one folder per engine, embedded in the binary so a release needs no
//! files beside it.

use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::DbConnection;
use crate::error::{Error, Result};

#[cfg(feature = "sqlite")]
const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
#[cfg(feature = "postgres")]
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

fn failed(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("migration failed: {e}"))
}

/// Applies every pending migration; returns the versions applied.
pub fn run_pending(conn: &mut DbConnection) -> Result<Vec<String>> {
    let applied = match conn {
        #[cfg(feature = "sqlite")]
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE).map_err(failed)?,
        #[cfg(feature = "postgres")]
        DbConnection::Postgres(c) => c.run_pending_migrations(POSTGRES).map_err(failed)?,
    };
    Ok(applied.iter().map(|v| v.to_string()).collect())
}

/// Reverts every applied migration, newest first (used by the up-down-up test).
pub fn revert_all(conn: &mut DbConnection) -> Result<Vec<String>> {
    let reverted = match conn {
        #[cfg(feature = "sqlite")]
        DbConnection::Sqlite(c) => c.revert_all_migrations(SQLITE).map_err(failed)?,
        #[cfg(feature = "postgres")]
        DbConnection::Postgres(c) => c.revert_all_migrations(POSTGRES).map_err(failed)?,
    };
    Ok(reverted.iter().map(|v| v.to_string()).collect())
}

/// Reverts the newest applied migration (used by the tests of a migration's data).
pub fn revert_last(conn: &mut DbConnection) -> Result<String> {
    let reverted = match conn {
        #[cfg(feature = "sqlite")]
        DbConnection::Sqlite(c) => c.revert_last_migration(SQLITE).map_err(failed)?,
        #[cfg(feature = "postgres")]
        DbConnection::Postgres(c) => c.revert_last_migration(POSTGRES).map_err(failed)?,
    };
    Ok(reverted.to_string())
}

pub fn pending_count(conn: &mut DbConnection) -> Result<usize> {
    Ok(match conn {
        #[cfg(feature = "sqlite")]
        DbConnection::Sqlite(c) => c.pending_migrations(SQLITE).map_err(failed)?.len(),
        #[cfg(feature = "postgres")]
        DbConnection::Postgres(c) => c.pending_migrations(POSTGRES).map_err(failed)?.len(),
    })
}
