//! Evidence reference numbers: every case numbers the pages of what it exports, 1, 2, 3…,
//! and an item gets the next free range the first time it goes into a bundle. The range
//! is kept (`evidence_items`) and every later bundle shows the same numbers, so that a
//! court can cite a page of an earlier bundle and find it in the next.
//!
//! Two bundles of one case may be built at once: each takes the range after the case's
//! last page, and the unique `(case_id, first_page)` makes the second insert of a same
//! range fail; it then reads the new last page and tries again (inside a savepoint, so
//! that on PostgreSQL the build's transaction survives the conflict).

use chrono::NaiveDateTime;
use diesel::dsl::max;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::{Confidentiality, EvidenceItemKind};
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::evidence_items;

/// Attempts before two concurrent builds are taken for something else gone wrong.
const ATTEMPTS: usize = 16;

/// An item's pages and the level a lawyer set for it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub first_page: i64,
    pub last_page: i64,
    pub confidentiality: Option<Confidentiality>,
    /// Given by this call (the item had no reference before).
    pub new: bool,
}

impl Reference {
    pub fn pages(&self) -> i64 {
        self.last_page - self.first_page + 1
    }
}

/// A page's reference number: the case reference and the page, six digits at least
/// (`BY-2021-0007-000042`).
pub fn format(case_reference: &str, page: i64) -> String {
    format!("{case_reference}-{page:06}")
}

#[derive(Queryable)]
struct Row {
    case_id: String,
    first_page: i64,
    last_page: i64,
    confidentiality: Option<String>,
}

fn reference_of(row: Row, new: bool) -> Result<Reference> {
    let confidentiality = match row.confidentiality.as_deref() {
        None => None,
        Some(s) => Some(Confidentiality::parse(s).ok_or(Error::Integrity)?),
    };
    Ok(Reference { first_page: row.first_page, last_page: row.last_page, confidentiality, new })
}

fn find_row(c: &mut DbConnection, kind: EvidenceItemKind, item_id: &str) -> Result<Option<Row>> {
    Ok(evidence_items::table
        .find((kind.as_str(), item_id))
        .select((
            evidence_items::case_id,
            evidence_items::first_page,
            evidence_items::last_page,
            evidence_items::confidentiality,
        ))
        .first::<Row>(c)
        .optional()?)
}

/// The reference an item already has, if it was exported before.
pub fn find(c: &mut DbConnection, kind: EvidenceItemKind, item_id: &str) -> Result<Option<Reference>> {
    find_row(c, kind, item_id)?.map(|r| reference_of(r, false)).transpose()
}

/// The item's reference: the one it has, or the next `pages` pages of its case (at
/// least one), with `inherit` as its level (a new version keeps its account's level).
pub fn assign(
    c: &mut DbConnection,
    case_id: &str,
    kind: EvidenceItemKind,
    item_id: &str,
    pages: i64,
    inherit: Option<Confidentiality>,
    now: NaiveDateTime,
) -> Result<Reference> {
    let pages = pages.max(1);
    for _ in 0..ATTEMPTS {
        if let Some(row) = find_row(c, kind, item_id)? {
            if row.case_id != case_id {
                return Err(Error::Integrity);
            }
            return reference_of(row, false);
        }
        let last: Option<i64> = evidence_items::table
            .filter(evidence_items::case_id.eq(case_id))
            .select(max(evidence_items::last_page))
            .first(c)?;
        let first_page = last.unwrap_or(0) + 1;
        let last_page = first_page + pages - 1;
        let inserted = c.transaction::<_, DieselError, _>(|c| {
            diesel::insert_into(evidence_items::table)
                .values((
                    evidence_items::case_id.eq(case_id),
                    evidence_items::item_kind.eq(kind.as_str()),
                    evidence_items::item_id.eq(item_id),
                    evidence_items::first_page.eq(first_page),
                    evidence_items::last_page.eq(last_page),
                    evidence_items::confidentiality.eq(inherit.map(Confidentiality::as_str)),
                    evidence_items::assigned_at.eq(now),
                ))
                .execute(c)
        });
        match inserted {
            Ok(_) => {
                return Ok(Reference { first_page, last_page, confidentiality: inherit, new: true });
            }
            // Another build took this range (or this item) first: look again.
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(Error::Conflict("reference_contention"))
}

/// Sets (or with None clears) the level a lawyer chose for items that have a reference;
/// the number of items changed.
pub fn set_confidentiality(
    c: &mut DbConnection,
    kind: EvidenceItemKind,
    item_ids: &[String],
    level: Option<Confidentiality>,
) -> Result<usize> {
    Ok(diesel::update(
        evidence_items::table
            .filter(evidence_items::item_kind.eq(kind.as_str()))
            .filter(evidence_items::item_id.eq_any(item_ids)),
    )
    .set(evidence_items::confidentiality.eq(level.map(Confidentiality::as_str)))
    .execute(c)?)
}

/// Every referenced item of a case, in page order: (kind, id, first, last, level set).
pub type Listed = (String, String, i64, i64, Option<String>, NaiveDateTime);

pub fn of_case(c: &mut DbConnection, case_id: &str) -> Result<Vec<Listed>> {
    Ok(evidence_items::table
        .filter(evidence_items::case_id.eq(case_id))
        .order(evidence_items::first_page.asc())
        .select((
            evidence_items::item_kind,
            evidence_items::item_id,
            evidence_items::first_page,
            evidence_items::last_page,
            evidence_items::confidentiality,
            evidence_items::assigned_at,
        ))
        .load(c)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_have_six_digits_at_least() {
        assert_eq!(format("BY-2021-0007", 42), "BY-2021-0007-000042");
        assert_eq!(format("X", 1_234_567), "X-1234567");
    }
}
