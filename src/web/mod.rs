//! The browser interface: server-rendered pages (maud) for documenters, investigators,
//! lawyers, administrators and auditors. Pages call the same services as the API and
//! are checked against the same policy table (`Allowed<A>` in every handler). No
//! third-party assets, no inline script (a strict CSP forbids it), everything works
//! without JavaScript; `assets/app.js` only adds conveniences (upload progress, draft
//! autosave, the idle lock and the Escape-twice quick exit).

pub mod assets;
pub mod i18n;
pub mod languages;
pub mod layout;
pub mod marking;
pub mod pages;
pub mod session;

use std::future::Future;
use std::pin::Pin;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::auth::Principal;
use crate::error::Error;
use crate::http::Edge;
use crate::http::extract::Authenticated;
use i18n::{Lang, Tr};
use pages::registry::Pages;

/// Scripts and styles only from us; forms post only to us; never framed.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Largest form body (a long account typed into the testimony form fits many times).
pub(crate) const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;

/// The pages, mounted last: everything the API and the probes do not claim.
pub fn routes(cfg: &mut web::ServiceConfig) {
    let mut outside = Pages::default();
    register_outside(&mut outside);
    outside.configure(cfg);
    let mut pages = Pages::default();
    pages::register(&mut pages);
    cfg.service(
        web::scope("")
            .wrap(actix_web::middleware::from_fn(render_errors))
            .wrap(actix_web::middleware::from_fn(session::load))
            .wrap(
                DefaultHeaders::new()
                    .add(("Content-Security-Policy", CSP))
                    // Not `no-referrer`: with it, form posts carry `Origin: null` (http/headers.rs).
                    .add(("Referrer-Policy", "same-origin")),
            )
            .configure(|cfg| pages.configure(cfg))
            .default_service(web::to(not_found)),
    );
}

/// Outside the pages' scope: a stylesheet needs no session looked up.
pub(crate) fn register_outside(r: &mut Pages) {
    r.public_get("/assets/{file}", assets::serve);
}

async fn not_found() -> Result<HttpResponse, Error> {
    Err(Error::NotFound)
}

/// What every page needs to render its frame: the language, who is signed in, the
/// session's CSRF token for forms, and the safety settings the script reads.
#[derive(Clone)]
pub struct Ctx {
    pub tr: Tr,
    pub who: Option<Principal>,
    pub csrf: String,
    /// The idle lock, in seconds (0: off).
    pub idle_lock_secs: u32,
    pub exit_url: String,
}

impl Ctx {
    pub fn of(req: &HttpRequest) -> Ctx {
        let lang = language(req);
        let who = req.extensions().get::<Authenticated>().map(|a| a.principal.clone());
        let csrf = req
            .extensions()
            .get::<session::SessionToken>()
            .map(|t| session::csrf_token(&t.0))
            .unwrap_or_default();
        let (idle_lock_secs, exit_url) = req
            .app_data::<web::Data<Edge>>()
            .map(|e| (e.web.idle_lock_secs(), e.web.exit_url.clone()))
            .unwrap_or_default();
        Ctx { tr: Tr(lang), who, csrf, idle_lock_secs, exit_url }
    }

    pub fn t(&self, id: &str) -> String {
        self.tr.t(id)
    }

    pub fn ta(&self, id: &str, args: &[(&'static str, fluent_bundle::FluentValue<'_>)]) -> String {
        self.tr.ta(id, args)
    }

    pub fn lang(&self) -> Lang {
        self.tr.lang()
    }
}

impl FromRequest for Ctx {
    type Error = Error;
    type Future = std::future::Ready<Result<Ctx, Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(Ctx::of(req)))
    }
}

/// The chosen language (cookie `lang`, set by the switcher), else the browser's.
pub fn language(req: &HttpRequest) -> Lang {
    req.cookie("lang")
        .and_then(|c| Lang::from_code(c.value()))
        .or_else(|| {
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default()
}

/// A urlencoded form whose `csrf` field matches the session; refused (403) otherwise,
/// before the handler runs. Repeated fields (checkboxes) become `Vec`s.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Form<T> {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Form<T>, Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let body = read_form(&req, &mut payload, MAX_FORM_BYTES).await?;
            let csrf: CsrfField = serde_html_form::from_bytes(&body).unwrap_or_default();
            session::check_csrf(&req, csrf.csrf.as_deref())?;
            serde_html_form::from_bytes(&body)
                .map(Form)
                .map_err(|_| Error::BadRequest("the form could not be read".into()))
        })
    }
}

#[derive(Default, serde::Deserialize)]
pub(crate) struct CsrfField {
    pub(crate) csrf: Option<String>,
}

/// The sign-in form has no session yet, hence no CSRF token; the origin check and
/// `SameSite=Strict` stand in for it.
pub struct PublicForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for PublicForm<T> {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<PublicForm<T>, Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            // The sign-in form may carry a whole testimony form kept sealed (base64).
            let body = read_form(&req, &mut payload, MAX_FORM_BYTES * 2).await?;
            serde_html_form::from_bytes(&body)
                .map(PublicForm)
                .map_err(|_| Error::BadRequest("the form could not be read".into()))
        })
    }
}

pub(crate) async fn read_form(
    req: &HttpRequest,
    payload: &mut Payload,
    limit: usize,
) -> Result<web::BytesMut, Error> {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(Error::BadRequest("expected a form".into()));
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| Error::BadRequest("the form was interrupted".into()))?;
        if body.len() + chunk.len() > limit {
            return Err(Error::TooLarge { limit: limit as u64 });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Errors from page handlers become pages in the reader's language; an ended session
/// leads back to the sign-in page.
async fn render_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?.map_into_boxed_body();
    if res.response().error().is_none() {
        return Ok(res);
    }
    // The response's own status: an error built from a response (the path and query
    // extractors' problems) gives that response away when rendered, and would then
    // claim to be a 500.
    let status = res.response().status();
    let error = res.response().error().and_then(|e| e.as_error::<Error>());
    let ctx = Ctx::of(res.request());
    let page = match error {
        Some(Error::Unauthenticated) => {
            // "Your session ended" only to someone who had one.
            let had_session = res.request().app_data::<web::Data<Edge>>().is_some_and(|e| {
                res.request()
                    .cookie(session::cookie_name(e.behind_tls))
                    .is_some_and(|c| !c.value().is_empty())
            });
            let to = if had_session { "/login?ended=1" } else { "/login" };
            HttpResponse::SeeOther().insert_header((header::LOCATION, to)).finish()
        }
        Some(Error::SecondFactorEnrolmentRequired) => {
            HttpResponse::SeeOther().insert_header((header::LOCATION, "/account")).finish()
        }
        _ => layout::error_page(&ctx, status),
    };
    let mut page = page;
    // A refused form was not read to its end (the permission check comes first), and
    // the server will not read the rest: the browser must not reuse the connection.
    if res.request().method() != actix_web::http::Method::GET || status == StatusCode::PAYLOAD_TOO_LARGE {
        page.head_mut().set_connection_type(actix_web::http::ConnectionType::Close);
    }
    // The page replaces the body; the error stays with the response for the request log.
    let (req, old) = res.into_parts();
    Ok(ServiceResponse::new(req, crate::http::problem::keeping_error(old, page)))
}
