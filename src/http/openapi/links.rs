//! OpenAPI links: from what an operation creates to what can be done with it next.

use serde_json::Value;

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
        ("create_person", "201", "create_testimony", IN_CASE),
        ("create_person", "201", "create_incident", IN_CASE),
        ("create_person", "201", "person_consent", CREATED),
        ("create_person", "201", "record_consent", CREATED),
        ("create_person", "201", "person_care", CREATED),
        ("create_person", "201", "set_person_care", CREATED),
        ("create_person", "201", "give_feedback", CREATED),
        ("create_person", "201", "create_referral", CREATED),
        ("create_person", "201", "list_referrals", CREATED),
        ("create_referral", "201", "update_referral", CREATED),
        ("create_case", "201", "case_reminders", CREATED),
        ("create_place", "201", "get_place", CREATED),
        ("create_place", "201", "replace_place", CREATED),
        ("create_place", "201", "list_places", IN_CASE),
        ("create_place", "201", "create_incident", IN_CASE),
        ("create_unit", "201", "get_unit", CREATED),
        ("create_unit", "201", "replace_unit", CREATED),
        ("create_unit", "201", "add_unit_commander", CREATED),
        ("create_unit", "201", "list_units", IN_CASE),
        ("create_unit", "201", "create_person", IN_CASE),
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

/// What a link puts into the target's body (merged into the rest of it): the record just
/// made, where the next step needs one of the same case. (from, to, body as JSON.)
const BODIES: &[(&str, &str, &str)] = &[
    ("create_person", "create_testimony", r#"{"witness_id": "$response.body#/id"}"#),
    ("create_person", "create_incident", r#"{"victim_ids": ["$response.body#/id"]}"#),
    ("create_place", "create_incident", r#"{"place_id": "$response.body#/id"}"#),
    ("create_unit", "create_person", r#"{"unit_id": "$response.body#/id"}"#),
];

/// Writes `LINKS` (with `BODIES`) into the document's JSON. (utoipa 5 writes a `Link`'s fields in snake
/// case, `operation_id`, which no OpenAPI reader knows; so links are added as JSON.)
pub(super) fn add_links(doc: &mut Value) {
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
            let mut link = serde_json::json!({"operationId": to, "parameters": parameters});
            let body = BODIES.iter().find(|b| b.0 == from && b.1 == to);
            if let Some(body) = body.and_then(|b| serde_json::from_str::<Value>(b.2).ok()) {
                link["requestBody"] = body;
            }
            if let Some(links) = links.as_object_mut() {
                links.insert(to.to_owned(), link);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::document_json;
    use super::*;
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

    /// A body a link fills names fields the target takes, with values the response has.
    #[test]
    fn link_bodies_fill_fields_the_target_takes() {
        let doc = document_json();
        let schemas = &doc["components"]["schemas"];
        let op = |id: &str| {
            let items = doc["paths"].as_object().unwrap().values();
            items
                .flat_map(|i| i.as_object().unwrap().values())
                .find(|op| op["operationId"] == id)
                .unwrap()
                .clone()
        };
        let schema_of = |r: &Value| schemas[r["$ref"].as_str().unwrap().rsplit('/').next().unwrap()].clone();
        for &(from, to, _) in BODIES {
            let source = op(from);
            let link = source["responses"]["201"]["links"][to].clone();
            let body =
                link["requestBody"].as_object().unwrap_or_else(|| panic!("{from} -> {to} has no body"));
            let takes = schema_of(&op(to)["requestBody"]["content"]["application/json"]["schema"]);
            let gives = schema_of(&source["responses"]["201"]["content"]["application/json"]["schema"]);
            for (field, value) in body {
                assert!(takes["properties"][field].is_object(), "{to} takes no {field}");
                let expression = value.as_str().or_else(|| value[0].as_str()).unwrap();
                let given = expression.strip_prefix("$response.body#/").unwrap();
                assert!(gives["properties"][given].is_object(), "{from} gives no {given}");
            }
        }
    }
}
