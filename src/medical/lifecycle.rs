//! An evaluation's life: a draft (created and changed by its clinician), sealed (its
//! digest recorded; never changed again), corrected (a new version, sealed at once,
//! with the reason; every version stays readable), and its links to incidents. Each
//! function authorises, judges the whole input before writing, and appends its audit
//! entry in the caller's transaction.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::TABLE;
use super::model::EvaluationContent;
use super::stored::{self, authorize, authorize_person, digest, open_content, own_draft, view_of};
use super::types::{EvaluationCorrection, EvaluationInput, EvaluationStatus, EvaluationView, Row};
use super::validate;
use crate::access::membership::{RecordTable, same_case};
use crate::access::policy::CaseRole;
use crate::access::{Allowed, act};
use crate::audit::{self, Entry};
use crate::auth::Principal;
use crate::cases::persons::PersonKind;
use crate::cases::sealed::Sealer;
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::rules;
use crate::store::DbConnection;
use crate::store::schema::{evaluation_incidents, evaluations};

/// Creates a draft evaluation of a person (a victim or witness of the case).
pub fn create(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::MedicalWrite>,
    person_id: Uuid,
    input: &EvaluationInput,
    now: NaiveDateTime,
) -> Result<EvaluationView> {
    let (person, _) = authorize_person(c, who, &person_id.to_string())?;
    if !PersonKind::parse(&person.kind).is_protected() {
        return Err(Error::field("person_id", "not_a_victim", "the person must be a victim or witness"));
    }
    let mut content = input.content.clone();
    content.correction_reason.clear();
    validate::check(
        c,
        &person.case_id,
        input.examined_on.as_deref(),
        &content,
        &input.incident_ids,
        now.date(),
    )?;
    let id = Uuid::new_v4().to_string();
    let row = Row {
        id: id.clone(),
        case_id: person.case_id.clone(),
        root_id: id.clone(),
        version: 1,
        status: EvaluationStatus::Draft.as_str().to_owned(),
        person_id: person.id.clone(),
        kind: input.kind.as_str().to_owned(),
        clinician_id: who.principal.user_id.to_string(),
        examined_on: input.examined_on.clone(),
        content: Sealer::create(c, keyring, TABLE, &id)?.seal("content", &content)?,
        digest: None,
        sealed_at: None,
        created_at: now,
        updated_at: now,
    };
    diesel::insert_into(evaluations::table).values(&row).execute(c)?;
    set_incidents(c, &who.principal, &id, &input.incident_ids, now)?;
    audit::append(
        c,
        &Entry::new(&who.principal, "evaluation.create")
            .target("evaluation", &id)
            .detail("case_id", person.case_id.clone())
            .detail("person_id", person.id.clone()),
    )?;
    view_of(c, keyring, row, content)
}

/// Replaces a draft (its clinician only) and the incidents it is about.
pub fn update(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::MedicalWrite>,
    id: Uuid,
    input: &EvaluationInput,
    now: NaiveDateTime,
) -> Result<EvaluationView> {
    let (mut row, _) = authorize(c, who, &id.to_string())?;
    own_draft(&row, &who.principal)?;
    let mut content = input.content.clone();
    content.correction_reason.clear();
    validate::check(
        c,
        &row.case_id,
        input.examined_on.as_deref(),
        &content,
        &input.incident_ids,
        now.date(),
    )?;
    row.kind = input.kind.as_str().to_owned();
    row.examined_on = input.examined_on.clone();
    row.content = Sealer::open(c, keyring, TABLE, &row.id)?.seal("content", &content)?;
    row.updated_at = now;
    diesel::update(evaluations::table.find(&row.id))
        .set((
            evaluations::kind.eq(&row.kind),
            evaluations::examined_on.eq(&row.examined_on),
            evaluations::content.eq(&row.content),
            evaluations::updated_at.eq(now),
        ))
        .execute(c)?;
    diesel::delete(
        evaluation_incidents::table.filter(evaluation_incidents::evaluation_root_id.eq(&row.root_id)),
    )
    .execute(c)?;
    set_incidents(c, &who.principal, &row.root_id, &input.incident_ids, now)?;
    audit::append(c, &Entry::new(&who.principal, "evaluation.update").target("evaluation", &row.id))?;
    view_of(c, keyring, row, content)
}

/// Seals a draft (its clinician only): the digest is recorded and it never changes again.
pub fn seal(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::MedicalWrite>,
    id: Uuid,
    now: NaiveDateTime,
) -> Result<EvaluationView> {
    let (mut row, _) = authorize(c, who, &id.to_string())?;
    own_draft(&row, &who.principal)?;
    let content = open_content(c, keyring, &row)?;
    let d = seal_row(c, &mut row, &content, now)?;
    audit::append(
        c,
        &Entry::new(&who.principal, "evaluation.seal").target("evaluation", &row.id).detail("digest", d),
    )?;
    view_of(c, keyring, row, content)
}

fn seal_row(
    c: &mut DbConnection,
    row: &mut Row,
    content: &EvaluationContent,
    now: NaiveDateTime,
) -> Result<String> {
    let d = digest(row, content)?;
    row.status = EvaluationStatus::Sealed.as_str().to_owned();
    row.digest = Some(d.clone());
    row.sealed_at = Some(now);
    row.updated_at = now;
    diesel::update(evaluations::table.find(&row.id))
        .set((
            evaluations::status.eq(&row.status),
            evaluations::digest.eq(&row.digest),
            evaluations::sealed_at.eq(row.sealed_at),
            evaluations::updated_at.eq(now),
        ))
        .execute(c)?;
    Ok(d)
}

/// Corrects the latest sealed version: a new version, sealed at once, carrying the
/// reason. By the clinician of that version or the case lead.
pub fn correct(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::MedicalWrite>,
    id: Uuid,
    input: &EvaluationCorrection,
    now: NaiveDateTime,
) -> Result<EvaluationView> {
    let (row, role) = authorize(c, who, &id.to_string())?;
    if row.status() != EvaluationStatus::Sealed {
        return Err(Error::Conflict("evaluation_not_sealed"));
    }
    let latest = stored::versions_of(c, &row.root_id)?.into_iter().last().ok_or(Error::Integrity)?;
    if latest.id != row.id {
        return Err(Error::Conflict("not_the_latest_version"));
    }
    if row.clinician_id != who.principal.user_id.to_string() && role != CaseRole::Lead {
        return Err(Error::Forbidden);
    }
    rules::CORRECTION_REASON
        .check("correction_reason", &input.correction_reason)
        .map_err(|e| Error::Validation(vec![e]))?;
    let mut content = input.content.clone();
    content.correction_reason = input.correction_reason.clone();
    validate::check(c, &row.case_id, input.examined_on.as_deref(), &content, &[], now.date())?;
    let new_id = Uuid::new_v4().to_string();
    let mut next = Row {
        id: new_id.clone(),
        case_id: row.case_id.clone(),
        root_id: row.root_id.clone(),
        version: row.version + 1,
        status: EvaluationStatus::Draft.as_str().to_owned(),
        person_id: row.person_id.clone(),
        kind: input.kind.as_str().to_owned(),
        clinician_id: who.principal.user_id.to_string(),
        examined_on: input.examined_on.clone(),
        content: Sealer::create(c, keyring, TABLE, &new_id)?.seal("content", &content)?,
        digest: None,
        sealed_at: None,
        created_at: now,
        updated_at: now,
    };
    diesel::insert_into(evaluations::table).values(&next).execute(c)?;
    let d = seal_row(c, &mut next, &content, now)?;
    audit::append(
        c,
        &Entry::new(&who.principal, "evaluation.correct")
            .target("evaluation", &new_id)
            .detail("root_id", row.root_id.clone())
            .detail("digest", d),
    )?;
    view_of(c, keyring, next, content)
}

fn set_incidents(
    c: &mut DbConnection,
    who: &Principal,
    root_id: &str,
    incidents: &[Uuid],
    now: NaiveDateTime,
) -> Result<()> {
    let mut ids: Vec<String> = incidents.iter().map(Uuid::to_string).collect();
    ids.sort();
    ids.dedup();
    for incident in ids {
        diesel::insert_into(evaluation_incidents::table)
            .values((
                evaluation_incidents::evaluation_root_id.eq(root_id),
                evaluation_incidents::incident_id.eq(incident),
                evaluation_incidents::created_by.eq(who.user_id.to_string()),
                evaluation_incidents::created_at.eq(now),
            ))
            .execute(c)?;
    }
    Ok(())
}

/// Links an evaluation (all its versions) to an incident of the same case.
pub fn link_incident(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::MedicalWrite>,
    id: Uuid,
    incident: Uuid,
    now: NaiveDateTime,
) -> Result<EvaluationView> {
    let (row, _) = authorize(c, who, &id.to_string())?;
    same_case(c, RecordTable::Incident, &incident.to_string(), &row.case_id, "incident_id")?;
    let exists: i64 = evaluation_incidents::table
        .filter(evaluation_incidents::evaluation_root_id.eq(&row.root_id))
        .filter(evaluation_incidents::incident_id.eq(incident.to_string()))
        .count()
        .get_result(c)?;
    if exists == 0 {
        set_incidents(c, &who.principal, &row.root_id, &[incident], now)?;
    }
    audit::append(
        c,
        &Entry::new(&who.principal, "evaluation.link")
            .target("evaluation", &row.id)
            .detail("incident_id", incident.to_string()),
    )?;
    let content = open_content(c, keyring, &row)?;
    view_of(c, keyring, row, content)
}

/// Removes an evaluation's link to an incident.
pub fn unlink_incident(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::MedicalWrite>,
    id: Uuid,
    incident: Uuid,
) -> Result<EvaluationView> {
    let (row, _) = authorize(c, who, &id.to_string())?;
    let removed = diesel::delete(
        evaluation_incidents::table
            .filter(evaluation_incidents::evaluation_root_id.eq(&row.root_id))
            .filter(evaluation_incidents::incident_id.eq(incident.to_string())),
    )
    .execute(c)?;
    if removed == 0 {
        return Err(Error::NotFound);
    }
    audit::append(
        c,
        &Entry::new(&who.principal, "evaluation.unlink")
            .target("evaluation", &row.id)
            .detail("incident_id", incident.to_string()),
    )?;
    let content = open_content(c, keyring, &row)?;
    view_of(c, keyring, row, content)
}
