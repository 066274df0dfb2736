//! Reading evaluations: one version whole (its read audited in the same transaction),
//! and lists of a person's or a case's evaluations by their clear fields only.

use diesel::prelude::*;
use uuid::Uuid;

use super::stored::{authorize, authorize_case, authorize_person, open_content, summaries, view_of};
use super::types::{EvaluationSummary, EvaluationView, Row};
use crate::access::{Allowed, act};
use crate::audit::{self, Entry};
use crate::crypto::Keyring;
use crate::error::Result;
use crate::store::DbConnection;
use crate::store::schema::evaluations;

/// One version, opened (not yet audited: the caller records the read).
pub(crate) fn find(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::MedicalRead>,
    id: Uuid,
) -> Result<EvaluationView> {
    let (row, _) = authorize(c, who, &id.to_string())?;
    let content = open_content(c, keyring, &row)?;
    view_of(c, keyring, row, content)
}

/// Records the read of `view`, membership checked again in the entry's transaction.
pub(crate) fn record_read(
    c: &mut DbConnection,
    who: &Allowed<act::MedicalRead>,
    view: &EvaluationView,
) -> Result<()> {
    authorize(c, who, &view.id.to_string())?;
    audit::append(c, &Entry::new(&who.principal, "evaluation.read").target("evaluation", view.id))?;
    Ok(())
}

/// The evaluations of a person, latest version of each.
pub(crate) fn list_for_person(
    c: &mut DbConnection,
    who: &Allowed<act::MedicalRead>,
    person_id: Uuid,
) -> Result<Vec<EvaluationSummary>> {
    let (person, _) = authorize_person(c, who, &person_id.to_string())?;
    let rows: Vec<Row> = evaluations::table
        .filter(evaluations::person_id.eq(&person.id))
        .order((evaluations::root_id.asc(), evaluations::version.asc()))
        .select(Row::as_select())
        .load(c)?;
    let list = summaries(c, rows)?;
    audit::append(c, &Entry::new(&who.principal, "evaluation.list").target("person", &person.id))?;
    Ok(list)
}

/// The evaluations of a case, latest version of each.
pub(crate) fn list_for_case(
    c: &mut DbConnection,
    who: &Allowed<act::MedicalRead>,
    case_id: Uuid,
) -> Result<Vec<EvaluationSummary>> {
    let case_id = case_id.to_string();
    authorize_case(c, who, &case_id)?;
    let rows: Vec<Row> = evaluations::table
        .filter(evaluations::case_id.eq(&case_id))
        .order((evaluations::root_id.asc(), evaluations::version.asc()))
        .select(Row::as_select())
        .load(c)?;
    let list = summaries(c, rows)?;
    audit::append(c, &Entry::new(&who.principal, "evaluation.list").target("case", &case_id))?;
    Ok(list)
}
