//! The chain of command below a unit, with incidents rolled up from members and sub-units
//! and attributed to commanders by their periods; and, for one person, the incidents of
//! the units they commanded during their command. Pure: from `Facts`.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::NaiveDate;

use super::dates::{self, Within};
use super::facts::Facts;
use super::model::{
    Attributed, CommandNode, CommandPeriod, CommandTree, IncidentRef, Responsibility, ResponsibilityPeriod,
};
use crate::cases::parse_uuid;
use crate::error::{Error, Result};

/// Bounds the picture (and stops a loop in malformed data).
pub const MAX_UNITS: usize = 500;
const MAX_DEPTH: u32 = 32;

/// Incidents per unit: those of the unit itself and of its members.
fn own_incidents(facts: &Facts) -> HashMap<&str, BTreeSet<&str>> {
    let mut own: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for inv in &facts.involvements {
        let unit = match (&inv.unit_id, &inv.person_id) {
            (Some(u), _) => Some(u.as_str()),
            (None, Some(p)) => facts.persons.get(p).and_then(|p| p.unit_id.as_deref()),
            (None, None) => None,
        };
        if let Some(u) = unit {
            own.entry(u).or_default().insert(inv.incident_id.as_str());
        }
    }
    own
}

fn children(facts: &Facts) -> HashMap<&str, Vec<&str>> {
    let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
    for (unit, parent) in &facts.units {
        if let Some(p) = parent {
            children.entry(p.as_str()).or_default().push(unit.as_str());
        }
    }
    children
}

/// The units below `root` and `root` itself, parent before child, with their depth.
fn below<'f>(children: &HashMap<&'f str, Vec<&'f str>>, root: &'f str) -> Vec<(&'f str, u32)> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut stack = vec![(root, 0u32)];
    while let Some((unit, depth)) = stack.pop() {
        if !seen.insert(unit) || out.len() >= MAX_UNITS || depth > MAX_DEPTH {
            continue;
        }
        out.push((unit, depth));
        for child in children.get(unit).into_iter().flatten().rev() {
            stack.push((child, depth + 1));
        }
    }
    out
}

fn day(d: &Option<String>) -> Option<NaiveDate> {
    d.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

/// Where an incident lies relative to a command period. An undated incident is only
/// possibly within a bounded period.
fn placed(
    facts_incident: Option<&super::facts::Incident>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Within {
    let span = facts_incident.and_then(|i| i.start.as_ref().map(|s| (s, i.end.as_ref())));
    match span.and_then(|(s, e)| dates::incident_span(s, e)) {
        Some(span) => dates::within(span, from, to),
        None if from.is_none() && to.is_none() => Within::Certainly,
        None => Within::Possibly,
    }
}

/// The hierarchy below `root` (a unit of `facts`).
pub fn tree(facts: &Facts, root: &str, names: &HashMap<String, String>) -> Result<CommandTree> {
    let known: HashMap<&str, Option<&str>> =
        facts.units.iter().map(|(u, p)| (u.as_str(), p.as_deref())).collect();
    let parent_of_root = known.get(root).ok_or(Error::NotFound)?;
    let children = children(facts);
    let own = own_incidents(facts);
    let incidents: HashMap<&str, &super::facts::Incident> =
        facts.incidents.iter().map(|i| (i.id.as_str(), i)).collect();
    let order = below(&children, root);
    let mut nodes = Vec::with_capacity(order.len());
    for &(unit, depth) in &order {
        let subtree: BTreeSet<&str> = below(&children, unit)
            .iter()
            .flat_map(|(u, _)| own.get(u).into_iter().flatten().copied())
            .collect();
        let mut commanders = Vec::new();
        for cmd in facts.commanders.iter().filter(|c| c.unit_id == unit) {
            let (from, to) = (day(&cmd.from), day(&cmd.to));
            let (mut certain, mut possibly) = (Vec::new(), Vec::new());
            for incident in &subtree {
                match placed(incidents.get(incident).copied(), from, to) {
                    Within::Certainly => certain.push(parse_uuid(incident)?),
                    Within::Possibly => possibly.push(parse_uuid(incident)?),
                    Within::Not => {}
                }
            }
            commanders.push(CommandPeriod {
                person_id: parse_uuid(&cmd.person_id)?,
                pseudonym: facts.persons.get(&cmd.person_id).map(|p| p.pseudonym.clone()).unwrap_or_default(),
                from,
                to,
                incidents: certain,
                possibly,
            });
        }
        let parent_id = if depth == 0 { None } else { known.get(unit).copied().flatten() };
        nodes.push(CommandNode {
            unit_id: parse_uuid(unit)?,
            name: names.get(unit).cloned().unwrap_or_default(),
            parent_id: parent_id.map(parse_uuid).transpose()?,
            depth,
            commanders,
            own_incidents: own
                .get(unit)
                .into_iter()
                .flatten()
                .map(|i| parse_uuid(i))
                .collect::<Result<_>>()?,
            rolled_up: subtree.len() as u32,
        });
    }
    let cut = match parent_of_root {
        Some(parent) if !known.contains_key(parent) => vec![parse_uuid(root)?],
        _ => Vec::new(),
    };
    let named: BTreeSet<&str> =
        order.iter().flat_map(|(u, _)| own.get(u).into_iter().flatten().copied()).collect();
    let mut refs = named
        .into_iter()
        .filter_map(|id| incidents.get(id))
        .map(|i| {
            Ok(IncidentRef {
                incident_id: parse_uuid(&i.id)?,
                act_type: i.act_type.clone(),
                date: i.start.clone(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let first_day = |r: &IncidentRef| r.date.as_ref().and_then(dates::span).map(|s| s.first);
    refs.sort_by_key(|r| (first_day(r).is_none(), first_day(r), r.incident_id));
    Ok(CommandTree { root: parse_uuid(root)?, nodes, incidents: refs, cut })
}

/// Every period in which `person` commanded a unit, with the incidents of that unit and
/// the units below it during the period.
pub fn responsibility(
    facts: &Facts,
    person: &str,
    pseudonym: String,
    names: &HashMap<String, String>,
) -> Result<Responsibility> {
    let children = children(facts);
    let own = own_incidents(facts);
    let incidents: HashMap<&str, &super::facts::Incident> =
        facts.incidents.iter().map(|i| (i.id.as_str(), i)).collect();
    let mut periods = Vec::new();
    for cmd in facts.commanders.iter().filter(|c| c.person_id == person) {
        let (from, to) = (day(&cmd.from), day(&cmd.to));
        let mut attributed = Vec::new();
        let mut seen = HashSet::new();
        for (unit, _) in below(&children, &cmd.unit_id) {
            for incident in own.get(unit).into_iter().flatten() {
                let found = incidents.get(incident).copied();
                let certain = match placed(found, from, to) {
                    Within::Certainly => true,
                    Within::Possibly => false,
                    Within::Not => continue,
                };
                if !seen.insert(*incident) {
                    continue;
                }
                attributed.push(Attributed {
                    incident_id: parse_uuid(incident)?,
                    act_type: found.map(|i| i.act_type.clone()).unwrap_or_default(),
                    incident_date: found.and_then(|i| i.start.clone()),
                    unit_id: parse_uuid(unit)?,
                    unit_name: names.get(unit).cloned().unwrap_or_default(),
                    certain,
                });
            }
        }
        periods.push(ResponsibilityPeriod {
            unit_id: parse_uuid(&cmd.unit_id)?,
            unit_name: names.get(&cmd.unit_id).cloned().unwrap_or_default(),
            from,
            to,
            incidents: attributed,
        });
    }
    Ok(Responsibility { person_id: parse_uuid(person)?, pseudonym, periods })
}
