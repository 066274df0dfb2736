//! Per-role policy an admin sets: whether the role must use a second factor.

use actix_web::web;
use serde::Deserialize;

use crate::audit::Actor;
use crate::auth::policy::act;
use crate::auth::service::RolePolicy;
use crate::domain::Role;
use crate::error::Result;
use crate::http::extract::Allowed;
use crate::http::problem::Problem;
use crate::startup::AppState;

/// Each role and whether it must use a second factor. Permission: `role_policy.read`.
#[utoipa::path(get, path = "/api/v1/roles", tag = "roles",
    responses((status = 200, body = Vec<RolePolicy>)), security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    _who: Allowed<act::RolePolicyRead>,
) -> Result<web::Json<Vec<RolePolicy>>> {
    Ok(web::Json(state.auth.role_policies().await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRolePolicy {
    pub totp_required: bool,
}

/// Require (or stop requiring) a second factor for a role. Users of that role without
/// one can then only enrol it. Permission: `role_policy.update`.
#[utoipa::path(put, path = "/api/v1/roles/{role}", tag = "roles", params(("role" = Role, Path)),
    request_body = UpdateRolePolicy,
    responses((status = 200, body = RolePolicy), (status = 400, body = Problem)), security(("bearer" = [])))]
pub async fn update(
    state: web::Data<AppState>,
    who: Allowed<act::RolePolicyUpdate>,
    role: web::Path<Role>,
    body: web::Json<UpdateRolePolicy>,
) -> Result<web::Json<RolePolicy>> {
    let policy = state
        .auth
        .set_role_policy(Actor::from(&who.principal), role.into_inner(), body.totp_required)
        .await?;
    Ok(web::Json(policy))
}
