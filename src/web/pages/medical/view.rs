//! A person's evaluations, and one evaluation: its sections, the body diagram with the
//! same marks as a table beside it, its files, its versions, and sealing or correcting.

use actix_web::{HttpResponse, web};
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;
use uuid::Uuid;

use super::label;
use crate::access::Allowed;
use crate::access::policy::act;
use crate::analysis::draw::Language;
use crate::error::Result;
use crate::medical::model::{BodyView, EvaluationKind};
use crate::medical::{EvaluationStatus, Terms};
use crate::services::Services;
use crate::web::Ctx;
use crate::web::Form;
use crate::web::i18n::Lang;
use crate::web::layout::{self, Nav, csrf_field, when};
use crate::web::pages::auth::see_other;

fn kind(ctx: &Ctx, k: EvaluationKind) -> String {
    ctx.t(&format!("ev-kind-{}", k.as_str().replace('_', "-")))
}

fn status(ctx: &Ctx, s: EvaluationStatus) -> String {
    ctx.t(match s {
        EvaluationStatus::Draft => "ev-status-draft",
        EvaluationStatus::Sealed => "ev-status-sealed",
    })
}

pub(super) async fn list(
    state: web::Data<Services>,
    who: Allowed<act::MedicalRead>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let (d, items) = state.medical.person_page(who, id.into_inner()).await?;
    let body = html! {
        p.eyebrow { a href={ "/persons/" (d.person_id) } { (d.pseudonym) } }
        h1 { (ctx.t("ev-list-title")) ": " (d.pseudonym) }
        p.lead { (ctx.t("ev-list-intro")) }
        p { a.button #new-evaluation href={ "/persons/" (d.person_id) "/evaluations/new" } { (ctx.t("ev-new-title")) } }
        @if items.is_empty() { p.empty { (ctx.t("ev-none")) } } @else {
            div.scroll { table.list #evaluations {
                thead { tr {
                    th scope="col" { (ctx.t("ev-examined-on")) } th scope="col" { (ctx.t("ev-kind")) }
                    th scope="col" { (ctx.t("ev-status")) } th scope="col" { (ctx.t("ev-version")) }
                    th scope="col" { (ctx.t("ev-clinician")) }
                } }
                tbody { @for e in &items { tr {
                    td data-label=(ctx.t("ev-examined-on")) { a href={ "/evaluations/" (e.id) } { (e.examined_on.as_deref().unwrap_or("—")) } }
                    td data-label=(ctx.t("ev-kind")) { (kind(&ctx, e.kind)) }
                    td data-label=(ctx.t("ev-status")) { (status(&ctx, e.status)) }
                    td data-label=(ctx.t("ev-version")) class="num" { (e.version) }
                    td data-label=(ctx.t("ev-clinician")) { (e.clinician_username) }
                } } }
            } }
        }
    };
    Ok(layout::page(&ctx, "ev-list-title", Nav::Cases, body))
}

fn text_block(ctx: &Ctx, label_id: &str, text: &str) -> Markup {
    html! { @if !text.trim().is_empty() { dt { (ctx.t(label_id)) } dd.prose { (text) } } }
}

pub(super) async fn page(
    state: web::Data<Services>,
    who: Allowed<act::MedicalRead>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let language = if ctx.lang() == Lang::Ru { Language::Ru } else { Language::En };
    let me = who.principal.user_id;
    let p = state.medical.page(who, id.into_inner(), language).await?;
    let (v, terms) = (&p.view, &p.terms);
    let c = &v.content;
    let latest = v.versions.last().is_some_and(|l| l.id == v.id);
    let body = html! {
        p.eyebrow { a href={ "/persons/" (v.person_id) "/evaluations" } { (ctx.t("ev-list-title")) ": " (p.pseudonym) } }
        h1 { (kind(&ctx, v.kind)) " · " (v.examined_on.as_deref().unwrap_or("—")) }
        dl.facts {
            dt { (ctx.t("ev-status")) } dd #evaluation-status { (status(&ctx, v.status)) }
            dt { (ctx.t("ev-version")) } dd { (v.version) }
            dt { (ctx.t("ev-clinician")) } dd { (c.clinician.name) " (" (v.clinician_username) ")" }
            @if let Some(d) = &v.digest { dt { (ctx.t("ev-digest")) } dd { code.digest { (d) } } }
            @if let Some(t) = v.sealed_at { dt { (ctx.t("ev-sealed-at")) } dd { (when(&ctx, t)) } }
            @if !c.language.is_empty() { dt { (ctx.t("ev-language")) } dd { (c.language) } }
        }
        @if !c.correction_reason.is_empty() {
            div.notice role="note" { p { strong { (ctx.t("ev-correction-reason")) ": " } (c.correction_reason) } }
        }
        (actions(&ctx, v, me, latest))
        section aria-labelledby="diagram-h" {
            h2 #diagram-h { (ctx.t("ev-body-marks")) }
            div.side-by-side {
                figure.picture.body-diagram { (PreEscaped(&p.svg)) figcaption { (ctx.t("ev-diagram-caption")) } }
                (marks_table(&ctx, terms, v))
            }
        }
        section aria-labelledby="findings-h" {
            h2 #findings-h { (ctx.t("ev-findings")) }
            div.scroll { table.list #findings {
                thead { tr {
                    th scope="col" { (ctx.t("ev-finding-label")) } th scope="col" { (ctx.t("ev-body-system")) }
                    th scope="col" { (ctx.t("ev-finding-description")) } th scope="col" { (ctx.t("ev-finding-methods")) }
                    th scope="col" { (ctx.t("ev-consistency")) }
                } }
                tbody { @for f in &c.findings { tr {
                    td data-label=(ctx.t("ev-finding-label")) { (f.label) }
                    td data-label=(ctx.t("ev-body-system")) { @if f.system == "psychological" { (ctx.t("ev-psychological-finding")) } @else { (label(&ctx, terms, "body_system", &f.system)) } }
                    td data-label=(ctx.t("ev-finding-description")) { (f.description) }
                    td data-label=(ctx.t("ev-finding-methods")) { (f.methods.iter().map(|m| label(&ctx, terms, "torture_method", m)).collect::<Vec<_>>().join("; ")) }
                    td data-label=(ctx.t("ev-consistency")) { (label(&ctx, terms, "consistency", f.consistency.as_str())) }
                } } }
            } }
            p { strong { (ctx.t("ev-overall-opinion")) ": " } (label(&ctx, terms, "consistency", c.conclusions.overall_opinion.as_str())) }
        }
        section aria-labelledby="sections-h" {
            h2 #sections-h { (ctx.t("ev-sections")) }
            dl.sections {
                (text_block(&ctx, "ev-requested-by", &c.case_information.requested_by))
                (text_block(&ctx, "ev-request-reference", &c.case_information.request_reference))
                (text_block(&ctx, "ev-reason", &c.case_information.reason))
                (text_block(&ctx, "ev-place-of-examination", &c.case_information.place_of_examination))
                (text_block(&ctx, "ev-interpreter", &c.case_information.interpreter))
                dt { (ctx.t("ev-informed-consent")) } dd { (ctx.t(if c.case_information.informed_consent { "yes" } else { "no" })) }
                (text_block(&ctx, "ev-persons-present", &c.case_information.persons_present.join("; ")))
                (text_block(&ctx, "ev-restraints", &c.case_information.restraints))
                (text_block(&ctx, "ev-restrictions", &c.case_information.restrictions))
                (text_block(&ctx, "ev-qualifications", &c.clinician.qualifications))
                (text_block(&ctx, "ev-experience", &c.clinician.experience))
                (text_block(&ctx, "ev-background", &c.background))
                (text_block(&ctx, "ev-summary", &c.allegations.summary))
                (text_block(&ctx, "ev-arrest", &c.allegations.arrest))
                @for (i, pl) in c.allegations.places.iter().enumerate() {
                    dt { (ctx.t("ev-place")) " " (i + 1) }
                    dd.prose { (pl.description) " · " (pl.period) br; (pl.conditions) br; (pl.narrative) br;
                        em { (pl.methods.iter().map(|m| label(&ctx, terms, "torture_method", m)).collect::<Vec<_>>().join("; ")) } }
                }
                (text_block(&ctx, "ev-physical-symptoms", &c.physical_symptoms))
                (text_block(&ctx, "ev-general-appearance", &c.general_appearance))
                @for e in &c.examination {
                    dt { (label(&ctx, terms, "body_system", &e.system)) } dd.prose { (e.findings) }
                }
                @if let Some(psy) = &c.psychological {
                    (text_block(&ctx, "ev-psy-methods", &psy.methods_of_assessment))
                    (text_block(&ctx, "ev-psy-complaints", &psy.current_complaints))
                    (text_block(&ctx, "ev-psy-post", &psy.post_torture_history))
                    (text_block(&ctx, "ev-psy-pre", &psy.pre_torture_history))
                    (text_block(&ctx, "ev-psy-past", &psy.past_psychiatric_history))
                    (text_block(&ctx, "ev-psy-substance", &psy.substance_use))
                    (text_block(&ctx, "ev-psy-mental-status", &psy.mental_status))
                    (text_block(&ctx, "ev-psy-social", &psy.social_functioning))
                    (text_block(&ctx, "ev-psy-testing", &psy.testing))
                    (text_block(&ctx, "ev-psy-diagnoses", &psy.diagnoses))
                }
                (text_block(&ctx, "ev-diagnostic-tests", &c.diagnostic_tests))
                (text_block(&ctx, "ev-consultations", &c.consultations))
                (text_block(&ctx, "ev-physical-interpretation", &c.conclusions.physical_interpretation))
                (text_block(&ctx, "ev-psychological-interpretation", &c.conclusions.psychological_interpretation))
                (text_block(&ctx, "ev-statement", &c.conclusions.statement))
                (text_block(&ctx, "ev-recommendations", &c.conclusions.recommendations))
            }
        }
        @if !v.attachments.is_empty() {
            section aria-labelledby="files-h" {
                h2 #files-h { (ctx.t("ev-files")) }
                ul.plain #evaluation-files { @for a in &v.attachments {
                    li { a href={ "/evaluations/" (v.id) "/attachments/" (a.id) } download { (a.filename) } " · " (a.media_type) " · " code { (a.sha256.get(..16).unwrap_or("")) "…" } }
                } }
            }
        }
        @if !v.incident_ids.is_empty() {
            section aria-labelledby="incidents-h" {
                h2 #incidents-h { (ctx.t("ev-incidents")) }
                ul.plain { @for i in &v.incident_ids { li { a href={ "/incidents/" (i) } { (ctx.t("incident")) " " (i.to_string().get(..8).unwrap_or("")) } } } }
            }
        }
        section aria-labelledby="versions-h" {
            h2 #versions-h { (ctx.t("ev-versions")) }
            ol #evaluation-versions { @for r in &v.versions {
                li { a href={ "/evaluations/" (r.id) } aria-current=[(r.id == v.id).then_some("page")] { (ctx.t("ev-version")) " " (r.version) }
                    " · " (status(&ctx, r.status))
                    @if let Some(d) = &r.digest { " · " code { (d.get(..12).unwrap_or("")) "…" } } }
            } }
        }
    };
    Ok(layout::page(&ctx, "ev-view-title", Nav::Cases, body))
}

/// Edit and seal for its clinician's draft; correct for the latest sealed version.
fn actions(ctx: &Ctx, v: &crate::medical::EvaluationView, me: Uuid, latest: bool) -> Markup {
    html! {
        @if v.status == EvaluationStatus::Draft && v.clinician_id == me {
            div.actions {
                a.button.secondary #edit-evaluation href={ "/evaluations/" (v.id) "/edit" } { (ctx.t("ev-edit-title")) }
            }
            form #seal-evaluation method="post" action={ "/evaluations/" (v.id) "/seal" } {
                (csrf_field(ctx))
                div.warn role="note" { p { strong { (ctx.t("seal-cannot-undo")) } " " (ctx.t("ev-seal-explain")) } }
                button.danger type="submit" { (ctx.t("ev-seal")) }
            }
        }
        @if v.status == EvaluationStatus::Sealed && latest {
            div.actions { a.button.secondary #correct-evaluation href={ "/evaluations/" (v.id) "/correct" } { (ctx.t("ev-correct-title")) } }
        }
    }
}

fn marks_table(ctx: &Ctx, terms: &Terms, v: &crate::medical::EvaluationView) -> Markup {
    let c = &v.content;
    html! {
        div.scroll { table.list #body-marks {
            caption { (ctx.t("ev-marks-table")) }
            thead { tr {
                th scope="col" { (ctx.t("ev-mark-finding")) } th scope="col" { (ctx.t("ev-region")) }
                th scope="col" { (ctx.t("ev-view")) } th scope="col" { (ctx.t("ev-consistency")) }
            } }
            tbody { @for m in &c.body_marks {
                @let degree = c.findings.iter().find(|f| f.label == m.finding).map(|f| label(ctx, terms, "consistency", f.consistency.as_str())).unwrap_or_default();
                tr {
                    td data-label=(ctx.t("ev-mark-finding")) { (m.finding) }
                    td data-label=(ctx.t("ev-region")) { (label(ctx, terms, "body_region", &m.region)) }
                    td data-label=(ctx.t("ev-view")) { (ctx.t(if m.view == BodyView::Back { "ev-view-back" } else { "ev-view-front" })) }
                    td data-label=(ctx.t("ev-consistency")) { (degree) }
                }
            } }
        } }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct Empty {}

pub(super) async fn seal(
    state: web::Data<Services>,
    who: Allowed<act::MedicalWrite>,
    id: web::Path<Uuid>,
    _form: Form<Empty>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    state.medical.seal(who, id).await?;
    Ok(see_other(&format!("/evaluations/{id}")))
}
