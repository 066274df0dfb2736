//! Per-role policy an admin sets: whether the role must use a second factor.

use actix_web::web;
use serde::Deserialize;

use super::{Page, PageQuery};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::audit::Actor;
use crate::auth::service::RolePolicy;
use crate::domain::Role;
use crate::error::Result;
use crate::http::json::JsonObject;
use crate::http::problem::Problem;
use crate::services::Services;

/// Each role and whether it must use a second factor.
#[utoipa::path(get, operation_id = "list_role_policies", path = "/api/v1/roles", tag = "roles", params(PageQuery),
    responses((status = 200, body = Page<RolePolicy>)), security(("bearer" = [])))]
pub async fn list(
    state: web::Data<Services>,
    _who: Allowed<act::RolePolicyRead>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<RolePolicy>>> {
    let page = page.resolve()?;
    Ok(web::Json(Page::slice(state.auth.role_policies().await?, page)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRolePolicy {
    pub totp_required: bool,
}

/// Require (or stop requiring) a second factor for a role. Users of that role without one
/// can then only enrol it.
#[utoipa::path(put, operation_id = "replace_role_policy", path = "/api/v1/roles/{role}", tag = "roles", params(("role" = Role, Path)),
    request_body = UpdateRolePolicy,
    responses((status = 200, body = RolePolicy), (status = 400, body = Problem)), security(("bearer" = [])))]
pub async fn update(
    state: web::Data<Services>,
    who: Allowed<act::RolePolicyUpdate>,
    role: web::Path<Role>,
    body: JsonObject<UpdateRolePolicy>,
) -> Result<web::Json<RolePolicy>> {
    let policy = state
        .auth
        .set_role_policy(Actor::from(&who.principal), role.into_inner(), body.totp_required)
        .await?;
    Ok(web::Json(policy))
}
