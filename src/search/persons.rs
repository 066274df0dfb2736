//! Persons by name: any parts of a name in any order and script, or the whole name;
//! protected persons only for those who may know them.

use std::collections::HashSet;

use uuid::Uuid;

use super::candidates::candidates_for;
use super::index::{BlindIndex, Index, Wanted};
use super::normalize;
use super::request::{Hit, SearchKind};
use crate::access::membership as access;
use crate::access::policy::CaseRole;
use crate::auth::Principal;
use crate::cases::persons;
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::store::DbConnection;

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

pub(super) fn search_persons(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    cases: &[String],
    q: &str,
) -> Result<Vec<Hit>> {
    let wanted = NameQuery::parse(q)?;
    let index = BlindIndex::current(c, keyring, Index::Names)?;
    let asked = wanted.wanted();
    let found = candidates_for(c, Index::Names, index.build(), &index.blind(&asked), cases)?;
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

/// Persons in `cases` recorded under one of `names` — all its parts, in any order and
/// script, never by a part alone: "Ivanov" is many people — whom `who` may know by
/// name: (person id, case id). How the
/// same perpetrator recorded in several cases is found for the analysis of linkage.
pub fn namesakes(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    cases: &[String],
    names: &[String],
) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for (id, case_id) in bearing_names(c, keyring, cases, names)? {
        let role = access::authorize(c, who, &case_id, crate::access::policy::Action::CaseRead)?;
        if persons::may_see_identity(&persons::load(c, &id)?, who, role) {
            out.push((id, case_id));
        }
    }
    Ok(out)
}

/// Persons in `cases` recorded under one of `names`, by the rule `namesakes` follows,
/// whoever may know them: (person id, case id). Only for callers that reveal no more
/// than that a case the reader belongs to holds such a person (the prior-interview
/// check); `cases` must be cases the reader may read.
pub fn bearing_names(
    c: &mut DbConnection,
    keyring: &Keyring,
    cases: &[String],
    names: &[String],
) -> Result<Vec<(String, String)>> {
    let index = BlindIndex::current(c, keyring, Index::Names)?;
    let mut out: Vec<(String, String)> = Vec::new();
    for name in names {
        let Ok(mut wanted) = NameQuery::parse(name) else { continue };
        // Every part of a name of two parts or more, in any order and script; a name of
        // one word only as a whole.
        if wanted.parts.len() < 2 {
            wanted.parts.clear();
        }
        let asked = wanted.wanted();
        let found = candidates_for(c, Index::Names, index.build(), &index.blind(&asked), cases)?;
        for (id, case_id) in index.narrow_to(c, found, &asked)? {
            if out.iter().any(|(seen, _)| *seen == id) {
                continue;
            }
            let row = persons::load(c, &id)?;
            if wanted.score(&persons::all_names_of(c, keyring, &row)?) > 0 {
                out.push((id, case_id));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::index::person_tokens;

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
}
