//! Group commit for SQLite. Every read of sensitive data is audited in a write
//! transaction, so under load the single SQLite writer spends most of its time waiting
//! for fsync (one per commit). Here writers queue; whoever finds no transaction running
//! becomes the leader, opens one (`BEGIN IMMEDIATE`), runs every queued piece of work in
//! it, each inside its own savepoint, commits once, and only then answers them all.
//!
//! What each caller relied on still holds: its writes and its audit entry commit
//! together or not at all (a failure rolls back its savepoint only, and fails it); it is
//! answered only after the commit is durable; if the commit fails, every caller of the
//! batch gets the error. A panic in one caller's work is caught, rolled back to its
//! savepoint and reported to that caller alone, so the leader never dies holding the
//! queue.

use std::sync::{Arc, Mutex};

use super::{DbConnection, Manager};
use crate::error::{Error, Result};

/// The work of one caller, run inside the batch's transaction. Returns how to answer
/// the caller once the outcome of the commit is known.
type Job = Box<dyn FnOnce(&mut DbConnection) -> Answer + Send>;
type Answer = Box<dyn FnOnce(&Result<()>) + Send>;

/// Bounds the work one commit carries, so the first caller of a long queue is not kept
/// waiting behind all of it.
const MAX_BATCH: usize = 128;

#[derive(Default)]
struct Queue {
    jobs: Vec<Job>,
    leading: bool,
}

#[derive(Clone)]
pub struct GroupCommit {
    queue: Arc<Mutex<Queue>>,
    pool: r2d2::Pool<Manager>,
}

impl GroupCommit {
    pub fn new(pool: r2d2::Pool<Manager>) -> Self {
        GroupCommit { queue: Arc::default(), pool }
    }

    /// Runs `f` in a write transaction shared with whatever else is waiting; answers
    /// once that transaction has committed.
    pub async fn run<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&mut DbConnection) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel::<Result<T>>();
        let job: Job = Box::new(move |conn| {
            let outcome = savepoint(conn, f);
            Box::new(move |commit: &Result<()>| {
                let answer = match (outcome, commit) {
                    (Ok(v), Ok(())) => Ok(v),
                    (Ok(_), Err(e)) => Err(replicate(e)),
                    (Err(e), _) => Err(e),
                };
                let _ = tx.send(answer);
            })
        });
        let lead = {
            let mut q = self.queue.lock().map_err(|_| Error::internal("writer queue poisoned"))?;
            q.jobs.push(job);
            !std::mem::replace(&mut q.leading, true)
        };
        if lead {
            let me = self.clone();
            // Detached: the leader must finish its batch even if this caller goes away.
            drop(tokio::task::spawn_blocking(move || me.lead()));
        }
        // A dropped answer means the batch could not start (no connection, the lock
        // not obtained): the database is unavailable, as far as the caller can tell.
        rx.await.unwrap_or(Err(Error::Unavailable))
    }

    fn lead(&self) {
        loop {
            let jobs: Vec<Job> = {
                let Ok(mut q) = self.queue.lock() else { return };
                if q.jobs.is_empty() {
                    q.leading = false;
                    return;
                }
                let n = q.jobs.len().min(MAX_BATCH);
                q.jobs.drain(..n).collect()
            };
            self.commit_batch(jobs);
        }
    }

    fn commit_batch(&self, jobs: Vec<Job>) {
        let Ok(mut conn) = self.pool.get() else { return };
        #[allow(irrefutable_let_patterns)]
        let DbConnection::Sqlite(c) = &mut *conn else { return };
        use diesel::connection::{AnsiTransactionManager, TransactionManager};
        if AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE").is_err() {
            return;
        }
        let answers: Vec<Answer> = jobs.into_iter().map(|job| job(&mut conn)).collect();
        #[allow(irrefutable_let_patterns)]
        let DbConnection::Sqlite(c) = &mut *conn else { return };
        let committed: Result<()> = AnsiTransactionManager::commit_transaction(c).map_err(Error::from);
        if committed.is_err() {
            // Never hand a connection with an open transaction back to the pool.
            let _ = AnsiTransactionManager::rollback_transaction(c);
        }
        for answer in answers {
            answer(&committed);
        }
    }
}

/// One caller's work inside the batch: a savepoint, released on success, rolled back on
/// failure or panic (`Guard::SAVEPOINT`).
fn savepoint<T, F>(conn: &mut DbConnection, f: F) -> Result<T>
where
    F: FnOnce(&mut DbConnection) -> Result<T>,
{
    super::guard::Guard::SAVEPOINT.run(conn, f)
}

/// The commit's failure, for each caller of the batch.
fn replicate(e: &Error) -> Error {
    match e {
        Error::DiskFull => Error::DiskFull,
        Error::Unavailable => Error::Unavailable,
        other => Error::internal(format!("commit failed: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use diesel::RunQueryDsl;
    use diesel::connection::SimpleConnection;

    use crate::config::{DatabaseSettings, SqliteSynchronous};
    use crate::error::Error;
    use crate::store::Db;

    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }

    /// A SQLite database in `dir` with a pool of `pool_size` connections.
    fn sqlite(dir: &tempfile::TempDir, pool_size: u32) -> Db {
        let settings = DatabaseSettings {
            url: format!("sqlite://{}", dir.path().join("t.db").display()).into(),
            pool_size,
            connect_timeout_secs: 5,
            auto_migrate: false,
            sqlite_busy_timeout_ms: 5000,
            sqlite_synchronous: SqliteSynchronous::Full,
        };
        Db::connect(&settings).unwrap()
    }

    /// Many writers at once: each one's failure (or panic) undoes only its own writes,
    /// the others commit, and the queue keeps working afterwards.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn each_writer_of_a_batch_commits_or_fails_alone() {
        let dir = tempfile::tempdir().unwrap();
        let db = sqlite(&dir, 4);
        db.transaction(|c| Ok(c.batch_execute("CREATE TABLE t (x INTEGER NOT NULL)")?)).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..60i64 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                db.transaction(move |c| {
                    diesel::sql_query(format!("INSERT INTO t (x) VALUES ({i})")).execute(c)?;
                    match i % 10 {
                        3 => Err(Error::Conflict("refused after writing")),
                        7 => panic!("a bug after writing"),
                        _ => Ok(i),
                    }
                })
                .await
            }));
        }
        let mut ok = 0;
        for (i, t) in tasks.into_iter().enumerate() {
            match (i % 10, t.await.unwrap()) {
                (3, Err(Error::Conflict(_))) | (7, Err(Error::Internal(_))) => {}
                (_, Ok(v)) => {
                    assert_eq!(v, i as i64);
                    ok += 1;
                }
                (_, other) => panic!("writer {i}: {other:?}"),
            }
        }
        assert_eq!(ok, 48);
        let count = db
            .run(|c| Ok(diesel::sql_query("SELECT COUNT(*) AS n FROM t").get_result::<Count>(c)?.n))
            .await
            .unwrap();
        assert_eq!(count, 48, "the failed writers' rows were rolled back, the others kept");
        let after =
            db.transaction(|c| Ok(diesel::sql_query("INSERT INTO t (x) VALUES (99)").execute(c)?)).await;
        assert_eq!(after.unwrap(), 1, "the queue still works");
    }

    /// On SQLite the finding of an audited read runs beside the writer queue, so it must
    /// not be able to write; its record still can, and the connection is writable after.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_find_of_an_audited_read_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let db = sqlite(&dir, 1);
        db.transaction(|c| Ok(c.batch_execute("CREATE TABLE t (x INTEGER NOT NULL)")?)).await.unwrap();
        let refused = db
            .audited_read(|c| Ok(diesel::sql_query("INSERT INTO t (x) VALUES (1)").execute(c)?), |_, n| Ok(n))
            .await;
        assert!(refused.is_err(), "a find wrote: {refused:?}");
        let recorded = db
            .audited_read(
                |c| Ok(diesel::sql_query("SELECT COUNT(*) AS n FROM t").get_result::<Count>(c)?.n),
                |c, n| Ok(n + diesel::sql_query("INSERT INTO t (x) VALUES (2)").execute(c)? as i64),
            )
            .await;
        assert_eq!(recorded.unwrap(), 1, "found nothing, recorded one row");
        let written =
            db.transaction(|c| Ok(diesel::sql_query("INSERT INTO t (x) VALUES (3)").execute(c)?)).await;
        assert_eq!(written.unwrap(), 1, "the pooled connection is writable again");
    }
}
