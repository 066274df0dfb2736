//! Log in and out, one's own profile, password and second factor.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::access::Allowed;
use crate::access::policy::act;
use crate::auth::service::{TotpEnrolment, UserView};
use crate::error::Result;
use crate::http::Edge;
use crate::http::extract::client_ip;
use crate::http::json::JsonObject;
use crate::http::problem::Problem;
use crate::services::Services;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    #[schema(value_type = String, format = Password)]
    pub password: SecretString,
    /// The current code from the authenticator app, once a second factor is enrolled.
    pub totp: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`. Shown once; only its hash is stored.
    pub token: String,
    pub token_type: &'static str,
    pub expires_at: DateTime<Utc>,
    pub user: UserView,
    /// The role requires a second factor: until one is enrolled the session can only
    /// call the `/auth/*` endpoints.
    pub second_factor_enrolment_required: bool,
}

/// Log in with username and password (and a TOTP code when enrolled).
///
/// Public. Failures are throttled per account and per client address; unknown users
/// and wrong passwords get the same answer.
#[utoipa::path(post, operation_id = "log_in", path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, body = Problem, description = "invalid_credentials, totp_required or totp_invalid"),
        (status = 429, body = Problem, description = "rate_limited"),
    ))]
pub async fn login(
    state: web::Data<Services>,
    edge: web::Data<Edge>,
    req: HttpRequest,
    body: JsonObject<LoginRequest>,
) -> Result<web::Json<LoginResponse>> {
    let body = body.into_inner();
    let client = client_ip(&req, edge.trust_forwarded_for);
    let session = state.auth.login(&body.username, body.password, body.totp, client).await?;
    Ok(web::Json(LoginResponse {
        token: session.token.expose_secret().to_owned(),
        token_type: "Bearer",
        expires_at: session.expires_at,
        user: session.user,
        second_factor_enrolment_required: session.second_factor_enrolment_required,
    }))
}

/// End this session.
#[utoipa::path(post, operation_id = "log_out", path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204), (status = 401, body = Problem)), security(("bearer" = [])))]
pub async fn logout(state: web::Data<Services>, who: Allowed<act::SelfManage>) -> Result<HttpResponse> {
    state.auth.logout(&who.principal).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    pub user: UserView,
    /// This session passed a second factor.
    pub second_factor: bool,
}

/// The signed-in user.
#[utoipa::path(get, operation_id = "get_me", path = "/api/v1/auth/me", tag = "auth",
    responses((status = 200, body = Me), (status = 401, body = Problem)), security(("bearer" = [])))]
pub async fn me(
    req: HttpRequest,
    state: web::Data<Services>,
    who: Allowed<act::SelfManage>,
) -> Result<web::Json<Me>> {
    // The session's verification read the account a moment ago, under the revocation
    // counter: no second read.
    let user = match crate::http::extract::account(&req) {
        Some(user) if user.id == who.principal.user_id => UserView::clone(&user),
        _ => state.auth.me(&who.principal).await?,
    };
    Ok(web::Json(Me { user, second_factor: who.principal.second_factor }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    #[schema(value_type = String, format = Password)]
    pub current_password: SecretString,
    #[schema(value_type = String, format = Password)]
    pub new_password: SecretString,
}

/// Change one's own password; other sessions of this user end.
#[utoipa::path(post, operation_id = "change_own_password", path = "/api/v1/auth/password", tag = "auth", request_body = ChangePassword,
    responses((status = 204), (status = 422, body = Problem), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn change_password(
    state: web::Data<Services>,
    who: Allowed<act::SelfManage>,
    body: JsonObject<ChangePassword>,
) -> Result<HttpResponse> {
    let body = body.into_inner();
    state.auth.change_own_password(&who.principal, body.current_password, body.new_password).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Start TOTP enrolment: returns a new secret for an authenticator app.
#[utoipa::path(post, operation_id = "begin_totp_enrolment", path = "/api/v1/auth/totp/enrol", tag = "auth",
    responses((status = 200, body = TotpEnrolment), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn totp_enrol(
    state: web::Data<Services>,
    who: Allowed<act::SelfManage>,
) -> Result<web::Json<TotpEnrolment>> {
    Ok(web::Json(state.auth.totp_begin(&who.principal).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpConfirm {
    pub code: String,
}

/// Finish enrolment with a current code; the session then counts as second-factor verified.
#[utoipa::path(post, operation_id = "confirm_totp_enrolment", path = "/api/v1/auth/totp/confirm", tag = "auth", request_body = TotpConfirm,
    responses((status = 204), (status = 401, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn totp_confirm(
    state: web::Data<Services>,
    who: Allowed<act::SelfManage>,
    body: JsonObject<TotpConfirm>,
) -> Result<HttpResponse> {
    state.auth.totp_confirm(&who.principal, &body.code).await?;
    Ok(HttpResponse::NoContent().finish())
}
