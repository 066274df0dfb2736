//! A file arriving as a stream of bytes (a raw request body, a part of a multipart form,
//! an imported file): authorised before a byte is read, encrypted as it arrives with
//! bounded memory, hashed, written to the blob store, and recorded — row, wrapped key and
//! audit entry in one transaction — only if all of it arrived and was written. Otherwise
//! neither a row nor a file is left.

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use md5::Md5;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::Attachments;
use crate::access::{ActionMarker, Allowed, act};
use crate::cases::attachments::{self as rows, AttachmentView, CONTENT_FIELD, Stored, TABLE, UploadTicket};
use crate::crypto::{Dek, FieldContext, SEGMENT_LEN, StreamEncryptor};
use crate::error::{Error, Result};

/// What the uploader says about a file.
#[derive(Debug, Clone)]
pub struct NewFile {
    /// Its media type, reduced to `type/subtype` ([`clean_media_type`]).
    pub media_type: String,
    /// Its original name, reduced to a base name ([`clean_filename`]).
    pub filename: String,
    /// Its length when announced in advance: more than the limit is refused before a
    /// byte is read, and a body of another length is refused.
    pub declared_len: Option<u64>,
}

/// Permission to upload one file, checked before any byte is read; it carries the proof
/// it was checked with, so the row is written under the same action.
#[derive(Debug)]
pub struct Ticket<A: ActionMarker> {
    who: Allowed<A>,
    ticket: UploadTicket,
}

/// A phone's own encryption undone while its file arrives (ODK's encrypted forms): the
/// received bytes in, the content out, on the upload's blocking thread.
pub trait Decode: Send + 'static {
    /// Appends to `out` the content `received` yields.
    fn update(&mut self, received: &[u8], out: &mut Vec<u8>) -> Result<()>;
    /// The received bytes ended: appends the rest of the content, or refuses a file that
    /// does not end as its encoding says (padding, length).
    fn finish(&mut self, out: &mut Vec<u8>) -> Result<()>;
}

/// What [`Attachments::store_stream`] wrote.
#[derive(Debug, Clone)]
pub struct StoredStream {
    pub blob_id: Uuid,
    /// Length and SHA-256 of the content (what was stored, decoded).
    pub size: u64,
    pub sha256: [u8; 32],
    /// MD5 of the content (what an ODK encrypted submission's signature covers).
    pub md5: [u8; 16],
    /// Length, SHA-256 and MD5 of the bytes as they arrived (MD5 is what ODK's
    /// submission signature speaks).
    pub received: u64,
    pub received_sha256: [u8; 32],
    pub received_md5: [u8; 16],
}

enum Chunk {
    Data(Bytes),
    End,
}

impl Attachments {
    /// Authorises an upload to a testimony (its body is not read yet).
    pub async fn begin_testimony_upload(
        &self,
        who: Allowed<act::AttachmentUpload>,
        testimony: Uuid,
    ) -> Result<Ticket<act::AttachmentUpload>> {
        self.ctx.read(move |c| Ok(Ticket { ticket: rows::begin_upload(c, &who, testimony)?, who })).await
    }

    /// Authorises an upload of a file about an incident (photos of injuries, a medical
    /// report): it comes from those who record incidents.
    pub async fn begin_incident_upload(
        &self,
        who: Allowed<act::RecordWrite>,
        incident: Uuid,
    ) -> Result<Ticket<act::RecordWrite>> {
        self.ctx
            .read(move |c| Ok(Ticket { ticket: rows::begin_incident_upload(c, &who, incident)?, who }))
            .await
    }

    /// Authorises an upload of a photograph or diagnostic test to an evaluation version:
    /// medical data, from those who write it.
    pub async fn begin_evaluation_upload(
        &self,
        who: Allowed<act::MedicalWrite>,
        evaluation: Uuid,
    ) -> Result<Ticket<act::MedicalWrite>> {
        self.ctx
            .read(move |c| {
                Ok(Ticket { ticket: crate::medical::files::begin_upload(c, &who, evaluation)?, who })
            })
            .await
    }

    /// Both steps at once, for callers that hold the whole body already (the demo
    /// data, imports).
    pub async fn upload_to_testimony<S, E>(
        &self,
        who: Allowed<act::AttachmentUpload>,
        testimony: Uuid,
        file: NewFile,
        body: S,
    ) -> Result<AttachmentView>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
    {
        let ticket = self.begin_testimony_upload(who, testimony).await?;
        self.receive(ticket, file, body).await
    }

    /// Streams an authorised upload into the blob store and records it. Audited.
    pub async fn receive<A, S, E>(&self, ticket: Ticket<A>, file: NewFile, body: S) -> Result<AttachmentView>
    where
        A: ActionMarker + Send + 'static,
        S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
    {
        let max = self.limits.max_bytes;
        if file.declared_len.is_some_and(|n| n > max) {
            return Err(Error::TooLarge { limit: max });
        }
        // Fail now, not after the whole file arrived, if the keys are not loaded.
        self.ctx.keys.keyring()?;
        let dek = Dek::generate();
        let (blob_id, size, sha256) =
            self.store(body, file.declared_len, &dek, &ticket.ticket.attachment_id.to_string()).await?;
        let stored =
            Stored { blob_id, size, sha256, dek, media_type: file.media_type, filename: file.filename };
        let now = self.ctx.clock.now_naive();
        let Ticket { who, ticket } = ticket;
        let recorded =
            self.ctx.write(move |c, k| rows::finish_upload(c, k, &who, &ticket, &stored, now)).await;
        if recorded.is_err() {
            // No row, so no file either.
            self.blobs.delete(blob_id)?;
        }
        recorded
    }

    /// Encrypts `body` into a new blob: (blob id, plaintext length, SHA-256). A body cut
    /// short, too long, stalled, or unlike its declared length leaves no blob behind.
    async fn store<S, E>(
        &self,
        body: S,
        declared: Option<u64>,
        dek: &Dek,
        record: &str,
    ) -> Result<(Uuid, u64, [u8; 32])>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
    {
        let stored = self.store_stream(body, declared, dek, record, None).await?;
        Ok((stored.blob_id, stored.size, stored.sha256))
    }

    /// The pipeline's core, for field intake as well: `body` (as received, hashed as
    /// such) through an optional `decode` (a phone's own encryption) into a new blob
    /// holding the content under `dek`, bound to `('attachments', record, 'content')`.
    /// The limit applies to the bytes received. Nothing is left behind on failure.
    pub async fn store_stream<S, E>(
        &self,
        mut body: S,
        declared: Option<u64>,
        dek: &Dek,
        record: &str,
        decode: Option<Box<dyn Decode>>,
    ) -> Result<StoredStream>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
    {
        let max = self.limits.max_bytes;
        // Encrypt and write on the blocking pool; the channel bounds what is in flight.
        let (tx, mut rx) = mpsc::channel::<Chunk>(4);
        let (blobs, writer_dek, record) = (self.blobs.clone(), dek.clone(), record.to_owned());
        let writer = tokio::task::spawn_blocking(move || -> Result<StoredStream> {
            let mut decode = decode;
            let mut blob = blobs.create()?;
            let mut encryptor =
                StreamEncryptor::new(&writer_dek, &FieldContext::new(TABLE, &record, CONTENT_FIELD));
            let (mut sha, mut md5, mut received) = (Sha256::new(), Md5::new(), 0u64);
            let mut content_md5 = Md5::new();
            let (mut content, mut out) = (Vec::new(), Vec::with_capacity(SEGMENT_LEN * 2));
            loop {
                match rx.blocking_recv() {
                    Some(Chunk::Data(bytes)) => {
                        sha.update(&bytes);
                        md5.update(&bytes);
                        received += bytes.len() as u64;
                        let plain = match decode.as_mut() {
                            Some(d) => {
                                content.clear();
                                d.update(&bytes, &mut content)?;
                                &content[..]
                            }
                            None => &bytes[..],
                        };
                        content_md5.update(plain);
                        encryptor.update(plain, &mut out)?;
                        blob.write_all(&out)?;
                        out.clear();
                    }
                    Some(Chunk::End) => break,
                    // The body ended early: dropping `blob` removes the partial file.
                    None => {
                        return Err(Error::BadRequest(
                            "the upload ended before the whole file arrived".into(),
                        ));
                    }
                }
            }
            if let Some(d) = decode.as_mut() {
                content.clear();
                d.finish(&mut content)?;
                content_md5.update(&content);
                encryptor.update(&content, &mut out)?;
            }
            let (size, sha256) = encryptor.finish(&mut out)?;
            blob.write_all(&out)?;
            Ok(StoredStream {
                blob_id: blob.commit()?,
                size,
                sha256,
                md5: content_md5.finalize().into(),
                received,
                received_sha256: sha.finalize().into(),
                received_md5: md5.finalize().into(),
            })
        });
        let mut total: u64 = 0;
        let mut failure = None;
        // The writer stops taking chunks only when it failed (disk full, store read-only):
        // its error is the answer, not the body's length.
        let mut writer_gone = false;
        loop {
            let Ok(next) = tokio::time::timeout(self.limits.idle_timeout, body.next()).await else {
                failure = Some(Error::Stalled);
                break;
            };
            let Some(chunk) = next else { break };
            match chunk {
                Ok(bytes) => {
                    total += bytes.len() as u64;
                    if total > max {
                        failure = Some(Error::TooLarge { limit: max });
                        break;
                    }
                    if tx.send(Chunk::Data(bytes)).await.is_err() {
                        writer_gone = true;
                        break;
                    }
                }
                Err(_) => {
                    failure = Some(Error::BadRequest("the upload was interrupted".into()));
                    break;
                }
            }
        }
        if failure.is_none() && !writer_gone && declared.is_some_and(|n| n != total) {
            failure = Some(Error::BadRequest("the body does not match its Content-Length".into()));
        }
        if failure.is_none() {
            let _ = tx.send(Chunk::End).await;
        }
        drop(tx);
        let written = writer.await.map_err(|e| Error::internal(format!("upload task: {e}")))?;
        if let Some(e) = failure {
            if let Ok(stored) = written {
                self.blobs.delete(stored.blob_id)?;
            }
            return Err(e);
        }
        written
    }
}

/// A declared media type reduced to its essence (`type/subtype`), or refused.
pub fn clean_media_type(s: &str) -> Result<String> {
    let essence = s.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let token =
        |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b));
    match essence.split_once('/') {
        Some((a, b)) if token(a) && token(b) && essence.len() <= 127 => Ok(essence),
        _ => Err(Error::BadRequest("Content-Type is not a media type".into())),
    }
}

/// A client's file name as a base name without control characters or leading dots, so
/// no later export can be tricked into a path.
pub fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base.chars().filter(|c| !c.is_control()).take(255).collect();
    let clean = clean.trim().trim_start_matches('.').to_owned();
    if clean.is_empty() { "attachment".into() } else { clean }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_are_reduced_to_their_essence_or_refused() {
        assert_eq!(clean_media_type("Image/JPEG; charset=x").unwrap(), "image/jpeg");
        assert_eq!(clean_media_type(" text/plain ").unwrap(), "text/plain");
        for bad in
            ["", "text", "text/", "/plain", "te xt/plain", "text/pl\"ain", &format!("a/{}", "b".repeat(200))]
        {
            assert!(clean_media_type(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn file_names_become_base_names_without_controls_or_leading_dots() {
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("C:\\Users\\x\\report.pdf"), "report.pdf");
        assert_eq!(clean_filename("..hidden"), "hidden");
        assert_eq!(clean_filename("a\u{0}b\nc.txt"), "abc.txt");
        assert_eq!(clean_filename(""), "attachment");
        assert_eq!(clean_filename("dir/"), "attachment");
        assert_eq!(clean_filename(&"x".repeat(300)).chars().count(), 255);
    }
}
