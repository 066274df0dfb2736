//! The case model: cases and their members, persons (victims, witnesses, perpetrators),
//! units and their chain of command, places, incidents, involvements, testimonies with
//! their versions and consent, and attachments. Every record belongs to one case; every
//! sensitive field is sealed under the record's own key (`sealed`); every function checks
//! membership (`access`) and appends its audit entry in the same transaction.
//! Calls `keys`, `crypto`, `store` and `audit`; knows nothing of HTTP.

pub mod attachments;
pub mod case;
pub mod incidents;
mod involvements;
pub mod labels;
pub mod persons;
pub mod places;
mod pseudonyms;
mod reading;
mod record_pages;
pub mod records;
pub mod sealed;
mod service;
pub mod testimonies;
pub mod units;
pub mod validate;
pub mod vocab;

use uuid::Uuid;

pub use record_pages::{IncidentPage, PersonPage, PlacePage, RecordChoices, UnitPage};
pub use records::Records;
pub use service::{CaseOverview, Cases, Membership};
pub use testimonies::Testimonies;

use crate::error::{Error, Result};

/// Ids travel as UUIDs in the API and as text in the database.
pub(crate) fn parse_uuid(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|_| Error::internal("stored id is not a UUID"))
}
