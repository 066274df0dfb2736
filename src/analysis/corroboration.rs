//! How well each involvement is supported: its sealed testimonies, counted as
//! independent sources by the rule below, and its strength. Pure: from `Facts`.
//!
//! The rule (`docs/analysis.md` says it for readers):
//! - a source is a witness, not a testimony: two accounts by one witness are one source;
//! - a witness who was the victim or saw it (`victim`, `eyewitness`) is first-hand; any
//!   other connection (a relative, a lawyer, a doctor, an unknown one) is second-hand:
//!   they know who did it because someone told them, most likely the victim;
//! - second-hand sources together count as at most one independent source, and as none
//!   when a victim of the incident gave a first-hand account of the same link, since they
//!   most likely repeat it;
//! - accounts an investigator marked as contradicting the link are counted apart and
//!   never as support.

use std::collections::{BTreeSet, HashMap, HashSet};

use uuid::Uuid;

use super::facts::{Facts, Involvement};
use super::model::{Corroboration, Link, Source, Stance, Strength, StrengthCount, Subject};
use crate::cases::parse_uuid;
use crate::error::Result;

/// Connections of a witness who suffered or saw the act.
pub const FIRST_HAND: &[&str] = &["victim", "eyewitness"];

/// The counts of one link's sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub independent: u32,
    pub first_hand: u32,
    pub second_hand: u32,
    pub contradicting: u32,
}

impl Counts {
    pub fn strength(self) -> Strength {
        if self.contradicting > 0 {
            Strength::Contradicted
        } else if self.independent >= 2 {
            Strength::Corroborated
        } else if self.first_hand >= 1 {
            Strength::SingleSource
        } else if self.second_hand >= 1 {
            Strength::HearsayOnly
        } else {
            Strength::Unsupported
        }
    }
}

/// Counts `sources` by the rule above; `victims` are the incident's victims.
pub fn count(sources: &[Source], victims: &HashSet<Uuid>) -> Counts {
    let supporting = || sources.iter().filter(|s| s.stance == Stance::Supports);
    let first: BTreeSet<Uuid> = supporting().filter(|s| s.first_hand).map(|s| s.witness_id).collect();
    let second: BTreeSet<Uuid> = supporting()
        .filter(|s| !s.first_hand && !first.contains(&s.witness_id))
        .map(|s| s.witness_id)
        .collect();
    let victim_spoke = first.iter().any(|w| victims.contains(w))
        || supporting().any(|s| s.first_hand && s.source_connection == "victim");
    let contradicting: BTreeSet<Uuid> =
        sources.iter().filter(|s| s.stance == Stance::Contradicts).map(|s| s.witness_id).collect();
    let hearsay = u32::from(!second.is_empty() && !victim_spoke);
    Counts {
        independent: first.len() as u32 + hearsay,
        first_hand: first.len() as u32,
        second_hand: second.len() as u32,
        contradicting: contradicting.len() as u32,
    }
}

/// How the table is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// Strongest first, then most independent sources.
    #[default]
    Strongest,
    /// Weakest first: what needs another witness.
    Weakest,
    /// By incident date, undated last.
    Date,
}

/// The links of the involvements `keep` selects, sorted.
pub fn links(
    facts: &Facts,
    unit_names: &HashMap<String, String>,
    keep: impl Fn(&Involvement) -> bool,
    order: Order,
) -> Result<Vec<Link>> {
    let incidents: HashMap<&str, &super::facts::Incident> =
        facts.incidents.iter().map(|i| (i.id.as_str(), i)).collect();
    let mut victims: HashMap<&str, HashSet<Uuid>> = HashMap::new();
    for (incident, person) in &facts.victims {
        victims.entry(incident.as_str()).or_default().insert(parse_uuid(person)?);
    }
    let mut cited: HashMap<&str, Vec<(&str, Stance)>> = HashMap::new();
    for (involvement, root, stance) in &facts.evidence {
        cited.entry(involvement.as_str()).or_default().push((root.as_str(), *stance));
    }
    let none = HashSet::new();
    let mut out = Vec::new();
    for inv in facts.involvements.iter().filter(|i| keep(i)) {
        let Some(incident) = incidents.get(inv.incident_id.as_str()) else { continue };
        let mut sources = Vec::new();
        for (root, stance) in cited.get(inv.id.as_str()).into_iter().flatten() {
            let Some(t) = facts.testimonies.get(*root) else { continue };
            let pseudonym = facts.persons.get(&t.witness_id).map(|p| p.pseudonym.clone()).unwrap_or_default();
            sources.push(Source {
                testimony_id: parse_uuid(root)?,
                witness_id: parse_uuid(&t.witness_id)?,
                witness_pseudonym: pseudonym,
                source_connection: t.source_connection.clone(),
                reliability: t.reliability.clone(),
                first_hand: FIRST_HAND.contains(&t.source_connection.as_str()),
                stance: *stance,
            });
        }
        sources.sort_by(|a, b| {
            (a.stance as u8, &a.witness_pseudonym).cmp(&(b.stance as u8, &b.witness_pseudonym))
        });
        let counts = count(&sources, victims.get(inv.incident_id.as_str()).unwrap_or(&none));
        let subject = match (&inv.person_id, &inv.unit_id) {
            (Some(p), _) => Subject::Person {
                id: parse_uuid(p)?,
                pseudonym: facts.persons.get(p).map(|p| p.pseudonym.clone()).unwrap_or_default(),
            },
            (None, Some(u)) => {
                Subject::Unit { id: parse_uuid(u)?, name: unit_names.get(u).cloned().unwrap_or_default() }
            }
            (None, None) => continue,
        };
        out.push(Link {
            involvement_id: parse_uuid(&inv.id)?,
            case_id: parse_uuid(&incident.case_id)?,
            incident_id: parse_uuid(&incident.id)?,
            act_type: incident.act_type.clone(),
            incident_date: incident.start.clone(),
            subject,
            role: inv.role.clone(),
            sources,
            independent: counts.independent,
            first_hand: counts.first_hand,
            second_hand: counts.second_hand,
            contradicting: counts.contradicting,
            strength: counts.strength(),
        });
    }
    sort(&mut out, order);
    Ok(out)
}

fn sort(links: &mut [Link], order: Order) {
    let date = |l: &Link| l.incident_date.as_ref().and_then(super::dates::span).map(|s| s.first);
    match order {
        Order::Strongest => links.sort_by(|a, b| {
            (a.strength, std::cmp::Reverse(a.independent), a.involvement_id).cmp(&(
                b.strength,
                std::cmp::Reverse(b.independent),
                b.involvement_id,
            ))
        }),
        Order::Weakest => links.sort_by(|a, b| {
            (std::cmp::Reverse(a.strength), a.independent, a.involvement_id).cmp(&(
                std::cmp::Reverse(b.strength),
                b.independent,
                b.involvement_id,
            ))
        }),
        // `None` sorts first in Option's order; undated links go last.
        Order::Date => links.sort_by_key(|l| (date(l).is_none(), date(l), l.involvement_id)),
    }
}

/// The table: `links` (already selected and sorted), kept to `strength` when given, with
/// the totals per strength of them all.
pub fn table(links: Vec<Link>, strength: Option<Strength>) -> Corroboration {
    let totals = Strength::ALL
        .iter()
        .map(|&s| StrengthCount {
            strength: s,
            links: links.iter().filter(|l| l.strength == s).count() as u32,
        })
        .collect();
    let links = links.into_iter().filter(|l| strength.is_none_or(|s| l.strength == s)).collect();
    Corroboration { links, totals }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(witness: u128, connection: &str, stance: Stance) -> Source {
        Source {
            testimony_id: Uuid::from_u128(1000 + witness),
            witness_id: Uuid::from_u128(witness),
            witness_pseudonym: format!("W-{witness}"),
            source_connection: connection.into(),
            reliability: "high".into(),
            first_hand: FIRST_HAND.contains(&connection),
            stance,
        }
    }

    fn victims(ids: &[u128]) -> HashSet<Uuid> {
        ids.iter().map(|&i| Uuid::from_u128(i)).collect()
    }

    #[test]
    fn two_witnesses_are_two_sources_and_two_accounts_by_one_are_one() {
        let two = [source(1, "victim", Stance::Supports), source(2, "eyewitness", Stance::Supports)];
        let c = count(&two, &victims(&[1]));
        assert_eq!((c.independent, c.strength()), (2, Strength::Corroborated));
        let mut again = source(1, "victim", Stance::Supports);
        again.testimony_id = Uuid::from_u128(5000);
        let one = [source(1, "victim", Stance::Supports), again];
        assert_eq!(count(&one, &victims(&[1])).independent, 1);
        assert_eq!(count(&one, &victims(&[1])).strength(), Strength::SingleSource);
    }

    #[test]
    fn a_relative_repeating_the_victim_adds_nothing() {
        let both = [source(1, "victim", Stance::Supports), source(2, "relative", Stance::Supports)];
        let c = count(&both, &victims(&[1]));
        assert_eq!((c.independent, c.first_hand, c.second_hand), (1, 1, 1));
        assert_eq!(c.strength(), Strength::SingleSource);
    }

    #[test]
    fn second_hand_sources_without_the_victim_count_once_together() {
        let hearsay = [source(2, "relative", Stance::Supports), source(3, "lawyer", Stance::Supports)];
        let c = count(&hearsay, &victims(&[1]));
        assert_eq!((c.independent, c.second_hand, c.strength()), (1, 2, Strength::HearsayOnly));
        let with_eyewitness =
            [source(2, "relative", Stance::Supports), source(4, "eyewitness", Stance::Supports)];
        let c = count(&with_eyewitness, &victims(&[1]));
        assert_eq!((c.independent, c.strength()), (2, Strength::Corroborated), "the victim did not speak");
    }

    #[test]
    fn contradicting_accounts_are_counted_apart() {
        let s = [
            source(1, "victim", Stance::Supports),
            source(2, "eyewitness", Stance::Supports),
            source(3, "eyewitness", Stance::Contradicts),
        ];
        let c = count(&s, &victims(&[1]));
        assert_eq!((c.independent, c.contradicting, c.strength()), (2, 1, Strength::Contradicted));
        assert_eq!(count(&[], &victims(&[])).strength(), Strength::Unsupported);
    }
}
