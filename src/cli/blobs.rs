//! `custodia blobs migrate --to s3`: moves the folder store's blobs into the configured
//! bucket (`[storage.s3]`), verifying each by its SHA-256, with a progress bar. Needs no
//! keys and no database: the blobs are ciphertext and keep their ids.

use clap::{Subcommand, ValueEnum};

use super::progress_bar;
use crate::config::Settings;
use crate::store::blobs::FsBlobs;
use crate::store::s3::S3Blobs;

#[derive(Debug, Subcommand)]
pub(super) enum BlobsCommand {
    /// Copy every blob of storage.blob_dir into the bucket of [storage.s3] (same id, same
    /// ciphertext), reading each back to check its SHA-256. Resumable, and safe while the
    /// service runs: migrate, set storage.kind = "s3", restart, then migrate again to
    /// catch blobs uploaded in between (docs/operations.md, "Object storage").
    Migrate {
        #[arg(long, value_enum)]
        to: Target,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(super) enum Target {
    S3,
}

pub(super) fn run(settings: &Settings, cmd: BlobsCommand) -> anyhow::Result<()> {
    let BlobsCommand::Migrate { to: Target::S3 } = cmd;
    let s3 = settings
        .storage
        .s3
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("no [storage.s3] in the settings: say where to migrate to"))?;
    let to = S3Blobs::new(s3).map_err(super::describe)?;
    to.check().map_err(super::describe)?;
    let from = FsBlobs::open(&settings.storage.blob_dir).map_err(super::describe)?;
    let bar = progress_bar(0, "migrating");
    let done = crate::store::s3::migrate::migrate(&from, &to, |n| bar.set_length(n), || bar.inc(1))
        .map_err(super::describe)?;
    bar.finish_and_clear();
    println!(
        "{} blobs copied and verified ({} bytes), {} already in bucket {}",
        done.copied, done.bytes, done.present, s3.bucket
    );
    Ok(())
}
