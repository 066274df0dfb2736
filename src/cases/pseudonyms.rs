//! Pseudonyms of the persons of a case (W-0001, V-0002, …): one counter per case and
//! kind of person.

use diesel::prelude::*;

use super::persons::PersonKind;
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::persons;

/// A new case's pseudonym counters, one per kind of person, created with the case so that
/// on PostgreSQL two documenters recording its first people update one row (whose lock
/// orders them) instead of both inserting it.
pub(crate) fn start_pseudonym_counters(c: &mut DbConnection, case_id: &str) -> Result<()> {
    use crate::store::schema::pseudonym_counters as counters;
    for kind in [PersonKind::Victim, PersonKind::Witness, PersonKind::Perpetrator, PersonKind::Other] {
        diesel::insert_into(counters::table)
            .values((
                counters::case_id.eq(case_id),
                counters::prefix.eq(kind.pseudonym_prefix()),
                counters::last.eq(0_i64),
            ))
            .execute(c)?;
    }
    Ok(())
}

/// The next free pseudonym of a kind in a case: W-0001, W-0002, … from the case's counter
/// (the migration filled the counters of cases opened before it), past any number a
/// documenter chose by hand.
pub(super) fn next_pseudonym(c: &mut DbConnection, case_id: &str, kind: PersonKind) -> Result<String> {
    use crate::store::schema::pseudonym_counters as counters;
    let prefix = kind.pseudonym_prefix();
    loop {
        let n: i64 = diesel::update(counters::table.find((case_id, prefix)))
            .set(counters::last.eq(counters::last + 1))
            .returning(counters::last)
            .get_result(c)
            .optional()?
            .ok_or_else(|| Error::internal("a case without pseudonym counters"))?;
        let pseudonym = format!("{prefix}-{n:04}");
        let taken: i64 = persons::table
            .filter(persons::case_id.eq(case_id))
            .filter(persons::pseudonym.eq(&pseudonym))
            .count()
            .get_result(c)?;
        if taken == 0 {
            return Ok(pseudonym);
        }
    }
}
