//! Field intake at the edge: the OpenRosa server phones talk to (`openrosa`, under
//! `/openrosa`), Tella Web's API (`tella`), and the case lead's forms (`forms`), devices
//! (`devices`) and inbox (`inbox`), under `/api/v1`.
//!
//! OpenRosa clients authenticate with HTTP Basic (ODK Collect asks for it after a 401
//! carrying `WWW-Authenticate: Basic`), verified per request against the device account
//! (throttled like sign-in); a bearer token (a Tella device's session) is taken too, so a
//! staff session is told 403 like everywhere else. Digest is not offered: it needs the
//! password (or an equivalent hash of it) kept on the server, where ours is Argon2id.
//! Every answer, errors included, is what the protocol's clients read: an
//! `OpenRosaResponse` XML body with `X-OpenRosa-Version: 1.0`.

pub mod devices;
pub mod forms;
pub mod inbox;
pub mod openrosa;
pub mod tella;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, web};
use base64::Engine;
use secrecy::SecretString;

use crate::access::{Allowed, act};
use crate::error::Error;
use crate::http::Edge;
use crate::http::extract::{Authenticated, client_ip};
use crate::intake::{Device, openrosa as protocol};
use crate::services::Services;

/// Where the OpenRosa server answers (the URL given to ODK Collect).
pub const OPENROSA_PREFIX: &str = "/openrosa";

pub const X_OPENROSA_VERSION: HeaderName = HeaderName::from_static("x-openrosa-version");
pub const X_OPENROSA_ACCEPT_CONTENT_LENGTH: HeaderName =
    HeaderName::from_static("x-openrosa-accept-content-length");

/// The challenge ODK Collect answers with the device's user name and password.
const CHALLENGE: &str = "Basic realm=\"Custodia\"";

/// The device a verified intake account submits for (a revoked one is 401).
pub(crate) async fn device(services: &Services, who: Allowed<act::IntakeSubmit>) -> Result<Device, Error> {
    services.intake.device(who).await
}

/// Resolves `Authorization: Basic` (a device's user name and password) or `Bearer` (a
/// session) before the handler runs. No credentials pass through: the handler's
/// `Allowed` then answers 401 with the challenge.
pub async fn authenticate_device(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let value = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    if let Some(value) = value {
        let Some(services) = req.app_data::<web::Data<Services>>().cloned() else {
            return Ok(req.error_response(Error::internal("application state missing")));
        };
        let (scheme, credentials) = value.split_once(' ').unwrap_or((value.as_str(), ""));
        let found = if scheme.eq_ignore_ascii_case("basic") {
            let trust = req.app_data::<web::Data<Edge>>().is_some_and(|e| e.trust_forwarded_for);
            let client = client_ip(req.request(), trust);
            match basic(credentials.trim()) {
                Some((user, password)) => {
                    services.auth.verify_device(&user, password, client).await.map(|p| (p, false)).map_err(
                        |e| if matches!(e, Error::InvalidCredentials) { Error::Unauthenticated } else { e },
                    )
                }
                None => Err(Error::Unauthenticated),
            }
        } else if scheme.eq_ignore_ascii_case("bearer") && !credentials.trim().is_empty() {
            services.auth.authenticate(credentials.trim()).await
        } else {
            Err(Error::Unauthenticated)
        };
        match found {
            Ok((principal, enrolment_pending)) => {
                req.extensions_mut().insert(Authenticated { principal, enrolment_pending, user: None });
            }
            Err(e) => return Ok(req.error_response(e)),
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// `user:password` from a Basic credential.
fn basic(encoded: &str) -> Option<(String, SecretString)> {
    if encoded.len() > 1024 {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), SecretString::from(password.to_owned())))
}

/// Outermost on `/openrosa`: every answer carries the protocol's headers, and every error
/// becomes an `OpenRosaResponse` whose message the phone shows (a 401 with the Basic
/// challenge, never a problem document a phone cannot read).
pub async fn openrosa_response(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let limit = req.app_data::<web::Data<Services>>().map(|s| s.attachments.limits().max_bytes).unwrap_or(0);
    let res = next.call(req).await?.map_into_boxed_body();
    let status = res.status();
    let mut res = if (status.is_client_error() || status.is_server_error()) && !is_xml(&res) {
        let text = match res.response().error().and_then(|e| e.as_error::<Error>()) {
            Some(e) if !status.is_server_error() => {
                let problem = e.problem();
                problem.detail.unwrap_or_else(|| problem.title.to_owned())
            }
            _ => status.canonical_reason().unwrap_or("Error").to_owned(),
        };
        // The body is replaced in place: the error stays attached for the request log.
        let body = protocol::message(&text);
        let mut res = res.map_body(|_, _| BoxBody::new(body));
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml; charset=utf-8"));
        res
    } else {
        res
    };
    let headers = res.headers_mut();
    if status == StatusCode::UNAUTHORIZED {
        headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(CHALLENGE));
    }
    headers.insert(X_OPENROSA_VERSION, HeaderValue::from_static(protocol::VERSION));
    headers.insert(X_OPENROSA_ACCEPT_CONTENT_LENGTH, HeaderValue::from(limit));
    Ok(res)
}

fn is_xml(res: &ServiceResponse<BoxBody>) -> bool {
    res.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/xml"))
}

/// A response body of the protocol: XML.
pub(crate) fn xml(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status).content_type("text/xml; charset=utf-8").body(body)
}

/// Tella's operations, registered like the rest of `/api/v1`.
pub fn operations(r: &mut crate::http::registry::Registry) {
    tella::operations(r);
}
