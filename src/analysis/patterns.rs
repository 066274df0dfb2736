//! Counts that show scale and system: incidents and victims per week, facility, act type,
//! torture method and unit, and methods across facilities. Grouped in SQL where one
//! column decides the group (act type, place, day); the rest from narrow rows of ids and
//! codes. Nothing is unsealed but the names of places and units, for labels.
//!
//! The small-count rule (`withhold`): a count from 1 to `min_count - 1` is withheld, and
//! when a series would withhold exactly one cell, its smallest shown cell is withheld
//! too, so that no withheld count can be worked out from the others and a total.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::dates;
use super::model::{Cell, Matrix, Patterns, Series};
use crate::error::Result;
use crate::store::DbConnection;
use crate::store::schema::{incident_victims, incidents, involvements, persons};

/// More weeks than this are counted per month instead.
pub const MAX_WEEKS: usize = 156;
/// Series keep their largest cells, at most this many.
pub const MAX_CELLS: usize = 60;

/// An incident's id, act type, place, day if exactly dated, and methods as stored.
pub type IncidentRow = (String, String, Option<String>, Option<String>, String);

/// What the counts are made from.
#[derive(Debug, Default)]
pub struct Raw {
    /// (act type, incidents) grouped in SQL.
    pub by_act: Vec<(String, i64)>,
    /// (place, incidents) grouped in SQL.
    pub by_place: Vec<(Option<String>, i64)>,
    /// (day, incidents) of exactly dated incidents, grouped in SQL.
    pub by_day: Vec<(String, i64)>,
    pub incidents: Vec<IncidentRow>,
    /// (incident, victim)
    pub victims: Vec<(String, String)>,
    /// (incident, unit): units involved and units of persons involved.
    pub units: Vec<(String, String)>,
}

const EXACT: [&str; 2] = ["exact", "estimate"];

pub fn load(c: &mut DbConnection, cases: &[String]) -> Result<Raw> {
    let by_act = incidents::table
        .filter(incidents::case_id.eq_any(cases))
        .group_by(incidents::act_type)
        .select((incidents::act_type, count_star()))
        .load(c)?;
    let by_place = incidents::table
        .filter(incidents::case_id.eq_any(cases))
        .group_by(incidents::place_id)
        .select((incidents::place_id, count_star()))
        .load(c)?;
    let by_day: Vec<(Option<String>, i64)> = incidents::table
        .filter(incidents::case_id.eq_any(cases))
        .filter(incidents::start_precision.eq_any(EXACT))
        .group_by(incidents::start_date)
        .select((incidents::start_date, count_star()))
        .load(c)?;
    type Loaded = (String, String, Option<String>, Option<String>, String, String);
    let rows: Vec<Loaded> = incidents::table
        .filter(incidents::case_id.eq_any(cases))
        .select((
            incidents::id,
            incidents::act_type,
            incidents::place_id,
            incidents::start_date,
            incidents::start_precision,
            incidents::methods,
        ))
        .load(c)?;
    let in_cases = incidents::table.filter(incidents::case_id.eq_any(cases)).select(incidents::id);
    let victims = incident_victims::table
        .filter(incident_victims::incident_id.eq_any(in_cases))
        .select((incident_victims::incident_id, incident_victims::person_id))
        .load(c)?;
    let mut units: Vec<(String, String)> = involvements::table
        .inner_join(incidents::table)
        .filter(incidents::case_id.eq_any(cases))
        .filter(involvements::unit_id.is_not_null())
        .select((involvements::incident_id, involvements::unit_id.assume_not_null()))
        .distinct()
        .load(c)?;
    units.extend(
        involvements::table
            .inner_join(incidents::table)
            .inner_join(persons::table.on(persons::id.nullable().eq(involvements::person_id)))
            .filter(incidents::case_id.eq_any(cases))
            .filter(persons::unit_id.is_not_null())
            .select((involvements::incident_id, persons::unit_id.assume_not_null()))
            .distinct()
            .load::<(String, String)>(c)?,
    );
    Ok(Raw {
        by_act,
        by_place,
        by_day: by_day.into_iter().filter_map(|(d, n)| Some((d?, n))).collect(),
        incidents: rows
            .into_iter()
            .map(|(id, act, place, date, precision, methods)| {
                let day = date.filter(|_| EXACT.contains(&precision.as_str()));
                (id, act, place, day, methods)
            })
            .collect(),
        victims,
        units,
    })
}

/// Withholds small counts (see the module's documentation). Zero is shown.
pub fn withhold(counts: &[(String, String, u32)], min_count: u32) -> Vec<Cell> {
    let small = |n: u32| n > 0 && n < min_count;
    let mut cells: Vec<Cell> = counts
        .iter()
        .map(|(key, label, n)| Cell {
            key: key.clone(),
            label: label.clone(),
            count: (!small(*n)).then_some(*n),
        })
        .collect();
    let withheld = counts.iter().filter(|(_, _, n)| small(*n)).count();
    if withheld == 1 {
        let smallest = counts
            .iter()
            .enumerate()
            .filter(|(_, (_, _, n))| *n >= min_count && *n > 0)
            .min_by_key(|(i, (_, _, n))| (*n, *i))
            .map(|(i, _)| i);
        if let Some(i) = smallest {
            cells[i].count = None;
        }
    }
    cells
}

/// A total, withheld when small.
pub fn total(n: u32, min_count: u32) -> Option<u32> {
    (n == 0 || n >= min_count).then_some(n)
}

/// Labels of places and units by id; codes label themselves (pages translate them).
pub fn compute(raw: &Raw, names: &HashMap<String, String>, min_count: u32) -> Patterns {
    let victims_of = group(raw.victims.iter().map(|(i, p)| (i.as_str(), p.as_str())));
    let distinct_victims = |incidents: &BTreeSet<&str>| -> u32 {
        let set: BTreeSet<&str> =
            incidents.iter().flat_map(|i| victims_of.get(i).into_iter().flatten().copied()).collect();
        set.len() as u32
    };
    // Incidents per key, from which incident and victim counts are taken alike.
    let mut by: BTreeMap<&str, BTreeMap<String, BTreeSet<&str>>> = BTreeMap::new();
    let methods: HashMap<&str, Vec<String>> = raw
        .incidents
        .iter()
        .map(|(id, .., m)| (id.as_str(), serde_json::from_str(m).unwrap_or_default()))
        .collect();
    let weekly = weeks_or_months(raw);
    for (id, act, place, day, _) in &raw.incidents {
        by.entry("act_type").or_default().entry(act.clone()).or_default().insert(id);
        if let Some(p) = place {
            by.entry("facility").or_default().entry(p.clone()).or_default().insert(id);
        }
        if let Some(d) = day.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()) {
            by.entry("week").or_default().entry(weekly.key(d)).or_default().insert(id);
        }
        for m in methods.get(id.as_str()).into_iter().flatten() {
            by.entry("method").or_default().entry(m.clone()).or_default().insert(id);
        }
    }
    for (incident, unit) in &raw.units {
        by.entry("unit").or_default().entry(unit.clone()).or_default().insert(incident);
    }
    // The SQL aggregates and the rows agree by construction; the aggregates decide the
    // incident counts where they exist.
    let sql: HashMap<(&str, String), u32> = raw
        .by_act
        .iter()
        .map(|(k, n)| (("act_type", k.clone()), *n as u32))
        .chain(raw.by_place.iter().filter_map(|(k, n)| Some((("facility", k.clone()?), *n as u32))))
        .collect();
    let label = |dimension: &str, key: &str| match dimension {
        "facility" | "unit" => names.get(key).cloned().unwrap_or_else(|| key.to_owned()),
        _ => key.to_owned(),
    };
    let mut series = Vec::new();
    for dimension in ["week", "facility", "act_type", "method", "unit"] {
        let groups = by.remove(dimension).unwrap_or_default();
        let mut rows: Vec<(String, String, u32, u32)> = groups
            .iter()
            .map(|(key, ids)| {
                let n = sql.get(&(dimension, key.clone())).copied().unwrap_or(ids.len() as u32);
                (key.clone(), label(dimension, key), n, distinct_victims(ids))
            })
            .collect();
        if dimension == "week" {
            rows = weekly.fill(rows);
        } else {
            rows.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.1.cmp(&b.1)));
            rows.truncate(MAX_CELLS);
        }
        let incidents: Vec<_> = rows.iter().map(|(k, l, n, _)| (k.clone(), l.clone(), *n)).collect();
        let victims: Vec<_> = rows.iter().map(|(k, l, _, v)| (k.clone(), l.clone(), *v)).collect();
        let dimension = if dimension == "week" { weekly.dimension() } else { dimension };
        series.push(Series {
            dimension: dimension.to_owned(),
            incidents: withhold(&incidents, min_count),
            victims: withhold(&victims, min_count),
        });
    }
    let all: BTreeSet<&str> = raw.incidents.iter().map(|(id, ..)| id.as_str()).collect();
    Patterns {
        min_count,
        incidents: total(all.len() as u32, min_count),
        victims: total(distinct_victims(&all), min_count),
        series,
        method_by_facility: matrix(raw, &methods, &label, min_count),
    }
}

fn group<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> HashMap<&'a str, Vec<&'a str>> {
    let mut out: HashMap<&str, Vec<&str>> = HashMap::new();
    for (k, v) in pairs {
        out.entry(k).or_default().push(v);
    }
    out
}

/// Methods (rows) across facilities (columns): the methods used in more than one
/// facility first.
fn matrix(
    raw: &Raw,
    methods: &HashMap<&str, Vec<String>>,
    label: &dyn Fn(&str, &str) -> String,
    min_count: u32,
) -> Matrix {
    let mut counts: BTreeMap<(&str, &str), u32> = BTreeMap::new();
    for (id, _, place, ..) in &raw.incidents {
        let Some(place) = place else { continue };
        for m in methods.get(id.as_str()).into_iter().flatten() {
            *counts.entry((m.as_str(), place.as_str())).or_default() += 1;
        }
    }
    let mut rows: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    let mut columns: BTreeMap<&str, u32> = BTreeMap::new();
    for (&(m, p), &n) in &counts {
        let row = rows.entry(m).or_default();
        row.0 += 1;
        row.1 += n;
        *columns.entry(p).or_default() += n;
    }
    let mut rows: Vec<(&str, (u32, u32))> = rows.into_iter().collect();
    rows.sort_by(|a, b| (b.1).cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    rows.truncate(MAX_CELLS);
    let mut columns: Vec<(&str, u32)> = columns.into_iter().collect();
    columns.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    columns.truncate(MAX_CELLS);
    let cells = rows
        .iter()
        .map(|(m, _)| {
            let row: Vec<_> = columns
                .iter()
                .map(|(p, _)| (String::new(), String::new(), counts.get(&(*m, *p)).copied().unwrap_or(0)))
                .collect();
            withhold(&row, min_count).into_iter().map(|c| c.count).collect()
        })
        .collect();
    let cell = |dimension: &str, key: &str, n: u32| Cell {
        key: key.to_owned(),
        label: label(dimension, key),
        count: total(n, min_count),
    };
    Matrix {
        rows: rows.iter().map(|(m, (_, n))| cell("method", m, *n)).collect(),
        columns: columns.iter().map(|(p, n)| cell("facility", p, *n)).collect(),
        cells,
    }
}

/// Weeks, or months when the dated incidents span more than `MAX_WEEKS` weeks; every
/// period between the first and the last is listed, empty ones as zero.
struct Periods {
    first: Option<NaiveDate>,
    last: Option<NaiveDate>,
    monthly: bool,
}

fn weeks_or_months(raw: &Raw) -> Periods {
    let days: Vec<NaiveDate> =
        raw.by_day.iter().filter_map(|(d, _)| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).collect();
    let (first, last) = (days.iter().min().copied(), days.iter().max().copied());
    let monthly = matches!((first, last), (Some(f), Some(l)) if (l - f).num_weeks() as usize > MAX_WEEKS);
    Periods { first, last, monthly }
}

impl Periods {
    fn key(&self, d: NaiveDate) -> String {
        if self.monthly { format!("{:04}-{:02}", d.year(), d.month()) } else { dates::week_key(d) }
    }

    fn dimension(&self) -> &'static str {
        if self.monthly { "month" } else { "week" }
    }

    fn fill(&self, rows: Vec<(String, String, u32, u32)>) -> Vec<(String, String, u32, u32)> {
        let (Some(first), Some(last)) = (self.first, self.last) else { return rows };
        let mut found: HashMap<String, (String, String, u32, u32)> =
            rows.into_iter().map(|r| (r.0.clone(), r)).collect();
        let mut out = Vec::new();
        let mut day = first;
        let mut last_key = String::new();
        while day <= last {
            let key = self.key(day);
            if key != last_key {
                out.push(found.remove(&key).unwrap_or_else(|| (key.clone(), key.clone(), 0, 0)));
                last_key = key;
            }
            day = match day.checked_add_days(chrono::Days::new(7)) {
                Some(next) if !self.monthly => next,
                // Months: step a day at a time would be slow over years; jump to the next
                // month's first day.
                _ => match next_month(day) {
                    Some(next) => next,
                    None => break,
                },
            };
        }
        // A last week that starts before `last` but was stepped over.
        let key = self.key(last);
        if key != last_key {
            out.push(found.remove(&key).unwrap_or_else(|| (key.clone(), key.clone(), 0, 0)));
        }
        out
    }
}

fn next_month(d: NaiveDate) -> Option<NaiveDate> {
    let (y, m) = if d.month() == 12 { (d.year() + 1, 1) } else { (d.year(), d.month() + 1) };
    NaiveDate::from_ymd_opt(y, m, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(ns: &[u32]) -> Vec<(String, String, u32)> {
        ns.iter().enumerate().map(|(i, n)| (i.to_string(), i.to_string(), *n)).collect()
    }

    fn shown(cells: &[Cell]) -> Vec<Option<u32>> {
        cells.iter().map(|c| c.count).collect()
    }

    #[test]
    fn small_counts_are_withheld_and_zero_is_shown() {
        assert_eq!(
            shown(&withhold(&counts(&[0, 1, 2, 3, 10]), 3)),
            vec![Some(0), None, None, Some(3), Some(10)]
        );
        assert_eq!(shown(&withhold(&counts(&[1, 2]), 1)), vec![Some(1), Some(2)], "min_count 1 shows all");
    }

    #[test]
    fn one_withheld_cell_takes_the_smallest_shown_one_with_it() {
        assert_eq!(shown(&withhold(&counts(&[10, 2, 4, 7]), 3)), vec![Some(10), None, None, Some(7)]);
        assert_eq!(shown(&withhold(&counts(&[2]), 3)), vec![None], "nothing else to withhold");
    }

    #[test]
    fn totals_are_withheld_when_small() {
        assert_eq!(total(2, 3), None);
        assert_eq!((total(0, 3), total(3, 3)), (Some(0), Some(3)));
    }

    #[test]
    fn weeks_run_from_the_first_to_the_last_with_empty_ones_as_zero() {
        let raw = Raw { by_day: vec![("2020-08-10".into(), 1), ("2020-08-31".into(), 1)], ..Raw::default() };
        let p = weeks_or_months(&raw);
        let rows =
            p.fill(vec![("2020-W33".into(), "2020-W33".into(), 4, 4), ("2020-W36".into(), "x".into(), 5, 5)]);
        let keys: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(keys, ["2020-W33", "2020-W34", "2020-W35", "2020-W36"]);
        assert_eq!(rows[1].2, 0);
    }
}
