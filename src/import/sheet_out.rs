//! Writing a case's sheets out: an XLSX workbook, or a ZIP of CSV files with the mapping
//! that imports them back (`mapping_toml`).
//!
//! Nothing written is ever a formula. In the XLSX every cell is written as a string (a
//! value starting with `=` stays text), which is why the XLSX is the format to open in a
//! spreadsheet program. A CSV has no types: Excel and LibreOffice evaluate a cell starting
//! with `=`, `+`, `-`, `@`, a tab or a carriage return when the file is opened. So each
//! such cell is written with a `'` before it ([`guard`]; spreadsheet programs show it as
//! text) unless it is a plain number (`-12.5`), and [`unguard`] is its exact inverse,
//! for the import to apply to CSV cells.
//!
//! CSV files are UTF-8 with a byte-order mark: without one Excel reads UTF-8 as the
//! local ANSI code page (Cyrillic names become mojibake), and the import takes a BOM as
//! the encoding's name. Fields are separated by `,`, rows end with CRLF (RFC 4180).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{Seek, Write};

use rust_xlsxwriter::{Format as CellFormat, Workbook};
use serde::Deserialize;
use zip::write::SimpleFileOptions;

use super::export::{FILES_DIR, Sheet, Sheets};
use super::fields::Kind;
use crate::error::{Error, Result};

/// What an export is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// One workbook, a worksheet per sheet, and the mapping on a last worksheet
    /// (`mapping.toml`, one line per row).
    #[default]
    Xlsx,
    /// A ZIP of `<sheet>.csv` files and `mapping.toml`.
    Zip,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Zip => "zip",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ExportFormat::Zip => "application/zip",
        }
    }
}

/// The name of the XLSX worksheet (and the ZIP entry) holding the mapping.
pub const MAPPING_NAME: &str = "mapping.toml";

/// Excel's limit on one cell, in UTF-16 code units.
const XLSX_MAX_CELL: usize = 32_767;
/// Excel's limit on rows, the header included.
const XLSX_MAX_ROWS: usize = 1_048_576;

/// Refuses, before anything is written or audited, sheets an XLSX cannot hold: a cell
/// longer than Excel allows (a long account) or too many rows. The ZIP of CSVs holds them.
pub fn check_xlsx(sheets: &Sheets) -> Result<()> {
    for sheet in &sheets.sheets {
        if sheet.rows.len() + 1 > XLSX_MAX_ROWS {
            return Err(Error::Conflict("too_many_rows_for_xlsx"));
        }
        if sheet.rows.iter().flatten().any(|cell| cell.encode_utf16().count() > XLSX_MAX_CELL) {
            return Err(Error::Conflict("cell_too_long_for_xlsx"));
        }
    }
    Ok(())
}

/// The sheets as an XLSX workbook: a worksheet per sheet, its header row bold and frozen,
/// every cell a string; then the mapping, a line per row.
pub fn to_xlsx(sheets: &Sheets) -> Result<Vec<u8>> {
    check_xlsx(sheets)?;
    let mut book = Workbook::new();
    let bold = CellFormat::new().set_bold();
    for sheet in &sheets.sheets {
        let ws = book.add_worksheet();
        ws.set_name(sheet.name.as_str()).map_err(xlsx)?;
        for (col, h) in sheet.headers.iter().enumerate() {
            ws.write_string_with_format(0, col_num(col)?, h.as_str(), &bold).map_err(xlsx)?;
        }
        ws.set_freeze_panes(1, 0).map_err(xlsx)?;
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).map_err(|_| Error::Conflict("too_many_rows_for_xlsx"))?;
            for (col, cell) in row.iter().enumerate() {
                if !cell.is_empty() {
                    ws.write_string(r, col_num(col)?, cell.as_str()).map_err(xlsx)?;
                }
            }
        }
    }
    let ws = book.add_worksheet();
    ws.set_name(MAPPING_NAME).map_err(xlsx)?;
    ws.write_string_with_format(0, 0, MAPPING_NAME, &bold).map_err(xlsx)?;
    for (r, line) in mapping_toml(sheets, ExportFormat::Xlsx).lines().enumerate() {
        let r = u32::try_from(r + 1).map_err(|_| Error::internal("mapping too long"))?;
        if !line.is_empty() {
            ws.write_string(r, 0, line).map_err(xlsx)?;
        }
    }
    book.save_to_buffer().map_err(xlsx)
}

fn col_num(col: usize) -> Result<u16> {
    u16::try_from(col).map_err(|_| Error::internal("too many columns"))
}

fn xlsx(e: rust_xlsxwriter::XlsxError) -> Error {
    match e {
        rust_xlsxwriter::XlsxError::MaxStringLengthExceeded => Error::Conflict("cell_too_long_for_xlsx"),
        e => Error::internal(format!("writing the workbook: {e}")),
    }
}

/// The sheets as a ZIP: `<sheet>.csv` for each (UTF-8 with a BOM, cells guarded against
/// formula injection) and `mapping.toml` (the `mapping` given: `mapping_toml(sheets, Zip)`).
pub fn to_csv_zip(sheets: &Sheets, mapping: &str, out: impl Write + Seek) -> Result<()> {
    let mut zip = zip::ZipWriter::new(out);
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for sheet in &sheets.sheets {
        zip.start_file(format!("{}.csv", sheet.name), options).map_err(zip_error)?;
        zip.write_all(&csv_bytes(sheet)?)?;
    }
    zip.start_file(MAPPING_NAME, options).map_err(zip_error)?;
    zip.write_all(mapping.as_bytes())?;
    zip.finish().map_err(zip_error)?;
    Ok(())
}

fn zip_error(e: zip::result::ZipError) -> Error {
    Error::internal(format!("writing the ZIP: {e}"))
}

/// One sheet as CSV: a BOM, the header row, every row; cells guarded.
pub fn csv_bytes(sheet: &Sheet) -> Result<Vec<u8>> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(&mut out);
        w.write_record(&sheet.headers).map_err(csv_error)?;
        for row in &sheet.rows {
            w.write_record(row.iter().map(|c| guard(c).into_owned())).map_err(csv_error)?;
        }
        w.flush()?;
    }
    Ok(out)
}

fn csv_error(e: csv::Error) -> Error {
    Error::internal(format!("writing CSV: {e}"))
}

/// What a spreadsheet program may take for a formula when a cell starts with it.
const FORMULA_START: &[char] = &['=', '+', '-', '@', '\t', '\r'];

fn risky(s: &str) -> bool {
    s.trim_start_matches('\'').starts_with(FORMULA_START)
}

/// A CSV cell that no spreadsheet program evaluates: `'` before a value that would start
/// a formula, and before a value that already starts with `'`s and then would (so that
/// [`unguard`] is its exact inverse). Plain numbers (`-12.5`) are left alone.
pub fn guard(value: &str) -> Cow<'_, str> {
    let number = !value.starts_with('\'') && value.trim().parse::<f64>().is_ok_and(f64::is_finite);
    if risky(value) && !number { Cow::Owned(format!("'{value}")) } else { Cow::Borrowed(value) }
}

/// The value a guarded CSV cell holds: the inverse of [`guard`], for the import of these
/// files (`unguard(&guard(v)) == v` for every `v`).
pub fn unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if risky(rest) => rest,
        _ => cell,
    }
}

/// The mapping that imports these sheets back: a `[[records]]` per sheet, its id column
/// `id`, every field from the column of the same name; sealed testimonies sealed, drafts
/// kept drafts. Attachments are written commented out: the export holds no file, and the
/// import would refuse a sheet naming files it was not given (put each file at the path
/// its `file` cell names, `files/<id>/<name>`, and uncomment the block).
pub fn mapping_toml(sheets: &Sheets, format: ExportFormat) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# The records of case {}, exported by Custodia.", sheets.case_id);
    let _ = writeln!(out, "# Import them into a case with:");
    let _ = writeln!(
        out,
        "#   custodia import plan --case <case id> --mapping mapping.toml <the .{} file>",
        format.extension()
    );
    out.push_str("\n[source]\n");
    let _ = writeln!(out, "format = {}", quoted(format.extension()));
    if format == ExportFormat::Zip {
        out.push_str("delimiter = \",\"\n");
    }
    let _ = writeln!(out, "list_separator = {}", quoted(&sheets.list_separator));
    for sheet in &sheets.sheets {
        let mut block = String::new();
        block.push_str("\n[[records]]\n");
        let _ = writeln!(block, "kind = {}", quoted(sheet.kind.as_str()));
        let _ = writeln!(block, "sheet = {}", quoted(&sheet.name));
        if sheet.kind.needs_id() {
            block.push_str("id = \"id\"\n");
        }
        if let Some(seal) = sheet.seal {
            let _ = writeln!(block, "seal = {seal}");
        }
        block.push_str("[records.columns]\n");
        for h in sheet.headers.iter().filter(|h| *h != "id") {
            let _ = writeln!(block, "{h} = {}", quoted(h));
        }
        if sheet.kind == Kind::Attachment {
            let _ = writeln!(
                out,
                "\n# Attachments: the export holds no file. Put each file at the path its `file` cell\n\
                 # names ({FILES_DIR}/<attachment id>/<name>) in the ZIP or in a folder given with\n\
                 # --files, then remove the `# ` before each line below."
            );
            for line in block.lines().filter(|l| !l.is_empty()) {
                let _ = writeln!(out, "# {line}");
            }
        } else {
            out.push_str(&block);
        }
    }
    out
}

/// A TOML basic string.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::io::{Cursor, Read};

    use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

    use super::*;
    use crate::cases::vocab::Term;
    use crate::import::convert::{self, Terms, Value};
    use crate::import::export::{DRAFT_SHEET, headers};
    use crate::import::mapping::Mapping;
    use crate::import::source::{Row, SheetInfo, Workbook};

    const INJECTION: &str = "=cmd|' /C calc'!A0";

    fn sheet(kind: Kind, name: &str, seal: Option<bool>, rows: &[&[(&str, &str)]]) -> Sheet {
        let headers = headers(kind);
        let rows = rows
            .iter()
            .map(|cells| {
                let mut row = vec![String::new(); headers.len()];
                for (field, value) in *cells {
                    let i = headers.iter().position(|h| h == field).expect("a field of the table");
                    row[i] = (*value).to_owned();
                }
                row
            })
            .collect();
        Sheet { name: name.to_owned(), kind, seal, headers, rows }
    }

    const U1: &str = "11111111-1111-4111-8111-111111111111";
    const U2: &str = "22222222-2222-4222-8222-222222222222";
    const PL: &str = "33333333-3333-4333-8333-333333333333";
    const V1: &str = "44444444-4444-4444-8444-444444444444";
    const V2: &str = "55555555-5555-4555-8555-555555555555";
    const P1: &str = "66666666-6666-4666-8666-666666666666";
    const I1: &str = "77777777-7777-4777-8777-777777777777";
    const T1: &str = "88888888-8888-4888-8888-888888888888";
    const T2: &str = "99999999-9999-4999-8999-999999999999";

    fn sample() -> Sheets {
        let sheets = vec![
            sheet(
                Kind::Unit,
                "unit",
                None,
                &[
                    &[("id", U1), ("name", "ОМОН"), ("description", "-riot police")],
                    &[
                        ("id", U2),
                        ("name", "Second company"),
                        ("parent", U1),
                        ("commander", P1),
                        ("commander_from", "2020-01-01"),
                    ],
                ],
            ),
            sheet(
                Kind::Place,
                "place",
                None,
                &[&[
                    ("id", PL),
                    ("place_type", "detention_facility"),
                    ("name", "Okrestina"),
                    ("latitude", "53.86"),
                    ("longitude", "-27.5"),
                ]],
            ),
            sheet(
                Kind::Person,
                "person",
                None,
                &[
                    &[
                        ("id", V1),
                        ("kind", "victim"),
                        ("pseudonym", "V-0001"),
                        ("sex", "female"),
                        ("names", "Анна Иванова;Hanna Ivanova"),
                        ("birth_date", "1990-02-03"),
                        ("contact", "+375 29 000"),
                        ("notes", INJECTION),
                    ],
                    &[("id", V2), ("kind", "witness"), ("pseudonym", "W-0001")],
                    &[
                        ("id", P1),
                        ("kind", "perpetrator"),
                        ("pseudonym", "P-0001"),
                        ("unit", U2),
                        ("rank", "@major"),
                    ],
                ],
            ),
            sheet(
                Kind::Incident,
                "incident",
                None,
                &[&[
                    ("id", I1),
                    ("act_type", "beating"),
                    ("methods", "electric_shock"),
                    ("start", "~2021-04-15"),
                    ("end", "2021-05"),
                    ("place", PL),
                    ("description", "line one\nline two, \"quoted\""),
                    ("victims", &format!("{V1};{V2}")),
                ]],
            ),
            sheet(
                Kind::Testimony,
                "testimony",
                Some(true),
                &[&[
                    ("id", T1),
                    ("witness", V1),
                    ("account", "They came at night."),
                    ("source_connection", "direct_victim"),
                    ("interview_date", "2021-06-01"),
                    ("languages", "ru;be"),
                    ("reliability", "high"),
                    ("persons_present", "Interpreter A"),
                    ("incidents", I1),
                    ("consent_share_with", "un_bodies;prosecutors"),
                    ("consent_may_be_named", "no"),
                    ("consent_given_on", "2021-06-01"),
                    ("consent_how_given", "written"),
                    ("consent_text_version", "v2"),
                ]],
            ),
            sheet(
                Kind::Testimony,
                DRAFT_SHEET,
                Some(false),
                &[&[
                    ("id", T2),
                    ("witness", V2),
                    ("account", "+ draft"),
                    ("source_connection", "direct_witness"),
                    ("consent_may_be_named", "no"),
                ]],
            ),
            sheet(
                Kind::Involvement,
                "involvement",
                None,
                &[
                    &[("incident", I1), ("role", "carried_out"), ("person", P1), ("testimonies", T1)],
                    &[("incident", I1), ("role", "ordered"), ("unit", U1)],
                ],
            ),
            sheet(
                Kind::Attachment,
                "attachment",
                None,
                &[&[("file", "files/aa/photo.jpg"), ("testimony", T1), ("media_type", "image/jpeg")]],
            ),
        ];
        Sheets { case_id: "c".into(), list_separator: ";".into(), sheets }
    }

    fn terms() -> Vec<Term> {
        [
            ("act_type", "beating"),
            ("torture_method", "electric_shock"),
            ("place_type", "detention_facility"),
            ("involvement_role", "carried_out"),
            ("involvement_role", "ordered"),
            ("source_connection", "direct_victim"),
            ("source_connection", "direct_witness"),
        ]
        .into_iter()
        .map(|(v, c)| Term {
            vocabulary: v.into(),
            code: c.into(),
            label_en: c.replace('_', " "),
            label_ru: String::new(),
            builtin: true,
        })
        .collect()
    }

    fn cell_text(d: Option<&Data>) -> String {
        match d {
            None | Some(Data::Empty) => String::new(),
            Some(Data::String(s)) => s.clone(),
            Some(other) => panic!("a cell that is not a string: {other:?}"),
        }
    }

    #[test]
    fn the_xlsx_reads_back_cell_for_cell_every_cell_a_string_never_a_formula() {
        let sheets = sample();
        let bytes = to_xlsx(&sheets).expect("xlsx");
        let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.clone())).expect("opens");
        let names = book.sheet_names();
        let mut expected: Vec<String> = sheets.sheets.iter().map(|s| s.name.clone()).collect();
        expected.push(MAPPING_NAME.to_owned());
        assert_eq!(names, expected);
        for s in &sheets.sheets {
            let range = book.worksheet_range(&s.name).expect("sheet");
            for (r, row) in std::iter::once(&s.headers).chain(&s.rows).enumerate() {
                for (c, want) in row.iter().enumerate() {
                    let got = cell_text(range.get_value((r as u32, c as u32)));
                    assert_eq!(&got, want, "{} row {r} col {c}", s.name);
                }
            }
            let formulas = book.worksheet_formula(&s.name).expect("formulas");
            assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "{}: a formula", s.name);
        }
        let person = book.worksheet_range("person").expect("person");
        assert!(matches!(person.get_value((1, 10)), Some(Data::String(s)) if s == INJECTION));
        // No <f> element anywhere, and the header row is frozen.
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
        let mut xml = String::new();
        zip.by_name("xl/worksheets/sheet3.xml").expect("sheet").read_to_string(&mut xml).expect("xml");
        assert!(!xml.contains("<f>") && !xml.contains("<f "));
        assert!(xml.contains("ySplit=\"1\""), "{xml}");
        let mapping = book.worksheet_range(MAPPING_NAME).expect("mapping");
        let lines: Vec<String> =
            (1..mapping.height() as u32).map(|r| cell_text(mapping.get_value((r, 0)))).collect();
        let text = mapping_toml(&sheets, ExportFormat::Xlsx);
        assert_eq!(lines.join("\n").trim(), text.trim());
    }

    #[test]
    fn a_cell_longer_than_excel_holds_is_refused_for_xlsx_only() {
        let mut sheets = sample();
        sheets.sheets[4].rows[0][2] = "я".repeat(XLSX_MAX_CELL + 1);
        assert!(matches!(check_xlsx(&sheets), Err(Error::Conflict("cell_too_long_for_xlsx"))));
        assert!(matches!(to_xlsx(&sheets), Err(Error::Conflict("cell_too_long_for_xlsx"))));
        let mut out = Cursor::new(Vec::new());
        to_csv_zip(&sheets, "", &mut out).expect("a ZIP holds it");
    }

    #[test]
    fn the_zip_holds_every_sheet_as_a_guarded_utf8_csv_and_the_mapping() {
        let sheets = sample();
        let mapping = mapping_toml(&sheets, ExportFormat::Zip);
        let mut out = Cursor::new(Vec::new());
        to_csv_zip(&sheets, &mapping, &mut out).expect("zip");
        let mut zip = zip::ZipArchive::new(Cursor::new(out.into_inner())).expect("opens");
        let mut names: Vec<String> = zip.file_names().map(|n| n.expect("a name").into_owned()).collect();
        names.sort();
        let mut expected: Vec<String> = sheets.sheets.iter().map(|s| format!("{}.csv", s.name)).collect();
        expected.push(MAPPING_NAME.to_owned());
        expected.sort();
        assert_eq!(names, expected);
        let mut text = String::new();
        zip.by_name(MAPPING_NAME).expect("mapping").read_to_string(&mut text).expect("utf-8");
        assert_eq!(text, mapping);
        for s in &sheets.sheets {
            let mut bytes = Vec::new();
            zip.by_name(&format!("{}.csv", s.name)).expect("csv").read_to_end(&mut bytes).expect("read");
            let body = bytes.strip_prefix("\u{feff}".as_bytes()).expect("a byte-order mark");
            let mut reader = csv::ReaderBuilder::new().from_reader(body);
            let headers: Vec<String> = reader.headers().expect("headers").iter().map(str::to_owned).collect();
            assert_eq!(headers, s.headers);
            let rows: Vec<Vec<String>> = reader
                .records()
                .map(|r| r.expect("row").iter().map(|c| unguard(c).to_owned()).collect())
                .collect();
            assert_eq!(rows, s.rows, "{}", s.name);
            for record in csv::ReaderBuilder::new().from_reader(body).records() {
                for c in record.expect("row").iter() {
                    let number = c.parse::<f64>().is_ok();
                    assert!(number || !c.starts_with(FORMULA_START), "{}: unguarded {c:?}", s.name);
                }
            }
        }
    }

    #[test]
    fn unguard_undoes_guard_exactly() {
        for v in [
            "", "plain", "=1+1", INJECTION, "+375 29", "-12.5", "-x", "@SUM(A1)", "\t=1", "\r=1", "'",
            "'plain", "'=1", "''=1", "'-12.5", "'''", "1e5", "-", "=",
        ] {
            let g = guard(v);
            assert_eq!(unguard(&g), v, "{v:?} → {g:?}");
            let number = !v.starts_with('\'') && v.parse::<f64>().is_ok();
            assert!(number || !g.starts_with(FORMULA_START), "{v:?} → {g:?}");
        }
        assert_eq!(guard("-12.5"), "-12.5");
        assert_eq!(guard("=1"), "'=1");
        assert_eq!(unguard("'plain"), "'plain");
    }

    /// The sheets as the import's readers would hand them over.
    fn as_workbook(sheets: &Sheets) -> Workbook {
        Workbook::from_rows(
            sheets
                .sheets
                .iter()
                .map(|s| {
                    let info = SheetInfo { name: s.name.clone(), headers: s.headers.clone() };
                    let rows = s
                        .rows
                        .iter()
                        .enumerate()
                        .map(|(i, cells)| Row { number: i as u64 + 2, cells: cells.clone() })
                        .collect();
                    (info, rows)
                })
                .collect(),
        )
    }

    #[test]
    fn the_mapping_reads_every_row_back_with_its_values() {
        let sheets = sample();
        for format in [ExportFormat::Xlsx, ExportFormat::Zip] {
            let text = mapping_toml(&sheets, format);
            let mapping = Mapping::parse(&text).expect("parses");
            assert_eq!(
                mapping.source.format.map(|f| format!("{f:?}").to_lowercase()),
                Some(format.extension().into())
            );
            assert_eq!(mapping.records.len(), sheets.sheets.len() - 1, "attachments commented out");
            let terms = Terms::new(&terms(), &mapping.values).expect("terms");
            let book = as_workbook(&sheets);
            let checked = mapping.check(&book).expect("the mapping fits the sheets");
            let mut items = BTreeMap::new();
            for spec in &checked.records {
                let s = sheets.sheets.iter().find(|s| s.name == spec.sheet).expect("sheet");
                assert_eq!(spec.seal, s.seal.unwrap_or(true));
                for row in book.rows(&spec.sheet).expect("rows") {
                    let item = convert::item(&checked, spec, &terms, &row.expect("row"))
                        .unwrap_or_else(|e| panic!("{}: {e:?}", spec.sheet))
                        .expect("a record");
                    items.insert((spec.sheet.clone(), item.key.clone()), item);
                }
            }
            assert_eq!(items.len(), 11);
            let incident = &items[&("incident".to_owned(), I1.to_owned())];
            assert_eq!(
                incident.get("start"),
                Some(&Value::Date { date: "2021-04-15".into(), precision: "estimate" })
            );
            assert_eq!(
                incident.get("end"),
                Some(&Value::Date { date: "2021-05".into(), precision: "month" })
            );
            assert_eq!(incident.list("victims"), [V1, V2]);
            let victim = &items[&("person".to_owned(), V1.to_owned())];
            assert_eq!(victim.list("names"), ["Анна Иванова", "Hanna Ivanova"]);
            assert_eq!(victim.text("notes"), Some(INJECTION));
            let place = &items[&("place".to_owned(), PL.to_owned())];
            assert_eq!(place.get("longitude"), Some(&Value::Number(-27.5)));
            let t = &items[&("testimony".to_owned(), T1.to_owned())];
            assert_eq!(t.list("consent_share_with"), ["un_bodies", "prosecutors"]);
            assert!(t.seal);
            assert!(!items[&(DRAFT_SHEET.to_owned(), T2.to_owned())].seal);
            let unit = &items[&("unit".to_owned(), U2.to_owned())];
            assert_eq!(unit.text("parent"), Some(U1));
        }
    }

    #[test]
    fn the_attachment_block_is_there_to_uncomment() {
        let text = mapping_toml(&sample(), ExportFormat::Zip);
        let start = text.find("# [[records]]").expect("the attachment block");
        let (head, block) = text.split_at(start);
        let block: Vec<&str> = block.lines().map(|l| l.strip_prefix("# ").unwrap_or(l)).collect();
        let uncommented = format!("{head}{}", block.join("\n"));
        let mapping = Mapping::parse(&uncommented).expect("parses");
        assert_eq!(mapping.records.len(), sample().sheets.len());
        assert_eq!(mapping.records.last().map(|r| r.kind), Some(Kind::Attachment));
    }

    #[test]
    fn toml_strings_are_escaped() {
        assert_eq!(quoted("a\"b\\c\u{1}"), "\"a\\\"b\\\\c\\u0001\"");
    }
}
