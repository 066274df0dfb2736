//! The one transaction guard on SQLite: begin, run the work with panics caught, then
//! commit or roll back — so a connection never goes back to the pool with a transaction
//! open, whatever the work did. A write transaction, a read-only snapshot and the group
//! commit's per-caller savepoint differ only in how they begin, whether success commits,
//! what a panic becomes, and which connection setting brackets them (`Guard`).

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};

use super::DbConnection;
use crate::error::{Error, Result};

/// What a panic inside the work turns into, once the transaction is rolled back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OnPanic {
    /// Unwind on: the caller owns the thread and its panic.
    Resume,
    /// An error for this caller alone (the group commit's leader must go on).
    Fail,
}

/// How one kind of transaction begins and ends.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Guard {
    /// SQL that opens it; `None`: diesel's own (a savepoint when one is already open).
    pub begin: Option<&'static str>,
    /// Whether success commits; a read-only snapshot always rolls back.
    pub commit: bool,
    pub on_panic: OnPanic,
    /// Connection settings set before and undone after, whatever happened.
    pub around: Option<(&'static str, &'static str)>,
}

impl Guard {
    /// A transaction that intends to write. `BEGIN IMMEDIATE`: a deferred transaction
    /// that reads first and writes later cannot wait for the lock (SQLITE_BUSY at once,
    /// whatever busy_timeout says) when another writer got in between.
    pub const WRITE: Guard =
        Guard { begin: Some("BEGIN IMMEDIATE"), commit: true, on_panic: OnPanic::Resume, around: None };

    /// One consistent snapshot that cannot write (`query_only`); nothing was written, so
    /// ending it either way is the same.
    pub const SNAPSHOT: Guard = Guard {
        begin: None,
        commit: false,
        on_panic: OnPanic::Resume,
        around: Some(("PRAGMA query_only = ON", "PRAGMA query_only = OFF")),
    };

    /// One caller's work inside a group commit's transaction.
    pub const SAVEPOINT: Guard = Guard { begin: None, commit: true, on_panic: OnPanic::Fail, around: None };

    /// Runs `f` inside this kind of transaction on a SQLite connection.
    pub fn run<T, F>(self, conn: &mut DbConnection, f: F) -> Result<T>
    where
        F: FnOnce(&mut DbConnection) -> Result<T>,
    {
        if let Some((set, _)) = self.around {
            conn.batch_execute(set)?;
        }
        let begun = match self.begin {
            Some(sql) => AnsiTransactionManager::begin_transaction_sql(sqlite(conn)?, sql),
            None => AnsiTransactionManager::begin_transaction(sqlite(conn)?),
        };
        if let Err(e) = begun {
            self.undo_around(conn);
            return Err(e.into());
        }
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut *conn)));
        let c = sqlite(conn)?;
        let ended = match &result {
            Ok(Ok(_)) if self.commit => AnsiTransactionManager::commit_transaction(c),
            _ => AnsiTransactionManager::rollback_transaction(c),
        };
        let restored = match self.around {
            Some((_, unset)) => conn.batch_execute(unset),
            None => Ok(()),
        };
        match result {
            Ok(value) => {
                ended?;
                restored?;
                value
            }
            Err(panic) => match self.on_panic {
                Resume => std::panic::resume_unwind(panic),
                Fail => {
                    ended?;
                    Err(Error::internal("a write panicked; it was rolled back"))
                }
            },
        }
    }

    fn undo_around(self, conn: &mut DbConnection) {
        if let Some((_, unset)) = self.around {
            let _ = conn.batch_execute(unset);
        }
    }
}

use OnPanic::{Fail, Resume};

fn sqlite(conn: &mut DbConnection) -> Result<&mut diesel::SqliteConnection> {
    match conn {
        DbConnection::Sqlite(c) => Ok(c),
        #[allow(unreachable_patterns)]
        _ => Err(Error::internal("this transaction guard is for SQLite")),
    }
}
