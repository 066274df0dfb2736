//! Reading an import file as sheets of rows, whatever it is: CSV (any delimiter; UTF-8,
//! UTF-16 with a byte-order mark, or Windows-1251, detected or chosen), an XLSX or ODS
//! spreadsheet (values only: a formula is reported, never evaluated), or a ZIP holding
//! CSV files and the attachments they name.
//!
//! Every pass over the file opens it again from its [`Origin`], so nothing but the row
//! being read is held in memory, with two exceptions: a spreadsheet's sheet is read
//! whole (its cells, within [`Limits::max_unpacked_bytes`]), and a ZIP container needs
//! seeking, so an origin without [`Origin::open_seekable`] is read into memory for the
//! pass (within [`Limits::max_file_bytes`]). ZIP containers (XLSX and ODS are ZIPs too)
//! are inspected from their central directory before anything is unpacked: too many
//! entries, too many bytes once unpacked, an implausible compression ratio, an encrypted
//! entry or a name that climbs out of its folder are refused with an [`Issue`] instead,
//! and no entry is read past its declared size. Nothing read is written to disk.
//!
//! Each format lives in its own file: `csv` (with `text`, the encodings), `spreadsheet`
//! (with `ods`, the guard on ODS repeats), `archive` (ZIP guards and CSVs inside a ZIP),
//! `files` (attachments referenced from a sheet); `cells` holds the checks every sheet's
//! rows go through.

use std::io::{Read, Seek};
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::issue::{Issue, Location};

mod archive;
mod cells;
mod csv;
mod files;
mod ods;
mod spreadsheet;
mod text;

pub use files::Files;

/// Where the bytes of an import file come from. Opened once per pass; the stored upload
/// (decrypted as it is read) and a file on the operator's disk are both origins.
pub trait Origin: Send + Sync {
    /// A reader from the first byte.
    fn open(&self) -> std::io::Result<Box<dyn Read + Send>>;
    /// The file's name as given (its extension helps tell the format).
    fn name(&self) -> &str;
    /// The file's size, when it is known without reading it (a larger file than
    /// [`Limits::max_file_bytes`] is then refused at once).
    fn size(&self) -> Option<u64> {
        None
    }
    /// A reader that can seek, when the origin has one. ZIP containers (XLSX, ODS, a ZIP
    /// of CSVs) are read through their central directory, which needs seeking; without
    /// this, the file is read into memory (within [`Limits::max_file_bytes`]) for each
    /// pass instead.
    fn open_seekable(&self) -> std::io::Result<Option<Box<dyn ReadSeek>>> {
        Ok(None)
    }
}

/// A reader that can seek (a file on disk, bytes in memory).
pub trait ReadSeek: Read + Seek + Send {}

impl<T: Read + Seek + Send> ReadSeek for T {}

/// A file on this machine (the command line).
#[derive(Debug, Clone)]
pub struct LocalFile {
    pub path: PathBuf,
    name: String,
}

impl LocalFile {
    pub fn new(path: PathBuf) -> Self {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        LocalFile { path, name }
    }
}

impl Origin for LocalFile {
    fn open(&self) -> std::io::Result<Box<dyn Read + Send>> {
        Ok(Box::new(std::io::BufReader::new(std::fs::File::open(&self.path)?)))
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn size(&self) -> Option<u64> {
        std::fs::metadata(&self.path).ok().map(|m| m.len())
    }

    fn open_seekable(&self) -> std::io::Result<Option<Box<dyn ReadSeek>>> {
        Ok(Some(Box::new(std::io::BufReader::new(std::fs::File::open(&self.path)?))))
    }
}

/// Bytes already in memory (tests, and small files).
#[derive(Debug, Clone)]
pub struct InMemory {
    pub bytes: Arc<Vec<u8>>,
    pub name: String,
}

impl Origin for InMemory {
    fn open(&self) -> std::io::Result<Box<dyn Read + Send>> {
        Ok(Box::new(std::io::Cursor::new(ArcBytes(self.bytes.clone()))))
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn size(&self) -> Option<u64> {
        u64::try_from(self.bytes.len()).ok()
    }

    fn open_seekable(&self) -> std::io::Result<Option<Box<dyn ReadSeek>>> {
        Ok(Some(Box::new(std::io::Cursor::new(ArcBytes(self.bytes.clone())))))
    }
}

struct ArcBytes(Arc<Vec<u8>>);

impl AsRef<[u8]> for ArcBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// The file's format, when the mapping names it; otherwise told from its first bytes
/// and its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Xlsx,
    Ods,
    /// A ZIP of CSV files (one sheet each, named by the file's stem) and attachments.
    Zip,
}

/// How to read the file: from the mapping's `[source]` table.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    pub format: Option<Format>,
    /// CSV: the delimiter; guessed from the header line (`,` `;` tab `|`) when absent.
    pub delimiter: Option<u8>,
    /// CSV: an encoding label (`utf-8`, `utf-16le`, `windows-1251`, …). When absent: a
    /// byte-order mark decides, else UTF-8 if the bytes are valid UTF-8, else
    /// Windows-1251 if they read as Cyrillic text, else an `unknown_encoding` issue.
    pub encoding: Option<String>,
    pub limits: Limits,
}

/// Bounds on what a file may make the reader do.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The file itself (bigger is refused before it is read).
    pub max_file_bytes: u64,
    /// A ZIP's (XLSX's, ODS's) entries once unpacked, all together.
    pub max_unpacked_bytes: u64,
    /// Unpacked size over packed size, per entry (zip bombs compress thousands-fold).
    pub max_ratio: u64,
    /// Entries in a ZIP.
    pub max_entries: usize,
    /// Columns of a sheet.
    pub max_columns: usize,
    /// Characters in one cell.
    pub max_cell_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 1 << 30,
            max_unpacked_bytes: 256 << 20,
            max_ratio: 200,
            max_entries: 10_000,
            max_columns: 500,
            max_cell_chars: 200_000,
        }
    }
}

/// One row of cells, numbered as a spreadsheet shows it (the header is row 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub number: u64,
    /// One per header, in header order: short rows are padded with empty cells.
    pub cells: Vec<String>,
}

/// A sheet's name and its header row (trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetInfo {
    pub name: String,
    pub headers: Vec<String>,
}

/// The rows of one sheet, read as they are needed. Blank rows are skipped. An `Err` is a
/// problem found in the row that follows it (a formula, a cell too long, invalid bytes,
/// extra cells): that row is still given, with the offending cells emptied, so that later
/// checks (duplicate ids, references) see every row; a plan with any issue is not applied.
/// An `Err` located at the sheet or the file (no row), or one that is `too_large`,
/// `row_too_long` or `unreadable`, ends the sheet: nothing follows it.
pub type Rows = Box<dyn Iterator<Item = Result<Row, Issue>> + Send>;

/// An opened import file: its sheets and how to read each again.
pub struct Workbook {
    kind: Kind,
    sheets: Vec<SheetInfo>,
}

enum Kind {
    Csv { origin: Arc<dyn Origin>, options: csv::CsvOptions },
    Spreadsheet { origin: Arc<dyn Origin>, format: Format, limits: Limits },
    Zip { origin: Arc<dyn Origin>, options: ReadOptions, entries: Vec<archive::ZipSheet> },
    Memory(Vec<Vec<Row>>),
}

impl std::fmt::Debug for Workbook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workbook").field("sheets", &self.sheets).finish_non_exhaustive()
    }
}

impl Workbook {
    /// Opens a file: tells its format, checks it against the limits, reads every sheet's
    /// header row. A file that cannot be read is one issue located at the file (or the
    /// sheet, row, cell where reading failed).
    pub fn open(origin: Arc<dyn Origin>, options: &ReadOptions) -> Result<Workbook, Issue> {
        if origin.size().is_some_and(|n| n > options.limits.max_file_bytes) {
            return Err(too_large());
        }
        let format = match options.format {
            Some(f) => f,
            None => sniff(origin.as_ref(), &options.limits)?,
        };
        match format {
            Format::Csv => {
                let (options, info) = csv::open(origin.as_ref(), options)?;
                Ok(Workbook { kind: Kind::Csv { origin, options }, sheets: vec![info] })
            }
            Format::Xlsx | Format::Ods => {
                let sheets = spreadsheet::open(origin.as_ref(), format, &options.limits)?;
                Ok(Workbook { kind: Kind::Spreadsheet { origin, format, limits: options.limits }, sheets })
            }
            Format::Zip => {
                let (sheets, entries) = archive::open(origin.as_ref(), options)?.into_iter().unzip();
                Ok(Workbook { kind: Kind::Zip { origin, options: options.clone(), entries }, sheets })
            }
        }
    }

    /// Sheets already split into rows (tests, and tables made in memory).
    pub fn from_rows(sheets: Vec<(SheetInfo, Vec<Row>)>) -> Workbook {
        let (infos, rows) = sheets.into_iter().unzip();
        Workbook { kind: Kind::Memory(rows), sheets: infos }
    }

    pub fn sheets(&self) -> &[SheetInfo] {
        &self.sheets
    }

    /// The sheet with this name (a CSV file's one sheet answers to any name).
    pub fn sheet(&self, name: Option<&str>) -> Option<&SheetInfo> {
        match (name, &self.kind) {
            (_, Kind::Csv { .. }) | (None, _) if self.sheets.len() == 1 => self.sheets.first(),
            (Some(n), _) => self.sheets.iter().find(|s| s.name == n),
            (None, _) => None,
        }
    }

    /// Reads a sheet's data rows from the start, again.
    pub fn rows(&self, sheet: &str) -> Result<Rows, Issue> {
        let index = self.sheets.iter().position(|s| s.name == sheet).ok_or_else(|| {
            Issue::new(Location::sheet(sheet), "no_such_sheet", "the file has no such sheet")
        })?;
        let info = &self.sheets[index];
        match &self.kind {
            Kind::Csv { origin, options } => csv::rows(origin.as_ref(), options, info),
            Kind::Spreadsheet { origin, format, limits } => {
                spreadsheet::rows(origin.as_ref(), *format, limits, info)
            }
            Kind::Zip { origin, options, entries } => match entries.get(index) {
                Some(entry) => archive::rows(origin.as_ref(), options, entry, info),
                None => {
                    Err(Issue::new(Location::sheet(sheet), "no_such_sheet", "the file has no such sheet"))
                }
            },
            Kind::Memory(all) => {
                Ok(Box::new(all.get(index).cloned().unwrap_or_default().into_iter().map(Ok)))
            }
        }
    }

    /// The attachments the sheets may name: the ZIP's other entries, when the file is a
    /// ZIP; otherwise none (the command line may name a folder or a second ZIP).
    pub fn files(&self) -> Files {
        match &self.kind {
            Kind::Zip { origin, options, .. } => Files::zip(origin.clone(), options.limits),
            _ => Files::none(),
        }
    }
}

/// Tells the format from the first bytes (a ZIP: XLSX, ODS or CSVs, by its entries) and,
/// failing that, the name's extension. Anything that is not a ZIP is read as CSV.
fn sniff(origin: &dyn Origin, limits: &Limits) -> Result<Format, Issue> {
    let mut head = [0u8; 4];
    let mut reader = origin.open().map_err(|_| unreadable())?;
    let n = read_up_to(&mut reader, &mut head).map_err(|_| unreadable())?;
    if n == 4 && head == *b"PK\x03\x04" {
        return archive::sniff_zip(origin, limits);
    }
    Ok(Format::Csv)
}

fn read_up_to(reader: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

fn unreadable() -> Issue {
    Issue::new(Location::file(), "unreadable", "the file could not be read")
}

fn too_large() -> Issue {
    Issue::new(Location::file(), "too_large", "the file is larger than the import allows")
}
