//! The attachment pipeline: files in (size limit, STREAM encryption, hashing, blob
//! write, row) and out (ranges, decryption, digest check), over byte streams, for every
//! edge that carries files — the API, the pages, import and field intake.
//!
//! - `upload`: a file arriving as a `Stream` of bytes, authorised before a byte is read,
//!   recorded (row, wrapped key, audit entry) only once all of it is stored.
//! - `download`: authorised, the range resolved, the first segment authenticated, then
//!   audited, and only then handed to the edge as a stream.
//! - `sealed`: streaming any stored, encrypted file (bundles use it too).
//! - `range`: the pure arithmetic of byte ranges and STREAM segments.
//! - `sweep`: files no row refers to, left by a crash.
//!
//! The rows themselves (sealed metadata, keys, audit entries) are written by the diesel
//! functions of `cases::attachments`; the bytes go to a [`BlobStore`].

mod download;
pub mod range;
mod sealed;
mod sweep;
mod upload;

use std::sync::Arc;
use std::time::Duration;

use uuid::Uuid;

pub use download::{Fetch, FileDownload};
pub use sealed::{FileStream, Requester, SealedFile, stream_sealed};
pub use upload::{Decode, NewFile, StoredStream, Ticket, clean_filename, clean_media_type};

use crate::access::{Allowed, act};
use crate::cases::attachments::{self as rows, AttachmentView};
use crate::context::Context;
use crate::error::Result;
use crate::store::blobs::BlobStore;

/// What the pipeline allows, from the settings.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest file accepted (`storage.max_attachment_bytes`).
    pub max_bytes: u64,
    /// How long an upload may send nothing before it is dropped
    /// (`server.upload_idle_timeout_secs`).
    pub idle_timeout: Duration,
    /// Free space on the store's disk that work must leave alone
    /// (`storage.reserve_free_bytes`).
    pub reserve_free_bytes: u64,
}

#[derive(Debug, Clone)]
pub struct Attachments {
    ctx: Context,
    blobs: Arc<dyn BlobStore>,
    limits: Limits,
}

impl Attachments {
    pub fn new(ctx: Context, blobs: Arc<dyn BlobStore>, limits: Limits) -> Self {
        Attachments { ctx, blobs, limits }
    }

    /// The store behind the pipeline, for the services that keep other files in it
    /// (evidence bundles) and for backups.
    pub fn blobs(&self) -> &Arc<dyn BlobStore> {
        &self.blobs
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Bytes the store can still take while leaving its reserve free: work larger than
    /// this is refused before it starts.
    pub fn free_bytes(&self) -> Result<u64> {
        Ok(self.blobs.available_bytes()?.saturating_sub(self.limits.reserve_free_bytes))
    }

    /// An attachment's metadata. Audited.
    pub async fn get(&self, who: Allowed<act::CaseRead>, id: Uuid) -> Result<AttachmentView> {
        self.ctx.write(move |c, k| rows::get(c, k, &who, id)).await
    }
}
