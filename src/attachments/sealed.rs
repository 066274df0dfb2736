//! Serving a stored, encrypted file (an attachment, an evidence bundle): decrypted on the
//! blocking pool as it streams, with bounded memory.
//!
//! A status line cannot be taken back, so the file's first segment (the whole file when it
//! is one segment) is authenticated before the caller answers: a file damaged at its start
//! is an `integrity_error` like a damaged field. Damage found further in can only end the
//! stream early; an edge that declares the length shows its client a transfer cut short,
//! never a complete-looking file. Both are audited here, naming the record, before the
//! caller hears of them.

use std::io::{Read, Seek, SeekFrom};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::range::Window;
use crate::audit::{self, Actor, Entry, Outcome};
use crate::context::Context;
use crate::crypto::{Dek, FieldContext, SEGMENT_LEN, STREAM_HEADER_LEN, StreamDecryptor, segment_offset};
use crate::error::{Error, Result};
use crate::store::blobs::{BlobRead, BlobStore};

/// One stored file and what opening it needs.
#[derive(Debug)]
pub struct SealedFile {
    pub blob_id: Uuid,
    pub dek: Dek,
    /// The place the ciphertext is bound to (AAD): table, record id, field.
    pub table: &'static str,
    pub record: String,
    pub field: &'static str,
    /// Inclusive plaintext byte range, or the whole file.
    pub range: Option<(u64, u64)>,
    /// SHA-256 (hex) of the whole plaintext, checked when the whole file is sent.
    pub expected_sha: String,
}

/// The plaintext of a file whose first chunk is already authenticated. An `Err` item
/// ends it early (already audited): the edge must cut the transfer, not end it cleanly.
pub type FileStream = Pin<Box<dyn Stream<Item = Result<Bytes>> + Send>>;

/// Who is reading which record, for the `integrity_error` entry of a damaged file.
#[derive(Debug, Clone, Copy)]
pub struct Requester {
    pub actor: Actor,
    /// The record's kind as the audit log names it (`attachment`, `bundle`).
    pub kind: &'static str,
    pub id: Uuid,
}

/// Opens `file` in `blobs` and returns once its first segment has verified (or the whole
/// file, when it is shorter than a segment), with the rest to stream.
///
/// A failure while decrypting is audited (an `integrity_error` naming `requester`'s
/// record; other failures are logged) and then returned, before the first byte or as the
/// stream's last item; a missing blob is `NotFound`. So no error from here needs auditing
/// again by the caller.
pub async fn stream_sealed(
    ctx: &Context,
    blobs: &Arc<dyn BlobStore>,
    requester: Requester,
    file: SealedFile,
) -> Result<FileStream> {
    let blob = {
        let (blobs, id) = (blobs.clone(), file.blob_id);
        tokio::task::spawn_blocking(move || blobs.open_blob(id))
            .await
            .map_err(|e| Error::internal(format!("download task: {e}")))??
    };
    let (tx, mut rx) = mpsc::channel::<Result<Bytes>>(4);
    let progress = Arc::new(Progress::default());
    let (data_tx, seen) = (tx.clone(), progress.clone());
    let task = tokio::task::spawn_blocking(move || {
        let SealedFile { dek, table, record, field, range, expected_sha, .. } = file;
        let aad = FieldContext::new(table, &record, field);
        decrypt_into(blob, &dek, &aad, range, &expected_sha, &data_tx, &seen)
    });
    let (audit_ctx, audit_requester) = (ctx.clone(), requester);
    tokio::spawn(async move {
        let outcome = task.await.unwrap_or_else(|e| Err(Error::internal(format!("download task: {e}"))));
        if let Err(e) = outcome {
            // Nothing sent yet: the caller still answers with this error. Otherwise the
            // cut is all the client will see, so it is recorded before it is made.
            let sent =
                progress.started.load(Ordering::Acquire).then(|| progress.bytes.load(Ordering::Acquire));
            if sent.is_some() {
                audit_integrity(&audit_ctx, &audit_requester, &e, sent).await;
            }
            let _ = tx.send(Err(e)).await;
        }
    });
    let first = match rx.recv().await {
        Some(Ok(first)) => first,
        Some(Err(e)) => {
            audit_integrity(ctx, &requester, &e, None).await;
            return Err(e);
        }
        // Finished without a byte and without an error: a verified empty file.
        None => Bytes::new(),
    };
    let rest =
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) });
    Ok(Box::pin(futures_util::stream::once(async move { Ok(first) }).chain(rest)))
}

#[derive(Default)]
struct Progress {
    started: AtomicBool,
    bytes: AtomicU64,
}

/// Decrypts on the blocking pool and feeds the channel, one segment at a time. A reader
/// that went away ends it quietly (`Ok`); damaged data ends it with `Error::Integrity`.
fn decrypt_into(
    mut file: Box<dyn BlobRead>,
    dek: &Dek,
    aad: &FieldContext<'_>,
    range: Option<(u64, u64)>,
    expected_sha: &str,
    tx: &mpsc::Sender<Result<Bytes>>,
    progress: &Progress,
) -> Result<()> {
    let mut buf = vec![0u8; 64 * 1024 + 16];
    let mut out = Vec::with_capacity(SEGMENT_LEN * 2);
    // False once the receiver is gone: nobody is listening, so stop.
    let send = |bytes: Vec<u8>| -> bool {
        let n = bytes.len() as u64;
        if tx.blocking_send(Ok(Bytes::from(bytes))).is_err() {
            return false;
        }
        progress.bytes.fetch_add(n, Ordering::AcqRel);
        progress.started.store(true, Ordering::Release);
        true
    };
    match range {
        None => {
            let mut decryptor = StreamDecryptor::new(dek, aad);
            loop {
                let n = file.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                decryptor.update(&buf[..n], &mut out)?;
                if !out.is_empty() && !send(std::mem::take(&mut out)) {
                    return Ok(());
                }
            }
            let (_, sha) = decryptor.finish(&mut out)?;
            // The last segment is held back until the whole file matched its digest.
            if hex::encode(sha) != expected_sha {
                return Err(Error::Integrity);
            }
            if !out.is_empty() {
                send(out);
            }
        }
        Some((start, end)) => {
            let Window { first, mut skip, len: mut left } = Window::of(start, end);
            let mut header = vec![0u8; STREAM_HEADER_LEN];
            // Too short for a header is damage; a store that stopped answering is not.
            file.read_exact(&mut header).map_err(|e| match e.kind() {
                std::io::ErrorKind::UnexpectedEof => Error::Integrity,
                _ => Error::from(e),
            })?;
            file.seek(SeekFrom::Start(segment_offset(first)))?;
            let mut decryptor = Some(StreamDecryptor::starting_at_segment(dek, aad, &header, first)?);
            while left > 0 {
                let n = file.read(&mut buf)?;
                match (n, decryptor.as_mut()) {
                    (0, _) => {
                        if let Some(last) = decryptor.take() {
                            last.finish(&mut out)?;
                        }
                    }
                    (n, Some(d)) => d.update(&buf[..n], &mut out)?,
                    (_, None) => break,
                }
                let available = &out[skip.min(out.len())..];
                skip = skip.saturating_sub(out.len());
                let take = available.len().min(left as usize);
                if take > 0 {
                    left -= take as u64;
                    if !send(available[..take].to_vec()) {
                        return Ok(());
                    }
                }
                out.clear();
                if n == 0 {
                    break;
                }
            }
            if left > 0 {
                return Err(Error::Integrity);
            }
        }
    }
    Ok(())
}

/// A damaged file is an event the auditor must see, naming the record and, when the
/// transfer had begun, how far it got (the download's own entry says only that it
/// started). Other failures (storage, a task that died) are logged.
async fn audit_integrity(ctx: &Context, requester: &Requester, e: &Error, sent: Option<u64>) {
    if !matches!(e, Error::Integrity) {
        // A client that hung up ends the stream without an error; this is storage or a bug.
        crate::error::event_at!(e.log_level(), error = %e, record = %requester.id, "download ended early");
        return;
    }
    let mut entry = Entry::new(requester.actor, "integrity_error")
        .outcome(Outcome::Failure)
        .target(requester.kind, requester.id);
    if let Some(sent) = sent {
        entry = entry.detail("after_bytes", sent);
    }
    if let Err(e) = ctx.write_plain(move |c| audit::append(c, &entry).map(drop)).await {
        tracing::error!(error = %e, "could not audit a damaged file");
    }
}
