//! Attachments of testimonies and incidents, streamed in and out with bounded memory
//! (range requests for downloads). The pipeline is the `attachments` service; these
//! handlers read the headers and hand it the body.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use uuid::Uuid;

use crate::access::{Allowed, act};
use crate::attachments::{Fetch, NewFile, clean_filename, clean_media_type};
use crate::cases::attachments::AttachmentView;
use crate::error::{Error, Result};
use crate::http::download::{file_response, range_not_satisfiable};
use crate::http::headers::parse_range;
use crate::http::problem::Problem;
use crate::services::Services;

/// Upload an attachment: the raw file as the body, its media type as `Content-Type`, its
/// original name percent-encoded in `X-Filename`. Streamed and encrypted as it arrives;
/// nothing is recorded unless the whole file arrives.
#[utoipa::path(post, operation_id = "upload_testimony_attachment", path = "/api/v1/testimonies/{id}/attachments", tag = "testimonies", params(("id" = Uuid, Path),
        ("X-Filename" = Option<String>, Header, description = "The file's original name, percent-encoded UTF-8 (what does not decode is kept as sent)")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = AttachmentView), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 413, body = Problem)),
    security(("bearer" = [])))]
pub async fn upload(
    services: web::Data<Services>,
    who: Allowed<act::AttachmentUpload>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse> {
    // Authorised before the headers are judged or a byte of the body is read.
    let ticket = services.attachments.begin_testimony_upload(who, id.into_inner()).await?;
    let view = services.attachments.receive(ticket, new_file(&req)?, payload).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Upload a file about an incident (photos of injuries, a medical report), as for a
/// testimony.
#[utoipa::path(post, operation_id = "upload_incident_attachment", path = "/api/v1/incidents/{id}/attachments", tag = "testimonies", params(("id" = Uuid, Path),
        ("X-Filename" = Option<String>, Header, description = "The file's original name, percent-encoded UTF-8 (what does not decode is kept as sent)")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = AttachmentView), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 413, body = Problem)),
    security(("bearer" = [])))]
pub async fn upload_to_incident(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse> {
    let ticket = services.attachments.begin_incident_upload(who, id.into_inner()).await?;
    let view = services.attachments.receive(ticket, new_file(&req)?, payload).await?;
    Ok(HttpResponse::Created().json(view))
}

/// What the headers say about the file: `Content-Length`, `Content-Type`, `X-Filename`.
pub(super) fn new_file(req: &HttpRequest) -> Result<NewFile> {
    Ok(NewFile {
        declared_len: declared_length(req)?,
        media_type: media_type(req)?,
        filename: filename(req)?,
    })
}

fn declared_length(req: &HttpRequest) -> Result<Option<u64>> {
    match req.headers().get(header::CONTENT_LENGTH) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|s| s.parse().ok())
            .map(Some)
            .ok_or_else(|| Error::BadRequest("Content-Length is not a number".into())),
    }
}

fn media_type(req: &HttpRequest) -> Result<String> {
    let Some(v) = req.headers().get(header::CONTENT_TYPE) else {
        return Ok("application/octet-stream".into());
    };
    let s = v.to_str().map_err(|_| Error::BadRequest("Content-Type is not ASCII".into()))?;
    clean_media_type(s)
}

/// The original name from `X-Filename` (percent-encoded UTF-8), reduced to a base name.
/// Only a name to show: what does not decode is kept as sent rather than refused.
fn filename(req: &HttpRequest) -> Result<String> {
    let Some(v) = req.headers().get("x-filename") else { return Ok("attachment".into()) };
    Ok(clean_filename(&crate::domain::percent::decode_lossy(v.as_bytes())))
}

/// An attachment's metadata. Audited.
#[utoipa::path(get, operation_id = "get_attachment", path = "/api/v1/attachments/{id}", tag = "testimonies", params(("id" = Uuid, Path)),
    responses((status = 200, body = AttachmentView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn attachment(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    id: web::Path<Uuid>,
) -> Result<web::Json<AttachmentView>> {
    Ok(web::Json(services.attachments.get(who, id.into_inner()).await?))
}

/// Download an attachment in its original form: decrypted as it streams, the whole file
/// checked against its recorded SHA-256, or one byte range. The file's first segment is
/// authenticated before the status is sent, so a damaged file answers 500
/// `integrity_error`; damage further in cuts the connection short of `Content-Length` and
/// is audited. A range outside the file answers 416; several ranges, the whole file.
/// Audited.
#[utoipa::path(get, operation_id = "download_attachment", path = "/api/v1/attachments/{id}/content", tag = "testimonies",
    params(("id" = Uuid, Path),
        ("Range" = Option<String>, Header, description = "One byte range: `bytes=<first>-<last>`, `bytes=<first>-` or `bytes=-<count>` (206); several ranges, or a value not understood, get the whole file (200); a range past the end, 416")),
    responses((status = 200, description = "the file"), (status = 206, description = "a range of the file"),
        (status = 404, body = Problem), (status = 416, body = Problem)),
    security(("bearer" = [])))]
pub async fn download(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let wanted = req.headers().get(header::RANGE).and_then(|v| v.to_str().ok()).map(parse_range);
    let wanted = wanted.unwrap_or(crate::attachments::range::Wanted::Whole);
    match services.attachments.download(who, id.into_inner(), wanted).await? {
        Fetch::Ready(file) => Ok(file_response(file)),
        Fetch::Unsatisfiable { size } => Ok(range_not_satisfiable(size)),
        Fetch::Failed(e) => {
            crate::http::extract::mark_failure_audited(&req);
            Err(e)
        }
    }
}
