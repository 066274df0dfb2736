//! Case membership: the one question access asks of every record. A non-member gets
//! `NotFound` for the case and everything in it, so existence is not revealed.

use diesel::prelude::*;
use uuid::Uuid;

use super::Allowed;
use super::policy::{self, Action, ActionMarker, CaseRole, Principal};
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::case_members;

pub fn membership(c: &mut DbConnection, case_id: &str, user: Uuid) -> Result<Option<CaseRole>> {
    let role: Option<String> = case_members::table
        .find((case_id, user.to_string()))
        .select(case_members::role)
        .first(c)
        .optional()?;
    Ok(role.map(|r| if r == "lead" { CaseRole::Lead } else { CaseRole::Member }))
}

/// Every case `user` is a member of (the scope of a search).
pub fn cases_of(c: &mut DbConnection, user: Uuid) -> Result<Vec<String>> {
    Ok(case_members::table
        .filter(case_members::user_id.eq(user.to_string()))
        .select(case_members::case_id)
        .load(c)?)
}

/// May `who` perform `action` in this case? Returns their role in it.
pub fn authorize(c: &mut DbConnection, who: &Principal, case_id: &str, action: Action) -> Result<CaseRole> {
    let role = membership(c, case_id, who.user_id)?;
    policy::authorize_in_case(who.role, action, role)?;
    role.ok_or(Error::NotFound)
}

/// `authorize` for the action the caller was allowed at the edge: the proof names the
/// action, so a service cannot check a different one from its handler's.
pub fn authorize_for<A: ActionMarker>(
    c: &mut DbConnection,
    who: &Allowed<A>,
    case_id: &str,
) -> Result<CaseRole> {
    authorize(c, &who.principal, case_id, A::ACTION)
}

/// `authorize_record` for the action the caller was allowed at the edge.
pub fn authorize_record_for<A: ActionMarker>(
    c: &mut DbConnection,
    who: &Allowed<A>,
    table: RecordTable,
    id: &str,
) -> Result<(String, CaseRole)> {
    authorize_record(c, &who.principal, table, id, A::ACTION)
}

/// The case a record belongs to, or `NotFound`.
pub fn case_of(c: &mut DbConnection, table: RecordTable, id: &str) -> Result<String> {
    use crate::store::schema::{attachments, incidents, persons, places, testimonies, units};
    let found: Option<String> = match table {
        RecordTable::Person => persons::table.find(id).select(persons::case_id).first(c).optional()?,
        RecordTable::Unit => units::table.find(id).select(units::case_id).first(c).optional()?,
        RecordTable::Place => places::table.find(id).select(places::case_id).first(c).optional()?,
        RecordTable::Incident => incidents::table.find(id).select(incidents::case_id).first(c).optional()?,
        RecordTable::Testimony => {
            testimonies::table.find(id).select(testimonies::case_id).first(c).optional()?
        }
        RecordTable::Attachment => {
            attachments::table.find(id).select(attachments::case_id).first(c).optional()?
        }
    };
    found.ok_or(Error::NotFound)
}

#[derive(Debug, Clone, Copy)]
pub enum RecordTable {
    Person,
    Unit,
    Place,
    Incident,
    Testimony,
    Attachment,
}

/// Loads the case of a record and authorises `who` for `action` in it.
pub fn authorize_record(
    c: &mut DbConnection,
    who: &Principal,
    table: RecordTable,
    id: &str,
    action: Action,
) -> Result<(String, CaseRole)> {
    let case_id = case_of(c, table, id)?;
    let role = authorize(c, who, &case_id, action)?;
    Ok((case_id, role))
}

/// A record referred to from another must be in the same case: links across cases
/// would let one case's members learn of another's records.
pub fn same_case(
    c: &mut DbConnection,
    table: RecordTable,
    id: &str,
    case_id: &str,
    field: &str,
) -> Result<()> {
    match case_of(c, table, id) {
        Ok(other) if other == case_id => Ok(()),
        Ok(_) | Err(Error::NotFound) => {
            Err(Error::field(field, "not_in_case", "no such record in this case"))
        }
        Err(e) => Err(e),
    }
}
