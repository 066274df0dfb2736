//! Storage: one diesel query layer over SQLite (embedded default) and PostgreSQL, the
//! connection pool, embedded migrations and the table definitions. Services call
//! `Db::run`/`Db::transaction`, which move blocking diesel work off the async workers.

pub mod blobs;
mod db;
#[cfg(feature = "sqlite")]
mod group;
#[cfg(feature = "sqlite")]
mod guard;
pub mod migrate;
pub mod s3;
pub mod schema;

#[cfg(feature = "sqlite")]
use db::Manager;
pub use db::{Backend, Db, DbConnection, StoreError, now, write_transaction};
