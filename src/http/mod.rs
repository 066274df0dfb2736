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

use actix_web::{HttpResponse, web};

use crate::error::Error;

/// Every route of the service. A handler is reachable only if it is listed here.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").get(api::system::healthz))
        .service(web::resource("/readyz").get(api::system::readyz))
        .service(
            web::scope("/api/v1")
                .wrap(actix_web::middleware::from_fn(extract::audit_failures))
                .wrap(actix_web::middleware::from_fn(extract::authenticate))
                .wrap(actix_web::middleware::from_fn(extract::sealed_gate))
                .configure(api::routes)
                .default_service(web::to(not_found)),
        )
        // The pages claim every other path, so they come last.
        .configure(crate::web::routes);
}

async fn not_found() -> Result<HttpResponse, Error> {
    Err(Error::NotFound)
}
