//! Reading an object from any offset: one GET streamed from where the reader stands,
//! replaced by a ranged GET (`Range: bytes=N-`) after a seek.

use std::io::{self, Read, Seek, SeekFrom};
use std::sync::Arc;

use super::{Inner, io_error};
use crate::error::{Error, Result};

pub(super) struct S3Reader {
    store: Arc<Inner>,
    key: String,
    len: u64,
    pos: u64,
    body: Option<ureq::BodyReader<'static>>,
}

impl S3Reader {
    /// Starts reading at 0; `NotFound` when there is no such object.
    pub(super) fn open(store: Arc<Inner>, key: String) -> Result<Self> {
        let (len, body) = get(&store, &key, 0)?;
        let len = len.ok_or_else(|| Error::Storage("read: the object store sent no length".into()))?;
        Ok(S3Reader { store, key, len, pos: 0, body: Some(body) })
    }
}

/// A GET from `from` on: the object's whole length when the answer says it, and the body.
fn get(store: &Inner, key: &str, from: u64) -> Result<(Option<u64>, ureq::BodyReader<'static>)> {
    let url = store.sign(store.bucket.get_object(Some(&store.credentials), key));
    let mut request = store.agent.get(url.as_str());
    if from > 0 {
        request = request.header("Range", format!("bytes={from}-"));
    }
    let response = store.call(request.call(), "read")?;
    let headers = response.headers();
    let number = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    // `Content-Range: bytes a-b/total` on a ranged answer, else the body is the object.
    let len = match number("content-range") {
        Some(range) => range.rsplit('/').next().and_then(|t| t.parse().ok()),
        None => number("content-length").and_then(|l| l.parse().ok()),
    };
    Ok((len, response.into_body().into_reader()))
}

impl Read for S3Reader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.len || buf.is_empty() {
            return Ok(0);
        }
        let body = match &mut self.body {
            Some(body) => body,
            None => {
                let (_, body) = get(&self.store, &self.key, self.pos).map_err(io_error)?;
                self.body.insert(body)
            }
        };
        // A connection cut mid-body is an outage, not damage: the caller may retry.
        let n = body.read(buf).map_err(|e| io_error(Error::StoreUnavailable(format!("read: {e}"))))?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for S3Reader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        }
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        if target != self.pos {
            self.body = None;
            self.pos = target;
        }
        Ok(self.pos)
    }
}
