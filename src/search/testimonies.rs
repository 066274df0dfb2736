//! Testimonies by words: candidates by blind token (or by incident filters alone),
//! each decrypted and re-checked on the text a reader who may not know the witness sees,
//! counted, and given a snippet.

use std::collections::HashSet;

use diesel::prelude::*;
use uuid::Uuid;

use super::candidates::{MAX_CANDIDATES, candidates_for};
use super::filters::filtered_roots;
use super::index::{BlindIndex, Index, Wanted};
use super::normalize::{self, QueryError};
use super::request::{Hit, IncidentFilter, SearchKind};
use crate::access::membership as access;
use crate::auth::Principal;
use crate::cases::{persons, testimonies};
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::store::DbConnection;

fn query_error(e: QueryError) -> Error {
    Error::field("q", "invalid_query", e.to_string())
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

pub(super) fn search_testimonies(
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
        let found = candidates_for(c, Index::Testimonies, index.build(), &index.blind(&wanted), cases)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::index::testimony_tokens;

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
