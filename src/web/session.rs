//! The browser's session: the same session tokens as the API, carried in an HttpOnly,
//! SameSite=Strict cookie instead of a header; CSRF tokens derived from the session;
//! and the origin check on every state-changing request.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::auth::kept::{self, KeptForm};
use crate::auth::service::KeptFor;
use crate::error::Error;
use crate::http::Edge;
use crate::http::extract::Authenticated;
use crate::services::Services;
use crate::web::pages::{auth::kept_page, testimony::keeps_form};
use crate::web::{CsrfField, Ctx, MAX_FORM_BYTES, read_form};

/// With TLS the cookie gets the `__Host-` prefix, which browsers accept only with
/// `Secure`, `Path=/` and no `Domain`: it cannot be set by a sibling subdomain. Plain
/// HTTP (development on loopback) cannot carry a `Secure` cookie to every client, so
/// there the cookie has no prefix.
pub fn cookie_name(behind_tls: bool) -> &'static str {
    if behind_tls { "__Host-custodia" } else { "custodia" }
}

pub fn session_cookie(token: &str, behind_tls: bool) -> Cookie<'static> {
    Cookie::build(cookie_name(behind_tls), token.to_owned())
        .path("/")
        .http_only(true)
        .secure(behind_tls)
        .same_site(SameSite::Strict)
        .finish()
}

pub fn removal_cookie(behind_tls: bool) -> Cookie<'static> {
    let mut c = session_cookie("", behind_tls);
    c.make_removal();
    c
}

/// The session's token, kept in the request to derive its CSRF token.
#[derive(Clone)]
pub struct SessionToken(pub String);

/// The CSRF token of a session: a hash of its (secret, HttpOnly) session token, so it
/// needs no storage, works across instances, and reveals nothing of the session token.
pub fn csrf_token(session_token: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"custodia csrf v1\0");
    h.update(session_token.as_bytes());
    URL_SAFE_NO_PAD.encode(h.finalize())
}

pub fn csrf_matches(session_token: &str, presented: &str) -> bool {
    csrf_token(session_token).as_bytes().ct_eq(presented.as_bytes()).into()
}

/// Checks the CSRF token of a state-changing request against its session.
pub fn check_csrf(req: &HttpRequest, presented: Option<&str>) -> Result<(), Error> {
    let Some(SessionToken(token)) = req.extensions().get::<SessionToken>().cloned() else {
        return Err(Error::Unauthenticated);
    };
    match presented {
        Some(p) if csrf_matches(&token, p) => Ok(()),
        _ => Err(Error::Forbidden),
    }
}

/// Middleware of the pages: resolves the session cookie (a stale one is simply
/// ignored and removed), and refuses a state-changing request that another site's page
/// sent (its `Origin` is not ours), before anything else runs. A testimony form posted
/// with a stale cookie is kept for its author on the sign-in page (`keep`).
pub async fn load(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let state = req
        .app_data::<web::Data<Services>>()
        .cloned()
        .ok_or_else(|| Error::internal("application state missing"))?;
    let edge =
        req.app_data::<web::Data<Edge>>().cloned().ok_or_else(|| Error::internal("edge settings missing"))?;
    if req.method() != Method::GET && req.method() != Method::HEAD && !same_origin(req.request()) {
        // A response, not an `Err`: an `Err` would skip the outer middleware (request
        // id, security headers) on its way out.
        return Ok(req.error_response(Error::Forbidden));
    }
    let name = cookie_name(edge.behind_tls);
    let mut stale = false;
    if let Some(token) = req.cookie(name).map(|c| c.value().to_owned()).filter(|t| !t.is_empty()) {
        if token.len() <= 256
            && let Ok(session) = state.auth.session(&token).await
        {
            req.extensions_mut().insert(Authenticated::from(session));
            req.extensions_mut().insert(SessionToken(token));
        } else {
            stale = true;
            if req.method() == Method::POST
                && let Some(form) = keeps_form(req.path())
            {
                let mut res = keep(req, &state, &edge, &token, form).await?;
                append_cookie(&mut res, removal_cookie(edge.behind_tls));
                return Ok(res);
            }
        }
    }
    // A stale cookie is removed by the next page shown, not by a script's request (an
    // autosave that found the session ended): the form the script then posts must
    // still name the session, so that the sign-in page can keep it for its user.
    let page_load = req.method() == Method::GET || req.method() == Method::HEAD;
    let mut res = next.call(req).await?.map_into_boxed_body();
    if stale && page_load && !res.headers().contains_key(header::SET_COOKIE) {
        append_cookie(&mut res, removal_cookie(edge.behind_tls));
    }
    Ok(res)
}

fn append_cookie(res: &mut ServiceResponse<BoxBody>, cookie: Cookie<'_>) {
    if let Ok(v) = header::HeaderValue::from_str(&cookie.to_string()) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// A testimony form that arrived after its session ended (typed past the idle limit,
/// or posted by the idle lock when the draft could not be saved): rather than lose it,
/// the sign-in page carries it back sealed for the user whose session the cookie
/// named, and it is saved when that user signs in (`pages::auth::login`). The form must
/// carry that session's CSRF token: it came from our own page, for that session.
async fn keep(
    mut req: ServiceRequest,
    state: &Services,
    edge: &Edge,
    token: &str,
    (name, kind, record): (&'static str, &'static str, uuid::Uuid),
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let ctx = Ctx::of(req.request());
    let mut payload = req.take_payload();
    let body = read_form(req.request(), &mut payload, MAX_FORM_BYTES).await?;
    let csrf: CsrfField = serde_html_form::from_bytes(&body).unwrap_or_default();
    let ours = csrf.csrf.is_some_and(|c| csrf_matches(token, &c));
    let minutes = edge.web.kept_form_minutes;
    let sealed = match kept::without_csrf(&body) {
        Some(body) if ours => {
            let form = KeptForm { action: req.path().to_owned(), body };
            state.auth.keep_form(token, minutes, form, KeptFor { form: name, kind, record }).await?
        }
        _ => None,
    };
    let page = kept_page(&ctx, sealed, minutes);
    Ok(req.into_response(page))
}

/// Browsers send `Origin` with every POST; a request without one (an old client, curl)
/// is judged by its CSRF token alone.
fn same_origin(req: &HttpRequest) -> bool {
    let Some(origin) = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    origin.split_once("://").is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(host))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn csrf_tokens_are_bound_to_their_session() {
        let a = csrf_token("cst_a");
        assert_eq!(a, csrf_token("cst_a"));
        assert_ne!(a, csrf_token("cst_b"));
        assert!(csrf_matches("cst_a", &a));
        assert!(!csrf_matches("cst_b", &a));
        assert!(!csrf_matches("cst_a", ""));
        assert!(!a.contains("cst_a"));
    }

    #[test]
    fn only_our_own_origin_may_post() {
        let ours = TestRequest::post()
            .insert_header((header::HOST, "custodia.example:8080"))
            .insert_header((header::ORIGIN, "https://custodia.example:8080"))
            .to_http_request();
        assert!(same_origin(&ours));
        let theirs = TestRequest::post()
            .insert_header((header::HOST, "custodia.example:8080"))
            .insert_header((header::ORIGIN, "https://evil.example"))
            .to_http_request();
        assert!(!same_origin(&theirs));
        let opaque = TestRequest::post()
            .insert_header((header::HOST, "custodia.example"))
            .insert_header((header::ORIGIN, "null"))
            .to_http_request();
        assert!(!same_origin(&opaque));
        assert!(same_origin(&TestRequest::post().to_http_request()));
    }

    #[test]
    fn cookies_are_strict_and_http_only() {
        let c = session_cookie("cst_x", true).to_string();
        assert!(c.starts_with("__Host-custodia=cst_x"), "{c}");
        for part in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
            assert!(c.contains(part), "{c}");
        }
        let plain = session_cookie("cst_x", false).to_string();
        assert!(plain.starts_with("custodia=") && !plain.contains("Secure"));
    }
}
