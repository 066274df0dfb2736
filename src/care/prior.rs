//! Has this person been interviewed before? Before a new interview, the name (any
//! script, any order of its parts) is looked up by the blind index's cross-script name
//! keys among the witnesses of testimonies in the cases the caller belongs to. The
//! answer is yes or no with, per case, its reference and its leads to contact: never
//! the person's record, pseudonym or account. Cases the caller is not in give nothing.

use std::collections::BTreeSet;

use diesel::prelude::*;

use super::model::{PriorInterviewMatch, PriorInterviews};
use crate::access::membership;
use crate::access::{Allowed, act};
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::rules;
use crate::store::DbConnection;
use crate::store::schema::{audit_log, case_members, cases, testimonies, users};

/// Checks one account may make in an hour: plenty for a day of interviews, too few for a
/// compromised account to test a list of names against its cases. A "yes" tells a case
/// member that someone of that name gave testimony there, even a witness whose name the
/// case otherwise shows only to its lead and recorder; that is the check's purpose, and
/// this limit and the audit entry of every check are what keep it from becoming an oracle.
pub const PER_HOUR: i64 = 30;

/// The answer and the number of cases searched (for the audit entry: counts only).
pub(super) struct Found {
    pub answer: PriorInterviews,
    pub searched: usize,
}

pub(super) fn check(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::PriorInterviews>,
    name: &str,
    now: chrono::NaiveDateTime,
) -> Result<Found> {
    rules::NAME.check("name", name).map_err(|e| Error::Validation(vec![e]))?;
    let recent: i64 = audit_log::table
        .filter(audit_log::actor_user_id.eq(who.principal.user_id.to_string()))
        .filter(audit_log::action.eq("person.prior_interviews"))
        .filter(audit_log::at.ge(now - chrono::Duration::hours(1)))
        .count()
        .get_result(c)?;
    if recent >= PER_HOUR {
        return Err(Error::RateLimited { retry_after_secs: 3600 });
    }
    if crate::search::normalize::name_tokens(name).is_empty() {
        return Err(Error::field("name", "invalid_name", "give a name"));
    }
    // The cases the caller may read: a member whose role reads case content.
    let mine: Vec<String> = membership::cases_of(c, who.principal.user_id)?
        .into_iter()
        .filter(|case| {
            membership::authorize(c, &who.principal, case, crate::access::Action::CaseRead).is_ok()
        })
        .collect();
    let mut by_case: BTreeSet<String> = BTreeSet::new();
    if !mine.is_empty() {
        let names = [name.to_owned()];
        for (person, case) in crate::search::persons::bearing_names(c, keyring, &mine, &names)? {
            let testified: i64 =
                testimonies::table.filter(testimonies::witness_id.eq(&person)).count().get_result(c)?;
            if testified > 0 && mine.contains(&case) {
                by_case.insert(case);
            }
        }
    }
    let mut matches = Vec::with_capacity(by_case.len());
    for case in &by_case {
        let case_reference: String = cases::table.find(case).select(cases::reference).first(c)?;
        let leads: Vec<String> = case_members::table
            .inner_join(users::table.on(users::id.eq(case_members::user_id)))
            .filter(case_members::case_id.eq(case))
            .filter(case_members::role.eq("lead"))
            .order(users::username.asc())
            .select(users::username)
            .load(c)?;
        matches.push(PriorInterviewMatch { case_reference, leads });
    }
    matches.sort_by(|a, b| a.case_reference.cmp(&b.case_reference));
    Ok(Found {
        answer: PriorInterviews { interviewed_before: !matches.is_empty(), matches },
        searched: mine.len(),
    })
}
