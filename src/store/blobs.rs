//! Attachment storage on the filesystem: one file per attachment, holding only its
//! STREAM ciphertext, named by a random id — never by a content hash, which would let a
//! seizer confirm they hold a given file. Files appear only complete: written under
//! `tmp/`, synced, then renamed into place.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use uuid::Uuid;

use crate::crypto::{Dek, FieldContext, SEGMENT_LEN, StreamEncryptor};
use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

/// A blob being written. Dropped without `commit`, it leaves nothing behind.
#[derive(Debug)]
pub struct BlobWriter {
    file: File,
    tmp: PathBuf,
    dest: PathBuf,
    id: Uuid,
    committed: bool,
}

impl BlobStore {
    pub fn open(root: &Path) -> Result<Self> {
        for dir in [root.to_path_buf(), root.join("tmp")] {
            let mut builder = fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(&dir)?;
        }
        Ok(BlobStore { root: root.to_path_buf() })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path_of(&self, id: Uuid) -> PathBuf {
        let name = id.simple().to_string();
        self.root.join(&name[..2]).join(name)
    }

    pub fn create(&self) -> Result<BlobWriter> {
        let id = Uuid::new_v4();
        let tmp = self.root.join("tmp").join(id.simple().to_string());
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&tmp)?;
        Ok(BlobWriter { file, tmp, dest: self.path_of(id), id, committed: false })
    }

    pub fn open_blob(&self, id: Uuid) -> Result<File> {
        File::open(self.path_of(id)).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => Error::NotFound,
            _ => e.into(),
        })
    }

    pub fn delete(&self, id: Uuid) -> Result<()> {
        match fs::remove_file(self.path_of(id)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes half-written files left by a crash (they were never acknowledged).
    pub fn clean_tmp(&self) -> Result<usize> {
        let mut removed = 0;
        for entry in fs::read_dir(self.root.join("tmp"))? {
            fs::remove_file(entry?.path())?;
            removed += 1;
        }
        Ok(removed)
    }

    /// Every committed blob with its modification time.
    pub fn list(&self) -> Result<Vec<(Uuid, std::time::SystemTime)>> {
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

    /// Bytes free for this store's files (for refusing work that cannot fit).
    pub fn available_bytes(&self) -> Result<u64> {
        let stat = rustix::fs::statvfs(&self.root).map_err(io::Error::from)?;
        Ok(stat.f_bavail.saturating_mul(stat.f_frsize))
    }
}

/// See [`BlobStore::create_encrypted`]. Dropped without `finish`, it leaves nothing.
pub struct EncryptedBlobWriter {
    blob: BlobWriter,
    encryptor: StreamEncryptor,
    out: Vec<u8>,
}

impl Write for EncryptedBlobWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.encryptor.update(buf, &mut self.out).map_err(|e| io::Error::other(e.to_string()))?;
        if !self.out.is_empty() {
            self.blob.file.write_all(&self.out)?;
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
        self.blob.id
    }

    /// Seals the last segment and makes the blob durable: (id, plaintext length, SHA-256).
    pub fn finish(mut self) -> Result<(Uuid, u64, [u8; 32])> {
        let (len, sha) = self.encryptor.finish(&mut self.out)?;
        self.blob.write_all(&self.out)?;
        let id = self.blob.commit()?;
        Ok((id, len, sha))
    }
}

impl BlobWriter {
    pub fn id(&self) -> Uuid {
        self.id
    }

    pub fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        Ok(self.file.write_all(bytes)?)
    }

    /// Makes the blob durable and visible under its id.
    pub fn commit(mut self) -> Result<Uuid> {
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

impl Drop for BlobWriter {
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
        let store = BlobStore::open(dir.path()).unwrap();
        let dek = Dek::generate();
        let ctx = FieldContext::new("attachments", "a1", "content");
        let data = vec![7u8; 200_000];
        let (id, len, sha) = store.put_encrypted(&dek, &ctx, &data[..]).unwrap();
        assert_eq!(len, 200_000);
        let mut plain = Vec::new();
        let (n, sha2) = decrypt_reader(&dek, &ctx, store.open_blob(id).unwrap(), &mut plain).unwrap();
        assert_eq!((n, sha2, plain), (len, sha, data));

        let mut w = store.create().unwrap();
        w.write_all(b"half").unwrap();
        drop(w);
        assert_eq!(store.clean_tmp().unwrap(), 0, "dropped writer removed its temp file");
        store.delete(id).unwrap();
        assert!(matches!(store.open_blob(id), Err(Error::NotFound)));
    }
}
