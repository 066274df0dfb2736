//! What every view is computed from: the clear columns of a set of cases (ids, codes,
//! dates, pseudonyms), loaded in one query per table. Nothing here is unsealed; the
//! names of units and places, which are, come from `names`.

use std::collections::HashMap;

use diesel::prelude::*;

use super::model::{PartialDate, Stance};
use crate::cases::validate::Precision;
use crate::error::Result;
use crate::store::DbConnection;
use crate::store::schema::{
    incident_victims, incidents, involvement_evidence, involvements, persons, places, testimonies,
    testimony_incidents, unit_commanders, units,
};

#[derive(Debug, Clone)]
pub struct Incident {
    pub id: String,
    pub case_id: String,
    pub act_type: String,
    pub methods: Vec<String>,
    pub start: Option<PartialDate>,
    pub end: Option<PartialDate>,
    pub place_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Involvement {
    pub id: String,
    pub incident_id: String,
    pub person_id: Option<String>,
    pub unit_id: Option<String>,
    pub role: String,
}

/// The latest sealed version of a testimony, under its root id.
#[derive(Debug, Clone)]
pub struct Testimony {
    pub root_id: String,
    pub witness_id: String,
    pub source_connection: String,
    pub reliability: String,
    pub interview_date: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Person {
    pub pseudonym: String,
    pub kind: String,
    pub unit_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Commander {
    pub unit_id: String,
    pub person_id: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub incidents: Vec<Incident>,
    /// (incident, victim)
    pub victims: Vec<(String, String)>,
    pub involvements: Vec<Involvement>,
    /// (involvement, testimony root, stance)
    pub evidence: Vec<(String, String, Stance)>,
    pub testimonies: HashMap<String, Testimony>,
    /// (testimony root, incident)
    pub testimony_incidents: Vec<(String, String)>,
    pub persons: HashMap<String, Person>,
    /// (unit, parent)
    pub units: Vec<(String, Option<String>)>,
    pub commanders: Vec<Commander>,
    /// (place, case, place type)
    pub places: Vec<(String, String, String)>,
}

fn partial(date: Option<String>, precision: &str) -> Option<PartialDate> {
    let precision = Precision::parse(precision);
    match (date, precision) {
        (_, Precision::Unknown) | (None, _) => None,
        (Some(date), precision) => Some(PartialDate { date, precision }),
    }
}

/// Loads the facts of `cases` (which the caller has already been authorised to read).
pub fn load(c: &mut DbConnection, cases: &[String]) -> Result<Facts> {
    type IncidentRow =
        (String, String, String, String, Option<String>, String, Option<String>, String, Option<String>);
    let rows: Vec<IncidentRow> = incidents::table
        .filter(incidents::case_id.eq_any(cases))
        .select((
            incidents::id,
            incidents::case_id,
            incidents::act_type,
            incidents::methods,
            incidents::start_date,
            incidents::start_precision,
            incidents::end_date,
            incidents::end_precision,
            incidents::place_id,
        ))
        .order(incidents::id)
        .load(c)?;
    let incidents = rows
        .into_iter()
        .map(|(id, case_id, act_type, methods, start, start_p, end, end_p, place_id)| Incident {
            id,
            case_id,
            act_type,
            // Written by our own code as a JSON array of codes; anything else is no methods.
            methods: serde_json::from_str(&methods).unwrap_or_default(),
            start: partial(start, &start_p),
            end: partial(end, &end_p),
            place_id,
        })
        .collect();
    let in_cases = incidents::table.filter(incidents::case_id.eq_any(cases)).select(incidents::id);
    let victims = incident_victims::table
        .filter(incident_victims::incident_id.eq_any(in_cases))
        .select((incident_victims::incident_id, incident_victims::person_id))
        .load(c)?;
    let involvements: Vec<Involvement> = involvements::table
        .inner_join(incidents::table)
        .filter(incidents::case_id.eq_any(cases))
        .select((
            involvements::id,
            involvements::incident_id,
            involvements::person_id,
            involvements::unit_id,
            involvements::role,
        ))
        .order(involvements::id)
        .load::<(String, String, Option<String>, Option<String>, String)>(c)?
        .into_iter()
        .map(|(id, incident_id, person_id, unit_id, role)| Involvement {
            id,
            incident_id,
            person_id,
            unit_id,
            role,
        })
        .collect();
    let in_cases = involvements::table
        .inner_join(incidents::table)
        .filter(incidents::case_id.eq_any(cases))
        .select(involvements::id);
    let evidence = involvement_evidence::table
        .filter(involvement_evidence::involvement_id.eq_any(in_cases))
        .select((
            involvement_evidence::involvement_id,
            involvement_evidence::testimony_root_id,
            involvement_evidence::stance,
        ))
        .load::<(String, String, String)>(c)?
        .into_iter()
        .map(|(i, t, s)| (i, t, Stance::parse(&s)))
        .collect();
    Ok(Facts {
        incidents,
        victims,
        involvements,
        evidence,
        testimonies: sealed_testimonies(c, cases)?,
        testimony_incidents: testimony_incidents::table
            .inner_join(incidents::table)
            .filter(incidents::case_id.eq_any(cases))
            .select((testimony_incidents::testimony_root_id, testimony_incidents::incident_id))
            .load(c)?,
        persons: persons::table
            .filter(persons::case_id.eq_any(cases))
            .select((persons::id, persons::pseudonym, persons::kind, persons::unit_id))
            .load::<(String, String, String, Option<String>)>(c)?
            .into_iter()
            .map(|(id, pseudonym, kind, unit_id)| (id, Person { pseudonym, kind, unit_id }))
            .collect(),
        units: units::table
            .filter(units::case_id.eq_any(cases))
            .select((units::id, units::parent_id))
            .order(units::id)
            .load(c)?,
        commanders: unit_commanders::table
            .inner_join(units::table.on(units::id.eq(unit_commanders::unit_id)))
            .filter(units::case_id.eq_any(cases))
            .select((
                unit_commanders::unit_id,
                unit_commanders::person_id,
                unit_commanders::from_date,
                unit_commanders::to_date,
            ))
            .order((unit_commanders::from_date, unit_commanders::id))
            .load::<(String, String, Option<String>, Option<String>)>(c)?
            .into_iter()
            .map(|(unit_id, person_id, from, to)| Commander { unit_id, person_id, from, to })
            .collect(),
        places: places::table
            .filter(places::case_id.eq_any(cases))
            .select((places::id, places::case_id, places::place_type))
            .order(places::id)
            .load(c)?,
    })
}

/// The latest sealed version of each testimony a view can use — one cited for an
/// involvement or linked to an incident: a correction's source connection and
/// reliability replace the first version's. Drafts are not evidence yet.
fn sealed_testimonies(c: &mut DbConnection, cases: &[String]) -> Result<HashMap<String, Testimony>> {
    let in_cases = involvements::table
        .inner_join(incidents::table)
        .filter(incidents::case_id.eq_any(cases))
        .select(involvements::id);
    let cited = involvement_evidence::table
        .filter(involvement_evidence::involvement_id.eq_any(in_cases))
        .select(involvement_evidence::testimony_root_id);
    let linked = testimony_incidents::table
        .inner_join(incidents::table)
        .filter(incidents::case_id.eq_any(cases))
        .select(testimony_incidents::testimony_root_id);
    let rows: Vec<(String, i32, String, String, String, Option<String>)> = testimonies::table
        .filter(testimonies::case_id.eq_any(cases))
        .filter(testimonies::status.eq("sealed"))
        .filter(testimonies::root_id.eq_any(cited).or(testimonies::root_id.eq_any(linked)))
        .select((
            testimonies::root_id,
            testimonies::version,
            testimonies::witness_id,
            testimonies::source_connection,
            testimonies::reliability,
            testimonies::interview_date,
        ))
        .order((testimonies::root_id, testimonies::version))
        .load(c)?;
    let mut latest = HashMap::with_capacity(rows.len());
    for (root_id, _, witness_id, source_connection, reliability, interview_date) in rows {
        // Ordered by version: the last one written wins.
        latest.insert(
            root_id.clone(),
            Testimony { root_id, witness_id, source_connection, reliability, interview_date },
        );
    }
    Ok(latest)
}
