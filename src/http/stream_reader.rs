//! A multipart file part as the blocking `Read` a service's upload path takes (imports:
//! the API's form and the page's). The handler pumps chunks in while the service's
//! thread reads them out, a few chunks in flight: the file is never held whole.

use std::future::Future;
use std::io::{ErrorKind, Read};
use std::time::Duration;

use actix_multipart::Field;
use bytes::Bytes;
use futures_util::StreamExt;
use tokio::sync::mpsc;

/// The reader, and the pump that feeds it: run the pump alongside whatever reads (join
/// them), or the reader waits for ever. The pump stops when the reader is dropped or the
/// part ends; an interrupted upload reaches the reader as an error, and one that sends
/// nothing for `idle` as a `TimedOut` error (a stalled client must not hold a thread).
pub(crate) fn pipe(mut part: Field, idle: Duration) -> (ChannelReader, impl Future<Output = ()>) {
    let (tx, rx) = mpsc::channel(4);
    let pumping = async move {
        loop {
            let Ok(next) = tokio::time::timeout(idle, part.next()).await else {
                let _ = tx.send(Err(std::io::Error::new(ErrorKind::TimedOut, "the upload stalled"))).await;
                break;
            };
            let Some(chunk) = next else { break };
            let chunk = chunk.map_err(|_| std::io::Error::other("the upload was interrupted"));
            let failed = chunk.is_err();
            if tx.send(chunk).await.is_err() || failed {
                break;
            }
        }
    };
    (ChannelReader { rx, current: Bytes::new() }, pumping)
}

pub(crate) struct ChannelReader {
    rx: mpsc::Receiver<std::io::Result<Bytes>>,
    current: Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                Some(Ok(chunk)) => self.current = chunk,
                Some(Err(e)) => return Err(e),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}
