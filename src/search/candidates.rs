//! Candidates by blind token: one query of the engine's own inverted index (FTS5 on
//! SQLite, a GIN index on PostgreSQL) within the caller's cases.

use diesel::prelude::*;

use super::index::{Index, Wanted};
use crate::error::{Error, Result};
use crate::store::DbConnection;

/// Candidates re-checked at most per search; a query that matches more is too broad.
pub(super) const MAX_CANDIDATES: i64 = 2000;

/// Record ids (with their case) whose blind tokens include all (or any) of `tokens`,
/// within `cases` in the active build: `candidates_for` with one group per token (all) or
/// one group (any). Public for the benchmark; the search path calls `candidates_for`.
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
    let (build, _) = super::index::active(c)?;
    candidates_for(c, index, build, &wanted, cases)
}

/// Record ids (with their case) whose blind tokens answer `wanted`, within `cases`, in
/// `build` (the one the tokens' keys belong to: a rebuild's rows sit beside it). One
/// query of the engine's own inverted index, which intersects the postings itself. The
/// scope token of each case is one more term, so the index reads only the caller's cases.
/// At most one more than `MAX_CANDIDATES` (then "too broad").
pub fn candidates_for(
    c: &mut DbConnection,
    index: Index,
    build: i64,
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
                 WHERE search_fts MATCH ? AND r.record_table = ? AND r.build = ? LIMIT ?",
            )
            .bind::<Text, _>(format!("({words}) AND ({scopes})"))
            .bind::<Text, _>(index.table())
            .bind::<diesel::sql_types::BigInt, _>(build)
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
                 WHERE record_table = $1 AND case_id = ANY($2) AND build = $3 AND ({per_case}) LIMIT $4"
            ))
            .bind::<Text, _>(index.table())
            .bind::<diesel::sql_types::Array<Text>, _>(cases)
            .bind::<diesel::sql_types::BigInt, _>(build)
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
