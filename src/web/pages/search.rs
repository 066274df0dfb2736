//! Search for investigators. The words travel in a POST body, never in the URL, so they
//! stay out of browser history, proxies and logs; the result page is not cached.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use crate::access::Allowed;
use crate::access::policy::act;
use crate::cases::vocab::Term;
use crate::error::{FieldError, Result};
use crate::search::sections::{Choices, Found, Sections};
use crate::search::{Hit, IncidentFilter, SearchKind, SearchRequest};
use crate::services::Services;
use crate::web::i18n::Lang;
use crate::web::layout::{self, Nav, csrf_field, field, form_errors};
use crate::web::pages::registry::Pages;
use crate::web::{Ctx, Form};

pub fn routes(r: &mut Pages) {
    r.get("/search", search_page);
    r.post("/search", search);
}

const PAGE: i64 = 20;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SearchForm {
    q: String,
    case: String,
    kind: String,
    act_type: String,
    torture_method: String,
    from: String,
    to: String,
    offset: i64,
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

impl SearchForm {
    /// One kind only (`persons`, `testimonies`), or both sections (anything else: the
    /// default, so a single box finds people and testimonies together).
    fn only(&self) -> Option<SearchKind> {
        match self.kind.as_str() {
            "persons" => Some(SearchKind::Persons),
            "testimonies" => Some(SearchKind::Testimonies),
            _ => None,
        }
    }

    fn has_incident_filters(&self) -> bool {
        !(self.act_type.is_empty()
            && self.torture_method.is_empty()
            && self.from.is_empty()
            && self.to.is_empty())
    }

    fn request(&self) -> SearchRequest {
        SearchRequest {
            q: self.q.clone(),
            filters: IncidentFilter {
                act_type: opt(&self.act_type),
                torture_method: opt(&self.torture_method),
                from: opt(&self.from),
                to: opt(&self.to),
                place_id: None,
                perpetrator_id: None,
                unit_id: None,
            },
            kind: self.only().unwrap_or_default(),
            case_id: self.case.parse().ok(),
            limit: Some(PAGE),
            offset: Some(self.offset.max(0)),
        }
    }
}

#[derive(Deserialize)]
struct CaseParam {
    case: Option<Uuid>,
}

async fn search_page(
    services: web::Data<Services>,
    who: Allowed<act::Search>,
    ctx: Ctx,
    q: web::Query<CaseParam>,
) -> Result<HttpResponse> {
    let ch = services.search.choices(&who).await?;
    let form = SearchForm { case: q.case.map(|c| c.to_string()).unwrap_or_default(), ..Default::default() };
    Ok(page_html(&ctx, StatusCode::OK, &ch, &form, None, &[]))
}

async fn search(
    services: web::Data<Services>,
    who: Allowed<act::Search>,
    ctx: Ctx,
    form: Form<SearchForm>,
) -> Result<HttpResponse> {
    let f = form.0;
    let page = (PAGE, f.offset.max(0));
    let answer = services.search.page(who, f.request(), f.only().is_some(), page).await?;
    match answer.found {
        Ok(found) => Ok(page_html(&ctx, StatusCode::OK, &answer.choices, &f, Some(found), &[])),
        Err(errors) => {
            Ok(page_html(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &answer.choices, &f, None, &errors))
        }
    }
}

fn label(lang: Lang, t: &Term) -> &str {
    match lang {
        Lang::En => &t.label_en,
        Lang::Ru => &t.label_ru,
    }
}

fn page_html(
    ctx: &Ctx,
    status: StatusCode,
    ch: &Choices,
    f: &SearchForm,
    found: Option<Found>,
    errors: &[FieldError],
) -> HttpResponse {
    let lang = ctx.lang();
    let vocab = |v: &'static str| ch.terms.iter().filter(move |t| t.vocabulary == v);
    // Filter errors come back as `filters.from`; the form's fields are plain `from`.
    let errors: Vec<FieldError> = errors
        .iter()
        .map(|e| FieldError { field: e.field.trim_start_matches("filters.").to_owned(), ..e.clone() })
        .collect();
    let errors = &errors[..];
    let has_filters = !f.case.is_empty() || f.has_incident_filters();
    let body = html! {
        h1 { (ctx.t("search-title")) }
        p.lead { (ctx.t("search-intro")) }
        (form_errors(ctx, errors, &["q", "from", "to", "act_type", "torture_method", "case"]))
        form #search-form method="post" action="/search" role="search" {
            (csrf_field(ctx))
            (field(ctx, "q", "search-words", errors, html! {
                input #q name="q" type="search" value=(f.q) autocomplete="off" spellcheck="false" aria-describedby="q-hint";
                p.hint #q-hint { (ctx.t("search-words-hint")) }
            }))
            // What to look for sits beside the words, not under Filters: people are found
            // by default, together with testimonies.
            (field(ctx, "kind", "search-kind", errors, html! {
                select #kind name="kind" {
                    option value="all" selected[f.only().is_none()] { (ctx.t("search-kind-all")) }
                    option value="persons" selected[f.kind == "persons"] { (ctx.t("persons-title")) }
                    option value="testimonies" selected[f.kind == "testimonies"] { (ctx.t("testimonies-title")) }
                }
            }))
            details.filters-box open[has_filters || !errors.is_empty()] {
            summary { (ctx.t("search-filters")) }
            div.filters {
                (field(ctx, "case", "search-case", errors, html! {
                    select #case name="case" {
                        option value="" { (ctx.t("search-all-cases")) }
                        @for c in &ch.cases { option value=(c.id) selected[f.case == c.id.to_string()] { (c.reference) } }
                    }
                }))
                (field(ctx, "act_type", "act-type", errors, html! {
                    select #act_type name="act_type" {
                        option value="" { (ctx.t("any")) }
                        @for t in vocab("act_type") { option value=(t.code) selected[f.act_type == t.code] { (label(lang, t)) } }
                    }
                }))
                (field(ctx, "torture_method", "methods", errors, html! {
                    select #torture_method name="torture_method" {
                        option value="" { (ctx.t("any")) }
                        @for t in vocab("torture_method") { option value=(t.code) selected[f.torture_method == t.code] { (label(lang, t)) } }
                    }
                }))
                (field(ctx, "from", "search-from", errors, html! { input #from name="from" type="date" value=(f.from); }))
                (field(ctx, "to", "search-to", errors, html! { input #to name="to" type="date" value=(f.to); }))
            }
            }
            p { button #search type="submit" { (ctx.t("search-button")) } }
        }
        @match found {
            Some(Found::One((hits, total))) => (results(ctx, f, &hits, total)),
            Some(Found::Both(both)) => (sections_html(ctx, f, &both)),
            None => {},
        }
    };
    layout::render(ctx, status, "search-title", Nav::Search, body)
}

/// The hint when a section is empty: says what was looked for, and where.
fn none_hint(f: &SearchForm, kind: SearchKind) -> &'static str {
    match kind {
        SearchKind::Persons => "search-none-persons",
        SearchKind::Testimonies if f.q.trim().is_empty() => "search-none-filters-only",
        SearchKind::Testimonies if f.has_incident_filters() || !f.case.is_empty() => "search-none-filtered",
        SearchKind::Testimonies => "search-none-testimonies",
    }
}

fn hit(ctx: &Ctx, h: &Hit) -> Markup {
    html! {
        article.result {
            @match h.kind {
                SearchKind::Testimonies => a href={ "/testimonies/" (h.id) } {
                    (ctx.t("testimony-of")) " "
                    (super::names::testimony_text(ctx, &h.pseudonym, h.version.unwrap_or(1), h.interview_date.as_deref()))
                },
                SearchKind::Persons => a href={ "/persons/" (h.id) } { (h.pseudonym) },
            }
            " " span.hint { (layout::when(ctx, h.created_at)) }
            @if !h.snippet.is_empty() { p { (h.snippet) } }
        }
    }
}

/// People, then testimonies, each ranked on its own, with a way to see all of a section.
fn sections_html(ctx: &Ctx, f: &SearchForm, both: &Sections) -> Markup {
    html! {
        section aria-labelledby="results-h" aria-live="polite" {
            h2 #results-h { (ctx.ta("search-results", &[("total", both.total().into())])) }
            @if let Some((hits, total)) = &both.persons {
                section #people aria-labelledby="people-h" {
                    h3 #people-h { (ctx.ta("search-people", &[("total", (*total).into())])) }
                    @if hits.is_empty() { p.empty { (ctx.t(none_hint(f, SearchKind::Persons))) } }
                    @for h in hits { (hit(ctx, h)) }
                    @if *total > hits.len() as i64 { (kind_button(ctx, f, "persons", "search-show-all-persons")) }
                }
            }
            section #testimonies aria-labelledby="testimonies-h" {
                @match &both.testimonies {
                    Ok((hits, total)) => {
                        h3 #testimonies-h { (ctx.ta("search-testimonies", &[("total", (*total).into())])) }
                        @if hits.is_empty() { p.empty { (ctx.t(none_hint(f, SearchKind::Testimonies))) } }
                        @for h in hits { (hit(ctx, h)) }
                        @if *total > hits.len() as i64 { (kind_button(ctx, f, "testimonies", "search-show-all-testimonies")) }
                    }
                    Err(errors) => {
                        h3 #testimonies-h { (ctx.t("testimonies-title")) }
                        @for e in errors { p.empty { (layout::field_message(ctx, e)) } }
                    }
                }
            }
        }
    }
}

fn results(ctx: &Ctx, f: &SearchForm, hits: &[Hit], total: i64) -> Markup {
    let offset = f.offset.max(0);
    let kind = f.only().unwrap_or_default();
    html! {
        section aria-labelledby="results-h" aria-live="polite" {
            h2 #results-h { (ctx.ta("search-results", &[("total", total.into())])) }
            @if hits.is_empty() { p.empty { (ctx.t(none_hint(f, kind))) } }
            @for h in hits { (hit(ctx, h)) }
            @if total > PAGE {
                nav.pager aria-label=(ctx.t("pages")) {
                    @if offset > 0 { (page_button(ctx, f, (offset - PAGE).max(0), "previous")) }
                    span { (ctx.ta("search-page", &[("from", (offset + 1).into()), ("to", (offset + hits.len() as i64).into()), ("total", total.into())])) }
                    @if offset + PAGE < total { (page_button(ctx, f, offset + PAGE, "next")) }
                }
            }
        }
    }
}

/// Paging repeats the search as a POST, so the words stay out of the URL.
fn page_button(ctx: &Ctx, f: &SearchForm, offset: i64, label_id: &str) -> Markup {
    repeat_button(ctx, f, &f.kind, offset, label_id)
}

/// The same search for one section only, to page through all of it.
fn kind_button(ctx: &Ctx, f: &SearchForm, kind: &str, label_id: &str) -> Markup {
    repeat_button(ctx, f, kind, 0, label_id)
}

fn repeat_button(ctx: &Ctx, f: &SearchForm, kind: &str, offset: i64, label_id: &str) -> Markup {
    let kind = kind.to_owned();
    html! {
        form method="post" action="/search" {
            (csrf_field(ctx))
            @for (name, value) in [("q", &f.q), ("case", &f.case), ("kind", &kind), ("act_type", &f.act_type),
                                   ("torture_method", &f.torture_method), ("from", &f.from), ("to", &f.to)] {
                input type="hidden" name=(name) value=(value);
            }
            input type="hidden" name="offset" value=(offset);
            button.secondary type="submit" { (ctx.t(label_id)) }
        }
    }
}
