//! Walking a file's records: every sheet a mapping reads, row by row, each row through
//! each record spec of its sheet — the one pass that planning and each phase of apply
//! repeat, so both see exactly the same items.

use std::ops::ControlFlow;

use super::convert::{self, Item, Terms};
use super::fields::Kind;
use super::issue::Issue;
use super::mapping::Checked;
use super::source::Workbook;

/// What the walk hands over: a record read from a row, or what was wrong with it (and
/// as much of the record as could be read).
pub enum Found {
    Item(Item),
    Issues(Vec<Issue>),
    Flawed(Item, Vec<Issue>),
}

/// Calls `f` with every record of the given kinds, in sheet and row order. A sheet read
/// by several specs is read once. `f` may stop the walk.
pub fn walk(
    book: &Workbook,
    checked: &Checked,
    terms: &Terms,
    kinds: &[Kind],
    mut f: impl FnMut(Found) -> ControlFlow<()>,
) {
    let mut sheets: Vec<&str> = Vec::new();
    for spec in checked.records.iter().filter(|r| kinds.contains(&r.kind)) {
        if !sheets.contains(&spec.sheet.as_str()) {
            sheets.push(&spec.sheet);
        }
    }
    for sheet in sheets {
        let specs: Vec<_> =
            checked.records.iter().filter(|r| r.sheet == sheet && kinds.contains(&r.kind)).collect();
        let rows = match book.rows(sheet) {
            Ok(rows) => rows,
            Err(issue) => {
                if f(Found::Issues(vec![issue])).is_break() {
                    return;
                }
                continue;
            }
        };
        for row in rows {
            let row = match row {
                Ok(row) => row,
                Err(issue) => {
                    if f(Found::Issues(vec![issue])).is_break() {
                        return;
                    }
                    continue;
                }
            };
            for spec in &specs {
                let found = match convert::item(checked, spec, terms, &row) {
                    Ok(Some(item)) => Found::Item(item),
                    Ok(None) => continue,
                    Err(convert::Flawed { issues, item: Some(item) }) => Found::Flawed(item, issues),
                    Err(convert::Flawed { issues, item: None }) => Found::Issues(issues),
                };
                if f(found).is_break() {
                    return;
                }
            }
        }
    }
}
