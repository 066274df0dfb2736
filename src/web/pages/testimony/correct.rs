//! Correcting a sealed testimony: the form, filled in with the sealed version, and the
//! new version it records (sealed at once).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::html;
use uuid::Uuid;

use super::form::{FormMode, TestimonyForm, form_again, form_page, testimony_form};
use crate::access::{Allowed, act};
use crate::cases::testimonies::Status;
use crate::error::{Error, Result};
use crate::services::Services;
use crate::web::pages::auth::see_other;
use crate::web::{Ctx, Form};

pub(super) async fn correct_page(
    state: web::Data<Services>,
    who: Allowed<act::TestimonyCorrect>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let (t, d) = state.testimonies.correction_form(who, id).await?;
    if t.status != Status::Sealed {
        return Ok(see_other(&format!("/testimonies/{id}")));
    }
    let body = html! {
        h1 { (ctx.t("correction-new")) }
        p.lead { (ctx.t("correction-intro")) }
        (testimony_form(&ctx, &d, &TestimonyForm::of(&t), &[], FormMode::Correct(id)))
    };
    Ok(form_page(&ctx, StatusCode::OK, "correction-new", body))
}

pub(super) async fn correct(
    state: web::Data<Services>,
    who: Allowed<act::TestimonyCorrect>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<TestimonyForm>,
) -> Result<HttpResponse> {
    let (id, f) = (id.into_inner(), form.0);
    let reader = Allowed::<act::CaseRead>::check(who.principal.clone())?;
    let reason = f.correction_reason.trim().to_owned();
    match state.testimonies.correct_form(who, id, f.for_correction(), reason).await {
        Ok(t) => Ok(see_other(&format!("/testimonies/{}?sealed=1", t.id))),
        Err(Error::Validation(errors)) => {
            let (_, d) = state.testimonies.form_of(reader, id).await?;
            Ok(form_again(&ctx, &d, &f, &errors, FormMode::Correct(id)))
        }
        Err(e) => Err(e),
    }
}
