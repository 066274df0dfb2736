//! `/api/v1` handlers, one module per resource.

pub mod audit;
pub mod auth;
pub mod bundles;
pub mod cases;
pub mod records;
pub mod roles;
pub mod search;
pub mod system;
pub mod testimonies;
pub mod users;

use actix_web::web;
use serde::{Deserialize, Serialize};

use crate::error::{Error, FieldError, Result};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/openapi.json").get(super::openapi::document))
        .service(web::resource("/auth/login").post(auth::login))
        .service(web::resource("/auth/logout").post(auth::logout))
        .service(web::resource("/auth/me").get(auth::me))
        .service(web::resource("/auth/password").post(auth::change_password))
        .service(web::resource("/auth/totp/enrol").post(auth::totp_enrol))
        .service(web::resource("/auth/totp/confirm").post(auth::totp_confirm))
        .service(web::resource("/users").get(users::list).post(users::create))
        .service(web::resource("/users/{id}").get(users::read))
        .service(web::resource("/users/{id}/disable").post(users::disable))
        .service(web::resource("/users/{id}/enable").post(users::enable))
        .service(web::resource("/users/{id}/password").post(users::reset_password))
        .service(web::resource("/users/{id}/role").put(users::change_role))
        .service(web::resource("/roles").get(roles::list))
        .service(web::resource("/roles/{role}").put(roles::update))
        .service(web::resource("/audit").get(audit::list))
        .service(web::resource("/audit/entries/{seq}/proof").get(audit::proof))
        .service(web::resource("/audit/checkpoint").get(audit::checkpoint))
        .service(web::resource("/audit/consistency").get(audit::consistency))
        .service(web::resource("/audit/custody/{target_type}/{target_id}").get(audit::custody))
        .service(web::resource("/vocabularies").get(cases::vocabularies))
        .service(web::resource("/vocabularies/{vocabulary}").post(cases::add_term))
        .service(web::resource("/cases").get(cases::list).post(cases::create))
        .service(web::resource("/cases/{id}").get(cases::read).patch(cases::update))
        .service(web::resource("/cases/{id}/members").get(cases::members).post(cases::add_member))
        .service(web::resource("/cases/{id}/members/{user_id}").delete(cases::remove_member))
        .service(web::resource("/cases/{id}/persons").get(records::list_persons).post(records::create_person))
        .service(web::resource("/cases/{id}/units").get(records::list_units).post(records::create_unit))
        .service(web::resource("/cases/{id}/places").get(records::list_places).post(records::create_place))
        .service(
            web::resource("/cases/{id}/incidents")
                .get(records::list_incidents)
                .post(records::create_incident),
        )
        .service(web::resource("/cases/{id}/testimonies").get(testimonies::list).post(testimonies::create))
        .service(web::resource("/cases/{id}/bundles").get(bundles::list).post(bundles::create))
        .service(
            web::resource("/cases/{id}/bundles/{bundle_id}").get(bundles::status).delete(bundles::delete),
        )
        .service(web::resource("/cases/{id}/bundles/{bundle_id}/download").get(bundles::download))
        .service(web::resource("/bundles/public-key").get(bundles::public_key))
        .service(web::resource("/persons/{id}").get(records::read_person).patch(records::update_person))
        .service(web::resource("/units/{id}").get(records::read_unit).put(records::update_unit))
        .service(web::resource("/units/{id}/commanders").post(records::add_commander))
        .service(web::resource("/places/{id}").get(records::read_place).put(records::update_place))
        .service(web::resource("/incidents/{id}").get(records::read_incident).put(records::update_incident))
        .service(web::resource("/incidents/{id}/attachments").post(testimonies::upload_to_incident))
        .service(web::resource("/incidents/{id}/involvements").post(records::add_involvement))
        .service(
            web::resource("/testimonies/{id}")
                .get(testimonies::read)
                .put(testimonies::update)
                .delete(testimonies::discard),
        )
        .service(web::resource("/testimonies/{id}/seal").post(testimonies::seal))
        .service(web::resource("/testimonies/{id}/versions").post(testimonies::correct))
        .service(web::resource("/testimonies/{id}/consent/withdraw").post(testimonies::withdraw_consent))
        .service(web::resource("/testimonies/{id}/incidents").post(testimonies::link_incident))
        .service(web::resource("/testimonies/{id}/attachments").post(testimonies::upload))
        .service(web::resource("/attachments/{id}").get(testimonies::attachment))
        .service(web::resource("/attachments/{id}/content").get(testimonies::download))
        .service(web::resource("/search").post(search::search))
        .service(web::resource("/system/status").get(system::status))
        .service(web::resource("/system/keys").get(system::keys))
        .service(web::resource("/system/unseal").post(system::unseal))
        .service(web::resource("/system/seal").post(system::seal))
        .service(web::resource("/system/keys/rotate").post(system::rotate))
        .service(web::resource("/system/keys/rewrap").post(system::rewrap));
}

/// `?limit=&offset=`; limit defaults to 50 and may not exceed 200.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// How many items, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// How many items to skip (default 0).
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

impl PageQuery {
    pub const MAX_LIMIT: i64 = 200;

    /// Paging from the query string: out of range is 400 `invalid_query`.
    pub fn resolve(&self) -> Result<(i64, i64)> {
        self.resolve_in_body().map_err(|e| match e {
            Error::Validation(errors) => Error::InvalidQuery(errors),
            other => other,
        })
    }

    /// Paging from a JSON body (search): out of range is 422, like any field.
    pub fn resolve_in_body(&self) -> Result<(i64, i64)> {
        let limit = self.limit.unwrap_or(50);
        let offset = self.offset.unwrap_or(0);
        let mut errors = Vec::new();
        if !(1..=Self::MAX_LIMIT).contains(&limit) {
            errors.push(FieldError::new("limit", "out_of_range", "between 1 and 200"));
        }
        if offset < 0 {
            errors.push(FieldError::new("offset", "out_of_range", "0 or more"));
        }
        if errors.is_empty() { Ok((limit, offset)) } else { Err(Error::Validation(errors)) }
    }
}

/// Every list answers in this envelope, short lists too, so one client loop pages them
/// all.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

impl<T> Page<T> {
    /// A page of a short list the service loads whole (terms, members, bundles, roles).
    pub fn slice(all: Vec<T>, (limit, offset): (i64, i64)) -> Self {
        let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
        let skip = usize::try_from(offset).unwrap_or(usize::MAX);
        let take = usize::try_from(limit).unwrap_or(0);
        Page { items: all.into_iter().skip(skip).take(take).collect(), total, limit, offset }
    }
}
