//! The case lead's forms for field intake: the XForms the case's devices fill (listed
//! with their form id, version and whether submissions are encrypted), the upload of a
//! new one (an XForm file as pyxform writes it, "encrypt submissions" ticked by default),
//! and retiring one.

use actix_multipart::{Field, Multipart};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use crate::access::{Allowed, act};
use crate::error::{Error, Result};
use crate::intake::forms::{FormView, MAX_FORM_BYTES};
use crate::services::Services;
use crate::web::layout::{self, Nav, csrf_field, field, notice, when};
use crate::web::pages::auth::see_other;
use crate::web::pages::registry::Pages;
use crate::web::{Ctx, Form, session};

pub(super) fn routes(r: &mut Pages) {
    r.get("/cases/{id}/intake/forms", forms_page);
    r.post("/cases/{id}/intake/forms", publish);
    // `{item_id}`: the form (the name the page walk in tests/api/web.rs fills in).
    r.post("/cases/{id}/intake/forms/{item_id}/retire", retire);
}

/// `?done=` after a change (a code, never data).
#[derive(Debug, Default, Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

#[derive(Debug, Deserialize)]
struct NoFields {}

async fn forms_page(
    services: web::Data<Services>,
    who: Allowed<act::IntakeManage>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    q: web::Query<DoneQuery>,
) -> Result<HttpResponse> {
    let case_id = id.into_inner();
    let forms = services.intake.forms(who, case_id).await?;
    let done = match q.done.as_deref() {
        Some("published") => Some(notice(ctx.t("iform-done-published"))),
        Some("retired") => Some(notice(ctx.t("iform-done-retired"))),
        _ => None,
    };
    Ok(render_forms(&ctx, StatusCode::OK, case_id, &forms, done))
}

fn render_forms(
    ctx: &Ctx,
    status: StatusCode,
    case_id: Uuid,
    forms: &[FormView],
    message: Option<Markup>,
) -> HttpResponse {
    let body = html! {
        p.eyebrow { a href={ "/cases/" (case_id) } { (ctx.t("idev-back-to-case")) } }
        h1 { (ctx.t("iform-title")) }
        p.lead { (ctx.t("iform-intro")) }
        @if let Some(m) = message { (m) }
        section aria-labelledby="publish-h" {
            h2 #publish-h { (ctx.t("iform-publish-title")) }
            form #form-upload method="post" action={ "/cases/" (case_id) "/intake/forms" } enctype="multipart/form-data" {
                // First: the token is checked before a byte of the file is read.
                (csrf_field(ctx))
                (field(ctx, "xform", "iform-file", &[], html! {
                    input #xform name="xform" type="file" required accept=".xml,text/xml,application/xml" aria-describedby="xform-hint";
                    p.hint #xform-hint { (ctx.t("iform-file-hint")) }
                }))
                div.field {
                    label {
                        input #encrypted type="checkbox" name="encrypted" value="1" checked aria-describedby="encrypted-hint";
                        " " (ctx.t("iform-encrypted"))
                    }
                    p.hint #encrypted-hint { (ctx.t("iform-encrypted-hint")) }
                }
                button #publish type="submit" { (ctx.t("iform-publish-button")) }
            }
        }
        section aria-labelledby="forms-h" {
            h2 #forms-h { (ctx.t("iform-list-title")) }
            @if forms.is_empty() { p.empty { (ctx.t("iform-none")) } } @else { (forms_table(ctx, case_id, forms)) }
        }
        p { a href={ "/cases/" (case_id) "/intake/devices" } { (ctx.t("idev-title")) } }
    };
    layout::render(ctx, status, "iform-title", Nav::Cases, body)
}

fn forms_table(ctx: &Ctx, case_id: Uuid, forms: &[FormView]) -> Markup {
    let cols = [
        "iform-col-title",
        "iform-col-id",
        "iform-col-version",
        "iform-col-encrypted",
        "iform-col-published",
        "iform-col-state",
    ];
    html! {
        table.list #forms aria-labelledby="forms-h" {
            thead { tr { @for c in cols { th scope="col" { (ctx.t(c)) } } th scope="col" { span.visually-hidden { (ctx.t("idev-col-actions")) } } } }
            tbody { @for f in forms {
                tr {
                    td data-label=(ctx.t(cols[0])) { (f.title) }
                    td data-label=(ctx.t(cols[1])) { code { (f.form_id) } }
                    td data-label=(ctx.t(cols[2])) { code { (f.version) } }
                    td data-label=(ctx.t(cols[3])) { @if f.encrypted { (ctx.t("iform-yes")) } @else { (ctx.t("iform-no")) } }
                    td data-label=(ctx.t(cols[4])) { (when(ctx, f.created_at.and_utc())) }
                    td data-label=(ctx.t(cols[5])) { @match f.retired_at {
                        Some(t) => { span.badge.draft { (ctx.t("iform-retired")) } " " (when(ctx, t.and_utc())) },
                        None => span.badge.sealed { (ctx.t("iform-active")) },
                    } }
                    td { @if f.retired_at.is_none() {
                        form method="post" action={ "/cases/" (case_id) "/intake/forms/" (f.id) "/retire" } {
                            (csrf_field(ctx))
                            button.secondary type="submit" { (ctx.t("iform-retire-button")) }
                        }
                    } }
                }
            } }
        }
    }
}

/// A multipart form: `csrf` first, then the file and the checkbox in either order. The
/// XForm is read whole, within the service's limit, and published.
async fn publish(
    services: web::Data<Services>,
    who: Allowed<act::IntakeManage>,
    ctx: Ctx,
    req: HttpRequest,
    id: web::Path<Uuid>,
    mut parts: Multipart,
) -> Result<HttpResponse> {
    let case_id = id.into_inner();
    // Authorised before a byte of the form is read.
    services.intake.may_manage(&who, case_id).await?;
    let bad = |what: &str| Error::BadRequest(format!("the form upload is not as expected: {what}"));
    let mut csrf_ok = false;
    let mut xform: Option<Vec<u8>> = None;
    let mut encrypted = false;
    while let Some(part) = parts.next().await {
        // Until the token is proven, whatever arrives is refused, and nothing is said about it.
        let mut part = match part {
            Ok(p) => p,
            Err(_) if !csrf_ok => return Err(Error::Forbidden),
            Err(_) => return Err(bad("unreadable")),
        };
        let name = part.content_disposition().and_then(|d| d.get_name()).unwrap_or_default().to_owned();
        match (name.as_str(), csrf_ok) {
            ("csrf", false) => {
                let token = read_part(&mut part, 256).await.map_err(|_| Error::Forbidden)?;
                session::check_csrf(&req, std::str::from_utf8(&token).ok())?;
                csrf_ok = true;
            }
            (_, false) => return Err(Error::Forbidden),
            ("xform", true) if xform.is_none() => xform = Some(read_part(&mut part, MAX_FORM_BYTES).await?),
            ("encrypted", true) => {
                encrypted = read_part(&mut part, 16).await? == b"1";
            }
            _ => return Err(bad("expected the fields csrf, xform and encrypted")),
        }
    }
    let Some(xform) = xform.filter(|x| !x.is_empty()) else {
        return Err(if csrf_ok { bad("no XForm file") } else { Error::Forbidden });
    };
    let lister = who.clone();
    let refused = match services.intake.publish_form(who, case_id, xform, encrypted).await {
        Ok(_) => return Ok(see_other(&format!("/cases/{case_id}/intake/forms?done=published"))),
        Err(Error::BadRequest(reason)) => (StatusCode::BAD_REQUEST, ctx.t("iform-refused"), Some(reason)),
        Err(Error::Conflict(_)) => (StatusCode::CONFLICT, ctx.t("iform-refused-version"), None),
        Err(Error::TooLarge { .. }) => (StatusCode::PAYLOAD_TOO_LARGE, ctx.t("iform-refused-size"), None),
        Err(e) => return Err(e),
    };
    let forms = services.intake.forms(lister, case_id).await?;
    let (status, text, reason) = refused;
    let alert = html! {
        div.alert role="alert" { p { (text) } @if let Some(r) = reason { p { code { (r) } } } }
    };
    Ok(render_forms(&ctx, status, case_id, &forms, Some(alert)))
}

/// A part, whole, within `limit` bytes.
async fn read_part(part: &mut Field, limit: usize) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    while let Some(chunk) = part.next().await {
        let chunk = chunk.map_err(|_| Error::BadRequest("the form upload is unreadable".into()))?;
        if out.len() + chunk.len() > limit {
            return Err(Error::TooLarge { limit: limit as u64 });
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

async fn retire(
    services: web::Data<Services>,
    who: Allowed<act::IntakeManage>,
    path: web::Path<(Uuid, Uuid)>,
    _form: Form<NoFields>,
) -> Result<HttpResponse> {
    let (case_id, form) = path.into_inner();
    services.intake.retire_form(who, case_id, form).await?;
    Ok(see_other(&format!("/cases/{case_id}/intake/forms?done=retired")))
}
