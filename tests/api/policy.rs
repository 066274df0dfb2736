//! Walks every documented operation with no session and with a session of every role,
//! and checks the answer against the one policy table: deny by default, nothing
//! reachable that does not name its permission (`x-permission`, read by the registry
//! from the handler's `Allowed<A>`).

use custodia::access::policy::{self, Action, Scope};
use custodia::domain::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

struct Operation {
    method: Method,
    path: String,
    /// None for public operations.
    action: Option<Action>,
}

fn operations(doc: &Value) -> Vec<Operation> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let action = op["x-permission"].as_str().map(|code| {
                *Action::ALL
                    .iter()
                    .find(|a| a.code() == code)
                    .unwrap_or_else(|| panic!("{path}: unknown permission {code}"))
            });
            // Public operations are exactly those that ask for no session.
            assert_eq!(
                action.is_none(),
                op.get("security").is_none(),
                "{method} {path}: x-permission and security disagree"
            );
            let concrete = path
                .replace("{id}", &uuid::Uuid::new_v4().to_string())
                .replace("{role}", "lawyer")
                .replace("{bundle_id}", &uuid::Uuid::new_v4().to_string());
            ops.push(Operation { method: method.to_uppercase().parse().unwrap(), path: concrete, action });
        }
    }
    ops
}

#[tokio::test]
async fn every_role_against_every_endpoint_follows_the_policy_table() {
    let app = spawn_app().await;
    let doc: Value =
        app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let ops = operations(&doc);
    assert!(ops.len() >= 60, "only {} operations documented", ops.len());

    for op in ops.iter().filter(|o| o.action.is_some()) {
        let res = app.call(op.method.clone(), &op.path, None, Some(json!({}))).await;
        assert_eq!(res.status(), 401, "{} {} without a session", op.method, op.path);
    }

    // Device accounts cannot sign in at all; tests/api/intake.rs walks them.
    for role in Role::STAFF {
        for op in &ops {
            let Some(action) = op.action else { continue };
            // Fresh session per call: some calls (logout) end the session they use.
            let (_, token) = app.user_with_token(role).await;
            let res = app.call(op.method.clone(), &op.path, Some(&token), Some(json!({}))).await;
            let status = res.status().as_u16();
            if app.state.keys.is_sealed() {
                // The walk just pressed the emergency button; reopen for the next call.
                app.state.keys.unseal_stored(custodia::audit::Actor::default()).await.unwrap();
            }
            assert!(status < 500, "{role}: {} {} answered {status}", op.method, op.path);
            match (action.scope(), policy::allowed(role, action)) {
                (Scope::Global, true) => {
                    assert!(
                        status != 401 && status != 403,
                        "{role} should reach {} {} ({status})",
                        op.method,
                        op.path
                    )
                }
                (Scope::Global, false) => {
                    assert_eq!(status, 403, "{role} must be refused {} {}", op.method, op.path)
                }
                // Case content: the ids here name no case the caller is a member of, so
                // every role is turned away without learning whether it exists.
                (Scope::Case, _) => assert!(
                    [400, 403, 404].contains(&status),
                    "{role}: {} {} answered {status}",
                    op.method,
                    op.path
                ),
            }
        }
    }
    assert!(app.audit_actions().await.contains(&"access_denied".to_owned()) || cfg!(not(unix)));
}

/// Insecure direct object references: staff of one case try every documented operation
/// on the real ids of another case's records. Nothing answers 2xx; every read is 404,
/// so not even the existence of the other case's records shows.
#[tokio::test]
async fn ids_from_another_case_reach_nothing() {
    let app = spawn_app().await;
    let (_, owner) = app.user_with_token(Role::Documenter).await;
    let case = app.create_case(&owner, NewCase::new("IDOR-1", "theirs")).await.id;
    let witness = NewPerson::witness().named("Secret Name").sex("unknown");
    let person = app.create_person(&owner, &case, witness).await.id;
    let unit = app.create_unit(&owner, &case, NewUnit::named("Unit")).await.id;
    let place = app.create_place(&owner, &case, NewPlace::new("detention_facility", "Place")).await.id;
    let incident = NewIncident::of("torture").description("d");
    let incident = app.create_incident(&owner, &case, incident).await.id;
    let testimony = NewTestimony::by(&person).account("secret account");
    let testimony = app.record_testimony(&owner, &case, testimony).await.id;
    let file = Upload::bytes("secret file").content_type("text/plain").filename("a.txt");
    let attachment = app.upload(&owner, &testimony, file).await.id;
    let bundle = app.request_bundle(&owner, &case, BundleRequest::to("prosecutors")).await;
    let referral = json!({"kind": "medical", "made_on": "2024-01-01", "referred_to": "secret clinic"});
    let res = app.post(&format!("/api/v1/persons/{person}/referrals"), &owner, referral).await;
    assert_eq!(res.status(), 201);
    let referral = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let episode = json!({"arrest_date": "2020-08-09", "arrest_precision": "exact", "status": "in_custody",
        "details": {"notes": "secret detention"}});
    let episode = app.post(&format!("/api/v1/persons/{}/detentions", person.0), &owner, episode).await;
    let detention = expect(episode, 201, "create detention").await["id"].as_str().unwrap().to_owned();
    let (clinician_id, clinician) = app.user_with_token(Role::Clinician).await;
    app.add_member(&case, clinician_id).await;
    let evaluation = json!({"kind": "medical", "content": {"clinician": {"name": "secret clinician"},
        "conclusions": {"overall_opinion": "consistent"}}});
    let res = app.post(&format!("/api/v1/persons/{person}/evaluations"), &clinician, evaluation).await;
    let evaluation = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let file = Upload::bytes("secret photo").content_type("image/jpeg");
    let res =
        app.upload_response(&clinician, &format!("/api/v1/evaluations/{evaluation}/attachments"), file).await;
    let evaluation_file = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    // As text, substituted into every documented path below.
    let [case_id, person, unit, place, incident, testimony, attachment, bundle] =
        [case.0, person.0, unit.0, place.0, incident.0, testimony.0, attachment.0, bundle.0];

    let doc: Value =
        app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    for role in [Role::Documenter, Role::Investigator, Role::Lawyer, Role::Clinician] {
        // A member (even the lead) of a case of their own.
        let (_, token) = app.user_with_token(role).await;
        if !matches!(role, Role::Lawyer | Role::Clinician) {
            app.create_case(&token, NewCase::new(&format!("OWN-{}", role.as_str()), "mine")).await;
        }
        let mut tried = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            let targets = [
                ("/api/v1/cases/{id}", &case_id),
                ("/api/v1/testimonies/{id}", &testimony),
                ("/api/v1/attachments/{id}", &attachment),
                ("/api/v1/persons/{id}", &person),
                ("/api/v1/units/{id}", &unit),
                ("/api/v1/places/{id}", &place),
                ("/api/v1/incidents/{id}", &incident),
                ("/api/v1/referrals/{id}", &referral),
                ("/api/v1/detentions/{id}", &detention),
                ("/api/v1/evaluations/{id}", &evaluation),
            ];
            let Some((_, id)) = targets.iter().find(|(prefix, _)| path.starts_with(prefix)) else { continue };
            let concrete = path
                .replace("{id}", id)
                .replace("{bundle_id}", &bundle)
                .replace("{incident_id}", &incident)
                .replace("{period_id}", &uuid::Uuid::new_v4().to_string())
                .replace("{charge_id}", &uuid::Uuid::new_v4().to_string())
                .replace("{hearing_id}", &uuid::Uuid::new_v4().to_string())
                .replace("{kind}", "testimony")
                .replace("{item_id}", &testimony)
                .replace("{attachment_id}", &evaluation_file)
                .replace("{incident_id}", &incident)
                .replace("{user_id}", &uuid::Uuid::new_v4().to_string());
            for (method, _) in item.as_object().unwrap() {
                let method: Method = method.to_uppercase().parse().unwrap();
                let bodies = [
                    json!({}),
                    json!({"incident_id": incident, "recipient": "prosecutors", "password": PASSWORD,
                                                "withdrawn_on": "2022-01-01", "person_id": person, "role": "carried_out"}),
                    json!({"relation": "translation", "original_kind": "attachment", "original_id": attachment}),
                    json!({"level": "public"}),
                ];
                for body in bodies {
                    let res = app.call(method.clone(), &concrete, Some(&token), Some(body)).await;
                    tried += 1;
                    let status = res.status().as_u16();
                    assert!(!(200..300).contains(&status), "{role}: {method} {concrete} answered {status}");
                    if method == Method::GET {
                        assert_eq!(status, 404, "{role}: GET {concrete}");
                    }
                    let text = res.text().await.unwrap();
                    assert!(!text.contains("secret"), "{role}: {method} {concrete} leaked content");
                }
            }
        }
        assert!(tried >= 60, "only {tried} calls tried");
        // Search, even naming the other case, finds nothing of it.
        let res =
            app.post("/api/v1/search", &token, json!({"q": "secret account", "case_id": case_id})).await;
        assert!(
            matches!(res.status().as_u16(), 403 | 404) || res.json::<Value>().await.unwrap()["total"] == 0
        );
        let res = app.post("/api/v1/search", &token, json!({"q": "secret account"})).await;
        // A clinician may not search at all.
        if res.status() != 403 {
            assert_eq!(res.json::<Value>().await.unwrap()["total"], 0);
        }
    }
}

/// What a client generator relies on: one name per operation, each parameter where it
/// is sent, a licence and a server, lists in one envelope, and only the problems an
/// operation can meet (no "upload stopped" on a search).
#[tokio::test]
async fn the_document_is_one_a_client_generator_can_use() {
    let app = spawn_app().await;
    let doc: Value =
        app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(!doc["info"]["license"]["name"].as_str().unwrap_or("").is_empty(), "licence: {}", doc["info"]);
    assert!(doc["servers"].as_array().is_some_and(|s| !s.is_empty()), "servers");
    let schemas = &doc["components"]["schemas"];
    let mut ids = std::collections::BTreeMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let in_path: std::collections::BTreeSet<&str> =
            path.split('{').skip(1).filter_map(|s| s.split('}').next()).collect();
        for (method, op) in item.as_object().unwrap() {
            let id =
                op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            if let Some(other) = ids.insert(id.to_owned(), format!("{method} {path}")) {
                panic!("operationId {id} names both {other} and {method} {path}");
            }
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let declared: std::collections::BTreeSet<&str> =
                params.iter().filter(|p| p["in"] == "path").map(|p| p["name"].as_str().unwrap()).collect();
            assert_eq!(declared, in_path, "{method} {path}: path parameters declared vs in the path");
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.contains_key("500"), "{method} {path} does not list the opaque 500");
            let content = &op["requestBody"]["content"];
            let upload = content.get("application/octet-stream").is_some()
                || content.get("multipart/form-data").is_some();
            assert_eq!(responses.contains_key("408"), upload, "{method} {path}: 408 is for uploads only");
            if op["requestBody"].is_null() {
                assert!(!responses.contains_key("415"), "{method} {path} takes no body, lists 415");
            }
            if in_path.is_empty() && id != "search" {
                assert!(!responses.contains_key("404"), "{method} {path} names no record, lists 404");
            }
            if op["security"].is_null() {
                assert!(!responses.contains_key("403"), "{method} {path} is public, lists 403");
            }
            // Every list, and nothing else, answers in the one envelope.
            let ok = &op["responses"]["200"]["content"]["application/json"]["schema"];
            let schema = ok["$ref"].as_str().map(|r| &schemas[r.rsplit('/').next().unwrap()]).unwrap_or(ok);
            assert_ne!(schema["type"], "array", "{method} {path} answers a bare array");
            if id.starts_with("list_") {
                let props = &schema["properties"];
                assert!(
                    ["items", "total", "limit", "offset"].iter().all(|k| !props[k].is_null()),
                    "{method} {path} is a list without {{items,total,limit,offset}}"
                );
                assert!(
                    props["items"]["items"]["$ref"].is_string(),
                    "{method} {path}: items are not a named type"
                );
                let names: Vec<&str> = params.iter().filter_map(|p| p["name"].as_str()).collect();
                assert!(names.contains(&"limit") && names.contains(&"offset"), "{method} {path} cannot page");
            }
        }
    }
    assert!(ids.len() >= 75, "only {} operations", ids.len());
    // The paging and filter parameters are query parameters.
    let audit = doc["paths"]["/api/v1/audit"]["get"]["parameters"].as_array().unwrap();
    assert!(audit.iter().all(|p| p["in"] == "query"), "{audit:?}");
    let limit = audit.iter().find(|p| p["name"] == "limit").unwrap();
    assert_eq!(
        (limit["schema"]["minimum"].as_i64(), limit["schema"]["maximum"].as_i64()),
        (Some(1), Some(200))
    );
    // Re-authentication is throttled like a login (tests/schemathesis.sh met it).
    let export = doc["paths"]["/api/v1/cases/{id}/bundles"]["post"]["responses"].as_object().unwrap();
    assert!(export.contains_key("429"), "{:?}", export.keys());
    let search = doc["paths"]["/api/v1/search"]["post"]["responses"].as_object().unwrap();
    assert!(!search.contains_key("408") && !search.contains_key("507"), "{:?}", search.keys());
    // Uploads are bytes, named in a declared header.
    let upload = &doc["paths"]["/api/v1/testimonies/{id}/attachments"]["post"];
    assert_eq!(upload["requestBody"]["content"]["application/octet-stream"]["schema"]["format"], "binary");
    let headers: Vec<&Value> =
        upload["parameters"].as_array().unwrap().iter().filter(|p| p["in"] == "header").collect();
    assert!(headers.iter().any(|p| p["name"] == "X-Filename"), "{headers:?}");
}

/// serde binds a struct from an array by position: `["ARR-1","Array case"]` opened a
/// case and `[false]` changed a role's policy. Every JSON body must be an object.
#[tokio::test]
async fn a_json_array_is_never_taken_for_an_object() {
    let app = spawn_app().await;
    let arrays = [
        (Method::POST, "/api/v1/cases", json!(["ARR-2026-1", "Array case", "x"])),
        (Method::POST, "/api/v1/users", json!(["arrayuser", "long enough password", "auditor"])),
        (Method::PUT, "/api/v1/roles/lawyer", json!([false])),
        (Method::POST, "/api/v1/system/unseal", json!([null, null])),
        (Method::POST, "/api/v1/auth/login", json!(["admin", PASSWORD])),
    ];
    let (_, documenter) = app.user_with_token(Role::Documenter).await;
    for (method, path, body) in arrays {
        let token = if path == "/api/v1/cases" { &documenter } else { &app.admin };
        let problem = assert_problem(
            app.call(method.clone(), path, Some(token), Some(body)).await,
            400,
            "invalid_body",
        )
        .await;
        assert!(problem["detail"].as_str().unwrap().contains("object"), "{method} {path}: {problem}");
    }
    let cases: Value = app.get("/api/v1/cases", &documenter).await.json().await.unwrap();
    assert_eq!(cases["total"], 0, "no case was opened from an array");
    let users: Value = app.get("/api/v1/users", &app.admin).await.json().await.unwrap();
    assert!(users["items"].as_array().unwrap().iter().all(|u| u["username"] != "arrayuser"));
    let roles: Value = app.get("/api/v1/roles", &app.admin).await.json().await.unwrap();
    assert_eq!(roles["total"], Role::ALL.len());

    // And for every operation that takes a JSON body, whoever calls it.
    let doc: Value =
        app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let mut tried = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op["requestBody"]["content"].get("application/json").is_none() {
                continue;
            }
            let concrete = path
                .replace("{id}", &uuid::Uuid::new_v4().to_string())
                .replace("{role}", "lawyer")
                .replace("{vocabulary}", "torture_method");
            let method: Method = method.to_uppercase().parse().unwrap();
            for token in [&app.admin, &documenter] {
                let res = app.call(method.clone(), &concrete, Some(token), Some(json!(["a", 1, true]))).await;
                assert!([400, 403].contains(&res.status().as_u16()), "{method} {concrete}: {}", res.status());
                tried += 1;
            }
        }
    }
    assert!(tried >= 50, "only {tried} calls");
}

/// `5.0` is an integer in JSON Schema 2020-12 (the document is OpenAPI 3.1), so a body
/// that writes one so is read as one; a real fraction is still refused.
#[tokio::test]
async fn an_integer_with_a_zero_fraction_is_an_integer() {
    let app = spawn_app().await;
    let (_, investigator) = app.user_with_token(Role::Investigator).await;
    let res =
        app.post("/api/v1/search", &investigator, json!({"q": "word", "limit": 5.0, "offset": 0.0})).await;
    assert_eq!(res.status(), 200);
    let page: Value = res.json().await.unwrap();
    assert_eq!((page["limit"].as_i64(), page["offset"].as_i64()), (Some(5), Some(0)));
    let res = app.post("/api/v1/search", &investigator, json!({"q": "word", "limit": 5.5})).await;
    assert_problem(res, 400, "invalid_body").await;
}

/// Short lists too answer `{items, total, limit, offset}` and take `limit`/`offset`.
#[tokio::test]
async fn every_list_answers_in_the_one_envelope() {
    let app = spawn_app().await;
    let (_, lead) = app.user_with_token(Role::Documenter).await;
    let case_id = app.create_case(&lead, NewCase::new("ENV-1", "t")).await.id;
    let lists = [
        ("/api/v1/vocabularies?limit=3&offset=1".to_owned(), &lead),
        (format!("/api/v1/cases/{case_id}/members?limit=3"), &lead),
        (format!("/api/v1/cases/{case_id}/bundles?limit=3"), &lead),
        ("/api/v1/roles?limit=3".to_owned(), &app.admin),
    ];
    for (path, token) in lists {
        let res = app.get(&path, token).await;
        assert_eq!(res.status(), 200, "{path}");
        let page: Value = res.json().await.unwrap();
        assert!(page["items"].as_array().unwrap().len() <= 3, "{path}: {page}");
        assert_eq!(page["limit"], 3, "{path}");
        assert!(page["total"].as_i64().is_some(), "{path}: {page}");
    }
    let terms: Value = app.get("/api/v1/vocabularies?limit=3&offset=1", &lead).await.json().await.unwrap();
    assert_eq!((terms["items"].as_array().unwrap().len(), terms["offset"].as_i64()), (3, Some(1)));
    assert!(terms["total"].as_i64().unwrap() > 3);
    let res = app.get("/api/v1/roles?limit=0", &app.admin).await;
    assert_problem(res, 400, "invalid_query").await;
}
