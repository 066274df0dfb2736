//! Search across the caller's cases: found on a read snapshot and released only once the
//! search is recorded (audited, its terms sealed).

use crate::access::Allowed;
use crate::access::policy::act;
use crate::context::Context;
use crate::error::{Error, FieldError, Result};

use super::query::{self, Hit, SearchRequest};
use super::sections::{self, Choices, Found, Sections};

#[derive(Debug, Clone)]
pub struct Search {
    ctx: Context,
}

/// The search page's answer: the form's choices, and what was found or why the words
/// or filters could not be searched.
pub struct SearchPage {
    pub choices: Choices,
    pub found: std::result::Result<Found, Vec<FieldError>>,
}

impl Search {
    pub fn new(ctx: Context) -> Self {
        Search { ctx }
    }

    /// One kind (the request's), one page, recorded as a search of that kind.
    pub async fn search(
        &self,
        who: Allowed<act::Search>,
        req: SearchRequest,
        page: (i64, i64),
    ) -> Result<(Vec<Hit>, i64)> {
        let (q, kind, recorder) = (req.q.clone(), req.kind, who.principal.clone());
        let now = self.ctx.clock.now_naive();
        self.ctx
            .audited_read(
                move |c, k| query::find(c, k, &who.principal, &req, page),
                move |c, k, (hits, total)| {
                    query::record(c, k, &recorder, (&q, query::kind_label(kind), total), now)?;
                    Ok((hits, total))
                },
            )
            .await
    }

    /// People and testimonies for the same words, first page of each, recorded as one
    /// search of kind `all`.
    pub async fn search_both(
        &self,
        who: Allowed<act::Search>,
        req: SearchRequest,
        page: (i64, i64),
    ) -> Result<Sections> {
        let (q, recorder) = (req.q.clone(), who.principal.clone());
        let now = self.ctx.clock.now_naive();
        self.ctx
            .audited_read(
                move |c, k| sections::find(c, k, &who.principal, &req, page),
                move |c, k, found: Sections| {
                    query::record(c, k, &recorder, (&q, "all", found.total()), now)?;
                    Ok(found)
                },
            )
            .await
    }

    /// The search form's choices: the reader's cases and the vocabularies.
    pub async fn choices(&self, who: &Allowed<act::Search>) -> Result<Choices> {
        let p = who.principal.clone();
        self.ctx.write(move |c, k| sections::choices(c, k, &p)).await
    }

    /// The search page: `one_kind` pages through the request's kind, otherwise both
    /// sections; the form's choices are loaded after the search, as a page shows them
    /// whether or not the words could be searched.
    pub async fn page(
        &self,
        who: Allowed<act::Search>,
        req: SearchRequest,
        one_kind: bool,
        page: (i64, i64),
    ) -> Result<SearchPage> {
        let reader = who.clone();
        let found = if one_kind {
            self.search(who, req, page).await.map(Found::One)
        } else {
            self.search_both(who, req, (page.0, 0)).await.map(Found::Both)
        };
        let choices = self.choices(&reader).await?;
        match found {
            Ok(found) => Ok(SearchPage { choices, found: Ok(found) }),
            Err(Error::Validation(errors)) => Ok(SearchPage { choices, found: Err(errors) }),
            Err(e) => Err(e),
        }
    }
}
