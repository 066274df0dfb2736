//! The person a care record is about: found, and the caller authorised in its case for
//! the action their proof names, before anything is read or written.

use diesel::prelude::*;
use uuid::Uuid;

use crate::access::membership::{self, RecordTable};
use crate::access::{ActionMarker, Allowed};
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::{cases, persons};

/// A person of a case the caller may act on.
#[derive(Debug, Clone)]
pub(super) struct Subject {
    pub person_id: String,
    pub case_id: String,
    pub pseudonym: String,
    pub case_reference: String,
}

pub(super) fn authorize<A: ActionMarker>(
    c: &mut DbConnection,
    who: &Allowed<A>,
    person_id: Uuid,
) -> Result<Subject> {
    let person_id = person_id.to_string();
    let (case_id, _) = membership::authorize_record_for(c, who, RecordTable::Person, &person_id)?;
    let pseudonym: String = persons::table.find(&person_id).select(persons::pseudonym).first(c)?;
    let case_reference: String = cases::table.find(&case_id).select(cases::reference).first(c)?;
    Ok(Subject { person_id, case_id, pseudonym, case_reference })
}

pub(super) fn uuid(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|_| Error::Integrity)
}
