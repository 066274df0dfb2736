//! Attachment storage behind [`BlobStore`], so a second kind of store (object storage)
//! can be added without touching its callers. Every store keeps only STREAM ciphertext,
//! one blob per file, named by a random id — never by a content hash, which would let a
//! seizer confirm they hold a given file — and shows a blob only once it is complete.
//!
//! [`FsBlobs`] is the filesystem store: files written under `tmp/`, synced, then renamed
//! into place.

use std::fmt::Debug;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use uuid::Uuid;

use crate::crypto::{Dek, FieldContext, SEGMENT_LEN, StreamEncryptor};
use crate::error::{Error, Result};

/// Where attachment and bundle ciphertext lives. Blocking: call it from the blocking
/// pool (or at start-up).
pub trait BlobStore: Debug + Send + Sync {
    /// A new blob, invisible until [`BlobWrite::commit`].
    fn create(&self) -> Result<Box<dyn BlobWrite>>;
    /// A committed blob, for reading from any offset; `NotFound` if there is none.
    fn open_blob(&self, id: Uuid) -> Result<Box<dyn BlobRead>>;
    /// Removes a blob; removing one that is not there is not an error.
    fn delete(&self, id: Uuid) -> Result<()>;
    /// Every committed blob with the time it was last written.
    fn list(&self) -> Result<Vec<(Uuid, SystemTime)>>;
    /// Removes half-written blobs left by a crash (they were never acknowledged); how many.
    fn clean_tmp(&self) -> Result<usize>;
    /// Bytes free for new blobs (for refusing work that cannot fit).
    fn available_bytes(&self) -> Result<u64>;
    /// The folder holding the blobs, when they are files on this machine (backups copy
    /// it; the keys page warns when the root key file sits beside it).
    fn local_dir(&self) -> Option<&Path>;
}

/// A blob being written. Dropped without `commit`, it leaves nothing behind.
pub trait BlobWrite: Write + Send {
    fn id(&self) -> Uuid;
    /// Makes the blob durable and visible under its id.
    fn commit(self: Box<Self>) -> Result<Uuid>;
}

/// A committed blob being read.
pub trait BlobRead: Read + Seek + Send {}

impl<T: Read + Seek + Send> BlobRead for T {}

impl dyn BlobStore + '_ {
    /// Encrypts `reader` into a new blob with bounded memory. Returns the blob id, the
    /// plaintext length and its SHA-256.
    pub fn put_encrypted(
        &self,
        dek: &Dek,
        ctx: &FieldContext,
        mut reader: impl Read,
    ) -> Result<(Uuid, u64, [u8; 32])> {
        let mut writer = self.create_encrypted(dek, ctx)?;
        io::copy(&mut reader, &mut writer)?;
        writer.finish()
    }

    /// A blob written through `Write`, encrypted on the way (STREAM, one segment held).
    pub fn create_encrypted(&self, dek: &Dek, ctx: &FieldContext) -> Result<EncryptedBlobWriter> {
        Ok(EncryptedBlobWriter {
            blob: self.create()?,
            encryptor: StreamEncryptor::new(dek, ctx),
            out: Vec::with_capacity(SEGMENT_LEN + 1024),
        })
    }
}

/// See [`BlobStore::create_encrypted`]. Dropped without `finish`, it leaves nothing.
pub struct EncryptedBlobWriter {
    blob: Box<dyn BlobWrite>,
    encryptor: StreamEncryptor,
    out: Vec<u8>,
}

impl Write for EncryptedBlobWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.encryptor.update(buf, &mut self.out).map_err(|e| io::Error::other(e.to_string()))?;
        if !self.out.is_empty() {
            self.blob.write_all(&self.out)?;
            self.out.clear();
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl EncryptedBlobWriter {
    pub fn id(&self) -> Uuid {
        self.blob.id()
    }

    /// Seals the last segment and makes the blob durable: (id, plaintext length, SHA-256).
    pub fn finish(mut self) -> Result<(Uuid, u64, [u8; 32])> {
        let (len, sha) = self.encryptor.finish(&mut self.out)?;
        self.blob.write_all(&self.out)?;
        let id = self.blob.commit()?;
        Ok((id, len, sha))
    }
}

/// Blobs as files under one folder, sharded by the first two characters of their id.
#[derive(Debug, Clone)]
pub struct FsBlobs {
    root: PathBuf,
}

/// A file being written under `tmp/`.
#[derive(Debug)]
struct FsBlobWriter {
    file: File,
    tmp: PathBuf,
    dest: PathBuf,
    id: Uuid,
    committed: bool,
}

impl FsBlobs {
    pub fn open(root: &Path) -> Result<Self> {
        for dir in [root.to_path_buf(), root.join("tmp")] {
            let mut builder = fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(&dir)?;
        }
        Ok(FsBlobs { root: root.to_path_buf() })
    }

    fn path_of(&self, id: Uuid) -> PathBuf {
        let name = id.simple().to_string();
        self.root.join(&name[..2]).join(name)
    }
}

impl BlobStore for FsBlobs {
    fn create(&self) -> Result<Box<dyn BlobWrite>> {
        let id = Uuid::new_v4();
        let tmp = self.root.join("tmp").join(id.simple().to_string());
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&tmp)?;
        Ok(Box::new(FsBlobWriter { file, tmp, dest: self.path_of(id), id, committed: false }))
    }

    fn open_blob(&self, id: Uuid) -> Result<Box<dyn BlobRead>> {
        match File::open(self.path_of(id)) {
            Ok(file) => Ok(Box::new(file)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(Error::NotFound),
            Err(e) => Err(e.into()),
        }
    }

    fn delete(&self, id: Uuid) -> Result<()> {
        match fs::remove_file(self.path_of(id)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    fn clean_tmp(&self) -> Result<usize> {
        let mut removed = 0;
        for entry in fs::read_dir(self.root.join("tmp"))? {
            fs::remove_file(entry?.path())?;
            removed += 1;
        }
        Ok(removed)
    }

    fn list(&self) -> Result<Vec<(Uuid, SystemTime)>> {
        let mut out = Vec::new();
        for shard in fs::read_dir(&self.root)? {
            let shard = shard?;
            if !shard.file_type()?.is_dir() || shard.file_name() == "tmp" {
                continue;
            }
            for entry in fs::read_dir(shard.path())? {
                let entry = entry?;
                if let Some(id) = entry.file_name().to_str().and_then(|n| Uuid::try_parse(n).ok()) {
                    out.push((id, entry.metadata()?.modified()?));
                }
            }
        }
        Ok(out)
    }

    fn available_bytes(&self) -> Result<u64> {
        let stat = rustix::fs::statvfs(&self.root).map_err(io::Error::from)?;
        Ok(stat.f_bavail.saturating_mul(stat.f_frsize))
    }

    fn local_dir(&self) -> Option<&Path> {
        Some(&self.root)
    }
}

impl Write for FsBlobWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.file.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl BlobWrite for FsBlobWriter {
    fn id(&self) -> Uuid {
        self.id
    }

    fn commit(mut self: Box<Self>) -> Result<Uuid> {
        self.file.sync_all()?;
        if let Some(parent) = self.dest.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::rename(&self.tmp, &self.dest)?;
        if let Some(parent) = self.dest.parent() {
            // The rename is durable only once the directory entry is.
            File::open(parent)?.sync_all()?;
        }
        self.committed = true;
        Ok(self.id)
    }
}

impl Drop for FsBlobWriter {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::decrypt_reader;

    #[test]
    fn blobs_round_trip_and_uncommitted_writes_vanish() {
        let dir = tempfile::tempdir().unwrap();
        let store: std::sync::Arc<dyn BlobStore> = std::sync::Arc::new(FsBlobs::open(dir.path()).unwrap());
        let dek = Dek::generate();
        let ctx = FieldContext::new("attachments", "a1", "content");
        let data = vec![7u8; 200_000];
        let (id, len, sha) = store.put_encrypted(&dek, &ctx, &data[..]).unwrap();
        assert_eq!(len, 200_000);
        let mut plain = Vec::new();
        let (n, sha2) = decrypt_reader(&dek, &ctx, store.open_blob(id).unwrap(), &mut plain).unwrap();
        assert_eq!((n, sha2, plain), (len, sha, data));
        assert_eq!(store.list().unwrap().into_iter().map(|(id, _)| id).collect::<Vec<_>>(), vec![id]);
        assert_eq!(store.local_dir(), Some(dir.path()));

        let mut w = store.create().unwrap();
        w.write_all(b"half").unwrap();
        drop(w);
        assert_eq!(store.clean_tmp().unwrap(), 0, "dropped writer removed its temp file");
        store.delete(id).unwrap();
        assert!(matches!(store.open_blob(id), Err(Error::NotFound)));
    }
}
