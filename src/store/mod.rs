//! Storage: one diesel query layer over SQLite (embedded default) and PostgreSQL, the
//! connection pool, embedded migrations and the table definitions. Services call
//! `Db::run`/`Db::transaction`, which move blocking diesel work off the async workers.

pub mod blobs;
mod db;
pub mod migrate;
pub mod schema;

pub use db::{Backend, Db, DbConnection, StoreError, now, write_transaction};
