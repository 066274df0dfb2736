//! Testimonies, their versions and consent, and links to incidents. Their attachments
//! are in `attachments.rs`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use uuid::Uuid;

use super::{Page, PageQuery};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::cases::incidents::IncidentView;
use crate::cases::testimonies::{Correction, TestimonyInput, TestimonySummary, TestimonyView, Withdrawal};
use crate::error::Result;
use crate::http::json::JsonObject;
use crate::http::problem::Problem;
use crate::services::Services;

/// Record a testimony in a case, as a draft.
#[utoipa::path(post, operation_id = "create_testimony", path = "/api/v1/cases/{id}/testimonies", tag = "testimonies", params(("id" = Uuid, Path)),
    request_body = TestimonyInput,
    responses((status = 201, body = TestimonyView), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<Services>,
    who: Allowed<act::TestimonyDraft>,
    id: web::Path<Uuid>,
    body: JsonObject<TestimonyInput>,
) -> Result<HttpResponse> {
    let t = state.testimonies.create(who, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(t))
}

/// The latest version of every testimony in a case (metadata only).
#[utoipa::path(get, operation_id = "list_testimonies", path = "/api/v1/cases/{id}/testimonies", tag = "testimonies", params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, body = Page<TestimonySummary>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn list(
    state: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    id: web::Path<Uuid>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<TestimonySummary>>> {
    let (limit, offset) = page.resolve()?;
    let (items, total) = state.testimonies.list(who, id.into_inner(), (limit, offset)).await?;
    Ok(web::Json(Page { items, total, limit, offset }))
}

/// One version of a testimony. Audited.
#[utoipa::path(get, operation_id = "get_testimony", path = "/api/v1/testimonies/{id}", tag = "testimonies", params(("id" = Uuid, Path)),
    responses((status = 200, body = TestimonyView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn read(
    state: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    id: web::Path<Uuid>,
) -> Result<web::Json<TestimonyView>> {
    Ok(web::Json(state.testimonies.get(who, id.into_inner()).await?))
}

/// Replace a draft (its author only). A sealed testimony answers 409.
#[utoipa::path(put, operation_id = "replace_testimony_draft", path = "/api/v1/testimonies/{id}", tag = "testimonies", params(("id" = Uuid, Path)),
    request_body = TestimonyInput,
    responses((status = 200, body = TestimonyView), (status = 403, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update(
    state: web::Data<Services>,
    who: Allowed<act::TestimonyDraft>,
    id: web::Path<Uuid>,
    body: JsonObject<TestimonyInput>,
) -> Result<web::Json<TestimonyView>> {
    Ok(web::Json(state.testimonies.update(who, id.into_inner(), body.into_inner()).await?))
}

/// Discard a draft (its author only): the row is deleted and its key destroyed, so no copy
/// of its ciphertext (WAL, backups) can be opened again; its attachments go too. A sealed
/// testimony answers 409.
#[utoipa::path(delete, operation_id = "discard_testimony_draft", path = "/api/v1/testimonies/{id}", tag = "testimonies", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn discard(
    state: web::Data<Services>,
    who: Allowed<act::TestimonyDraft>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    state.testimonies.discard(who, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Seal a draft: its digest is recorded and it never changes again.
#[utoipa::path(post, operation_id = "seal_testimony", path = "/api/v1/testimonies/{id}/seal", tag = "testimonies", params(("id" = Uuid, Path)),
    responses((status = 200, body = TestimonyView), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn seal(
    state: web::Data<Services>,
    who: Allowed<act::TestimonySeal>,
    id: web::Path<Uuid>,
) -> Result<web::Json<TestimonyView>> {
    Ok(web::Json(state.testimonies.seal(who, id.into_inner()).await?))
}

/// Correct a sealed testimony: a new version, sealed at once; earlier versions remain.
#[utoipa::path(post, operation_id = "correct_testimony", path = "/api/v1/testimonies/{id}/versions", tag = "testimonies", params(("id" = Uuid, Path)),
    request_body = Correction,
    responses((status = 201, body = TestimonyView), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn correct(
    state: web::Data<Services>,
    who: Allowed<act::TestimonyCorrect>,
    id: web::Path<Uuid>,
    body: JsonObject<Correction>,
) -> Result<HttpResponse> {
    let t = state.testimonies.correct(who, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(t))
}

/// Record that the witness withdrew consent (the author or case lead).
#[utoipa::path(post, operation_id = "withdraw_testimony_consent", path = "/api/v1/testimonies/{id}/consent/withdraw", tag = "testimonies", params(("id" = Uuid, Path)),
    request_body = Withdrawal,
    responses((status = 200, body = TestimonyView), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn withdraw_consent(
    state: web::Data<Services>,
    who: Allowed<act::ConsentWithdraw>,
    id: web::Path<Uuid>,
    body: JsonObject<Withdrawal>,
) -> Result<web::Json<TestimonyView>> {
    Ok(web::Json(state.testimonies.withdraw_consent(who, id.into_inner(), body.into_inner()).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkIncident {
    pub incident_id: Uuid,
}

/// Link the testimony to an incident it describes (same case).
#[utoipa::path(post, operation_id = "link_testimony_to_incident", path = "/api/v1/testimonies/{id}/incidents", tag = "testimonies", params(("id" = Uuid, Path)),
    request_body = LinkIncident,
    responses((status = 200, body = IncidentView), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn link_incident(
    state: web::Data<Services>,
    who: Allowed<act::TestimonyLink>,
    id: web::Path<Uuid>,
    body: JsonObject<LinkIncident>,
) -> Result<web::Json<IncidentView>> {
    Ok(web::Json(state.testimonies.link_incident(who, id.into_inner(), body.incident_id).await?))
}
