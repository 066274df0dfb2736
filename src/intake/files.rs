//! The rows of a submission's files: inserting one, its custody entry, reading it back,
//! and deleting a whole submission's (crypto-shredding its files). `receive`, Tella's
//! chunks and the inbox share them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::Device;
use super::receive::{FILES, FileMeta, ReceivedFile, SUBMISSIONS, name_key};
use crate::audit::{self, Entry};
use crate::cases::attachments::TABLE as ATTACHMENTS;
use crate::cases::sealed::Sealer;
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::keys::store as key_store;
use crate::store::DbConnection;
use crate::store::schema::{intake_chunks, intake_files, intake_submissions};

/// A file row before its content is complete (Tella's resumable files start so).
pub(crate) struct NewFileRow<'a> {
    pub id: Uuid,
    pub submission: Uuid,
    pub name: &'a str,
    pub media_type: &'a str,
    pub declared: Option<u64>,
    pub received: u64,
    pub now: NaiveDateTime,
}

/// Inserts a file row as `receiving`; a name the submission already holds is `Conflict`.
pub(crate) fn insert_file(
    c: &mut DbConnection,
    k: &Keyring,
    f: &NewFileRow<'_>,
    meta: &FileMeta,
) -> Result<()> {
    let id = f.id.to_string();
    let key = name_key(k, f.submission, f.name);
    let taken: i64 = intake_files::table
        .filter(intake_files::submission_id.eq(f.submission.to_string()))
        .filter(intake_files::name_key.eq(&key))
        .count()
        .get_result(c)?;
    if taken > 0 {
        return Err(Error::Conflict("the submission already has a file of this name"));
    }
    let sealer = Sealer::create(c, k, FILES, &id)?;
    diesel::insert_into(intake_files::table)
        .values((
            intake_files::id.eq(&id),
            intake_files::submission_id.eq(f.submission.to_string()),
            intake_files::name_key.eq(key),
            intake_files::media_type.eq(f.media_type),
            intake_files::status.eq("receiving"),
            intake_files::declared_size.eq(f.declared.map(|n| n as i64)),
            intake_files::received_size.eq(f.received as i64),
            intake_files::meta.eq(sealer.seal("meta", meta)?),
            intake_files::created_at.eq(f.now),
        ))
        .execute(c)?;
    Ok(())
}

/// The custody entry of a file whose content is complete.
#[allow(clippy::too_many_arguments)]
pub(crate) fn file_entry(
    c: &mut DbConnection,
    device: &Device,
    submission: Uuid,
    file: Uuid,
    media_type: &str,
    received: u64,
    meta: &FileMeta,
    size: u64,
) -> Result<()> {
    audit::append(
        c,
        &Entry::new(&device.who.principal, "intake.file")
            .target("attachment", file)
            .detail("submission", submission.to_string())
            .detail("media_type", media_code(media_type))
            .detail("received_bytes", received)
            .detail("received_sha256", meta.received_sha256.as_str())
            .detail("size", size)
            .detail("sha256", meta.sha256.as_str()),
    )?;
    Ok(())
}

/// A media type as an audit code (`image/jpeg` → `image.jpeg`): details hold codes only.
fn media_code(media_type: &str) -> String {
    media_type
        .chars()
        .take(64)
        .map(|c| match c.to_ascii_lowercase() {
            '/' | '+' => '.',
            c if c.is_ascii_lowercase() || c.is_ascii_digit() || "_.:-".contains(c) => c,
            _ => '_',
        })
        .collect()
}

/// A file row with its sealed metadata opened.
pub(crate) fn file(c: &mut DbConnection, k: &Keyring, id: &str) -> Result<ReceivedFile> {
    let (media_type, received, size, meta) = intake_files::table
        .find(id)
        .select((
            intake_files::media_type,
            intake_files::received_size,
            intake_files::size,
            intake_files::meta,
        ))
        .first::<(String, i64, Option<i64>, Vec<u8>)>(c)?;
    let meta: FileMeta = Sealer::open(c, k, FILES, id)?.unseal("meta", &meta)?;
    Ok(ReceivedFile {
        id: Uuid::parse_str(id).map_err(|_| Error::Integrity)?,
        media_type,
        received: received as u64,
        size: size.unwrap_or(0) as u64,
        meta,
    })
}

/// Destroys the content of a submission's files (complete or not): their content keys,
/// the keys and rows of any pieces still waiting to be joined. Returns each file's id and
/// the blobs to delete once the transaction commits.
pub(crate) fn shred_contents(c: &mut DbConnection, submission: Uuid) -> Result<(Vec<String>, Vec<Uuid>)> {
    let files: Vec<(String, Option<String>)> = intake_files::table
        .filter(intake_files::submission_id.eq(submission.to_string()))
        .select((intake_files::id, intake_files::blob_id))
        .load(c)?;
    let (mut ids, mut blobs) = (Vec::new(), Vec::new());
    for (file, blob) in files {
        let chunks: Vec<(i64, String)> = intake_chunks::table
            .filter(intake_chunks::file_id.eq(&file))
            .select((intake_chunks::start_at, intake_chunks::blob_id))
            .load(c)?;
        for (start, blob) in chunks {
            key_store::shred(c, ATTACHMENTS, &chunk_record(&file, start))?;
            blobs.push(Uuid::parse_str(&blob).map_err(|_| Error::Integrity)?);
        }
        diesel::delete(intake_chunks::table.filter(intake_chunks::file_id.eq(&file))).execute(c)?;
        key_store::shred(c, ATTACHMENTS, &file)?;
        if let Some(b) = blob {
            blobs.push(Uuid::parse_str(&b).map_err(|_| Error::Integrity)?);
        }
        ids.push(file);
    }
    Ok((ids, blobs))
}

/// Deletes a submission's rows and keys (crypto-shredding its files); returns the blobs
/// to delete once the transaction commits.
pub(crate) fn delete_submission(c: &mut DbConnection, submission: Uuid) -> Result<Vec<Uuid>> {
    let id = submission.to_string();
    let (files, blobs) = shred_contents(c, submission)?;
    for file in &files {
        key_store::shred(c, FILES, file)?;
    }
    diesel::delete(intake_files::table.filter(intake_files::submission_id.eq(&id))).execute(c)?;
    key_store::shred(c, SUBMISSIONS, &id)?;
    key_store::shred(c, crate::intake::tella::reports::DRAFTS, &id)?;
    diesel::delete(intake_submissions::table.find(&id)).execute(c)?;
    Ok(blobs)
}

/// The record a piece of a resumable file is bound to (its key in `data_keys`, its
/// ciphertext's AAD): `<file id>:<start>`.
pub fn chunk_record(file: &str, start: i64) -> String {
    format!("{file}:{start}")
}
