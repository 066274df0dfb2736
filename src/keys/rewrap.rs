//! Rewrapping record keys onto the primary KEK: one batch per transaction (from the API,
//! the CLI, or a background task for the web interface). One node at a time: a batch
//! holds an advisory lock (`cluster::Lock::Rewrap`), and a batch asked of another node
//! meanwhile is refused with 409 `rewrap_in_progress` (the CLI and the page say so).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::{Keys, store};
use crate::audit::{self, Actor, Entry};
use crate::cluster;
use crate::error::{Error, Result};

impl Keys {
    /// Moves up to `limit` record keys onto the primary KEK, in one transaction.
    /// Returns (rewrapped now, still to do). Safe to run while serving, and resumable.
    pub async fn rewrap_batch(&self, actor: Actor, limit: i64) -> Result<(usize, i64)> {
        // Onto the primary as it stands now, not as this node last saw it.
        self.reload_if_changed().await?;
        let keyring = self.keyring()?;
        self.db
            .transaction(move |c| {
                // Two nodes rewrapping at once would do the same work twice and audit it
                // twice: the second is refused while the first's batch runs.
                if !cluster::try_lock(c, cluster::Lock::Rewrap)? {
                    return Err(Error::Conflict("rewrap_in_progress"));
                }
                let done = store::rewrap_batch(c, &keyring, limit)?;
                if done > 0 {
                    audit::append(
                        c,
                        &Entry::new(actor, "key.rewrap")
                            .detail("count", done)
                            .detail("primary_version", keyring.primary_version()),
                    )?;
                }
                Ok((done, store::count_not_on(c, keyring.primary_version())?))
            })
            .await
    }

    /// Rewraps every record key onto the primary KEK in the background, `batch` keys per
    /// transaction (each audited as `key.rewrap`), for the web interface's progress page.
    /// Returns false, starting nothing, when a background rewrap is already running.
    pub fn start_rewrap(self: &Arc<Self>, actor: Actor, batch: i64) -> Result<bool> {
        self.keyring()?;
        if self.rewrapping.swap(true, Ordering::AcqRel) {
            return Ok(false);
        }
        let keys = self.clone();
        tokio::task::spawn_local(async move {
            /// Clears the flag however the task ends.
            struct Running(Arc<Keys>);
            impl Drop for Running {
                fn drop(&mut self) {
                    self.0.rewrapping.store(false, Ordering::Release);
                }
            }
            let running = Running(keys);
            loop {
                match running.0.rewrap_batch(actor, batch).await {
                    // Done, or nothing moved (a record the keyring cannot open): stop
                    // rather than spin; the status page still shows what is left.
                    Ok((_, 0)) | Ok((0, _)) => break,
                    Ok(_) => tokio::task::yield_now().await,
                    Err(e) => {
                        // Sealed meanwhile is the operator's own doing; anything else needs a look.
                        crate::error::event_at!(e.log_level(), error = %e, "background rewrap stopped");
                        break;
                    }
                }
            }
        });
        Ok(true)
    }

    /// Whether a background rewrap is running now.
    pub fn rewrap_running(&self) -> bool {
        self.rewrapping.load(Ordering::Acquire)
    }
}
