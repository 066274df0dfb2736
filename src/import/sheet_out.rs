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
