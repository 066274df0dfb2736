//! Searching: normalise the query as the index was built, fetch candidates by blind
//! token within the caller's cases only, decrypt and re-check each (so truncated tokens
//! never yield a false result), rank, page, and build snippets after decryption. The
//! search is audited with its terms sealed, never in plaintext.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::index::{BlindIndex, Index, Wanted};
use super::normalize::{self, QueryError};
use crate::access::membership as access;
use crate::access::policy::CaseRole;
use crate::audit::{self, Entry};
use crate::auth::Principal;
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
    /// Words (all must match, in any inflection; a capitalised word of the text also
    /// matches in the other script: `Sidorenko` finds `Сидоренко`), "quoted phrases", or
    /// for persons parts of a name (all must be the person's, in any order and script;
    /// whole parts only) or the whole name. May be empty when filters are given (testimonies).
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
    /// How often the search's words occur in the text (testimonies), or for persons how
    /// many of the record's names match whole plus how many parts each name shares with
    /// the search: results come most matches first, then newest.
    pub matches: u32,
    /// Testimonies: the version found and the interview's (partial) date, so a result is
    /// named as everywhere else (`W-0031 · version 2 · 14 March 2021`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interview_date: Option<String>,
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

/// Words around the first word that matches a term, or whose cross-script key matches.
fn snippet(text: &str, terms: &HashSet<String>, keys: &HashSet<String>) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut position = 0;
    let mut start = None;
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        if !word.is_empty()
            && (normalize::tokens(word).iter().any(|t| terms.contains(t))
                || (!keys.is_empty() && normalize::name_keys(word).iter().any(|k| keys.contains(k))))
        {
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
    record(c, keyring, who, &req.q, kind_label(req.kind), total)?;
    Ok((hits, total))
}

/// `search` for a request: found on a read snapshot, released once recorded
/// (`Services::audited_read`).
pub async fn audited(
    state: &crate::services::Services,
    who: Principal,
    req: SearchRequest,
    page: (i64, i64),
) -> Result<(Vec<Hit>, i64)> {
    let (q, kind, recorder) = (req.q.clone(), req.kind, who.clone());
    state
        .audited_read(
            move |c, k| find(c, k, &who, &req, page),
            move |c, k, (hits, total)| {
                record(c, k, &recorder, &q, kind_label(kind), total)?;
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
    let mut hits = match kind {
        SearchKind::Testimonies => search_testimonies(c, keyring, who, &cases, &req.q, &req.filters)?,
        SearchKind::Persons => search_persons(c, keyring, who, &cases, &req.q)?,
    };
    hits.sort_by(|a, b| b.matches.cmp(&a.matches).then(b.created_at.cmp(&a.created_at)));
    let total = hits.len() as i64;
    Ok((hits.into_iter().skip(offset as usize).take(limit as usize).collect(), total))
}

fn kind_label(kind: SearchKind) -> &'static str {
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
    q: &str,
    kind: &'static str,
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
/// within `cases`: `candidates_for` with one group per token (all) or one group (any).
/// Public for the benchmark; the search path calls `candidates_for`.
pub fn candidates(
    c: &mut DbConnection,
    index: Index,
    tokens: &[u16],
    cases: &[String],
    all: bool,
) -> Result<Vec<(String, String)>> {
    if tokens.is_empty() {
        return Ok(Vec::new());
    }
    let wanted = if all { Wanted::all(tokens) } else { Wanted::any(tokens) };
    candidates_for(c, index, &wanted, cases)
}

/// Record ids (with their case) whose blind tokens answer `wanted`, within `cases`: one
/// query of the engine's own inverted index, which intersects the postings itself. The
/// scope token of each case is one more term, so the index reads only the caller's cases.
/// At most one more than `MAX_CANDIDATES` (then "too broad").
pub fn candidates_for(
    c: &mut DbConnection,
    index: Index,
    wanted: &Wanted<u16>,
    cases: &[String],
) -> Result<Vec<(String, String)>> {
    use diesel::sql_types::Text;
    #[derive(QueryableByName)]
    struct Candidate {
        #[diesel(sql_type = Text)]
        record_id: String,
        #[diesel(sql_type = Text)]
        case_id: String,
    }
    let alternatives: Vec<&Vec<Vec<u16>>> = wanted.answerable().collect();
    if alternatives.is_empty() || cases.is_empty() {
        return Ok(Vec::new());
    }
    let found: Vec<Candidate> = match c {
        #[cfg(feature = "sqlite")]
        DbConnection::Sqlite(conn) => {
            use super::index::{fts_token, scope_token};
            // Every term is our own hex (tokens) or hex of a case id, quoted as FTS5 strings;
            // the expression is bound, not spliced into the SQL.
            let group = |g: &Vec<u16>| {
                let words: Vec<String> = g.iter().map(|&t| format!("\"{}\"", fts_token(t))).collect();
                format!("({})", words.join(" OR "))
            };
            let words: Vec<String> = alternatives
                .iter()
                .map(|groups| format!("({})", groups.iter().map(group).collect::<Vec<_>>().join(" AND ")))
                .collect();
            let words = words.join(" OR ");
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
            // One GIN condition per case and alternative, OR'ed: PostgreSQL runs a GIN scan
            // per case and a BitmapOr. A single "any of these cases" condition let the
            // planner choose a sequential scan for common words (263 ms at 100,000,
            // docs/performance.md). Groups of one token join the scope in one `@>`; a group
            // of several (a word or its cross-script key) is an `&&`. Only integers are
            // spliced in (tokens and scope numbers we computed), so each plan is made for
            // its own values rather than a generic one.
            let list = |ts: &[u16]| ts.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(",");
            let mut per_case: Vec<String> = Vec::new();
            for k in cases {
                let scope = scope_number(index, k);
                for groups in &alternatives {
                    let single: Vec<u16> = groups.iter().filter(|g| g.len() == 1).map(|g| g[0]).collect();
                    let mut clause = if single.is_empty() {
                        format!("tokens @> '{{{scope}}}'")
                    } else {
                        format!("tokens @> '{{{},{scope}}}'", list(&single))
                    };
                    for g in groups.iter().filter(|g| g.len() > 1) {
                        clause.push_str(&format!(" AND tokens && '{{{}}}'", list(g)));
                    }
                    per_case.push(format!("({clause})"));
                }
            }
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
        let wanted = word_groups(&query);
        let found = candidates_for(c, Index::Testimonies, &index.blind(&wanted), cases)?;
        let found = index.narrow_to(c, found, &wanted)?;
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
    let keys: HashSet<String> = query.keys.iter().flatten().cloned().collect();
    let mut hits = Vec::new();
    let mut authorized: HashSet<String> = HashSet::new();
    for (id, case_id) in candidates {
        if !authorized.contains(&case_id) {
            access::authorize(c, who, &case_id, crate::access::policy::Action::CaseRead)?;
            authorized.insert(case_id.clone());
        }
        let row = testimonies::load(c, &id)?;
        if roots.as_ref().is_some_and(|r| !r.contains(&row.root_id)) {
            continue;
        }
        let witness = persons::load(c, &row.witness_id)?;
        let text = testimonies::searchable_text_of(c, keyring, &row, &witness.pseudonym)?;
        let counts = normalize::token_counts(&text);
        let key_counts = if keys.is_empty() { Default::default() } else { normalize::name_key_counts(&text) };
        // Each word of the search counts as itself or as its cross-script key (once: a
        // Cyrillic name in Cyrillic text has both).
        let per_word: Vec<u32> = query
            .terms
            .iter()
            .zip(&query.keys)
            .map(|(t, k)| {
                let by_key = k.as_ref().and_then(|k| key_counts.get(k)).copied().unwrap_or(0);
                counts.get(t).copied().unwrap_or(0).max(by_key)
            })
            .collect();
        let matches = per_word.iter().all(|&n| n > 0)
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
            snippet: snippet(&text, &terms, &keys),
            created_at: row.created_at.and_utc(),
            matches: per_word.iter().sum(),
            version: Some(row.version),
            interview_date: row.interview_date.clone(),
        });
    }
    Ok(hits)
}

/// What a testimony search wants: every word, each as its term or its cross-script key.
/// Public for the benchmark.
pub fn word_groups(query: &normalize::Query) -> Wanted<String> {
    let groups = query
        .terms
        .iter()
        .zip(&query.keys)
        .map(|(t, k)| std::iter::once(t.clone()).chain(k.clone()).collect())
        .collect();
    Wanted { alternatives: vec![groups] }
}

/// A name as searched: its parts (all must be among the person's name parts, in any order)
/// and its whole-name tokens (any one names the person as recorded).
struct NameQuery {
    parts: Vec<String>,
    whole: Vec<String>,
}

impl NameQuery {
    fn parse(q: &str) -> Result<Self> {
        let whole = normalize::name_tokens(q);
        if whole.is_empty() {
            return Err(Error::field("q", "invalid_query", "give a name"));
        }
        Ok(NameQuery { parts: normalize::name_part_tokens(q), whole })
    }

    fn wanted(&self) -> Wanted<String> {
        let mut alternatives = Vec::new();
        if !self.parts.is_empty() {
            alternatives.push(self.parts.iter().map(|p| vec![p.clone()]).collect());
        }
        alternatives.push(vec![self.whole.clone()]);
        Wanted { alternatives }
    }

    /// How well a person's names answer: 0 if not at all; else one per name matched
    /// whole, plus one per part found in each name.
    fn score(&self, names: &[String]) -> u32 {
        let whole: HashSet<&String> = self.whole.iter().collect();
        let per_name: Vec<Vec<String>> = names.iter().map(|n| normalize::name_part_tokens(n)).collect();
        let every_part =
            !self.parts.is_empty() && self.parts.iter().all(|p| per_name.iter().any(|ps| ps.contains(p)));
        let whole_names =
            names.iter().filter(|n| normalize::name_tokens(n).iter().any(|t| whole.contains(t))).count();
        if !every_part && whole_names == 0 {
            return 0;
        }
        let parts: usize =
            per_name.iter().map(|ps| self.parts.iter().filter(|p| ps.contains(p)).count()).sum();
        (whole_names + parts) as u32
    }
}

fn search_persons(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    cases: &[String],
    q: &str,
) -> Result<Vec<Hit>> {
    let wanted = NameQuery::parse(q)?;
    let index = BlindIndex::current(c, keyring, Index::Names)?;
    let asked = wanted.wanted();
    let found = candidates_for(c, Index::Names, &index.blind(&asked), cases)?;
    let found = index.narrow_to(c, found, &asked)?;
    let mut hits = Vec::new();
    for (id, case_id) in found {
        let role: CaseRole = access::authorize(c, who, &case_id, crate::access::policy::Action::CaseRead)?;
        let row = persons::load(c, &id)?;
        // Searching a witness's name must not confirm who they are to someone who may
        // not know: protected persons are found only by those who may see them.
        if !persons::may_see_identity(&row, who, role) {
            continue;
        }
        let names = persons::all_names_of(c, keyring, &row)?;
        let matched = wanted.score(&names);
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
            matches: matched,
            version: None,
            interview_date: None,
        });
    }
    Ok(hits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::index::{person_tokens, testimony_tokens};

    /// A person is found by any part of a name or alias, in any order and script, by the
    /// patronymic too, never by a piece of a part; both the index (what `wanted` asks of a
    /// record's tokens) and the re-check on the decrypted names agree.
    #[test]
    fn people_are_found_by_any_part_in_any_order_and_script() {
        let names = vec!["Сидоренко Виктор Петрович".to_owned(), "Витя".to_owned()];
        let indexed: HashSet<String> = person_tokens(&names).into_iter().collect();
        let cases: &[(&str, bool)] = &[
            ("Сидоренко", true),
            ("Sidorenko", true),
            ("Sydorenko", true),
            ("SIDORENKO", true),
            ("Сидоренко Виктор", true),
            ("Виктор Сидоренко", true),
            ("Viktor Sidorenko", true),
            ("Petrovich", true),
            ("Петрович Сидоренко", true),
            ("Sidorenko Viktor Petrovič", true),
            ("V. P. Sidorenko", true),
            ("Vitya Sidorenko", true),
            ("Витя", true),
            ("Сидор", false),
            ("Sidoren", false),
            ("Иван Сидоренко", false),
            ("Петров", false),
            ("Сидоренко Виктор Иванович", false),
        ];
        for &(q, want) in cases {
            let query = NameQuery::parse(q).unwrap();
            assert_eq!(query.wanted().holds(|t| indexed.contains(t)), want, "index: {q}");
            assert_eq!(query.score(&names) > 0, want, "re-check: {q}");
        }
        assert!(NameQuery::parse(" ,. ").is_err());
        // More of the name found ranks higher: the whole name as recorded, then parts.
        let whole = NameQuery::parse("Сидоренко Виктор Петрович").unwrap().score(&names);
        let reversed = NameQuery::parse("Виктор Сидоренко").unwrap().score(&names);
        let surname = NameQuery::parse("Sidorenko").unwrap().score(&names);
        assert!(whole > reversed && reversed > surname, "{whole} {reversed} {surname}");
    }

    /// A name in the words box finds the text in the other script, whatever script the
    /// query is in, beside the usual inflected words.
    #[test]
    fn words_find_names_written_in_the_other_script() {
        let ru = "Меня избил майор Сидоренко, а Петров смотрел.";
        let en = "Officer Sidorenko kicked me while Petrov watched.";
        let cases: &[(&str, &str, bool)] = &[
            (ru, "Sidorenko", true),
            (ru, "Sydorenko", true),
            (ru, "Сидоренко", true),
            (ru, "Sidorenko избил", true),
            (ru, "Sidorenko Petrov", true),
            (ru, "Sidorenko Ivanov", false),
            (ru, "Сидор", false),
            (en, "Сидоренко", true),
            (en, "Петров kicked", true),
            (en, "Петров избил", false),
            // Lower-case names are not name-like: found in their own script only.
            ("его бил сидоренко", "Sidorenko", false),
            ("его бил сидоренко", "Сидоренко", true),
        ];
        for &(text, q, want) in cases {
            let indexed: HashSet<String> = testimony_tokens(text).into_iter().collect();
            let query = normalize::query_terms(q).unwrap();
            assert_eq!(word_groups(&query).holds(|t| indexed.contains(t)), want, "{q} in {text}");
        }
    }
}
