//! `/api/v1` handlers, one module per resource.

pub mod analysis;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod bundles;
pub mod care;
pub mod cases;
pub mod catalog;
pub mod detention;
pub mod evaluations;
pub mod imports;
pub mod intake;
pub mod record_exports;
pub mod records;
pub mod roles;
pub mod search;
pub mod system;
pub mod testimonies;
pub mod users;

use serde::{Deserialize, Serialize};

use super::registry::Registry;
use crate::error::{Error, FieldError, Result};
use intake::{forms as intake_forms, openrosa};

/// Every operation of `/api/v1`, each with its handler, its OpenAPI annotation and (read
/// from the handler's `Allowed<A>`) its permission; `public` ones need no session.
pub fn operations(r: &mut Registry) {
    register! { r;
        public system::healthz,
        public system::readyz,
        public auth::login,
        op auth::logout,
        op auth::me,
        op auth::change_password,
        op auth::totp_enrol,
        op auth::totp_confirm,
        op users::list,
        op users::create,
        op users::read,
        op users::disable,
        op users::enable,
        op users::reset_password,
        op users::change_role,
        op roles::list,
        op roles::update,
        op audit::list,
        op audit::proof,
        op audit::checkpoint,
        op audit::consistency,
        op audit::custody,
        op cases::vocabularies,
        op cases::add_term,
        op cases::list,
        op cases::create,
        op cases::read,
        op cases::update,
        op cases::members,
        op cases::add_member,
        op cases::remove_member,
        op records::list_persons,
        op records::create_person,
        op records::list_units,
        op records::create_unit,
        op records::list_places,
        op records::create_place,
        op records::list_incidents,
        op records::create_incident,
        op testimonies::list,
        op testimonies::create,
        op bundles::list,
        op bundles::create,
        op bundles::status,
        op bundles::delete,
        op bundles::download,
        op bundles::public_key,
        op catalog::items,
        op catalog::set_original,
        op catalog::clear_original,
        op catalog::set_confidentiality,
        op imports::list,
        op imports::plan,
        op imports::read,
        op imports::apply,
        op record_exports::export,
        op records::read_person,
        op records::update_person,
        op records::read_unit,
        op records::update_unit,
        op records::add_commander,
        op records::read_place,
        op records::update_place,
        op records::read_incident,
        op records::update_incident,
        op attachments::upload_to_incident,
        op records::add_involvement,
        op testimonies::read,
        op testimonies::update,
        op testimonies::discard,
        op testimonies::seal,
        op testimonies::correct,
        op testimonies::withdraw_consent,
        op testimonies::link_incident,
        op attachments::upload,
        op attachments::attachment,
        op attachments::download,
        op evaluations::create,
        op evaluations::list_for_person,
        op evaluations::list_for_case,
        op evaluations::read,
        op evaluations::update,
        op evaluations::seal,
        op evaluations::correct,
        op evaluations::link_incident,
        op evaluations::unlink_incident,
        op evaluations::body_svg,
        op evaluations::upload,
        op evaluations::download,
        op search::search,
        op analysis::corroboration,
        op analysis::linkage,
        op analysis::command,
        op analysis::timeline,
        op analysis::patterns,
        op analysis::my_patterns,
        op analysis::map,
        op analysis::geojson,
        op analysis::set_stance,
        op care::ledger,
        op care::record_consent,
        op care::care,
        op care::set_care,
        op care::give_feedback,
        op care::referrals,
        op care::add_referral,
        op care::update_referral,
        op care::reminders,
        op care::prior_interviews,
        op detention::history,
        op detention::create,
        op detention::read,
        op detention::update,
        op detention::delete,
        op detention::add_period,
        op detention::update_period,
        op detention::remove_period,
        op detention::add_charge,
        op detention::update_charge,
        op detention::remove_charge,
        op detention::add_hearing,
        op detention::update_hearing,
        op detention::remove_hearing,
        op detention::link_incident,
        op detention::unlink_incident,
        op detention::case_detained,
        op detention::place_detained,
        op system::status,
        op system::keys,
        op system::unseal,
        op system::seal,
        op system::rotate,
        op system::rewrap,
        op intake_forms::list,
        op intake_forms::publish,
        op intake_forms::retire,
        op openrosa::form_list,
        op openrosa::form,
        op openrosa::submission_head,
        op openrosa::submission,
    }
}

/// `op module::handler` registers the handler with its `#[utoipa::path]` description.
macro_rules! register {
    ($r:ident; $($kind:ident $module:ident :: $handler:ident,)*) => {
        pastey::paste! { $( $r.$kind($module::[<__path_ $handler>], $module::$handler); )* }
    };
}
use register;

/// `?limit=&offset=`; limit defaults to 50 and may not exceed 200.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// How many items, 1–200 (default 50).
    pub limit: Option<i64>,
    /// How many items to skip (default 0).
    pub offset: Option<i64>,
}

/// A field error about a query parameter is 400 `invalid_query`, as the document says.
pub fn as_query_error(e: Error) -> Error {
    match e {
        Error::Validation(errors) => Error::InvalidQuery(errors),
        other => other,
    }
}

impl PageQuery {
    pub const MAX_LIMIT: i64 = crate::rules::PAGE_LIMIT.max;

    /// Paging from the query string: out of range is 400 `invalid_query`.
    pub fn resolve(&self) -> Result<(i64, i64)> {
        self.resolve_in_body().map_err(as_query_error)
    }

    /// Paging from a JSON body (search): out of range is 422, like any field.
    pub fn resolve_in_body(&self) -> Result<(i64, i64)> {
        let limit = self.limit.unwrap_or(50);
        let offset = self.offset.unwrap_or(0);
        let errors: Vec<FieldError> = [
            crate::rules::PAGE_LIMIT.check("limit", limit).err(),
            crate::rules::PAGE_OFFSET.check("offset", offset).err(),
        ]
        .into_iter()
        .flatten()
        .collect();
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
