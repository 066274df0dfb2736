//! Errors as RFC 9457 `application/problem+json` documents with stable `type` codes.
//! Bodies never carry internal detail: a 500 says only that something failed and which
//! request id to quote; the cause goes to the log. Extractor failures (bad JSON, bad
//! path or query) are turned into problems here too, without echoing the input.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, ResponseError, error};
use futures_util::Stream;
use serde::Serialize;
use std::cell::Cell;
use std::rc::Rc;
use tracing_actix_web::RequestId;

use crate::error::{Error, FieldError};

pub const CONTENT_TYPE: &str = "application/problem+json";

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// `urn:custodia:problem:<code>`; the code is stable and documented in docs/api.md.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: &'static str,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request id, to quote when reporting a problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, title: &'static str) -> Self {
        Problem {
            type_: format!("urn:custodia:problem:{code}"),
            title,
            status: status.as_u16(),
            detail: None,
            instance: None,
            errors: Vec::new(),
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn response(&self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        HttpResponse::build(status).content_type(CONTENT_TYPE).json(self)
    }
}

impl Error {
    /// The stable `type` code (`sealed`, `validation_error`), for logs as well.
    pub fn problem_type(&self) -> &'static str {
        self.code().1
    }

    /// The problem document this error answers with (headers aside).
    pub fn problem(&self) -> Problem {
        let (status, code, title) = self.code();
        let mut problem = Problem::new(status, code, title);
        match self {
            Error::Validation(errors) | Error::InvalidQuery(errors) => problem.errors = errors.clone(),
            Error::BadRequest(detail) => problem.detail = Some(detail.clone()),
            Error::Conflict(reason) => problem.detail = Some((*reason).to_owned()),
            Error::SecondFactorEnrolmentRequired => {
                problem.detail = Some(
                    "this role signs in with a second factor: POST /api/v1/auth/totp/enrol, add the secret to an \
                     authenticator app, then POST /api/v1/auth/totp/confirm {\"code\"} (or set it up on the \
                     /account page)"
                        .to_owned(),
                )
            }
            Error::TooLarge { limit } => problem.detail = Some(format!("at most {limit} bytes")),
            Error::InsufficientStorage { needed, available } => {
                problem.detail = Some(format!("{needed} bytes needed, {available} free"))
            }
            _ => {}
        }
        problem
    }

    fn code(&self) -> (StatusCode, &'static str, &'static str) {
        use StatusCode as S;
        match self {
            Error::Validation(_) => {
                (S::UNPROCESSABLE_ENTITY, "validation_error", "Some fields are not valid")
            }
            Error::BadRequest(_) => (S::BAD_REQUEST, "bad_request", "The request could not be understood"),
            Error::InvalidQuery(_) => (S::BAD_REQUEST, "invalid_query", "A query parameter is not valid"),
            Error::InvalidCredentials => {
                (S::UNAUTHORIZED, "invalid_credentials", "Invalid username or password")
            }
            Error::TotpRequired => (S::UNAUTHORIZED, "totp_required", "A one-time code is required"),
            Error::TotpInvalid => (S::UNAUTHORIZED, "totp_invalid", "The one-time code is not valid"),
            Error::SecondFactorEnrolmentRequired => {
                (S::FORBIDDEN, "second_factor_enrolment_required", "Enrol a second factor first")
            }
            Error::Unauthenticated => (S::UNAUTHORIZED, "unauthenticated", "Authentication required"),
            Error::Forbidden => (S::FORBIDDEN, "forbidden", "Not allowed"),
            Error::NotFound => (S::NOT_FOUND, "not_found", "Not found"),
            Error::Conflict(_) => (S::CONFLICT, "conflict", "Conflict with the current state"),
            Error::RateLimited { .. } => (S::TOO_MANY_REQUESTS, "rate_limited", "Too many failed attempts"),
            Error::Unavailable => {
                (S::SERVICE_UNAVAILABLE, "unavailable", "The service is temporarily unavailable")
            }
            Error::Sealed => (S::SERVICE_UNAVAILABLE, "sealed", "The service is sealed"),
            Error::NotInitialised => {
                (S::SERVICE_UNAVAILABLE, "not_initialised", "No keyring yet: run custodia init")
            }
            Error::Integrity => {
                (S::INTERNAL_SERVER_ERROR, "integrity_error", "Stored data failed its integrity check")
            }
            Error::KeyUnavailable(_) => {
                (S::SERVICE_UNAVAILABLE, "key_unavailable", "A key needed for this record is not available")
            }
            Error::WrongKey => {
                (S::BAD_REQUEST, "wrong_key", "The passphrase or shares do not open the keyring")
            }
            Error::TooLarge { .. } => (S::PAYLOAD_TOO_LARGE, "payload_too_large", "The body is too large"),
            Error::Storage(_) => {
                (S::SERVICE_UNAVAILABLE, "storage_unavailable", "File storage is unavailable")
            }
            Error::StoreUnavailable(_) => (
                S::SERVICE_UNAVAILABLE,
                "object_store_unavailable",
                "The object store holding the files is unavailable",
            ),
            Error::Stalled => (S::REQUEST_TIMEOUT, "upload_stalled", "The body stopped arriving"),
            Error::DiskFull => (S::INSUFFICIENT_STORAGE, "insufficient_storage", "The disk is full"),
            Error::InsufficientStorage { .. } => {
                (S::INSUFFICIENT_STORAGE, "insufficient_storage", "Not enough free disk space for this")
            }
            Error::Internal(_) => (S::INTERNAL_SERVER_ERROR, "internal", "Internal error"),
        }
    }
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        self.code().0
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = self.problem().response();
        let headers = response.headers_mut();
        match self {
            Error::RateLimited { retry_after_secs } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            Error::Unavailable
            | Error::Sealed
            | Error::Storage(_)
            | Error::StoreUnavailable(_)
            | Error::KeyUnavailable(_) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            Error::Unauthenticated => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        // These can answer before the body has been read to its end. The rest of the
        // body is then never read, so the connection must not be reused: without
        // `Connection: close` a keep-alive client sends its next request into a
        // connection the server is about to drop.
        if matches!(
            self,
            Error::TooLarge { .. }
                | Error::Stalled
                | Error::DiskFull
                | Error::InsufficientStorage { .. }
                | Error::Storage(_)
                | Error::StoreUnavailable(_)
        ) {
            response.head_mut().set_connection_type(actix_web::http::ConnectionType::Close);
        }
        response
    }
}

/// JSON bodies: wrong type, missing field, malformed, too large, wrong content type.
/// serde's messages can quote the offending value, so only field names and positions
/// are passed on.
/// The problems the edge answers before a handler runs: (status, type, title).
pub type Kind = (StatusCode, &'static str, &'static str);
const PAYLOAD_TOO_LARGE: Kind = (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "The body is too large");
const UNSUPPORTED_MEDIA_TYPE: Kind =
    (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "Send the body as application/json");
pub const INVALID_BODY: Kind = (StatusCode::BAD_REQUEST, "invalid_body", "The body is not valid");
const UNREADABLE_BODY: Kind = (StatusCode::BAD_REQUEST, "invalid_body", "The body could not be read");
const INVALID_PATH: Kind = (StatusCode::BAD_REQUEST, "invalid_path", "A path segment is not valid");
pub const RANGE_NOT_SATISFIABLE: Kind =
    (StatusCode::RANGE_NOT_SATISFIABLE, "range_not_satisfiable", "The range lies outside the file");
const INVALID_QUERY: Kind = (StatusCode::BAD_REQUEST, "invalid_query", "A query parameter is not valid");

impl From<Kind> for Problem {
    fn from((status, code, title): Kind) -> Self {
        Problem::new(status, code, title)
    }
}

/// One problem document of every type the API answers with, for the examples in the
/// API document: the services' errors through `Error`'s own mapping, then the edge's.
pub fn catalogue() -> Vec<Problem> {
    let errors = [
        Error::Validation(vec![FieldError::new("title", "required", "must not be empty")]),
        Error::BadRequest("Content-Type is not ASCII".to_owned()),
        Error::InvalidQuery(vec![FieldError::new("limit", "out_of_range", "between 1 and 200")]),
        Error::InvalidCredentials,
        Error::TotpRequired,
        Error::TotpInvalid,
        Error::SecondFactorEnrolmentRequired,
        Error::Unauthenticated,
        Error::Forbidden,
        Error::NotFound,
        Error::Conflict("testimony_sealed"),
        Error::RateLimited { retry_after_secs: 60 },
        Error::Unavailable,
        Error::Sealed,
        Error::NotInitialised,
        Error::Integrity,
        Error::KeyUnavailable(2),
        Error::WrongKey,
        Error::TooLarge { limit: 1_048_576 },
        Error::InsufficientStorage { needed: 10_485_760, available: 1_048_576 },
        Error::Storage(String::new()),
        Error::StoreUnavailable(String::new()),
        Error::Stalled,
        Error::DiskFull,
        Error::Internal(String::new()),
    ];
    let mut problems: Vec<Problem> = errors.iter().map(Error::problem).collect();
    problems.extend(
        [UNSUPPORTED_MEDIA_TYPE, INVALID_BODY, INVALID_PATH, RANGE_NOT_SATISFIABLE].map(Problem::from),
    );
    for p in &mut problems {
        if p.status == 500 {
            p.instance = Some("7f0c3d2e-9b1a-4c55-8e21-4a6f1d0b9c3e".to_owned());
        }
    }
    problems
}

pub fn json_error(err: error::JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    use error::JsonPayloadError as J;
    let problem = match &err {
        J::Overflow { limit } | J::OverflowKnownLength { limit, .. } => {
            Problem::from(PAYLOAD_TOO_LARGE).detail(format!("at most {limit} bytes"))
        }
        J::ContentType => Problem::from(UNSUPPORTED_MEDIA_TYPE),
        J::Deserialize(e) => Problem::from(INVALID_BODY).detail(describe_serde(e)),
        _ => Problem::from(UNREADABLE_BODY),
    };
    // The extractor's own error quotes serde, keys and values included, and the request
    // log records an error's text: only what the client is told is kept.
    sanitized(problem)
}

/// An error whose text (what the request log records) is the problem's title and
/// detail, never the extractor's message.
fn sanitized(problem: Problem) -> actix_web::Error {
    let text = match &problem.detail {
        Some(detail) => format!("{}: {detail}", problem.title),
        None => problem.title.to_owned(),
    };
    error::InternalError::from_response(text, problem.response()).into()
}

fn describe_serde(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    // A body bound after parsing (src/http/json.rs) has no position: say nothing then.
    let position = match e.line() {
        0 => "its place in the body".to_owned(),
        line => format!("line {line}, column {}", e.column()),
    };
    match e.classify() {
        Category::Syntax | Category::Eof => format!("malformed JSON at {position}"),
        Category::Data => {
            let message = e.to_string();
            // A missing or duplicate field is one of ours, so it is named. An unknown one
            // is the client's own key, which may be anything it typed (a name, an
            // account): it is never quoted back, nor logged.
            if message.starts_with("unknown field `") {
                return format!("an unknown field at {position}");
            }
            ["missing field `", "duplicate field `"]
                .iter()
                .find_map(|prefix| {
                    let rest = message.strip_prefix(prefix)?;
                    let name: String = rest.split('`').next()?.chars().take(64).collect();
                    Some(format!("{}{name}` at {position}", prefix))
                })
                .unwrap_or_else(|| format!("a value has the wrong type or format at {position}"))
        }
        Category::Io => "the body could not be read".to_owned(),
    }
}

pub fn path_error(_err: error::PathError, _req: &HttpRequest) -> actix_web::Error {
    sanitized(Problem::from(INVALID_PATH).detail("ids are UUIDs; codes are lower-case words"))
}

/// Neither the parameter's name (an unknown one is the client's) nor its value is quoted.
pub fn query_error(_err: error::QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    sanitized(Problem::from(INVALID_QUERY))
}

/// Outermost of our middleware: adds `x-request-id`, and turns every error response
/// that is not yet a problem document (unknown route, wrong method, an extractor's
/// plain-text error) into one. A 500's body is rebuilt so only the request id shows.
pub async fn finish_response(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let request_id = req.extensions().get::<RequestId>().map(|id| id.to_string());
    let body_read = watch_body(&mut req);
    let mut res = next.call(req).await?.map_into_boxed_body();
    // Answered before the body was read to its end (a 401 or 403 comes before the body
    // is parsed): the server will not read the rest, and closes the connection once
    // this response is out. Saying so keeps a keep-alive client from sending its next
    // request into a connection that is about to drop.
    if body_read.is_some_and(|read| !read.get()) {
        res.response_mut().head_mut().set_connection_type(actix_web::http::ConnectionType::Close);
    }
    let status = res.status();
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(CONTENT_TYPE.as_bytes()));
    // Pages render their own errors for people.
    let is_page =
        res.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    // OpenRosa's answers are XML its clients show (`http::api::intake`).
    let is_openrosa =
        res.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/xml"));
    let needs_problem =
        (status.is_client_error() || status.is_server_error()) && !is_problem && !is_page && !is_openrosa;
    let mut res = if needs_problem {
        let (code, title) = generic(status);
        let mut problem = Problem::new(status, code, title);
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            problem.instance = request_id.clone();
        }
        replace_body(res, problem.response())
    } else if status == StatusCode::INTERNAL_SERVER_ERROR && is_problem {
        // Our own 500 problem (e.g. integrity_error): add the request id to quote. The
        // head is kept, and with it the error the request log records.
        let (req, old) = res.into_parts();
        let (mut head, old_body) = old.into_parts();
        let bytes = actix_web::body::to_bytes(old_body).await.unwrap_or_default();
        let mut body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        if let Some(map) = body.as_object_mut() {
            map.insert("instance".into(), request_id.clone().into());
        }
        head.headers_mut().remove(header::CONTENT_LENGTH);
        head.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        let body = serde_json::to_vec(&body).unwrap_or_default();
        ServiceResponse::new(req, head.set_body(BoxBody::new(body)))
    } else {
        res
    };
    if let Some(id) = request_id.and_then(|id| HeaderValue::from_str(id.as_str()).ok()) {
        res.headers_mut().insert(header::HeaderName::from_static("x-request-id"), id);
    }
    Ok(res)
}

/// For a request that declares a body, wraps its payload so that reading it to its end
/// is noticed; `None` when there is no body to read.
fn watch_body(req: &mut ServiceRequest) -> Option<Rc<Cell<bool>>> {
    let headers = req.headers();
    let declared = match headers.get(header::CONTENT_LENGTH) {
        Some(v) => v.to_str().ok().and_then(|v| v.trim().parse::<u64>().ok()).is_none_or(|n| n > 0),
        None => headers.contains_key(header::TRANSFER_ENCODING),
    };
    if !declared {
        return None;
    }
    let read = Rc::new(Cell::new(false));
    let (flag, mut inner) = (read.clone(), req.take_payload());
    let watched = futures_util::stream::poll_fn(move |cx| {
        let next = std::pin::Pin::new(&mut inner).poll_next(cx);
        if matches!(next, std::task::Poll::Ready(None)) {
            flag.set(true);
        }
        next
    });
    let boxed: std::pin::Pin<Box<dyn Stream<Item = Result<actix_web::web::Bytes, error::PayloadError>>>> =
        Box::pin(watched);
    req.set_payload(actix_web::dev::Payload::from(boxed));
    Some(read)
}

/// Swaps the body for a problem document, keeping the headers that matter to the
/// client (Allow on 405, Retry-After, WWW-Authenticate) and the error the response
/// carried.
fn replace_body(res: ServiceResponse<BoxBody>, mut new: HttpResponse) -> ServiceResponse<BoxBody> {
    let (req, old) = res.into_parts();
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(value) = old.headers().get(&name) {
            new.headers_mut().insert(name, value.clone());
        }
    }
    ServiceResponse::new(req, keeping_error(old, new))
}

/// `new` in place of `old`, still carrying the error `old` carried: the request log
/// (`telemetry`) decides its level, and records the cause of a 5xx, from that error.
pub fn keeping_error<B>(old: HttpResponse<B>, new: HttpResponse) -> HttpResponse {
    let (mut shell, _) = old.into_parts();
    let (head, body) = new.into_parts();
    *shell.head_mut() = head.head().clone();
    shell.set_body(body)
}

fn generic(status: StatusCode) -> (&'static str, &'static str) {
    match status {
        StatusCode::NOT_FOUND => ("not_found", "Not found"),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "Method not allowed"),
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "The body is too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "Unsupported media type"),
        StatusCode::REQUEST_TIMEOUT => ("request_timeout", "The request took too long"),
        StatusCode::URI_TOO_LONG => ("uri_too_long", "The URL is too long"),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => ("headers_too_large", "Headers too large"),
        StatusCode::SERVICE_UNAVAILABLE => ("unavailable", "The service is temporarily unavailable"),
        s if s.is_server_error() => ("internal", "Internal error"),
        _ => ("bad_request", "The request could not be understood"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_errors_name_fields_but_never_values() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Body {
            age: u32,
        }
        let e = serde_json::from_str::<Body>(r#"{"age": "Иван Петров beaten"}"#).unwrap_err();
        let text = describe_serde(&e);
        assert!(!text.contains("Иван"), "{text}");
        let e = serde_json::from_str::<Body>("{}").unwrap_err();
        assert!(describe_serde(&e).starts_with("missing field `age`"));
        let e = serde_json::from_str::<Body>("{").unwrap_err();
        assert!(describe_serde(&e).starts_with("malformed JSON"));
    }
}
