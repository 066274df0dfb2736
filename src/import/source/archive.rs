//! ZIP containers: telling an XLSX, an ODS and a plain ZIP apart; the guards every ZIP
//! passes before anything in it is unpacked; and a plain ZIP's CSV entries as sheets.
//!
//! The guards read only the central directory: at most `max_entries` entries, their
//! declared unpacked sizes summing to at most `max_unpacked_bytes`, no entry (over
//! [`RATIO_FREE`] bytes) unpacking to more than `max_ratio` times its packed size, no
//! encrypted entry, and no name that is absolute or climbs out with `..`. A header can
//! lie, so an entry is also read no further than its declared size: one byte more and
//! the read fails with `zip_bomb`.
//!
//! A ZIP is read through its central directory, which needs seeking: through
//! [`Origin::open_seekable`] when the origin has it, else from the file read into memory
//! (within `max_file_bytes`) for the pass. A `ZipFile` borrows its archive, so an entry
//! handed out as an owned reader (a sheet's rows, an attachment) is unpacked by a thread
//! of its own that owns the archive and passes chunks through a bounded channel; the
//! thread ends when the entry is read or the reader is dropped.

use std::io::{self, Read, Seek, SeekFrom};
use std::sync::{Arc, mpsc};

use zip::ZipArchive;

use super::csv::{self, Counted, CsvOptions, Refusal};
use super::{ArcBytes, Format, Issue, Limits, Origin, ReadOptions, ReadSeek, Rows, SheetInfo};
use crate::import::issue::Location;

/// Entries this small are not held to the compression ratio: they cannot hurt, and small
/// repetitive XML compresses well.
pub(super) const RATIO_FREE: u64 = 1 << 20;
const ODS_MIMETYPE: &str = "application/vnd.oasis.opendocument.spreadsheet";
const PUMP_CHUNK: usize = 64 * 1024;

/// A CSV entry of a plain ZIP, as read when the ZIP was opened.
#[derive(Debug, Clone)]
pub(super) struct ZipSheet {
    index: usize,
    size: u64,
    csv: CsvOptions,
}

/// One entry of a guarded ZIP.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub(super) index: usize,
    pub(super) name: String,
    pub(super) size: u64,
    pub(super) is_dir: bool,
}

/// Where each pass over the ZIP reads it from.
pub(super) enum Source<'a> {
    Seekable(&'a dyn Origin),
    Memory(Arc<Vec<u8>>),
}

impl Source<'_> {
    pub(super) fn new<'a>(origin: &'a dyn Origin, limits: &Limits) -> Result<Source<'a>, Issue> {
        if origin.open_seekable().map_err(|_| super::unreadable())?.is_some() {
            return Ok(Source::Seekable(origin));
        }
        let mut bytes = Vec::new();
        Counted::new(origin.open().map_err(|_| super::unreadable())?, limits.max_file_bytes)
            .read_to_end(&mut bytes)
            .map_err(|e| Refusal::issue(&e, ""))?;
        Ok(Source::Memory(Arc::new(bytes)))
    }

    pub(super) fn reader(&self) -> Result<Box<dyn ReadSeek>, Issue> {
        match self {
            Source::Seekable(origin) => match origin.open_seekable() {
                Ok(Some(reader)) => Ok(reader),
                _ => Err(super::unreadable()),
            },
            Source::Memory(bytes) => Ok(Box::new(io::Cursor::new(ArcBytes(bytes.clone())))),
        }
    }
}

/// Reads the central directory (nothing is unpacked).
pub(super) fn archive<R: Read + Seek>(reader: R) -> Result<ZipArchive<R>, Issue> {
    ZipArchive::new(reader).map_err(|_| not_a_zip())
}

fn not_a_zip() -> Issue {
    Issue::new(Location::file(), "unreadable", "the file is not a ZIP that can be read")
}

fn zip_bomb(message: &str) -> Issue {
    Issue::new(Location::file(), "zip_bomb", message)
}

/// A name that would leave the folder it is unpacked in: absolute, a drive, `..`, NUL.
pub(super) fn climbs_out(name: &str) -> bool {
    name.starts_with(['/', '\\'])
        || name.as_bytes().get(1) == Some(&b':')
        || name.contains('\0')
        || name.split(['/', '\\']).any(|part| part == "..")
}

/// The guards on the central directory; the entries, when they pass.
pub(super) fn list<R: Read + Seek>(archive: &ZipArchive<R>, limits: &Limits) -> Result<Vec<Entry>, Issue> {
    if archive.len() > limits.max_entries {
        return Err(zip_bomb(&format!("the ZIP holds more than {} entries", limits.max_entries)));
    }
    let mut total: u64 = 0;
    let mut entries = Vec::with_capacity(archive.len());
    for index in 0..archive.len() {
        let entry = archive.by_index_data(index).map_err(|_| not_a_zip())?;
        let name = entry.name().map_err(|_| not_a_zip())?.into_owned();
        if climbs_out(&name) {
            return Err(Issue::new(
                Location::file(),
                "unsafe_zip",
                "an entry of the ZIP is named with an absolute path or `..`",
            ));
        }
        if entry.encrypted() {
            return Err(Issue::new(Location::file(), "unsafe_zip", "the ZIP holds encrypted entries"));
        }
        let size = entry.size();
        total = total.saturating_add(size);
        if total > limits.max_unpacked_bytes {
            return Err(zip_bomb(&format!(
                "the ZIP unpacks to more than {} bytes",
                limits.max_unpacked_bytes
            )));
        }
        let packed = u128::from(entry.compressed_size());
        if size > RATIO_FREE && u128::from(size) > packed.saturating_mul(u128::from(limits.max_ratio)) {
            return Err(zip_bomb(&format!(
                "an entry of the ZIP unpacks to more than {} times its packed size",
                limits.max_ratio
            )));
        }
        entries.push(Entry { index, name, size, is_dir: entry.is_dir() });
    }
    Ok(entries)
}

/// Unpacks every entry once, no further than its declared size, and checks its CRC:
/// a spreadsheet is then handed to its reader, which unpacks entries itself.
pub(super) fn verify<R: Read + Seek>(archive: &mut ZipArchive<R>, entries: &[Entry]) -> Result<(), Issue> {
    for entry in entries.iter().filter(|e| !e.is_dir) {
        let file = archive.by_index(entry.index).map_err(|_| not_a_zip())?;
        let read = io::copy(&mut file.take(entry.size.saturating_add(1)), &mut io::sink())
            .map_err(|_| Issue::new(Location::file(), "unreadable", "an entry of the ZIP is damaged"))?;
        if read > entry.size {
            return Err(zip_bomb("an entry of the ZIP unpacks to more than it declares"));
        }
    }
    Ok(())
}

pub(super) fn sniff_zip(origin: &dyn Origin, limits: &Limits) -> Result<Format, Issue> {
    let source = Source::new(origin, limits)?;
    let mut archive = archive(source.reader()?)?;
    list(&archive, limits)?;
    if archive.index_for_name("xl/workbook.xml").is_some() {
        return Ok(Format::Xlsx);
    }
    if let Some(index) = archive.index_for_name("mimetype") {
        let mut head = Vec::new();
        let file = archive.by_index(index).map_err(|_| not_a_zip())?;
        file.take(128).read_to_end(&mut head).map_err(|_| not_a_zip())?;
        if head.trim_ascii() == ODS_MIMETYPE.as_bytes() {
            return Ok(Format::Ods);
        }
    }
    Ok(Format::Zip)
}

fn is_sheet(entry: &Entry) -> bool {
    !entry.is_dir
        && entry.name.to_ascii_lowercase().ends_with(".csv")
        && !entry.name.starts_with("__MACOSX/")
        && !entry.name.contains("/__MACOSX/")
}

/// Every CSV entry (at any depth, outside `__MACOSX/`) is a sheet named by its stem.
pub(super) fn open(origin: &dyn Origin, options: &ReadOptions) -> Result<Vec<(SheetInfo, ZipSheet)>, Issue> {
    let limits = options.limits;
    let source = Source::new(origin, &limits)?;
    let archive = archive(source.reader()?)?;
    let entries = list(&archive, &limits)?;
    drop(archive);
    let mut sheets: Vec<(SheetInfo, ZipSheet)> = Vec::new();
    for entry in entries.iter().filter(|e| is_sheet(e)) {
        let name = csv::sheet_name(&entry.name);
        if sheets.iter().any(|(info, _)| info.name == name) {
            return Err(Issue::new(
                Location::sheet(&name),
                "duplicate_sheet",
                "two CSV files in the ZIP have this name (in different folders)",
            ));
        }
        let reopen = || entry_reader(source.reader()?, entry.index, entry.size, &name);
        let (csv, info) = csv::open_with(&reopen, &name, options)?;
        sheets.push((info, ZipSheet { index: entry.index, size: entry.size, csv }));
    }
    if sheets.is_empty() {
        return Err(Issue::new(Location::file(), "no_sheets", "the ZIP holds no CSV file"));
    }
    Ok(sheets)
}

pub(super) fn rows(
    origin: &dyn Origin,
    options: &ReadOptions,
    sheet: &ZipSheet,
    info: &SheetInfo,
) -> Result<Rows, Issue> {
    let source = Source::new(origin, &options.limits)?;
    let reader = entry_reader(source.reader()?, sheet.index, sheet.size, &info.name)?;
    Ok(csv::rows_from(reader, &sheet.csv, info))
}

/// The entry's bytes as an owned reader, unpacked by a thread that owns the archive.
/// The caller has listed (guarded) the archive; `declared` is the entry's declared size.
pub(super) fn entry_reader(
    reader: Box<dyn ReadSeek>,
    index: usize,
    declared: u64,
    sheet: &str,
) -> Result<Box<dyn Read + Send>, Issue> {
    let (tx, rx) = mpsc::sync_channel(4);
    std::thread::Builder::new()
        .name("import-zip-entry".to_owned())
        .spawn(move || {
            let end = match pump(reader, index, declared, &tx) {
                Ok(()) => Ok(None),
                Err(e) => Err(e),
            };
            // The reader may be gone already: nothing to tell then.
            let _ = tx.send(end);
        })
        .map_err(|_| Issue::new(Location::sheet(sheet), "unreadable", "the file could not be read"))?;
    Ok(Box::new(ChannelReader { rx, chunk: Vec::new(), at: 0, ended: false }))
}

type Chunk = io::Result<Option<Vec<u8>>>;

fn pump(
    reader: Box<dyn ReadSeek>,
    index: usize,
    declared: u64,
    tx: &mpsc::SyncSender<Chunk>,
) -> io::Result<()> {
    let unreadable = |_| Refusal::error("unreadable");
    let mut archive = ZipArchive::new(reader).map_err(unreadable)?;
    let file = archive.by_index(index).map_err(unreadable)?;
    let mut limited = file.take(declared.saturating_add(1));
    let mut total: u64 = 0;
    loop {
        let mut buf = vec![0u8; PUMP_CHUNK];
        let n = super::read_up_to(&mut limited, &mut buf)?;
        if n == 0 {
            return Ok(());
        }
        total = total.saturating_add(u64::try_from(n).unwrap_or(u64::MAX));
        if total > declared {
            return Err(Refusal::error("zip_bomb"));
        }
        buf.truncate(n);
        if tx.send(Ok(Some(buf))).is_err() {
            return Ok(());
        }
    }
}

struct ChannelReader {
    rx: mpsc::Receiver<Chunk>,
    chunk: Vec<u8>,
    at: usize,
    ended: bool,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at >= self.chunk.len() {
            if self.ended {
                return Ok(0);
            }
            match self.rx.recv() {
                Ok(Ok(Some(chunk))) => {
                    self.chunk = chunk;
                    self.at = 0;
                }
                Ok(Ok(None)) => self.ended = true,
                Ok(Err(e)) => {
                    self.ended = true;
                    return Err(e);
                }
                Err(_) => {
                    self.ended = true;
                    return Err(io::Error::from(io::ErrorKind::UnexpectedEof));
                }
            }
        }
        let n = buf.len().min(self.chunk.len() - self.at);
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Rewinds a reader the guards have read, for the spreadsheet reader.
pub(super) fn rewound<R: Seek>(mut reader: R) -> Result<R, Issue> {
    reader.seek(SeekFrom::Start(0)).map_err(|_| super::unreadable())?;
    Ok(reader)
}
