//! Files no row refers to: a crash between storing a file and committing its row leaves
//! one (ciphertext whose key was never stored, so unreadable, but it takes space).

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use diesel::prelude::*;

use super::Attachments;
use crate::error::Result;
use crate::store::DbConnection;
use crate::store::schema::{attachments, bundles, intake_chunks, intake_files};

/// A blob younger than this may be another instance's upload about to be committed.
const GRACE: Duration = Duration::from_secs(3600);

impl Attachments {
    /// Removes the blobs no attachment, bundle or intake file refers to, once older than an hour.
    /// Returns how many went.
    pub async fn sweep_orphans(&self) -> Result<usize> {
        let blobs = self.blobs.clone();
        let on_disk = tokio::task::spawn_blocking(move || blobs.list())
            .await
            .map_err(|e| crate::error::Error::internal(format!("sweep task: {e}")))??;
        if on_disk.is_empty() {
            return Ok(0);
        }
        let referenced = self.ctx.read(referenced_blobs).await?;
        let cutoff = SystemTime::from(self.ctx.clock.now()) - GRACE;
        let mut removed = 0;
        for (id, modified) in on_disk {
            if modified < cutoff && !referenced.contains(&id.to_string()) {
                self.blobs.delete(id)?;
                removed += 1;
            }
        }
        if removed > 0 {
            tracing::warn!(removed, "removed attachment files that no record refers to (left by a crash)");
        }
        Ok(removed)
    }
}

/// Every blob id a row points to.
fn referenced_blobs(c: &mut DbConnection) -> Result<HashSet<String>> {
    let mut ids: HashSet<String> =
        attachments::table.select(attachments::blob_id).load::<String>(c)?.into_iter().collect();
    ids.extend(
        bundles::table
            .filter(bundles::blob_id.is_not_null())
            .select(bundles::blob_id.assume_not_null())
            .load::<String>(c)?,
    );
    // Field intake's files wait for the case lead in the same store.
    ids.extend(
        intake_files::table
            .filter(intake_files::blob_id.is_not_null())
            .select(intake_files::blob_id.assume_not_null())
            .load::<String>(c)?,
    );
    ids.extend(intake_chunks::table.select(intake_chunks::blob_id).load::<String>(c)?);
    Ok(ids)
}
