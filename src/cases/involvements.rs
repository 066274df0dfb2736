//! Who was involved in an incident (HURIDOCS degrees of involvement, with the
//! testimonies that support each), the links from testimonies to the incidents they
//! describe, and the involvements of persons and units seen from their side.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::incidents::{
    IncidentView, InvolvementSummary, NewInvolvement, evidence_of, testimony_root, uuids, view,
};
use super::validate::Checks;
use super::vocab;
use crate::access::membership::{self as access, RecordTable};
use crate::access::policy::Action;
use crate::audit::{self, Entry};
use crate::auth::Principal;
use crate::crypto::Keyring;
use crate::error::{FieldError, Result};
use crate::store::DbConnection;
use crate::store::schema::{incidents, involvement_evidence, involvements, testimony_incidents};

/// `add_involvement` at a time the caller's clock gives.
pub fn add_involvement_at(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    incident: Uuid,
    input: &NewInvolvement,
    now: NaiveDateTime,
) -> Result<IncidentView> {
    insert_involvement(c, who, incident, input, now)?;
    view(c, keyring, &incident.to_string())
}

/// Records an involvement and its supporting testimonies (audited); its id.
pub fn insert_involvement(
    c: &mut DbConnection,
    who: &Principal,
    incident: Uuid,
    input: &NewInvolvement,
    now: NaiveDateTime,
) -> Result<String> {
    let incident = incident.to_string();
    let (case_id, _) = access::authorize_record(c, who, RecordTable::Incident, &incident, Action::CaseLink)?;
    let mut checks = Checks::default();
    if input.person_id.is_some() == input.unit_id.is_some() {
        checks.0.push(FieldError::new("person_id", "one_of", "give exactly one of person_id and unit_id"));
    }
    if let Some(e) = vocab::check(c, "involvement_role", &input.role, "role")? {
        checks.0.push(e);
    }
    checks.finish()?;
    if let Some(p) = input.person_id {
        access::same_case(c, RecordTable::Person, &p.to_string(), &case_id, "person_id")?;
    }
    if let Some(u) = input.unit_id {
        access::same_case(c, RecordTable::Unit, &u.to_string(), &case_id, "unit_id")?;
    }
    let mut roots = Vec::new();
    for t in &input.testimony_ids {
        roots.push(testimony_root(c, &t.to_string(), &case_id, "testimony_ids")?);
    }
    roots.sort();
    roots.dedup();
    let id = Uuid::new_v4().to_string();
    diesel::insert_into(involvements::table)
        .values((
            involvements::id.eq(&id),
            involvements::incident_id.eq(&incident),
            involvements::person_id.eq(input.person_id.map(|p| p.to_string())),
            involvements::unit_id.eq(input.unit_id.map(|u| u.to_string())),
            involvements::role.eq(&input.role),
            involvements::created_by.eq(who.user_id.to_string()),
            involvements::created_at.eq(now),
        ))
        .execute(c)?;
    for root in &roots {
        diesel::insert_into(involvement_evidence::table)
            .values((
                involvement_evidence::involvement_id.eq(&id),
                involvement_evidence::testimony_root_id.eq(root),
            ))
            .execute(c)?;
    }
    audit::append(
        c,
        &Entry::new(who, "incident.involvement_add")
            .target("incident", &incident)
            .detail("involvement_id", id.clone()),
    )?;
    Ok(id)
}

/// `link_testimony` at a time the caller's clock gives.
pub fn link_testimony_at(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    testimony: Uuid,
    incident: Uuid,
    now: NaiveDateTime,
) -> Result<IncidentView> {
    link_testimony(c, who, testimony, incident, now)?;
    view(c, keyring, &incident.to_string())
}

/// Links a testimony (any version: its root) to an incident of its case, once; audited
/// when it adds the link.
pub fn link_testimony(
    c: &mut DbConnection,
    who: &Principal,
    testimony: Uuid,
    incident: Uuid,
    now: NaiveDateTime,
) -> Result<()> {
    let testimony = testimony.to_string();
    let (case_id, _) =
        access::authorize_record(c, who, RecordTable::Testimony, &testimony, Action::TestimonyLink)?;
    let incident = incident.to_string();
    access::same_case(c, RecordTable::Incident, &incident, &case_id, "incident_id")?;
    let root = testimony_root(c, &testimony, &case_id, "testimony_id")?;
    let exists: i64 = testimony_incidents::table.find((&root, &incident)).count().get_result(c)?;
    if exists == 0 {
        diesel::insert_into(testimony_incidents::table)
            .values((
                testimony_incidents::testimony_root_id.eq(&root),
                testimony_incidents::incident_id.eq(&incident),
                testimony_incidents::created_by.eq(who.user_id.to_string()),
                testimony_incidents::created_at.eq(now),
            ))
            .execute(c)?;
        audit::append(
            c,
            &Entry::new(who, "testimony.link")
                .target("testimony", &root)
                .detail("incident_id", incident.clone()),
        )?;
    }
    Ok(())
}

/// Involvements of the given persons or units (all in one case), newest incident first.
pub fn involvements_of(
    c: &mut DbConnection,
    person_ids: &[String],
    unit_ids: &[String],
) -> Result<Vec<InvolvementSummary>> {
    involvements_of_unbounded(c, person_ids, unit_ids, Some(MAX_INVOLVEMENTS as i64))
}

/// At most this many involvements are shown for one person or unit.
const MAX_INVOLVEMENTS: usize = 1000;
/// Bounds the `IN (…)` list of one query.
const PERSONS_PER_QUERY: usize = 500;

fn involvements_of_unbounded(
    c: &mut DbConnection,
    person_ids: &[String],
    unit_ids: &[String],
    limit: Option<i64>,
) -> Result<Vec<InvolvementSummary>> {
    type Found = (String, String, Option<String>, Option<String>, String, String, Option<String>);
    let rows: Vec<Found> = involvements::table
        .inner_join(incidents::table)
        .filter(involvements::person_id.eq_any(person_ids).or(involvements::unit_id.eq_any(unit_ids)))
        .order(incidents::start_date.desc())
        .limit(limit.unwrap_or(i64::MAX))
        .select((
            involvements::id,
            involvements::incident_id,
            involvements::person_id,
            involvements::unit_id,
            involvements::role,
            incidents::act_type,
            incidents::start_date,
        ))
        .load(c)?;
    let mut evidence = evidence_of(c, &rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>())?;
    rows.into_iter()
        .map(|(iid, incident, person, unit, role, act_type, start_date)| {
            Ok(InvolvementSummary {
                incident_id: super::parse_uuid(&incident)?,
                act_type,
                start_date,
                role,
                person_id: person.as_deref().map(super::parse_uuid).transpose()?,
                unit_id: unit.as_deref().map(super::parse_uuid).transpose()?,
                testimonies: uuids(&evidence.remove(&iid).unwrap_or_default())?,
            })
        })
        .collect()
}

/// The involvements of each of these persons (a page of them), as `involvements_of`
/// finds them for one person, in one query for the whole page.
pub(crate) fn involvements_by_person(
    c: &mut DbConnection,
    person_ids: &[String],
) -> Result<HashMap<String, Vec<InvolvementSummary>>> {
    let mut by_person: HashMap<String, Vec<InvolvementSummary>> = HashMap::new();
    if person_ids.is_empty() {
        return Ok(by_person);
    }
    for chunk in person_ids.chunks(PERSONS_PER_QUERY) {
        for summary in involvements_of_unbounded(c, chunk, &[], None)? {
            if let Some(p) = summary.person_id {
                let list = by_person.entry(p.to_string()).or_default();
                if list.len() < MAX_INVOLVEMENTS {
                    list.push(summary);
                }
            }
        }
    }
    Ok(by_person)
}
