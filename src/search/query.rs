//! Searching: normalise the query as the index was built, fetch candidates by blind
//! token within the caller's cases only, decrypt and re-check each (so truncated tokens
//! never yield a false result), rank, page, and build snippets after decryption. The
//! search is audited with its terms sealed, never in plaintext.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::index::{BlindIndex, Index};
use super::normalize::{self, QueryError};
use crate::audit::{self, Entry};
use crate::auth::Principal;
use crate::auth::policy::CaseRole;
use crate::cases::access;
use crate::cases::sealed::Sealer;
use crate::cases::{persons, testimonies};
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::store::schema::{case_members, search_queries, search_tokens};
use crate::store::{DbConnection, now};

/// Candidates re-checked at most per search; a query that matches more is too broad.
const MAX_CANDIDATES: i64 = 2000;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SearchKind {
    #[default]
    Testimonies,
    Persons,
}

/// A search. Sent in a body, not a URL: search words are as sensitive as what they find.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchRequest {
    /// Words (all must match, in any inflection), "quoted phrases", or for persons a name
    /// in any script.
    pub q: String,
    #[serde(default)]
    pub kind: SearchKind,
    /// Only this case (one of the caller's).
    pub case_id: Option<Uuid>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Hit {
    pub kind: SearchKind,
    pub id: Uuid,
    pub case_id: Uuid,
    /// The witness's (testimonies) or the person's pseudonym.
    pub pseudonym: String,
    /// Words around the first match, from the decrypted text as the caller may see it.
    pub snippet: String,
    pub created_at: DateTime<Utc>,
}

fn query_error(e: QueryError) -> Error {
    Error::field("q", "invalid_query", e.to_string())
}

/// The caller's cases, or the one asked for if it is one of them.
fn scope(c: &mut DbConnection, who: &Principal, only: Option<Uuid>) -> Result<Vec<String>> {
    let mine: Vec<String> = case_members::table
        .filter(case_members::user_id.eq(who.user_id.to_string()))
        .select(case_members::case_id)
        .load(c)?;
    match only {
        Some(case) if mine.contains(&case.to_string()) => Ok(vec![case.to_string()]),
        Some(_) => Err(Error::NotFound),
        None => Ok(mine),
    }
}

/// The text a testimony is indexed and searched by: the account as a reader who may not
/// know the witness sees it (identifying spans replaced), and the summary.
pub fn searchable_text(account: &str, spans: &[testimonies::Span], pseudonym: &str, summary: &str) -> String {
    format!("{}\n{summary}", testimonies::redact(account, spans, pseudonym))
}

fn snippet(text: &str, terms: &HashSet<String>) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut position = 0;
    let mut start = None;
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        if !word.is_empty() && normalize::tokens(word).iter().any(|t| terms.contains(t)) {
            start = Some(position);
            break;
        }
        position += word.chars().count() + 1;
    }
    let at = start.unwrap_or(0);
    let from = at.saturating_sub(60);
    let to = (at + 120).min(chars.len());
    let mut s: String = chars[from..to].iter().collect();
    if from > 0 {
        s.insert(0, '…');
    }
    if to < chars.len() {
        s.push('…');
    }
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn search(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    req: &SearchRequest,
    (limit, offset): (i64, i64),
) -> Result<(Vec<Hit>, i64)> {
    let cases = scope(c, who, req.case_id)?;
    let mut hits = match req.kind {
        SearchKind::Testimonies => search_testimonies(c, keyring, who, &cases, &req.q)?,
        SearchKind::Persons => search_persons(c, keyring, who, &cases, &req.q)?,
    };
    hits.sort_by_key(|h| std::cmp::Reverse(h.created_at));
    let total = hits.len() as i64;
    let page: Vec<Hit> = hits.into_iter().skip(offset as usize).take(limit as usize).collect();

    // The terms go into the log sealed, under a key of their own.
    let query_id = Uuid::new_v4().to_string();
    let sealer = Sealer::create(c, keyring, "search_queries", &query_id)?;
    diesel::insert_into(search_queries::table)
        .values((
            search_queries::id.eq(&query_id),
            search_queries::terms.eq(sealer.seal("terms", &req.q)?),
            search_queries::created_at.eq(now()),
        ))
        .execute(c)?;
    let kind = match req.kind {
        SearchKind::Testimonies => "testimonies",
        SearchKind::Persons => "persons",
    };
    audit::append(
        c,
        &Entry::new(who, "search")
            .target("search_query", &query_id)
            .detail("kind", kind)
            .detail("results", total),
    )?;
    Ok((page, total))
}

fn candidates(
    c: &mut DbConnection,
    index: Index,
    tokens: &[String],
    cases: &[String],
    all: bool,
) -> Result<Vec<(String, String)>> {
    if tokens.is_empty() || cases.is_empty() {
        return Ok(Vec::new());
    }
    let base = search_tokens::table
        .filter(search_tokens::record_table.eq(index.table()))
        .filter(search_tokens::token.eq_any(tokens))
        .filter(search_tokens::case_id.eq_any(cases));
    let found: Vec<(String, String)> = if all {
        base.group_by((search_tokens::record_id, search_tokens::case_id))
            // (token, table, record) is the key, so COUNT(token) counts distinct tokens.
            .having(diesel::dsl::count(search_tokens::token).eq(tokens.len() as i64))
            .select((search_tokens::record_id, search_tokens::case_id))
            .limit(MAX_CANDIDATES + 1)
            .load(c)?
    } else {
        base.select((search_tokens::record_id, search_tokens::case_id))
            .distinct()
            .limit(MAX_CANDIDATES + 1)
            .load(c)?
    };
    if found.len() as i64 > MAX_CANDIDATES {
        return Err(Error::field("q", "too_broad", "matches too much: add words or choose a case"));
    }
    Ok(found)
}

fn search_testimonies(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    cases: &[String],
    q: &str,
) -> Result<Vec<Hit>> {
    let query = normalize::query_terms(q).map_err(query_error)?;
    let index = BlindIndex::new(keyring, Index::Testimonies);
    let tokens = index.tokens(&query.terms);
    let terms: HashSet<String> = query.terms.iter().cloned().collect();
    let mut hits = Vec::new();
    for (id, case_id) in candidates(c, Index::Testimonies, &tokens, cases, true)? {
        let role = access::authorize(c, who, &case_id, crate::auth::policy::Action::CaseRead)?;
        let row = testimonies::load(c, &id)?;
        let witness = persons::load(c, &row.witness_id)?;
        let (account, spans, summary) = testimonies::searchable_parts(c, keyring, &row)?;
        let text = searchable_text(&account, &spans, &witness.pseudonym, &summary);
        let found: HashSet<String> = normalize::tokens(&text).into_iter().collect();
        let matches =
            terms.is_subset(&found) && query.phrases.iter().all(|p| normalize::contains_phrase(&text, p));
        if !matches {
            continue;
        }
        // Readers who may know the witness still get a snippet without the name: the
        // index never held it, and search results travel further than a single read.
        let _ = role;
        hits.push(Hit {
            kind: SearchKind::Testimonies,
            id: Uuid::parse_str(&id).map_err(|_| Error::Integrity)?,
            case_id: Uuid::parse_str(&case_id).map_err(|_| Error::Integrity)?,
            pseudonym: witness.pseudonym,
            snippet: snippet(&text, &terms),
            created_at: row.created_at.and_utc(),
        });
    }
    Ok(hits)
}

fn search_persons(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    cases: &[String],
    q: &str,
) -> Result<Vec<Hit>> {
    let wanted = normalize::name_tokens(q);
    if wanted.is_empty() {
        return Err(Error::field("q", "invalid_query", "give a name"));
    }
    let index = BlindIndex::new(keyring, Index::Names);
    let tokens = index.tokens(&wanted);
    let wanted: HashSet<String> = wanted.into_iter().collect();
    let mut hits = Vec::new();
    for (id, case_id) in candidates(c, Index::Names, &tokens, cases, false)? {
        let role: CaseRole = access::authorize(c, who, &case_id, crate::auth::policy::Action::CaseRead)?;
        let row = persons::load(c, &id)?;
        // Searching a witness's name must not confirm who they are to someone who may
        // not know: protected persons are found only by those who may see them.
        if !persons::may_see_identity(&row, who, role) {
            continue;
        }
        let names = persons::all_names_of(c, keyring, &row)?;
        let matches = names.iter().any(|n| normalize::name_tokens(n).iter().any(|t| wanted.contains(t)));
        if !matches {
            continue;
        }
        hits.push(Hit {
            kind: SearchKind::Persons,
            id: Uuid::parse_str(&id).map_err(|_| Error::Integrity)?,
            case_id: Uuid::parse_str(&case_id).map_err(|_| Error::Integrity)?,
            pseudonym: row.pseudonym.clone(),
            snippet: names.join(" / "),
            created_at: row.created_at.and_utc(),
        });
    }
    Ok(hits)
}
