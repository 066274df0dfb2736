//! Sealing: a page that asks first and says it cannot be undone, then the seal.

use actix_web::{HttpResponse, web};
use maud::html;
use uuid::Uuid;

use super::Empty;
use crate::access::{Allowed, act};
use crate::cases::testimonies::Status;
use crate::error::{Error, Result};
use crate::services::Services;
use crate::web::layout::{self, Nav, csrf_field};
use crate::web::pages::auth::see_other;
use crate::web::{Ctx, Form};

/// Asks before sealing, and says that it cannot be undone.
pub(super) async fn seal_page(
    state: web::Data<Services>,
    who: Allowed<act::TestimonySeal>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let t = state.testimonies.seal_preview(who, id).await?;
    if t.status != Status::Draft {
        return Ok(see_other(&format!("/testimonies/{id}")));
    }
    let body = html! {
        p.eyebrow { a href={ "/testimonies/" (id) } { (ctx.t("testimony-of")) " " (t.witness.pseudonym) } }
        h1 { (ctx.t("seal-confirm-title")) }
        div.warn role="note" { p { strong { (ctx.t("seal-cannot-undo")) } " " (ctx.t("seal-explain")) } }
        form #seal-form method="post" action={ "/testimonies/" (id) "/seal" } {
            (csrf_field(&ctx))
            div.actions {
                button.danger #seal-confirm type="submit" { (ctx.t("seal-confirm")) }
                a.button.secondary href={ "/testimonies/" (id) } { (ctx.t("seal-back")) }
            }
        }
    };
    Ok(layout::page(&ctx, "seal-confirm-title", Nav::Cases, body))
}

pub(super) async fn seal(
    state: web::Data<Services>,
    who: Allowed<act::TestimonySeal>,
    id: web::Path<Uuid>,
    _form: Form<Empty>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    match state.testimonies.seal(who, id).await {
        Ok(_) => Ok(see_other(&format!("/testimonies/{id}?sealed=1"))),
        // A draft saved as it was typed, not yet complete.
        Err(Error::Validation(_)) => Ok(see_other(&format!("/testimonies/{id}?incomplete=1"))),
        Err(e) => Err(e),
    }
}
