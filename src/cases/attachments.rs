//! Attachments (photos, audio, video, medical reports) of a testimony or an incident. The content is a
//! STREAM ciphertext in the blob store, encrypted while it arrives; the row, the
//! wrapped key and the audit entry are written in one transaction only once the whole
//! file is stored, so an aborted upload leaves neither a row nor a file. The original
//! filename and the plaintext SHA-256 are sealed.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::sealed::Sealer;
use crate::access::membership::{self as access, RecordTable};
use crate::access::policy::{Action, Principal};
use crate::access::{ActionMarker, Allowed, act};
use crate::audit::{self, Entry};
use crate::crypto::{Dek, Keyring};
use crate::error::{Error, Result};
use crate::keys::store as key_store;
use crate::store::DbConnection;
use crate::store::schema::attachments;

pub const TABLE: &str = "attachments";
/// The field the content stream is bound to.
pub const CONTENT_FIELD: &str = "content";

#[derive(Debug, Serialize, Deserialize)]
struct Meta {
    filename: String,
    sha256: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttachmentView {
    pub id: Uuid,
    pub testimony_id: Option<Uuid>,
    pub incident_id: Option<Uuid>,
    pub media_type: String,
    /// Bytes of the original file.
    pub size: i64,
    pub filename: String,
    /// SHA-256 (hex) of the original file, computed while it was uploaded.
    pub sha256: String,
    pub uploaded_by: Uuid,
    pub created_at: DateTime<Utc>,
}

type Row = (String, Option<String>, Option<String>, String, i64, Vec<u8>, String, chrono::NaiveDateTime);

fn select() -> (
    attachments::id,
    attachments::testimony_id,
    attachments::incident_id,
    attachments::media_type,
    attachments::size,
    attachments::meta,
    attachments::uploaded_by,
    attachments::created_at,
) {
    (
        attachments::id,
        attachments::testimony_id,
        attachments::incident_id,
        attachments::media_type,
        attachments::size,
        attachments::meta,
        attachments::uploaded_by,
        attachments::created_at,
    )
}

fn view(
    c: &mut DbConnection,
    keyring: &Keyring,
    (id, testimony, incident, media_type, size, meta, by, at): Row,
) -> Result<AttachmentView> {
    let meta: Meta = Sealer::open(c, keyring, TABLE, &id)?.unseal("meta", &meta)?;
    Ok(AttachmentView {
        id: super::parse_uuid(&id)?,
        testimony_id: testimony.as_deref().map(super::parse_uuid).transpose()?,
        incident_id: incident.as_deref().map(super::parse_uuid).transpose()?,
        media_type,
        size,
        filename: meta.filename,
        sha256: meta.sha256,
        uploaded_by: super::parse_uuid(&by)?,
        created_at: at.and_utc(),
    })
}

pub(crate) fn list_for_testimony(
    c: &mut DbConnection,
    keyring: &Keyring,
    testimony_id: &str,
) -> Result<Vec<AttachmentView>> {
    list_for(c, keyring, &Target::Testimony(testimony_id.to_owned()))
}

/// A testimony version's attachments with what streaming them needs (blob and key),
/// for evidence bundles; the caller audits.
pub(crate) fn for_export(
    c: &mut DbConnection,
    keyring: &Keyring,
    testimony_id: &str,
) -> Result<Vec<(AttachmentView, Uuid, Dek)>> {
    let views = list_for_testimony(c, keyring, testimony_id)?;
    views
        .into_iter()
        .map(|v| {
            let id = v.id.to_string();
            let blob: String = attachments::table.find(&id).select(attachments::blob_id).first(c)?;
            let dek = key_store::record_key(c, keyring, TABLE, &id)?;
            Ok((v, Uuid::parse_str(&blob).map_err(|_| Error::Integrity)?, dek))
        })
        .collect()
}

/// The attachments of a page of incidents, by incident: one query for the page (each
/// file's metadata is still unsealed under its own key).
pub(crate) fn list_for_incidents(
    c: &mut DbConnection,
    keyring: &Keyring,
    incident_ids: &[String],
) -> Result<HashMap<String, Vec<AttachmentView>>> {
    let rows: Vec<Row> = attachments::table
        .filter(attachments::incident_id.eq_any(incident_ids))
        .filter(attachments::evaluation_id.is_null())
        .order(attachments::created_at.asc())
        .select(select())
        .load(c)?;
    let mut by_incident: HashMap<String, Vec<AttachmentView>> = HashMap::new();
    for row in rows {
        let incident = row.2.clone().unwrap_or_default();
        by_incident.entry(incident).or_default().push(view(c, keyring, row)?);
    }
    Ok(by_incident)
}

fn list_for(c: &mut DbConnection, keyring: &Keyring, target: &Target) -> Result<Vec<AttachmentView>> {
    let query = match target {
        Target::Testimony(id) => {
            attachments::table.filter(attachments::testimony_id.eq(id.clone())).into_boxed()
        }
        Target::Incident(id) => {
            attachments::table.filter(attachments::incident_id.eq(id.clone())).into_boxed()
        }
        Target::Evaluation(id) => {
            attachments::table.filter(attachments::evaluation_id.eq(id.clone())).into_boxed()
        }
    };
    // An evaluation's files are medical data: never listed with a testimony's or an
    // incident's, whatever else the row says.
    let query = match target {
        Target::Evaluation(_) => query,
        _ => query.filter(attachments::evaluation_id.is_null()),
    };
    let rows: Vec<Row> = query.order(attachments::created_at.asc()).select(select()).load(c)?;
    rows.into_iter().map(|r| view(c, keyring, r)).collect()
}

/// The photographs and diagnostic tests of evaluation versions, oldest first. The
/// caller has checked `medical.read`.
pub(crate) fn list_for_evaluations(
    c: &mut DbConnection,
    keyring: &Keyring,
    evaluation_ids: &[String],
) -> Result<Vec<AttachmentView>> {
    let rows: Vec<Row> = attachments::table
        .filter(attachments::evaluation_id.eq_any(evaluation_ids))
        .order(attachments::created_at.asc())
        .select(select())
        .load(c)?;
    rows.into_iter().map(|r| view(c, keyring, r)).collect()
}

/// The evaluation an attachment belongs to, if it belongs to one.
pub(crate) fn evaluation_of(c: &mut DbConnection, id: &str) -> Result<Option<String>> {
    Ok(attachments::table.find(id).select(attachments::evaluation_id).first::<Option<String>>(c)?)
}

/// An evaluation's photographs and tests are medical data: whatever path asks for one,
/// only those who may read medical data in its case reach it; to anyone else it does
/// not exist.
fn medical_guard(c: &mut DbConnection, who: &Principal, id: &str, case_id: &str) -> Result<()> {
    if evaluation_of(c, id)?.is_none() {
        return Ok(());
    }
    match access::authorize(c, who, case_id, Action::MedicalRead) {
        Ok(_) => Ok(()),
        Err(Error::Forbidden | Error::NotFound) => Err(Error::NotFound),
        Err(e) => Err(e),
    }
}

/// What an attachment is attached to.
#[derive(Debug, Clone)]
pub enum Target {
    Testimony(String),
    Incident(String),
    /// An evaluation version (photographs, diagnostic tests).
    Evaluation(String),
}

/// Permission to upload, checked before any byte is read.
#[derive(Debug, Clone)]
pub struct UploadTicket {
    pub attachment_id: Uuid,
    pub target: Target,
    pub case_id: String,
}

pub fn begin_upload(
    c: &mut DbConnection,
    who: &Allowed<act::AttachmentUpload>,
    testimony: Uuid,
) -> Result<UploadTicket> {
    let id = testimony.to_string();
    let (case_id, _) = access::authorize_record_for(c, who, RecordTable::Testimony, &id)?;
    Ok(UploadTicket { attachment_id: Uuid::new_v4(), target: Target::Testimony(id), case_id })
}

/// Files about an incident (photos of injuries, a medical report) come from those who
/// record incidents.
pub fn begin_incident_upload(
    c: &mut DbConnection,
    who: &Allowed<act::RecordWrite>,
    incident: Uuid,
) -> Result<UploadTicket> {
    let id = incident.to_string();
    let (case_id, _) = access::authorize_record_for(c, who, RecordTable::Incident, &id)?;
    Ok(UploadTicket { attachment_id: Uuid::new_v4(), target: Target::Incident(id), case_id })
}

/// What the upload stream produced.
pub struct Stored {
    pub blob_id: Uuid,
    pub size: u64,
    pub sha256: [u8; 32],
    pub dek: Dek,
    pub media_type: String,
    pub filename: String,
}

/// Records a fully stored upload: key, row and audit entry in one transaction. `who`
/// is the proof the ticket was issued for (`begin_upload`, `begin_incident_upload`).
pub fn finish_upload<A: ActionMarker>(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<A>,
    ticket: &UploadTicket,
    stored: &Stored,
    now: NaiveDateTime,
) -> Result<AttachmentView> {
    // Membership may have changed while the bytes were arriving.
    access::authorize_for(c, who, &ticket.case_id)?;
    let (testimony_id, incident_id, evaluation_id) = match &ticket.target {
        Target::Testimony(t) => (Some(t.clone()), None, None),
        Target::Incident(i) => (None, Some(i.clone()), None),
        Target::Evaluation(e) => (None, None, Some(e.clone())),
    };
    let id = ticket.attachment_id.to_string();
    key_store::store_record_key(c, keyring, TABLE, &id, &stored.dek)?;
    let sealer = Sealer::open(c, keyring, TABLE, &id)?;
    let sha = hex::encode(stored.sha256);
    let meta = Meta { filename: stored.filename.clone(), sha256: sha.clone() };
    diesel::insert_into(attachments::table)
        .values((
            attachments::id.eq(&id),
            attachments::case_id.eq(&ticket.case_id),
            attachments::testimony_id.eq(&testimony_id),
            attachments::incident_id.eq(&incident_id),
            attachments::evaluation_id.eq(&evaluation_id),
            attachments::blob_id.eq(stored.blob_id.to_string()),
            attachments::media_type.eq(&stored.media_type),
            attachments::size.eq(stored.size as i64),
            attachments::meta.eq(sealer.seal("meta", &meta)?),
            attachments::uploaded_by.eq(who.principal.user_id.to_string()),
            attachments::created_at.eq(now),
        ))
        .execute(c)?;
    audit::append(
        c,
        &Entry::new(&who.principal, "attachment.upload")
            .target("attachment", &id)
            .detail("on", testimony_id.or(incident_id).or(evaluation_id).unwrap_or_default())
            .detail("size", stored.size)
            .detail("sha256", sha),
    )?;
    let row: Row = attachments::table.find(&id).select(select()).first(c)?;
    view(c, keyring, row)
}

/// What a download needs: the metadata, the blob and its key.
pub struct Download {
    pub view: AttachmentView,
    pub blob_id: Uuid,
    pub dek: Dek,
}

/// Looks up what a download needs, without auditing: nothing leaves the server until
/// [`record_download`] has committed, once the file's start has been authenticated.
pub fn open_download<A: ActionMarker>(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<A>,
    id: Uuid,
) -> Result<Download> {
    let id = id.to_string();
    let (case_id, _) = access::authorize_record_for(c, who, RecordTable::Attachment, &id)?;
    medical_guard(c, &who.principal, &id, &case_id)?;
    let row: Row = attachments::table.find(&id).select(select()).first(c)?;
    let blob: String = attachments::table.find(&id).select(attachments::blob_id).first(c)?;
    let view = view(c, keyring, row)?;
    let dek = key_store::record_key(c, keyring, TABLE, &id)?;
    Ok(Download { view, blob_id: Uuid::parse_str(&blob).map_err(|_| Error::Integrity)?, dek })
}

/// Records that the file is being sent (docs/audit.md: the transfer started; a transfer
/// later cut by damaged data adds an `integrity_error` entry). Membership is checked
/// again, in the transaction of the entry.
pub fn record_download<A: ActionMarker>(
    c: &mut DbConnection,
    who: &Allowed<A>,
    id: Uuid,
    range: Option<(u64, u64)>,
) -> Result<()> {
    let id = id.to_string();
    let (case_id, _) = access::authorize_record_for(c, who, RecordTable::Attachment, &id)?;
    medical_guard(c, &who.principal, &id, &case_id)?;
    let mut entry = Entry::new(&who.principal, "attachment.download")
        .target("attachment", &id)
        .detail("range", range.is_some());
    if let Some((start, end)) = range {
        entry = entry.detail("bytes", format!("{start}-{end}"));
    }
    audit::append(c, &entry)?;
    Ok(())
}

pub fn get(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::CaseRead>,
    id: Uuid,
) -> Result<AttachmentView> {
    let id = id.to_string();
    let (case_id, _) = access::authorize_record_for(c, who, RecordTable::Attachment, &id)?;
    medical_guard(c, &who.principal, &id, &case_id)?;
    let row: Row = attachments::table.find(&id).select(select()).first(c)?;
    let v = view(c, keyring, row)?;
    audit::append(c, &Entry::new(&who.principal, "attachment.read").target("attachment", &id))?;
    Ok(v)
}
