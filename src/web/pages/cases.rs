//! The start page (one's cases) and a case's overview.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use super::auth::see_other;
use crate::access::Allowed;
use crate::access::policy::{self, act};
use crate::auth::Action;
use crate::cases::case::{CaseStatus, CaseView, MemberRole, NewCase};
use crate::cases::persons::{PersonKind, PersonView};
use crate::cases::testimonies::Status;
use crate::error::{Error, FieldError, Result};
use crate::services::Services;
use crate::web::layout::{self, Nav, csrf_field, field, form_errors};
use crate::web::pages::registry::Pages;
use crate::web::{Ctx, Form};

pub fn routes(r: &mut Pages) {
    r.get("/", home);
    r.get("/cases/new", new_case_page);
    r.post("/cases/new", create_case);
    r.get("/cases/{id}", case_page);
}

/// Page size of the lists on a case's page; longer lists page.
const PAGE: i64 = 100;

async fn home(
    services: web::Data<Services>,
    who: Allowed<act::SelfManage>,
    ctx: Ctx,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse> {
    // Nothing but enrolment until the second factor the role requires is set up.
    if crate::http::extract::enrolment_pending(&req) {
        return Ok(see_other("/account"));
    }
    // Auditors work from the log.
    let Ok(lister) = Allowed::<act::CaseList>::check(who.principal) else {
        return Ok(see_other("/audit"));
    };
    let (items, total) = services.cases.list(lister, (200, 0)).await?;
    let may_create = ctx.who.as_ref().is_some_and(|p| policy::allowed(p.role, Action::CaseCreate));
    let body = html! {
        div.heading {
            h1 { (ctx.t("cases-title")) }
            @if may_create { a.button href="/cases/new" { (ctx.t("case-new")) } }
        }
        @if items.is_empty() {
            p.empty { (ctx.t("cases-none")) }
        } @else {
            table.list {
                caption.visually-hidden { (ctx.t("cases-title")) }
                thead { tr {
                    th scope="col" { (ctx.t("case-reference")) }
                    th scope="col" { (ctx.t("case-title")) }
                    th scope="col" { (ctx.t("case-status")) }
                    th scope="col" { (ctx.t("case-my-role")) }
                } }
                tbody {
                    @for case in &items { (case_row(&ctx, case)) }
                }
            }
            @if total > items.len() as i64 { p.hint { (ctx.ta("list-truncated", &[("shown", items.len().into()), ("total", total.into())])) } }
        }
    };
    Ok(layout::page(&ctx, "cases-title", Nav::Cases, body))
}

fn case_row(ctx: &Ctx, case: &CaseView) -> Markup {
    html! {
        tr {
            td data-label=(ctx.t("case-reference")) { a href={ "/cases/" (case.id) } { (case.reference) } }
            td data-label=(ctx.t("case-title")) { (case.title.as_deref().unwrap_or("—")) }
            td data-label=(ctx.t("case-status")) { (status_label(ctx, case.status)) }
            td data-label=(ctx.t("case-my-role")) { @match case.my_role {
                Some(MemberRole::Lead) => (ctx.t("case-role-lead")),
                Some(MemberRole::Member) => (ctx.t("case-role-member")),
                None => "—",
            } }
        }
    }
}

fn status_label(ctx: &Ctx, s: CaseStatus) -> String {
    ctx.t(match s {
        CaseStatus::Open => "case-status-open",
        CaseStatus::Closed => "case-status-closed",
        CaseStatus::Archived => "case-status-archived",
    })
}

async fn new_case_page(_who: Allowed<act::CaseCreate>, ctx: Ctx) -> HttpResponse {
    case_form(&ctx, &CaseForm::default(), &[])
}

#[derive(Debug, Default, Deserialize)]
struct CaseForm {
    #[serde(default)]
    reference: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
}

fn case_form(ctx: &Ctx, f: &CaseForm, errors: &[FieldError]) -> HttpResponse {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let body = html! {
        h1 { (ctx.t("case-new")) }
        (form_errors(ctx, errors, &["reference", "title", "description"]))
        form method="post" action="/cases/new" {
            (csrf_field(ctx))
            (field(ctx, "reference", "case-reference", errors, html! {
                input #reference name="reference" type="text" required maxlength="64" value=(f.reference)
                    aria-describedby="reference-hint";
                p.hint #reference-hint { (ctx.t("case-reference-hint")) }
            }))
            (field(ctx, "title", "case-title", errors, html! {
                input #title name="title" type="text" required maxlength="200" value=(f.title);
            }))
            (field(ctx, "description", "case-description", errors, html! {
                textarea #description name="description" rows="4" { (f.description) }
            }))
            button type="submit" { (ctx.t("case-create")) }
        }
    };
    layout::render(ctx, status, "case-new", Nav::Cases, body)
}

async fn create_case(
    services: web::Data<Services>,
    who: Allowed<act::CaseCreate>,
    ctx: Ctx,
    form: Form<CaseForm>,
) -> Result<HttpResponse> {
    let f = form.0;
    let input = NewCase {
        reference: f.reference.clone(),
        title: f.title.clone(),
        description: f.description.clone(),
    };
    match services.cases.create(who, input).await {
        Ok(case) => Ok(see_other(&format!("/cases/{}", case.id))),
        Err(Error::Validation(errors)) => Ok(case_form(&ctx, &f, &errors)),
        Err(Error::Conflict(_)) => Ok(case_form(
            &ctx,
            &f,
            &[FieldError::new("reference", "taken", "another case has this reference")],
        )),
        Err(e) => Err(e),
    }
}

async fn case_page(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let asked = vec![
        Action::TestimonyDraft,
        Action::RecordWrite,
        Action::BundleExport,
        Action::CaseImport,
        Action::ConsentRecord,
        Action::IntakeReview,
        Action::IntakeManage,
    ];
    let keeper = Allowed::<act::ConsentRecord>::check(who.principal.clone())?;
    let o = services.cases.overview(who, id.into_inner(), PAGE, asked).await?;
    let labels = super::records::Labels::from(o.terms.clone());
    let may = |a: Action| o.may.contains(&a);
    // Reminders of care are for those who keep consent in this case.
    let reminders = if may(Action::ConsentRecord) {
        Some(services.care.reminders(keeper, o.case.id).await?)
    } else {
        None
    };
    let case = &o.case;
    let body = html! {
        div.heading {
            div {
                p.eyebrow { (case.reference) " · " (status_label(&ctx, case.status)) }
                h1 { (case.title.as_deref().unwrap_or(&case.reference)) }
            }
            div.actions {
                @if may(Action::TestimonyDraft) { a.button href={ "/cases/" (case.id) "/testimonies/new" } { (ctx.t("testimony-new")) } }
                @if may(Action::RecordWrite) { a.button.secondary href={ "/cases/" (case.id) "/records/new" } { (ctx.t("record-new")) } }
                @if may(Action::BundleExport) { a.button.secondary href={ "/cases/" (case.id) "/export" } { (ctx.t("export-title")) } }
                @if may(Action::CaseImport) { a.button.secondary href={ "/cases/" (case.id) "/imports" } { (ctx.t("imports-title")) } }
                @if may(Action::IntakeReview) { a.button.secondary #intake-inbox-link href={ "/cases/" (case.id) "/intake/submissions" } { (ctx.t("inbox-link")) } }
                @if may(Action::IntakeManage) { a.button.secondary #intake-devices-link href={ "/cases/" (case.id) "/intake/devices" } { (ctx.t("idev-case-link")) } }
                @if may(Action::IntakeManage) { a.button.secondary #intake-forms-link href={ "/cases/" (case.id) "/intake/forms" } { (ctx.t("iform-title")) } }
                a.button.secondary #analysis-link href={ "/cases/" (case.id) "/analysis" } { (ctx.t("an-hub-title")) }
                a.button.secondary #detained-link href={ "/cases/" (case.id) "/detained" } { (ctx.t("dt-detained-title")) }
            }
        }
        @if let Some(d) = case.description.as_deref().filter(|d| !d.is_empty()) { p.lead { (d) } }
        @if let Some(r) = &reminders { (super::care::reminders_block(&ctx, &labels, r)) }

        section aria-labelledby="testimonies-h" {
            h2 #testimonies-h { (ctx.t("testimonies-title")) " " span.count { (o.testimonies.1) } }
            @if o.testimonies.0.is_empty() { p.empty { (ctx.t("testimonies-none")) } } @else {
                table.list {
                    thead { tr {
                        th scope="col" { (ctx.t("testimony-witness")) }
                        th scope="col" { (ctx.t("testimony-interview-date")) }
                        th scope="col" { (ctx.t("testimony-status")) }
                        th scope="col" { (ctx.t("testimony-version")) }
                    } }
                    tbody { @for t in &o.testimonies.0 {
                        tr {
                            td data-label=(ctx.t("testimony-witness")) { a href={ "/testimonies/" (t.id) } { (t.witness_pseudonym) } }
                            td data-label=(ctx.t("testimony-interview-date")) { (t.interview_date.as_deref().map(|d| ctx.lang().date(d)).unwrap_or_default()) }
                            td data-label=(ctx.t("testimony-status")) { @match t.status {
                                Status::Draft => span.badge.draft { (ctx.t("status-draft")) },
                                Status::Sealed => span.badge.sealed { (ctx.t("status-sealed")) },
                            } }
                            td data-label=(ctx.t("testimony-version")) { (t.version) }
                        }
                    } }
                }
            }
        }
        div.columns {
            section aria-labelledby="incidents-h" {
                h2 #incidents-h { (ctx.t("incidents-title")) " " span.count { (o.incidents.1) } }
                ul.plain { @for i in &o.incidents.0 {
                    li { a href={ "/incidents/" (i.id) } { (labels.of(ctx.lang(), "act_type", &i.act_type)) }
                        @if let Some(d) = &i.start_date { " · " (ctx.lang().date(d)) }
                        @if let Some(pl) = &i.place_name { " · " (pl) } }
                } }
            }
            section aria-labelledby="persons-h" {
                h2 #persons-h { (ctx.t("persons-title")) " " span.count { (o.persons.1) } }
                ul.plain { @for person in &o.persons.0 {
                    li { a href={ "/persons/" (person.id) } { (person_label(person)) }
                        " " span.kind { (ctx.t(kind_id(person.kind))) } }
                } }
            }
            section aria-labelledby="units-h" {
                h2 #units-h { (ctx.t("units-title")) " " span.count { (o.units.1) } }
                ul.plain { @for u in &o.units.0 { li { a href={ "/units/" (u.id) } { (u.name) } } } }
            }
            section aria-labelledby="places-h" {
                h2 #places-h { (ctx.t("places-title")) " " span.count { (o.places.1) } }
                ul.plain { @for pl in &o.places.0 { li { a href={ "/places/" (pl.id) } { (pl.name) } } } }
            }
        }
        p { a href={ "/search?case=" (case.id) } { (ctx.t("search-in-case")) } }
    };
    Ok(layout::page(&ctx, "case-title-page", Nav::Cases, body))
}

/// A person by the name the reader may see, else their pseudonym.
pub fn person_label(p: &PersonView) -> String {
    match p.names.as_ref().and_then(|n| n.first()) {
        Some(name) if p.identity_shown => format!("{name} ({})", p.pseudonym),
        _ => p.pseudonym.clone(),
    }
}

pub fn kind_id(kind: PersonKind) -> &'static str {
    match kind {
        PersonKind::Victim => "kind-victim",
        PersonKind::Witness => "kind-witness",
        PersonKind::Perpetrator => "kind-perpetrator",
        PersonKind::Other => "kind-other",
    }
}
