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
//! `XFD1048576` would make billions of cells); an ODS sheet comes from calamine's dense
//! range, so its extent is checked first (see `ods`).
//!
//! Values as text: dates `YYYY-MM-DD` (a time of day, when there is one, as
//! `YYYY-MM-DDTHH:MM:SS`), numbers in their shortest form (`3`, not `3.0`), booleans
//! `true`/`false`. Rows are numbered as the spreadsheet shows them; the header is the
//! first row holding anything, and columns are lettered from `A`.

use std::collections::BTreeMap;

use calamine::{Data, Ods, Reader, Sheets, Xlsx};

use super::archive::{self, Source};
use super::cells::{self, Pending, RowCheck, letter};
use super::ods;
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
                return Err(Issue::new(
                    Location::row(&name, u64::from(row) + 1),
                    "too_many_columns",
                    format!("the header has more than {} columns", limits.max_columns),
                ));
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
    let bad = || Issue::new(Location::file(), "unreadable", "the spreadsheet could not be read");
    let source = Source::new(origin, limits)?;
    let mut zip = archive::archive(source.reader()?)?;
    let entries = archive::list(&zip, limits)?;
    archive::verify(&mut zip, &entries)?;
    if format == Format::Ods {
        let content = zip.by_name("content.xml").map_err(|_| bad())?;
        ods::check_extent(content, ods::max_cells(limits.max_unpacked_bytes))?;
    }
    let reader = archive::rewound(zip.into_inner())?;
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

#[cfg(test)]
mod tests {
    use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Workbook as XlsxWriter};

    use super::*;
    use crate::import::source::archive::tests::{origin, zip_bytes};
    use crate::import::source::{ReadOptions, Workbook};

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| (*c).to_owned()).collect()
    }

    fn xlsx() -> Vec<u8> {
        let mut book = XlsxWriter::new();
        let date = CellFormat::new().set_num_format("yyyy-mm-dd");
        let people = book.add_worksheet();
        people.set_name("People").unwrap();
        for (col, header) in ["id", " name ", "born", "score", "alive", "total"].iter().enumerate() {
            people.write_string(0, col as u16, *header).unwrap();
        }
        people.write_number(1, 0, 1).unwrap();
        people.write_string(1, 1, "Anna").unwrap();
        people.write_datetime_with_format(1, 2, ExcelDateTime::from_ymd(2021, 3, 5).unwrap(), &date).unwrap();
        people.write_number(1, 3, 3.0).unwrap();
        people.write_boolean(1, 4, true).unwrap();
        people.write_formula(1, 5, "=A2+D2").unwrap();
        people.write_number(3, 0, 2).unwrap();
        people.write_string(3, 1, "Bo").unwrap();
        let noon = ExcelDateTime::from_ymd(2020, 1, 2).unwrap().and_hms(10, 30, 0).unwrap();
        people.write_datetime_with_format(3, 2, noon, &date).unwrap();
        people.write_number(3, 3, 2.5).unwrap();
        people.write_boolean(3, 4, false).unwrap();
        people.write_string(3, 7, "beyond").unwrap();
        book.add_worksheet().set_name("Empty").unwrap();
        let units = book.add_worksheet();
        units.set_name("Units").unwrap();
        units.write_string(2, 1, "code").unwrap();
        units.write_string(3, 1, "U1").unwrap();
        units.write_string(4, 0, "stray").unwrap();
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn xlsx_values_are_read_and_formulas_reported_never_used() {
        let book = Workbook::open(origin(xlsx(), "people.xlsx"), &ReadOptions::default()).unwrap();
        let names: Vec<_> = book.sheets().iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, vec!["People", "Units"]);
        assert_eq!(book.sheets()[0].headers, strings(&["id", "name", "born", "score", "alive", "total"]));
        let rows: Vec<_> = book.rows("People").unwrap().collect();
        assert_eq!(
            rows,
            vec![
                Err(formula(Location::cell("People", 2, "total"))),
                Ok(Row { number: 2, cells: strings(&["1", "Anna", "2021-03-05", "3", "true", ""]) }),
                Err(Issue::new(
                    Location::row("People", 4),
                    "ragged_row",
                    "the row has cells beyond the header's 6 columns"
                )),
                Ok(Row {
                    number: 4,
                    cells: strings(&["2", "Bo", "2020-01-02T10:30:00", "2.5", "false", ""])
                }),
            ]
        );
        assert_eq!(book.sheets()[1].headers, strings(&["", "code"]));
        let rows: Vec<_> = book.rows("Units").unwrap().collect();
        let codes: Vec<_> =
            rows.iter().filter_map(|r| r.as_ref().err()).map(|i| (i.code.as_str(), i.at.clone())).collect();
        assert_eq!(codes, vec![("no_header", Location::cell("Units", 5, "A"))]);
        assert_eq!(rows[0], Ok(Row { number: 4, cells: strings(&["", "U1"]) }));
    }

    #[test]
    fn a_header_past_the_column_limit_is_refused() {
        let mut book = XlsxWriter::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "id").unwrap();
        sheet.write_string(0, 600, "far").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let err = Workbook::open(origin(bytes, "w.xlsx"), &ReadOptions::default()).unwrap_err();
        assert_eq!((err.code.as_str(), err.at.clone()), ("too_many_columns", Location::row("Sheet1", 1)));
    }

    #[test]
    fn a_formula_in_the_header_is_refused() {
        let mut book = XlsxWriter::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "id").unwrap();
        sheet.write_formula(0, 1, "=\"na\"&\"me\"").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let err = Workbook::open(origin(bytes, "h.xlsx"), &ReadOptions::default()).unwrap_err();
        assert_eq!((err.code.as_str(), err.at.clone()), ("formula", Location::cell("Sheet1", 1, "B")));
    }

    #[test]
    fn a_macro_workbook_is_read_for_its_values_only() {
        let mut bytes = Vec::new();
        {
            let mut source = zip::ZipArchive::new(std::io::Cursor::new(xlsx())).unwrap();
            let mut entries = Vec::new();
            for i in 0..source.len() {
                let mut file = source.by_index(i).unwrap();
                let mut content = Vec::new();
                std::io::Read::read_to_end(&mut file, &mut content).unwrap();
                entries.push((file.name().unwrap().into_owned(), content));
            }
            entries.push(("xl/vbaProject.bin".to_owned(), b"\xD0\xCF\x11\xE0 not really VBA".to_vec()));
            let refs: Vec<(&str, &[u8], bool)> =
                entries.iter().map(|(n, c)| (n.as_str(), c.as_slice(), false)).collect();
            bytes.extend(zip_bytes(&refs));
        }
        let book = Workbook::open(origin(bytes, "macro.xlsm"), &ReadOptions::default()).unwrap();
        assert_eq!(book.rows("People").unwrap().filter(Result::is_ok).count(), 2);
    }

    #[test]
    fn a_spreadsheet_with_an_entry_climbing_out_is_refused() {
        let bytes = zip_bytes(&[("xl/workbook.xml", b"<workbook/>", false), ("../evil", b"x", false)]);
        let options = ReadOptions { format: Some(Format::Xlsx), ..ReadOptions::default() };
        assert_eq!(Workbook::open(origin(bytes, "e.xlsx"), &options).unwrap_err().code, "unsafe_zip");
    }

    const ODS_CONTENT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2" office:version="1.2">
<office:body><office:spreadsheet><table:table table:name="People">
<table:table-row>
<table:table-cell office:value-type="string"><text:p>id</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>born</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>double</text:p></table:table-cell>
</table:table-row>
<table:table-row>
<table:table-cell office:value-type="float" office:value="3"><text:p>3</text:p></table:table-cell>
<table:table-cell office:value-type="date" office:date-value="2021-03-05"><text:p>05.03.21</text:p></table:table-cell>
<table:table-cell table:formula="of:=[.A2]*2" office:value-type="float" office:value="6"><text:p>6</text:p></table:table-cell>
</table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>"#;

    const ODS_MANIFEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"#;

    #[test]
    fn ods_values_are_read_and_formulas_reported() {
        let bytes = zip_bytes(&[
            ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet", true),
            ("META-INF/manifest.xml", ODS_MANIFEST.as_bytes(), false),
            // calamine reads no whitespace between a row's cells.
            ("content.xml", ODS_CONTENT.replace('\n', "").as_bytes(), false),
        ]);
        let book = Workbook::open(origin(bytes, "people.ods"), &ReadOptions::default()).unwrap();
        assert_eq!(book.sheets()[0].headers, strings(&["id", "born", "double"]));
        let rows: Vec<_> = book.rows("People").unwrap().collect();
        assert_eq!(
            rows,
            vec![
                Err(formula(Location::cell("People", 2, "double"))),
                Ok(Row { number: 2, cells: strings(&["3", "2021-03-05", ""]) }),
            ]
        );
    }

    #[test]
    fn an_ods_whose_repeats_span_billions_of_cells_is_refused_before_calamine() {
        let bomb = ODS_CONTENT.replace('\n', "").replace(
            "<table:table-row><table:table-cell office:value-type=\"float\"",
            "<table:table-row table:number-rows-repeated=\"1048575\"><table:table-cell \
             table:number-columns-repeated=\"16384\" office:value-type=\"float\"",
        );
        assert_ne!(bomb, ODS_CONTENT.replace('\n', ""));
        let bytes = zip_bytes(&[
            ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet", true),
            ("META-INF/manifest.xml", ODS_MANIFEST.as_bytes(), false),
            ("content.xml", bomb.as_bytes(), false),
        ]);
        let err = Workbook::open(origin(bytes, "bomb.ods"), &ReadOptions::default()).unwrap_err();
        assert_eq!((err.code.as_str(), err.at.clone()), ("too_many_cells", Location::file()));
    }
}
