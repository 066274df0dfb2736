//! "Has this person been interviewed before?": a name typed in, posted (never put in a
//! URL), and the answer — yes with the case references and whom to ask, or no — shown
//! on the page the post returns.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::html;
use serde::Deserialize;

use crate::access::{Allowed, act};
use crate::care::model::PriorInterviews;
use crate::error::{Error, FieldError, Result};
use crate::services::Services;
use crate::web::layout::{self, Nav, csrf_field, field};
use crate::web::{Ctx, Form};

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct NameForm {
    name: String,
}

pub(super) async fn page(_who: Allowed<act::PriorInterviews>, ctx: Ctx) -> HttpResponse {
    render(&ctx, "", None, &[], StatusCode::OK)
}

pub(super) async fn check(
    services: web::Data<Services>,
    who: Allowed<act::PriorInterviews>,
    ctx: Ctx,
    form: Form<NameForm>,
) -> Result<HttpResponse> {
    let name = form.0.name;
    match services.care.prior_interviews(who, name.clone()).await {
        Ok(answer) => Ok(render(&ctx, &name, Some(&answer), &[], StatusCode::OK)),
        Err(Error::Validation(errors)) => {
            Ok(render(&ctx, &name, None, &errors, StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(e) => Err(e),
    }
}

fn render(
    ctx: &Ctx,
    name: &str,
    answer: Option<&PriorInterviews>,
    errors: &[FieldError],
    status: StatusCode,
) -> HttpResponse {
    let body = html! {
        h1 { (ctx.t("care-prior-title")) }
        p.lead { (ctx.t("care-prior-intro")) }
        form #prior-form method="post" action="/prior-interviews" autocomplete="off" {
            (csrf_field(ctx))
            (field(ctx, "name", "care-prior-name", errors, html! { input #name name="name" required value=(name); }))
            p.hint { (ctx.t("care-prior-hint")) }
            button type="submit" { (ctx.t("care-prior-check")) }
        }
        @if let Some(a) = answer {
            section #prior-answer aria-live="polite" {
                @if a.interviewed_before {
                    h2 #prior-yes { (ctx.t("care-prior-yes")) }
                    p { (ctx.t("care-prior-yes-hint")) }
                    ul.plain { @for m in &a.matches {
                        li { strong { (m.case_reference) } " · " (ctx.t("care-prior-ask")) " "
                            @for (i, lead) in m.leads.iter().enumerate() { @if i > 0 { ", " } (lead) } }
                    } }
                } @else {
                    h2 #prior-no { (ctx.t("care-prior-no")) }
                    p { (ctx.t("care-prior-no-hint")) }
                }
            }
        }
    };
    layout::render(ctx, status, "care-prior-title", Nav::Cases, body)
}
