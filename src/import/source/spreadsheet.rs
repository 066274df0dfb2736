//! XLSX and ODS: to be written (helper). Placeholder so the skeleton compiles.

use super::{Format, Issue, Limits, Origin, Rows, SheetInfo};
use crate::import::issue::Location;

pub(super) fn open(_origin: &dyn Origin, _format: Format, _limits: &Limits) -> Result<Vec<SheetInfo>, Issue> {
    Err(Issue::new(Location::file(), "unsupported_format", "spreadsheets are not read yet"))
}

pub(super) fn rows(
    _origin: &dyn Origin,
    _format: Format,
    _limits: &Limits,
    info: &SheetInfo,
) -> Result<Rows, Issue> {
    Err(Issue::new(Location::sheet(&info.name), "unsupported_format", "spreadsheets are not read yet"))
}
