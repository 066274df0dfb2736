//! What every service needs: the database, the keys, and the clock. A service method
//! chooses its transaction here — `write` (one write transaction with the keyring),
//! `audited_read` (find, then release only once the audit entry committed), `read`
//! (no sealed data, nothing to audit) — so no handler ever picks one.

use std::sync::Arc;

use crate::clock::Clock;
use crate::crypto::Keyring;
use crate::error::Result;
use crate::keys::Keys;
use crate::store::{Db, DbConnection};

#[derive(Debug, Clone)]
pub struct Context {
    pub(crate) db: Db,
    pub(crate) keys: Arc<Keys>,
    pub(crate) clock: Clock,
}

impl Context {
    pub fn new(db: Db, keys: Arc<Keys>, clock: Clock) -> Self {
        Context { db, keys, clock }
    }

    /// The database itself, for start-up work and tests that set up what no service does.
    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// One write transaction with the current keyring: the shape of every use case that
    /// writes sealed records or reads them for a change (reads too are audited).
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&mut DbConnection, &Keyring) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        self.keys.keyring()?;
        let keys = self.keys.clone();
        // The keyring as of the transaction's start: another node may have rotated it.
        self.db
            .transaction(move |c| {
                let keyring = keys.keyring_for(c)?;
                f(c, &keyring)
            })
            .await
    }

    /// One write transaction that needs no keys (membership, metadata, audit entries).
    pub async fn write_plain<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&mut DbConnection) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        self.db.transaction(f).await
    }

    /// Work that reads nothing sensitive and writes nothing, outside any transaction.
    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&mut DbConnection) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        self.db.run(f).await
    }

    /// A read whose `find` returns what it read with its audit entry: the entry is
    /// appended and the value released only once both have committed.
    pub async fn audited<T, F>(&self, find: F) -> Result<T>
    where
        F: FnOnce(&mut DbConnection, &Keyring) -> Result<crate::audit::Audited<T>> + Send + 'static,
        T: Send + 'static,
    {
        self.audited_read(find, |c, _, found: crate::audit::Audited<T>| found.record(c)).await
    }

    /// A read of sealed records and its audit record (`Db::audited_read`): the result is
    /// released only once `record` has committed.
    pub async fn audited_read<R, T, F, G>(&self, find: F, record: G) -> Result<T>
    where
        F: FnOnce(&mut DbConnection, &Keyring) -> Result<R> + Send + 'static,
        G: FnOnce(&mut DbConnection, &Keyring, R) -> Result<T> + Send + 'static,
        R: Send + 'static,
        T: Send + 'static,
    {
        self.keys.keyring()?;
        let keys = self.keys.clone();
        self.db
            .audited_read(
                move |c| {
                    let keyring = keys.keyring_for(c)?;
                    Ok((find(c, &keyring)?, keyring))
                },
                move |c, (found, keyring)| record(c, &keyring, found),
            )
            .await
    }
}
