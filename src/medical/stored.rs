//! Evaluations as stored: who may reach one (the role first, so that a role that may
//! never read medical data learns nothing of what exists), its row and sealed content,
//! the digest recorded at sealing, and the view built from them.

use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::TABLE;
use super::files;
use super::model::EvaluationContent;
use super::types::{EvaluationStatus, EvaluationSummary, EvaluationVersionRef, EvaluationView, Row};
use crate::access::Allowed;
use crate::access::membership::{self, RecordTable};
use crate::access::policy::{self, ActionMarker, CaseRole, Principal};
use crate::cases::parse_uuid;
use crate::cases::persons::{self, PersonRow};
use crate::cases::sealed::Sealer;
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::{evaluation_incidents, evaluations, users};

/// An evaluation version and the caller's role in its case, for action `A`. A role the
/// table never lets hold `A` gets `NotFound` before anything is looked up, as an
/// outsider does: to those who may not read medical data, an evaluation does not exist.
pub(crate) fn authorize<A: ActionMarker>(
    c: &mut DbConnection,
    who: &Allowed<A>,
    id: &str,
) -> Result<(Row, CaseRole)> {
    if !policy::allowed(who.principal.role, A::ACTION) {
        return Err(Error::NotFound);
    }
    let row = load(c, id)?;
    let role = membership::authorize_for(c, who, &row.case_id)?;
    Ok((row, role))
}

/// A person and the caller's role in their case, for action `A` (a member who may not
/// is refused; the person's existence is no secret to them).
pub(crate) fn authorize_person<A: ActionMarker>(
    c: &mut DbConnection,
    who: &Allowed<A>,
    person_id: &str,
) -> Result<(PersonRow, CaseRole)> {
    let case_id = membership::case_of(c, RecordTable::Person, person_id)?;
    let role = membership::authorize_for(c, who, &case_id)?;
    Ok((persons::load(c, person_id)?, role))
}

/// A case and the caller's role in it, for action `A`.
pub(crate) fn authorize_case<A: ActionMarker>(
    c: &mut DbConnection,
    who: &Allowed<A>,
    case_id: &str,
) -> Result<CaseRole> {
    membership::authorize_for(c, who, case_id)
}

pub(crate) fn load(c: &mut DbConnection, id: &str) -> Result<Row> {
    Ok(evaluations::table.find(id).select(Row::as_select()).first(c)?)
}

pub(crate) fn open_content(c: &mut DbConnection, keyring: &Keyring, row: &Row) -> Result<EvaluationContent> {
    Sealer::open(c, keyring, TABLE, &row.id)?.unseal("content", &row.content)
}

/// SHA-256 over the canonical form of a version: a JSON object of its clear fields and
/// everything the clinician wrote, every object's keys sorted, no whitespace. Any JSON
/// library that sorts keys recomputes it from a bundle's exported JSON (the fields named
/// in `docs/court-records.md`), so these bytes are a stored format.
pub(crate) fn digest(row: &Row, content: &EvaluationContent) -> Result<String> {
    #[derive(Serialize)]
    struct Canonical<'a> {
        v: u8,
        case_id: &'a str,
        root_id: &'a str,
        version: i32,
        person_id: &'a str,
        clinician_id: &'a str,
        kind: &'a str,
        examined_on: Option<&'a str>,
        content: &'a EvaluationContent,
    }
    let canonical = Canonical {
        v: 1,
        case_id: &row.case_id,
        root_id: &row.root_id,
        version: row.version,
        person_id: &row.person_id,
        clinician_id: &row.clinician_id,
        kind: &row.kind,
        examined_on: row.examined_on.as_deref(),
        content,
    };
    // Through a `Value`, whose objects keep their keys sorted.
    let value = serde_json::to_value(&canonical).map_err(Error::internal)?;
    let bytes = zeroize::Zeroizing::new(serde_json::to_vec(&value).map_err(Error::internal)?);
    Ok(hex::encode(Sha256::digest(&bytes)))
}

pub(crate) fn username(c: &mut DbConnection, user_id: &str) -> Result<String> {
    Ok(users::table.find(user_id).select(users::username).first::<String>(c).optional()?.unwrap_or_default())
}

pub(crate) fn incidents_of(c: &mut DbConnection, root_id: &str) -> Result<Vec<uuid::Uuid>> {
    let ids: Vec<String> = evaluation_incidents::table
        .filter(evaluation_incidents::evaluation_root_id.eq(root_id))
        .order(evaluation_incidents::incident_id.asc())
        .select(evaluation_incidents::incident_id)
        .load(c)?;
    ids.iter().map(|i| parse_uuid(i)).collect()
}

pub(crate) fn versions_of(c: &mut DbConnection, root_id: &str) -> Result<Vec<Row>> {
    Ok(evaluations::table
        .filter(evaluations::root_id.eq(root_id))
        .order(evaluations::version.asc())
        .select(Row::as_select())
        .load(c)?)
}

/// One version, whole, from its row and its content already opened.
pub(crate) fn view_of(
    c: &mut DbConnection,
    keyring: &Keyring,
    row: Row,
    content: EvaluationContent,
) -> Result<EvaluationView> {
    let versions = versions_of(c, &row.root_id)?;
    let version_ids: Vec<String> = versions.iter().map(|v| v.id.clone()).collect();
    let attachments = files::list_for(c, keyring, &version_ids)?;
    Ok(EvaluationView {
        id: parse_uuid(&row.id)?,
        root_id: parse_uuid(&row.root_id)?,
        version: row.version,
        status: row.status(),
        case_id: parse_uuid(&row.case_id)?,
        person_id: parse_uuid(&row.person_id)?,
        kind: row.kind(),
        examined_on: row.examined_on.clone(),
        clinician_id: parse_uuid(&row.clinician_id)?,
        clinician_username: username(c, &row.clinician_id)?,
        content,
        digest: row.digest.clone(),
        sealed_at: row.sealed_at.map(|t| t.and_utc()),
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
        incident_ids: incidents_of(c, &row.root_id)?,
        versions: versions
            .iter()
            .map(|v| {
                Ok(EvaluationVersionRef {
                    id: parse_uuid(&v.id)?,
                    version: v.version,
                    status: v.status(),
                    digest: v.digest.clone(),
                    sealed_at: v.sealed_at.map(|t| t.and_utc()),
                })
            })
            .collect::<Result<_>>()?,
        attachments,
    })
}

/// The latest version of each evaluation among `rows` (ordered by root, then version),
/// as clear fields only.
pub(crate) fn summaries(c: &mut DbConnection, rows: Vec<Row>) -> Result<Vec<EvaluationSummary>> {
    let mut latest: Vec<Row> = Vec::new();
    for row in rows {
        match latest.last_mut() {
            Some(last) if last.root_id == row.root_id => *last = row,
            _ => latest.push(row),
        }
    }
    latest.sort_by(|a, b| {
        (b.examined_on.as_deref(), b.created_at).cmp(&(a.examined_on.as_deref(), a.created_at))
    });
    latest
        .into_iter()
        .map(|row| {
            Ok(EvaluationSummary {
                id: parse_uuid(&row.id)?,
                root_id: parse_uuid(&row.root_id)?,
                version: row.version,
                status: row.status(),
                person_id: parse_uuid(&row.person_id)?,
                kind: row.kind(),
                examined_on: row.examined_on.clone(),
                clinician_username: username(c, &row.clinician_id)?,
                digest: row.digest.clone(),
                sealed_at: row.sealed_at.map(|t| t.and_utc()),
                incident_ids: incidents_of(c, &row.root_id)?,
            })
        })
        .collect()
}

/// Is this the draft its clinician may still change?
pub(crate) fn own_draft(row: &Row, who: &Principal) -> Result<()> {
    if row.status() != EvaluationStatus::Draft {
        return Err(Error::Conflict("evaluation_sealed"));
    }
    if row.clinician_id != who.user_id.to_string() {
        return Err(Error::Forbidden);
    }
    Ok(())
}
