//! A case's intake forms, for its lead: publish an XForm (the XML body, as `pyxform`
//! writes it from an XLSForm), list them, retire one.

use actix_web::{HttpResponse, web};
use futures_util::StreamExt;
use serde::Deserialize;
use uuid::Uuid;

use crate::access::{Allowed, act};
use crate::error::{Error, Result};
use crate::http::api::{Page, PageQuery, as_query_error};
use crate::http::problem::Problem;
use crate::intake::forms::{FormView, MAX_FORM_BYTES};
use crate::services::Services;

/// `?encrypted=true` publishes the form encrypted: the case's public key is written into
/// it, and its submissions reach the server readable only by Custodia.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PublishQuery {
    /// Encrypt its submissions on the phone (default false).
    pub encrypted: Option<bool>,
}

/// Publish an XForm to the case: its XML as the body (at most 1 MiB; `Content-Type` is
/// not read). Its form id and version are read from the form (the primary instance's `id`
/// and `version` attributes); 409 when the case already has that id and version. The
/// case's devices see it in their form list at once. Audited.
#[utoipa::path(post, operation_id = "publish_intake_form", path = "/api/v1/cases/{id}/intake/forms", tag = "intake",
    params(("id" = Uuid, Path), PublishQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The XForm's XML (any Content-Type)"),
    responses((status = 201, body = FormView), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 413, body = Problem)),
    security(("bearer" = [])))]
pub async fn publish(
    services: web::Data<Services>,
    who: Allowed<act::IntakeManage>,
    id: web::Path<Uuid>,
    query: web::Query<PublishQuery>,
    mut payload: web::Payload,
) -> Result<HttpResponse> {
    let case = id.into_inner();
    // Authorised before a byte of the body is read.
    services.intake.may_manage(&who, case).await?;
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| Error::BadRequest("the body is unreadable".into()))?;
        if body.len() + chunk.len() > MAX_FORM_BYTES {
            return Err(Error::TooLarge { limit: MAX_FORM_BYTES as u64 });
        }
        body.extend_from_slice(&chunk);
    }
    let view = services.intake.publish_form(who, case, body, query.encrypted.unwrap_or(false)).await?;
    Ok(HttpResponse::Created().json(view))
}

/// The case's forms, retired ones too, newest first.
#[utoipa::path(get, operation_id = "list_intake_forms", path = "/api/v1/cases/{id}/intake/forms", tag = "intake",
    params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, body = Page<FormView>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn list(
    services: web::Data<Services>,
    who: Allowed<act::IntakeManage>,
    id: web::Path<Uuid>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<FormView>>> {
    let page = page.resolve().map_err(as_query_error)?;
    Ok(web::Json(Page::slice(services.intake.forms(who, id.into_inner()).await?, page)))
}

/// Retire a form: it leaves the devices' form list, and submissions to it are refused
/// from now on (those received stay). Audited.
#[utoipa::path(post, operation_id = "retire_intake_form", path = "/api/v1/cases/{id}/intake/forms/{form}/retire", tag = "intake",
    params(("id" = Uuid, Path), ("form" = Uuid, Path)),
    responses((status = 200, body = FormView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn retire(
    services: web::Data<Services>,
    who: Allowed<act::IntakeManage>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<FormView>> {
    let (case, form) = path.into_inner();
    Ok(web::Json(services.intake.retire_form(who, case, form).await?))
}
