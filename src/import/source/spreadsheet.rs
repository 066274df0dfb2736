//! XLSX and ODS through calamine, values only.
//!
//! A formula is never evaluated and its cached value never used: the cell is reported
//! (`formula`) and read as empty. Macros (an `.xlsm`'s `vbaProject.bin`) are never read,
//! let alone run: calamine only opens the VBA project when asked, and this never asks.
//! Before calamine sees the file, the ZIP is guarded (see `archive`) and every entry
//! unpacked once no further than its declared size, so calamine's own unpacking cannot
//! be led past the limits by a lying header.
//!
//! calamine needs to seek: the file is read through [`Origin::open_seekable`], or into
//! memory within `max_file_bytes`. An XLSX sheet is read cell by cell into a sparse table
//! of the cells that hold something (never calamine's dense range, which a single cell at
//! `XFD1048576` would make billions of cells); an ODS sheet comes from calamine's range,
//! which calamine itself bounds (100 million cells at most).
//!
//! Values as text: dates `YYYY-MM-DD` (a time of day, when there is one, as
//! `YYYY-MM-DDTHH:MM:SS`), numbers in their shortest form (`3`, not `3.0`), booleans
//! `true`/`false`. Rows are numbered as the spreadsheet shows them; the header is the
//! first row holding anything, and columns are lettered from `A`.

use std::collections::BTreeMap;

use calamine::{Data, Ods, Reader, Sheets, Xlsx};

use super::archive::{self, Source};
use super::cells::{self, Pending, RowCheck, letter};
use super::{Format, Issue, Limits, Origin, ReadSeek, Row, Rows, SheetInfo};
use crate::import::issue::Location;

type Book = Sheets<Box<dyn ReadSeek>>;

/// What a cell holds, as far as the import is concerned.
enum Value {
    Text(String),
    Formula,
    Error,
}

/// A sheet's non-empty cells, by row then column (zero-based).
type Grid = BTreeMap<u32, Vec<(u32, Value)>>;

pub(super) fn open(origin: &dyn Origin, format: Format, limits: &Limits) -> Result<Vec<SheetInfo>, Issue> {
    let mut book = load(origin, format, limits)?;
    let mut infos = Vec::new();
    for name in book.sheet_names() {
        let Some(grid) = grid(&mut book, &name, true)? else { continue };
        let Some((&row, cells)) = grid.iter().next() else { continue };
        let mut raw = Vec::new();
        for (col, value) in cells {
            let at = || Location::cell(&name, u64::from(row) + 1, &letter(*col as usize));
            let text = match value {
                Value::Text(text) => text.clone(),
                Value::Formula => return Err(formula(at())),
                Value::Error => return Err(cell_error(at())),
            };
            let col = *col as usize;
            if col >= limits.max_columns {
                break;
            }
            raw.resize(col + 1, String::new());
            raw[col] = text;
        }
        let headers = cells::headers(&name, u64::from(row) + 1, raw, limits)?;
        infos.push(SheetInfo { name, headers });
    }
    if infos.is_empty() {
        return Err(Issue::new(
            Location::file(),
            "no_sheets",
            "the spreadsheet has no sheet with a header row",
        ));
    }
    Ok(infos)
}

pub(super) fn rows(
    origin: &dyn Origin,
    format: Format,
    limits: &Limits,
    info: &SheetInfo,
) -> Result<Rows, Issue> {
    let mut book = load(origin, format, limits)?;
    let grid = grid(&mut book, &info.name, false)?.unwrap_or_default();
    let mut rows = grid.into_iter();
    // The header row is the first that holds anything; `open` read it.
    rows.next();
    Ok(Box::new(SheetRows {
        rows,
        check: RowCheck::new(&info.name, &info.headers, 0, limits),
        width: info.headers.len(),
        pending: Pending::new(),
    }))
}

/// Guards the ZIP, then opens it with calamine.
fn load(origin: &dyn Origin, format: Format, limits: &Limits) -> Result<Book, Issue> {
    let source = Source::new(origin, limits)?;
    let mut zip = archive::archive(source.reader()?)?;
    let entries = archive::list(&zip, limits)?;
    archive::verify(&mut zip, &entries)?;
    let reader = archive::rewound(zip.into_inner())?;
    let bad = || Issue::new(Location::file(), "unreadable", "the spreadsheet could not be read");
    match format {
        Format::Xlsx => Ok(Sheets::Xlsx(Xlsx::new(reader).map_err(|_| bad())?)),
        Format::Ods => Ok(Sheets::Ods(Ods::new(reader).map_err(|_| bad())?)),
        Format::Csv | Format::Zip => {
            Err(Issue::new(Location::file(), "unsupported_format", "the file is not a spreadsheet"))
        }
    }
}

/// The sheet's cells; `None` for a sheet that is not a worksheet (a chart). With
/// `header_only`, an XLSX sheet is read no further than its first non-empty row.
fn grid(book: &mut Book, name: &str, header_only: bool) -> Result<Option<Grid>, Issue> {
    let bad = || Issue::new(Location::sheet(name), "unreadable", "the sheet could not be read");
    let mut grid = Grid::new();
    match book {
        Sheets::Xlsx(xlsx) => {
            let mut reader = match xlsx.worksheet_cells_reader(name) {
                Ok(reader) => reader,
                Err(calamine::XlsxError::NotAWorksheet(_)) => return Ok(None),
                Err(_) => return Err(bad()),
            };
            while let Some(cell) = reader.next_cell_with_formula_metadata().map_err(|_| bad())? {
                let (row, col) = cell.pos;
                if header_only && grid.keys().next().is_some_and(|&first| first != row) {
                    break;
                }
                let value = match cell.formula {
                    Some(_) => Value::Formula,
                    None => match text(&Data::from(cell.value)) {
                        Some(t) if t.is_empty() => continue,
                        Some(t) => Value::Text(t),
                        None => Value::Error,
                    },
                };
                grid.entry(row).or_default().push((col, value));
            }
        }
        Sheets::Ods(ods) => {
            let values = ods.worksheet_range(name).map_err(|_| bad())?;
            let formulas = ods.worksheet_formula(name).map_err(|_| bad())?;
            for (row, col, data) in values.used_cells() {
                let value = match text(data) {
                    Some(t) => Value::Text(t),
                    None => Value::Error,
                };
                put(&mut grid, values.start(), (row, col), value);
            }
            for (row, col, formula) in formulas.used_cells() {
                if !formula.is_empty() {
                    put(&mut grid, formulas.start(), (row, col), Value::Formula);
                }
            }
            for cells in grid.values_mut() {
                cells.sort_by_key(|(col, _)| *col);
            }
        }
        Sheets::Xls(_) | Sheets::Xlsb(_) => return Err(bad()),
    }
    Ok(Some(grid))
}

/// Places a cell of a range (relative position) in the grid; a formula replaces the
/// value calamine cached for it.
fn put(grid: &mut Grid, start: Option<(u32, u32)>, (row, col): (usize, usize), value: Value) {
    let (r0, c0) = start.unwrap_or((0, 0));
    let (Ok(row), Ok(col)) = (u32::try_from(row), u32::try_from(col)) else { return };
    let (row, col) = (r0.saturating_add(row), c0.saturating_add(col));
    let cells = grid.entry(row).or_default();
    match cells.iter_mut().find(|(c, _)| *c == col) {
        Some(cell) => cell.1 = value,
        None => cells.push((col, value)),
    }
}

/// A value as text; `None` for an error value (`#N/A`, `#DIV/0!`…).
fn text(data: &Data) -> Option<String> {
    Some(match data {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
            if (h, mi, s, ms) == (0, 0, 0, 0) {
                format!("{y:04}-{mo:02}-{d:02}")
            } else {
                format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")
            }
        }
        Data::DateTime(dt) => dt.as_f64().to_string(),
        Data::DateTimeIso(s) => s.strip_suffix("T00:00:00").unwrap_or(s).to_owned(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(_) => return None,
    })
}

fn formula(at: Location) -> Issue {
    Issue::new(at, "formula", "the cell holds a formula, which is never evaluated: type its value instead")
}

fn cell_error(at: Location) -> Issue {
    Issue::new(at, "cell_error", "the cell holds an error value instead of data")
}

struct SheetRows {
    rows: std::collections::btree_map::IntoIter<u32, Vec<(u32, Value)>>,
    check: RowCheck,
    width: usize,
    pending: Pending,
}

impl Iterator for SheetRows {
    type Item = Result<Row, Issue>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(next) = self.pending.pop_front() {
                return Some(next);
            }
            let (row, values) = self.rows.next()?;
            let number = u64::from(row) + 1;
            let mut cells = vec![String::new(); self.width];
            let mut extra = None;
            for (col, value) in values {
                let col = col as usize;
                let at = || Location::cell(self.check.sheet(), number, &self.check.column(col));
                match value {
                    Value::Formula => self.pending.push_back(Err(formula(at()))),
                    Value::Error => self.pending.push_back(Err(cell_error(at()))),
                    Value::Text(t) if col < self.width => cells[col] = t,
                    Value::Text(t) => {
                        if extra.is_none() && !t.trim().is_empty() {
                            extra = Some(t);
                        }
                    }
                }
            }
            // One cell beyond the header is enough for the row to be reported as ragged.
            cells.extend(extra);
            self.check.push(number, cells, &mut self.pending);
        }
    }
}
