//! Liveness, readiness and the admin's status page.

use actix_web::{HttpResponse, web};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::access::Allowed;
use crate::access::policy::act;
use crate::audit::Actor;
use crate::error::{Error, FieldError, Result};
use crate::http::json::JsonObject;
use crate::http::problem::Problem;
use crate::keys::KeyStatus;
use crate::services::{Services, SystemStatus};

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
}

/// Liveness: the process answers. Public.
#[utoipa::path(get, operation_id = "get_health", path = "/healthz", tag = "system", responses((status = 200, body = Health)))]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health { status: "ok" })
}

/// Readiness: the database answers and the keys are loaded. Public.
#[utoipa::path(get, operation_id = "get_readiness", path = "/readyz", tag = "system",
    responses((status = 200, body = Health), (status = 503, body = Problem, description = "unavailable or sealed")))]
pub async fn readyz(state: web::Data<Services>) -> Result<HttpResponse> {
    state.ready().await?;
    Ok(HttpResponse::Ok().json(Health { status: "ready" }))
}

/// Key custody status: sealed or not, root source, KEK versions, rewrap backlog. Never a
/// key.
#[utoipa::path(get, operation_id = "get_key_status", path = "/api/v1/system/keys", tag = "keys",
    responses((status = 200, body = KeyStatus)), security(("bearer" = [])))]
pub async fn keys(state: web::Data<Services>, _who: Allowed<act::KeyManage>) -> Result<web::Json<KeyStatus>> {
    Ok(web::Json(state.keys.status().await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Unseal {
    /// For a keyring opened with a passphrase.
    #[schema(value_type = Option<String>, format = Password)]
    pub passphrase: Option<SecretString>,
    /// For a keyring split into trustee shares: one share per request, from any admin.
    #[schema(value_type = Option<String>, format = Password)]
    pub share: Option<SecretString>,
}

/// Unseal with the passphrase, or add one trustee share (the keys load once enough shares
/// have arrived); an empty body re-reads a key file or environment key after an emergency
/// seal. Wrong input answers `wrong_key` and is audited.
#[utoipa::path(post, operation_id = "unseal", path = "/api/v1/system/unseal", tag = "keys", request_body = Unseal,
    responses((status = 200, body = KeyStatus), (status = 400, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn unseal(
    state: web::Data<Services>,
    who: Allowed<act::KeyManage>,
    body: JsonObject<Unseal>,
) -> Result<web::Json<KeyStatus>> {
    let actor = Actor::from(&who.principal);
    let status = match body.into_inner() {
        Unseal { passphrase: Some(p), share: None } => state.keys.unseal_passphrase(actor, p).await?,
        Unseal { passphrase: None, share: Some(s) } => state.keys.unseal_share(actor, s).await?,
        Unseal { passphrase: None, share: None } => state.keys.unseal_stored(actor).await?,
        _ => {
            return Err(Error::Validation(vec![FieldError::new(
                "passphrase",
                "one_of",
                "send a passphrase or a share, not both",
            )]));
        }
    };
    Ok(web::Json(status))
}

/// Drop every key from memory at once (the emergency button). Until unsealed, only sign-in,
/// key status and unseal answer.
#[utoipa::path(post, operation_id = "seal", path = "/api/v1/system/seal", tag = "keys",
    responses((status = 204), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn seal(state: web::Data<Services>, who: Allowed<act::KeyManage>) -> Result<HttpResponse> {
    state.keys.seal(Actor::from(&who.principal)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Make a new primary key-encryption key. Existing records keep opening under older
/// versions until rewrapped.
#[utoipa::path(post, operation_id = "rotate_keys", path = "/api/v1/system/keys/rotate", tag = "keys",
    responses((status = 200, body = KeyStatus)), security(("bearer" = [])))]
pub async fn rotate(
    state: web::Data<Services>,
    who: Allowed<act::KeyManage>,
) -> Result<web::Json<KeyStatus>> {
    state.keys.rotate(Actor::from(&who.principal)).await?;
    Ok(web::Json(state.keys.status().await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rewrap {
    /// Record keys to rewrap in this call (1–10000, default 1000).
    pub limit: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RewrapProgress {
    pub rewrapped: usize,
    pub remaining: i64,
}

/// Rewrap one batch of record keys onto the primary KEK; call until `remaining` is 0 (the
/// CLI's `custodia keys rewrap` does, with a progress bar).
#[utoipa::path(post, operation_id = "rewrap_record_keys", path = "/api/v1/system/keys/rewrap", tag = "keys", request_body = Rewrap,
    responses((status = 200, body = RewrapProgress), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn rewrap(
    state: web::Data<Services>,
    who: Allowed<act::KeyManage>,
    body: JsonObject<Rewrap>,
) -> Result<web::Json<RewrapProgress>> {
    let limit = body.limit.unwrap_or(1000);
    crate::rules::REWRAP_LIMIT.check("limit", limit).map_err(|e| Error::Validation(vec![e]))?;
    let (rewrapped, remaining) = state.keys.rewrap_batch(Actor::from(&who.principal), limit).await?;
    Ok(web::Json(RewrapProgress { rewrapped, remaining }))
}

/// Version, database backend and counts.
#[utoipa::path(get, operation_id = "get_system_status", path = "/api/v1/system/status", tag = "system",
    responses((status = 200, body = SystemStatus)), security(("bearer" = [])))]
pub async fn status(
    state: web::Data<Services>,
    _who: Allowed<act::SystemStatus>,
) -> Result<web::Json<SystemStatus>> {
    Ok(web::Json(state.status().await?))
}
