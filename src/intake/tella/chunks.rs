//! A file's pieces as they arrive. Tella's app asks (`HEAD`) how much of a file the
//! server holds and sends the rest in chunks (`PUT` with `Content-Range: bytes a-b/total`).
//! Each chunk is streamed through the attachment pipeline into a blob of its own, under
//! a fresh key bound to `('attachments', '<file>:<start>')`, so nothing is held in memory
//! and nothing lies on disk in plaintext. A chunk must start exactly where the received
//! bytes end and keep the total the first one declared; anything else is refused before
//! a byte is stored. The chunk that completes the file has it assembled (`assemble`).

use bytes::Bytes;
use diesel::prelude::*;
use futures_util::Stream;
use uuid::Uuid;

use crate::audit::{self, Entry};
use crate::cases::attachments::TABLE as ATTACHMENTS;
use crate::cases::sealed::Sealer;
use crate::crypto::Dek;
use crate::error::{Error, Result};
use crate::intake::receive::{
    FILES, FileMeta, NewFileRow, ReceivedFile, chunk_record, file, insert_file, name_key, owned_submission,
    takes_files,
};
use crate::intake::{Device, Intake};
use crate::keys::store as key_store;
use crate::store::DbConnection;
use crate::store::schema::{intake_chunks, intake_files};

/// `Content-Range: bytes <start>-<end>/<total>` (end inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkRange {
    pub start: u64,
    pub end: u64,
    pub total: u64,
}

impl ChunkRange {
    /// Parses the header; a range that is not `start <= end < total` is refused.
    pub fn parse(header: &str) -> Result<Self> {
        let bad = || Error::BadRequest("Content-Range must be bytes <start>-<end>/<total>".into());
        let rest = header.trim().strip_prefix("bytes ").ok_or_else(bad)?;
        let (span, total) = rest.trim().split_once('/').ok_or_else(bad)?;
        let (start, end) = span.split_once('-').ok_or_else(bad)?;
        let number = |s: &str| -> Result<u64> {
            if s.is_empty() || s.len() > 19 || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            s.parse().map_err(|_| bad())
        };
        let range = ChunkRange { start: number(start)?, end: number(end)?, total: number(total)? };
        if range.start > range.end {
            return Err(bad());
        }
        if range.end >= range.total {
            return Err(Error::BadRequest("the chunk ends beyond the declared total".into()));
        }
        Ok(range)
    }

    /// How many bytes the chunk holds.
    pub fn bytes(&self) -> u64 {
        self.end - self.start + 1
    }
}

/// A chunk refused for where it lies; nothing of it was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeRefusal {
    /// It starts before the bytes received end (sent twice, or overlapping).
    Overlaps { received: u64 },
    /// It starts after them: bytes in between are missing.
    Skips { received: u64 },
    /// Its total is not the one the file's first chunk declared.
    TotalChanged { declared: u64 },
    /// The file is already complete.
    Complete { size: u64 },
}

/// A chunk stored.
#[derive(Debug, Clone)]
pub enum ChunkOutcome {
    /// More is expected: the bytes received so far.
    Partial { received: u64 },
    /// It was the last: the file, assembled.
    Complete(ReceivedFile),
}

/// What the app says about a file besides its bytes.
#[derive(Debug, Clone)]
pub struct FileHeaders {
    pub media_type: String,
    /// Tella's `X-File-Info`: location, cell and Wi-Fi data when enabled (sealed).
    pub client_meta: Option<serde_json::Value>,
}

/// A file of a report as the chunk checks see it.
struct FileRow {
    id: String,
    status: String,
    declared: Option<i64>,
    received: i64,
}

impl Intake {
    /// How many bytes of the report's file `name` the server holds (0 for a file it has
    /// not heard of). Another device's report is `NotFound`.
    pub async fn tella_received(&self, device: &Device, report: Uuid, name: &str) -> Result<u64> {
        let (who, name) = (device.clone(), name.to_owned());
        self.ctx
            .write(move |c, k| {
                owned_submission(c, &who, report)?;
                Ok(find_file(c, &name_key(k, report, &name))?.map_or(0, |f| f.received as u64))
            })
            .await
    }

    /// Stores one chunk of the report's file `name`. A chunk that does not continue the
    /// file exactly is refused (`Ok(Err(_))`) before its body is read; one whose body
    /// ends early or does not match its range is an error and leaves nothing behind.
    pub async fn tella_chunk<S, E>(
        &self,
        device: &Device,
        report: Uuid,
        name: &str,
        range: ChunkRange,
        headers: FileHeaders,
        body: S,
    ) -> Result<std::result::Result<ChunkOutcome, RangeRefusal>>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
    {
        let max = self.attachments.limits().max_bytes;
        if range.total > max {
            return Err(Error::TooLarge { limit: max });
        }
        let placed = self.place_chunk(device, report, name, range, &headers).await?;
        let file_id = match placed {
            Ok(id) => id,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let record = chunk_record(&file_id.to_string(), range.start as i64);
        let dek = Dek::generate();
        let stored = self.attachments.store_stream(body, Some(range.bytes()), &dek, &record, None).await?;
        let (who, now, blob) = (device.clone(), self.ctx.clock.now_naive(), stored.blob_id);
        let client = headers.client_meta;
        let recorded = self
            .ctx
            .write(move |c, k| {
                takes_files(c, &who, report)?;
                let row = find_by_id(c, &file_id.to_string())?;
                if let Some(refusal) = refusal_for(&row, range) {
                    return Ok(Err(refusal));
                }
                diesel::insert_into(intake_chunks::table)
                    .values((
                        intake_chunks::file_id.eq(&row.id),
                        intake_chunks::start_at.eq(range.start as i64),
                        intake_chunks::length.eq(range.bytes() as i64),
                        intake_chunks::blob_id.eq(blob.to_string()),
                        intake_chunks::created_at.eq(now),
                    ))
                    .execute(c)?;
                key_store::store_record_key(c, k, ATTACHMENTS, &record, &dek)?;
                let received = range.end + 1;
                diesel::update(intake_files::table.find(&row.id))
                    .set(intake_files::received_size.eq(received as i64))
                    .execute(c)?;
                if client.is_some() {
                    let sealer = Sealer::open(c, k, FILES, &row.id)?;
                    let mut meta = file(c, k, &row.id)?.meta;
                    meta.client = client;
                    diesel::update(intake_files::table.find(&row.id))
                        .set(intake_files::meta.eq(sealer.seal("meta", &meta)?))
                        .execute(c)?;
                }
                audit::append(
                    c,
                    &Entry::new(&who.who.principal, "intake.chunk")
                        .target("attachment", &row.id)
                        .detail("submission", report.to_string())
                        .detail("start", range.start)
                        .detail("length", range.bytes())
                        .detail("total", range.total),
                )?;
                Ok(Ok(received))
            })
            .await;
        let received = match recorded {
            Ok(Ok(received)) => received,
            Ok(Err(refusal)) => {
                self.attachments.blobs().delete(blob)?;
                return Ok(Err(refusal));
            }
            Err(e) => {
                self.attachments.blobs().delete(blob)?;
                return Err(e);
            }
        };
        if received < range.total {
            return Ok(Ok(ChunkOutcome::Partial { received }));
        }
        Ok(Ok(ChunkOutcome::Complete(self.assemble(device, report, file_id).await?)))
    }

    /// Tella's first file API (`PUT file/{report}/{name}` without `Content-Range`): the
    /// body is the rest of the file from what `HEAD` said the server holds, so it is one
    /// chunk from there whose end is the file's end.
    pub async fn tella_append<S, E>(
        &self,
        device: &Device,
        report: Uuid,
        name: &str,
        length: u64,
        headers: FileHeaders,
        body: S,
    ) -> Result<std::result::Result<ChunkOutcome, RangeRefusal>>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
    {
        if length == 0 {
            return Err(Error::BadRequest("the body is empty".into()));
        }
        let start = self.tella_received(device, report, name).await?;
        let range = ChunkRange { start, end: start + length - 1, total: start + length };
        self.tella_chunk(device, report, name, range, headers, body).await
    }

    /// Checks where the chunk lies and, for a file's first chunk, makes its row
    /// (`receiving`, its total declared). Returns the file's id.
    async fn place_chunk(
        &self,
        device: &Device,
        report: Uuid,
        name: &str,
        range: ChunkRange,
        headers: &FileHeaders,
    ) -> Result<std::result::Result<Uuid, RangeRefusal>> {
        let (who, name, now) = (device.clone(), name.to_owned(), self.ctx.clock.now_naive());
        let media_type = headers.media_type.clone();
        self.ctx
            .write(move |c, k| {
                takes_files(c, &who, report)?;
                if let Some(row) = find_file(c, &name_key(k, report, &name))? {
                    if let Some(refusal) = refusal_for(&row, range) {
                        return Ok(Err(refusal));
                    }
                    return Ok(Ok(Uuid::parse_str(&row.id).map_err(|_| Error::Integrity)?));
                }
                if range.start != 0 {
                    return Ok(Err(RangeRefusal::Skips { received: 0 }));
                }
                let id = Uuid::new_v4();
                let row = NewFileRow {
                    id,
                    submission: report,
                    name: &name,
                    media_type: &media_type,
                    declared: Some(range.total),
                    received: 0,
                    now,
                };
                insert_file(c, k, &row, &FileMeta { name: name.clone(), ..FileMeta::default() })?;
                Ok(Ok(id))
            })
            .await
    }
}

/// Why a chunk cannot continue this file, if it cannot.
fn refusal_for(row: &FileRow, range: ChunkRange) -> Option<RangeRefusal> {
    let received = row.received as u64;
    if row.status == "complete" {
        return Some(RangeRefusal::Complete { size: received });
    }
    if let Some(declared) = row.declared.map(|d| d as u64)
        && declared != range.total
    {
        return Some(RangeRefusal::TotalChanged { declared });
    }
    match range.start.cmp(&received) {
        std::cmp::Ordering::Less => Some(RangeRefusal::Overlaps { received }),
        std::cmp::Ordering::Greater => Some(RangeRefusal::Skips { received }),
        std::cmp::Ordering::Equal => None,
    }
}

fn find_file(c: &mut DbConnection, key: &[u8]) -> Result<Option<FileRow>> {
    let id = intake_files::table
        .filter(intake_files::name_key.eq(key))
        .select(intake_files::id)
        .first::<String>(c)
        .optional()?;
    id.map(|id| find_by_id(c, &id)).transpose()
}

fn find_by_id(c: &mut DbConnection, id: &str) -> Result<FileRow> {
    let (id, status, declared, received) = intake_files::table
        .find(id)
        .select((
            intake_files::id,
            intake_files::status,
            intake_files::declared_size,
            intake_files::received_size,
        ))
        .first::<(String, String, Option<i64>, i64)>(c)?;
    Ok(FileRow { id, status, declared, received })
}
