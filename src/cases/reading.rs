//! The one shape of reading a case's records: authorise for reading the case (or the
//! record's case), load — a whole page of views at once, one query per kind of data,
//! never one per row — and record the read. The read and its record come back apart
//! (`Audited`) so a service can run them as `Context::audited_read` (the find off the
//! writer queue on SQLite) while a use case that reads several records in one
//! transaction records each at once (`Audited::record`).

use uuid::Uuid;

use crate::access::membership::{self as access, RecordTable};
use crate::access::policy::{Action, CaseRole};
use crate::audit::Entry;
use crate::auth::Principal;
use crate::error::Result;
use crate::store::DbConnection;

/// A kind of case record, as its reads are authorised and audited.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Kind {
    /// The audit target kind (`person`, …).
    pub name: &'static str,
    pub table: RecordTable,
    /// The audit actions of reading one and listing a page.
    pub read: &'static str,
    pub list: &'static str,
}

pub(crate) const PERSON: Kind =
    Kind { name: "person", table: RecordTable::Person, read: "person.read", list: "person.list" };
pub(crate) const UNIT: Kind =
    Kind { name: "unit", table: RecordTable::Unit, read: "unit.read", list: "unit.list" };
pub(crate) const PLACE: Kind =
    Kind { name: "place", table: RecordTable::Place, read: "place.read", list: "place.list" };
pub(crate) const INCIDENT: Kind =
    Kind { name: "incident", table: RecordTable::Incident, read: "incident.read", list: "incident.list" };

pub(crate) use crate::audit::Audited;

/// One record of `kind`, loaded by `load(c, id, reader's case role)`.
pub(crate) fn one<V>(
    c: &mut DbConnection,
    who: &Principal,
    kind: Kind,
    id: Uuid,
    load: impl FnOnce(&mut DbConnection, &str, CaseRole) -> Result<V>,
) -> Result<Audited<V>> {
    let id = id.to_string();
    let (_, role) = access::authorize_record(c, who, kind.table, &id, Action::CaseRead)?;
    let value = load(c, &id, role)?;
    Ok(Audited { value, entry: Entry::new(who, kind.read).target(kind.name, &id) })
}

/// A page of a case's records of `kind` and their total, loaded by
/// `load(c, case id, reader's case role)`.
pub(crate) fn page<V>(
    c: &mut DbConnection,
    who: &Principal,
    kind: Kind,
    case_id: Uuid,
    load: impl FnOnce(&mut DbConnection, &str, CaseRole) -> Result<(Vec<V>, i64)>,
) -> Result<Audited<(Vec<V>, i64)>> {
    let case_id = case_id.to_string();
    let role = access::authorize(c, who, &case_id, Action::CaseRead)?;
    let (views, total) = load(c, &case_id, role)?;
    let entry = Entry::new(who, kind.list).target("case", &case_id).detail("results", views.len());
    Ok(Audited { value: (views, total), entry })
}
