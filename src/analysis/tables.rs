//! The views as CSV, for a spreadsheet or a statistician: the corroboration table, the
//! pattern counts, and the timeline's incidents. Cells that a spreadsheet program could
//! take for a formula are guarded as the records export guards them.

use crate::error::{Error, Result};
use crate::import::sheet_out::guard;

use super::model::{Cell, Corroboration, Patterns, Subject, Timeline};

fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new().from_writer(Vec::new())
}

fn finish(w: csv::Writer<Vec<u8>>) -> Result<Vec<u8>> {
    w.into_inner().map_err(|e| Error::internal(e.to_string()))
}

fn row<I, S>(w: &mut csv::Writer<Vec<u8>>, cells: I) -> Result<()>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let guarded: Vec<String> = cells.into_iter().map(|c| guard(c.as_ref()).into_owned()).collect();
    w.write_record(&guarded).map_err(Error::internal)
}

/// One row per link: what, who, how well supported, and by which testimonies.
pub fn corroboration(c: &Corroboration) -> Result<Vec<u8>> {
    let mut w = writer();
    row(
        &mut w,
        [
            "involvement_id",
            "incident_id",
            "act_type",
            "incident_date",
            "date_precision",
            "subject_kind",
            "subject_id",
            "subject",
            "role",
            "strength",
            "independent_sources",
            "first_hand",
            "second_hand",
            "contradicting",
            "supporting_testimonies",
            "contradicting_testimonies",
        ],
    )?;
    for l in &c.links {
        let (kind, id, name) = match &l.subject {
            Subject::Person { id, pseudonym } => ("person", id, pseudonym),
            Subject::Unit { id, name } => ("unit", id, name),
        };
        let cited = |stance| {
            l.sources
                .iter()
                .filter(|s| s.stance == stance)
                .map(|s| s.testimony_id.to_string())
                .collect::<Vec<_>>()
        };
        row(
            &mut w,
            [
                l.involvement_id.to_string(),
                l.incident_id.to_string(),
                l.act_type.clone(),
                l.incident_date.as_ref().map(|d| d.date.clone()).unwrap_or_default(),
                l.incident_date.as_ref().map(|d| d.precision.as_str().to_owned()).unwrap_or_default(),
                kind.to_owned(),
                id.to_string(),
                name.clone(),
                l.role.clone(),
                l.strength.as_str().to_owned(),
                l.independent.to_string(),
                l.first_hand.to_string(),
                l.second_hand.to_string(),
                l.contradicting.to_string(),
                cited(super::model::Stance::Supports).join(" "),
                cited(super::model::Stance::Contradicts).join(" "),
            ],
        )?;
    }
    finish(w)
}

fn count(c: &Cell) -> String {
    c.count.map(|n| n.to_string()).unwrap_or_default()
}

/// One row per cell of every series, then the method × facility cells. A withheld count
/// is empty, with `withheld` set.
pub fn patterns(p: &Patterns) -> Result<Vec<u8>> {
    let mut w = writer();
    row(&mut w, ["dimension", "key", "label", "incidents", "victims", "withheld"])?;
    let withheld = |cells: &[&Cell]| cells.iter().any(|c| c.count.is_none()).to_string();
    for s in &p.series {
        for (i, v) in s.incidents.iter().zip(&s.victims) {
            row(
                &mut w,
                [s.dimension.clone(), i.key.clone(), i.label.clone(), count(i), count(v), withheld(&[i, v])],
            )?;
        }
    }
    let m = &p.method_by_facility;
    for (r, cells) in m.rows.iter().zip(&m.cells) {
        for (col, n) in m.columns.iter().zip(cells) {
            let key = format!("{} @ {}", r.key, col.key);
            let label = format!("{} @ {}", r.label, col.label);
            let n = n.map(|n| n.to_string()).unwrap_or_default();
            let withheld = n.is_empty().to_string();
            row(&mut w, ["method_by_facility".to_owned(), key, label, n, String::new(), withheld])?;
        }
    }
    finish(w)
}

/// One row per incident on each lane.
pub fn timeline(t: &Timeline) -> Result<Vec<u8>> {
    let mut w = writer();
    row(
        &mut w,
        [
            "lane_id",
            "lane",
            "incident_id",
            "act_type",
            "start",
            "start_precision",
            "end",
            "first_day",
            "last_day",
        ],
    )?;
    for lane in &t.lanes {
        for b in &lane.bars {
            row(
                &mut w,
                [
                    lane.id.map(|i| i.to_string()).unwrap_or_default(),
                    lane.label.clone(),
                    b.incident_id.to_string(),
                    b.act_type.clone(),
                    b.start.date.clone(),
                    b.start.precision.as_str().to_owned(),
                    b.end.as_ref().map(|e| e.date.clone()).unwrap_or_default(),
                    b.span.first.to_string(),
                    b.span.last.to_string(),
                ],
            )?;
        }
    }
    finish(w)
}
