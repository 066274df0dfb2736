//! Tella Web's API under `/api/v1/tella`, as Tella's apps call it: `POST login`,
//! `GET p/{slug}`, `POST project/{id}` (a report), `HEAD file/{report}/{name}` (the
//! size received, in a `size` header), `PUT file/v2/{report}/{name}` with
//! `Content-Range` (206 until the last chunk), the first file API older apps use (`PUT
//! file/{report}/{name}` with the rest of the file, then `POST` on it), and Custodia's own
//! `POST report/{id}/close`, which sends the report to the case lead's inbox. Success
//! bodies are Tella's shapes; errors are our problem documents (the app reads only the
//! status).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::{Allowed, act};
use crate::attachments::clean_media_type;
use crate::error::{Error, Result};
use crate::http::Edge;
use crate::http::extract::client_ip;
use crate::http::json::JsonObject;
use crate::http::problem::{Problem, RANGE_NOT_SATISFIABLE};
use crate::http::registry::Registry;
use crate::intake::Device;
use crate::intake::tella::chunks::FileHeaders;
use crate::intake::tella::{ChunkOutcome, ChunkRange, NewReport, RangeRefusal};
use crate::services::Services;

pub fn operations(r: &mut Registry) {
    r.public(__path_login, login)
        .public(__path_login_slash, login_slash)
        .op(__path_project, project)
        .op(__path_create_report, create_report)
        .op(__path_file_size, file_size)
        .op(__path_put_chunk, put_chunk)
        .op(__path_put_rest, put_rest)
        .op(__path_close_file, close_file)
        .op(__path_close_report, close_report);
}

/// The longest file name a report's file may have.
const MAX_NAME: usize = 255;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TellaLogin {
    pub username: String,
    #[schema(value_type = String, format = Password)]
    pub password: SecretString,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TellaUser {
    pub id: Uuid,
    pub username: String,
    pub role: &'static str,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TellaLoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub access_token: String,
    pub user: TellaUser,
}

/// Sign a device in (Tella's login): its account's name and password for a bearer token.
///
/// Public. Throttled and audited like any sign-in; only device accounts may use it.
#[utoipa::path(post, operation_id = "tella_login", path = "/api/v1/tella/login", tag = "tella",
    request_body = TellaLogin,
    responses((status = 200, body = TellaLoginResponse), (status = 401, body = Problem),
        (status = 429, body = Problem)))]
pub async fn login(
    state: web::Data<Services>,
    edge: web::Data<Edge>,
    req: HttpRequest,
    body: JsonObject<TellaLogin>,
) -> Result<web::Json<TellaLoginResponse>> {
    let body = body.into_inner();
    let client = client_ip(&req, edge.trust_forwarded_for);
    let principal = state.auth.verify_device(&body.username, body.password, client).await?;
    // A revoked device's account is disabled and never gets this far; one without its
    // device row is refused before a session is made.
    state.intake.device(Allowed::<act::IntakeSubmit>::check(principal.clone())?).await?;
    let (token, principal) = state.auth.device_session(&principal).await?;
    Ok(web::Json(TellaLoginResponse {
        access_token: token.expose_secret().to_owned(),
        user: TellaUser { id: principal.user_id, username: principal.username, role: "reporter" },
    }))
}

/// The same as `login`, at the path Tella's app calls (`login/`).
#[utoipa::path(post, operation_id = "tella_login_slash", path = "/api/v1/tella/login/", tag = "tella",
    request_body = TellaLogin,
    responses((status = 200, body = TellaLoginResponse), (status = 401, body = Problem),
        (status = 429, body = Problem)))]
pub async fn login_slash(
    state: web::Data<Services>,
    edge: web::Data<Edge>,
    req: HttpRequest,
    body: JsonObject<TellaLogin>,
) -> Result<web::Json<TellaLoginResponse>> {
    login(state, edge, req, body).await
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TellaProject {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
}

/// The device's project by its slug (its case); any other slug is 404.
#[utoipa::path(get, operation_id = "tella_project", path = "/api/v1/tella/p/{slug}", tag = "tella",
    params(("slug" = String, Path)),
    responses((status = 200, body = TellaProject), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn project(
    state: web::Data<Services>,
    who: Allowed<act::IntakeSubmit>,
    slug: web::Path<String>,
) -> Result<web::Json<TellaProject>> {
    let device = state.intake.device(who).await?;
    let project = state.intake.tella_project(&device, &slug)?;
    Ok(web::Json(TellaProject { id: project.id, name: project.slug.clone(), slug: project.slug }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TellaNewReport {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Sent by some versions of the app; not kept.
    #[serde(default, rename = "deviceInfo")]
    #[schema(value_type = Object)]
    pub device_info: Option<serde_json::Value>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TellaAuthor {
    pub id: Uuid,
    pub username: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TellaReport {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    #[serde(rename = "createdAt")]
    pub created_at: String,
    pub author: TellaAuthor,
    pub files: Vec<TellaFile>,
}

/// Create a report in the device's project (a submission, receiving files).
#[utoipa::path(post, operation_id = "tella_create_report", path = "/api/v1/tella/project/{id}", tag = "tella",
    params(("id" = Uuid, Path)), request_body = TellaNewReport,
    responses((status = 201, body = TellaReport), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_report(
    state: web::Data<Services>,
    who: Allowed<act::IntakeSubmit>,
    id: web::Path<Uuid>,
    body: JsonObject<TellaNewReport>,
) -> Result<HttpResponse> {
    let body = body.into_inner();
    let device = state.intake.device(who).await?;
    let new = NewReport { title: body.title, description: body.description };
    let report = state.intake.tella_create_report(&device, id.into_inner(), new).await?;
    Ok(HttpResponse::Created().json(TellaReport {
        id: report.id,
        title: report.title,
        description: report.description,
        created_at: report.created_at.and_utc().to_rfc3339(),
        author: author(&device),
        files: Vec::new(),
    }))
}

/// How many bytes of a report's file the server holds, in the `size` header (0 for a
/// file it has not heard of).
#[utoipa::path(head, operation_id = "tella_file_size", path = "/api/v1/tella/file/{report}/{name}", tag = "tella",
    params(("report" = Uuid, Path), ("name" = String, Path)),
    responses((status = 200, headers(("size" = u64, description = "Bytes received so far"))),
        (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 500, body = Problem, description = "Something failed; the body names the request to quote")),
    security(("bearer" = [])))]
pub async fn file_size(
    state: web::Data<Services>,
    who: Allowed<act::IntakeSubmit>,
    path: web::Path<(Uuid, String)>,
) -> Result<HttpResponse> {
    let (report, name) = path.into_inner();
    check_name(&name)?;
    let device = state.intake.device(who).await?;
    let size = state.intake.tella_received(&device, report, &name).await?;
    Ok(HttpResponse::Ok().insert_header(("size", size.to_string())).finish())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TellaFile {
    pub id: Uuid,
    #[serde(rename = "fileName")]
    pub file_name: String,
    pub bucket: Uuid,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TellaChunkAnswer {
    pub success: bool,
    pub error: Option<String>,
    pub complete: bool,
}

/// Upload a chunk of a report's file: `Content-Range: bytes <start>-<end>/<total>`,
/// starting where the received bytes end (ask with `HEAD` after an interruption).
/// Answered 206 with `Range: bytes=0-<last received>` until the last chunk, then 200
/// with the file. A chunk that overlaps or skips is 416 (with the same `Range`), one
/// whose total differs from the file's first chunk 400; nothing of a refused chunk or
/// of a body cut short is kept. `X-File-Info` (JSON: the app's location, cell and Wi-Fi
/// data) is sealed with the file.
#[utoipa::path(put, operation_id = "tella_put_chunk", path = "/api/v1/tella/file/v2/{report}/{name}", tag = "tella",
    params(("report" = Uuid, Path), ("name" = String, Path),
        ("Content-Range" = String, Header, description = "bytes <start>-<end>/<total>"),
        ("X-File-Info" = Option<String>, Header, description = "JSON metadata from the app (sealed)")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = TellaFile), (status = 206, body = TellaChunkAnswer),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 413, body = Problem), (status = 416, body = Problem)),
    security(("bearer" = [])))]
pub async fn put_chunk(
    state: web::Data<Services>,
    who: Allowed<act::IntakeSubmit>,
    req: HttpRequest,
    path: web::Path<(Uuid, String)>,
    payload: web::Payload,
) -> Result<HttpResponse> {
    let (report, name) = path.into_inner();
    check_name(&name)?;
    let range = chunk_range(&req)?;
    let headers = file_headers(&req)?;
    let device = state.intake.device(who).await?;
    let outcome = state.intake.tella_chunk(&device, report, &name, range, headers, payload).await?;
    Ok(match outcome {
        Ok(ChunkOutcome::Partial { received }) => HttpResponse::PartialContent()
            .insert_header(("Range", format!("bytes=0-{}", received - 1)))
            .json(TellaChunkAnswer { success: true, error: None, complete: false }),
        Ok(ChunkOutcome::Complete(file)) => HttpResponse::Ok().json(TellaFile {
            id: file.id,
            file_name: name,
            bucket: report,
            kind: kind_of(&file.media_type),
        }),
        Err(refusal) => refused(refusal),
    })
}

/// Upload the rest of a report's file in one body (Tella's first file API, still used by
/// older apps): from what `HEAD` said the server holds to the file's end. A body cut
/// short leaves nothing; the app asks `HEAD` and sends the rest again.
#[utoipa::path(put, operation_id = "tella_put_rest", path = "/api/v1/tella/file/{report}/{name}", tag = "tella",
    params(("report" = Uuid, Path), ("name" = String, Path),
        ("X-File-Info" = Option<String>, Header, description = "JSON metadata from the app (sealed)")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = TellaFile), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 404, body = Problem), (status = 413, body = Problem), (status = 416, body = Problem)),
    security(("bearer" = [])))]
pub async fn put_rest(
    state: web::Data<Services>,
    who: Allowed<act::IntakeSubmit>,
    req: HttpRequest,
    path: web::Path<(Uuid, String)>,
    payload: web::Payload,
) -> Result<HttpResponse> {
    let (report, name) = path.into_inner();
    check_name(&name)?;
    let length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or_else(|| Error::BadRequest("Content-Length is required".into()))?;
    let headers = file_headers(&req)?;
    let device = state.intake.device(who).await?;
    let outcome = state.intake.tella_append(&device, report, &name, length, headers, payload).await?;
    Ok(match outcome {
        // The body ran to the file's end, so it completed the file.
        Ok(ChunkOutcome::Complete(file)) => HttpResponse::Ok().json(TellaFile {
            id: file.id,
            file_name: name,
            bucket: report,
            kind: kind_of(&file.media_type),
        }),
        Ok(ChunkOutcome::Partial { .. }) => {
            return Err(Error::internal("the rest of a file did not complete it"));
        }
        Err(refusal) => refused(refusal),
    })
}

/// Tella's first file API closes each file after its `PUT`; a file is complete when its
/// last byte arrives here, so this only confirms it (409 while it is still arriving).
#[utoipa::path(post, operation_id = "tella_close_file", path = "/api/v1/tella/file/{report}/{name}", tag = "tella",
    params(("report" = Uuid, Path), ("name" = String, Path)),
    responses((status = 200, body = TellaClosed), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn close_file(
    state: web::Data<Services>,
    who: Allowed<act::IntakeSubmit>,
    path: web::Path<(Uuid, String)>,
) -> Result<web::Json<TellaClosed>> {
    let (report, name) = path.into_inner();
    check_name(&name)?;
    let device = state.intake.device(who).await?;
    match state.intake.received_file(&device, report, &name).await? {
        Some(_) => Ok(web::Json(TellaClosed { success: true })),
        None => Err(Error::Conflict("the file has not arrived whole")),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TellaClosed {
    pub success: bool,
}

/// Close a report (Custodia's own call): it goes to the case lead's inbox with the files
/// it holds. A file still arriving is 409.
#[utoipa::path(post, operation_id = "tella_close_report", path = "/api/v1/tella/report/{id}/close", tag = "tella",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = TellaClosed), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn close_report(
    state: web::Data<Services>,
    who: Allowed<act::IntakeSubmit>,
    id: web::Path<Uuid>,
) -> Result<web::Json<TellaClosed>> {
    let device = state.intake.device(who).await?;
    state.intake.tella_close_report(&device, id.into_inner()).await?;
    Ok(web::Json(TellaClosed { success: true }))
}

fn author(device: &Device) -> TellaAuthor {
    TellaAuthor { id: device.who.principal.user_id, username: device.who.principal.username.clone() }
}

fn check_name(name: &str) -> Result<()> {
    if name.is_empty() || name.len() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(Error::BadRequest("the file name is empty, too long or has control characters".into()));
    }
    Ok(())
}

/// The chunk's range, checked against its `Content-Length` (required, as Tella Web
/// requires it) before a byte is read.
fn chunk_range(req: &HttpRequest) -> Result<ChunkRange> {
    let text = |name: header::HeaderName| -> Result<Option<&str>> {
        req.headers()
            .get(&name)
            .map(|v| v.to_str().map_err(|_| Error::BadRequest(format!("{name} is not ASCII"))))
            .transpose()
    };
    let length = text(header::CONTENT_LENGTH)?
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or_else(|| Error::BadRequest("Content-Length is required".into()))?;
    let range = text(header::CONTENT_RANGE)?
        .ok_or_else(|| Error::BadRequest("Content-Range is required".into()))
        .and_then(ChunkRange::parse)?;
    if length != range.bytes() {
        return Err(Error::BadRequest("Content-Length does not match Content-Range".into()));
    }
    Ok(range)
}

fn file_headers(req: &HttpRequest) -> Result<FileHeaders> {
    let media_type = match req.headers().get(header::CONTENT_TYPE) {
        None => "application/octet-stream".to_owned(),
        Some(v) => {
            clean_media_type(v.to_str().map_err(|_| Error::BadRequest("Content-Type is not ASCII".into()))?)?
        }
    };
    let client_meta = match req.headers().get("x-file-info") {
        None => None,
        Some(v) => Some(
            serde_json::from_slice::<serde_json::Value>(v.as_bytes())
                .map_err(|_| Error::BadRequest("X-File-Info is not JSON".into()))?,
        ),
    };
    Ok(FileHeaders { media_type, client_meta })
}

/// Tella Web's file types, by the media type's top level.
fn kind_of(media_type: &str) -> &'static str {
    match media_type.split('/').next() {
        Some("image") => "image",
        Some("video") => "video",
        Some("audio") => "audio",
        _ => "other",
    }
}

/// A chunk refused for where it lies: 416 with the range the server holds (the app
/// resumes from it), or 400 when the total changed.
fn refused(refusal: RangeRefusal) -> HttpResponse {
    let unsatisfiable = |received: u64, detail: &str| {
        let mut res = Problem::from(RANGE_NOT_SATISFIABLE).detail(detail).response();
        if received > 0
            && let Ok(v) = HeaderValue::from_str(&format!("bytes=0-{}", received - 1))
        {
            res.headers_mut().insert(header::HeaderName::from_static("range"), v);
        }
        res
    };
    match refusal {
        RangeRefusal::Overlaps { received } => {
            unsatisfiable(received, &format!("the chunk overlaps the {received} bytes already received"))
        }
        RangeRefusal::Skips { received } => {
            unsatisfiable(received, &format!("the chunk skips ahead of the {received} bytes received"))
        }
        RangeRefusal::Complete { size } => unsatisfiable(size, "the file is already complete"),
        RangeRefusal::TotalChanged { declared } => {
            Problem::new(StatusCode::BAD_REQUEST, "bad_request", "The request could not be understood")
                .detail(format!("the file's total was declared as {declared} bytes"))
                .response()
        }
    }
}
