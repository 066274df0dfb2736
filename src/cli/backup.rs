//! `custodia backup` and `custodia restore` (SQLite), with progress bars.

use std::path::Path;

use super::{describe, progress_bar};
use crate::config::Settings;
use crate::services::Services;

pub(super) fn backup(settings: Settings, dir: &Path) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let state = Services::open(&settings, false).await?;
        let report = crate::backup::backup(&state, dir, &progress_bar).await.map_err(describe)?;
        println!("backup written to {} ({} files, {} bytes)", dir.display(), report.files, report.bytes);
        println!("it holds no key material: keep the root key or its shares apart from it");
        if state.attachments.blobs().local_dir().is_none() {
            println!(
                "the attachments are in the S3 bucket, not in this copy: back the bucket up with the store"
            );
        }
        Ok(())
    })
}

pub(super) fn restore(settings: &Settings, dir: &Path, force: bool) -> anyhow::Result<()> {
    let report = crate::backup::restore(settings, dir, force, &progress_bar).map_err(describe)?;
    println!("restored {} files ({} bytes) from {}", report.files, report.bytes, dir.display());
    Ok(())
}
