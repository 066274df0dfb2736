//! User administration (admins).

use actix_web::{HttpResponse, web};
use secrecy::SecretString;
use serde::Deserialize;
use uuid::Uuid;

use super::{Page, PageQuery};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::audit::Actor;
use crate::auth::service::UserView;
use crate::domain::Role;
use crate::error::Result;
use crate::http::json::JsonObject;
use crate::http::problem::Problem;
use crate::services::Services;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    pub username: String,
    #[schema(value_type = String, format = Password)]
    pub password: SecretString,
    pub role: Role,
}

/// Create a user.
#[utoipa::path(post, operation_id = "create_user", path = "/api/v1/users", tag = "users", request_body = CreateUser,
    responses((status = 201, body = UserView), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<Services>,
    who: Allowed<act::UserCreate>,
    body: JsonObject<CreateUser>,
) -> Result<HttpResponse> {
    let body = body.into_inner();
    let user =
        state.auth.create_user(Actor::from(&who.principal), &body.username, body.password, body.role).await?;
    Ok(HttpResponse::Created().json(user))
}

/// List users, by username.
#[utoipa::path(get, operation_id = "list_users", path = "/api/v1/users", tag = "users", params(PageQuery),
    responses((status = 200, body = Page<UserView>), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<Services>,
    _who: Allowed<act::UserList>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<UserView>>> {
    let (limit, offset) = page.resolve()?;
    let (items, total) = state.auth.list_users(limit, offset).await?;
    Ok(web::Json(Page { items, total, limit, offset }))
}

/// One user.
#[utoipa::path(get, operation_id = "get_user", path = "/api/v1/users/{id}", tag = "users", params(("id" = Uuid, Path)),
    responses((status = 200, body = UserView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn read(
    state: web::Data<Services>,
    _who: Allowed<act::UserRead>,
    id: web::Path<Uuid>,
) -> Result<web::Json<UserView>> {
    Ok(web::Json(state.auth.get_user(id.into_inner()).await?))
}

/// Disable a user; their sessions end at once.
#[utoipa::path(post, operation_id = "disable_user", path = "/api/v1/users/{id}/disable", tag = "users", params(("id" = Uuid, Path)),
    responses((status = 200, body = UserView), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn disable(
    state: web::Data<Services>,
    who: Allowed<act::UserDisable>,
    id: web::Path<Uuid>,
) -> Result<web::Json<UserView>> {
    Ok(web::Json(state.auth.set_disabled(Actor::from(&who.principal), id.into_inner(), true).await?))
}

/// Enable a disabled user.
#[utoipa::path(post, operation_id = "enable_user", path = "/api/v1/users/{id}/enable", tag = "users", params(("id" = Uuid, Path)),
    responses((status = 200, body = UserView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn enable(
    state: web::Data<Services>,
    who: Allowed<act::UserDisable>,
    id: web::Path<Uuid>,
) -> Result<web::Json<UserView>> {
    Ok(web::Json(state.auth.set_disabled(Actor::from(&who.principal), id.into_inner(), false).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPassword {
    #[schema(value_type = String, format = Password)]
    pub password: SecretString,
}

/// Set a new password for a user; their sessions end.
#[utoipa::path(post, operation_id = "reset_user_password", path = "/api/v1/users/{id}/password", tag = "users", params(("id" = Uuid, Path)),
    request_body = ResetPassword,
    responses((status = 200, body = UserView), (status = 404, body = Problem),
        (status = 409, description = "`conflict`: `use_own_password_change` (one's own password changes with the current one, `POST /api/v1/auth/password`)", body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn reset_password(
    state: web::Data<Services>,
    who: Allowed<act::UserResetPassword>,
    id: web::Path<Uuid>,
    body: JsonObject<ResetPassword>,
) -> Result<web::Json<UserView>> {
    let user = state
        .auth
        .reset_password(Actor::from(&who.principal), id.into_inner(), body.into_inner().password)
        .await?;
    Ok(web::Json(user))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRole {
    pub role: Role,
}

/// Change a user's role; their sessions end.
#[utoipa::path(put, operation_id = "change_user_role", path = "/api/v1/users/{id}/role", tag = "users", params(("id" = Uuid, Path)),
    request_body = ChangeRole,
    responses((status = 200, body = UserView), (status = 404, body = Problem),
        (status = 409, description = "`conflict`: `last_admin` or `cannot_change_own_role`", body = Problem)),
    security(("bearer" = [])))]
pub async fn change_role(
    state: web::Data<Services>,
    who: Allowed<act::UserChangeRole>,
    id: web::Path<Uuid>,
    body: JsonObject<ChangeRole>,
) -> Result<web::Json<UserView>> {
    let user = state.auth.change_role(Actor::from(&who.principal), id.into_inner(), body.role).await?;
    Ok(web::Json(user))
}
