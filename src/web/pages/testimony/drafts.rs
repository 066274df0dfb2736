//! Writing a draft: the new testimony form (its first save creates the draft, and the
//! witness when new), the edit form, their autosaves, and a form kept over a sign-in
//! saved into its draft.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::html;
use uuid::Uuid;

use super::form::{FormMode, TestimonyForm, form_again, form_page, testimony_form};
use crate::access::{Allowed, act};
use crate::error::{Error, Result};
use crate::services::Services;
use crate::web::pages::auth::see_other;
use crate::web::{Ctx, Form};

pub(super) async fn new_page(
    state: web::Data<Services>,
    who: Allowed<act::TestimonyDraft>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let d = state.testimonies.new_form(who, id.into_inner()).await?;
    let body = html! {
        h1 { (ctx.t("testimony-new")) }
        p.lead { (ctx.t("testimony-new-intro")) }
        p { a #prior-link href="/prior-interviews" { (ctx.t("care-prior-title")) } }
        (testimony_form(&ctx, &d, &TestimonyForm::default(), &[], FormMode::New))
    };
    Ok(form_page(&ctx, StatusCode::OK, "testimony-new", body))
}

/// Creates the witness (when new) and the draft in one transaction: either both are
/// recorded or neither.
pub(super) async fn create(
    state: web::Data<Services>,
    who: Allowed<act::TestimonyDraft>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<TestimonyForm>,
) -> Result<HttpResponse> {
    let (case_id, f) = (id.into_inner(), form.0);
    // The form shown again with its errors needs its choices: a second proof, as the
    // first goes to the save.
    let again = who.clone();
    match state.testimonies.draft_new(who, case_id, f.for_new()).await {
        Ok(t) => Ok(see_other(&format!("/testimonies/{}?saved=1", t.id))),
        Err(Error::Validation(errors)) => {
            let d = state.testimonies.new_form(again, case_id).await?;
            let body = html! {
                h1 { (ctx.t("testimony-new")) }
                (testimony_form(&ctx, &d, &f, &errors, FormMode::New))
            };
            Ok(form_page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, "testimony-new", body))
        }
        Err(e) => Err(e),
    }
}

pub(super) async fn edit(
    state: web::Data<Services>,
    who: Allowed<act::TestimonyDraft>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<TestimonyForm>,
) -> Result<HttpResponse> {
    let (id, f) = (id.into_inner(), form.0);
    let reader = Allowed::<act::CaseRead>::check(who.principal.clone())?;
    match state.testimonies.autosave(who, id, f.for_edit()).await {
        Ok(_) => Ok(see_other(&format!("/testimonies/{id}?saved=1"))),
        Err(Error::Validation(errors)) => {
            let (_, d) = state.testimonies.form_of(reader, id).await?;
            Ok(form_again(&ctx, &d, &f, &errors, FormMode::Edit(id)))
        }
        Err(e) => Err(e),
    }
}

/// The page's script posts the form here every few seconds while the documenter
/// types, and before the idle lock, so an ended session never costs the account.
pub(super) async fn autosave(
    state: web::Data<Services>,
    who: Allowed<act::TestimonyDraft>,
    id: web::Path<Uuid>,
    form: Form<TestimonyForm>,
) -> Result<HttpResponse> {
    state.testimonies.autosave(who, id.into_inner(), form.0.for_edit()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The new form's autosave: the first one creates the draft; the page's script then
/// sends the form (and its next autosaves) to that draft, so no second one is made.
pub(super) async fn autosave_new(
    state: web::Data<Services>,
    who: Allowed<act::TestimonyDraft>,
    id: web::Path<Uuid>,
    form: Form<TestimonyForm>,
) -> Result<HttpResponse> {
    let t = state.testimonies.draft_new(who, id.into_inner(), form.0.for_new()).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({
        "id": t.id,
        "action": format!("/testimonies/{}/edit", t.id),
        "autosave": format!("/testimonies/{}/autosave", t.id),
        "page": format!("/testimonies/{}", t.id),
    })))
}

/// A form kept on the sign-in page when the session had ended, saved once its author
/// signed in again: `action` is where it was posted. Returns the draft's page.
pub async fn replay(
    state: &Services,
    p: crate::auth::Principal,
    action: &str,
    body: &[u8],
) -> Result<String> {
    let f: TestimonyForm = serde_html_form::from_bytes(body)
        .map_err(|_| Error::BadRequest("the form could not be read".into()))?;
    let who = Allowed::<act::TestimonyDraft>::check(p)?;
    let parts: Vec<&str> = action.trim_start_matches('/').split('/').collect();
    let t = match parts.as_slice() {
        ["cases", case, "testimonies", "new" | "autosave"] => {
            let case_id = case.parse::<Uuid>().map_err(|_| Error::NotFound)?;
            state.testimonies.draft_new(who, case_id, f.for_new()).await?
        }
        ["testimonies", id, "edit" | "autosave"] => {
            let id = id.parse::<Uuid>().map_err(|_| Error::NotFound)?;
            state.testimonies.autosave(who, id, f.for_edit()).await?
        }
        _ => return Err(Error::NotFound),
    };
    Ok(format!("/testimonies/{}?restored=1", t.id))
}

/// The forms a page posts that carry typed text worth keeping over a sign-in. Not the
/// autosave: the script, told the session ended, posts the form itself.
/// Returns what the form is, for the audit log: (form code, record kind, record id).
pub fn keeps_form(path: &str) -> Option<(&'static str, &'static str, Uuid)> {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["cases", case, "testimonies", "new"] => Some(("testimony_new", "case", case.parse().ok()?)),
        ["testimonies", id, "edit"] => Some(("testimony_edit", "testimony", id.parse().ok()?)),
        _ => None,
    }
}
