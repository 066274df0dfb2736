//! The evaluation pages, for clinicians: a person's evaluations, the form (new, draft,
//! correction), and an evaluation with its body diagram, its versions, sealing and
//! correcting. Nobody else reaches them (`medical.read`, `medical.write`).

mod form;
mod view;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::html;
use uuid::Uuid;

use self::form::{FormOf, Submitted};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::error::{Error, Result};
use crate::medical::{FormChoices, Terms};
use crate::services::Services;
use crate::web::layout::{self, Nav};
use crate::web::pages::auth::see_other;
use crate::web::pages::registry::Pages;
use crate::web::{Ctx, Form};

pub fn routes(r: &mut Pages) {
    r.get("/persons/{id}/evaluations", view::list);
    r.get("/persons/{id}/evaluations/new", new_form);
    r.post("/persons/{id}/evaluations", create);
    r.get("/evaluations/{id}", view::page);
    r.get("/evaluations/{id}/edit", edit_form);
    r.post("/evaluations/{id}/edit", update);
    r.post("/evaluations/{id}/seal", view::seal);
    r.get("/evaluations/{id}/correct", correct_form);
    r.post("/evaluations/{id}/correct", correct);
    r.get("/evaluations/{id}/attachments/{attachment_id}", crate::http::api::evaluations::download);
}

type Pairs = Vec<(String, String)>;

fn form_page(ctx: &Ctx, status: StatusCode, title: &str, d: &FormChoices, f: &FormOf<'_>) -> HttpResponse {
    let body = html! {
        p.eyebrow { a href={ "/persons/" (d.person_id) "/evaluations" } { (ctx.t("ev-list-title")) ": " (d.pseudonym) } }
        h1 { (ctx.t(title)) }
        p.lead { (ctx.t("ev-form-intro")) }
        (form::form(ctx, &d.terms, f))
    };
    layout::render(ctx, status, title, Nav::Cases, body)
}

async fn new_form(
    state: web::Data<Services>,
    who: Allowed<act::MedicalWrite>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let d = state.medical.new_form(who, id.into_inner()).await?;
    let content = form::blank();
    let f = FormOf {
        action: format!("/persons/{}/evaluations", d.person_id),
        kind: crate::medical::model::EvaluationKind::Medical,
        examined_on: None,
        content: &content,
        correction_reason: None,
        errors: &[],
        submit: "ev-save-draft",
    };
    Ok(form_page(&ctx, StatusCode::OK, "ev-new-title", &d, &f))
}

/// The form shown again: with another blank row, or with its errors.
fn again(
    ctx: &Ctx,
    title: &str,
    d: &FormChoices,
    s: &Submitted,
    action: String,
    errors: &[crate::error::FieldError],
    correction: bool,
) -> HttpResponse {
    let f = FormOf {
        action,
        kind: s.kind,
        examined_on: s.examined_on.as_deref(),
        content: &s.content,
        correction_reason: correction.then_some(s.correction_reason.as_str()),
        errors,
        submit: if correction { "ev-save-correction" } else { "ev-save-draft" },
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    form_page(ctx, status, title, d, &f)
}

async fn create(
    state: web::Data<Services>,
    who: Allowed<act::MedicalWrite>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    pairs: Form<Pairs>,
) -> Result<HttpResponse> {
    let person = id.into_inner();
    // Who may write is decided before what they sent is judged.
    let d = state.medical.new_form(who.clone(), person).await?;
    let s = form::read(&pairs.0)?;
    let action = format!("/persons/{person}/evaluations");
    if s.more || !s.errors.is_empty() {
        return Ok(again(&ctx, "ev-new-title", &d, &s, action, &s.errors, false));
    }
    match state.medical.create(who, person, s.input()).await {
        Ok(v) => Ok(see_other(&format!("/evaluations/{}", v.id))),
        Err(Error::Validation(errors)) => Ok(again(&ctx, "ev-new-title", &d, &s, action, &errors, false)),
        Err(e) => Err(e),
    }
}

async fn edit_form(
    state: web::Data<Services>,
    who: Allowed<act::MedicalWrite>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let (v, d) = state.medical.form_of(who, id.into_inner()).await?;
    let f = FormOf {
        action: format!("/evaluations/{}/edit", v.id),
        kind: v.kind,
        examined_on: v.examined_on.as_deref(),
        content: &v.content,
        correction_reason: None,
        errors: &[],
        submit: "ev-save-draft",
    };
    Ok(form_page(&ctx, StatusCode::OK, "ev-edit-title", &d, &f))
}

async fn update(
    state: web::Data<Services>,
    who: Allowed<act::MedicalWrite>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    pairs: Form<Pairs>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    // The draft's current state decides who may change it (before what they sent is
    // judged), and the incidents it is linked to stay.
    let (current, d) = state.medical.form_of(who.clone(), id).await?;
    let s = form::read(&pairs.0)?;
    let action = format!("/evaluations/{id}/edit");
    if s.more || !s.errors.is_empty() {
        return Ok(again(&ctx, "ev-edit-title", &d, &s, action, &s.errors, false));
    }
    let mut input = s.input();
    input.incident_ids = current.incident_ids.clone();
    match state.medical.update(who, id, input).await {
        Ok(_) => Ok(see_other(&format!("/evaluations/{id}"))),
        Err(Error::Validation(errors)) => Ok(again(&ctx, "ev-edit-title", &d, &s, action, &errors, false)),
        Err(e) => Err(e),
    }
}

async fn correct_form(
    state: web::Data<Services>,
    who: Allowed<act::MedicalWrite>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let (v, d) = state.medical.form_of(who, id.into_inner()).await?;
    let f = FormOf {
        action: format!("/evaluations/{}/correct", v.id),
        kind: v.kind,
        examined_on: v.examined_on.as_deref(),
        content: &v.content,
        correction_reason: Some(""),
        errors: &[],
        submit: "ev-save-correction",
    };
    Ok(form_page(&ctx, StatusCode::OK, "ev-correct-title", &d, &f))
}

async fn correct(
    state: web::Data<Services>,
    who: Allowed<act::MedicalWrite>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    pairs: Form<Pairs>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let (_, d) = state.medical.form_of(who.clone(), id).await?;
    let s = form::read(&pairs.0)?;
    let action = format!("/evaluations/{id}/correct");
    if s.more || !s.errors.is_empty() {
        return Ok(again(&ctx, "ev-correct-title", &d, &s, action, &s.errors, true));
    }
    match state.medical.correct(who, id, s.correction()).await {
        Ok(v) => Ok(see_other(&format!("/evaluations/{}", v.id))),
        Err(Error::Validation(errors)) => Ok(again(&ctx, "ev-correct-title", &d, &s, action, &errors, true)),
        Err(e) => Err(e),
    }
}

/// A code's label in the reader's language.
fn label(ctx: &Ctx, terms: &Terms, vocabulary: &str, code: &str) -> String {
    terms.label(ctx.lang() == crate::web::i18n::Lang::Ru, vocabulary, code)
}
