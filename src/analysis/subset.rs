//! The views over part of a case: what an evidence bundle holds once consent and its
//! selection have been applied (`export::annex` draws them). The case's facts are
//! loaded as for any view, then cut down to the records the caller names, so a
//! testimony left out is no source, and a person, unit or place of no kept record does
//! not appear; every name shown passes through the caller's `redact` first.

use std::collections::{BTreeSet, HashMap};

use super::corroboration::{self, Order};
use super::facts::{self, Facts};
use super::model::{CommandTree, Corroboration, LaneBy, Patterns, PlaceMap, Timeline};
use super::names::{self, PlaceName};
use super::patterns::{self, Raw};
use super::timeline::{self, Period};
use super::{command, places};
use crate::crypto::Keyring;
use crate::error::Result;
use crate::store::DbConnection;

/// The records kept, by id: everything else of the case is left out.
#[derive(Debug, Default)]
pub struct Subset {
    pub incidents: BTreeSet<String>,
    /// Testimony root ids.
    pub testimonies: BTreeSet<String>,
    pub units: BTreeSet<String>,
    /// Persons kept besides those the kept records name (witnesses of kept testimonies,
    /// victims of kept incidents, persons involved, commanders of kept units).
    pub persons: BTreeSet<String>,
}

/// Every view of a subset.
#[derive(Debug)]
pub struct Views {
    pub corroboration: Corroboration,
    /// A strip per place.
    pub timeline: Timeline,
    pub patterns: Patterns,
    /// One tree per kept unit with no kept parent.
    pub commands: Vec<CommandTree>,
    pub map: PlaceMap,
}

/// The views of `subset` of `case`. `redact` is applied to every unit and place name;
/// `unplaced` labels the timeline's strip of incidents with no place.
pub fn views(
    c: &mut DbConnection,
    keyring: &Keyring,
    case: &str,
    subset: &Subset,
    (redact, unplaced): (&dyn Fn(&str) -> String, &str),
    min_count: u32,
) -> Result<Views> {
    let cases = [case.to_owned()];
    let facts = restrict(facts::load(c, &cases)?, subset);
    let units: HashMap<String, String> = names::units(c, keyring, &cases)?
        .into_iter()
        .filter(|(id, _)| facts.units.iter().any(|(u, _)| u == id))
        .map(|(id, name)| (id, redact(&name)))
        .collect();
    let located: HashMap<String, PlaceName> = names::places(c, keyring, &cases)?
        .into_iter()
        .filter(|(id, _)| facts.places.iter().any(|(p, ..)| p == id))
        .map(|(id, p)| (id, PlaceName { name: redact(&p.name), at: p.at }))
        .collect();
    let place_names: HashMap<String, String> =
        located.iter().map(|(id, p)| (id.clone(), p.name.clone())).collect();
    let links = corroboration::links(&facts, &units, |_| true, Order::Strongest)?;
    let kept: BTreeSet<&str> = facts.units.iter().map(|(u, _)| u.as_str()).collect();
    let mut commands = Vec::new();
    for (unit, parent) in &facts.units {
        if parent.as_deref().is_none_or(|p| !kept.contains(p)) {
            commands.push(command::tree(&facts, unit, &units)?);
        }
    }
    let mut labels = units.clone();
    labels.extend(place_names.clone());
    Ok(Views {
        corroboration: corroboration::table(links, None),
        timeline: timeline::timeline(
            &facts,
            |_| true,
            LaneBy::Place,
            Period::default(),
            &place_names,
            unplaced,
        )?,
        patterns: patterns::compute(&raw(&facts), &labels, min_count),
        commands,
        map: places::map(&facts, &located, |_| true)?,
    })
}

/// `facts` cut down to `keep`: only what the kept records hold or name.
fn restrict(f: Facts, keep: &Subset) -> Facts {
    let incidents: Vec<_> = f.incidents.into_iter().filter(|i| keep.incidents.contains(&i.id)).collect();
    let victims: Vec<_> = f.victims.into_iter().filter(|(i, _)| keep.incidents.contains(i)).collect();
    let involvements: Vec<_> =
        f.involvements.into_iter().filter(|i| keep.incidents.contains(&i.incident_id)).collect();
    let involvement_ids: BTreeSet<&str> = involvements.iter().map(|i| i.id.as_str()).collect();
    let evidence = f
        .evidence
        .into_iter()
        .filter(|(i, root, _)| involvement_ids.contains(i.as_str()) && keep.testimonies.contains(root))
        .collect();
    let testimonies: HashMap<_, _> =
        f.testimonies.into_iter().filter(|(root, _)| keep.testimonies.contains(root)).collect();
    let testimony_incidents = f
        .testimony_incidents
        .into_iter()
        .filter(|(root, i)| keep.testimonies.contains(root) && keep.incidents.contains(i))
        .collect();
    let units: Vec<_> = f.units.into_iter().filter(|(u, _)| keep.units.contains(u)).collect();
    let commanders: Vec<_> = f.commanders.into_iter().filter(|c| keep.units.contains(&c.unit_id)).collect();
    let place_ids: BTreeSet<&str> = incidents.iter().filter_map(|i| i.place_id.as_deref()).collect();
    let places = f.places.into_iter().filter(|(p, ..)| place_ids.contains(p.as_str())).collect();
    let mut named: BTreeSet<&str> = keep.persons.iter().map(String::as_str).collect();
    named.extend(victims.iter().map(|(_, p)| p.as_str()));
    named.extend(testimonies.values().map(|t| t.witness_id.as_str()));
    named.extend(involvements.iter().filter_map(|i| i.person_id.as_deref()));
    named.extend(commanders.iter().map(|c| c.person_id.as_str()));
    let unit_ids: BTreeSet<&str> = units.iter().map(|(u, _)| u.as_str()).collect();
    let persons = f
        .persons
        .into_iter()
        .filter(|(id, _)| named.contains(id.as_str()))
        .map(|(id, mut p)| {
            // A membership of a unit the bundle leaves out says nothing the bundle holds.
            p.unit_id = p.unit_id.filter(|u| unit_ids.contains(u.as_str()));
            (id, p)
        })
        .collect();
    Facts {
        incidents,
        victims,
        involvements,
        evidence,
        testimonies,
        testimony_incidents,
        persons,
        units,
        commanders,
        places,
    }
}

/// The pattern counts' input made from `facts` rather than by SQL over whole cases.
fn raw(f: &Facts) -> Raw {
    let exact = |d: &Option<super::model::PartialDate>| {
        d.as_ref()
            .filter(|d| {
                matches!(
                    d.precision,
                    crate::cases::validate::Precision::Exact | crate::cases::validate::Precision::Estimate
                )
            })
            .map(|d| d.date.clone())
    };
    let mut by_day: HashMap<String, i64> = HashMap::new();
    for i in &f.incidents {
        if let Some(d) = exact(&i.start) {
            *by_day.entry(d).or_default() += 1;
        }
    }
    let mut units = BTreeSet::new();
    for inv in &f.involvements {
        if let Some(u) = &inv.unit_id {
            units.insert((inv.incident_id.clone(), u.clone()));
        }
        let member_of = inv.person_id.as_ref().and_then(|p| f.persons.get(p)).and_then(|p| p.unit_id.clone());
        if let Some(u) = member_of {
            units.insert((inv.incident_id.clone(), u));
        }
    }
    Raw {
        by_day: by_day.into_iter().collect(),
        incidents: f
            .incidents
            .iter()
            .map(|i| {
                let methods = serde_json::to_string(&i.methods).unwrap_or_else(|_| "[]".into());
                (i.id.clone(), i.act_type.clone(), i.place_id.clone(), exact(&i.start), methods)
            })
            .collect(),
        victims: f.victims.clone(),
        units: units.into_iter().collect(),
        ..Raw::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::facts::{Incident, Involvement, Person, Testimony};
    use crate::analysis::model::Stance;

    fn person(pseudonym: &str, unit: Option<&str>) -> Person {
        Person { pseudonym: pseudonym.into(), kind: "witness".into(), unit_id: unit.map(Into::into) }
    }

    fn testimony(root: &str, witness: &str) -> (String, Testimony) {
        let t = Testimony {
            root_id: root.into(),
            witness_id: witness.into(),
            source_connection: "eyewitness".into(),
            reliability: "high".into(),
            interview_date: None,
        };
        (root.into(), t)
    }

    #[test]
    fn what_is_left_out_is_no_source_and_names_no_one() {
        let incident = |id: &str, place: &str| Incident {
            id: id.into(),
            case_id: "c".into(),
            act_type: "torture".into(),
            methods: vec![],
            start: None,
            end: None,
            place_id: Some(place.into()),
        };
        let involvement = |id: &str, incident: &str| Involvement {
            id: id.into(),
            incident_id: incident.into(),
            person_id: Some("perp".into()),
            unit_id: None,
            role: "carried_out".into(),
        };
        let facts = Facts {
            incidents: vec![incident("i1", "p1"), incident("i2", "p2")],
            victims: vec![("i1".into(), "v".into()), ("i2".into(), "v2".into())],
            involvements: vec![involvement("inv1", "i1"), involvement("inv2", "i2")],
            evidence: vec![
                ("inv1".into(), "t1".into(), Stance::Supports),
                ("inv1".into(), "t2".into(), Stance::Supports),
                ("inv2".into(), "t1".into(), Stance::Supports),
            ],
            testimonies: [testimony("t1", "w1"), testimony("t2", "w2")].into_iter().collect(),
            testimony_incidents: vec![("t1".into(), "i1".into()), ("t2".into(), "i1".into())],
            persons: [
                ("perp", person("P-1", Some("u2"))),
                ("v", person("V-1", None)),
                ("v2", person("V-2", None)),
                ("w1", person("W-1", None)),
                ("w2", person("W-2", None)),
            ]
            .into_iter()
            .map(|(id, p)| (id.to_owned(), p))
            .collect(),
            units: vec![("u1".into(), None), ("u2".into(), Some("u1".into()))],
            commanders: vec![],
            places: vec![
                ("p1".into(), "c".into(), "prison".into()),
                ("p2".into(), "c".into(), "prison".into()),
            ],
        };
        let keep = Subset {
            incidents: ["i1".to_owned()].into(),
            testimonies: ["t1".to_owned()].into(),
            units: ["u1".to_owned()].into(),
            persons: ["perp".to_owned()].into(),
        };
        let f = restrict(facts, &keep);
        assert_eq!(f.evidence.len(), 1, "t2 is left out and inv2 is of a left-out incident");
        assert_eq!(f.evidence[0].1, "t1");
        let mut persons: Vec<&str> = f.persons.keys().map(String::as_str).collect();
        persons.sort();
        assert_eq!(persons, ["perp", "v", "w1"], "no witness or victim of what is left out");
        assert_eq!(f.persons["perp"].unit_id, None, "a membership of a left-out unit");
        assert_eq!(f.places.len(), 1);
        assert_eq!(f.testimony_incidents, vec![("t1".to_owned(), "i1".to_owned())]);
        let r = raw(&f);
        assert_eq!((r.incidents.len(), r.victims.len(), r.units.len()), (1, 1, 0));
    }
}
