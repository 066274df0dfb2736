//! The search page's one box: the same words look for people (by any part of a name) and
//! for testimonies (by words), each section ranked and paged on its own, and the search is
//! recorded once, sealed, like any other.

use crate::auth::Principal;
use crate::cases::case::{self as cases, CaseView};
use crate::cases::vocab::{self, Term};
use crate::crypto::Keyring;
use crate::error::{Error, FieldError, Result};
use crate::store::DbConnection;

use super::normalize;
use super::query::{self, Hit, SearchKind, SearchRequest};

/// What one search box found.
pub struct Sections {
    /// People whose names answer the words; `None` when the words hold no name (an empty
    /// box: filters only).
    pub persons: Option<(Vec<Hit>, i64)>,
    /// Testimonies; the errors when the words cannot be searched in text (only stop words,
    /// too broad) while they still name someone. Errors of the filters fail the search.
    pub testimonies: std::result::Result<(Vec<Hit>, i64), Vec<FieldError>>,
}

impl Sections {
    pub fn total(&self) -> i64 {
        self.persons.as_ref().map_or(0, |p| p.1) + self.testimonies.as_ref().map_or(0, |t| t.1)
    }
}

/// Both sections, one page each. Reads only; the caller must record the search.
pub fn find(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    req: &SearchRequest,
    page: (i64, i64),
) -> Result<Sections> {
    let persons = if normalize::name_tokens(&req.q).is_empty() {
        None
    } else {
        Some(query::find_kind(c, keyring, who, req, SearchKind::Persons, page)?)
    };
    let testimonies = match query::find_kind(c, keyring, who, req, SearchKind::Testimonies, page) {
        Ok(found) => Ok(found),
        // The words are fine as a name but not as words (only stop words, too broad): the
        // section says so. A bad filter is the form's error, as with one kind.
        Err(Error::Validation(errors)) if persons.is_some() && errors.iter().all(|e| e.field == "q") => {
            Err(errors)
        }
        Err(e) => return Err(e),
    };
    Ok(Sections { persons, testimonies })
}

/// What a search page found: one kind, paged; or both sections, first page each.
pub enum Found {
    One((Vec<Hit>, i64)),
    Both(Sections),
}

/// The reader's cases and the vocabularies, for the search form's filters.
pub struct Choices {
    pub cases: Vec<CaseView>,
    pub terms: Vec<Term>,
}

/// The choices of the search form (the reader's first 200 cases, every vocabulary).
pub fn choices(c: &mut DbConnection, keyring: &Keyring, who: &Principal) -> Result<Choices> {
    Ok(Choices { cases: cases::list(c, keyring, who, 200, 0)?.0, terms: vocab::list(c, None)? })
}
