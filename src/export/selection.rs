//! A selection resolved to the records it covers: selecting incidents or perpetrators
//! brings in the accounts that describe those incidents, selecting accounts the
//! incidents they describe; every selected record must be in the case.

use std::collections::BTreeSet;

use diesel::prelude::*;

use super::Selection;
use crate::cases::persons::PersonKind;
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::{
    incidents as incidents_t, involvements, persons as persons_t, testimonies as testimonies_t,
    testimony_incidents,
};

/// The records a selection covers, all checked to be in the case.
#[derive(Debug, Default)]
pub struct Scope {
    pub roots: BTreeSet<String>,
    pub incidents: BTreeSet<String>,
    pub perpetrators: BTreeSet<String>,
}

fn not_in_case(field: &str) -> Error {
    Error::field(field, "not_in_case", "every selected record must belong to the case being exported")
}

/// Resolves a selection. Selecting incidents or perpetrators brings in the accounts that
/// describe those incidents; selecting accounts brings in the incidents they describe.
pub fn resolve(c: &mut DbConnection, case_id: &str, sel: &Selection) -> Result<Scope> {
    let mut scope = Scope::default();
    let mut explicit_incidents = BTreeSet::new();
    if sel.is_whole_case() {
        let roots: Vec<String> = testimonies_t::table
            .filter(testimonies_t::case_id.eq(case_id))
            .select(testimonies_t::root_id)
            .load(c)?;
        scope.roots.extend(roots);
        let all: Vec<String> =
            incidents_t::table.filter(incidents_t::case_id.eq(case_id)).select(incidents_t::id).load(c)?;
        scope.incidents.extend(all);
    } else {
        for id in &sel.testimonies {
            let row: Option<(String, String)> = testimonies_t::table
                .find(id.to_string())
                .select((testimonies_t::case_id, testimonies_t::root_id))
                .first(c)
                .optional()?;
            match row {
                Some((case, root)) if case == case_id => {
                    scope.roots.insert(root);
                }
                _ => return Err(not_in_case("selection.testimonies")),
            }
        }
        for id in &sel.incidents {
            let case: Option<String> =
                incidents_t::table.find(id.to_string()).select(incidents_t::case_id).first(c).optional()?;
            if case.as_deref() != Some(case_id) {
                return Err(not_in_case("selection.incidents"));
            }
            explicit_incidents.insert(id.to_string());
        }
        for id in &sel.perpetrators {
            let row: Option<(String, String)> = persons_t::table
                .find(id.to_string())
                .select((persons_t::case_id, persons_t::kind))
                .first(c)
                .optional()?;
            match row {
                Some((case, kind)) if case == case_id && kind == PersonKind::Perpetrator.as_str() => {
                    scope.perpetrators.insert(id.to_string());
                }
                _ => return Err(not_in_case("selection.perpetrators")),
            }
        }
        let perpetrators: Vec<String> = scope.perpetrators.iter().cloned().collect();
        let theirs: Vec<String> = involvements::table
            .filter(involvements::person_id.eq_any(&perpetrators))
            .select(involvements::incident_id)
            .load(c)?;
        explicit_incidents.extend(theirs);
        let roots: Vec<String> = scope.roots.iter().cloned().collect();
        let described: Vec<String> = testimony_incidents::table
            .filter(testimony_incidents::testimony_root_id.eq_any(&roots))
            .select(testimony_incidents::incident_id)
            .load(c)?;
        let incident_list: Vec<String> = explicit_incidents.iter().cloned().collect();
        let describing: Vec<String> = testimony_incidents::table
            .filter(testimony_incidents::incident_id.eq_any(&incident_list))
            .select(testimony_incidents::testimony_root_id)
            .load(c)?;
        scope.incidents.extend(explicit_incidents);
        scope.incidents.extend(described);
        scope.roots.extend(describing);
    }
    let incident_list: Vec<String> = scope.incidents.iter().cloned().collect();
    let involved: Vec<String> = involvements::table
        .inner_join(persons_t::table.on(involvements::person_id.eq(persons_t::id.nullable())))
        .filter(involvements::incident_id.eq_any(&incident_list))
        .filter(persons_t::kind.eq(PersonKind::Perpetrator.as_str()))
        .select(persons_t::id)
        .load(c)?;
    scope.perpetrators.extend(involved);
    Ok(scope)
}
