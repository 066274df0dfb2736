//! CSV: to be written (helper). Placeholder so the skeleton compiles.

use super::{Issue, Origin, ReadOptions, Rows, SheetInfo};
use crate::import::issue::Location;

#[derive(Debug, Clone)]
pub(super) struct CsvOptions;

pub(super) fn open(_origin: &dyn Origin, _options: &ReadOptions) -> Result<(CsvOptions, SheetInfo), Issue> {
    Err(Issue::new(Location::file(), "unsupported_format", "CSV is not read yet"))
}

pub(super) fn rows(_origin: &dyn Origin, _options: &CsvOptions, info: &SheetInfo) -> Result<Rows, Issue> {
    Err(Issue::new(Location::sheet(&info.name), "unsupported_format", "CSV is not read yet"))
}
