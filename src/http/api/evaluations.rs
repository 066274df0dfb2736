//! Istanbul Protocol evaluations: drafts, sealing, corrections, reads, the body diagram,
//! links to incidents, and their photographs and diagnostic tests. Everything here is
//! medical data: `medical.write` to write, `medical.read` to read (clinicians alone).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use uuid::Uuid;

use super::{Page, PageQuery};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::analysis::draw::Language;
use crate::attachments::Fetch;
use crate::cases::attachments::AttachmentView;
use crate::error::Result;
use crate::http::download::{file_response, range_not_satisfiable};
use crate::http::headers::parse_range;
use crate::http::json::JsonObject;
use crate::http::problem::Problem;
use crate::medical::{EvaluationCorrection, EvaluationInput, EvaluationSummary, EvaluationView};
use crate::services::Services;

/// Record an evaluation of a person (a victim or witness), as a draft.
#[utoipa::path(post, operation_id = "create_evaluation", path = "/api/v1/persons/{id}/evaluations", tag = "evaluations", params(("id" = Uuid, Path)),
    request_body = EvaluationInput,
    responses((status = 201, body = EvaluationView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<Services>,
    who: Allowed<act::MedicalWrite>,
    id: web::Path<Uuid>,
    body: JsonObject<EvaluationInput>,
) -> Result<HttpResponse> {
    let v = state.medical.create(who, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(v))
}

/// A person's evaluations: the latest version of each, clear fields only. Audited.
#[utoipa::path(get, operation_id = "list_person_evaluations", path = "/api/v1/persons/{id}/evaluations", tag = "evaluations", params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, body = Page<EvaluationSummary>), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_for_person(
    state: web::Data<Services>,
    who: Allowed<act::MedicalRead>,
    id: web::Path<Uuid>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<EvaluationSummary>>> {
    let paging = page.resolve()?;
    let all = state.medical.list_for_person(who, id.into_inner()).await?;
    Ok(web::Json(Page::slice(all, paging)))
}

/// A case's evaluations: the latest version of each, clear fields only. Audited.
#[utoipa::path(get, operation_id = "list_case_evaluations", path = "/api/v1/cases/{id}/evaluations", tag = "evaluations", params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, body = Page<EvaluationSummary>), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn list_for_case(
    state: web::Data<Services>,
    who: Allowed<act::MedicalRead>,
    id: web::Path<Uuid>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<EvaluationSummary>>> {
    let paging = page.resolve()?;
    let all = state.medical.list_for_case(who, id.into_inner()).await?;
    Ok(web::Json(Page::slice(all, paging)))
}

/// One version of an evaluation, whole. Audited.
#[utoipa::path(get, operation_id = "get_evaluation", path = "/api/v1/evaluations/{id}", tag = "evaluations", params(("id" = Uuid, Path)),
    responses((status = 200, body = EvaluationView), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn read(
    state: web::Data<Services>,
    who: Allowed<act::MedicalRead>,
    id: web::Path<Uuid>,
) -> Result<web::Json<EvaluationView>> {
    Ok(web::Json(state.medical.get(who, id.into_inner()).await?))
}

/// Replace a draft (its clinician only). A sealed evaluation answers 409.
#[utoipa::path(put, operation_id = "replace_evaluation_draft", path = "/api/v1/evaluations/{id}", tag = "evaluations", params(("id" = Uuid, Path)),
    request_body = EvaluationInput,
    responses((status = 200, body = EvaluationView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update(
    state: web::Data<Services>,
    who: Allowed<act::MedicalWrite>,
    id: web::Path<Uuid>,
    body: JsonObject<EvaluationInput>,
) -> Result<web::Json<EvaluationView>> {
    Ok(web::Json(state.medical.update(who, id.into_inner(), body.into_inner()).await?))
}

/// Seal a draft (its clinician only): its digest is recorded and it never changes again.
#[utoipa::path(post, operation_id = "seal_evaluation", path = "/api/v1/evaluations/{id}/seal", tag = "evaluations", params(("id" = Uuid, Path)),
    responses((status = 200, body = EvaluationView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn seal(
    state: web::Data<Services>,
    who: Allowed<act::MedicalWrite>,
    id: web::Path<Uuid>,
) -> Result<web::Json<EvaluationView>> {
    Ok(web::Json(state.medical.seal(who, id.into_inner()).await?))
}

/// Correct the latest sealed version (its clinician or the case lead): a new version,
/// sealed at once, with the reason; every earlier version stays readable.
#[utoipa::path(post, operation_id = "correct_evaluation", path = "/api/v1/evaluations/{id}/corrections", tag = "evaluations", params(("id" = Uuid, Path)),
    request_body = EvaluationCorrection,
    responses((status = 201, body = EvaluationView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn correct(
    state: web::Data<Services>,
    who: Allowed<act::MedicalWrite>,
    id: web::Path<Uuid>,
    body: JsonObject<EvaluationCorrection>,
) -> Result<HttpResponse> {
    let v = state.medical.correct(who, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(v))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluationIncident {
    pub incident_id: Uuid,
}

/// Link the evaluation (every version) to an incident of the same case.
#[utoipa::path(post, operation_id = "link_evaluation_to_incident", path = "/api/v1/evaluations/{id}/incidents", tag = "evaluations", params(("id" = Uuid, Path)),
    request_body = EvaluationIncident,
    responses((status = 200, body = EvaluationView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn link_incident(
    state: web::Data<Services>,
    who: Allowed<act::MedicalWrite>,
    id: web::Path<Uuid>,
    body: JsonObject<EvaluationIncident>,
) -> Result<web::Json<EvaluationView>> {
    Ok(web::Json(state.medical.link_incident(who, id.into_inner(), body.incident_id).await?))
}

/// Remove the evaluation's link to an incident.
#[utoipa::path(delete, operation_id = "unlink_evaluation_from_incident", path = "/api/v1/evaluations/{id}/incidents/{incident_id}", tag = "evaluations",
    params(("id" = Uuid, Path), ("incident_id" = Uuid, Path)),
    responses((status = 200, body = EvaluationView), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn unlink_incident(
    state: web::Data<Services>,
    who: Allowed<act::MedicalWrite>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<EvaluationView>> {
    let (id, incident) = path.into_inner();
    Ok(web::Json(state.medical.unlink_incident(who, id, incident).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DiagramQuery {
    /// The language of the diagram's words: `en` (default) or `ru`.
    #[param(inline)]
    pub lang: Option<DiagramLanguage>,
}

#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DiagramLanguage {
    En,
    Ru,
}

/// The body diagram of one version: front and back outlines with the marks, and the
/// same marks as a table (`image/svg+xml`, self-contained). Audited as a read.
#[utoipa::path(get, operation_id = "evaluation_body_diagram", path = "/api/v1/evaluations/{id}/body.svg", tag = "evaluations",
    params(("id" = Uuid, Path), DiagramQuery),
    responses((status = 200, description = "image/svg+xml"), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn body_svg(
    state: web::Data<Services>,
    who: Allowed<act::MedicalRead>,
    id: web::Path<Uuid>,
    query: web::Query<DiagramQuery>,
) -> Result<HttpResponse> {
    let language = match query.lang {
        Some(DiagramLanguage::Ru) => Language::Ru,
        _ => Language::En,
    };
    let svg = state.medical.body_svg(who, id.into_inner(), language).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("image/svg+xml")
        .body(svg))
}

/// Upload a photograph or diagnostic test of an evaluation version, as for a
/// testimony's attachments (raw body, `Content-Type`, percent-encoded `X-Filename`).
#[utoipa::path(post, operation_id = "upload_evaluation_attachment", path = "/api/v1/evaluations/{id}/attachments", tag = "evaluations", params(("id" = Uuid, Path),
        ("X-Filename" = Option<String>, Header, description = "The file's original name, percent-encoded UTF-8 (what does not decode is kept as sent)")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = AttachmentView), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 413, body = Problem)),
    security(("bearer" = [])))]
pub async fn upload(
    state: web::Data<Services>,
    who: Allowed<act::MedicalWrite>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse> {
    let ticket = state.attachments.begin_evaluation_upload(who, id.into_inner()).await?;
    let view = state.attachments.receive(ticket, super::attachments::new_file(&req)?, payload).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Download a photograph or test of the evaluation (any of its versions), as for any
/// attachment (one byte range, 416 outside the file). Audited.
#[utoipa::path(get, operation_id = "download_evaluation_attachment", path = "/api/v1/evaluations/{id}/attachments/{attachment_id}", tag = "evaluations",
    params(("id" = Uuid, Path), ("attachment_id" = Uuid, Path),
        ("Range" = Option<String>, Header, description = "One byte range, as for `/api/v1/attachments/{id}/content`")),
    responses((status = 200, description = "the file"), (status = 206, description = "a range of the file"),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 416, body = Problem)),
    security(("bearer" = [])))]
pub async fn download(
    state: web::Data<Services>,
    who: Allowed<act::MedicalRead>,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse> {
    let (id, attachment) = path.into_inner();
    state.medical.check_file(who.clone(), id, attachment).await?;
    let wanted = req.headers().get(header::RANGE).and_then(|v| v.to_str().ok()).map(parse_range);
    let wanted = wanted.unwrap_or(crate::attachments::range::Wanted::Whole);
    match state.attachments.download_as(who, attachment, wanted).await? {
        Fetch::Ready(file) => Ok(file_response(file)),
        Fetch::Unsatisfiable { size } => Ok(range_not_satisfiable(size)),
        Fetch::Failed(e) => {
            crate::http::extract::mark_failure_audited(&req);
            Err(e)
        }
    }
}
