//! Writing an object: one part filled in memory while the one before is sent (as a
//! multipart upload part, on a thread of its own), so encrypting and sending overlap and
//! memory stays at two parts; a blob smaller than one part is a single PutObject at commit. Until
//! CompleteMultipartUpload nothing is visible under the key, so a writer dropped (or a
//! node killed) mid-way leaves no object, only an upload to abort.

use std::io::{self, Write};
use std::sync::Arc;

use uuid::Uuid;

use super::{Inner, io_error};
use crate::error::{Error, Result};
use crate::store::blobs::BlobWrite;

/// Bytes per part: S3's minimum (but the last) is 5 MiB; memory per upload is one part.
pub(super) const PART: usize = 8 * 1024 * 1024;

pub(super) struct S3Writer {
    store: Arc<Inner>,
    id: Uuid,
    key: String,
    buf: Vec<u8>,
    upload: Option<String>,
    etags: Vec<String>,
    /// The part being sent: its etag once sent.
    sending: Option<std::thread::JoinHandle<Result<String>>>,
    committed: bool,
}

impl S3Writer {
    pub(super) fn new(store: Arc<Inner>, id: Uuid, key: String) -> Self {
        S3Writer {
            store,
            id,
            key,
            buf: Vec::new(),
            upload: None,
            etags: Vec::new(),
            sending: None,
            committed: false,
        }
    }

    /// Waits for the part being sent, if any, and keeps its etag.
    fn wait_sent(&mut self) -> Result<()> {
        if let Some(sending) = self.sending.take() {
            let etag = sending.join().map_err(|_| Error::internal("upload thread panicked"))??;
            self.etags.push(etag);
        }
        Ok(())
    }

    /// Starts sending the buffered bytes as the next part (starting the upload if need be)
    /// and returns at once with an empty buffer; at most one part is in flight.
    fn send_part(&mut self) -> Result<()> {
        let store = self.store.clone();
        let upload = match &self.upload {
            Some(id) => id.clone(),
            None => {
                let action = store.bucket.create_multipart_upload(Some(&store.credentials), &self.key);
                let mut response =
                    store.call(store.agent.post(store.sign(action).as_str()).send_empty(), "upload")?;
                let body = read_small(&mut response)?;
                let created = rusty_s3::actions::CreateMultipartUpload::parse_response(&body)
                    .map_err(|e| Error::Storage(format!("upload: unexpected answer: {e}")))?;
                let id = created.upload_id().to_owned();
                self.upload = Some(id.clone());
                id
            }
        };
        self.wait_sent()?;
        let number = u16::try_from(self.etags.len() + 1)
            .map_err(|_| Error::TooLarge { limit: (PART as u64) * 10_000 })?;
        let (key, part) = (self.key.clone(), std::mem::take(&mut self.buf));
        self.sending = Some(std::thread::spawn(move || send(&store, &key, &upload, number, &part)));
        Ok(())
    }

    fn complete(&mut self, upload: &str) -> Result<()> {
        let store = self.store.clone();
        let action = store.bucket.complete_multipart_upload(
            Some(&store.credentials),
            &self.key,
            upload,
            self.etags.iter().map(String::as_str),
        );
        let url = store.sign(action.clone());
        let mut response =
            store.call(store.agent.post(url.as_str()).send(action.body()), "complete upload")?;
        // S3 may answer 200 and still report a failure in the body.
        let body = read_small(&mut response)?;
        if body.contains("<Error>") {
            let code = super::xml_text(&body, "Code").unwrap_or("unknown");
            return Err(Error::StoreUnavailable(format!("complete upload: {code}")));
        }
        Ok(())
    }

    fn put_whole(&mut self) -> Result<()> {
        let store = self.store.clone();
        let action = store.bucket.put_object(Some(&store.credentials), &self.key);
        store.call(store.agent.put(store.sign(action).as_str()).send(&self.buf[..]), "upload")?;
        self.buf = Vec::new();
        Ok(())
    }
}

/// Sends one part; its etag.
fn send(store: &Inner, key: &str, upload: &str, number: u16, part: &[u8]) -> Result<String> {
    let action = store.bucket.upload_part(Some(&store.credentials), key, number, upload);
    let response = store.call(store.agent.put(store.sign(action).as_str()).send(part), "upload part")?;
    let etag = response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| Error::Storage("upload part: no ETag in the answer".into()))?;
    Ok(etag.to_owned())
}

pub(super) fn read_small(response: &mut ureq::http::Response<ureq::Body>) -> Result<String> {
    response
        .body_mut()
        .with_config()
        .limit(16 * 1024 * 1024)
        .read_to_string()
        .map_err(|e| super::transport("read answer", &e))
}

impl Write for S3Writer {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(PART - self.buf.len());
        // Grow by doubling up to exactly one part, so a small blob holds little memory
        // and a large one never more than a part here (and one being sent).
        let want = (self.buf.len() + n).next_power_of_two().min(PART);
        if want > self.buf.capacity() {
            self.buf.reserve_exact(want - self.buf.len());
        }
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == PART {
            self.send_part().map_err(io_error)?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl BlobWrite for S3Writer {
    fn id(&self) -> Uuid {
        self.id
    }

    fn commit(mut self: Box<Self>) -> Result<Uuid> {
        match self.upload.clone() {
            None => self.put_whole()?,
            Some(upload) => {
                if !self.buf.is_empty() {
                    self.send_part()?;
                }
                self.wait_sent()?;
                self.complete(&upload)?;
            }
        }
        self.committed = true;
        Ok(self.id)
    }
}

impl Drop for S3Writer {
    fn drop(&mut self) {
        // Best effort: an upload left behind is invisible and `clean_tmp` aborts it later.
        if let Some(sending) = self.sending.take() {
            let _ = sending.join();
        }
        if let (false, Some(upload)) = (self.committed, self.upload.as_deref()) {
            let store = &self.store;
            let action = store.bucket.abort_multipart_upload(Some(&store.credentials), &self.key, upload);
            if let Err(e) = store.call(store.agent.delete(store.sign(action).as_str()).call(), "abort upload")
            {
                tracing::warn!(error = %e, "could not abort an unfinished upload; it is retried at start-up");
            }
        }
    }
}
