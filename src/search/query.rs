//! Searching: normalise the query as the index was built, fetch candidates by blind
//! token within the caller's cases only, decrypt and re-check each (so truncated tokens
//! never yield a false result), rank, page, and build snippets after decryption. The
//! search is audited with its terms sealed, never in plaintext.
//!
//! By use case: testimonies by words (`testimonies`, with `filters`), persons by name
//! (`persons`), both over `candidates`; this module scopes, ranks, pages and records.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

pub use super::candidates::{candidates, candidates_for};
pub use super::request::{Hit, IncidentFilter, SearchKind, SearchRequest};
pub use super::testimonies::word_groups;
use crate::access::membership;
use crate::audit::{self, Entry};
use crate::auth::Principal;
use crate::cases::sealed::Sealer;
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::search_queries;

/// The caller's cases, or the one asked for if it is one of them.
fn scope(c: &mut DbConnection, who: &Principal, only: Option<Uuid>) -> Result<Vec<String>> {
    match only {
        Some(case) => {
            let case = case.to_string();
            match membership::membership(c, &case, who.user_id)? {
                Some(_) => Ok(vec![case]),
                None => Err(Error::NotFound),
            }
        }
        None => membership::cases_of(c, who.user_id),
    }
}

/// One page of what the caller may see that matches, and the number of matches. Reads
/// only; the caller must `record` the search before releasing anything.
pub fn find(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    req: &SearchRequest,
    page: (i64, i64),
) -> Result<(Vec<Hit>, i64)> {
    find_kind(c, keyring, who, req, req.kind, page)
}

/// `find` for the kind given rather than the request's.
pub fn find_kind(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    req: &SearchRequest,
    kind: SearchKind,
    (limit, offset): (i64, i64),
) -> Result<(Vec<Hit>, i64)> {
    let cases = scope(c, who, req.case_id)?;
    if !req.filters.is_empty() {
        super::filters::check(c, &req.filters)?;
    }
    let mut hits = match kind {
        SearchKind::Testimonies => {
            super::testimonies::search_testimonies(c, keyring, who, &cases, &req.q, &req.filters)?
        }
        SearchKind::Persons => super::persons::search_persons(c, keyring, who, &cases, &req.q)?,
    };
    hits.sort_by(|a, b| b.matches.cmp(&a.matches).then(b.created_at.cmp(&a.created_at)));
    let total = hits.len() as i64;
    Ok((hits.into_iter().skip(offset as usize).take(limit as usize).collect(), total))
}

pub fn kind_label(kind: SearchKind) -> &'static str {
    match kind {
        SearchKind::Testimonies => "testimonies",
        SearchKind::Persons => "persons",
    }
}

/// The audit record of a search: its terms sealed under a key of their own (never in
/// the log), the kind (`testimonies`, `persons`, or `all` for the search page's one box)
/// and the number of results.
pub fn record(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    search: (&str, &'static str, i64),
    now: NaiveDateTime,
) -> Result<()> {
    let (q, kind, total) = search;
    let query_id = Uuid::new_v4().to_string();
    let sealer = Sealer::create(c, keyring, "search_queries", &query_id)?;
    diesel::insert_into(search_queries::table)
        .values((
            search_queries::id.eq(&query_id),
            search_queries::terms.eq(sealer.seal("terms", q)?),
            search_queries::created_at.eq(now),
        ))
        .execute(c)?;
    audit::append(
        c,
        &Entry::new(who, "search")
            .target("search_query", &query_id)
            .detail("kind", kind)
            .detail("results", total),
    )?;
    Ok(())
}
