//! What every sheet's header and rows go through, whatever the format: headers trimmed
//! and bounded, blank rows skipped, short rows padded, extra cells, over-long cells and
//! data under a missing or repeated header reported at their row and column. Issues name
//! the place, never the content.

use std::collections::{HashSet, VecDeque};

use super::{Issue, Limits, Row};
use crate::import::issue::Location;

/// The row issues found in a row come before it, then the row itself.
pub(super) type Pending = VecDeque<Result<Row, Issue>>;

/// The column's letter as a spreadsheet shows it: 0 is `A`, 26 is `AA`.
pub(super) fn letter(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        // `rem` is below 26, so the letter is ASCII.
        out.push(b'A' + u8::try_from(rem).unwrap_or(0));
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Trims the header row, drops empty headers at its end, and bounds it.
pub(super) fn headers(
    sheet: &str,
    row: u64,
    raw: Vec<String>,
    limits: &Limits,
) -> Result<Vec<String>, Issue> {
    let mut headers: Vec<String> = raw.into_iter().map(|h| h.trim().to_owned()).collect();
    while headers.last().is_some_and(|h| h.is_empty()) {
        headers.pop();
    }
    if headers.is_empty() {
        return Err(Issue::new(Location::sheet(sheet), "no_header", "the sheet has no header row"));
    }
    if headers.len() > limits.max_columns {
        return Err(Issue::new(
            Location::row(sheet, row),
            "too_many_columns",
            format!("the header has more than {} columns", limits.max_columns),
        ));
    }
    if let Some(i) = headers.iter().position(|h| too_long(h, limits.max_cell_chars)) {
        return Err(Issue::new(
            Location::cell(sheet, row, &letter(i)),
            "cell_too_long",
            format!("the header is longer than {} characters", limits.max_cell_chars),
        ));
    }
    Ok(headers)
}

fn too_long(text: &str, max: usize) -> bool {
    text.len() > max && text.chars().count() > max
}

/// Checks rows against one sheet's header.
pub(super) struct RowCheck {
    sheet: String,
    headers: Vec<String>,
    /// The columns whose data is ambiguous (no header, or a header given twice), with the
    /// issue code; each is reported once, at the first row with data in it.
    doubtful: Vec<Option<&'static str>>,
    /// Where the sheet's first column is (a spreadsheet's range may start right of `A`).
    first_column: usize,
    max_cell_chars: usize,
}

impl RowCheck {
    pub(super) fn new(sheet: &str, headers: &[String], first_column: usize, limits: &Limits) -> RowCheck {
        let mut seen = HashSet::new();
        let repeated: HashSet<&str> = headers
            .iter()
            .filter(|h| !h.is_empty() && !seen.insert(h.as_str()))
            .map(String::as_str)
            .collect();
        let doubtful = headers
            .iter()
            .map(|h| match h.as_str() {
                "" => Some("no_header"),
                h if repeated.contains(h) => Some("duplicate_header"),
                _ => None,
            })
            .collect();
        RowCheck {
            sheet: sheet.to_owned(),
            headers: headers.to_vec(),
            doubtful,
            first_column,
            max_cell_chars: limits.max_cell_chars,
        }
    }

    pub(super) fn sheet(&self) -> &str {
        &self.sheet
    }

    /// The column's name in a [`Location`]: its header, or its letter when it has none.
    pub(super) fn column(&self, index: usize) -> String {
        match self.headers.get(index) {
            Some(h) if !h.is_empty() => h.clone(),
            _ => letter(self.first_column + index),
        }
    }

    /// Checks one row's cells and queues its issues, then the row (unless it is blank).
    pub(super) fn push(&mut self, number: u64, mut cells: Vec<String>, out: &mut Pending) {
        if cells.iter().all(|c| c.trim().is_empty()) {
            return;
        }
        let width = self.headers.len();
        if cells.len() > width {
            if cells[width..].iter().any(|c| !c.trim().is_empty()) {
                out.push_back(Err(Issue::new(
                    Location::row(&self.sheet, number),
                    "ragged_row",
                    format!("the row has cells beyond the header's {width} columns"),
                )));
            }
            cells.truncate(width);
        }
        cells.resize(width, String::new());
        for (i, cell) in cells.iter_mut().enumerate() {
            if cell.is_empty() {
                continue;
            }
            if let Some(code) = self.doubtful.get_mut(i).and_then(Option::take) {
                let message = match code {
                    "no_header" => "this column has data but no header",
                    _ => "this column's header is given to another column too",
                };
                out.push_back(Err(Issue::new(
                    Location::cell(&self.sheet, number, &self.column(i)),
                    code,
                    format!("{message} (column {})", letter(self.first_column + i)),
                )));
            }
            if too_long(cell, self.max_cell_chars) {
                out.push_back(Err(Issue::new(
                    Location::cell(&self.sheet, number, &self.column(i)),
                    "cell_too_long",
                    format!("the cell is longer than {} characters", self.max_cell_chars),
                )));
                cell.clear();
            }
        }
        out.push_back(Ok(Row { number, cells }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn letters_follow_the_spreadsheet() {
        assert_eq!(letter(0), "A");
        assert_eq!(letter(25), "Z");
        assert_eq!(letter(26), "AA");
        assert_eq!(letter(701), "ZZ");
        assert_eq!(letter(702), "AAA");
    }

    #[test]
    fn headers_are_trimmed_and_bounded() {
        let limits = Limits { max_columns: 3, ..Limits::default() };
        assert_eq!(headers("s", 1, strings(&[" a ", "b", "", " "]), &limits).unwrap(), strings(&["a", "b"]));
        let err = headers("s", 1, strings(&["a", "b", "c", "d"]), &limits).unwrap_err();
        assert_eq!(err.code, "too_many_columns");
        assert_eq!(headers("s", 1, strings(&["", " "]), &limits).unwrap_err().code, "no_header");
    }

    #[test]
    fn rows_are_padded_checked_and_blank_ones_skipped() {
        let limits = Limits { max_cell_chars: 5, ..Limits::default() };
        let headers = strings(&["id", "name", "", "name"]);
        let mut check = RowCheck::new("s", &headers, 0, &limits);
        let mut out = Pending::new();
        check.push(2, strings(&["1"]), &mut out);
        check.push(3, strings(&[" ", "", "", "", ""]), &mut out);
        check.push(4, strings(&["2", "toolongvalue", "x", "", "", "extra"]), &mut out);
        check.push(5, strings(&["3", "", "y", "z"]), &mut out);
        let out: Vec<_> = out.into_iter().collect();
        assert_eq!(out[0], Ok(Row { number: 2, cells: strings(&["1", "", "", ""]) }));
        let issues: Vec<_> = out.iter().filter_map(|r| r.as_ref().err()).collect();
        let codes: Vec<_> = issues.iter().map(|i| (i.code.as_str(), i.at.row, i.at.column.clone())).collect();
        assert_eq!(
            codes,
            vec![
                ("ragged_row", Some(4), None),
                ("duplicate_header", Some(4), Some("name".to_owned())),
                ("cell_too_long", Some(4), Some("name".to_owned())),
                ("no_header", Some(4), Some("C".to_owned())),
                ("duplicate_header", Some(5), Some("name".to_owned())),
            ]
        );
        assert!(issues.iter().all(|i| !i.message.contains("toolong") && !i.message.contains('x')));
        let rows: Vec<_> = out.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1].cells, strings(&["2", "", "x", ""]));
    }
}
