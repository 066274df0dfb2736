//! CSV: one sheet, named by the file's stem, read in a single streaming pass per use.
//!
//! The encoding is told (or taken from the mapping) and the bytes decoded by `text`.
//!
//! The delimiter is the one given, else the most frequent of `,` `;` tab `|` outside
//! quotes in the header line (ties go to that order; none at all means `,`).
//!
//! Rows are numbered by the line they start on, header line = 1 (a cell holding line
//! breaks makes the following rows' numbers run ahead of a spreadsheet's row count, but
//! they match any text editor). Bytes invalid in the chosen encoding are decoded as U+FFFD
//! and reported as `invalid_encoding` at their row (a U+FFFD already in the text is
//! reported the same way: the text was damaged before). Memory stays bounded: the decoder
//! works in 8 KiB chunks, and a row longer than [`max_row_bytes`] is refused
//! (`row_too_long`) instead of being gathered.

use std::io::{self, Read};

use encoding_rs::Encoding;

use super::cells::{self, Pending, RowCheck};
use super::text::{CHUNK, Refusal, choose_encoding, decoded};
use super::{Issue, Limits, Origin, ReadOptions, Row, Rows, SheetInfo};
use crate::import::issue::Location;

const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];
/// The header line examined to guess the delimiter.
const HEADER_SCAN: usize = 1 << 20;

/// How the one sheet of a CSV file is read (decided when it is opened).
#[derive(Debug, Clone)]
pub(super) struct CsvOptions {
    encoding: &'static Encoding,
    delimiter: u8,
    limits: Limits,
}

/// Opens a reader from the first byte, for each pass.
pub(super) type Reopen<'a> = &'a dyn Fn() -> Result<Box<dyn Read + Send>, Issue>;

/// A row's text, at most: cells are bounded by `max_cell_chars` (four bytes a character
/// at most), and a row may hold a few such cells.
fn max_row_bytes(limits: &Limits) -> u64 {
    let cell = u64::try_from(limits.max_cell_chars).unwrap_or(u64::MAX / 16).saturating_mul(4);
    cell.saturating_mul(4).max(1 << 20)
}

/// The sheet's name: the file's name without its extension.
pub(super) fn sheet_name(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let stem = match base.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => base,
    };
    if stem.is_empty() { "csv".to_owned() } else { stem.to_owned() }
}

pub(super) fn open(origin: &dyn Origin, options: &ReadOptions) -> Result<(CsvOptions, SheetInfo), Issue> {
    let reopen = || origin.open().map_err(|_| super::unreadable());
    open_with(&reopen, &sheet_name(origin.name()), options)
}

pub(super) fn rows(origin: &dyn Origin, options: &CsvOptions, info: &SheetInfo) -> Result<Rows, Issue> {
    let reader = origin.open().map_err(|_| super::unreadable())?;
    Ok(rows_from(reader, options, info))
}

/// Tells the encoding and the delimiter, then reads the header row.
pub(super) fn open_with(
    reopen: Reopen<'_>,
    sheet: &str,
    options: &ReadOptions,
) -> Result<(CsvOptions, SheetInfo), Issue> {
    let limits = options.limits;
    let encoding = choose_encoding(reopen, options)?;
    let delimiter = match options.delimiter {
        Some(d) => d,
        None => {
            guess_delimiter(decoded(reopen()?, encoding, &limits)).map_err(|e| Refusal::issue(&e, sheet))?
        }
    };
    let csv = CsvOptions { encoding, delimiter, limits };
    let mut records = parser(reopen()?, &csv).into_byte_records();
    let record = match records.next() {
        Some(Ok(record)) => record,
        Some(Err(e)) => return Err(csv_issue(e, sheet)),
        None => return Err(Issue::new(Location::sheet(sheet), "no_header", "the sheet has no header row")),
    };
    let line = record.position().map_or(1, csv::Position::line);
    let (raw, invalid) = texts(&record);
    if invalid {
        return Err(invalid_encoding(sheet, line));
    }
    let headers = cells::headers(sheet, line, raw, &limits)?;
    Ok((csv, SheetInfo { name: sheet.to_owned(), headers }))
}

/// The data rows (the header line is read and passed over).
pub(super) fn rows_from(reader: Box<dyn Read + Send>, options: &CsvOptions, info: &SheetInfo) -> Rows {
    let mut records = parser(reader, options).into_byte_records();
    let mut pending = Pending::new();
    let mut done = false;
    match records.next() {
        Some(Ok(_)) => {}
        Some(Err(e)) => {
            pending.push_back(Err(csv_issue(e, &info.name)));
            done = true;
        }
        None => done = true,
    }
    Box::new(CsvRows {
        records,
        check: RowCheck::new(&info.name, &info.headers, 0, &options.limits),
        pending,
        done,
    })
}

struct CsvRows {
    records: csv::ByteRecordsIntoIter<Box<dyn Read + Send>>,
    check: RowCheck,
    pending: Pending,
    done: bool,
}

impl Iterator for CsvRows {
    type Item = Result<Row, Issue>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(next) = self.pending.pop_front() {
                return Some(next);
            }
            if self.done {
                return None;
            }
            match self.records.next() {
                None => self.done = true,
                Some(Err(e)) => {
                    self.done = true;
                    return Some(Err(csv_issue(e, self.check.sheet())));
                }
                Some(Ok(record)) => {
                    let line = record.position().map_or(0, csv::Position::line);
                    let (cells, invalid) = texts(&record);
                    if invalid {
                        self.pending.push_back(Err(invalid_encoding(self.check.sheet(), line)));
                    }
                    self.check.push(line, cells, &mut self.pending);
                }
            }
        }
    }
}

fn parser(reader: Box<dyn Read + Send>, options: &CsvOptions) -> csv::Reader<Box<dyn Read + Send>> {
    let unix = UnixLines::new(decoded(reader, options.encoding, &options.limits));
    let capped = RowCap::new(unix, options.delimiter, &options.limits);
    csv::ReaderBuilder::new()
        .delimiter(options.delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(Box::new(capped))
}

/// Windows line ends (`\r\n`) read as `\n`: the csv crate numbers a record that follows
/// a `\r\n` by the line before it, and a row's number must be the one a spreadsheet
/// shows. A multi-line cell's own line breaks come out as `\n` too.
struct UnixLines<R> {
    inner: R,
    buf: Vec<u8>,
    at: usize,
    held_cr: bool,
}

impl<R: Read> UnixLines<R> {
    fn new(inner: R) -> Self {
        UnixLines { inner, buf: Vec::new(), at: 0, held_cr: false }
    }
}

impl<R: Read> Read for UnixLines<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.at >= self.buf.len() {
            let mut raw = [0u8; CHUNK];
            let n = self.inner.read(&mut raw)?;
            self.buf.clear();
            self.at = 0;
            if n == 0 {
                if std::mem::take(&mut self.held_cr) {
                    self.buf.push(b'\r');
                    continue;
                }
                return Ok(0);
            }
            for &b in &raw[..n] {
                if std::mem::take(&mut self.held_cr) && b != b'\n' {
                    self.buf.push(b'\r');
                }
                if b == b'\r' {
                    self.held_cr = true;
                } else {
                    self.buf.push(b);
                }
            }
        }
        let n = out.len().min(self.buf.len() - self.at);
        out[..n].copy_from_slice(&self.buf[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// The decoded text of each cell (the decoder only writes UTF-8), and whether any holds
/// the mark of an invalid byte. A cell that a CSV export guarded against formula
/// injection (`'=…`, `sheet_out::guard`) reads as the value it guards.
fn texts(record: &csv::ByteRecord) -> (Vec<String>, bool) {
    let mut invalid = false;
    let cells = record
        .iter()
        .map(|field| {
            let text = String::from_utf8_lossy(field);
            invalid |= text.contains('\u{FFFD}');
            crate::import::sheet_out::unguard(&text).to_owned()
        })
        .collect();
    (cells, invalid)
}

fn invalid_encoding(sheet: &str, line: u64) -> Issue {
    Issue::new(
        Location::row(sheet, line),
        "invalid_encoding",
        "the row holds bytes that are not valid in the file's encoding",
    )
}

fn csv_issue(error: csv::Error, sheet: &str) -> Issue {
    match error.into_kind() {
        csv::ErrorKind::Io(e) => Refusal::issue(&e, sheet),
        _ => Issue::new(Location::sheet(sheet), "unreadable", "the file could not be read as CSV"),
    }
}

/// The most frequent candidate outside quotes in the header line.
fn guess_delimiter(mut text: impl Read) -> io::Result<u8> {
    let mut counts = [0usize; CANDIDATES.len()];
    let mut quoted = false;
    let mut seen = 0usize;
    let mut chunk = vec![0u8; CHUNK];
    'read: while seen < HEADER_SCAN {
        let n = text.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        seen += n;
        for &b in &chunk[..n] {
            match b {
                b'"' => quoted = !quoted,
                b'\n' if !quoted => break 'read,
                _ if !quoted => {
                    if let Some(i) = CANDIDATES.iter().position(|&c| c == b) {
                        counts[i] += 1;
                    }
                }
                _ => {}
            }
        }
    }
    let mut best = 0;
    for (i, &count) in counts.iter().enumerate() {
        if count > counts[best] {
            best = i;
        }
    }
    Ok(CANDIDATES[best])
}

/// Refuses a row (a record: line breaks inside quotes do not end it) longer than the
/// bound, so that a quote left open cannot make the parser gather the rest of the file.
struct RowCap<R> {
    inner: R,
    delimiter: u8,
    state: Scanning,
    row_bytes: u64,
    max: u64,
    line: u64,
    row_line: u64,
}

#[derive(Clone, Copy, PartialEq)]
enum Scanning {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

impl<R: Read> RowCap<R> {
    fn new(inner: R, delimiter: u8, limits: &Limits) -> Self {
        RowCap {
            inner,
            delimiter,
            state: Scanning::FieldStart,
            row_bytes: 0,
            max: max_row_bytes(limits),
            line: 1,
            row_line: 1,
        }
    }
}

impl<R: Read> Read for RowCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            let ends_row = b == b'\n' && self.state != Scanning::Quoted;
            self.state = match (self.state, b) {
                (Scanning::Quoted, b'"') => Scanning::QuoteInQuoted,
                (Scanning::Quoted, _) => Scanning::Quoted,
                (Scanning::FieldStart, b'"') | (Scanning::QuoteInQuoted, b'"') => Scanning::Quoted,
                (_, b'\n') => Scanning::FieldStart,
                (_, d) if d == self.delimiter => Scanning::FieldStart,
                _ => Scanning::Unquoted,
            };
            if b == b'\n' {
                self.line += 1;
            }
            if ends_row {
                self.row_bytes = 0;
                self.row_line = self.line;
            } else {
                self.row_bytes += 1;
                if self.row_bytes > self.max {
                    return Err(io::Error::other(Refusal {
                        code: "row_too_long",
                        line: Some(self.row_line),
                    }));
                }
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use encoding_rs::WINDOWS_1251;

    use super::*;
    use crate::import::source::{InMemory, LocalFile, Workbook};

    fn open_bytes(bytes: &[u8], options: &ReadOptions) -> Result<Workbook, Issue> {
        let origin = InMemory { bytes: Arc::new(bytes.to_vec()), name: "people.csv".to_owned() };
        Workbook::open(Arc::new(origin), options)
    }

    fn read(bytes: &[u8], options: &ReadOptions) -> (Vec<String>, Vec<Result<Row, Issue>>) {
        let book = open_bytes(bytes, options).unwrap();
        let sheet = book.sheets()[0].clone();
        assert_eq!(sheet.name, "people");
        (sheet.headers, book.rows(&sheet.name).unwrap().collect())
    }

    fn cells(rows: &[Result<Row, Issue>]) -> Vec<Vec<String>> {
        rows.iter().filter_map(|r| r.as_ref().ok()).map(|r| r.cells.clone()).collect()
    }

    fn issues(rows: &[Result<Row, Issue>]) -> Vec<(String, Option<u64>)> {
        rows.iter().filter_map(|r| r.as_ref().err()).map(|i| (i.code.clone(), i.at.row)).collect()
    }

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn the_delimiter_is_guessed_from_the_header_outside_quotes() {
        let auto = ReadOptions::default();
        let (headers, rows) = read(b"\"a,b\";c;d\n1;2,5;3\n", &auto);
        assert_eq!(headers, strings(&["a,b", "c", "d"]));
        assert_eq!(cells(&rows), vec![strings(&["1", "2,5", "3"])]);
        assert_eq!(read(b"a\tb\n1\t2\n", &auto).0, strings(&["a", "b"]));
        assert_eq!(read(b"a|b|c\n", &auto).0, strings(&["a", "b", "c"]));
        assert_eq!(read(b"a,b;c\n", &auto).0, strings(&["a", "b;c"]), "a tie goes to the comma");
        assert_eq!(read(b"only\nx\n", &auto).0, strings(&["only"]));
        let given = ReadOptions { delimiter: Some(b';'), ..ReadOptions::default() };
        assert_eq!(read(b"a,b;c\n", &given).0, strings(&["a,b", "c"]));
    }

    #[test]
    fn a_byte_order_mark_decides_the_encoding() {
        let (headers, rows) = read(b"\xEF\xBB\xBFname,age\nAnna,30\n", &ReadOptions::default());
        assert_eq!(headers, strings(&["name", "age"]));
        assert_eq!(cells(&rows), vec![strings(&["Anna", "30"])]);

        let text = "имя;возраст\nАнна;30\n";
        let mut le = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        // A label saying otherwise does not override the mark.
        let options = ReadOptions { encoding: Some("windows-1251".to_owned()), ..ReadOptions::default() };
        let (headers, rows) = read(&le, &options);
        assert_eq!(headers, strings(&["имя", "возраст"]));
        assert_eq!(cells(&rows), vec![strings(&["Анна", "30"])]);

        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(read(&be, &ReadOptions::default()).0, strings(&["имя", "возраст"]));
    }

    #[test]
    fn windows_1251_is_detected_or_chosen() {
        let text = "Фамилия;Имя;Город\nИванов;Пётр;Харків «центр»\n";
        let (bytes, _, bad) = WINDOWS_1251.encode(text);
        assert!(!bad);
        let (headers, rows) = read(&bytes, &ReadOptions::default());
        assert_eq!(headers, strings(&["Фамилия", "Имя", "Город"]));
        assert_eq!(cells(&rows), vec![strings(&["Иванов", "Пётр", "Харків «центр»"])]);
        let chosen = ReadOptions { encoding: Some("cp1251".to_owned()), ..ReadOptions::default() };
        assert_eq!(cells(&read(&bytes, &chosen).1), vec![strings(&["Иванов", "Пётр", "Харків «центр»"])]);
    }

    #[test]
    fn text_that_is_neither_utf8_nor_cyrillic_needs_its_encoding_named() {
        // Latin-1: accented letters sit in the same byte range as Cyrillic ones.
        let latin1 = b"nom,ville\nJos\xE9,Li\xE8ge\n";
        let err = open_bytes(latin1, &ReadOptions::default()).unwrap_err();
        assert_eq!((err.code.as_str(), err.at.sheet.as_str()), ("unknown_encoding", ""));
        let named = ReadOptions { encoding: Some("latin1".to_owned()), ..ReadOptions::default() };
        assert_eq!(cells(&read(latin1, &named).1), vec![strings(&["José", "Liège"])]);

        let broken = b"name,age\nAnna,30\nBo\xFF\xFEb,31\n";
        assert_eq!(open_bytes(broken, &ReadOptions::default()).unwrap_err().code, "unknown_encoding");
        let utf16_without_mark = b"a\0,\0b\0\n\0";
        assert_eq!(
            open_bytes(utf16_without_mark, &ReadOptions::default()).unwrap_err().code,
            "unknown_encoding"
        );
        let unknown = ReadOptions { encoding: Some("klingon".to_owned()), ..ReadOptions::default() };
        assert_eq!(open_bytes(b"a\n", &unknown).unwrap_err().code, "unknown_encoding");
    }

    #[test]
    fn bytes_invalid_in_the_named_encoding_are_reported_at_their_row() {
        let utf8 = ReadOptions { encoding: Some("utf-8".to_owned()), ..ReadOptions::default() };
        let (_, rows) = read(b"name,age\nAnna,30\nBo\xFFb,31\n", &utf8);
        assert_eq!(issues(&rows), vec![("invalid_encoding".to_owned(), Some(3))]);
        assert_eq!(cells(&rows).len(), 2);
        let err = open_bytes(b"na\xFFme,age\n", &utf8).unwrap_err();
        assert_eq!((err.code.as_str(), err.at.row), ("invalid_encoding", Some(1)));
    }

    #[test]
    fn a_utf8_sequence_cut_by_a_chunk_is_still_utf8() {
        let mut text = "a,b\n".to_owned();
        while text.len() < CHUNK - 1 {
            text.push('x');
        }
        text.push_str("ж,1\n");
        assert!(!text.is_char_boundary(CHUNK));
        let (_, rows) = read(text.as_bytes(), &ReadOptions::default());
        assert!(cells(&rows)[0][0].ends_with("xж"));
    }

    #[test]
    fn ragged_rows_blank_rows_and_multiline_cells() {
        let csv = b"id, name ,note\n1\n\n , ,\n2,Bo,,\n3,\"two\nlines\",x,extra\n4,Cy,z\n";
        let (headers, rows) = read(csv, &ReadOptions::default());
        assert_eq!(headers, strings(&["id", "name", "note"]));
        assert_eq!(
            cells(&rows),
            vec![
                strings(&["1", "", ""]),
                strings(&["2", "Bo", ""]),
                strings(&["3", "two\nlines", "x"]),
                strings(&["4", "Cy", "z"]),
            ]
        );
        let numbers: Vec<u64> = rows.iter().filter_map(|r| r.as_ref().ok()).map(|r| r.number).collect();
        // Rows are numbered by the line they start on: row 3's cell spans lines 6 and 7.
        assert_eq!(numbers, vec![2, 5, 6, 8]);
        assert_eq!(issues(&rows), vec![("ragged_row".to_owned(), Some(6))]);
    }

    #[test]
    fn rows_saved_with_windows_line_ends_are_numbered_as_with_unix_ones() {
        let (_, rows) = read(b"a;b\r\n1;2\r\n3;4\r\n", &ReadOptions::default());
        let numbers: Vec<u64> = rows.iter().filter_map(|r| r.as_ref().ok()).map(|r| r.number).collect();
        assert_eq!(numbers, vec![2, 3]);
    }

    #[test]
    fn duplicate_and_missing_headers_with_data_are_reported_once_by_column() {
        let (_, rows) = read(b"id,name,,name\n1,a,,\n2,,x,b\n3,c,y,d\n", &ReadOptions::default());
        let found: Vec<_> = rows
            .iter()
            .filter_map(|r| r.as_ref().err())
            .map(|i| (i.code.as_str(), i.at.row, i.at.column.clone()))
            .collect();
        assert_eq!(
            found,
            vec![
                ("duplicate_header", Some(2), Some("name".to_owned())),
                ("no_header", Some(3), Some("C".to_owned())),
                ("duplicate_header", Some(3), Some("name".to_owned())),
            ]
        );
    }

    #[test]
    fn a_cell_over_the_limit_is_reported_and_emptied() {
        let limits = Limits { max_cell_chars: 4, ..Limits::default() };
        let options = ReadOptions { limits, ..ReadOptions::default() };
        let (_, rows) = read("id,name\n1,Ёжик\n2,Ёжики\n".as_bytes(), &options);
        let found: Vec<_> = rows.iter().filter_map(|r| r.as_ref().err()).collect();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].at, Location::cell("people", 3, "name"));
        assert_eq!(found[0].code, "cell_too_long");
        assert_eq!(cells(&rows), vec![strings(&["1", "Ёжик"]), strings(&["2", ""])]);
    }

    #[test]
    fn a_quote_left_open_stops_at_the_row_bound() {
        let limits = Limits { max_cell_chars: 10, ..Limits::default() };
        let options = ReadOptions { limits, ..ReadOptions::default() };
        let mut csv = b"id,note\n1,ok\n2,\"never closed ".to_vec();
        csv.resize(csv.len() + (1 << 20) + 10, b'y');
        let (_, rows) = read(&csv, &options);
        assert_eq!(cells(&rows), vec![strings(&["1", "ok"])]);
        assert_eq!(issues(&rows), vec![("row_too_long".to_owned(), Some(3))]);
    }

    #[test]
    fn a_two_gigabyte_file_is_refused_without_being_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.csv");
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(2 << 30).unwrap();
        let err = Workbook::open(Arc::new(LocalFile::new(path)), &ReadOptions::default()).unwrap_err();
        assert_eq!((err.code.as_str(), err.at.clone()), ("too_large", Location::file()));
    }

    /// An origin whose size is not known: the bound holds while reading.
    struct Endless;

    impl Origin for Endless {
        fn open(&self) -> io::Result<Box<dyn Read + Send>> {
            Ok(Box::new(b"a,b\n".as_slice().chain(io::repeat(b'x').take(1 << 16))))
        }

        fn name(&self) -> &str {
            "endless.csv"
        }
    }

    #[test]
    fn a_file_of_unknown_size_is_refused_once_past_the_limit() {
        let limits = Limits { max_file_bytes: 1000, ..Limits::default() };
        let options = ReadOptions { limits, ..ReadOptions::default() };
        let err = Workbook::open(Arc::new(Endless), &options).unwrap_err();
        assert_eq!(err.code, "too_large");
        let options =
            ReadOptions { encoding: Some("utf-8".to_owned()), delimiter: Some(b','), limits, format: None };
        let book = Workbook::open(Arc::new(Endless), &options).unwrap();
        let rows: Vec<_> = book.rows("endless").unwrap().collect();
        assert_eq!(issues(&rows), vec![("too_large".to_owned(), None)]);
    }

    #[test]
    fn an_empty_file_has_no_header() {
        assert_eq!(open_bytes(b"", &ReadOptions::default()).unwrap_err().code, "no_header");
        assert_eq!(open_bytes(b"\n , \n", &ReadOptions::default()).unwrap_err().code, "no_header");
    }

    #[test]
    fn sheet_names_are_file_stems() {
        assert_eq!(sheet_name("dir/people.csv"), "people");
        assert_eq!(sheet_name("a.b.csv"), "a.b");
        assert_eq!(sheet_name(".csv"), ".csv");
        assert_eq!(sheet_name(""), "csv");
    }
}
