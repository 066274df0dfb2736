//! Incidents over time, a strip per facility or unit, with the testimonies taken as
//! marks. Partial dates become the spans they can mean (`dates`). Pure: from `Facts`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::NaiveDate;

use super::dates;
use super::facts::{Facts, Incident};
use super::model::{Bar, Lane, LaneBy, Mark, Timeline};
use crate::cases::parse_uuid;
use crate::error::Result;

/// Acts drawn as detentions: bands rather than events.
pub const DETENTIONS: &[&str] =
    &["arbitrary_arrest", "arbitrary_detention", "incommunicado_detention", "enforced_disappearance"];

/// The period asked for; either end may be open.
#[derive(Debug, Clone, Copy, Default)]
pub struct Period {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// The timeline of the incidents `keep` selects, within `period`. `names` label the
/// lanes (places or units by id); `unplaced` labels the lane of incidents with none.
pub fn timeline(
    facts: &Facts,
    keep: impl Fn(&Incident) -> bool,
    lane_by: LaneBy,
    period: Period,
    names: &HashMap<String, String>,
    unplaced: &str,
) -> Result<Timeline> {
    let units_of = units_of(facts);
    let mut lanes: BTreeMap<Option<&str>, Vec<Bar>> = BTreeMap::new();
    let (mut undated, mut shown) = (0u32, HashSet::new());
    let (mut first, mut last): (Option<NaiveDate>, Option<NaiveDate>) = (None, None);
    for incident in facts.incidents.iter().filter(|i| keep(i)) {
        let dated =
            incident.start.as_ref().and_then(|s| Some((s, dates::incident_span(s, incident.end.as_ref())?)));
        let Some((start, span)) = dated else {
            undated += 1;
            continue;
        };
        if period.from.is_some_and(|f| span.last < f) || period.to.is_some_and(|t| span.first > t) {
            continue;
        }
        first = Some(first.map_or(span.first, |f| f.min(span.first)));
        last = Some(last.map_or(span.last, |l| l.max(span.last)));
        shown.insert(incident.id.as_str());
        let bar = Bar {
            incident_id: parse_uuid(&incident.id)?,
            act_type: incident.act_type.clone(),
            start: start.clone(),
            end: incident.end.clone(),
            span,
            detention: DETENTIONS.contains(&incident.act_type.as_str()),
        };
        let keys: Vec<Option<&str>> = match lane_by {
            LaneBy::Place => vec![incident.place_id.as_deref()],
            LaneBy::Unit => match units_of.get(incident.id.as_str()) {
                Some(units) => units.iter().map(|u| Some(*u)).collect(),
                None => vec![None],
            },
        };
        for key in keys {
            lanes.entry(key).or_default().push(bar.clone());
        }
    }
    let mut lanes: Vec<Lane> = lanes
        .into_iter()
        .map(|(id, mut bars)| {
            bars.sort_by_key(|b| (b.span.first, b.incident_id));
            Ok(Lane {
                id: id.map(parse_uuid).transpose()?,
                label: id.and_then(|i| names.get(i).cloned()).unwrap_or_else(|| unplaced.to_owned()),
                bars,
            })
        })
        .collect::<Result<_>>()?;
    // Named lanes in name order; the lane of the unplaced last.
    lanes.sort_by(|a, b| (a.id.is_none(), &a.label).cmp(&(b.id.is_none(), &b.label)));
    // Testimonies are often taken after the events: an open period runs on to them.
    let marks = marks(facts, &shown, period.from, period.to)?;
    let from = period.from.or(first.into_iter().chain(marks.first().map(|m| m.date)).min());
    let to = period.to.or(last.into_iter().chain(marks.last().map(|m| m.date)).max());
    Ok(Timeline { from, to, lane_by, lanes, marks, undated })
}

/// The units an incident is attributed to: units involved, and the units of persons
/// involved.
fn units_of(facts: &Facts) -> HashMap<&str, BTreeSet<&str>> {
    let mut out: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for inv in &facts.involvements {
        let unit = inv.unit_id.as_deref().or_else(|| {
            inv.person_id.as_ref().and_then(|p| facts.persons.get(p)).and_then(|p| p.unit_id.as_deref())
        });
        if let Some(u) = unit {
            out.entry(inv.incident_id.as_str()).or_default().insert(u);
        }
    }
    out
}

/// Testimonies about the incidents shown, on their interview dates within the period.
fn marks(
    facts: &Facts,
    shown: &HashSet<&str>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Vec<Mark>> {
    let mut about: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (root, incident) in &facts.testimony_incidents {
        if shown.contains(incident.as_str()) {
            about.entry(root.as_str()).or_default().push(incident.as_str());
        }
    }
    let mut marks = Vec::new();
    for (root, incidents) in about {
        let Some(t) = facts.testimonies.get(root) else { continue };
        let Some(date) =
            t.interview_date.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        else {
            continue;
        };
        if from.is_some_and(|f| date < f) || to.is_some_and(|t| date > t) {
            continue;
        }
        let mut incidents: Vec<_> = incidents.into_iter().map(parse_uuid).collect::<Result<_>>()?;
        incidents.sort();
        marks.push(Mark { testimony_id: parse_uuid(root)?, date, incidents });
    }
    marks.sort_by_key(|m| (m.date, m.testimony_id));
    Ok(marks)
}
