//! The chunks of a file joined into the file. They are read back in order, each
//! decrypted on the blocking pool one segment at a time and passed on through a small
//! channel into the attachment pipeline, which stores the file under its own id and key
//! and hashes it as received (over all chunks, in order) and as content. Memory stays
//! bounded by the channels (a few segments), whatever the file's size; no plaintext
//! touches the disk. Then the file row is completed with its custody entry and the
//! chunks' keys and blobs go.

use std::io::Read;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use diesel::prelude::*;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::cases::attachments::{CONTENT_FIELD, TABLE as ATTACHMENTS};
use crate::cases::sealed::Sealer;
use crate::crypto::{Dek, FieldContext, StreamDecryptor};
use crate::error::{Error, Result};
use crate::intake::receive::{FILES, ReceivedFile, chunk_record, file, file_entry, takes_files};
use crate::intake::{Device, Intake};
use crate::keys::store as key_store;
use crate::store::blobs::BlobStore;
use crate::store::schema::{intake_chunks, intake_files};

/// How many decrypted pieces may wait between the chunk reader and the pipeline.
pub const IN_FLIGHT: usize = 2;
/// How much ciphertext is read from a chunk's blob at a time.
pub const READ_LEN: usize = 64 * 1024;

/// One chunk to read back: its blob, key and the place its ciphertext is bound to.
pub struct StoredChunk {
    pub record: String,
    pub blob_id: Uuid,
    pub length: u64,
    pub dek: Dek,
}

impl Intake {
    /// Joins the chunks of a file whose last byte arrived into the file.
    pub(super) async fn assemble(
        &self,
        device: &Device,
        report: Uuid,
        file_id: Uuid,
    ) -> Result<ReceivedFile> {
        let (who, id) = (device.clone(), file_id.to_string());
        let (chunks, total, media_type) = self
            .ctx
            .write(move |c, k| {
                takes_files(c, &who, report)?;
                let (declared, received, media_type) = intake_files::table
                    .find(&id)
                    .select((
                        intake_files::declared_size,
                        intake_files::received_size,
                        intake_files::media_type,
                    ))
                    .first::<(Option<i64>, i64, String)>(c)?;
                let rows: Vec<(i64, i64, String)> = intake_chunks::table
                    .filter(intake_chunks::file_id.eq(&id))
                    .order(intake_chunks::start_at.asc())
                    .select((intake_chunks::start_at, intake_chunks::length, intake_chunks::blob_id))
                    .load(c)?;
                let mut next = 0i64;
                let mut chunks = Vec::with_capacity(rows.len());
                for (start, length, blob) in rows {
                    // The checks on arrival make them contiguous; anything else is damage.
                    if start != next {
                        return Err(Error::Integrity);
                    }
                    next = start + length;
                    let record = chunk_record(&id, start);
                    let dek = key_store::record_key(c, k, ATTACHMENTS, &record)?;
                    let blob_id = Uuid::parse_str(&blob).map_err(|_| Error::Integrity)?;
                    chunks.push(StoredChunk { record, blob_id, length: length as u64, dek });
                }
                if Some(next) != declared || next != received {
                    return Err(Error::Integrity);
                }
                Ok((chunks, next as u64, media_type))
            })
            .await?;
        let blobs: Vec<Uuid> = chunks.iter().map(|c| c.blob_id).collect();
        let records: Vec<String> = chunks.iter().map(|c| c.record.clone()).collect();
        let failure = Arc::new(Mutex::new(None));
        let body = joined(self.attachments.blobs().clone(), chunks, failure.clone());
        let dek = Dek::generate();
        let stored = self.attachments.store_stream(body, Some(total), &dek, &file_id.to_string(), None).await;
        // A chunk that failed to open is the cause, not the pipeline's "interrupted".
        if let Some(e) = failure.lock().map_err(|_| Error::internal("chunk reader poisoned"))?.take() {
            if let Ok(stored) = &stored {
                self.attachments.blobs().delete(stored.blob_id)?;
            }
            return Err(e);
        }
        let stored = stored?;
        let (who, now, blob) = (device.clone(), self.ctx.clock.now_naive(), stored.blob_id);
        let recorded = self
            .ctx
            .write(move |c, k| {
                takes_files(c, &who, report)?;
                let id = file_id.to_string();
                let sealer = Sealer::open(c, k, FILES, &id)?;
                let mut meta = file(c, k, &id)?.meta;
                meta.received_sha256 = hex::encode(stored.received_sha256);
                meta.received_md5 = hex::encode(stored.received_md5);
                meta.sha256 = hex::encode(stored.sha256);
                key_store::store_record_key(c, k, ATTACHMENTS, &id, &dek)?;
                let done = diesel::update(
                    intake_files::table.find(&id).filter(intake_files::status.eq("receiving")),
                )
                .set((
                    intake_files::status.eq("complete"),
                    intake_files::size.eq(stored.size as i64),
                    intake_files::blob_id.eq(stored.blob_id.to_string()),
                    intake_files::meta.eq(sealer.seal("meta", &meta)?),
                    intake_files::completed_at.eq(now),
                ))
                .execute(c)?;
                if done != 1 {
                    return Err(Error::Conflict("the file was completed by another request"));
                }
                for record in &records {
                    key_store::shred(c, ATTACHMENTS, record)?;
                }
                diesel::delete(intake_chunks::table.filter(intake_chunks::file_id.eq(&id))).execute(c)?;
                file_entry(c, &who, report, file_id, &media_type, stored.received, &meta, stored.size)?;
                file(c, k, &id)
            })
            .await;
        match recorded {
            Ok(received) => {
                for chunk in blobs {
                    self.attachments.blobs().delete(chunk)?;
                }
                Ok(received)
            }
            Err(e) => {
                self.attachments.blobs().delete(blob)?;
                Err(e)
            }
        }
    }
}

/// The plaintext of `chunks`, in order, as a stream fed by one blocking task. A chunk
/// that does not open, or holds other than its recorded length, ends the stream with an
/// error and leaves the cause in `failure`.
pub fn joined(
    blobs: Arc<dyn BlobStore>,
    chunks: Vec<StoredChunk>,
    failure: Arc<Mutex<Option<Error>>>,
) -> impl futures_util::Stream<Item = std::result::Result<Bytes, Error>> + Unpin {
    let (tx, rx) = mpsc::channel::<std::result::Result<Bytes, Error>>(IN_FLIGHT);
    tokio::task::spawn_blocking(move || {
        for chunk in chunks {
            if let Err(e) = decrypt_chunk(blobs.as_ref(), &chunk, &tx) {
                if let Ok(mut slot) = failure.lock() {
                    *slot = Some(e);
                }
                let _ = tx.blocking_send(Err(Error::Integrity));
                return;
            }
        }
    });
    Box::pin(futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) }))
}

/// Decrypts one chunk into `tx`, a segment at a time. A reader that went away ends it
/// quietly; the pipeline's own error is the answer then.
fn decrypt_chunk(
    blobs: &dyn BlobStore,
    chunk: &StoredChunk,
    tx: &mpsc::Sender<std::result::Result<Bytes, Error>>,
) -> Result<()> {
    let mut blob = blobs.open_blob(chunk.blob_id)?;
    let mut decryptor =
        StreamDecryptor::new(&chunk.dek, &FieldContext::new(ATTACHMENTS, &chunk.record, CONTENT_FIELD));
    let mut buf = vec![0u8; READ_LEN];
    let mut out = Vec::with_capacity(READ_LEN * 2);
    let mut sent = 0u64;
    loop {
        let n = blob.read(&mut buf)?;
        if n == 0 {
            break;
        }
        decryptor.update(&buf[..n], &mut out)?;
        if !out.is_empty() {
            sent += out.len() as u64;
            if tx.blocking_send(Ok(Bytes::from(std::mem::take(&mut out)))).is_err() {
                return Ok(());
            }
        }
    }
    let (length, _) = decryptor.finish(&mut out)?;
    sent += out.len() as u64;
    if length != chunk.length || sent != chunk.length {
        return Err(Error::Integrity);
    }
    if !out.is_empty() {
        let _ = tx.blocking_send(Ok(Bytes::from(out)));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    //! The assembly's memory bound, shown without timing: however fast the chunk reader
    //! runs, it never has read more than a few segments beyond what the pipeline has
    //! taken, and no piece it hands on is larger than its read buffer's worth of
    //! segments. The file is many times that size, so a reader holding a chunk (or the
    //! file) would break the bound at once.

    use std::io::{Read, Seek, SeekFrom};
    use std::path::Path;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::SystemTime;

    use futures_util::StreamExt;
    use sha2::{Digest, Sha256};

    use super::*;
    use crate::crypto::{SEGMENT_CIPHERTEXT_LEN, SEGMENT_LEN};
    use crate::store::blobs::{BlobRead, BlobWrite, FsBlobs};

    /// A store that counts the ciphertext read from it.
    #[derive(Debug)]
    struct Counting {
        inner: FsBlobs,
        read: Arc<AtomicU64>,
    }

    struct CountingReader {
        inner: Box<dyn BlobRead>,
        read: Arc<AtomicU64>,
    }

    impl Read for CountingReader {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.read.fetch_add(n as u64, Ordering::SeqCst);
            Ok(n)
        }
    }

    impl Seek for CountingReader {
        fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
            self.inner.seek(pos)
        }
    }

    impl BlobStore for Counting {
        fn create(&self) -> Result<Box<dyn BlobWrite>> {
            self.inner.create()
        }
        fn open_blob(&self, id: Uuid) -> Result<Box<dyn BlobRead>> {
            Ok(Box::new(CountingReader { inner: self.inner.open_blob(id)?, read: self.read.clone() }))
        }
        fn delete(&self, id: Uuid) -> Result<()> {
            self.inner.delete(id)
        }
        fn list(&self) -> Result<Vec<(Uuid, SystemTime)>> {
            self.inner.list()
        }
        fn clean_tmp(&self) -> Result<usize> {
            self.inner.clean_tmp()
        }
        fn available_bytes(&self) -> Result<u64> {
            self.inner.available_bytes()
        }
        fn local_dir(&self) -> Option<&Path> {
            self.inner.local_dir()
        }
    }

    fn random_bytes(len: usize, mut state: u64) -> Vec<u8> {
        let mut out = Vec::with_capacity(len + 8);
        while out.len() < len {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            out.extend_from_slice(&state.to_le_bytes());
        }
        out.truncate(len);
        out
    }

    #[tokio::test]
    async fn the_chunk_reader_never_runs_more_than_a_few_segments_ahead() {
        let dir = tempfile::tempdir().unwrap();
        let read = Arc::new(AtomicU64::new(0));
        let store: Arc<dyn BlobStore> =
            Arc::new(Counting { inner: FsBlobs::open(dir.path()).unwrap(), read: read.clone() });
        // 6 MiB and a bit in chunks of uneven sizes (a chunk boundary inside a segment).
        let data = random_bytes(6 * 1024 * 1024 + 4_321, 3);
        let file = Uuid::new_v4().to_string();
        let mut chunks = Vec::new();
        let mut start = 0usize;
        for len in [700_001usize, 1_048_576, 65_536, 1].into_iter().cycle() {
            if start == data.len() {
                break;
            }
            let len = len.min(data.len() - start);
            let record = chunk_record(&file, start as i64);
            let dek = Dek::generate();
            let ctx = FieldContext::new(ATTACHMENTS, &record, CONTENT_FIELD);
            let (blob_id, _, _) = store.put_encrypted(&dek, &ctx, &data[start..start + len]).unwrap();
            chunks.push(StoredChunk { record, blob_id, length: len as u64, dek });
            start += len;
        }

        let failure = Arc::new(Mutex::new(None));
        let mut body = joined(store.clone(), chunks, failure.clone());
        // What may be read but not yet taken: the pieces waiting in the channel, the one
        // being taken, the one the reader holds while it waits to send, and the partial
        // segment its decryptor keeps (a read may end inside a segment, so a piece may
        // need two reads).
        let ahead_bound = ((IN_FLIGHT + 3) * (READ_LEN + SEGMENT_CIPHERTEXT_LEN)) as u64;
        let piece_bound = READ_LEN + SEGMENT_LEN;
        let (mut taken, mut hasher, mut pieces) = (0u64, Sha256::new(), 0usize);
        while let Some(piece) = body.next().await {
            let piece = piece.unwrap();
            assert!(piece.len() <= piece_bound, "a piece of {} bytes", piece.len());
            // Ciphertext read beyond the plaintext taken, less the tags of the segments
            // taken and the chunks' headers (a few bytes each, well inside 64 KiB).
            let tags = (taken / SEGMENT_LEN as u64 + 1) * (SEGMENT_CIPHERTEXT_LEN - SEGMENT_LEN) as u64;
            let read_now = read.load(Ordering::SeqCst);
            assert!(
                read_now <= taken + tags + ahead_bound + 64 * 1024,
                "read {read_now} bytes with {taken} taken: the reader ran ahead"
            );
            taken += piece.len() as u64;
            hasher.update(&piece);
            pieces += 1;
        }
        assert!(failure.lock().unwrap().is_none());
        assert_eq!(taken, data.len() as u64);
        assert_eq!(hasher.finalize()[..], Sha256::digest(&data)[..]);
        assert!(pieces > 50, "the file came in {pieces} pieces");
        assert!(ahead_bound * 8 < data.len() as u64, "the bound is far below the file's size");
    }

    #[tokio::test]
    async fn a_chunk_that_does_not_open_ends_the_file_with_its_cause() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn BlobStore> = Arc::new(FsBlobs::open(dir.path()).unwrap());
        let file = Uuid::new_v4().to_string();
        let record = chunk_record(&file, 0);
        let dek = Dek::generate();
        let ctx = FieldContext::new(ATTACHMENTS, &record, CONTENT_FIELD);
        let (blob_id, _, _) = store.put_encrypted(&dek, &ctx, &[7u8; 100_000][..]).unwrap();
        // Bound elsewhere: the ciphertext does not open as this chunk.
        let chunks = vec![StoredChunk { record: chunk_record(&file, 1), blob_id, length: 100_000, dek }];
        let failure = Arc::new(Mutex::new(None));
        let items: Vec<_> = joined(store, chunks, failure.clone()).collect().await;
        assert!(items.last().unwrap().is_err());
        assert!(matches!(failure.lock().unwrap().take(), Some(Error::Integrity)));
    }
}
