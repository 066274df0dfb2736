//! Page handlers, one module per area. Each is thin: it names its permission
//! (`Allowed<A>`), calls the same service function as the API, and renders.

mod admin;
mod audit;
mod auth;
mod cases;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.configure(auth::routes).configure(cases::routes).configure(admin::routes).configure(audit::routes);
}
