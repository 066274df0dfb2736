//! Bringing an organisation's existing records into a case: spreadsheets, CSV exports
//! (Uwazi's among them) and the files they name, mapped onto persons, units, places,
//! incidents, involvements, testimonies and attachments by a mapping file.
//!
//! An import is staged: `plan` reads and checks every row and says what would be
//! created, updated, linked or skipped, writing no record; `apply` carries out exactly
//! that plan (named by its digest), in batches that each commit whole, and picks up
//! where it stopped after a crash. Records keep the external id the sheet gave them (as
//! a keyed digest, never in clear), so importing a corrected sheet again updates them.

// An `Issue` names its sheet, row and column and says what is wrong: 136 bytes. Issues
// are how an import answers bad input, on paths that read a file, not in hot loops;
// boxing them would only add noise to every `?`.
#![allow(clippy::result_large_err)]

pub mod issue;
pub mod source;

mod apply;
mod convert;
mod dates;
pub mod export;
mod export_service;
pub mod fields;
mod files_phase;
mod items;
mod keys;
pub mod mapping;
pub mod plan;
pub mod record;
mod service;
pub mod sheet_out;
mod write;

pub use apply::Progress;
pub use record::{ImportView, Status};
pub use service::{Imports, Upload};

#[cfg(test)]
mod tests;
