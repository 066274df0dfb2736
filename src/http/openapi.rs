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
use crate::rules;

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

/// Every error is a problem document: documented responses that carry a `Problem` get
/// the `application/problem+json` media type. Each operation then lists the problems its
/// shape lets it meet, on top of those its annotation names: a bad path, query or body
/// (400) only where it has one, 404 where it names a record, 401 and 403 where it needs
/// a session, 413/415/422 where it takes a JSON body, 408/413/507 for uploads, 503 for
/// anything that reaches the database or the keys, and the opaque 500 everywhere.
struct ProblemResponses;

/// What an operation takes, which decides what it can be refused for.
#[derive(Default)]
struct Shape {
    path_params: bool,
    query_params: bool,
    json_body: bool,
    upload: bool,
    secured: bool,
    /// `/healthz` answers from the process alone.
    liveness: bool,
}

impl Shape {
    fn of(path: &str, op: &utoipa::openapi::path::Operation) -> Self {
        use utoipa::openapi::path::ParameterIn;
        let params = op.parameters.as_deref().unwrap_or_default();
        let body = op.request_body.as_ref().map(|b| &b.content);
        Shape {
            path_params: params.iter().any(|p| p.parameter_in == ParameterIn::Path),
            query_params: params.iter().any(|p| p.parameter_in == ParameterIn::Query),
            json_body: body.is_some_and(|c| c.contains_key("application/json")),
            upload: body.is_some_and(|c| c.keys().any(|k| k != "application/json")),
            secured: op.security.as_ref().is_some_and(|s| !s.is_empty()),
            liveness: path == "/healthz",
        }
    }

    fn problems(&self) -> Vec<(&'static str, &'static str)> {
        let mut list = vec![(
            "500",
            "`internal` (a bug; `instance` holds the request id to quote) or `integrity_error`",
        )];
        if !self.liveness {
            list.push((
                "503",
                "`sealed`, `not_initialised`, `unavailable` (database), `key_unavailable` or `storage_unavailable`; see Retry-After",
            ));
        }
        if self.secured {
            list.push(("401", "`unauthenticated`: no, bad, expired or revoked token"));
            list.push((
                "403",
                "`forbidden` (the role may not do this) or `second_factor_enrolment_required`",
            ));
        }
        if self.upload {
            list.push((
                "400",
                "`bad_request`: a bad `Content-Type`, or a body cut short or not matching its Content-Length",
            ));
            list.push(("408", "`upload_stalled`: the upload stopped sending"));
            list.push(("413", "`payload_too_large`: the file is over `storage.max_attachment_bytes`"));
            list.push(("507", "`insufficient_storage`: the disk is full; nothing of the upload is kept"));
        }
        if self.json_body {
            list.push(("400", "`invalid_body` (not a JSON object, a wrong type, a missing or unknown field), `invalid_path` or `invalid_query`"));
            list.push(("413", "`payload_too_large`: over `server.max_json_bytes`"));
            list.push(("415", "`unsupported_media_type`: send `application/json`"));
            list.push((
                "422",
                "`validation_error`: each invalid field named in `errors`; besides the limits in the schema, \
                 the rules no schema states (a record that must be in the same case, a code that must be a \
                 term of its vocabulary, dates against their precision and each other)",
            ));
        }
        if self.path_params || self.query_params {
            list.push(("400", "`invalid_path` (an id that is not a UUID) or `invalid_query` (an unknown or unreadable query parameter)"));
        }
        if self.query_params {
            list.push(("422", "`validation_error`: e.g. `limit` outside 1–200, named in `errors`"));
        }
        if self.path_params {
            list.push(("404", "`not_found`: no such record, or not in one of the caller's cases (existence is not revealed)"));
        }
        list
    }
}

/// One example per problem type an operation's status can carry: the types the shape's
/// descriptions name for that status, or else every type of that status.
fn examples(
    status: &str,
    problems: &[(&str, &str)],
) -> std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::example::Example>> {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::example::ExampleBuilder;
    let named: Vec<&str> = problems
        .iter()
        .filter(|(s, _)| *s == status)
        .flat_map(|(_, description)| description.split('`').skip(1).step_by(2))
        .collect();
    crate::http::problem::catalogue()
        .into_iter()
        .filter(|p| p.status.to_string() == status)
        .filter(|p| named.is_empty() || named.iter().any(|n| p.type_.ends_with(&format!(":{n}"))))
        .filter_map(|p| {
            let code = p.type_.rsplit(':').next()?.to_owned();
            let value = serde_json::to_value(&p).ok()?;
            Some((code, RefOr::T(ExampleBuilder::new().summary(p.title).value(Some(value)).build())))
        })
        .collect()
}

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        const PROBLEM: &str = "application/problem+json";
        let problem =
            || ContentBuilder::new().schema(Some(RefOr::Ref(Ref::from_schema_name("Problem")))).build();
        for (path, item) in openapi.paths.paths.iter_mut() {
            let ops = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
            for op in ops.into_iter().flatten() {
                for response in op.responses.responses.values_mut() {
                    if let RefOr::T(r) = response
                        && let Some(content) = r.content.shift_remove("application/json")
                    {
                        let is_problem = matches!(&content.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem"));
                        let media = if is_problem { PROBLEM } else { "application/json" };
                        r.content.insert(media.to_owned(), content);
                    }
                }
                let problems = Shape::of(path, op).problems();
                for &(status, description) in &problems {
                    // The first (and the annotation's own) description of a status wins.
                    op.responses.responses.entry(status.to_owned()).or_insert_with(|| {
                        RefOr::T(
                            ResponseBuilder::new()
                                .description(description)
                                .content(PROBLEM, problem())
                                .build(),
                        )
                    });
                }
                for (status, response) in op.responses.responses.iter_mut() {
                    if let RefOr::T(response) = response
                        && let Some(content) = response.content.get_mut(PROBLEM)
                    {
                        content.examples = examples(status, &problems);
                    }
                }
            }
        }
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

/// The limits the services keep (`rules`), written onto the fields and the query and
/// path parameters they apply to. Each schema is edited as JSON, where a rule's keywords are JSON Schema.
struct Rules;

impl Modify for Rules {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            for field in rules::DOCUMENTED {
                if let Some(schema) = components.schemas.get_mut(field.schema) {
                    edit_json(schema, |json| {
                        let mut target = json.pointer_mut(&format!("/properties/{}", field.property));
                        if field.items {
                            target = target.and_then(|p| p.get_mut("items"));
                        }
                        if let Some(Value::Object(target)) = target {
                            target.extend(field.rule.keywords());
                            if let Some(note) = field.rule.note() {
                                let before =
                                    target.get("description").and_then(Value::as_str).unwrap_or_default();
                                let description = format!("{before}\n\n{note}").trim().to_owned();
                                target.insert("description".into(), Value::from(description));
                            }
                        }
                    });
                }
            }
        }
        for item in openapi.paths.paths.values_mut() {
            let ops = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
            for param in ops.into_iter().flatten().flat_map(|op| op.parameters.iter_mut().flatten()) {
                use utoipa::openapi::path::ParameterIn;
                let rule =
                    rules::PARAMETERS.iter().find(|(name, _)| *name == param.name).map(|(_, rule)| rule);
                if let (Some(rule), Some(schema)) = (rule, param.schema.as_mut())
                    && matches!(param.parameter_in, ParameterIn::Query | ParameterIn::Path)
                {
                    edit_json(schema, |json| {
                        if let Value::Object(json) = json {
                            json.extend(rule.keywords());
                        }
                    });
                }
            }
        }
    }
}

/// Edits a typed schema through its JSON form; a schema that does not come back as one
/// (it always does: the edits only add JSON Schema keywords) is left as it was.
fn edit_json<T: serde::Serialize + serde::de::DeserializeOwned>(
    schema: &mut T,
    edit: impl FnOnce(&mut Value),
) {
    let Ok(mut json) = serde_json::to_value(&*schema) else { return };
    edit(&mut json);
    if let Ok(edited) = serde_json::from_value(json) {
        *schema = edited;
    }
}

/// From operation, its success status, to operation, the target's parameters.
type Link = (&'static str, &'static str, &'static str, &'static [(&'static str, &'static str)]);

/// OpenAPI links from what an operation creates to what can be done with it next, so a
/// generated client or a stateful tester follows the real workflows: open a case, add
/// its records, draft a testimony, seal it, correct it; export a bundle and delete it.
const LINKS: &[Link] = {
    const CREATED: &[(&str, &str)] = &[("id", "$response.body#/id")];
    const IN_CASE: &[(&str, &str)] = &[("id", "$request.path.id")];
    &[
        ("create_case", "201", "get_case", CREATED),
        ("create_case", "201", "update_case", CREATED),
        ("create_case", "201", "list_case_members", CREATED),
        ("create_case", "201", "create_person", CREATED),
        ("create_case", "201", "create_place", CREATED),
        ("create_case", "201", "create_unit", CREATED),
        ("create_case", "201", "create_incident", CREATED),
        ("create_case", "201", "create_testimony", CREATED),
        ("create_case", "201", "create_bundle", CREATED),
        ("create_person", "201", "get_person", CREATED),
        ("create_person", "201", "update_person", CREATED),
        ("create_person", "201", "list_persons", IN_CASE),
        ("create_place", "201", "get_place", CREATED),
        ("create_place", "201", "replace_place", CREATED),
        ("create_place", "201", "list_places", IN_CASE),
        ("create_unit", "201", "get_unit", CREATED),
        ("create_unit", "201", "replace_unit", CREATED),
        ("create_unit", "201", "add_unit_commander", CREATED),
        ("create_unit", "201", "list_units", IN_CASE),
        ("create_incident", "201", "get_incident", CREATED),
        ("create_incident", "201", "replace_incident", CREATED),
        ("create_incident", "201", "add_involvement", CREATED),
        ("create_incident", "201", "upload_incident_attachment", CREATED),
        ("create_incident", "201", "list_incidents", IN_CASE),
        ("create_testimony", "201", "get_testimony", CREATED),
        ("create_testimony", "201", "replace_testimony_draft", CREATED),
        ("create_testimony", "201", "discard_testimony_draft", CREATED),
        ("create_testimony", "201", "seal_testimony", CREATED),
        ("create_testimony", "201", "upload_testimony_attachment", CREATED),
        ("create_testimony", "201", "link_testimony_to_incident", CREATED),
        ("create_testimony", "201", "list_testimonies", IN_CASE),
        ("seal_testimony", "200", "get_testimony", CREATED),
        ("seal_testimony", "200", "correct_testimony", CREATED),
        ("seal_testimony", "200", "withdraw_testimony_consent", CREATED),
        ("correct_testimony", "201", "get_testimony", CREATED),
        ("upload_testimony_attachment", "201", "get_attachment", CREATED),
        ("upload_testimony_attachment", "201", "download_attachment", CREATED),
        ("upload_incident_attachment", "201", "get_attachment", CREATED),
        ("upload_incident_attachment", "201", "download_attachment", CREATED),
        (
            "create_bundle",
            "202",
            "get_bundle",
            &[("id", "$request.path.id"), ("bundle_id", "$response.body#/id")],
        ),
        (
            "create_bundle",
            "202",
            "download_bundle",
            &[("id", "$request.path.id"), ("bundle_id", "$response.body#/id")],
        ),
        (
            "create_bundle",
            "202",
            "delete_bundle",
            &[("id", "$request.path.id"), ("bundle_id", "$response.body#/id")],
        ),
        ("create_bundle", "202", "list_bundles", IN_CASE),
        ("add_case_member", "200", "list_case_members", IN_CASE),
        (
            "add_case_member",
            "200",
            "remove_case_member",
            &[("id", "$request.path.id"), ("user_id", "$request.body#/user_id")],
        ),
        ("create_user", "201", "get_user", CREATED),
        ("create_user", "201", "disable_user", CREATED),
        ("create_user", "201", "enable_user", CREATED),
        ("create_user", "201", "reset_user_password", CREATED),
        ("create_user", "201", "change_user_role", CREATED),
        (
            "add_vocabulary_term",
            "201",
            "list_vocabulary_terms",
            &[("query.vocabulary", "$request.path.vocabulary")],
        ),
    ]
};

/// Writes `LINKS` into the document's JSON. (utoipa 5 writes a `Link`'s fields in snake
/// case, `operation_id`, which no OpenAPI reader knows; so links are added as JSON.)
fn add_links(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for op in paths.values_mut().filter_map(Value::as_object_mut).flat_map(|item| item.values_mut()) {
        let from = op.get("operationId").and_then(Value::as_str).unwrap_or_default().to_owned();
        for &(_, status, to, parameters) in LINKS.iter().filter(|l| l.0 == from) {
            let Some(response) =
                op.pointer_mut(&format!("/responses/{status}")).and_then(Value::as_object_mut)
            else {
                continue;
            };
            let parameters: serde_json::Map<String, Value> =
                parameters.iter().map(|&(name, value)| (name.to_owned(), Value::from(value))).collect();
            let links = response.entry("links").or_insert_with(|| Value::Object(Default::default()));
            if let Some(links) = links.as_object_mut() {
                links.insert(to.to_owned(), serde_json::json!({"operationId": to, "parameters": parameters}));
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

/// The OpenAPI document. Public.
pub async fn document() -> HttpResponse {
    static DOCUMENT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let body = DOCUMENT.get_or_init(|| document_json().to_string());
    HttpResponse::Ok().content_type("application/json").body(body.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// Each link leaves an operation's success, reaches an operation that exists, fills
    /// exactly that operation's path parameters (and query parameters it has), and takes
    /// values the response has.
    #[test]
    fn links_join_operations_that_exist_with_values_that_exist() {
        let doc = document_json();
        let ops: Vec<(&String, &Value)> = doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, item)| item.as_object().unwrap().values().map(move |op| (path, op)))
            .collect();
        let find = |id: &str| ops.iter().find(|(_, op)| op["operationId"] == id).copied();
        let schemas = &doc["components"]["schemas"];
        for &(from, status, to, parameters) in LINKS {
            let (_, op) = find(from).unwrap_or_else(|| panic!("no operation {from}"));
            let response = &op["responses"][status];
            assert_eq!(response["links"][to]["operationId"], to, "{from} {status} has no link to {to}");
            let (to_path, to_op) = find(to).unwrap_or_else(|| panic!("no operation {to}"));
            let path_params: Vec<&str> = to_op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            let query = |name: &str| {
                to_op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|p| p["in"] == "query" && p["name"] == name)
            };
            let mut given: Vec<&str> =
                parameters.iter().map(|p| p.0).filter(|p| !p.starts_with("query.")).collect();
            for p in parameters.iter().filter_map(|p| p.0.strip_prefix("query.")) {
                assert!(query(p), "{to} has no query parameter {p}");
            }
            given.sort_unstable();
            let mut wanted = path_params.clone();
            wanted.sort_unstable();
            assert_eq!(given, wanted, "link {from} -> {to} ({to_path})");
            for (_, value) in parameters.iter() {
                if let Some(field) = value.strip_prefix("$response.body#/") {
                    let schema = response["content"]["application/json"]["schema"]["$ref"].as_str().unwrap();
                    let name = schema.rsplit('/').next().unwrap();
                    assert!(schemas[name]["properties"][field].is_object(), "{from}: {name} has no {field}");
                }
            }
        }
    }

    /// Every problem response shows what it looks like, with a type of its own status.
    #[test]
    fn every_problem_response_has_examples_of_its_status() {
        let doc = document_json();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                for (status, response) in op["responses"].as_object().unwrap() {
                    let Some(content) = response["content"].get("application/problem+json") else { continue };
                    let examples = content["examples"].as_object();
                    assert!(
                        examples.is_some_and(|e| !e.is_empty()),
                        "{method} {path} {status} has no example"
                    );
                    for example in examples.unwrap().values() {
                        assert_eq!(example["value"]["status"].to_string(), *status, "{method} {path}");
                    }
                }
            }
        }
    }
}
