//! The OpenAPI document, generated from the handlers' annotations and served at
//! `/api/v1/openapi.json`. Each operation carries the permission it needs as
//! `x-permission` (and names it at the end of its description).

use actix_web::HttpResponse;
use serde_json::Value;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::api::{self, audit, auth, roles, system, testimonies, users};
use super::registry::Registry;
use crate::auth::service::{RolePolicy, TotpEnrolment, UserView};
use crate::domain::Role;
use crate::error::FieldError;
use crate::http::problem::Problem;
mod limits;
mod links;
mod problems;

use limits::Rules;
use links::add_links;
use problems::ProblemResponses;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Custodia API",
        description = "Encrypted custody of testimonies. Errors are application/problem+json. \
            Lists answer `{items, total, limit, offset}`. POST creates or performs an action, \
            PUT replaces a whole record (the body is the same as to create it), PATCH changes \
            only the fields sent.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    servers((url = "/", description = "The server that serves this document")),
    components(schemas(
        Problem, FieldError, Role, UserView, RolePolicy, TotpEnrolment, api::Page<UserView>,
        auth::LoginRequest, auth::LoginResponse, auth::Me, auth::ChangePassword, auth::TotpConfirm,
        users::CreateUser, users::ResetPassword, users::ChangeRole, roles::UpdateRolePolicy,
        system::Health, crate::services::SystemStatus, system::Unseal, system::Rewrap, system::RewrapProgress,
        crate::keys::KeyStatus, crate::keys::RootSource,
        crate::audit::StoredEntry, api::Page<crate::audit::StoredEntry>, crate::audit::query::EntryProof,
        crate::audit::checkpoints::SignedCheckpoint, audit::CheckpointView, audit::ConsistencyProof, audit::Custody,
        crate::cases::vocab::Term, crate::cases::vocab::NewTerm,
        crate::cases::case::NewCase, crate::cases::case::CaseUpdate, crate::cases::case::CaseView,
        crate::cases::case::CaseStatus, crate::cases::case::MemberRole, crate::cases::case::NewMember,
        crate::cases::case::Member, api::Page<crate::cases::case::CaseView>, api::Page<crate::cases::persons::PersonView>,
        api::Page<crate::cases::units::UnitRef>, api::Page<crate::cases::places::PlaceView>,
        api::Page<crate::cases::incidents::IncidentView>, api::Page<crate::cases::testimonies::TestimonySummary>,
        crate::cases::persons::NewPerson, crate::cases::persons::PersonView, crate::cases::persons::PersonUpdate, crate::cases::persons::PersonKind,
        crate::cases::persons::Sex,
        crate::cases::units::NewUnit, crate::cases::units::UnitView, crate::cases::units::UnitRef,
        crate::cases::units::NewCommander, crate::cases::units::Commander,
        crate::cases::places::NewPlace, crate::cases::places::PlaceView,
        crate::cases::incidents::NewIncident, crate::cases::incidents::IncidentView,
        crate::cases::incidents::NewInvolvement, crate::cases::incidents::Involvement,
        crate::cases::incidents::InvolvementSummary, crate::cases::validate::Precision,
        crate::cases::testimonies::TestimonyInput, crate::cases::testimonies::Correction,
        crate::cases::testimonies::TestimonyView, crate::cases::testimonies::TestimonySummary,
        crate::cases::testimonies::Consent, crate::cases::testimonies::ShareWith,
        crate::cases::testimonies::HowGiven, crate::cases::testimonies::Span,
        crate::cases::testimonies::Reliability, crate::cases::testimonies::Status,
        crate::cases::testimonies::WitnessRef, crate::cases::testimonies::VersionRef,
        crate::cases::testimonies::Withdrawal, testimonies::LinkIncident,
        crate::cases::attachments::AttachmentView,
        crate::export::job::BundleInput, crate::export::job::BundleView, crate::export::Recipient,
        crate::export::Selection,
        crate::search::query::SearchRequest, crate::search::query::SearchKind, crate::search::query::Hit,
        crate::search::query::IncidentFilter,
        api::Page<crate::search::query::Hit>, api::Page<crate::cases::vocab::Term>, api::Page<crate::cases::case::Member>,
        api::Page<crate::export::job::BundleView>, api::Page<RolePolicy>,
    )),
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

/// Uploads are raw bytes (`Content-Type` says what they are), not the array of integers
/// `Vec<u8>` would describe.
struct BinaryUploads;

impl Modify for BinaryUploads {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        for item in openapi.paths.paths.values_mut() {
            let ops = [&mut item.put, &mut item.post];
            for body in ops.into_iter().flatten().filter_map(|op| op.request_body.as_mut()) {
                for (media, content) in body.content.iter_mut() {
                    if media != "application/json" {
                        content.schema = Some(
                            ObjectBuilder::new()
                                .schema_type(Type::String)
                                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
                                .into(),
                        );
                    }
                }
            }
        }
    }
}

/// `#[serde(flatten)]` of a type that denies unknown fields comes out as an `allOf` whose
/// first part forbids the second's fields, which no body satisfies. Such schemas are
/// merged into one object here, as serde reads them.
struct FlattenedBodies;

impl Modify for FlattenedBodies {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::RefOr;
        use utoipa::openapi::schema::{AdditionalProperties, Object, Schema};
        let Some(components) = openapi.components.as_mut() else { return };
        let lookup = components.schemas.clone();
        for schema in components.schemas.values_mut() {
            let RefOr::T(Schema::AllOf(all)) = schema else { continue };
            let mut merged = Object::new();
            for part in &all.items {
                let part = match part {
                    RefOr::Ref(r) => {
                        let name = r.ref_location.rsplit('/').next().unwrap_or_default();
                        lookup.get(name).cloned()
                    }
                    RefOr::T(t) => Some(RefOr::T(t.clone())),
                };
                if let Some(RefOr::T(Schema::Object(o))) = part {
                    merged.properties.extend(o.properties);
                    merged.required.extend(o.required);
                }
            }
            merged.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
            merged.description = all.description.clone();
            *schema = RefOr::T(Schema::Object(merged));
        }
    }
}

/// utoipa writes a generic's argument out in full: `Page_CaseView`'s items would be an
/// anonymous copy of `CaseView`, and a generated client would get a second, nameless
/// type for every list. They refer to the named schema instead.
struct PageItems;

impl Modify for PageItems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::{ArrayItems, Schema};
        use utoipa::openapi::{Ref, RefOr};
        let Some(components) = openapi.components.as_mut() else { return };
        let names: Vec<String> = components.schemas.keys().cloned().collect();
        for (name, schema) in components.schemas.iter_mut() {
            let Some(item) = name.strip_prefix("Page_").filter(|i| names.iter().any(|n| n == i)) else {
                continue;
            };
            let RefOr::T(Schema::Object(page)) = schema else { continue };
            if let Some(RefOr::T(Schema::Array(items))) = page.properties.get_mut("items") {
                items.items = ArrayItems::RefOrSchema(Box::new(RefOr::Ref(Ref::from_schema_name(item))));
            }
        }
    }
}

/// The OpenAPI document: the base above, every registered operation (`api::operations`)
/// with its permission as `x-permission`, and the schemas they refer to; then the
/// modifiers, which work on the operations. Built once.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    let mut registry = Registry::for_document();
    api::operations(&mut registry);
    let components = doc.components.get_or_insert_with(Default::default);
    for op in registry.into_operations() {
        for (name, schema) in op.schemas {
            components.schemas.entry(name).or_insert(schema);
        }
        doc.paths.add_path_operation(&op.path, vec![op.method], op.operation);
    }
    let modifiers: [&dyn Modify; 6] =
        [&BearerAuth, &ProblemResponses, &BinaryUploads, &FlattenedBodies, &PageItems, &Rules];
    for modifier in modifiers {
        modifier.modify(&mut doc);
    }
    doc
}

/// The document as served: `openapi()` with its links.
pub fn document_json() -> Value {
    let mut doc = serde_json::to_value(openapi()).unwrap_or_default();
    add_links(&mut doc);
    doc
}

/// The document as served, built once: the page served and the JSON body checks
/// (`http::json`) read the same copy.
pub fn served() -> &'static Value {
    static DOCUMENT: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    DOCUMENT.get_or_init(document_json)
}

/// The OpenAPI document. Public.
pub async fn document() -> HttpResponse {
    static BODY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let body = BODY.get_or_init(|| served().to_string());
    HttpResponse::Ok().content_type("application/json").body(body.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules;

    /// A rule listed for a field the document does not have would publish nothing.
    #[test]
    fn every_documented_rule_lands_on_its_field() {
        let doc = serde_json::to_value(openapi()).unwrap();
        for field in rules::DOCUMENTED {
            let mut at = format!("/components/schemas/{}/properties/{}", field.schema, field.property);
            if field.items {
                at.push_str("/items");
            }
            let target = doc.pointer(&at).unwrap_or_else(|| panic!("{at} is not in the document"));
            for (keyword, value) in field.rule.keywords() {
                let found = target.get(&keyword);
                // utoipa writes 90.0 back as 90; the same number in JSON Schema.
                let same = match (found.and_then(Value::as_f64), value.as_f64()) {
                    (Some(a), Some(b)) => a == b,
                    _ => found == Some(&value),
                };
                assert!(same, "{at}: {keyword} is {found:?}, not {value}");
            }
        }
        let limit = doc.pointer("/paths/~1api~1v1~1cases/get/parameters").unwrap().as_array().unwrap();
        assert!(!limit.is_empty());
        let act_type =
            doc.pointer("/components/schemas/NewIncident/properties/act_type/description").unwrap();
        let act_type = act_type.as_str().unwrap();
        assert!(
            act_type.starts_with("An `act_type` vocabulary code.")
                && act_type.contains("admins may add terms")
        );
        let limit = limit.iter().find(|p| p["name"] == "limit").unwrap();
        assert_eq!(limit["schema"]["maximum"], 200);
    }
}
