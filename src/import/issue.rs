//! What went wrong with an import, and where: every problem found while reading, mapping
//! or checking a file names its sheet, row and column, so the person fixing the
//! spreadsheet can go straight to the cell. Messages never repeat a cell's content (they
//! may be shown, stored and logged); only a value that had to match a vocabulary is
//! echoed, in `value`, because it is a label rather than an account, and the plan that
//! carries it is stored encrypted.

use serde::{Deserialize, Serialize};

/// A cell, a row, a column or a whole sheet of the imported file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Location {
    /// The sheet (a spreadsheet's tab, or a CSV file's name); empty for the file itself.
    pub sheet: String,
    /// The row as a spreadsheet shows it: the header is row 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u64>,
    /// The column's header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
}

impl Location {
    pub fn file() -> Self {
        Location { sheet: String::new(), row: None, column: None }
    }

    pub fn sheet(sheet: &str) -> Self {
        Location { sheet: sheet.to_owned(), row: None, column: None }
    }

    pub fn row(sheet: &str, row: u64) -> Self {
        Location { sheet: sheet.to_owned(), row: Some(row), column: None }
    }

    pub fn cell(sheet: &str, row: u64, column: &str) -> Self {
        Location { sheet: sheet.to_owned(), row: Some(row), column: Some(column.to_owned()) }
    }

    #[must_use]
    pub fn column(mut self, column: &str) -> Self {
        self.column = Some(column.to_owned());
        self
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if !self.sheet.is_empty() {
            parts.push(format!("sheet {:?}", self.sheet));
        }
        if let Some(r) = self.row {
            parts.push(format!("row {r}"));
        }
        if let Some(c) = &self.column {
            parts.push(format!("column {c:?}"));
        }
        if parts.is_empty() { f.write_str("the file") } else { f.write_str(&parts.join(", ")) }
    }
}

/// One problem, with a stable code for programs and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Issue {
    #[serde(flatten)]
    pub at: Location,
    pub code: String,
    pub message: String,
    /// The value that matched no vocabulary term (only for `unknown_value`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl Issue {
    pub fn new(at: Location, code: &str, message: impl Into<String>) -> Self {
        Issue { at, code: code.to_owned(), message: message.into(), value: None }
    }

    #[must_use]
    pub fn with_value(mut self, value: &str) -> Self {
        self.value = Some(value.chars().take(80).collect());
        self
    }
}

impl std::fmt::Display for Issue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} ({})", self.at, self.message, self.code)?;
        if let Some(v) = &self.value {
            write!(f, ": {v:?}")?;
        }
        Ok(())
    }
}
