//! ZIP: to be written (helper). Placeholder so the skeleton compiles.

use std::sync::Arc;

use super::{Format, Issue, Origin, ReadOptions, Rows, SheetInfo};
use crate::import::issue::Location;

pub(super) fn sniff_zip(_origin: &dyn Origin) -> Result<Format, Issue> {
    Ok(Format::Xlsx)
}

pub(super) fn open(_origin: &dyn Origin, _options: &ReadOptions) -> Result<Vec<SheetInfo>, Issue> {
    Err(Issue::new(Location::file(), "unsupported_format", "ZIP files are not read yet"))
}

pub(super) fn rows(
    _origin: Arc<dyn Origin>,
    _options: &ReadOptions,
    info: &SheetInfo,
) -> Result<Rows, Issue> {
    Err(Issue::new(Location::sheet(&info.name), "unsupported_format", "ZIP files are not read yet"))
}
