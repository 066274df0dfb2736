//! The OpenRosa endpoints: form list, form download, and submission (`HEAD` to learn the
//! server and its size limit, `POST` multipart). The device account names the case, so no
//! URL holds a case id. Errors are rendered by `openrosa_response`.

use actix_multipart::{Field, Multipart};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use uuid::Uuid;

use super::{OPENROSA_PREFIX, device, xml};
use crate::access::{Allowed, act};
use crate::attachments::{clean_filename, clean_media_type};
use crate::error::{Error, Result};
use crate::intake::openrosa::{self as protocol, Outcome, Post, submit::buffer};
use crate::intake::{Device, Intake};
use crate::services::Services;

/// The forms this device may fill (its case's, not retired), as ODK's `xformsList`.
#[utoipa::path(get, operation_id = "openrosa_form_list", path = "/openrosa/formList", tag = "intake",
    responses((status = 200, content_type = "text/xml", body = String, description = "OpenRosa xformsList"),
        (status = 401, content_type = "text/xml", body = String, description = "OpenRosaResponse; WWW-Authenticate: Basic")),
    security(("bearer" = [])))]
pub async fn form_list(
    services: web::Data<Services>,
    who: Allowed<act::IntakeSubmit>,
    req: HttpRequest,
) -> Result<HttpResponse> {
    let device = device(&services, who).await?;
    let forms = services.intake.device_forms(&device).await?;
    let info = req.connection_info();
    let base = format!("{}://{}{}", info.scheme(), info.host(), OPENROSA_PREFIX);
    Ok(xml(StatusCode::OK, protocol::form_list(&forms, &base)))
}

/// A form's XForm, by the id its `downloadUrl` names. Audited.
#[utoipa::path(get, operation_id = "openrosa_form", path = "/openrosa/forms/{id}", tag = "intake", params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "text/xml", body = String, description = "The XForm"),
        (status = 404, content_type = "text/xml", body = String, description = "OpenRosaResponse")),
    security(("bearer" = [])))]
pub async fn form(
    services: web::Data<Services>,
    who: Allowed<act::IntakeSubmit>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let device = device(&services, who).await?;
    Ok(xml(StatusCode::OK, services.intake.device_form(&device, id.into_inner()).await?))
}

/// What ODK Collect asks before it posts: that this is an OpenRosa server, that the
/// credentials work, and how large a POST may be (`X-OpenRosa-Accept-Content-Length`).
#[utoipa::path(head, operation_id = "openrosa_submission_head", path = "/openrosa/submission", tag = "intake",
    responses((status = 204, description = "X-OpenRosa-Version and X-OpenRosa-Accept-Content-Length"),
        (status = 401, description = "WWW-Authenticate: Basic"), (status = 403, description = "Not a device account"),
        (status = 429, description = "Too many failed attempts"), (status = 500, description = "Internal error"),
        (status = 503, description = "Sealed or unavailable")),
    security(("bearer" = [])))]
pub async fn submission_head(
    services: web::Data<Services>,
    who: Allowed<act::IntakeSubmit>,
) -> Result<HttpResponse> {
    device(&services, who).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Post a submission (or one part of a split one): `multipart/form-data` with the
/// instance XML as `xml_submission_file` first, then its media files (each streamed),
/// and `*isIncomplete*` = `yes` on every POST but the last. Merged by the instance's
/// `meta/instanceID`: 201 when received (a part or the whole), 202 for an instance
/// already received whole (nothing stored again). Encrypted forms' submissions carry
/// ODK's manifest as the XML and `.enc` parts.
#[utoipa::path(post, operation_id = "openrosa_submission", path = "/openrosa/submission", tag = "intake",
    request_body(content = String, content_type = "multipart/form-data"),
    responses((status = 201, content_type = "text/xml", body = String, description = "OpenRosaResponse"),
        (status = 202, content_type = "text/xml", body = String, description = "A duplicate: already received"),
        (status = 400, content_type = "text/xml", body = String), (status = 401, content_type = "text/xml", body = String),
        (status = 403, content_type = "text/xml", body = String), (status = 409, content_type = "text/xml", body = String),
        (status = 413, content_type = "text/xml", body = String)),
    security(("bearer" = [])))]
pub async fn submission(
    services: web::Data<Services>,
    who: Allowed<act::IntakeSubmit>,
    mut parts: Multipart,
) -> Result<HttpResponse> {
    let device = device(&services, who).await?;
    let intake = &services.intake;
    let mut post: Option<Post> = None;
    let result = receive(intake, &device, &mut parts, &mut post).await;
    let outcome = match (result, post.as_ref()) {
        (Ok(incomplete), Some(p)) => intake.finish_post(p, incomplete).await,
        (Ok(_), None) => Err(Error::BadRequest("the POST has no xml_submission_file part".into())),
        (Err(e), _) => Err(e),
    };
    match outcome {
        Ok(Outcome::Received) => Ok(xml(StatusCode::CREATED, protocol::success("Submission received."))),
        Ok(Outcome::Partial) => {
            Ok(xml(StatusCode::CREATED, protocol::success("Part of the submission received.")))
        }
        Ok(Outcome::Duplicate) => {
            Ok(xml(StatusCode::ACCEPTED, protocol::success("This submission was already received.")))
        }
        Err(e) => {
            if let Some(p) = &post {
                intake.abandon_post(p, "post_failed").await?;
            }
            Err(e)
        }
    }
}

/// Reads the parts in order: the XML opens the POST, media parts stream into it. Returns
/// whether the client said more POSTs follow.
async fn receive(
    intake: &Intake,
    device: &Device,
    parts: &mut Multipart,
    post: &mut Option<Post>,
) -> Result<bool> {
    let bad = |what: &str| Error::BadRequest(format!("the submission is not as expected: {what}"));
    let mut incomplete = false;
    while let Some(part) = parts.next().await {
        let mut part = part.map_err(|_| bad("the multipart body is unreadable"))?;
        let name = part.content_disposition().and_then(|d| d.get_name()).unwrap_or_default().to_owned();
        match name.as_str() {
            "xml_submission_file" if post.is_none() => {
                let bytes = buffer(&mut part, intake.idle_timeout()).await?;
                *post = Some(intake.begin_post(device, &bytes).await?);
            }
            "xml_submission_file" => return Err(bad("two xml_submission_file parts")),
            "*isIncomplete*" => {
                let value = small(&mut part).await?;
                incomplete = value.trim().eq_ignore_ascii_case("yes");
            }
            _ => {
                let Some(open) = post.as_mut() else {
                    return Err(bad("the xml_submission_file part must come first"));
                };
                let file = clean_filename(
                    part.content_disposition()
                        .and_then(|d| d.get_filename())
                        .filter(|f| !f.is_empty())
                        .unwrap_or(&name),
                );
                let media_type = part
                    .content_type()
                    .and_then(|m| clean_media_type(m.essence_str()).ok())
                    .unwrap_or_else(|| "application/octet-stream".to_owned());
                intake.post_file(open, &file, &media_type, &mut part).await?;
            }
        }
    }
    Ok(incomplete)
}

/// A short text part (`*isIncomplete*`).
async fn small(part: &mut Field) -> Result<String> {
    let mut out = Vec::new();
    while let Some(chunk) = part.next().await {
        let chunk = chunk.map_err(|_| Error::BadRequest("the multipart body is unreadable".into()))?;
        if out.len() + chunk.len() > 64 {
            return Err(Error::BadRequest("the *isIncomplete* part is too long".into()));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}
