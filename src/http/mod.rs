//! The HTTP edge: routes, extractors, problem documents, security headers and the
//! OpenAPI document. Handlers parse, authorise, call one service function and render;
//! logic lives in the services.

pub mod api;
pub(crate) mod download;
pub mod extract;
pub mod headers;
pub mod json;
pub mod openapi;
pub mod problem;
pub mod registry;
pub(crate) mod stream_reader;

use actix_web::{HttpResponse, web};

use crate::config::{Settings, WebSettings};
use crate::error::Error;
use registry::Registry;

/// Settings only the edges use: how to read the client's address, whether cookies are
/// `Secure`, the pages' own settings. Registered beside `Services`.
#[derive(Debug, Clone)]
pub struct Edge {
    pub trust_forwarded_for: bool,
    /// Served over https (behind a TLS proxy): cookies are `Secure`.
    pub behind_tls: bool,
    pub web: WebSettings,
}

impl Edge {
    pub fn from_settings(settings: &Settings) -> Self {
        Edge {
            trust_forwarded_for: settings.server.trust_forwarded_for,
            behind_tls: settings.server.behind_tls(),
            web: settings.web.clone(),
        }
    }
}

/// Every route of the service. A handler is reachable only if it is registered here:
/// the API's operations from `api::operations` (with their documentation and
/// permissions), then the pages, which claim every other path.
pub fn routes(cfg: &mut web::ServiceConfig) {
    let mut operations = Registry::for_routes();
    api::operations(&mut operations);
    let (api_ops, root_ops) = operations.split(API_PREFIX);
    let (openrosa_ops, root_ops) = root_ops.split(api::intake::OPENROSA_PREFIX);
    root_ops.configure("", cfg);
    // Phones: their own authentication (Basic) and answers (OpenRosa XML).
    cfg.service(
        web::scope(api::intake::OPENROSA_PREFIX)
            .wrap(actix_web::middleware::from_fn(extract::audit_failures))
            .wrap(actix_web::middleware::from_fn(api::intake::authenticate_device))
            .wrap(actix_web::middleware::from_fn(extract::sealed_gate))
            .wrap(actix_web::middleware::from_fn(api::intake::openrosa_response))
            .configure(|cfg| openrosa_ops.configure(api::intake::OPENROSA_PREFIX, cfg))
            .default_service(web::to(not_found)),
    );
    cfg.service(
        web::scope(API_PREFIX)
            .wrap(actix_web::middleware::from_fn(extract::audit_failures))
            .wrap(actix_web::middleware::from_fn(extract::authenticate))
            .wrap(actix_web::middleware::from_fn(extract::sealed_gate))
            .service(web::resource("/openapi.json").get(openapi::document))
            .configure(|cfg| api_ops.configure(API_PREFIX, cfg))
            .default_service(web::to(not_found)),
    )
    // The pages claim every other path, so they come last.
    .configure(crate::web::routes);
}

pub const API_PREFIX: &str = "/api/v1";

async fn not_found() -> Result<HttpResponse, Error> {
    Err(Error::NotFound)
}
