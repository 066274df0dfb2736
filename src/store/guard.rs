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

#[cfg(test)]
mod tests {
    use diesel::RunQueryDsl;
    use diesel::connection::SimpleConnection;

    use super::Guard;
    use crate::config::{DatabaseSettings, SqliteSynchronous};
    use crate::error::Error;
    use crate::store::Db;

    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }

    fn db(dir: &tempfile::TempDir) -> Db {
        let settings = DatabaseSettings {
            url: format!("sqlite://{}", dir.path().join("g.db").display()).into(),
            pool_size: 1,
            connect_timeout_secs: 5,
            auto_migrate: false,
            sqlite_busy_timeout_ms: 5000,
            sqlite_synchronous: SqliteSynchronous::Full,
        };
        Db::connect(&settings).unwrap()
    }

    fn count(c: &mut crate::store::DbConnection) -> i64 {
        diesel::sql_query("SELECT COUNT(*) AS n FROM t").get_result::<Count>(c).unwrap().n
    }

    /// Whatever the work does — succeed, fail, panic — the connection comes out of the
    /// guard with no transaction open and writable, and only success of a committing
    /// guard keeps what was written.
    #[test]
    fn every_outcome_ends_the_transaction_and_keeps_only_committed_work() {
        let dir = tempfile::tempdir().unwrap();
        let db = db(&dir);
        let mut conn = db.get().unwrap();
        conn.batch_execute("CREATE TABLE t (x INTEGER NOT NULL)").unwrap();
        let insert = |c: &mut crate::store::DbConnection| -> crate::error::Result<usize> {
            Ok(diesel::sql_query("INSERT INTO t (x) VALUES (1)").execute(c)?)
        };

        assert_eq!(Guard::WRITE.run(&mut conn, insert).unwrap(), 1);
        let refused = Guard::WRITE.run(&mut conn, |c| {
            insert(c)?;
            Err::<(), _>(Error::Conflict("refused after writing"))
        });
        assert!(matches!(refused, Err(Error::Conflict(_))));
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Guard::WRITE.run(&mut conn, |c| -> crate::error::Result<()> {
                insert(c)?;
                panic!("a bug after writing")
            })
        }));
        assert!(panicked.is_err(), "a write transaction's panic unwinds on");
        assert_eq!(count(&mut conn), 1, "only the committed write stays");

        // A savepoint's panic is this caller's error, rolled back, inside an outer
        // transaction that goes on.
        let outer = Guard::WRITE.run(&mut conn, |c| {
            let failed = Guard::SAVEPOINT.run(c, |c| -> crate::error::Result<()> {
                insert(c)?;
                panic!("a bug in one caller")
            });
            assert!(matches!(failed, Err(Error::Internal(_))));
            Guard::SAVEPOINT.run(c, insert)
        });
        assert_eq!(outer.unwrap(), 1);
        assert_eq!(count(&mut conn), 2);

        // A snapshot cannot write, and is writable again after, even after a panic.
        assert!(Guard::SNAPSHOT.run(&mut conn, insert).is_err());
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Guard::SNAPSHOT.run(&mut conn, |_| -> crate::error::Result<()> { panic!("a bug in a read") })
        }));
        assert!(panicked.is_err());
        assert_eq!(Guard::WRITE.run(&mut conn, insert).unwrap(), 1, "writable, no transaction left open");
        assert_eq!(count(&mut conn), 3);
    }
}
