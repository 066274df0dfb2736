//! Serving a stored, encrypted file (an attachment, an evidence bundle): decrypted on the
//! blocking pool as it streams, with bounded memory.
//!
//! A status line cannot be taken back, so the file's first segment (the whole file when it
//! is one segment) is authenticated before the caller answers: a file damaged at its start
//! is an `integrity_error` problem like a damaged field. Damage found further in can only
//! end the body early; the response always declares its length, so the client sees a
//! connection cut short of `Content-Length`, never a complete-looking file, and the
//! failure is handed to the caller's `on_cut` (which audits it) before the cut is made.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use actix_web::web::Bytes;
use futures_util::{Stream, StreamExt};
use tokio::sync::mpsc;

use crate::crypto::{Dek, FieldContext, SEGMENT_LEN, STREAM_HEADER_LEN, StreamDecryptor, segment_offset};
use uuid::Uuid;

use crate::audit::{self, Actor, Entry, Outcome};
use crate::error::{Error, Result};
use crate::services::Services;

/// One stored file and what opening it needs.
pub(crate) struct Source {
    pub file: std::fs::File,
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

/// A response body whose first chunk is already authenticated.
pub(crate) type Body = std::pin::Pin<Box<dyn Stream<Item = Result<Bytes>>>>;

/// Starts decrypting `source` and returns once its first segment has verified (or the
/// whole file, when it is shorter than a segment), with the body to stream. A failure
/// before that is returned as the error; the caller answers and audits it. A failure
/// after it is given to `on_cut` with the count of bytes already sent, and only once
/// `on_cut` has finished is the body ended with an error (which cuts the connection).
pub(crate) async fn start<F, Fut>(source: Source, on_cut: F) -> Result<Body>
where
    F: FnOnce(Error, u64) -> Fut + 'static,
    Fut: std::future::Future<Output = Error> + 'static,
{
    let (tx, mut rx) = mpsc::channel::<Result<Bytes>>(4);
    let progress = Arc::new(Progress::default());
    let (data_tx, seen) = (tx.clone(), progress.clone());
    let task = actix_web::rt::task::spawn_blocking(move || {
        let Source { file, dek, table, record, field, range, expected_sha } = source;
        let ctx = FieldContext::new(table, &record, field);
        decrypt_into(file, &dek, &ctx, range, &expected_sha, &data_tx, &seen)
    });
    actix_web::rt::spawn(async move {
        let outcome = task.await.unwrap_or_else(|e| Err(Error::internal(format!("download task: {e}"))));
        if let Err(e) = outcome {
            // Nothing sent yet: the caller still answers with this error. Otherwise the
            // cut is all the client will see, so it is recorded before it is made.
            let e = if progress.started.load(Ordering::Acquire) {
                on_cut(e, progress.bytes.load(Ordering::Acquire)).await
            } else {
                e
            };
            let _ = tx.send(Err(e)).await;
        }
    });
    let first = match rx.recv().await {
        Some(Ok(first)) => first,
        Some(Err(e)) => return Err(e),
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

/// Decrypts on the blocking pool and feeds the channel, one segment at a time. A client
/// that went away ends it quietly (`Ok`); damaged data ends it with `Error::Integrity`.
fn decrypt_into(
    mut file: std::fs::File,
    dek: &Dek,
    ctx: &FieldContext<'_>,
    range: Option<(u64, u64)>,
    expected_sha: &str,
    tx: &mpsc::Sender<Result<Bytes>>,
    progress: &Progress,
) -> Result<()> {
    use std::io::{Read, Seek, SeekFrom};
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
            let mut decryptor = StreamDecryptor::new(dek, ctx);
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
            let first = start / SEGMENT_LEN as u64;
            let mut header = vec![0u8; STREAM_HEADER_LEN];
            file.read_exact(&mut header).map_err(|_| Error::Integrity)?;
            file.seek(SeekFrom::Start(segment_offset(first)))?;
            let mut decryptor = Some(StreamDecryptor::starting_at_segment(dek, ctx, &header, first)?);
            let mut skip = (start - first * SEGMENT_LEN as u64) as usize;
            let mut left = end - start + 1;
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

/// A damaged file is an event the auditor must see, naming the record (`kind`, `id`) and,
/// when the transfer had begun, how far it got (the download's own entry says only that
/// it started). Other failures (storage, a task that died) are logged.
pub(crate) async fn audit_integrity(
    state: &Services,
    actor: Actor,
    kind: &'static str,
    id: Uuid,
    e: &Error,
    sent: Option<u64>,
) {
    if !matches!(e, Error::Integrity) {
        tracing::warn!(error = %e, record = %id, "download ended early");
        return;
    }
    let mut entry = Entry::new(actor, "integrity_error").outcome(Outcome::Failure).target(kind, id);
    if let Some(sent) = sent {
        entry = entry.detail("after_bytes", sent);
    }
    if let Err(e) = state.db.transaction(move |c| audit::append(c, &entry).map(drop)).await {
        tracing::error!(error = %e, "could not audit a damaged file");
    }
}
