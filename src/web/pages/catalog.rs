//! Court-ready metadata as people set it: a case's evidence reference numbers with each
//! item's confidentiality level (set by those who export), and an item's page with the
//! original it translates or transcribes. The same service calls as the API
//! (`evidence.catalog`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use super::auth::see_other;
use crate::access::Allowed;
use crate::access::policy::act;
use crate::catalog::relations::OriginalLink;
use crate::catalog::{
    CatalogItem, Confidentiality, EvidenceItemKind, ItemRelation, SetConfidentiality, SetOriginal,
    TestimonyOriginals,
};
use crate::error::{Error, FieldError, Result};
use crate::services::Services;
use crate::web::layout::{self, Nav, csrf_field, field, form_errors, notice};
use crate::web::pages::registry::Pages;
use crate::web::{Ctx, Form};

pub fn routes(r: &mut Pages) {
    r.get("/cases/{id}/catalog", list_page);
    r.post("/cases/{id}/catalog/{kind}/{item_id}/confidentiality", set_level);
    r.get("/cases/{id}/catalog/{kind}/{item_id}", item_page);
    r.post("/cases/{id}/catalog/{kind}/{item_id}/original", set_original);
    r.post("/cases/{id}/catalog/{kind}/{item_id}/original/clear", clear_original);
}

/// `?saved=1` after a change.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Saved {
    saved: Option<String>,
}

/// An item's court metadata on the page that shows it (the testimony page lists the
/// account and its files): what each renders, and where to change it.
pub fn court_links(
    ctx: &Ctx,
    case_id: Uuid,
    testimony: Uuid,
    attachments: &[Uuid],
    originals: &TestimonyOriginals,
) -> Markup {
    let of_file = |a: &Uuid| originals.files.iter().find(|l| l.item_id == a.to_string());
    html! {
        section aria-labelledby="court-h" {
            h2 #court-h { (ctx.t("catalog-court-title")) }
            ul.plain {
                li {
                    @if let Some(o) = &originals.account { (relation_text(ctx, case_id, o)) " · " }
                    a href={ "/cases/" (case_id) "/catalog/testimony/" (testimony) } { (ctx.t("catalog-of-testimony")) }
                }
                @for (n, a) in attachments.iter().enumerate() {
                    li {
                        @if let Some(o) = of_file(a) { (relation_text(ctx, case_id, o)) " · " }
                        a href={ "/cases/" (case_id) "/catalog/attachment/" (a) } {
                            (ctx.ta("catalog-of-attachment", &[("n", (n + 1).into())]))
                        }
                    }
                }
            }
        }
    }
}

/// "Translation of Testimony 1f2e…", linked to the original.
fn relation_text(ctx: &Ctx, case_id: Uuid, o: &OriginalLink) -> Markup {
    let href = match o.original_kind {
        EvidenceItemKind::Testimony => format!("/testimonies/{}", o.original_id),
        kind => format!("/cases/{case_id}/catalog/{}/{}", kind.as_str(), o.original_id),
    };
    html! {
        span.relation {
            (ctx.t(&format!("catalog-relation-{}", o.relation.as_str()))) " "
            a href=(href) { (kind_label(ctx, o.original_kind)) " " code { (o.original_id.get(..8).unwrap_or(&o.original_id)) "…" } }
        }
    }
}

fn kind_label(ctx: &Ctx, kind: EvidenceItemKind) -> String {
    ctx.t(&format!("catalog-kind-{}", kind.as_str()))
}

fn level_label(ctx: &Ctx, level: Option<Confidentiality>) -> String {
    ctx.t(&format!("catalog-level-{}", level.map_or("default", Confidentiality::as_str).replace('_', "-")))
}

async fn list_page(
    services: web::Data<Services>,
    who: Allowed<act::EvidenceCatalog>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    q: web::Query<Saved>,
) -> Result<HttpResponse> {
    let case_id = id.into_inner();
    let items = services.catalog.items(who, case_id).await?;
    let saved = q.into_inner().saved.is_some();
    Ok(layout::render(
        &ctx,
        StatusCode::OK,
        "catalog-title",
        Nav::Cases,
        list_body(&ctx, case_id, &items, saved),
    ))
}

fn list_body(ctx: &Ctx, case_id: Uuid, items: &[CatalogItem], saved: bool) -> Markup {
    let base = format!("/cases/{case_id}");
    html! {
        p.eyebrow { a href=(base) { (ctx.t("catalog-back-case")) } }
        h1 { (ctx.t("catalog-title")) }
        p.lead { (ctx.t("catalog-intro")) }
        @if saved { (notice(ctx.t("catalog-saved"))) }
        @if items.is_empty() { p.empty { (ctx.t("catalog-none")) } } @else {
            table.list {
                thead { tr {
                    th scope="col" { (ctx.t("catalog-reference")) }
                    th scope="col" { (ctx.t("catalog-pages")) }
                    th scope="col" { (ctx.t("catalog-item")) }
                    th scope="col" { (ctx.t("catalog-level")) }
                } }
                tbody { @for i in items {
                    tr {
                        td data-label=(ctx.t("catalog-reference")) { code { (i.reference_first) } @if i.pages > 1 { " – " code { (i.reference_last) } } }
                        td data-label=(ctx.t("catalog-pages")) { (i.pages) }
                        td data-label=(ctx.t("catalog-item")) {
                            a href={ (base) "/catalog/" (i.item_kind.as_str()) "/" (i.item_id) } { (kind_label(ctx, i.item_kind)) }
                        }
                        td data-label=(ctx.t("catalog-level")) {
                            form.inline method="post" action={ (base) "/catalog/" (i.item_kind.as_str()) "/" (i.item_id) "/confidentiality" } {
                                (csrf_field(ctx))
                                select name="level" aria-label=(ctx.t("catalog-level")) {
                                    option value="" selected[i.confidentiality.is_none()] { (level_label(ctx, None)) }
                                    @for l in Confidentiality::ALL {
                                        option value=(l.as_str()) selected[i.confidentiality == Some(l)] { (level_label(ctx, Some(l))) }
                                    }
                                }
                                " " button.secondary type="submit" { (ctx.t("catalog-level-set")) }
                            }
                        }
                    }
                } }
            }
            p.hint { (ctx.t("catalog-level-hint")) }
        }
    }
}

/// The level as the form sends it: empty for the kind's default.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LevelForm {
    level: String,
}

async fn set_level(
    services: web::Data<Services>,
    who: Allowed<act::EvidenceCatalog>,
    path: web::Path<(Uuid, EvidenceItemKind, Uuid)>,
    form: Form<LevelForm>,
) -> Result<HttpResponse> {
    let (case_id, kind, item_id) = path.into_inner();
    let level = match form.0.level.as_str() {
        "" => None,
        l => Some(Confidentiality::parse(l).ok_or_else(|| Error::field("level", "invalid", "not a level"))?),
    };
    services.catalog.set_confidentiality(who, case_id, kind, item_id, SetConfidentiality { level }).await?;
    Ok(see_other(&format!("/cases/{case_id}/catalog?saved=1")))
}

/// The original as typed; lenient, so a half-filled form comes back as it was sent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OriginalForm {
    relation: String,
    original_kind: String,
    original_id: String,
}

async fn item_page(
    services: web::Data<Services>,
    who: Allowed<act::EvidenceCatalog>,
    ctx: Ctx,
    path: web::Path<(Uuid, EvidenceItemKind, Uuid)>,
    q: web::Query<Saved>,
) -> Result<HttpResponse> {
    let (case_id, kind, item_id) = path.into_inner();
    let original = services.catalog.original(who, case_id, kind, item_id).await?;
    let saved = q.into_inner().saved.is_some();
    let at = Item { case_id, kind, item_id };
    Ok(item_response(&ctx, StatusCode::OK, &at, original.as_ref(), &OriginalForm::default(), &[], saved))
}

struct Item {
    case_id: Uuid,
    kind: EvidenceItemKind,
    item_id: Uuid,
}

fn item_response(
    ctx: &Ctx,
    status: StatusCode,
    at: &Item,
    original: Option<&OriginalLink>,
    f: &OriginalForm,
    errors: &[FieldError],
    saved: bool,
) -> HttpResponse {
    let base = format!("/cases/{}/catalog/{}/{}", at.case_id, at.kind.as_str(), at.item_id);
    let item_href = match at.kind {
        EvidenceItemKind::Testimony => format!("/testimonies/{}", at.item_id),
        _ => format!("/cases/{}/catalog", at.case_id),
    };
    let body = html! {
        p.eyebrow { a href={ "/cases/" (at.case_id) "/catalog" } { (ctx.t("catalog-title")) } }
        h1 { (kind_label(ctx, at.kind)) }
        p { a href=(item_href) { code { (at.item_id) } } }
        @if saved { (notice(ctx.t("catalog-saved"))) }
        h2 { (ctx.t("catalog-original")) }
        @match original {
            None => p.empty { (ctx.t("catalog-original-none")) },
            Some(o) => {
                p { (relation_text(ctx, at.case_id, o)) }
                p.hint { code { (o.original_id) } }
                form method="post" action={ (base) "/original/clear" } {
                    (csrf_field(ctx))
                    button.secondary #original-clear type="submit" { (ctx.t("catalog-original-clear")) }
                }
            }
        }
        details.card open[!errors.is_empty() || original.is_none()] {
            summary { (ctx.t("catalog-original-set")) }
            (form_errors(ctx, errors, &["relation", "original_kind", "original_id"]))
            form #original-form method="post" action={ (base) "/original" } {
                (csrf_field(ctx))
                (field(ctx, "relation", "catalog-relation", errors, html! {
                    select #relation name="relation" {
                        @for r in [ItemRelation::Translation, ItemRelation::Transcript] {
                            option value=(r.as_str()) selected[f.relation == r.as_str()] { (ctx.t(&format!("catalog-relation-{}", r.as_str()))) }
                        }
                    }
                }))
                (field(ctx, "original_kind", "catalog-original-kind", errors, html! {
                    select #original_kind name="original_kind" {
                        @for k in [EvidenceItemKind::Testimony, EvidenceItemKind::Attachment] {
                            option value=(k.as_str()) selected[f.original_kind == k.as_str()] { (kind_label(ctx, k)) }
                        }
                    }
                }))
                (field(ctx, "original_id", "catalog-original-id", errors, html! {
                    input #original_id name="original_id" type="text" value=(f.original_id) spellcheck="false" autocomplete="off" aria-describedby="original_id-hint";
                    p.hint #original_id-hint { (ctx.t("catalog-original-id-hint")) }
                }))
                button #original-save type="submit" { (ctx.t("catalog-original-save")) }
            }
        }
    };
    layout::render(ctx, status, "catalog-title", Nav::Cases, body)
}

async fn set_original(
    services: web::Data<Services>,
    who: Allowed<act::EvidenceCatalog>,
    ctx: Ctx,
    path: web::Path<(Uuid, EvidenceItemKind, Uuid)>,
    form: Form<OriginalForm>,
) -> Result<HttpResponse> {
    let (case_id, kind, item_id) = path.into_inner();
    let f = form.0;
    let at = Item { case_id, kind, item_id };
    let again = who.clone();
    let mut errors = Vec::new();
    let relation = ItemRelation::parse(&f.relation);
    if relation.is_none() {
        errors.push(FieldError::new("relation", "invalid", "translation or transcript"));
    }
    let original_kind = EvidenceItemKind::parse(&f.original_kind);
    if original_kind.is_none() {
        errors.push(FieldError::new("original_kind", "invalid", "testimony or attachment"));
    }
    let original_id = Uuid::parse_str(f.original_id.trim()).ok();
    if original_id.is_none() {
        errors.push(FieldError::new("original_id", "invalid", "an id"));
    }
    let attempt = match (relation, original_kind, original_id) {
        (Some(relation), Some(original_kind), Some(original_id)) if errors.is_empty() => {
            let body = SetOriginal { relation, original_kind, original_id };
            services.catalog.set_original(who, case_id, kind, item_id, body).await.map(|_| ())
        }
        _ => Err(Error::Validation(errors)),
    };
    match attempt {
        Ok(()) => Ok(see_other(&format!("/cases/{case_id}/catalog/{}/{item_id}?saved=1", kind.as_str()))),
        Err(Error::Validation(errors)) => {
            let original = services.catalog.original(again, case_id, kind, item_id).await?;
            Ok(item_response(
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                &at,
                original.as_ref(),
                &f,
                &errors,
                false,
            ))
        }
        Err(e) => Err(e),
    }
}

async fn clear_original(
    services: web::Data<Services>,
    who: Allowed<act::EvidenceCatalog>,
    path: web::Path<(Uuid, EvidenceItemKind, Uuid)>,
) -> Result<HttpResponse> {
    let (case_id, kind, item_id) = path.into_inner();
    services.catalog.clear_original(who, case_id, kind, item_id).await?;
    Ok(see_other(&format!("/cases/{case_id}/catalog/{}/{item_id}?saved=1", kind.as_str())))
}
