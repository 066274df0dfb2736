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
use crate::store::schema::{case_members, search_queries};
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
    /// in any script. May be empty when filters are given (testimonies).
    #[serde(default)]
    pub q: String,
    /// Testimonies only: keep those linked to an incident matching every filter given.
    #[serde(default)]
    pub filters: IncidentFilter,
    #[serde(default)]
    pub kind: SearchKind,
    /// Only this case (one of the caller's).
    pub case_id: Option<Uuid>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Structured filters on the incidents a testimony describes. Dates compare as written
/// (`YYYY-MM-DD`; an incident known only to the month sorts before that month's days).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentFilter {
    /// An `act_type` code.
    pub act_type: Option<String>,
    /// A `torture_method` code.
    pub torture_method: Option<String>,
    /// Incidents that started on or after this date.
    pub from: Option<String>,
    /// Incidents that started on or before this date.
    pub to: Option<String>,
    pub place_id: Option<Uuid>,
    /// A person involved in the incident (any role).
    pub perpetrator_id: Option<Uuid>,
    /// A unit involved, its sub-units, or any of their members.
    pub unit_id: Option<Uuid>,
}

impl IncidentFilter {
    fn is_empty(&self) -> bool {
        self.act_type.is_none()
            && self.torture_method.is_none()
            && self.from.is_none()
            && self.to.is_none()
            && self.place_id.is_none()
            && self.perpetrator_id.is_none()
            && self.unit_id.is_none()
    }
}

/// Root ids of the testimonies linked to an incident that matches every filter.
fn filtered_roots(c: &mut DbConnection, cases: &[String], f: &IncidentFilter) -> Result<HashSet<String>> {
    use crate::store::schema::{incidents, involvements, persons as persons_t, testimony_incidents, units};
    let mut checks = crate::cases::validate::Checks::default();
    for (vocab, field, code) in [
        ("act_type", "filters.act_type", &f.act_type),
        ("torture_method", "filters.torture_method", &f.torture_method),
    ] {
        if let Some(code) = code
            && let Some(e) = crate::cases::vocab::check(c, vocab, code, field)?
        {
            checks.0.push(e);
        }
    }
    let from = f.from.as_deref().and_then(|d| checks.check(crate::cases::validate::date("filters.from", d)));
    let to = f.to.as_deref().and_then(|d| checks.check(crate::cases::validate::date("filters.to", d)));
    if let (Some(a), Some(b)) = (from, to)
        && b < a
    {
        checks.0.push(crate::error::FieldError::new(
            "filters.to",
            "before_from",
            "must not be before `from`",
        ));
    }
    checks.finish()?;

    let mut q = incidents::table.filter(incidents::case_id.eq_any(cases)).into_boxed();
    if let Some(a) = &f.act_type {
        q = q.filter(incidents::act_type.eq(a.clone()));
    }
    if let Some(m) = &f.torture_method {
        // The code was checked against the vocabulary: [a-z0-9_] only, safe in a pattern.
        q = q.filter(incidents::methods.like(format!("%\"{m}\"%")));
    }
    if let Some(d) = &f.from {
        q = q.filter(incidents::start_date.ge(d.clone()));
    }
    if let Some(d) = &f.to {
        q = q.filter(incidents::start_date.le(d.clone()));
    }
    if let Some(p) = f.place_id {
        q = q.filter(incidents::place_id.eq(p.to_string()));
    }
    let mut ids: Vec<String> = q.select(incidents::id).load(c)?;
    let mut keep_involved =
        |c: &mut DbConnection, people: Vec<String>, unit_ids: Vec<String>| -> Result<()> {
            let involved: HashSet<String> = involvements::table
                .filter(involvements::person_id.eq_any(&people).or(involvements::unit_id.eq_any(&unit_ids)))
                .select(involvements::incident_id)
                .load::<String>(c)?
                .into_iter()
                .collect();
            ids.retain(|i| involved.contains(i));
            Ok(())
        };
    if let Some(p) = f.perpetrator_id {
        keep_involved(c, vec![p.to_string()], Vec::new())?;
    }
    if let Some(u) = f.unit_id {
        let unit = u.to_string();
        let unit_case: Option<String> =
            units::table.find(&unit).select(units::case_id).first(c).optional()?;
        let tree = match unit_case {
            Some(case) if cases.contains(&case) => crate::cases::units::subtree(c, &unit)?,
            _ => Vec::new(),
        };
        let members: Vec<String> =
            persons_t::table.filter(persons_t::unit_id.eq_any(&tree)).select(persons_t::id).load(c)?;
        keep_involved(c, members, tree)?;
    }
    Ok(testimony_incidents::table
        .filter(testimony_incidents::incident_id.eq_any(&ids))
        .select(testimony_incidents::testimony_root_id)
        .load::<String>(c)?
        .into_iter()
        .collect())
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
    /// How often the search's words occur in the text (testimonies) or how many of the
    /// record's names match (persons): results come most matches first, then newest.
    pub matches: u32,
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

/// Searches and records the search (`find`, then `record`), in one transaction.
pub fn search(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    req: &SearchRequest,
    page: (i64, i64),
) -> Result<(Vec<Hit>, i64)> {
    let (hits, total) = find(c, keyring, who, req, page)?;
    record(c, keyring, who, &req.q, req.kind, total)?;
    Ok((hits, total))
}

/// `search` for a request: found on a read snapshot, released once recorded
/// (`AppState::audited_read`).
pub async fn audited(
    state: &crate::startup::AppState,
    who: Principal,
    req: SearchRequest,
    page: (i64, i64),
) -> Result<(Vec<Hit>, i64)> {
    let (q, kind, recorder) = (req.q.clone(), req.kind, who.clone());
    state
        .audited_read(
            move |c, k| find(c, k, &who, &req, page),
            move |c, k, (hits, total)| {
                record(c, k, &recorder, &q, kind, total)?;
                Ok((hits, total))
            },
        )
        .await
}

/// One page of what the caller may see that matches, and the number of matches. Reads
/// only; the caller must `record` the search before releasing anything.
pub fn find(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    req: &SearchRequest,
    (limit, offset): (i64, i64),
) -> Result<(Vec<Hit>, i64)> {
    let cases = scope(c, who, req.case_id)?;
    let mut hits = match req.kind {
        SearchKind::Testimonies => search_testimonies(c, keyring, who, &cases, &req.q, &req.filters)?,
        SearchKind::Persons => search_persons(c, keyring, who, &cases, &req.q)?,
    };
    hits.sort_by(|a, b| b.matches.cmp(&a.matches).then(b.created_at.cmp(&a.created_at)));
    let total = hits.len() as i64;
    Ok((hits.into_iter().skip(offset as usize).take(limit as usize).collect(), total))
}

/// The audit record of a search: its terms sealed under a key of their own (never in
/// the log), the kind and the number of results.
pub fn record(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    q: &str,
    kind: SearchKind,
    total: i64,
) -> Result<()> {
    let query_id = Uuid::new_v4().to_string();
    let sealer = Sealer::create(c, keyring, "search_queries", &query_id)?;
    diesel::insert_into(search_queries::table)
        .values((
            search_queries::id.eq(&query_id),
            search_queries::terms.eq(sealer.seal("terms", q)?),
            search_queries::created_at.eq(now()),
        ))
        .execute(c)?;
    let kind = match kind {
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
    Ok(())
}

/// Record ids (with their case) whose blind tokens include all (or any) of `tokens`,
/// within `cases`: one query of the engine's own inverted index, which intersects the
/// postings itself. The scope token of each case is one more term, so the index reads
/// only the caller's cases. At most one more than `MAX_CANDIDATES` (then "too broad").
/// Public for the benchmark; the search path calls it.
pub fn candidates(
    c: &mut DbConnection,
    index: Index,
    tokens: &[u16],
    cases: &[String],
    all: bool,
) -> Result<Vec<(String, String)>> {
    use diesel::sql_types::Text;
    #[derive(QueryableByName)]
    struct Candidate {
        #[diesel(sql_type = Text)]
        record_id: String,
        #[diesel(sql_type = Text)]
        case_id: String,
    }
    if tokens.is_empty() || cases.is_empty() {
        return Ok(Vec::new());
    }
    let found: Vec<Candidate> = match c {
        #[cfg(feature = "sqlite")]
        DbConnection::Sqlite(conn) => {
            use super::index::{fts_token, scope_token};
            // Every term is our own hex (tokens) or hex of a case id, quoted as FTS5 strings;
            // the expression is bound, not spliced into the SQL.
            let words: Vec<String> = tokens.iter().map(|&t| format!("\"{}\"", fts_token(t))).collect();
            let words = words.join(if all { " AND " } else { " OR " });
            let scopes: Vec<String> =
                cases.iter().map(|k| format!("\"{}\"", scope_token(index, k))).collect();
            let scopes = scopes.join(" OR ");
            diesel::sql_query(
                "SELECT r.record_id, r.case_id FROM search_fts JOIN search_records r ON r.n = search_fts.rowid \
                 WHERE search_fts MATCH ? AND r.record_table = ? LIMIT ?",
            )
            .bind::<Text, _>(format!("({words}) AND ({scopes})"))
            .bind::<Text, _>(index.table())
            .bind::<diesel::sql_types::BigInt, _>(MAX_CANDIDATES + 1)
            .load(conn)?
        }
        #[cfg(feature = "postgres")]
        DbConnection::Postgres(conn) => {
            use super::index::scope_number;
            // One GIN condition per case, OR'ed: PostgreSQL runs a GIN scan per case and a
            // BitmapOr. A single "any of these cases" condition let the planner choose a
            // sequential scan for common words (263 ms at 100,000, docs/performance.md).
            // Only integers are spliced in (tokens and scope numbers we computed), so each
            // plan is made for its own values rather than a generic one.
            let words: Vec<String> = tokens.iter().map(|t| t.to_string()).collect();
            let words = words.join(",");
            let per_case: Vec<String> = cases
                .iter()
                .map(|k| {
                    let scope = scope_number(index, k);
                    if all {
                        format!("tokens @> '{{{words},{scope}}}'")
                    } else {
                        format!("(tokens @> '{{{scope}}}' AND tokens && '{{{words}}}')")
                    }
                })
                .collect();
            let per_case = per_case.join(" OR ");
            diesel::sql_query(format!(
                "SELECT record_id, case_id FROM search_postings \
                 WHERE record_table = $1 AND case_id = ANY($2) AND ({per_case}) LIMIT $3"
            ))
            .bind::<Text, _>(index.table())
            .bind::<diesel::sql_types::Array<Text>, _>(cases)
            .bind::<diesel::sql_types::BigInt, _>(MAX_CANDIDATES + 1)
            .load(conn)?
        }
    };
    too_broad(found.into_iter().map(|f| (f.record_id, f.case_id)).collect())
}

fn too_broad(found: Vec<(String, String)>) -> Result<Vec<(String, String)>> {
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
    filters: &IncidentFilter,
) -> Result<Vec<Hit>> {
    use crate::store::schema::testimonies as testimonies_t;
    let roots = if filters.is_empty() { None } else { Some(filtered_roots(c, cases, filters)?) };
    let (query, found_by_words) = if q.trim().is_empty() && roots.is_some() {
        (normalize::Query::default(), None)
    } else {
        let query = normalize::query_terms(q).map_err(query_error)?;
        let index = BlindIndex::current(c, keyring, Index::Testimonies)?;
        let tokens = index.tokens(&query.terms);
        let found = candidates(c, Index::Testimonies, &tokens, cases, true)?;
        let found = index.narrow(c, found, &query.terms, true)?;
        (query, Some(found))
    };
    let candidates = match (found_by_words, &roots) {
        (Some(found), _) => found,
        (None, Some(roots)) => testimonies_t::table
            .filter(testimonies_t::root_id.eq_any(roots.iter().cloned().collect::<Vec<_>>()))
            .filter(testimonies_t::case_id.eq_any(cases))
            .select((testimonies_t::id, testimonies_t::case_id))
            .limit(MAX_CANDIDATES)
            .load(c)?,
        (None, None) => Vec::new(),
    };
    let terms: HashSet<String> = query.terms.iter().cloned().collect();
    let mut hits = Vec::new();
    let mut authorized: HashSet<String> = HashSet::new();
    for (id, case_id) in candidates {
        if !authorized.contains(&case_id) {
            access::authorize(c, who, &case_id, crate::auth::policy::Action::CaseRead)?;
            authorized.insert(case_id.clone());
        }
        let row = testimonies::load(c, &id)?;
        if roots.as_ref().is_some_and(|r| !r.contains(&row.root_id)) {
            continue;
        }
        let witness = persons::load(c, &row.witness_id)?;
        let (account, spans, summary) = testimonies::searchable_parts(c, keyring, &row)?;
        let text = searchable_text(&account, &spans, &witness.pseudonym, &summary);
        let counts = normalize::token_counts(&text);
        let matches = terms.iter().all(|t| counts.contains_key(t))
            && query.phrases.iter().all(|p| normalize::contains_phrase(&text, p));
        if !matches {
            continue;
        }
        // Readers who may know the witness still get a snippet without the name: the
        // index never held it, and search results travel further than a single read.
        hits.push(Hit {
            kind: SearchKind::Testimonies,
            id: Uuid::parse_str(&id).map_err(|_| Error::Integrity)?,
            case_id: Uuid::parse_str(&case_id).map_err(|_| Error::Integrity)?,
            pseudonym: witness.pseudonym,
            snippet: snippet(&text, &terms),
            created_at: row.created_at.and_utc(),
            matches: terms.iter().map(|t| counts.get(t).copied().unwrap_or(0)).sum(),
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
    let index = BlindIndex::current(c, keyring, Index::Names)?;
    let tokens = index.tokens(&wanted);
    let found = candidates(c, Index::Names, &tokens, cases, false)?;
    let found = index.narrow(c, found, &wanted, false)?;
    let wanted: HashSet<String> = wanted.into_iter().collect();
    let mut hits = Vec::new();
    for (id, case_id) in found {
        let role: CaseRole = access::authorize(c, who, &case_id, crate::auth::policy::Action::CaseRead)?;
        let row = persons::load(c, &id)?;
        // Searching a witness's name must not confirm who they are to someone who may
        // not know: protected persons are found only by those who may see them.
        if !persons::may_see_identity(&row, who, role) {
            continue;
        }
        let names = persons::all_names_of(c, keyring, &row)?;
        let matched =
            names.iter().filter(|n| normalize::name_tokens(n).iter().any(|t| wanted.contains(t))).count();
        if matched == 0 {
            continue;
        }
        hits.push(Hit {
            kind: SearchKind::Persons,
            id: Uuid::parse_str(&id).map_err(|_| Error::Integrity)?,
            case_id: Uuid::parse_str(&case_id).map_err(|_| Error::Integrity)?,
            pseudonym: row.pseudonym.clone(),
            snippet: names.join(" / "),
            created_at: row.created_at.and_utc(),
            matches: matched as u32,
        });
    }
    Ok(hits)
}
