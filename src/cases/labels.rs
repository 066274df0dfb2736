//! What a page calls the records it links to: a person by pseudonym (and name where the
//! reader may know it), a testimony by its witness's pseudonym, version and date, an
//! incident by its act, date and place, a case by its reference. One query per kind of
//! record for a whole page (keys are joined in, not fetched row by row), within one case
//! the reader belongs to, releasing no more than the record's own services release.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Deserialize;
use uuid::Uuid;

use super::persons::{PersonKind, PersonRow, may_see_identity};
use super::testimonies::Status;
use crate::access::membership as access;
use crate::access::policy::Action;
use crate::audit::{self, Entry};
use crate::auth::Principal;
use crate::crypto::{FieldContext, Keyring, open_field};
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::{cases, data_keys, incidents, persons, places, testimonies};

#[derive(Debug, Clone)]
pub struct PersonName {
    pub pseudonym: String,
    pub kind: PersonKind,
    /// The first name, only where the reader may know who the person is.
    pub name: Option<String>,
}

impl PersonName {
    /// `Name (W-0031)` where the name may be shown, else `W-0031`.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => format!("{n} ({})", self.pseudonym),
            None => self.pseudonym.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct TestimonyName {
    /// The newest version's id (the pages link roots to it).
    pub id: Uuid,
    pub witness_pseudonym: String,
    pub version: i32,
    pub status: Status,
    pub interview_date: Option<String>,
}

#[derive(Debug, Clone)]
pub struct IncidentName {
    /// An `act_type` vocabulary code.
    pub act_type: String,
    pub start_date: Option<String>,
    pub place: Option<String>,
}

/// The ids a page wants named.
#[derive(Debug, Default)]
pub struct Wanted {
    pub persons: Vec<Uuid>,
    /// Root ids or version ids: either finds the newest version of the account.
    pub testimonies: Vec<Uuid>,
    pub incidents: Vec<Uuid>,
}

#[derive(Debug, Default)]
pub struct Names {
    pub case_reference: String,
    pub persons: HashMap<Uuid, PersonName>,
    pub testimonies: HashMap<Uuid, TestimonyName>,
    pub incidents: HashMap<Uuid, IncidentName>,
}

impl Names {
    pub fn person(&self, id: &Uuid) -> Option<&PersonName> {
        self.persons.get(id)
    }

    pub fn testimony(&self, id: &Uuid) -> Option<&TestimonyName> {
        self.testimonies.get(id)
    }

    pub fn incident(&self, id: &Uuid) -> Option<&IncidentName> {
        self.incidents.get(id)
    }
}

#[derive(Deserialize)]
struct Identity {
    names: Vec<String>,
}

#[derive(Deserialize)]
struct PlaceDetails {
    name: String,
}

/// A sealed field opened with a wrapped key loaded in the same query as the row.
fn open<T: for<'de> Deserialize<'de>>(
    keyring: &Keyring,
    table: &str,
    id: &str,
    field: &str,
    wrapped: &[u8],
    blob: &[u8],
) -> Result<T> {
    let dek = keyring.unwrap_dek(table, id, wrapped)?;
    let plain = open_field(&dek, &FieldContext::new(table, id, field), blob)?;
    serde_json::from_slice(&plain).map_err(|_| Error::Integrity)
}

fn strings(ids: &[Uuid]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    v.sort();
    v.dedup();
    v
}

/// Names for `want`, all within `case_id`; ids of other cases are simply not named.
/// Reading names is audited like a list of persons.
pub fn load(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    case_id: Uuid,
    want: &Wanted,
) -> Result<Names> {
    let case = case_id.to_string();
    let role = access::authorize(c, who, &case, Action::CaseRead)?;
    let case_reference: String = cases::table.find(&case).select(cases::reference).first(c)?;
    let mut names = Names { case_reference, ..Names::default() };

    let ids = strings(&want.persons);
    if !ids.is_empty() {
        let rows: Vec<(PersonRow, Option<Vec<u8>>)> = persons::table
            .left_join(
                data_keys::table
                    .on(data_keys::record_table.eq("persons").and(data_keys::record_id.eq(persons::id))),
            )
            .filter(persons::case_id.eq(&case))
            .filter(persons::id.eq_any(&ids))
            .select((PersonRow::as_select(), data_keys::wrapped.nullable()))
            .load(c)?;
        let mut shown = 0usize;
        for (row, wrapped) in rows {
            let name = match wrapped.filter(|_| may_see_identity(&row, who, role)) {
                Some(w) => {
                    shown += 1;
                    open::<Identity>(keyring, "persons", &row.id, "identity", &w, &row.identity)?
                        .names
                        .into_iter()
                        .next()
                }
                None => None,
            };
            names.persons.insert(
                super::parse_uuid(&row.id)?,
                PersonName { pseudonym: row.pseudonym, kind: PersonKind::parse(&row.kind), name },
            );
        }
        if shown > 0 {
            audit::append(
                c,
                &Entry::new(who, "person.list")
                    .target("case", &case)
                    .detail("results", shown)
                    .detail("labels", true),
            )?;
        }
    }

    let ids = strings(&want.testimonies);
    if !ids.is_empty() {
        type Row = (String, String, i32, String, String, Option<String>);
        let rows: Vec<Row> = testimonies::table
            .inner_join(persons::table.on(persons::id.eq(testimonies::witness_id)))
            .filter(testimonies::case_id.eq(&case))
            .filter(testimonies::root_id.eq_any(&ids).or(testimonies::id.eq_any(&ids)))
            .order((testimonies::root_id.asc(), testimonies::version.desc()))
            .select((
                testimonies::id,
                testimonies::root_id,
                testimonies::version,
                testimonies::status,
                persons::pseudonym,
                testimonies::interview_date,
            ))
            .load(c)?;
        let mut newest: HashMap<String, TestimonyName> = HashMap::new();
        let mut versions: Vec<(String, String)> = Vec::new();
        for (id, root, version, status, pseudonym, date) in rows {
            versions.push((id.clone(), root.clone()));
            if newest.contains_key(&root) {
                continue;
            }
            let status = if status == "sealed" { Status::Sealed } else { Status::Draft };
            newest.insert(
                root,
                TestimonyName {
                    id: super::parse_uuid(&id)?,
                    witness_pseudonym: pseudonym,
                    version,
                    status,
                    interview_date: date,
                },
            );
        }
        // Asked for by a root or by any of its versions: both name the newest version.
        for (id, root) in versions {
            if let Some(t) = newest.get(&root) {
                names.testimonies.insert(super::parse_uuid(&id)?, t.clone());
                names.testimonies.insert(super::parse_uuid(&root)?, t.clone());
            }
        }
    }

    let ids = strings(&want.incidents);
    if !ids.is_empty() {
        type Row = (String, String, Option<String>, Option<String>, Option<Vec<u8>>, Option<Vec<u8>>);
        let rows: Vec<Row> = incidents::table
            .left_join(places::table.on(places::id.nullable().eq(incidents::place_id)))
            .left_join(
                data_keys::table.on(data_keys::record_table
                    .eq("places")
                    .and(data_keys::record_id.nullable().eq(incidents::place_id))),
            )
            .filter(incidents::case_id.eq(&case))
            .filter(incidents::id.eq_any(&ids))
            .select((
                incidents::id,
                incidents::act_type,
                incidents::start_date,
                incidents::place_id,
                places::details.nullable(),
                data_keys::wrapped.nullable(),
            ))
            .load(c)?;
        for (id, act_type, start_date, place_id, details, wrapped) in rows {
            let place = match (place_id, details, wrapped) {
                (Some(pid), Some(d), Some(w)) => {
                    Some(open::<PlaceDetails>(keyring, "places", &pid, "details", &w, &d)?.name)
                }
                _ => None,
            };
            names.incidents.insert(super::parse_uuid(&id)?, IncidentName { act_type, start_date, place });
        }
    }
    Ok(names)
}
