//! `custodia blobs migrate --to s3`: copies every blob of the folder store into the
//! bucket under the same id, as the same ciphertext (nothing is decrypted or re-encrypted:
//! a blob's key lives in the database and does not depend on where the bytes are).
//! Each copy is read back and its SHA-256 compared with the file's; a blob already in the
//! bucket with the same digest is skipped, so an interrupted run resumes. Committed blobs
//! never change, so this runs while the service is up.

use std::collections::HashMap;
use std::io::Read;

use sha2::{Digest, Sha256};

use super::S3Blobs;
use crate::error::{Error, Result};
use crate::store::blobs::{BlobStore, FsBlobs};

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Migrated {
    /// Blobs copied (and verified) by this run.
    pub copied: usize,
    /// Blobs already in the bucket with the same digest.
    pub present: usize,
    /// Bytes copied.
    pub bytes: u64,
}

/// Copies `from`'s blobs into `to`; `tick` is called once per blob (a progress bar),
/// after `total` with their count.
pub fn migrate(from: &FsBlobs, to: &S3Blobs, total: impl FnOnce(u64), tick: impl Fn()) -> Result<Migrated> {
    let blobs = from.list()?;
    total(blobs.len() as u64);
    let there: HashMap<_, _> = to.objects()?.into_iter().map(|o| (o.id, o.size)).collect();
    let mut done = Migrated::default();
    for (id, _) in blobs {
        let (len, sha) = digest(&mut from.open_blob(id)?)?;
        let same = there.get(&id) == Some(&len) && to.digest(id)? == Some((len, sha));
        if same {
            done.present += 1;
        } else {
            to.copy_in(id, &mut from.open_blob(id)?)?;
            if to.digest(id)? != Some((len, sha)) {
                return Err(Error::Storage(format!(
                    "blob {id}: the copy in the bucket differs from the file"
                )));
            }
            done.copied += 1;
            done.bytes += len;
        }
        tick();
    }
    Ok(done)
}

pub(super) fn digest(reader: &mut dyn Read) -> Result<(u64, [u8; 32])> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut len = 0u64;
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            return Ok((len, hasher.finalize().into()));
        }
        hasher.update(&buf[..n]);
        len += n as u64;
    }
}
