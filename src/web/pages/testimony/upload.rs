//! Attaching a file from the testimony page (a multipart form).

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use uuid::Uuid;

use crate::access::{Allowed, act};
use crate::attachments::{NewFile, clean_filename, clean_media_type};
use crate::error::{Error, Result};
use crate::services::Services;
use crate::web::pages::auth::see_other;
use crate::web::session;

/// A multipart form: the `csrf` field first, then the `file`. The file streams into
/// the same encrypted upload path as the API's; nothing is kept unless all of it
/// arrived.
pub(super) async fn upload(
    state: web::Data<Services>,
    who: Allowed<act::AttachmentUpload>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    mut parts: Multipart,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    // Authorised before a byte of the form is read.
    let ticket = state.attachments.begin_testimony_upload(who, id).await?;
    let bad = |what: &str| Error::BadRequest(format!("the upload form is not as expected: {what}"));
    let mut csrf_ok = false;
    while let Some(part) = parts.next().await {
        let mut part = part.map_err(|_| bad("unreadable"))?;
        let name = part.content_disposition().and_then(|d| d.get_name()).unwrap_or_default().to_owned();
        match name.as_str() {
            "csrf" => {
                let mut value = Vec::new();
                while let Some(chunk) = part.next().await {
                    let chunk = chunk.map_err(|_| bad("unreadable"))?;
                    if value.len() + chunk.len() > 256 {
                        return Err(bad("csrf"));
                    }
                    value.extend_from_slice(&chunk);
                }
                session::check_csrf(&req, std::str::from_utf8(&value).ok())?;
                csrf_ok = true;
            }
            "file" if csrf_ok => {
                let filename =
                    clean_filename(part.content_disposition().and_then(|d| d.get_filename()).unwrap_or(""));
                let media_type = part
                    .content_type()
                    .map(|m| clean_media_type(m.essence_str()))
                    .transpose()?
                    .unwrap_or_else(|| "application/octet-stream".into());
                let file = NewFile { media_type, filename, declared_len: None };
                state.attachments.receive(ticket, file, &mut part).await?;
                return Ok(see_other(&format!("/testimonies/{id}?uploaded=1")));
            }
            _ => return Err(if csrf_ok { bad("unexpected field") } else { Error::Forbidden }),
        }
    }
    Err(if csrf_ok { bad("no file") } else { Error::Forbidden })
}
