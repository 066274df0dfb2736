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

use super::csv::{self, CsvOptions};
use super::text::{Counted, Refusal};
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
        let mut file = archive.by_index(entry.index).map_err(|_| not_a_zip())?;
        io::copy(&mut (&mut file).take(entry.size), &mut io::sink())
            .map_err(|_| Issue::new(Location::file(), "unreadable", "an entry of the ZIP is damaged"))?;
        // One byte more, or a checksum that fails at the end: the header lied.
        let mut probe = [0u8; 1];
        if !matches!(file.read(&mut probe), Ok(0)) {
            return Err(zip_bomb("an entry of the ZIP does not match its declared size"));
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
    let mut file = file;
    let mut left = declared;
    loop {
        // Never ask for more than the entry declares: the zip crate refuses a read that
        // crosses the declared size, and so it is told apart from a damaged entry.
        if left == 0 {
            let mut probe = [0u8; 1];
            return match file.read(&mut probe) {
                Ok(0) => Ok(()),
                _ => Err(Refusal::error("zip_bomb")),
            };
        }
        let want = usize::try_from(left).unwrap_or(usize::MAX).min(PUMP_CHUNK);
        let mut buf = vec![0u8; want];
        let n = super::read_up_to(&mut file, &mut buf)?;
        if n == 0 {
            return Ok(());
        }
        left -= n as u64;
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

#[cfg(test)]
pub(super) mod tests {
    use std::io::Write;

    use zip::CompressionMethod;
    use zip::write::SimpleFileOptions;

    use super::*;
    use crate::import::source::{InMemory, Row, Workbook};

    /// A ZIP of these entries (deflated, or stored when the flag says so).
    pub(in crate::import::source) fn zip_bytes(entries: &[(&str, &[u8], bool)]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
        for (name, bytes, stored) in entries {
            let method = if *stored { CompressionMethod::Stored } else { CompressionMethod::Deflated };
            let options =
                SimpleFileOptions::default().compression_method(method).large_file(bytes.len() > 1 << 30);
            writer.start_file(*name, options).unwrap();
            writer.write_all(bytes).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    pub(in crate::import::source) fn origin(bytes: Vec<u8>, name: &str) -> Arc<dyn Origin> {
        Arc::new(InMemory { bytes: Arc::new(bytes), name: name.to_owned() })
    }

    fn rows(book: &Workbook, sheet: &str) -> Vec<Result<Row, Issue>> {
        book.rows(sheet).unwrap().collect()
    }

    #[test]
    fn a_plain_zip_gives_one_sheet_per_csv_file() {
        let bytes = zip_bytes(&[
            ("export/persons.csv", b"id;name\n1;Anna\n2;Bo\n", false),
            ("export/units/units.csv", WINDOWS_1251_PEOPLE, false),
            ("__MACOSX/export/._persons.csv", b"\x00\x05\x16\x07junk", false),
            ("export/photos/1.jpg", b"\xFF\xD8\xFFjpeg", true),
            ("export/notes.txt", b"not a sheet", false),
        ]);
        let book = Workbook::open(origin(bytes, "export.zip"), &ReadOptions::default()).unwrap();
        let names: Vec<_> = book.sheets().iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, vec!["persons", "units"]);
        let persons = rows(&book, "persons");
        let cells: Vec<_> = persons.iter().map(|r| r.as_ref().unwrap().cells.clone()).collect();
        assert_eq!(
            cells,
            vec![vec!["1".to_owned(), "Anna".to_owned()], vec!["2".to_owned(), "Bo".to_owned()]]
        );
        assert_eq!(book.sheets()[1].headers, vec!["Код".to_owned(), "Название".to_owned()]);
        assert_eq!(rows(&book, "units")[0].as_ref().unwrap().cells[1], "Штаб");
        // Read twice: every pass starts again.
        assert_eq!(rows(&book, "persons").len(), 2);
    }

    /// `Код,Название\n1,Штаб\n` in Windows-1251.
    const WINDOWS_1251_PEOPLE: &[u8] = b"\xCA\xEE\xE4,\xCD\xE0\xE7\xE2\xE0\xED\xE8\xE5\n1,\xD8\xF2\xE0\xE1\n";

    #[test]
    fn formats_are_told_by_their_entries() {
        let limits = Limits::default();
        let xlsx = zip_bytes(&[("xl/workbook.xml", b"<workbook/>", false)]);
        assert_eq!(sniff_zip(origin(xlsx, "a").as_ref(), &limits).unwrap(), Format::Xlsx);
        let ods = zip_bytes(&[("mimetype", ODS_MIMETYPE.as_bytes(), true)]);
        assert_eq!(sniff_zip(origin(ods, "a").as_ref(), &limits).unwrap(), Format::Ods);
        let odt = zip_bytes(&[("mimetype", b"application/vnd.oasis.opendocument.text", true)]);
        assert_eq!(sniff_zip(origin(odt, "a").as_ref(), &limits).unwrap(), Format::Zip);
        let plain = zip_bytes(&[("a.csv", b"a\n", false)]);
        assert_eq!(sniff_zip(origin(plain, "a").as_ref(), &limits).unwrap(), Format::Zip);
    }

    #[test]
    fn a_zip_bomb_is_refused_from_its_directory() {
        let zeros = vec![0u8; 50 << 20];
        let bomb = zip_bytes(&[("data.csv", &zeros, false)]);
        drop(zeros);
        assert!(bomb.len() < 1 << 20, "{}", bomb.len());
        let archive = archive(io::Cursor::new(&bomb)).unwrap();
        // `list` reads the central directory only: nothing has been unpacked.
        assert_eq!(list(&archive, &Limits::default()).unwrap_err().code, "zip_bomb");
        let err = Workbook::open(origin(bomb, "bomb.zip"), &ReadOptions::default()).unwrap_err();
        assert_eq!((err.code.as_str(), err.at.clone()), ("zip_bomb", Location::file()));
    }

    #[test]
    fn too_many_entries_or_bytes_are_refused() {
        let bytes = zip_bytes(&[("a.csv", &[b'a'; 600], true), ("b.csv", &[b'b'; 600], true)]);
        let archive = archive(io::Cursor::new(&bytes)).unwrap();
        assert!(list(&archive, &Limits::default()).is_ok());
        let few = Limits { max_entries: 1, ..Limits::default() };
        assert_eq!(list(&archive, &few).unwrap_err().code, "zip_bomb");
        let small = Limits { max_unpacked_bytes: 1000, ..Limits::default() };
        assert_eq!(list(&archive, &small).unwrap_err().code, "zip_bomb");
    }

    #[test]
    fn names_that_climb_out_are_refused() {
        for name in ["../evil.csv", "a/../../evil.csv", "/etc/evil.csv", "C:/evil.csv", "a\\..\\evil.csv"] {
            let bytes = zip_bytes(&[("ok.csv", b"a\n1\n", false), (name, b"a\n1\n", false)]);
            let err = Workbook::open(origin(bytes, "x.zip"), &ReadOptions::default()).unwrap_err();
            assert_eq!((err.code.as_str(), err.at.clone()), ("unsafe_zip", Location::file()), "{name}");
        }
        assert!(!climbs_out("a/b..c/d.csv"));
    }

    /// Makes every size the ZIP declares for its entries `size` (local and central headers).
    pub(in crate::import::source) fn lie_about_sizes(bytes: &mut [u8], size: u32) {
        for at in 0..bytes.len().saturating_sub(30) {
            let field = match &bytes[at..at + 4] {
                b"PK\x03\x04" => at + 22,
                b"PK\x01\x02" => at + 24,
                _ => continue,
            };
            bytes[field..field + 4].copy_from_slice(&size.to_le_bytes());
        }
    }

    #[test]
    fn an_entry_is_read_no_further_than_it_declares() {
        let mut csv = b"a,b\n".to_vec();
        csv.extend(b"1,2\n".repeat(1000));
        let mut bytes = zip_bytes(&[("data.csv", &csv, false)]);
        lie_about_sizes(&mut bytes, 100);
        let err = Workbook::open(origin(bytes, "liar.zip"), &ReadOptions::default()).unwrap_err();
        assert_eq!(err.code, "zip_bomb");
    }

    #[test]
    fn a_zip_without_csv_files_or_with_two_of_a_name_is_refused() {
        let none = zip_bytes(&[("a.txt", b"x", false)]);
        assert_eq!(
            Workbook::open(origin(none, "n.zip"), &ReadOptions::default()).unwrap_err().code,
            "no_sheets"
        );
        let twice = zip_bytes(&[("a/p.csv", b"x\n", false), ("b/p.csv", b"x\n", false)]);
        let err = Workbook::open(origin(twice, "t.zip"), &ReadOptions::default()).unwrap_err();
        assert_eq!((err.code.as_str(), err.at.sheet.as_str()), ("duplicate_sheet", "p"));
    }

    #[test]
    fn dropping_an_entry_reader_early_ends_its_thread() {
        let big = vec![b'x'; 4 * PUMP_CHUNK * 8];
        let bytes = zip_bytes(&[("big.bin", &big, false)]);
        let source = Source::Memory(Arc::new(bytes));
        let mut reader = entry_reader(source.reader().unwrap(), 0, big.len() as u64, "").unwrap();
        let mut head = [0u8; 10];
        reader.read_exact(&mut head).unwrap();
        drop(reader);
        let mut all = Vec::new();
        entry_reader(source.reader().unwrap(), 0, big.len() as u64, "")
            .unwrap()
            .read_to_end(&mut all)
            .unwrap();
        assert_eq!(all, big);
    }

    /// An origin that can only be read from the start (as a decrypting stream would be).
    struct Stream(Vec<u8>);

    impl Origin for Stream {
        fn open(&self) -> io::Result<Box<dyn Read + Send>> {
            Ok(Box::new(io::Cursor::new(self.0.clone())))
        }

        fn name(&self) -> &str {
            "stream.zip"
        }
    }

    #[test]
    fn an_origin_that_cannot_seek_is_read_into_memory_within_the_limit() {
        let bytes = zip_bytes(&[("p.csv", b"id\n1\n", false), ("f/a.txt", b"attached", false)]);
        let book = Workbook::open(Arc::new(Stream(bytes.clone())), &ReadOptions::default()).unwrap();
        assert_eq!(rows(&book, "p").len(), 1);
        let mut text = String::new();
        book.files().open("f/a.txt", &Location::file()).unwrap().read_to_string(&mut text).unwrap();
        assert_eq!(text, "attached");
        let small = ReadOptions {
            limits: Limits { max_file_bytes: 100, ..Limits::default() },
            ..ReadOptions::default()
        };
        assert_eq!(Workbook::open(Arc::new(Stream(bytes)), &small).unwrap_err().code, "too_large");
    }
}
