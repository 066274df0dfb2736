//! A bundle's life in the database: requested (audited, checked, queued) in one
//! transaction, listed, followed, downloaded (audited once its start checked out) and
//! deleted (its key destroyed, the record kept). The build itself is `build`, claimed
//! from the queue (`queue`) by any node.

use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::signer;
use super::{Recipient, Selection, selection};
use crate::access::Allowed;
use crate::access::membership as access;
use crate::access::policy::act;
use crate::audit::{self, Entry};
use crate::cases::sealed::Sealer;
use crate::crypto::{Dek, Keyring};
use crate::error::{Error, Result};
use crate::keys::store as key_store;
use crate::store::DbConnection;
use crate::store::schema::{attachments, bundle_claims, bundles, testimonies};

pub const TABLE: &str = "bundles";
/// The field the stored archive's STREAM ciphertext is bound to.
pub const ARCHIVE_FIELD: &str = "archive";
const MAX_SELECTED: usize = crate::rules::SELECTED.max;
/// Tar headers, JSON files and STREAM tags on top of the attachments (a generous bound;
/// the build re-checks with the exact payload size).
pub(super) const HEADROOM: u64 = 16 * 1024 * 1024;

/// Where a bundle is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BundleStatus {
    /// Requested; the build has not started.
    Queued,
    Building,
    /// Built and stored encrypted: it can be downloaded.
    Ready,
    /// The build failed or was interrupted (`error` says why); nothing was stored.
    Failed,
    /// Its archive and key destroyed; the record of the export stays.
    Deleted,
}

impl BundleStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BundleStatus::Queued => "queued",
            BundleStatus::Building => "building",
            BundleStatus::Ready => "ready",
            BundleStatus::Failed => "failed",
            BundleStatus::Deleted => "deleted",
        }
    }

    pub fn parse(s: &str) -> Option<BundleStatus> {
        [
            BundleStatus::Queued,
            BundleStatus::Building,
            BundleStatus::Ready,
            BundleStatus::Failed,
            BundleStatus::Deleted,
        ]
        .into_iter()
        .find(|b| b.as_str() == s)
    }

    /// Still on its way: neither deletable nor downloadable.
    pub fn in_progress(self) -> bool {
        matches!(self, BundleStatus::Queued | BundleStatus::Building)
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BundleInput {
    pub recipient: Recipient,
    #[serde(default)]
    pub selection: Selection,
    /// An age X25519 recipient (`age1…`): the archive is then encrypted to it.
    pub age_recipient: Option<String>,
    /// Re-authentication: the caller's password.
    #[schema(value_type = String, format = Password)]
    pub password: SecretString,
    /// Re-authentication: a fresh one-time code, when a second factor is enrolled.
    pub totp_code: Option<String>,
    /// Adds an analysis annex (`data/analysis/`): the corroboration table, timeline,
    /// pattern counts, chain of command and places of exactly what the bundle holds, as
    /// CSV and SVG. Off unless asked for.
    #[serde(default)]
    pub analysis_annex: bool,
}

#[derive(Serialize, Deserialize)]
struct SealedRequest {
    selection: Selection,
    age_recipient: Option<String>,
    #[serde(default)]
    analysis_annex: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BundleView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub status: BundleStatus,
    /// Percent of the payload written.
    pub progress: i32,
    pub recipient: Recipient,
    pub encrypted_to_recipient: bool,
    pub requested_by: Uuid,
    /// Bytes of the archive as downloaded.
    pub size: Option<i64>,
    /// SHA-256 of `manifest-sha256.txt`, as recorded in the export's audit entry.
    pub manifest_sha256: Option<String>,
    /// SHA-256 of the archive as downloaded.
    pub archive_sha256: Option<String>,
    /// Why a build failed (a problem code).
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = bundles)]
pub(super) struct Row {
    id: String,
    pub(super) case_id: String,
    requested_by: String,
    recipient: String,
    status: String,
    progress: i32,
    encrypted_to_recipient: bool,
    blob_id: Option<String>,
    size: Option<i64>,
    manifest_sha256: Option<String>,
    archive_sha256: Option<String>,
    error: Option<String>,
    created_at: chrono::NaiveDateTime,
    finished_at: Option<chrono::NaiveDateTime>,
}

pub(super) fn view(row: Row) -> Result<BundleView> {
    Ok(BundleView {
        id: crate::cases::parse_uuid(&row.id)?,
        case_id: crate::cases::parse_uuid(&row.case_id)?,
        status: BundleStatus::parse(&row.status).ok_or(Error::Integrity)?,
        progress: row.progress,
        recipient: Recipient::parse(&row.recipient).ok_or(Error::Integrity)?,
        encrypted_to_recipient: row.encrypted_to_recipient,
        requested_by: crate::cases::parse_uuid(&row.requested_by)?,
        size: row.size,
        manifest_sha256: row.manifest_sha256,
        archive_sha256: row.archive_sha256,
        error: row.error,
        created_at: row.created_at.and_utc(),
        finished_at: row.finished_at.map(|t| t.and_utc()),
    })
}

pub(super) fn load(c: &mut DbConnection, case_id: &str, id: &str) -> Result<Row> {
    Ok(bundles::table.find(id).filter(bundles::case_id.eq(case_id)).select(Row::as_select()).first(c)?)
}

/// What the background build needs.
pub struct Order {
    pub id: Uuid,
    pub case_id: String,
    pub recipient: Recipient,
    pub selection: Selection,
    pub age_recipient: Option<age::x25519::Recipient>,
    pub analysis_annex: bool,
}

/// Checks and queues an export, requested at `now`. The caller has re-authenticated the
/// principal.
pub fn request(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::BundleExport>,
    case_id: Uuid,
    (input, available): (&BundleInput, u64),
    now: NaiveDateTime,
) -> Result<(BundleView, Order)> {
    let case_id = case_id.to_string();
    access::authorize_for(c, who, &case_id)?;
    let who = &who.principal;
    let age_recipient = match input.age_recipient.as_deref().map(str::trim) {
        Some(text) => Some(age::x25519::Recipient::from_str(text).map_err(|_| {
            Error::field("age_recipient", "invalid_age_recipient", "not an age X25519 recipient (age1…)")
        })?),
        None => None,
    };
    if input.selection.record_count() > MAX_SELECTED {
        return Err(Error::field("selection", "too_many", format!("at most {MAX_SELECTED} records")));
    }
    let scope = selection::resolve(c, &case_id, &input.selection)?;
    let roots: Vec<String> = scope.roots.iter().cloned().collect();
    // Summed here: SUM of a BIGINT is NUMERIC on PostgreSQL and BIGINT on SQLite.
    let sizes: Vec<i64> = attachments::table
        .inner_join(testimonies::table.on(attachments::testimony_id.eq(testimonies::id.nullable())))
        .filter(testimonies::root_id.eq_any(&roots))
        .select(attachments::size)
        .load(c)?;
    let needed = sizes.iter().map(|s| (*s).max(0) as u64).sum::<u64>() + HEADROOM;
    if needed > available {
        return Err(Error::InsufficientStorage { needed, available });
    }
    let id = Uuid::new_v4();
    let sealer = Sealer::create(c, keyring, TABLE, &id.to_string())?;
    let sealed = SealedRequest {
        selection: input.selection.clone(),
        age_recipient: input.age_recipient.clone(),
        analysis_annex: input.analysis_annex,
    };
    diesel::insert_into(bundles::table)
        .values((
            bundles::id.eq(id.to_string()),
            bundles::case_id.eq(&case_id),
            bundles::requested_by.eq(who.user_id.to_string()),
            bundles::recipient.eq(input.recipient.as_str()),
            bundles::status.eq(BundleStatus::Queued.as_str()),
            bundles::progress.eq(0),
            bundles::request.eq(sealer.seal("request", &sealed)?),
            bundles::encrypted_to_recipient.eq(age_recipient.is_some()),
            bundles::created_at.eq(now),
        ))
        .execute(c)?;
    diesel::insert_into(bundle_claims::table)
        .values((bundle_claims::bundle_id.eq(id.to_string()), bundle_claims::attempts.eq(0)))
        .execute(c)?;
    audit::append(
        c,
        &Entry::new(who, "bundle.request")
            .target("bundle", id)
            .detail("case_id", case_id.clone())
            .detail("recipient", input.recipient.as_str())
            .detail("encrypted_to_recipient", age_recipient.is_some())
            .detail("whole_case", input.selection.is_whole_case())
            .detail("analysis_annex", input.analysis_annex),
    )?;
    let v = view(load(c, &case_id, &id.to_string())?)?;
    let order = Order {
        id,
        case_id,
        recipient: input.recipient,
        selection: input.selection.clone(),
        age_recipient,
        analysis_annex: input.analysis_annex,
    };
    Ok((v, order))
}

pub fn list(
    c: &mut DbConnection,
    who: &Allowed<act::BundleExport>,
    case_id: Uuid,
) -> Result<Vec<BundleView>> {
    let case_id = case_id.to_string();
    access::authorize_for(c, who, &case_id)?;
    let rows: Vec<Row> = bundles::table
        .filter(bundles::case_id.eq(&case_id))
        .order(bundles::created_at.desc())
        .limit(200)
        .select(Row::as_select())
        .load(c)?;
    rows.into_iter().map(view).collect()
}

pub fn status(
    c: &mut DbConnection,
    who: &Allowed<act::BundleExport>,
    case_id: Uuid,
    id: Uuid,
) -> Result<BundleView> {
    let case_id = case_id.to_string();
    access::authorize_for(c, who, &case_id)?;
    view(load(c, &case_id, &id.to_string())?)
}

/// What a download needs; audited here.
pub struct Download {
    pub blob_id: Uuid,
    pub dek: Dek,
    pub size: u64,
    pub archive_sha256: String,
    pub filename: String,
    pub encrypted_to_recipient: bool,
}

/// What a download of a ready bundle needs: its blob, key and name. Not audited: the
/// download is recorded by `record_download` once its start has been checked, so no
/// entry states a download of an archive that turned out damaged.
pub fn open_download(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::BundleExport>,
    case_id: Uuid,
    id: Uuid,
) -> Result<Download> {
    let case = case_id.to_string();
    access::authorize_for(c, who, &case)?;
    let row = load(c, &case, &id.to_string())?;
    let (Some(blob), Some(size), Some(sha)) = (&row.blob_id, row.size, &row.archive_sha256) else {
        return Err(Error::Conflict("bundle_not_ready"));
    };
    let reference: String = crate::store::schema::cases::table
        .find(&case)
        .select(crate::store::schema::cases::reference)
        .first(c)?;
    let dek = key_store::record_key(c, keyring, TABLE, &row.id)?;
    let safe: String = reference
        .chars()
        .map(|ch| if ch.is_ascii_alphanumeric() || ch == '-' { ch } else { '_' })
        .take(40)
        .collect();
    let short = &row.id[..8];
    let filename = if row.encrypted_to_recipient {
        format!("custodia-bundle-{safe}-{short}.tar.age")
    } else {
        format!("custodia-bundle-{safe}-{short}.tar")
    };
    Ok(Download {
        blob_id: Uuid::parse_str(blob).map_err(|_| Error::Integrity)?,
        dek,
        size: size.max(0) as u64,
        archive_sha256: sha.clone(),
        filename,
        encrypted_to_recipient: row.encrypted_to_recipient,
    })
}

/// Records that a bundle's transfer started (its first segment checked out), in its own
/// transaction before the first byte leaves; authorised again, as the key was read
/// in an earlier one.
pub fn record_download(
    c: &mut DbConnection,
    who: &Allowed<act::BundleExport>,
    case_id: Uuid,
    id: Uuid,
) -> Result<()> {
    let case = case_id.to_string();
    access::authorize_for(c, who, &case)?;
    audit::append(
        c,
        &Entry::new(&who.principal, "bundle.download").target("bundle", id).detail("case_id", case),
    )?;
    Ok(())
}

/// Deletes a ready or failed bundle: its key is destroyed with the row's status set to
/// `deleted` (the history stays), in one audited transaction. Returns the blob to remove
/// once that has committed.
pub fn delete(
    c: &mut DbConnection,
    who: &Allowed<act::BundleExport>,
    case_id: Uuid,
    id: Uuid,
) -> Result<Option<Uuid>> {
    let case = case_id.to_string();
    access::authorize_for(c, who, &case)?;
    let row = load(c, &case, &id.to_string())?;
    let status = BundleStatus::parse(&row.status).ok_or(Error::Integrity)?;
    if status.in_progress() {
        return Err(Error::Conflict("bundle_in_progress"));
    }
    if status == BundleStatus::Deleted {
        return Ok(None);
    }
    key_store::shred(c, TABLE, &row.id)?;
    diesel::update(bundles::table.find(&row.id))
        .set((bundles::status.eq(BundleStatus::Deleted.as_str()), bundles::blob_id.eq(None::<String>)))
        .execute(c)?;
    audit::append(
        c,
        &Entry::new(&who.principal, "bundle.delete").target("bundle", id).detail("case_id", case),
    )?;
    row.blob_id.as_deref().map(|b| Uuid::parse_str(b).map_err(|_| Error::Integrity)).transpose()
}

/// The public export key file, creating the key on first use.
pub fn public_key(c: &mut DbConnection, keyring: &Keyring) -> Result<String> {
    Ok(signer::load_or_create(c, keyring)?.public_key_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every status reads back as written, and serialises as stored.
    #[test]
    fn statuses_read_back_as_stored() {
        for status in [
            BundleStatus::Queued,
            BundleStatus::Building,
            BundleStatus::Ready,
            BundleStatus::Failed,
            BundleStatus::Deleted,
        ] {
            assert_eq!(BundleStatus::parse(status.as_str()), Some(status));
            assert_eq!(serde_json::to_value(status).unwrap(), serde_json::json!(status.as_str()));
            assert_eq!(status.in_progress(), matches!(status, BundleStatus::Queued | BundleStatus::Building));
        }
        assert_eq!(BundleStatus::parse("Ready"), None);
    }
}
