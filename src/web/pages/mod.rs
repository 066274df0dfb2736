//! Page handlers, one module per area. Each is thin: it names its permission
//! (`Allowed<A>`), calls the same service function as the API, and renders.

mod auth;
mod cases;
mod export;
mod records;
mod search;
mod testimony;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.configure(auth::routes)
        .configure(cases::routes)
        .configure(testimony::routes)
        .configure(records::routes)
        .configure(search::routes)
        .configure(export::routes);
}
