//! Units and organisations (a riot police detachment, a detention centre's staff, a KGB
//! department): a parent unit gives the chain of command; commanders are persons with
//! dates. Reading a unit shows its chain up to the top and the incidents its members
//! and sub-units were involved in.

use chrono::NaiveDateTime;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::incidents::{self, InvolvementSummary};
use super::reading::{self, Audited};
use super::sealed::Sealer;
use super::validate::Checks;
use crate::access::membership::{self as access, RecordTable};
use crate::access::policy::Action;
use crate::audit::{self, Entry};
use crate::auth::Principal;
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::rules;
use crate::store::DbConnection;
use crate::store::schema::{data_keys, persons, unit_commanders, units};

const TABLE: &str = "units";
/// Deeper chains than this are refused (and stop loops from malformed data).
const MAX_DEPTH: usize = 32;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUnit {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The unit above it in the chain of command (same case).
    pub parent_id: Option<Uuid>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Details {
    name: String,
    description: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnitRef {
    pub id: Uuid,
    pub name: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCommander {
    pub person_id: Uuid,
    /// `YYYY-MM-DD`.
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Commander {
    pub person_id: Uuid,
    pub pseudonym: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnitView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub name: String,
    pub description: String,
    pub parent_id: Option<Uuid>,
    /// From this unit's parent up to the top of the chain.
    pub chain_of_command: Vec<UnitRef>,
    pub sub_units: Vec<UnitRef>,
    pub commanders: Vec<Commander>,
    /// Persons recorded as members of this unit or its sub-units.
    pub members: Vec<Uuid>,
    /// Incidents in which the unit, its sub-units or their members were involved.
    pub incidents: Vec<InvolvementSummary>,
    pub created_at: DateTime<Utc>,
}

type Row = (String, String, Option<String>, Vec<u8>, chrono::NaiveDateTime);

fn row(c: &mut DbConnection, id: &str) -> Result<Row> {
    Ok(units::table
        .find(id)
        .select((units::id, units::case_id, units::parent_id, units::details, units::created_at))
        .first(c)?)
}

fn details(c: &mut DbConnection, keyring: &Keyring, id: &str, blob: &[u8]) -> Result<Details> {
    Sealer::open(c, keyring, TABLE, id)?.unseal("details", blob)
}

enum Filter<'a> {
    /// A page of a case's units, oldest first.
    Case(&'a str, (i64, i64)),
    /// The units directly under one.
    Parent(&'a str),
}

/// Names of units, their keys loaded with the rows (one query for all of them).
fn refs(c: &mut DbConnection, keyring: &Keyring, filter: Filter<'_>) -> Result<Vec<UnitRef>> {
    let q = units::table
        .left_join(
            data_keys::table.on(data_keys::record_table.eq(TABLE).and(data_keys::record_id.eq(units::id))),
        )
        .select((units::id, units::details, data_keys::wrapped.nullable()))
        .into_boxed();
    let rows: Vec<(String, Vec<u8>, Option<Vec<u8>>)> = match filter {
        Filter::Case(case, (limit, offset)) => q
            .filter(units::case_id.eq(case.to_owned()))
            .order((units::created_at.asc(), units::id.asc()))
            .limit(limit)
            .offset(offset)
            .load(c)?,
        Filter::Parent(parent) => q.filter(units::parent_id.eq(parent.to_owned())).load(c)?,
    };
    rows.into_iter()
        .map(|(id, blob, wrapped)| {
            let wrapped = wrapped.ok_or(Error::KeyUnavailable(0))?;
            let d: Details = Sealer::from_wrapped(keyring, TABLE, &id, &wrapped)?.unseal("details", &blob)?;
            Ok(UnitRef { id: super::parse_uuid(&id)?, name: d.name })
        })
        .collect()
}

/// The unit and every unit below it.
pub(crate) fn subtree(c: &mut DbConnection, id: &str) -> Result<Vec<String>> {
    let mut all = vec![id.to_owned()];
    let mut frontier = vec![id.to_owned()];
    for _ in 0..MAX_DEPTH {
        let children: Vec<String> =
            units::table.filter(units::parent_id.eq_any(&frontier)).select(units::id).load(c)?;
        let new: Vec<String> = children.into_iter().filter(|u| !all.contains(u)).collect();
        if new.is_empty() {
            break;
        }
        all.extend(new.iter().cloned());
        frontier = new;
    }
    Ok(all)
}

/// `create` at a time the caller's clock gives.
pub fn create_at(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    case_id: Uuid,
    input: &NewUnit,
    now: NaiveDateTime,
) -> Result<UnitView> {
    let case_id = case_id.to_string();
    access::authorize(c, who, &case_id, Action::RecordWrite)?;
    let mut checks = Checks::default();
    checks.check(rules::NAME.check("name", &input.name));
    checks.check(rules::UNIT_DESCRIPTION.check("description", &input.description));
    checks.finish()?;
    if let Some(parent) = input.parent_id {
        access::same_case(c, RecordTable::Unit, &parent.to_string(), &case_id, "parent_id")?;
    }
    let id = Uuid::new_v4().to_string();
    let sealer = Sealer::create(c, keyring, TABLE, &id)?;
    let d = Details { name: input.name.trim().to_owned(), description: input.description.clone() };
    diesel::insert_into(units::table)
        .values((
            units::id.eq(&id),
            units::case_id.eq(&case_id),
            units::parent_id.eq(input.parent_id.map(|p| p.to_string())),
            units::details.eq(sealer.seal("details", &d)?),
            units::created_by.eq(who.user_id.to_string()),
            units::created_at.eq(now),
        ))
        .execute(c)?;
    audit::append(c, &Entry::new(who, "unit.create").target("unit", &id).detail("case_id", case_id))?;
    build_view(c, keyring, &id)
}

/// `add_commander` at a time the caller's clock gives.
pub fn add_commander_at(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    unit: Uuid,
    input: &NewCommander,
    now: NaiveDateTime,
) -> Result<UnitView> {
    let unit = unit.to_string();
    let (case_id, _) = access::authorize_record(c, who, RecordTable::Unit, &unit, Action::CaseLink)?;
    access::same_case(c, RecordTable::Person, &input.person_id.to_string(), &case_id, "person_id")?;
    let mut checks = Checks::default();
    let from = input.from.as_deref().and_then(|d| checks.check(rules::DATE.check("from", d)));
    let to = input.to.as_deref().and_then(|d| checks.check(rules::DATE.check("to", d)));
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        checks.0.push(crate::error::FieldError::new("to", "before_from", "must not be before `from`"));
    }
    checks.finish()?;
    diesel::insert_into(unit_commanders::table)
        .values((
            unit_commanders::id.eq(Uuid::new_v4().to_string()),
            unit_commanders::unit_id.eq(&unit),
            unit_commanders::person_id.eq(input.person_id.to_string()),
            unit_commanders::from_date.eq(&input.from),
            unit_commanders::to_date.eq(&input.to),
            unit_commanders::created_at.eq(now),
        ))
        .execute(c)?;
    audit::append(
        c,
        &Entry::new(who, "unit.commander_add")
            .target("unit", &unit)
            .detail("person_id", input.person_id.to_string()),
    )?;
    build_view(c, keyring, &unit)
}

pub(crate) fn build_view(c: &mut DbConnection, keyring: &Keyring, id: &str) -> Result<UnitView> {
    let (id, case_id, parent_id, blob, created_at) = row(c, id)?;
    let d = details(c, keyring, &id, &blob)?;
    let mut chain = Vec::new();
    let mut next = parent_id.clone();
    while let Some(p) = next {
        if chain.len() >= MAX_DEPTH {
            return Err(Error::Integrity);
        }
        let (pid, _, grandparent, pblob, _) = row(c, &p)?;
        chain.push(UnitRef { id: super::parse_uuid(&pid)?, name: details(c, keyring, &pid, &pblob)?.name });
        next = grandparent;
    }
    let sub_units = refs(c, keyring, Filter::Parent(&id))?;
    let rows: Vec<(String, String, Option<String>, Option<String>)> = unit_commanders::table
        .inner_join(persons::table.on(persons::id.eq(unit_commanders::person_id)))
        .filter(unit_commanders::unit_id.eq(&id))
        .order(unit_commanders::from_date.asc())
        .select((
            unit_commanders::person_id,
            persons::pseudonym,
            unit_commanders::from_date,
            unit_commanders::to_date,
        ))
        .load(c)?;
    let commanders = rows
        .into_iter()
        .map(|(p, pseudonym, from, to)| {
            Ok(Commander { person_id: super::parse_uuid(&p)?, pseudonym, from, to })
        })
        .collect::<Result<Vec<_>>>()?;
    let tree = subtree(c, &id)?;
    let member_ids: Vec<String> = persons::table
        .filter(persons::unit_id.eq_any(&tree))
        .filter(persons::case_id.eq(&case_id))
        .select(persons::id)
        .load(c)?;
    let incidents = incidents::involvements_of(c, &member_ids, &tree)?;
    Ok(UnitView {
        id: super::parse_uuid(&id)?,
        case_id: super::parse_uuid(&case_id)?,
        name: d.name,
        description: d.description,
        parent_id: parent_id.as_deref().map(super::parse_uuid).transpose()?,
        chain_of_command: chain,
        sub_units,
        commanders,
        members: member_ids.iter().map(|m| super::parse_uuid(m)).collect::<Result<_>>()?,
        incidents,
        created_at: created_at.and_utc(),
    })
}

pub fn get(c: &mut DbConnection, keyring: &Keyring, who: &Principal, id: Uuid) -> Result<UnitView> {
    read(c, keyring, who, id)?.record(c)
}

pub(crate) fn read(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    id: Uuid,
) -> Result<Audited<UnitView>> {
    reading::one(c, who, reading::UNIT, id, |c, id, _| build_view(c, keyring, id))
}

pub fn list(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    case_id: Uuid,
    page: (i64, i64),
) -> Result<(Vec<UnitRef>, i64)> {
    read_page(c, keyring, who, case_id, page)?.record(c)
}

pub(crate) fn read_page(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    case_id: Uuid,
    page: (i64, i64),
) -> Result<Audited<(Vec<UnitRef>, i64)>> {
    reading::page(c, who, reading::UNIT, case_id, |c, case, _| {
        let total = units::table.filter(units::case_id.eq(case)).count().get_result(c)?;
        Ok((refs(c, keyring, Filter::Case(case, page))?, total))
    })
}

/// Renames a unit or moves it in the chain of command. A unit cannot be placed under
/// itself or one of its own sub-units.
pub fn update(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    id: Uuid,
    input: &NewUnit,
) -> Result<UnitView> {
    let id = id.to_string();
    let (case_id, _) = access::authorize_record(c, who, RecordTable::Unit, &id, Action::RecordWrite)?;
    let mut checks = Checks::default();
    checks.check(rules::NAME.check("name", &input.name));
    checks.check(rules::UNIT_DESCRIPTION.check("description", &input.description));
    checks.finish()?;
    if let Some(parent) = input.parent_id {
        let parent = parent.to_string();
        access::same_case(c, RecordTable::Unit, &parent, &case_id, "parent_id")?;
        if subtree(c, &id)?.contains(&parent) {
            return Err(Error::field("parent_id", "cycle", "a unit cannot be under itself or its sub-units"));
        }
    }
    let sealer = Sealer::open(c, keyring, TABLE, &id)?;
    let d = Details { name: input.name.trim().to_owned(), description: input.description.clone() };
    diesel::update(units::table.find(&id))
        .set((
            units::parent_id.eq(input.parent_id.map(|p| p.to_string())),
            units::details.eq(sealer.seal("details", &d)?),
        ))
        .execute(c)?;
    audit::append(c, &Entry::new(who, "unit.update").target("unit", &id))?;
    build_view(c, keyring, &id)
}
