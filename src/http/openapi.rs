//! The OpenAPI document, generated from the handlers' annotations and served at
//! `/api/v1/openapi.json`. Each operation's description names the permission it needs.

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::api::{self, audit, auth, roles, system, users};
use crate::auth::service::{RolePolicy, TotpEnrolment, UserView};
use crate::domain::Role;
use crate::error::FieldError;
use crate::http::problem::Problem;

#[derive(OpenApi)]
#[openapi(
    info(title = "Custodia API", description = "Encrypted custody of testimonies. Errors are application/problem+json."),
    paths(
        system::healthz, system::readyz, system::status,
        system::keys, system::unseal, system::seal, system::rotate, system::rewrap,
        auth::login, auth::logout, auth::me, auth::change_password, auth::totp_enrol, auth::totp_confirm,
        users::create, users::list, users::read, users::disable, users::enable, users::reset_password,
        users::change_role,
        roles::list, roles::update,
        audit::list, audit::proof, audit::checkpoint, audit::consistency, audit::custody,
    ),
    components(schemas(
        Problem, FieldError, Role, UserView, RolePolicy, TotpEnrolment, api::Page<UserView>,
        auth::LoginRequest, auth::LoginResponse, auth::Me, auth::ChangePassword, auth::TotpConfirm,
        users::CreateUser, users::ResetPassword, users::ChangeRole, roles::UpdateRolePolicy,
        system::Health, system::Status, system::Unseal, system::Rewrap, system::RewrapProgress,
        crate::keys::KeyStatus, crate::keys::RootSource,
        crate::audit::StoredEntry, api::Page<crate::audit::StoredEntry>, crate::audit::query::EntryProof,
        crate::audit::checkpoints::SignedCheckpoint, audit::CheckpointView, audit::ConsistencyProof, audit::Custody,
    )),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The OpenAPI document. Public.
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
