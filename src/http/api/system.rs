//! Liveness, readiness and the admin's status page.

use actix_web::{HttpResponse, web};
use serde::Serialize;

use crate::auth::policy::act;
use crate::error::{Error, Result};
use crate::http::extract::Allowed;
use crate::startup::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
}

/// Liveness: the process answers. Public.
#[utoipa::path(get, path = "/healthz", tag = "system", responses((status = 200, body = Health)))]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health { status: "ok" })
}

/// Readiness: the database answers. Public.
#[utoipa::path(get, path = "/readyz", tag = "system",
    responses((status = 200, body = Health), (status = 503, body = crate::http::problem::Problem)))]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse> {
    if state.db.is_reachable().await {
        Ok(HttpResponse::Ok().json(Health { status: "ready" }))
    } else {
        Err(Error::Unavailable)
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Status {
    pub version: &'static str,
    pub database_backend: &'static str,
    pub pending_migrations: usize,
    pub users: i64,
}

/// Version, database backend and counts. Permission: `system.status`.
#[utoipa::path(get, path = "/api/v1/system/status", tag = "system",
    responses((status = 200, body = Status)), security(("bearer" = [])))]
pub async fn status(
    state: web::Data<AppState>,
    _who: Allowed<act::SystemStatus>,
) -> Result<web::Json<Status>> {
    let (pending, users) = state
        .db
        .run(|c| Ok((crate::store::migrate::pending_count(c)?, crate::auth::service::count_users(c)?)))
        .await?;
    Ok(web::Json(Status {
        version: env!("CARGO_PKG_VERSION"),
        database_backend: state.db.backend().name(),
        pending_migrations: pending,
        users,
    }))
}
