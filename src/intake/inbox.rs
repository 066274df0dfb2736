//! The case lead's inbox: what the case's devices sent, waiting to be accepted as a
//! draft (`accept`) or rejected (`reject`). Listing, reading one and downloading one of
//! its files are the lead's alone (`IntakeReview`), and each is audited: what a phone
//! sent is read under the lead's name before anyone decides what it is.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Intake;
use super::mapping::{self, Field};
use super::receive::{self, Content, ContentKind, SUBMISSIONS, SubmissionStatus};
use crate::access::membership as access;
use crate::access::{Allowed, act};
use crate::attachments::range::{Part, Wanted};
use crate::attachments::{Fetch, FileDownload, Requester, SealedFile, stream_sealed};
use crate::audit::{self, Actor, Entry, StoredEntry};
use crate::cases::attachments::{AttachmentView, CONTENT_FIELD, TABLE as ATTACHMENTS};
use crate::cases::sealed::Sealer;
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::keys::store as key_store;
use crate::store::DbConnection;
use crate::store::schema::{intake_devices, intake_files, intake_forms, intake_submissions};

/// The sealed-field table of a device's label (`intake_devices.label`, the field `label`,
/// a JSON string, under the device account's user id).
pub const DEVICES: &str = "intake_devices";

/// A submission as the inbox lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = IntakeSubmissionSummary)]
pub struct SubmissionSummary {
    pub id: Uuid,
    pub case_id: Uuid,
    pub status: SubmissionStatus,
    /// `openrosa` or `tella`.
    pub channel: String,
    pub received_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    /// The device account that sent it.
    pub device_id: Uuid,
    /// What the lead called the device ("Anna's phone").
    pub device_label: Option<String>,
    /// Its complete files.
    pub files: i64,
    /// The form it answers, and the form's version.
    pub form_id: Option<String>,
    pub form_version: Option<String>,
    /// The draft it became, once accepted (the same id).
    pub testimony_id: Option<Uuid>,
}

/// A file of a submission, with the hashes taken as it arrived.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = IntakeFileView)]
pub struct FileView {
    pub id: Uuid,
    pub name: String,
    pub media_type: String,
    /// `receiving` (a resumable upload not finished) or `complete`.
    pub status: String,
    /// Bytes as received (ciphertext when the phone encrypted them).
    pub received_bytes: u64,
    /// Bytes of the content stored.
    pub size: u64,
    pub received_sha256: String,
    pub received_md5: String,
    /// SHA-256 (hex) of the content stored.
    pub sha256: String,
    /// What the app sent with it (Tella: location, cell and Wi-Fi data).
    #[schema(value_type = Option<Object>)]
    pub client: Option<serde_json::Value>,
    /// Its content can still be downloaded (not after a rejection).
    pub available: bool,
}

/// What the lead decided.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = IntakeDecision)]
pub struct DecisionView {
    pub decided_by: Uuid,
    pub decided_at: DateTime<Utc>,
    /// Why it was rejected.
    pub reason: Option<String>,
}

/// One submission: its answers, its files and its chain of custody so far.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = IntakeSubmissionView)]
pub struct SubmissionView {
    #[serde(flatten)]
    pub summary: SubmissionSummary,
    /// `xform` or `tella_report`.
    pub kind: String,
    pub fields: Vec<Field>,
    pub files: Vec<FileView>,
    /// Every audit entry naming the submission (as the testimony it becomes) or one of
    /// its files (as the attachment it becomes), oldest first.
    pub custody: Vec<StoredEntry>,
    pub decision: Option<DecisionView>,
}

/// The sealed decision (`intake_submissions.decision`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Decision {
    pub reason: Option<String>,
}

/// A row of `intake_submissions`, as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = intake_submissions)]
struct SubmissionRow {
    id: String,
    case_id: String,
    device_id: String,
    channel: String,
    status: String,
    form_id: Option<String>,
    received_at: NaiveDateTime,
    completed_at: Option<NaiveDateTime>,
    testimony_id: Option<String>,
    decided_by: Option<String>,
    decided_at: Option<NaiveDateTime>,
    decision: Option<Vec<u8>>,
    content: Option<Vec<u8>>,
}

/// A submission as stored, its sealed fields still sealed.
pub(crate) struct Stored {
    pub id: Uuid,
    pub case_id: String,
    pub device_id: String,
    pub channel: String,
    pub status: SubmissionStatus,
    form_row: Option<String>,
    received_at: NaiveDateTime,
    completed_at: Option<NaiveDateTime>,
    testimony_id: Option<String>,
    decided_by: Option<String>,
    decided_at: Option<NaiveDateTime>,
    decision: Option<Vec<u8>>,
    content: Option<Vec<u8>>,
}

impl Stored {
    fn of(r: SubmissionRow) -> Result<Self> {
        Ok(Stored {
            id: parse(&r.id)?,
            case_id: r.case_id,
            device_id: r.device_id,
            channel: r.channel,
            status: SubmissionStatus::parse(&r.status)?,
            form_row: r.form_id,
            received_at: r.received_at,
            completed_at: r.completed_at,
            testimony_id: r.testimony_id,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            decision: r.decision,
            content: r.content,
        })
    }

    /// Its content, opened (a submission still receiving has none).
    pub fn content(&self, c: &mut DbConnection, k: &Keyring) -> Result<Content> {
        let sealed = self.content.as_deref().ok_or(Error::Conflict("submission_incomplete"))?;
        Sealer::open(c, k, SUBMISSIONS, &self.id.to_string())?.unseal("content", sealed)
    }
}

pub(crate) fn parse(id: &str) -> Result<Uuid> {
    Uuid::parse_str(id).map_err(|_| Error::Integrity)
}

/// The submission `id` if `who` may review its case's inbox; `NotFound` otherwise (and
/// `Forbidden` for a member of the case who is not its lead).
pub(crate) fn authorized(c: &mut DbConnection, who: &Allowed<act::IntakeReview>, id: Uuid) -> Result<Stored> {
    let row: SubmissionRow = intake_submissions::table
        .find(id.to_string())
        .select(SubmissionRow::as_select())
        .first(c)
        .optional()?
        .ok_or(Error::NotFound)?;
    let stored = Stored::of(row)?;
    access::authorize_for(c, who, &stored.case_id)?;
    // What is still arriving is the device's, not yet the inbox's.
    if stored.status == SubmissionStatus::Receiving {
        return Err(Error::NotFound);
    }
    Ok(stored)
}

fn summary(c: &mut DbConnection, k: &Keyring, s: &Stored) -> Result<SubmissionSummary> {
    let files: i64 = intake_files::table
        .filter(intake_files::submission_id.eq(s.id.to_string()))
        .filter(intake_files::status.eq("complete"))
        .count()
        .get_result(c)?;
    let label: Option<Vec<u8>> =
        intake_devices::table.find(&s.device_id).select(intake_devices::label).first(c).optional()?;
    let device_label = match label {
        Some(blob) => Some(Sealer::open(c, k, DEVICES, &s.device_id)?.unseal::<String>("label", &blob)?),
        None => None,
    };
    let form = match &s.form_row {
        Some(row) => intake_forms::table
            .find(row)
            .select((intake_forms::form_id, intake_forms::version))
            .first::<(String, String)>(c)
            .optional()?,
        None if s.content.is_some() => s.content(c, k)?.form,
        None => None,
    };
    let (form_id, form_version) = form.map_or((None, None), |(f, v)| (Some(f), Some(v)));
    Ok(SubmissionSummary {
        id: s.id,
        case_id: parse(&s.case_id)?,
        status: s.status,
        channel: s.channel.clone(),
        received_at: s.received_at.and_utc(),
        completed_at: s.completed_at.map(|t| t.and_utc()),
        device_id: parse(&s.device_id)?,
        device_label,
        files,
        form_id,
        form_version,
        testimony_id: s.testimony_id.as_deref().map(parse).transpose()?,
    })
}

/// The rows of a submission's files, oldest first: (id, status, blob).
fn file_rows(c: &mut DbConnection, submission: Uuid) -> Result<Vec<(String, String, Option<String>)>> {
    Ok(intake_files::table
        .filter(intake_files::submission_id.eq(submission.to_string()))
        .order((intake_files::created_at.asc(), intake_files::id.asc()))
        .select((intake_files::id, intake_files::status, intake_files::blob_id))
        .load(c)?)
}

fn file_view(c: &mut DbConnection, k: &Keyring, id: &str, status: String, blob: bool) -> Result<FileView> {
    let f = receive::file(c, k, id)?;
    Ok(FileView {
        id: f.id,
        name: f.meta.name,
        media_type: f.media_type,
        available: blob && status == "complete",
        status,
        received_bytes: f.received,
        size: f.size,
        received_sha256: f.meta.received_sha256,
        received_md5: f.meta.received_md5,
        sha256: f.meta.sha256,
        client: f.meta.client,
    })
}

fn read_in(c: &mut DbConnection, k: &Keyring, s: &Stored) -> Result<SubmissionView> {
    let summary = summary(c, k, s)?;
    let content = s.content(c, k)?;
    let fields = mapping::fields(&content)?;
    let mut files = Vec::new();
    let mut custody = audit::query::custody(c, "testimony", &s.id.to_string())?;
    for (id, status, blob) in file_rows(c, s.id)? {
        files.push(file_view(c, k, &id, status, blob.is_some())?);
        custody.extend(audit::query::custody(c, "attachment", &id)?);
    }
    custody.sort_by_key(|e| e.seq);
    let decision = match (&s.decided_by, s.decided_at) {
        (Some(by), Some(at)) => {
            let reason = match &s.decision {
                Some(blob) => {
                    Sealer::open(c, k, SUBMISSIONS, &s.id.to_string())?
                        .unseal::<Decision>("decision", blob)?
                        .reason
                }
                None => None,
            };
            Some(DecisionView { decided_by: parse(by)?, decided_at: at.and_utc(), reason })
        }
        _ => None,
    };
    let kind = match content.kind {
        ContentKind::XForm => "xform",
        ContentKind::TellaReport => "tella_report",
    };
    Ok(SubmissionView { summary, kind: kind.into(), fields, files, custody, decision })
}

impl Intake {
    /// A case's submissions of one status, oldest first (the order they are to be dealt
    /// with), a page of them, and how many. Audited: the labels of the devices are opened.
    pub async fn inbox(
        &self,
        who: Allowed<act::IntakeReview>,
        case_id: Uuid,
        status: SubmissionStatus,
        (limit, offset): (i64, i64),
    ) -> Result<(Vec<SubmissionSummary>, i64)> {
        self.ctx
            .write(move |c, k| {
                let case = case_id.to_string();
                access::authorize_for(c, &who, &case)?;
                let query = || {
                    intake_submissions::table
                        .filter(intake_submissions::case_id.eq(case.clone()))
                        .filter(intake_submissions::status.eq(status.as_str()))
                };
                let total: i64 = query().count().get_result(c)?;
                let rows: Vec<SubmissionRow> = query()
                    .order((intake_submissions::received_at.asc(), intake_submissions::id.asc()))
                    .limit(limit)
                    .offset(offset)
                    .select(SubmissionRow::as_select())
                    .load(c)?;
                let items =
                    rows.into_iter().map(|r| summary(c, k, &Stored::of(r)?)).collect::<Result<Vec<_>>>()?;
                audit::append(
                    c,
                    &Entry::new(&who.principal, "intake.list")
                        .target("case", &case)
                        .detail("status", status.as_str())
                        .detail("shown", items.len()),
                )?;
                Ok((items, total))
            })
            .await
    }

    /// One submission with its answers, files and custody. Audited (`intake.read`, naming
    /// it as the testimony it may become, so the read is part of that record's custody).
    pub async fn submission(&self, who: Allowed<act::IntakeReview>, id: Uuid) -> Result<SubmissionView> {
        self.ctx
            .write(move |c, k| {
                let s = authorized(c, &who, id)?;
                let view = read_in(c, k, &s)?;
                audit::append(c, &Entry::new(&who.principal, "intake.read").target("testimony", id))?;
                Ok(view)
            })
            .await
    }

    /// A file of a submission, for the lead to look at before deciding: streamed through
    /// the attachment pipeline (the content is already its ciphertext, bound to
    /// `('attachments', id)`), checked against the SHA-256 taken on arrival, audited
    /// (`intake.file_download`) once its first segment is authenticated.
    pub async fn file_content(
        &self,
        who: Allowed<act::IntakeReview>,
        id: Uuid,
        wanted: Wanted,
    ) -> Result<Fetch> {
        let (view, blob, dek, who) = self
            .ctx
            .write(move |c, k| {
                let file = id.to_string();
                let (submission, blob, status, created) = intake_files::table
                    .find(&file)
                    .select((
                        intake_files::submission_id,
                        intake_files::blob_id,
                        intake_files::status,
                        intake_files::created_at,
                    ))
                    .first::<(String, Option<String>, String, NaiveDateTime)>(c)
                    .optional()?
                    .ok_or(Error::NotFound)?;
                let s = authorized(c, &who, parse(&submission)?)?;
                let blob = match (blob, status.as_str()) {
                    (Some(b), "complete") => parse(&b)?,
                    _ => return Err(Error::NotFound),
                };
                let f = receive::file(c, k, &file)?;
                let view = AttachmentView {
                    id,
                    testimony_id: None,
                    incident_id: None,
                    media_type: f.media_type,
                    size: i64::try_from(f.size).map_err(|_| Error::Integrity)?,
                    filename: f.meta.name,
                    sha256: f.meta.sha256,
                    uploaded_by: parse(&s.device_id)?,
                    created_at: created.and_utc(),
                };
                let dek = key_store::record_key(c, k, ATTACHMENTS, &file)?;
                Ok((view, blob, dek, who))
            })
            .await?;
        let size = view.size.max(0) as u64;
        let part = match wanted.resolve(size) {
            Part::Unsatisfiable => return Ok(Fetch::Unsatisfiable { size }),
            part => part.bounds(),
        };
        let sealed = SealedFile {
            blob_id: blob,
            dek,
            table: ATTACHMENTS,
            record: id.to_string(),
            field: CONTENT_FIELD,
            range: part,
            expected_sha: view.sha256.clone(),
        };
        let requester = Requester { actor: Actor::from(&who.principal), kind: "attachment", id };
        let body = match stream_sealed(&self.ctx, self.attachments.blobs(), requester, sealed).await {
            Ok(body) => body,
            Err(e) => return Ok(Fetch::Failed(e)),
        };
        self.ctx
            .write_plain(move |c| {
                // The lead may have lost the case while the file's start was checked.
                let submission = submission_of(c, id)?;
                authorized(c, &who, submission)?;
                let mut entry = Entry::new(&who.principal, "intake.file_download")
                    .target("attachment", id)
                    .detail("range", part.is_some());
                if let Some((start, end)) = part {
                    entry = entry.detail("bytes", format!("{start}-{end}"));
                }
                audit::append(c, &entry)
            })
            .await?;
        Ok(Fetch::Ready(FileDownload { view, part, body }))
    }
}

fn submission_of(c: &mut DbConnection, file: Uuid) -> Result<Uuid> {
    let s: String = intake_files::table
        .find(file.to_string())
        .select(intake_files::submission_id)
        .first(c)
        .optional()?
        .ok_or(Error::NotFound)?;
    parse(&s)
}

/// A complete file of a submission with what accepting it needs.
pub(crate) struct CompleteFile {
    pub id: Uuid,
    pub media_type: String,
    pub size: i64,
    pub blob: String,
    pub filename: String,
    /// Hex SHA-256 of the content.
    pub sha256: String,
}

/// The complete files of a submission, oldest first.
pub(crate) fn complete_files(
    c: &mut DbConnection,
    k: &Keyring,
    submission: Uuid,
) -> Result<Vec<CompleteFile>> {
    let mut out = Vec::new();
    for (id, status, blob) in file_rows(c, submission)? {
        let Some(blob) = blob.filter(|_| status == "complete") else { continue };
        let f = receive::file(c, k, &id)?;
        let size = i64::try_from(f.size).map_err(|_| Error::Integrity)?;
        out.push(CompleteFile {
            id: f.id,
            media_type: f.media_type,
            size,
            blob,
            filename: f.meta.name,
            sha256: f.meta.sha256,
        });
    }
    Ok(out)
}
