//! The import record: the uploaded file (encrypted in the blob store under the import's
//! own key), the mapping and the plan (sealed), the digest apply must name, and how far
//! apply got. Reading the file back decrypts it as it is read ([`StoredFile`]).

use std::io::Read;
use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::plan::Plan;
use super::source::Origin;
use crate::cases::sealed::Sealer;
use crate::crypto::{DecryptingReader, Dek, FieldContext, Keyring};
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::blobs::BlobStore;
use crate::store::schema::imports;

pub const TABLE: &str = "imports";
/// The field the file's ciphertext is bound to.
pub const FILE_FIELD: &str = "file";

/// Where an import stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = ImportStatus)]
pub enum Status {
    /// Planned without issues: may be applied.
    Planned,
    /// The plan found issues: fix the file or the mapping and plan again.
    Refused,
    /// Being applied, or stopped part way (apply again to resume).
    Applying,
    Applied,
    /// Apply stopped on an error; apply again to resume once it is dealt with.
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Planned => "planned",
            Status::Refused => "refused",
            Status::Applying => "applying",
            Status::Applied => "applied",
            Status::Failed => "failed",
        }
    }

    /// Whether apply may (still) be asked for: planned, or stopped part way.
    pub fn may_apply(self) -> bool {
        matches!(self, Status::Planned | Status::Applying | Status::Failed)
    }

    pub fn parse(s: &str) -> Status {
        match s {
            "planned" => Status::Planned,
            "applying" => Status::Applying,
            "applied" => Status::Applied,
            "failed" => Status::Failed,
            _ => Status::Refused,
        }
    }
}

/// What the file was and how it is read: sealed with the import.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Source {
    pub filename: String,
    pub mapping: String,
}

/// An import as its owner sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub status: Status,
    pub filename: String,
    pub file_size: u64,
    pub file_sha256: String,
    /// Name it to apply exactly this plan.
    pub digest: String,
    pub plan: Plan,
    /// Records in the plan, of which `plan.steps` lists the first ten thousand.
    pub steps_total: u64,
    /// How far apply got: the record kind being written and how many of its records are done.
    pub phase: i64,
    pub done: i64,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub applied_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = imports)]
pub struct Row {
    pub id: String,
    pub case_id: String,
    pub created_by: String,
    pub status: String,
    pub blob_id: String,
    pub file_size: i64,
    pub file_sha256: String,
    pub source: Vec<u8>,
    pub plan: Vec<u8>,
    pub digest: String,
    pub case_state: String,
    pub phase: i64,
    pub done: i64,
    pub error: Option<String>,
    pub created_at: NaiveDateTime,
    pub applied_at: Option<NaiveDateTime>,
}

impl Row {
    pub fn status(&self) -> Status {
        Status::parse(&self.status)
    }

    pub fn blob(&self) -> Result<Uuid> {
        Uuid::parse_str(&self.blob_id).map_err(|_| Error::Integrity)
    }
}

pub fn load(c: &mut DbConnection, id: &str) -> Result<Row> {
    imports::table.find(id).select(Row::as_select()).first(c).optional()?.ok_or(Error::NotFound)
}

/// What a new import row holds.
pub struct New<'a> {
    pub id: &'a str,
    pub case_id: &'a str,
    pub created_by: &'a str,
    pub blob_id: Uuid,
    pub file_size: u64,
    pub file_sha256: &'a str,
    pub source: &'a Source,
    pub plan: &'a Plan,
    pub digest: &'a str,
    pub case_state: &'a str,
    pub now: NaiveDateTime,
}

/// Records a planned import; its key was stored when the file was (`Sealer::open`).
pub fn insert(c: &mut DbConnection, keyring: &Keyring, new: &New<'_>) -> Result<()> {
    let sealer = Sealer::open(c, keyring, TABLE, new.id)?;
    let total: u64 = new.plan.counts.iter().map(|c| c.create + c.update + c.correct + c.unchanged).sum();
    let status = if new.plan.is_clean() { Status::Planned } else { Status::Refused };
    diesel::insert_into(imports::table)
        .values((
            imports::id.eq(new.id),
            imports::case_id.eq(new.case_id),
            imports::created_by.eq(new.created_by),
            imports::status.eq(status.as_str()),
            imports::blob_id.eq(new.blob_id.to_string()),
            imports::file_size.eq(new.file_size as i64),
            imports::file_sha256.eq(new.file_sha256),
            imports::source.eq(sealer.seal("source", new.source)?),
            imports::plan.eq(sealer.seal("plan", &(new.plan, total))?),
            imports::digest.eq(new.digest),
            imports::case_state.eq(new.case_state),
            imports::phase.eq(0),
            imports::done.eq(0),
            imports::created_at.eq(new.now),
        ))
        .execute(c)?;
    Ok(())
}

pub fn source(c: &mut DbConnection, keyring: &Keyring, row: &Row) -> Result<Source> {
    Sealer::open(c, keyring, TABLE, &row.id)?.unseal("source", &row.source)
}

pub fn view(c: &mut DbConnection, keyring: &Keyring, row: &Row) -> Result<ImportView> {
    let sealer = Sealer::open(c, keyring, TABLE, &row.id)?;
    let source: Source = sealer.unseal("source", &row.source)?;
    let (plan, steps_total): (Plan, u64) = sealer.unseal("plan", &row.plan)?;
    let id = |s: &str| Uuid::parse_str(s).map_err(|_| Error::Integrity);
    Ok(ImportView {
        id: id(&row.id)?,
        case_id: id(&row.case_id)?,
        status: row.status(),
        filename: source.filename,
        file_size: row.file_size as u64,
        file_sha256: row.file_sha256.clone(),
        digest: row.digest.clone(),
        plan,
        steps_total,
        phase: row.phase,
        done: row.done,
        error: row.error.clone(),
        created_at: row.created_at.and_utc(),
        applied_at: row.applied_at.map(|t| t.and_utc()),
    })
}

pub fn set_status(c: &mut DbConnection, id: &str, status: Status, error: Option<&str>) -> Result<()> {
    diesel::update(imports::table.find(id))
        .set((imports::status.eq(status.as_str()), imports::error.eq(error)))
        .execute(c)?;
    Ok(())
}

pub fn set_progress(c: &mut DbConnection, id: &str, phase: i64, done: i64) -> Result<()> {
    diesel::update(imports::table.find(id))
        .set((imports::phase.eq(phase), imports::done.eq(done)))
        .execute(c)?;
    Ok(())
}

pub fn finish(c: &mut DbConnection, id: &str, now: NaiveDateTime) -> Result<()> {
    diesel::update(imports::table.find(id))
        .set((
            imports::status.eq(Status::Applied.as_str()),
            imports::applied_at.eq(Some(now)),
            imports::error.eq(None::<String>),
        ))
        .execute(c)?;
    Ok(())
}

/// A case's imports, newest first.
pub fn of_case(c: &mut DbConnection, case_id: &str) -> Result<Vec<Row>> {
    Ok(imports::table
        .filter(imports::case_id.eq(case_id))
        .order((imports::created_at.desc(), imports::id.desc()))
        .select(Row::as_select())
        .load(c)?)
}

/// The stored upload, decrypted as it is read, once per pass.
pub struct StoredFile {
    pub blobs: Arc<dyn BlobStore>,
    pub blob_id: Uuid,
    pub dek: Dek,
    pub import_id: String,
    pub name: String,
    /// The plaintext's length, recorded when it was stored.
    pub size: u64,
}

impl Origin for StoredFile {
    fn open(&self) -> std::io::Result<Box<dyn Read + Send>> {
        let blob = self.blobs.open_blob(self.blob_id).map_err(|e| std::io::Error::other(e.to_string()))?;
        let ctx = FieldContext::new(TABLE, &self.import_id, FILE_FIELD);
        Ok(Box::new(std::io::BufReader::new(DecryptingReader::new(&self.dek, &ctx, blob))))
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn size(&self) -> Option<u64> {
        Some(self.size)
    }
}
