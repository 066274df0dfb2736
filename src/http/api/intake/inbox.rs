//! The case lead's inbox of field submissions: list a case's, read one, download one of
//! its files, accept it as a draft testimony, or reject it with a reason.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use uuid::Uuid;

use super::super::{Page, PageQuery};
use crate::access::{Allowed, act};
use crate::attachments::Fetch;
use crate::attachments::range::Wanted;
use crate::error::Result;
use crate::http::download::{file_response, range_not_satisfiable};
use crate::http::headers::parse_range;
use crate::http::json::JsonObject;
use crate::http::problem::Problem;
use crate::intake::SubmissionStatus;
use crate::intake::accept::Accepted;
use crate::intake::inbox::{SubmissionSummary, SubmissionView};
use crate::services::Services;

/// `?status=&limit=&offset=`: which submissions (default `pending`), and paging.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InboxQuery {
    /// `pending` (default), `accepted` or `rejected`.
    #[param(inline)]
    pub status: Option<InboxStatus>,
    /// How many items, 1–200 (default 50).
    pub limit: Option<i64>,
    /// How many items to skip (default 0).
    pub offset: Option<i64>,
}

/// The inbox's tabs: a submission still arriving is the device's until complete, not the
/// inbox's, so it is not one of them.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum InboxStatus {
    Pending,
    Accepted,
    Rejected,
}

/// Why the submission is refused.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = IntakeReject)]
#[serde(deny_unknown_fields)]
pub struct RejectInput {
    pub reason: String,
}

/// A case's submissions from its devices, oldest first: by default those waiting for a
/// decision. The case lead only. Audited (the devices' labels are opened).
#[utoipa::path(get, operation_id = "list_intake_submissions", path = "/api/v1/cases/{id}/intake/submissions", tag = "intake",
    params(("id" = Uuid, Path), InboxQuery),
    responses((status = 200, body = Page<SubmissionSummary>), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn list(
    services: web::Data<Services>,
    who: Allowed<act::IntakeReview>,
    id: web::Path<Uuid>,
    query: web::Query<InboxQuery>,
) -> Result<web::Json<Page<SubmissionSummary>>> {
    let q = query.into_inner();
    let (limit, offset) = PageQuery { limit: q.limit, offset: q.offset }.resolve()?;
    let status = match q.status.unwrap_or(InboxStatus::Pending) {
        InboxStatus::Pending => SubmissionStatus::Pending,
        InboxStatus::Accepted => SubmissionStatus::Accepted,
        InboxStatus::Rejected => SubmissionStatus::Rejected,
    };
    let (items, total) = services.intake.inbox(who, id.into_inner(), status, (limit, offset)).await?;
    Ok(web::Json(Page { items, total, limit, offset }))
}

/// One submission: its answers, its files with the hashes taken on arrival, and its
/// chain of custody so far. Audited.
#[utoipa::path(get, operation_id = "get_intake_submission", path = "/api/v1/intake/submissions/{id}", tag = "intake",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = SubmissionView), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn read(
    services: web::Data<Services>,
    who: Allowed<act::IntakeReview>,
    id: web::Path<Uuid>,
) -> Result<web::Json<SubmissionView>> {
    Ok(web::Json(services.intake.submission(who, id.into_inner()).await?))
}

/// A file of a submission, decrypted as it streams and checked against the SHA-256 taken
/// on arrival (or one byte range, as for attachments). Audited. Gone once rejected.
#[utoipa::path(get, operation_id = "download_intake_file", path = "/api/v1/intake/files/{id}/content", tag = "intake",
    params(("id" = Uuid, Path),
        ("Range" = Option<String>, Header, description = "One byte range, as for attachments")),
    responses((status = 200, description = "the file"), (status = 206, description = "a range of the file"),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 416, body = Problem)),
    security(("bearer" = [])))]
pub async fn download(
    services: web::Data<Services>,
    who: Allowed<act::IntakeReview>,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let wanted = req.headers().get(header::RANGE).and_then(|v| v.to_str().ok()).map(parse_range);
    match services.intake.file_content(who, id.into_inner(), wanted.unwrap_or(Wanted::Whole)).await? {
        Fetch::Ready(file) => Ok(file_response(file)),
        Fetch::Unsatisfiable { size } => Ok(range_not_satisfiable(size)),
        Fetch::Failed(e) => {
            crate::http::extract::mark_failure_audited(&req);
            Err(e)
        }
    }
}

/// Accept a submission into its case: a draft testimony under the submission's id,
/// written by the lead, with the person and incident its form names and its files as
/// attachments. Never sealed here. A submission already decided: 409.
#[utoipa::path(post, operation_id = "accept_intake_submission", path = "/api/v1/intake/submissions/{id}/accept", tag = "intake",
    params(("id" = Uuid, Path)),
    responses((status = 201, body = Accepted), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn accept(
    services: web::Data<Services>,
    who: Allowed<act::IntakeReview>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let accepted = services.intake.accept(who, id.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/testimonies/{}", accepted.testimony_id)))
        .json(accepted))
}

/// Reject a submission with a reason (sealed): its files' content is destroyed; the
/// record that it arrived stays. A submission already decided: 409.
#[utoipa::path(post, operation_id = "reject_intake_submission", path = "/api/v1/intake/submissions/{id}/reject", tag = "intake",
    params(("id" = Uuid, Path)), request_body = RejectInput,
    responses((status = 204, description = "rejected"), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn reject(
    services: web::Data<Services>,
    who: Allowed<act::IntakeReview>,
    id: web::Path<Uuid>,
    body: JsonObject<RejectInput>,
) -> Result<HttpResponse> {
    services.intake.reject(who, id.into_inner(), body.into_inner().reason).await?;
    Ok(HttpResponse::NoContent().finish())
}
