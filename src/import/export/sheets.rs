//! The sheets an export makes: their shape (`headers`), and the rows as they are read,
//! kept apart until every list is known and the list separator can be chosen.

use std::collections::BTreeMap;

use uuid::Uuid;

use crate::error::{Error, Result};
use crate::import::fields::{self, Kind};

/// What separates the items of a list cell, in order of preference: the first that no
/// item of any list contains.
const SEPARATORS: &[&str] = &[";", "|", "¦"];

/// One sheet: its name (a kind's, or `testimony_draft`), what kind of record each row
/// is, and its cells as text.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub name: String,
    pub kind: Kind,
    /// Testimonies: are these sealed accounts (true) or drafts.
    pub seal: Option<bool>,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Every sheet of one case, in the order an import writes the kinds.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheets {
    pub case_id: String,
    pub list_separator: String,
    pub sheets: Vec<Sheet>,
}

impl Sheets {
    /// Rows per sheet, for the audit entry and the report.
    pub fn counts(&self) -> BTreeMap<String, usize> {
        self.sheets.iter().map(|s| (s.name.clone(), s.rows.len())).collect()
    }
}

/// The headers of a kind's sheet: `id` (unless the kind has a natural identity), then
/// every field of the table, in its order.
pub fn headers(kind: Kind) -> Vec<String> {
    let id = kind.needs_id().then(|| "id".to_owned());
    id.into_iter().chain(fields::fields(kind).iter().map(|d| d.name.to_owned())).collect()
}

/// A cell before the list separator is chosen.
#[derive(Debug, Clone)]
pub(super) enum Cell {
    One(String),
    List(Vec<String>),
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::One(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::One(s.to_owned())
    }
}

impl From<Option<String>> for Cell {
    fn from(s: Option<String>) -> Cell {
        Cell::One(s.unwrap_or_default())
    }
}

impl From<Option<Uuid>> for Cell {
    fn from(id: Option<Uuid>) -> Cell {
        Cell::One(id.map(|i| i.to_string()).unwrap_or_default())
    }
}

impl From<Vec<String>> for Cell {
    fn from(items: Vec<String>) -> Cell {
        Cell::List(items)
    }
}

impl From<&[Uuid]> for Cell {
    fn from(ids: &[Uuid]) -> Cell {
        Cell::List(ids.iter().map(Uuid::to_string).collect())
    }
}

pub(super) type Row = Vec<(&'static str, Cell)>;

/// Rows of one sheet as they are read, before the separator is known.
pub(super) struct Draft {
    name: String,
    kind: Kind,
    seal: Option<bool>,
    pub(super) rows: Vec<(Option<String>, Row)>,
}

impl Draft {
    pub(super) fn new(kind: Kind, name: &str, seal: Option<bool>) -> Draft {
        Draft { name: name.to_owned(), kind, seal, rows: Vec::new() }
    }

    pub(super) fn push(&mut self, id: Option<String>, row: Row) {
        self.rows.push((id, row));
    }

    /// The sheet, every cell in its header's column; a field the table lacks is a bug
    /// here, never a silently dropped value.
    pub(super) fn finish(self, separator: &str) -> Result<Sheet> {
        let headers = headers(self.kind);
        let mut rows = Vec::with_capacity(self.rows.len());
        for (id, cells) in self.rows {
            let mut out = vec![String::new(); headers.len()];
            if let Some(id) = id {
                out[0] = id;
            }
            for (field, cell) in cells {
                let i = headers.iter().position(|h| h == field).ok_or_else(|| {
                    Error::internal(format!("export: a {} has no field {field}", self.kind.as_str()))
                })?;
                out[i] = match cell {
                    Cell::One(s) => s,
                    Cell::List(items) => items.join(separator),
                };
            }
            rows.push(out);
        }
        Ok(Sheet { name: self.name, kind: self.kind, seal: self.seal, headers, rows })
    }
}

/// The first separator no list item contains (a name with a `;` in it).
pub(super) fn separator_for(drafts: &[Draft]) -> Result<&'static str> {
    let items = || {
        drafts.iter().flat_map(|d| d.rows.iter()).flat_map(|(_, row)| row.iter()).filter_map(|(_, c)| match c
        {
            Cell::List(items) => Some(items),
            Cell::One(_) => None,
        })
    };
    SEPARATORS
        .iter()
        .copied()
        .find(|sep| items().all(|list| list.iter().all(|i| !i.contains(sep))))
        .ok_or(Error::Conflict("list_items_hold_every_separator"))
}
