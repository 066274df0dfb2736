//! The ODS guard: an ODS cell or row can say "repeat me 16,384 (or 1,048,576) times",
//! and calamine expands a sheet into a dense range, so a few bytes of XML can ask for a
//! hundred million cells (calamine's own cap), gigabytes of memory. Before calamine
//! reads the file, `content.xml` is scanned once, in chunks, for each sheet's extent: the
//! last row and column that hold anything, repeats counted. A sheet spanning more cells
//! than the bound is refused (`too_many_cells`); such a sheet can still be imported saved
//! as CSV or XLSX, which are read without a dense range.
//!
//! The scan knows only tags and their attributes: `table:table`, `table:table-row`
//! (`table:number-rows-repeated`), `table:table-cell` and `table:covered-table-cell`
//! (`table:number-columns-repeated`; the cell holds something when it has a value type,
//! a formula or any content). Quotes inside tags, comments and CDATA are skipped as
//! XML says, so that no tag can be hidden from the scan; the prefixes are the literal
//! `table:`/`office:`, as calamine itself reads them.

use std::io::Read;

use super::Issue;
use crate::import::issue::Location;

/// Bytes of a tag kept for reading its attributes (the rest is passed over).
const TAG_MAX: usize = 4096;

/// The cells a sheet may span: calamine keeps a value and a formula per cell, some 56
/// bytes, so the bound keeps a sheet's range within about a quarter of `max_unpacked`.
pub(super) fn max_cells(max_unpacked_bytes: u64) -> u64 {
    (max_unpacked_bytes / 256).max(100_000)
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Text,
    Tag,
    Quoted(u8),
    Comment,
    Cdata,
}

#[derive(Default)]
struct Extent {
    next_row: u64,
    row_repeat: u64,
    row_used: bool,
    col: u64,
    /// One past the last row and column that hold anything.
    rows: u64,
    cols: u64,
    /// The cell open now (not self-closing) holds something once it has content.
    open_cell: Option<u64>,
}

/// Scans `content.xml`; refuses the file when a sheet spans more than `max_cells` cells.
pub(super) fn check_extent(mut xml: impl Read, max_cells: u64) -> Result<(), Issue> {
    let unreadable = || Issue::new(Location::file(), "unreadable", "the spreadsheet could not be read");
    let mut mode = Mode::Text;
    let mut tag: Vec<u8> = Vec::with_capacity(TAG_MAX);
    let mut tail = [0u8; 3];
    let mut extent = Extent::default();
    let mut chunk = vec![0u8; 8192];
    loop {
        let n = xml.read(&mut chunk).map_err(|_| unreadable())?;
        if n == 0 {
            break;
        }
        for &b in &chunk[..n] {
            tail = [tail[1], tail[2], b];
            match mode {
                Mode::Text if b == b'<' => {
                    tag.clear();
                    mode = Mode::Tag;
                }
                Mode::Text => {}
                Mode::Tag => {
                    if tag.len() < TAG_MAX {
                        tag.push(b);
                    }
                    if tag == b"!--" {
                        mode = Mode::Comment;
                    } else if tag == b"![CDATA[" {
                        mode = Mode::Cdata;
                    } else if b == b'"' || b == b'\'' {
                        mode = Mode::Quoted(b);
                    } else if b == b'>' {
                        tag.pop();
                        // The byte before `>` (kept even when the tag was cut short).
                        let self_closing = tail[1] == b'/';
                        on_tag(&tag, self_closing, &mut extent, max_cells)?;
                        mode = Mode::Text;
                    }
                }
                Mode::Quoted(q) => {
                    if tag.len() < TAG_MAX {
                        tag.push(b);
                    }
                    if b == q {
                        mode = Mode::Tag;
                    }
                }
                Mode::Comment if tail == *b"-->" => mode = Mode::Text,
                Mode::Cdata if tail == *b"]]>" => mode = Mode::Text,
                Mode::Comment | Mode::Cdata => {}
            }
        }
    }
    Ok(())
}

fn on_tag(tag: &[u8], self_closing: bool, extent: &mut Extent, max_cells: u64) -> Result<(), Issue> {
    let closing = tag.first() == Some(&b'/');
    let body = if closing { &tag[1..] } else { tag };
    let name_len = body.iter().position(|b| b.is_ascii_whitespace() || *b == b'/').unwrap_or(body.len());
    let name = &body[..name_len];
    // Anything inside an open cell other than its own end makes the cell hold something.
    let ends_cell = closing && (name == b"table:table-cell" || name == b"table:covered-table-cell");
    if let Some(col_end) = extent.open_cell.filter(|_| !ends_cell) {
        extent.row_used = true;
        extent.cols = extent.cols.max(col_end);
    }
    match (closing, name) {
        (false, b"table:table") => {
            check(extent, max_cells)?;
            *extent = Extent::default();
        }
        (true, b"table:table") => check(extent, max_cells)?,
        (false, b"table:table-row") => {
            extent.row_repeat = attribute(tag, b"table:number-rows-repeated").unwrap_or(1);
            extent.row_used = false;
            extent.col = 0;
            if self_closing {
                end_row(extent);
            }
        }
        (true, b"table:table-row") => end_row(extent),
        (false, b"table:table-cell" | b"table:covered-table-cell") => {
            let repeat = attribute(tag, b"table:number-columns-repeated").unwrap_or(1);
            let end = extent.col.saturating_add(repeat);
            if has_attribute(tag, b"office:value-type") || has_attribute(tag, b"table:formula") {
                extent.row_used = true;
                extent.cols = extent.cols.max(end);
            }
            extent.open_cell = (!self_closing).then_some(end);
            extent.col = end;
        }
        (true, b"table:table-cell" | b"table:covered-table-cell") => extent.open_cell = None,
        _ => {}
    }
    check(extent, max_cells)
}

fn end_row(extent: &mut Extent) {
    extent.next_row = extent.next_row.saturating_add(extent.row_repeat);
    if extent.row_used {
        extent.rows = extent.next_row;
    }
    extent.open_cell = None;
}

fn check(extent: &Extent, max_cells: u64) -> Result<(), Issue> {
    if u128::from(extent.rows) * u128::from(extent.cols) > u128::from(max_cells) {
        return Err(Issue::new(
            Location::file(),
            "too_many_cells",
            format!("a sheet of the spreadsheet spans more than {max_cells} cells: save it as CSV or XLSX"),
        ));
    }
    Ok(())
}

/// Where the attribute's value starts (after `name`, a space before it).
fn after_attribute<'a>(tag: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let at = tag.windows(name.len() + 1).position(|w| w[0].is_ascii_whitespace() && &w[1..] == name)?;
    Some(&tag[at + 1 + name.len()..])
}

fn has_attribute(tag: &[u8], name: &[u8]) -> bool {
    after_attribute(tag, name).is_some()
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let n = bytes.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &bytes[n..]
}

/// A count attribute's value (`name="123"`), when the tag has it.
fn attribute(tag: &[u8], name: &[u8]) -> Option<u64> {
    let rest = trim_start(trim_start(after_attribute(tag, name)?).strip_prefix(b"=")?);
    let rest = rest.get(1..)?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let text = std::str::from_utf8(&rest[..digits]).ok()?;
    // A count too large to hold is as good as the largest.
    Some(if digits == 0 { 1 } else { text.parse().unwrap_or(u64::MAX) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(rows: &str) -> String {
        format!(
            "<office:body><office:spreadsheet><table:table table:name=\"S\">{rows}</table:table></office:spreadsheet></office:body>"
        )
    }

    fn verdict(xml: &str) -> Result<(), String> {
        check_extent(xml.as_bytes(), 1000).map_err(|i| i.code)
    }

    #[test]
    fn an_ordinary_sheet_passes_with_its_trailing_empty_repeats() {
        let rows = "<table:table-row><table:table-cell office:value-type=\"string\"><text:p>id</text:p></table:table-cell>\
            <table:table-cell table:number-columns-repeated=\"16383\"/></table:table-row>\
            <table:table-row table:number-rows-repeated=\"1048575\"><table:table-cell table:number-columns-repeated=\"16384\"/></table:table-row>";
        assert_eq!(verdict(&sheet(rows)), Ok(()));
    }

    #[test]
    fn repeated_values_that_span_too_many_cells_are_refused() {
        let wide = "<table:table-row><table:table-cell table:number-columns-repeated=\"2000\" office:value-type=\"float\" office:value=\"1\"/></table:table-row>";
        assert_eq!(verdict(&sheet(wide)), Err("too_many_cells".to_owned()));
        let tall = "<table:table-row table:number-rows-repeated=\"600\"><table:table-cell/><table:table-cell><text:p>x</text:p></table:table-cell></table:table-row>";
        assert_eq!(verdict(&sheet(tall)), Err("too_many_cells".to_owned()));
        let fits = "<table:table-row table:number-rows-repeated=\"499\"><table:table-cell/><table:table-cell><text:p>x</text:p></table:table-cell></table:table-row>";
        assert_eq!(verdict(&sheet(fits)), Ok(()));
    }

    #[test]
    fn quotes_comments_and_cdata_hide_no_tag() {
        let sneaky = "<!-- \" --><table:table-row><table:table-cell office:string-value=\"a>b\" \
            table:number-columns-repeated=\"5000\" office:value-type=\"string\"/></table:table-row><![CDATA[ ' ]]>";
        assert_eq!(verdict(&sheet(sneaky)), Err("too_many_cells".to_owned()));
        assert_eq!(
            attribute(b"table:table-row table:number-rows-repeated = '12'", b"table:number-rows-repeated"),
            Some(12)
        );
        assert_eq!(
            attribute(
                b"table:table-row\ttable:number-rows-repeated=\"99999999999999999999999\"",
                b"table:number-rows-repeated"
            ),
            Some(u64::MAX)
        );
    }
}
