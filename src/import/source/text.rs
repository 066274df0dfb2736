//! Bytes to text, for CSV: telling the encoding, decoding a chunk at a time, and
//! refusing a file that runs past its size limit while it is read.
//!
//! The encoding: a byte-order mark decides (UTF-8, UTF-16LE or UTF-16BE, the mark
//! removed); else the encoding the mapping names; else UTF-8 when every byte is valid
//! UTF-8; else Windows-1251 when the bytes read as Cyrillic text; else the file is refused
//! with `unknown_encoding`. Telling needs one pass over the whole file (UTF-8 validity
//! cannot be judged from a prefix), made in fixed-size chunks.
//!
//! "Reads as Cyrillic text" is this heuristic, over the bytes above 0x7F: at least three
//! quarters of them are Windows-1251 Cyrillic letters (А–я at 0xC0–0xFF, Ё ё, and the
//! Ukrainian, Belarusian, Serbian and Macedonian letters below 0xC0), fewer
//! than one in ten of those letters touches an ASCII letter (accented Latin-1 text such as
//! "café" does at every accent; Cyrillic words do not), none is 0x98 (undefined in
//! Windows-1251), and the file holds no NUL byte (UTF-16 without a mark must be named).

use std::io::{self, Read};

use encoding_rs::{Decoder, Encoding, UTF_8, WINDOWS_1251};

use super::csv::Reopen;
use super::{Issue, Limits, ReadOptions, read_up_to};
use crate::import::issue::Location;

pub(super) const CHUNK: usize = 8 * 1024;

/// Why a read was stopped on purpose: carried inside an `io::Error` through the CSV
/// parser, and turned back into an issue.
#[derive(Debug)]
pub(super) struct Refusal {
    pub(super) code: &'static str,
    pub(super) line: Option<u64>,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "refused: {}", self.code)
    }
}

impl std::error::Error for Refusal {}

impl Refusal {
    pub(super) fn error(code: &'static str) -> io::Error {
        io::Error::other(Refusal { code, line: None })
    }

    /// The issue an I/O error stands for: a refusal's own, else `unreadable`.
    pub(super) fn issue(error: &io::Error, sheet: &str) -> Issue {
        match error.get_ref().and_then(|e| e.downcast_ref::<Refusal>()) {
            Some(Refusal { code: "too_large", .. }) => super::too_large(),
            Some(Refusal { code: "row_too_long", line: Some(line) }) => Issue::new(
                Location::row(sheet, *line),
                "row_too_long",
                "the row is too long to read (a quote left open?)",
            ),
            Some(Refusal { code: "zip_bomb", .. }) => Issue::new(
                Location::sheet(sheet),
                "zip_bomb",
                "an entry of the ZIP unpacks to more than it declares",
            ),
            Some(Refusal { code, .. }) => {
                Issue::new(Location::sheet(sheet), code, "the file could not be read")
            }
            None => Issue::new(Location::sheet(sheet), "unreadable", "the file could not be read"),
        }
    }
}

pub(super) fn choose_encoding(reopen: Reopen<'_>, options: &ReadOptions) -> Result<&'static Encoding, Issue> {
    let mut head = [0u8; 3];
    let n = read_up_to(reopen()?.as_mut(), &mut head).map_err(|_| super::unreadable())?;
    if let Some((encoding, _)) = Encoding::for_bom(&head[..n]) {
        return Ok(encoding);
    }
    if let Some(label) = &options.encoding {
        return Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
            Issue::new(
                Location::file(),
                "unknown_encoding",
                "the mapping names an encoding this reader does not know",
            )
        });
    }
    let mut scan = Scan::default();
    let mut reader = Counted::new(reopen()?, options.limits.max_file_bytes);
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let n = reader.read(&mut chunk).map_err(|e| Refusal::issue(&e, ""))?;
        if n == 0 {
            break;
        }
        scan.feed(&chunk[..n]);
    }
    scan.verdict().ok_or_else(|| {
        Issue::new(
            Location::file(),
            "unknown_encoding",
            "the file is neither UTF-8 nor Windows-1251 text: name its encoding in the mapping",
        )
    })
}

/// What one pass over the bytes tells of their encoding.
#[derive(Default)]
struct Scan {
    /// An incomplete UTF-8 sequence at the end of the last chunk.
    carry: Vec<u8>,
    not_utf8: bool,
    nul: bool,
    undefined_1251: bool,
    high: u64,
    cyrillic: u64,
    /// Cyrillic-range bytes next to an ASCII letter.
    mixed: u64,
    prev: u8,
}

/// A Cyrillic letter in Windows-1251: А–я, and the letters of Ukrainian, Belarusian,
/// Serbian and Macedonian (Ё ё Є є І і Ї ї Ґ ґ Ў ў Ђ Ј Љ Њ Ћ Џ Ѕ …) scattered below 0xC0.
fn is_cyrillic_1251(b: u8) -> bool {
    matches!(
        b,
        0xC0..=0xFF
            | 0x80
            | 0x81
            | 0x83
            | 0x8A
            | 0x8C..=0x90
            | 0x9A
            | 0x9C..=0x9F
            | 0xA1..=0xA3
            | 0xA5
            | 0xA8
            | 0xAA
            | 0xAF
            | 0xB2..=0xB4
            | 0xB8
            | 0xBA
            | 0xBC..=0xBF
    )
}

impl Scan {
    fn feed(&mut self, chunk: &[u8]) {
        for &b in chunk {
            if b == 0 {
                self.nul = true;
            }
            if b >= 0x80 {
                self.high += 1;
                self.undefined_1251 |= b == 0x98;
                if is_cyrillic_1251(b) {
                    self.cyrillic += 1;
                }
            }
            if (is_cyrillic_1251(b) && self.prev.is_ascii_alphabetic())
                || (b.is_ascii_alphabetic() && is_cyrillic_1251(self.prev))
            {
                self.mixed += 1;
            }
            self.prev = b;
        }
        if self.not_utf8 {
            return;
        }
        let mut bytes = std::mem::take(&mut self.carry);
        bytes.extend_from_slice(chunk);
        let valid = Encoding::utf8_valid_up_to(&bytes);
        let rest = &bytes[valid..];
        // A sequence cut by the chunk's end is carried into the next; anything else is invalid.
        match std::str::from_utf8(rest) {
            Err(e) if e.error_len().is_none() && rest.len() < 4 => self.carry = rest.to_vec(),
            Err(_) => self.not_utf8 = true,
            Ok(_) => {}
        }
    }

    fn verdict(&self) -> Option<&'static Encoding> {
        if self.nul {
            return None;
        }
        if !self.not_utf8 && self.carry.is_empty() {
            return Some(UTF_8);
        }
        let cyrillic = !self.undefined_1251
            && self.cyrillic > 0
            && self.cyrillic.saturating_mul(4) >= self.high.saturating_mul(3)
            && self.mixed.saturating_mul(10) < self.cyrillic;
        cyrillic.then_some(WINDOWS_1251)
    }
}

/// The file's bytes, refused once there are more than the limit.
pub(super) struct Counted<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Counted<R> {
    pub(super) fn new(inner: R, limit: u64) -> Self {
        Counted { inner, left: limit }
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let n64 = u64::try_from(n).unwrap_or(u64::MAX);
        if n64 > self.left {
            return Err(Refusal::error("too_large"));
        }
        self.left -= n64;
        Ok(n)
    }
}

pub(super) fn decoded(
    reader: Box<dyn Read + Send>,
    encoding: &'static Encoding,
    limits: &Limits,
) -> Decoding {
    Decoding {
        inner: Box::new(Counted::new(reader, limits.max_file_bytes)),
        decoder: encoding.new_decoder_with_bom_removal(),
        input: vec![0; CHUNK],
        start: 0,
        end: 0,
        eof: false,
        output: vec![0; 3 * CHUNK + 16],
        out_start: 0,
        out_end: 0,
        finished: false,
    }
}

/// The text as UTF-8, decoded a chunk at a time; invalid bytes become U+FFFD.
pub(super) struct Decoding {
    inner: Box<dyn Read + Send>,
    decoder: Decoder,
    input: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    output: Vec<u8>,
    out_start: usize,
    out_end: usize,
    finished: bool,
}

impl Read for Decoding {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.out_start < self.out_end {
                let n = buf.len().min(self.out_end - self.out_start);
                buf[..n].copy_from_slice(&self.output[self.out_start..self.out_start + n]);
                self.out_start += n;
                return Ok(n);
            }
            if self.finished {
                return Ok(0);
            }
            if self.start == self.end && !self.eof {
                self.end = self.inner.read(&mut self.input)?;
                self.start = 0;
                self.eof = self.end == 0;
            }
            let (result, read, written, _) =
                self.decoder.decode_to_utf8(&self.input[self.start..self.end], &mut self.output, self.eof);
            self.start += read;
            self.out_start = 0;
            self.out_end = written;
            if self.eof && result == encoding_rs::CoderResult::InputEmpty {
                self.finished = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cyrillic_bytes_are_the_cyrillic_letters_of_windows_1251() {
        for b in 0x80..=0xFFu8 {
            let byte = [b];
            let (text, _) = WINDOWS_1251.decode_without_bom_handling(&byte);
            let letter = text.chars().all(|c| ('\u{400}'..='\u{4FF}').contains(&c));
            assert_eq!(is_cyrillic_1251(b), letter, "{b:#x}");
        }
    }
}
