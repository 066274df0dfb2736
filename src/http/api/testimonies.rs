//! Testimonies, their versions and consent, links to incidents, and attachments of
//! testimonies and incidents (streamed in and out with bounded memory; range requests
//! for downloads).

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde::Deserialize;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::{Page, PageQuery};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::audit::Actor;
use crate::cases::attachments::{self, AttachmentView, CONTENT_FIELD, Stored, TABLE as ATTACHMENTS};
use crate::cases::incidents::IncidentView;
use crate::cases::testimonies::{Correction, TestimonyInput, TestimonySummary, TestimonyView, Withdrawal};
use crate::crypto::{Dek, FieldContext, SEGMENT_LEN, StreamEncryptor};
use crate::error::{Error, Result};
use crate::http::download::{self, Source};
use crate::http::headers::RangeRequest;
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
    let blobs = state.testimonies.discard(who, id.into_inner()).await?;
    for blob in blobs {
        state.blobs.delete(blob)?;
    }
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

enum Chunk {
    Data(web::Bytes),
    End,
}

/// Upload an attachment: the raw file as the body, its media type as `Content-Type`, its
/// original name percent-encoded in `X-Filename`. Streamed and encrypted as it arrives;
/// nothing is recorded unless the whole file arrives.
#[utoipa::path(post, operation_id = "upload_testimony_attachment", path = "/api/v1/testimonies/{id}/attachments", tag = "testimonies", params(("id" = Uuid, Path),
        ("X-Filename" = Option<String>, Header, description = "The file's original name, percent-encoded UTF-8")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = AttachmentView), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 413, body = Problem)),
    security(("bearer" = [])))]
pub async fn upload(
    state: web::Data<Services>,
    who: Allowed<act::AttachmentUpload>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse> {
    let (p, id) = (who.principal, id.into_inner());
    let ticket = {
        let p = p.clone();
        state.db.run(move |c| attachments::begin_upload(c, &p, id)).await?
    };
    receive(&state, &req, payload, p, ticket).await
}

/// Upload a file about an incident (photos of injuries, a medical report), as for a
/// testimony.
#[utoipa::path(post, operation_id = "upload_incident_attachment", path = "/api/v1/incidents/{id}/attachments", tag = "testimonies", params(("id" = Uuid, Path),
        ("X-Filename" = Option<String>, Header, description = "The file's original name, percent-encoded UTF-8")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = AttachmentView), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 413, body = Problem)),
    security(("bearer" = [])))]
pub async fn upload_to_incident(
    state: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse> {
    let (p, id) = (who.principal, id.into_inner());
    let ticket = {
        let p = p.clone();
        state.db.run(move |c| attachments::begin_incident_upload(c, &p, id)).await?
    };
    receive(&state, &req, payload, p, ticket).await
}

/// Streams an authorised upload into the blob store and records it.
async fn receive(
    state: &Services,
    req: &HttpRequest,
    payload: web::Payload,
    p: crate::auth::Principal,
    ticket: attachments::UploadTicket,
) -> Result<HttpResponse> {
    let declared = declared_length(req)?;
    let media_type = media_type(req)?;
    let filename = filename(req)?;
    let view = store_upload(state, payload, declared, media_type, filename, p, ticket).await?;
    Ok(HttpResponse::Created().json(view))
}

/// The file of an authorised upload, from any stream of bytes (a raw body, or a part of
/// a multipart form from the pages): encrypted as it arrives, bounded in memory, and
/// recorded only if all of it arrived and was written.
pub(crate) async fn store_upload<S, E>(
    state: &Services,
    mut body: S,
    declared: Option<u64>,
    media_type: String,
    filename: String,
    p: crate::auth::Principal,
    ticket: attachments::UploadTicket,
) -> Result<AttachmentView>
where
    S: futures_util::Stream<Item = std::result::Result<web::Bytes, E>> + Unpin,
{
    let max = state.max_attachment_bytes;
    if declared.is_some_and(|n| n > max) {
        return Err(Error::TooLarge { limit: max });
    }
    // Fail now, not after the whole file arrived, if the keys are not loaded.
    state.keys.keyring()?;

    // Encrypt and write on the blocking pool; the channel bounds what is in flight.
    let (tx, mut rx) = mpsc::channel::<Chunk>(4);
    let dek = Dek::generate();
    let (blobs, writer_dek, record) = (state.blobs.clone(), dek.clone(), ticket.attachment_id.to_string());
    let writer = actix_web::rt::task::spawn_blocking(move || -> Result<(Uuid, u64, [u8; 32])> {
        let mut blob = blobs.create()?;
        let mut encryptor =
            StreamEncryptor::new(&writer_dek, &FieldContext::new(ATTACHMENTS, &record, CONTENT_FIELD));
        let mut out = Vec::with_capacity(SEGMENT_LEN * 2);
        loop {
            match rx.blocking_recv() {
                Some(Chunk::Data(bytes)) => {
                    encryptor.update(&bytes, &mut out)?;
                    blob.write_all(&out)?;
                    out.clear();
                }
                Some(Chunk::End) => break,
                // The request ended early: dropping `blob` removes the partial file.
                None => {
                    return Err(Error::BadRequest("the upload ended before the whole file arrived".into()));
                }
            }
        }
        let (len, sha) = encryptor.finish(&mut out)?;
        blob.write_all(&out)?;
        Ok((blob.commit()?, len, sha))
    });
    let mut total: u64 = 0;
    let mut failure = None;
    // The writer stops taking chunks only when it failed (disk full, store read-only):
    // its error is the answer, not the body's length.
    let mut writer_gone = false;
    loop {
        let Ok(next) = tokio::time::timeout(state.upload_idle_timeout, body.next()).await else {
            failure = Some(Error::Stalled);
            break;
        };
        let Some(chunk) = next else { break };
        match chunk {
            Ok(bytes) => {
                total += bytes.len() as u64;
                if total > max {
                    failure = Some(Error::TooLarge { limit: max });
                    break;
                }
                if tx.send(Chunk::Data(bytes)).await.is_err() {
                    writer_gone = true;
                    break;
                }
            }
            Err(_) => {
                failure = Some(Error::BadRequest("the upload was interrupted".into()));
                break;
            }
        }
    }
    if failure.is_none() && !writer_gone && declared.is_some_and(|n| n != total) {
        failure = Some(Error::BadRequest("the body does not match its Content-Length".into()));
    }
    if failure.is_none() {
        let _ = tx.send(Chunk::End).await;
    }
    drop(tx);
    let written = writer.await.map_err(|e| Error::internal(format!("upload task: {e}")))?;
    if let Some(e) = failure {
        if let Ok((blob_id, _, _)) = written {
            state.blobs.delete(blob_id)?;
        }
        return Err(e);
    }
    let (blob_id, size, sha256) = written?;
    let stored = Stored { blob_id, size, sha256, dek, media_type, filename };
    let recorded = state.tx(move |c, k| attachments::finish_upload(c, k, &p, &ticket, &stored)).await;
    if recorded.is_err() {
        // No row, so no file either.
        state.blobs.delete(blob_id)?;
    }
    recorded
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

/// A declared media type reduced to its essence (`type/subtype`), or refused.
pub(crate) fn clean_media_type(s: &str) -> Result<String> {
    let essence = s.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let token =
        |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b));
    match essence.split_once('/') {
        Some((a, b)) if token(a) && token(b) && essence.len() <= 127 => Ok(essence),
        _ => Err(Error::BadRequest("Content-Type is not a media type".into())),
    }
}

/// The original name from `X-Filename` (percent-encoded UTF-8), reduced to a base name
/// without control characters, so no later export can be tricked into a path.
fn filename(req: &HttpRequest) -> Result<String> {
    let Some(v) = req.headers().get("x-filename") else { return Ok("attachment".into()) };
    let raw = v.to_str().map_err(|_| Error::BadRequest("X-Filename must be percent-encoded".into()))?;
    let bytes = crate::domain::percent::decode(raw)
        .ok_or_else(|| Error::BadRequest("X-Filename is not valid percent-encoding".into()))?;
    let name = String::from_utf8(bytes).map_err(|_| Error::BadRequest("X-Filename is not UTF-8".into()))?;
    Ok(clean_filename(&name))
}

/// A client's file name as a base name without control characters or leading dots.
pub(crate) fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base.chars().filter(|c| !c.is_control()).take(255).collect();
    let clean = clean.trim().trim_start_matches('.').to_owned();
    if clean.is_empty() { "attachment".into() } else { clean }
}

/// An attachment's metadata. Audited.
#[utoipa::path(get, operation_id = "get_attachment", path = "/api/v1/attachments/{id}", tag = "testimonies", params(("id" = Uuid, Path)),
    responses((status = 200, body = AttachmentView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn attachment(
    state: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    id: web::Path<Uuid>,
) -> Result<web::Json<AttachmentView>> {
    let (p, id) = (who.principal, id.into_inner());
    Ok(web::Json(state.tx(move |c, k| attachments::get(c, k, &p, id)).await?))
}

/// Download an attachment in its original form: decrypted as it streams, the whole file
/// checked against its recorded SHA-256, or one byte range. The file's first segment is
/// authenticated before the status is sent, so a damaged file answers 500
/// `integrity_error`; damage further in cuts the connection short of `Content-Length` and
/// is audited. A range outside the file answers 416; several ranges, the whole file.
/// Audited.
#[utoipa::path(get, operation_id = "download_attachment", path = "/api/v1/attachments/{id}/content", tag = "testimonies", params(("id" = Uuid, Path)),
    responses((status = 200, description = "the file"), (status = 206, description = "a range of the file"),
        (status = 404, body = Problem), (status = 416, body = Problem)),
    security(("bearer" = [])))]
pub async fn download(
    state: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let (p, id) = (who.principal, id.into_inner());
    let keyring = state.keys.keyring()?;
    let d = {
        let p = p.clone();
        state.db.run(move |c| attachments::open_download(c, &keyring, &p, id)).await?
    };
    let size = d.view.size.max(0) as u64;
    let range = match req.headers().get(header::RANGE).and_then(|v| v.to_str().ok()) {
        None => RangeRequest::Whole,
        Some(v) => crate::http::headers::range_request(v, size),
    };
    let range = match range {
        RangeRequest::Whole => None,
        RangeRequest::Part(start, end) => Some((start, end)),
        RangeRequest::Unsatisfiable => return Ok(range_not_satisfiable(size)),
    };
    let source = Source {
        file: state.blobs.open_blob(d.blob_id)?,
        dek: d.dek,
        table: ATTACHMENTS,
        record: id.to_string(),
        field: CONTENT_FIELD,
        range,
        expected_sha: d.view.sha256.clone(),
    };
    let (cut_state, cut_actor) = (state.clone(), Actor::from(&p));
    let body = download::start(source, move |e, sent| async move {
        download::audit_integrity(&cut_state, cut_actor, "attachment", id, &e, Some(sent)).await;
        e
    })
    .await;
    let body = match body {
        Ok(body) => body,
        Err(e) => {
            download::audit_integrity(&state, Actor::from(&p), "attachment", id, &e, None).await;
            crate::http::extract::mark_failure_audited(&req);
            return Err(e);
        }
    };
    state.db.transaction(move |c| attachments::record_download(c, &p, id, range)).await?;
    let mut res = match range {
        Some((start, end)) => {
            let mut r = HttpResponse::PartialContent();
            r.insert_header((header::CONTENT_RANGE, format!("bytes {start}-{end}/{size}")));
            r.no_chunking(end - start + 1);
            r
        }
        None => {
            let mut r = HttpResponse::Ok();
            r.no_chunking(size);
            r
        }
    };
    res.insert_header((header::ACCEPT_RANGES, "bytes"));
    let disposition =
        format!("attachment; filename*=UTF-8''{}", crate::domain::percent::encode(&d.view.filename));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        res.insert_header((header::CONTENT_DISPOSITION, v));
    }
    res.content_type(d.view.media_type.as_str());
    Ok(res.streaming(body))
}

/// 416 with the file's length, as RFC 9110 §15.5.17 asks.
fn range_not_satisfiable(size: u64) -> HttpResponse {
    let mut res = Problem::new(
        actix_web::http::StatusCode::RANGE_NOT_SATISFIABLE,
        "range_not_satisfiable",
        "The range lies outside the file",
    )
    .detail(format!("the file has {size} bytes"))
    .response();
    if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
        res.headers_mut().insert(header::CONTENT_RANGE, v);
    }
    res.headers_mut().insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    res
}
