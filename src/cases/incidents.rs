//! Incidents (what was done, when, where, to whom), the involvement of persons and units
//! in them (HURIDOCS degrees of involvement) with the testimonies that support each, and
//! the links from testimonies to the incidents they describe.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::places;
use super::reading::{self, Audited};
use super::sealed::Sealer;
use super::validate::{self, Checks, Precision};
use super::vocab;
use crate::access::membership::{self as access, RecordTable};
use crate::access::policy::Action;
use crate::audit::{self, Entry};
use crate::auth::Principal;
use crate::crypto::Keyring;
use crate::error::{Error, FieldError, Result};
use crate::rules;
use crate::store::DbConnection;
use crate::store::schema::{
    data_keys, incident_victims, incidents, involvement_evidence, involvements, testimonies,
    testimony_incidents,
};

const TABLE: &str = "incidents";

pub(crate) use super::involvements::involvements_by_person;
pub use super::involvements::{
    add_involvement_at, insert_involvement, involvements_of, link_testimony, link_testimony_at,
};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIncident {
    /// An `act_type` vocabulary code.
    pub act_type: String,
    /// `torture_method` vocabulary codes.
    #[serde(default)]
    pub methods: Vec<String>,
    pub start_date: Option<String>,
    #[serde(default)]
    pub start_precision: Precision,
    pub end_date: Option<String>,
    #[serde(default)]
    pub end_precision: Precision,
    pub place_id: Option<Uuid>,
    #[serde(default)]
    pub description: String,
    /// Persons of the same case who were harmed.
    #[serde(default)]
    pub victim_ids: Vec<Uuid>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Details {
    description: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvolvement {
    /// Exactly one of person_id and unit_id.
    pub person_id: Option<Uuid>,
    pub unit_id: Option<Uuid>,
    /// An `involvement_role` vocabulary code (carried_out, ordered, present, …).
    pub role: String,
    /// Testimonies (any version) that support this involvement.
    #[serde(default)]
    pub testimony_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Involvement {
    pub id: Uuid,
    pub person_id: Option<Uuid>,
    pub unit_id: Option<Uuid>,
    pub role: String,
    /// Root ids of the supporting testimonies.
    pub testimonies: Vec<Uuid>,
}

/// One involvement as seen from a person or a unit.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InvolvementSummary {
    pub incident_id: Uuid,
    pub act_type: String,
    pub start_date: Option<String>,
    pub role: String,
    pub person_id: Option<Uuid>,
    pub unit_id: Option<Uuid>,
    /// Root ids of the supporting testimonies.
    pub testimonies: Vec<Uuid>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IncidentView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub act_type: String,
    pub methods: Vec<String>,
    pub start_date: Option<String>,
    pub start_precision: Precision,
    pub end_date: Option<String>,
    pub end_precision: Precision,
    pub place_id: Option<Uuid>,
    pub place_name: Option<String>,
    pub description: String,
    pub victim_ids: Vec<Uuid>,
    pub involvements: Vec<Involvement>,
    /// Root ids of the testimonies that describe it.
    pub testimonies: Vec<Uuid>,
    pub attachments: Vec<super::attachments::AttachmentView>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = incidents)]
struct Row {
    id: String,
    case_id: String,
    act_type: String,
    methods: String,
    start_date: Option<String>,
    start_precision: String,
    end_date: Option<String>,
    end_precision: String,
    place_id: Option<String>,
    details: Vec<u8>,
    created_at: chrono::NaiveDateTime,
}

pub(super) fn uuids(ids: &[String]) -> Result<Vec<Uuid>> {
    ids.iter().map(|s| super::parse_uuid(s)).collect()
}

/// The root id of a testimony version, checked to be in `case_id`.
pub(crate) fn testimony_root(c: &mut DbConnection, id: &str, case_id: &str, field: &str) -> Result<String> {
    let found: Option<(String, String)> = testimonies::table
        .find(id)
        .select((testimonies::case_id, testimonies::root_id))
        .first(c)
        .optional()?;
    match found {
        Some((case, root)) if case == case_id => Ok(root),
        _ => Err(Error::field(field, "not_in_case", "no such testimony in this case")),
    }
}

/// Everything an incident's input must satisfy, in its case.
fn check(c: &mut DbConnection, case_id: &str, input: &NewIncident) -> Result<()> {
    let mut checks = Checks::default();
    if let Some(e) = vocab::check(c, "act_type", &input.act_type, "act_type")? {
        checks.0.push(e);
    }
    checks.check(rules::METHODS.check("methods", input.methods.len()));
    for m in &input.methods {
        if let Some(e) = vocab::check(c, "torture_method", m, "methods")? {
            checks.0.push(e);
        }
    }
    let start = checks
        .check(validate::partial_date("start_date", input.start_date.as_deref(), input.start_precision))
        .flatten();
    let end = checks
        .check(validate::partial_date("end_date", input.end_date.as_deref(), input.end_precision))
        .flatten();
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        checks.0.push(FieldError::new("end_date", "before_start", "must not be before start_date"));
    }
    checks.check(rules::INCIDENT_DESCRIPTION.check("description", &input.description));
    checks.check(rules::VICTIMS.check("victim_ids", input.victim_ids.len()));
    checks.finish()?;
    if let Some(place) = input.place_id {
        access::same_case(c, RecordTable::Place, &place.to_string(), case_id, "place_id")?;
    }
    for v in &input.victim_ids {
        access::same_case(c, RecordTable::Person, &v.to_string(), case_id, "victim_ids")?;
    }
    Ok(())
}

/// `create` at a time the caller's clock gives.
pub fn create_at(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    case_id: Uuid,
    input: &NewIncident,
    now: NaiveDateTime,
) -> Result<IncidentView> {
    let id = insert(c, keyring, who, case_id, input, now)?;
    view(c, keyring, &id)
}

/// Records an incident (audited) without building its view: its id.
pub fn insert(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    case_id: Uuid,
    input: &NewIncident,
    now: NaiveDateTime,
) -> Result<String> {
    let case_id = case_id.to_string();
    access::authorize(c, who, &case_id, Action::RecordWrite)?;
    check(c, &case_id, input)?;
    let id = Uuid::new_v4().to_string();
    let sealer = Sealer::create(c, keyring, TABLE, &id)?;
    diesel::insert_into(incidents::table)
        .values((
            incidents::id.eq(&id),
            incidents::case_id.eq(&case_id),
            incidents::act_type.eq(&input.act_type),
            incidents::methods.eq(serde_json::to_string(&input.methods).map_err(Error::internal)?),
            incidents::start_date.eq(&input.start_date),
            incidents::start_precision.eq(input.start_precision.as_str()),
            incidents::end_date.eq(&input.end_date),
            incidents::end_precision.eq(input.end_precision.as_str()),
            incidents::place_id.eq(input.place_id.map(|p| p.to_string())),
            incidents::details
                .eq(sealer.seal("details", &Details { description: input.description.clone() })?),
            incidents::created_by.eq(who.user_id.to_string()),
            incidents::created_at.eq(now),
            incidents::updated_at.eq(now),
        ))
        .execute(c)?;
    set_victims(c, &id, &input.victim_ids)?;
    audit::append(c, &Entry::new(who, "incident.create").target("incident", &id).detail("case_id", case_id))?;
    Ok(id)
}

fn set_victims(c: &mut DbConnection, id: &str, victim_ids: &[Uuid]) -> Result<()> {
    diesel::delete(incident_victims::table.filter(incident_victims::incident_id.eq(id))).execute(c)?;
    let mut victims = victim_ids.to_vec();
    victims.sort();
    victims.dedup();
    for v in victims {
        diesel::insert_into(incident_victims::table)
            .values((incident_victims::incident_id.eq(id), incident_victims::person_id.eq(v.to_string())))
            .execute(c)?;
    }
    Ok(())
}

/// `update` at a time the caller's clock gives.
pub fn update_at(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    id: Uuid,
    input: &NewIncident,
    now: NaiveDateTime,
) -> Result<IncidentView> {
    let id = id.to_string();
    let (case_id, _) = access::authorize_record(c, who, RecordTable::Incident, &id, Action::RecordWrite)?;
    check(c, &case_id, input)?;
    let sealer = Sealer::open(c, keyring, TABLE, &id)?;
    diesel::update(incidents::table.find(&id))
        .set((
            incidents::act_type.eq(&input.act_type),
            incidents::methods.eq(serde_json::to_string(&input.methods).map_err(Error::internal)?),
            incidents::start_date.eq(&input.start_date),
            incidents::start_precision.eq(input.start_precision.as_str()),
            incidents::end_date.eq(&input.end_date),
            incidents::end_precision.eq(input.end_precision.as_str()),
            incidents::place_id.eq(input.place_id.map(|p| p.to_string())),
            incidents::details
                .eq(sealer.seal("details", &Details { description: input.description.clone() })?),
            incidents::updated_at.eq(now),
        ))
        .execute(c)?;
    set_victims(c, &id, &input.victim_ids)?;
    audit::append(c, &Entry::new(who, "incident.update").target("incident", &id))?;
    view(c, keyring, &id)
}

pub(crate) fn view(c: &mut DbConnection, keyring: &Keyring, id: &str) -> Result<IncidentView> {
    views(c, keyring, Filter::Id(id), (1, 0))?.pop().ok_or(Error::NotFound)
}

enum Filter<'a> {
    Id(&'a str),
    Case(&'a str),
}

/// Incidents with everything their views show, one query per kind of data for the whole
/// page (rows and keys, place names, victims, testimonies, involvements and evidence).
fn views(
    c: &mut DbConnection,
    keyring: &Keyring,
    filter: Filter<'_>,
    (limit, offset): (i64, i64),
) -> Result<Vec<IncidentView>> {
    let mut q = incidents::table
        .left_join(
            data_keys::table
                .on(data_keys::record_table.eq(TABLE).and(data_keys::record_id.eq(incidents::id))),
        )
        .select((Row::as_select(), data_keys::wrapped.nullable()))
        .into_boxed();
    q = match filter {
        Filter::Id(id) => q.filter(incidents::id.eq(id.to_owned())),
        Filter::Case(case) => q.filter(incidents::case_id.eq(case.to_owned())),
    };
    let rows: Vec<(Row, Option<Vec<u8>>)> =
        q.order((incidents::start_date.asc(), incidents::id.asc())).limit(limit).offset(offset).load(c)?;
    let ids: Vec<String> = rows.iter().map(|(r, _)| r.id.clone()).collect();
    let place_ids: Vec<String> = rows.iter().filter_map(|(r, _)| r.place_id.clone()).collect();
    let place_names = places::names_of(c, keyring, &place_ids)?;
    let mut victims = grouped(
        incident_victims::table
            .filter(incident_victims::incident_id.eq_any(&ids))
            .select((incident_victims::incident_id, incident_victims::person_id))
            .load(c)?,
    );
    let mut testimonies = grouped(
        testimony_incidents::table
            .filter(testimony_incidents::incident_id.eq_any(&ids))
            .select((testimony_incidents::incident_id, testimony_incidents::testimony_root_id))
            .load(c)?,
    );
    type Found = (String, String, Option<String>, Option<String>, String);
    let inv: Vec<Found> = involvements::table
        .filter(involvements::incident_id.eq_any(&ids))
        .order(involvements::created_at.asc())
        .select((
            involvements::incident_id,
            involvements::id,
            involvements::person_id,
            involvements::unit_id,
            involvements::role,
        ))
        .load(c)?;
    let mut evidence = evidence_of(c, &inv.iter().map(|i| i.1.clone()).collect::<Vec<_>>())?;
    let mut files = super::attachments::list_for_incidents(c, keyring, &ids)?;
    let mut lists: HashMap<String, Vec<Involvement>> = HashMap::new();
    for (incident, iid, person, unit, role) in inv {
        let found = evidence.remove(&iid).unwrap_or_default();
        lists.entry(incident).or_default().push(Involvement {
            id: super::parse_uuid(&iid)?,
            person_id: person.as_deref().map(super::parse_uuid).transpose()?,
            unit_id: unit.as_deref().map(super::parse_uuid).transpose()?,
            role,
            testimonies: uuids(&found)?,
        });
    }
    rows.into_iter()
        .map(|(r, wrapped)| {
            let wrapped = wrapped.ok_or(Error::KeyUnavailable(0))?;
            let d: Details =
                Sealer::from_wrapped(keyring, TABLE, &r.id, &wrapped)?.unseal("details", &r.details)?;
            let place_name = match &r.place_id {
                Some(p) => Some(place_names.get(p).cloned().ok_or(Error::NotFound)?),
                None => None,
            };
            Ok(IncidentView {
                id: super::parse_uuid(&r.id)?,
                case_id: super::parse_uuid(&r.case_id)?,
                act_type: r.act_type,
                methods: serde_json::from_str(&r.methods).map_err(|_| Error::Integrity)?,
                start_date: r.start_date,
                start_precision: Precision::parse(&r.start_precision),
                end_date: r.end_date,
                end_precision: Precision::parse(&r.end_precision),
                place_id: r.place_id.as_deref().map(super::parse_uuid).transpose()?,
                place_name,
                description: d.description,
                victim_ids: uuids(&victims.remove(&r.id).unwrap_or_default())?,
                involvements: lists.remove(&r.id).unwrap_or_default(),
                testimonies: uuids(&testimonies.remove(&r.id).unwrap_or_default())?,
                attachments: files.remove(&r.id).unwrap_or_default(),
                created_at: r.created_at.and_utc(),
            })
        })
        .collect()
}

/// `(key, value)` pairs grouped by key, each group in the order found.
pub(super) fn grouped(pairs: Vec<(String, String)>) -> HashMap<String, Vec<String>> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in pairs {
        map.entry(k).or_default().push(v);
    }
    map
}

/// The supporting testimonies (root ids) of each of these involvements.
pub(super) fn evidence_of(
    c: &mut DbConnection,
    involvements: &[String],
) -> Result<HashMap<String, Vec<String>>> {
    if involvements.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(grouped(
        involvement_evidence::table
            .filter(involvement_evidence::involvement_id.eq_any(involvements))
            .select((involvement_evidence::involvement_id, involvement_evidence::testimony_root_id))
            .load(c)?,
    ))
}

pub fn get(c: &mut DbConnection, keyring: &Keyring, who: &Principal, id: Uuid) -> Result<IncidentView> {
    read(c, keyring, who, id)?.record(c)
}

pub(crate) fn read(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    id: Uuid,
) -> Result<Audited<IncidentView>> {
    reading::one(c, who, reading::INCIDENT, id, |c, id, _| view(c, keyring, id))
}

pub fn list(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    case_id: Uuid,
    page: (i64, i64),
) -> Result<(Vec<IncidentView>, i64)> {
    read_page(c, keyring, who, case_id, page)?.record(c)
}

pub(crate) fn read_page(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    case_id: Uuid,
    page: (i64, i64),
) -> Result<Audited<(Vec<IncidentView>, i64)>> {
    reading::page(c, who, reading::INCIDENT, case_id, |c, case, _| {
        let total = incidents::table.filter(incidents::case_id.eq(case)).count().get_result(c)?;
        Ok((views(c, keyring, Filter::Case(case), page)?, total))
    })
}
