//! Walks every documented operation with no session and with a session of every role,
//! and checks the answer against the one policy table: deny by default, nothing
//! reachable that does not name its permission.

use custodia::auth::policy::{self, Action, Scope};
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
            let text = format!(
                "{} {}",
                op["summary"].as_str().unwrap_or(""),
                op["description"].as_str().unwrap_or("")
            );
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let action = text.split("Permission: `").nth(1).map(|rest| {
                let code = rest.split('`').next().unwrap();
                *Action::ALL
                    .iter()
                    .find(|a| a.code() == code)
                    .unwrap_or_else(|| panic!("{path}: unknown permission {code}"))
            });
            assert!(
                action.is_some() || text.contains("Public"),
                "{method} {path} names neither a permission nor Public"
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

    for role in Role::ALL {
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
    let case: Value = app
        .post("/api/v1/cases", &owner, json!({"reference": "IDOR-1", "title": "theirs"}))
        .await
        .json()
        .await
        .unwrap();
    let case_id = case["id"].as_str().unwrap().to_owned();
    let made = |body: Value, path: String| {
        let app = &app;
        let owner = owner.clone();
        async move {
            let res = app.post(&path, &owner, body).await;
            assert!(res.status().is_success(), "{path}: {}", res.status());
            res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
        }
    };
    let person = made(
        json!({"kind": "witness", "names": ["Secret Name"], "sex": "unknown"}),
        format!("/api/v1/cases/{case_id}/persons"),
    )
    .await;
    let unit = made(json!({"name": "Unit"}), format!("/api/v1/cases/{case_id}/units")).await;
    let place = made(
        json!({"place_type": "detention_facility", "name": "Place"}),
        format!("/api/v1/cases/{case_id}/places"),
    )
    .await;
    let incident = made(
        json!({"act_type": "torture", "methods": [], "start_precision": "unknown", "end_precision": "unknown", "description": "d"}),
        format!("/api/v1/cases/{case_id}/incidents"),
    )
    .await;
    let testimony = made(
        json!({"witness_id": person, "source_connection": "victim", "account": "secret account",
               "consent": {"share_with": {"prosecutors": true}, "may_be_named": false, "given_on": "2021-01-01",
                           "how_given": "written", "text_version": "1"}}),
        format!("/api/v1/cases/{case_id}/testimonies"),
    )
    .await;
    let res = app
        .client
        .post(app.url(&format!("/api/v1/testimonies/{testimony}/attachments")))
        .bearer_auth(&owner)
        .header("content-type", "text/plain")
        .header("x-filename", "a.txt")
        .body("secret file")
        .send()
        .await
        .unwrap();
    let attachment = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let bundle = {
        let res = app
            .post(
                &format!("/api/v1/cases/{case_id}/bundles"),
                &owner,
                json!({"recipient": "prosecutors", "password": PASSWORD}),
            )
            .await;
        assert_eq!(res.status(), 202);
        res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
    };

    let doc: Value =
        app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    for role in [Role::Documenter, Role::Investigator, Role::Lawyer] {
        // A member (even the lead) of a case of their own.
        let (_, token) = app.user_with_token(role).await;
        if role != Role::Lawyer {
            app.post(
                "/api/v1/cases",
                &token,
                json!({"reference": format!("OWN-{}", role.as_str()), "title": "mine"}),
            )
            .await;
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
            ];
            let Some((_, id)) = targets.iter().find(|(prefix, _)| path.starts_with(prefix)) else { continue };
            let concrete = path
                .replace("{id}", id)
                .replace("{bundle_id}", &bundle)
                .replace("{user_id}", &uuid::Uuid::new_v4().to_string());
            for (method, _) in item.as_object().unwrap() {
                let method: Method = method.to_uppercase().parse().unwrap();
                let bodies = [
                    json!({}),
                    json!({"incident_id": incident, "recipient": "prosecutors", "password": PASSWORD,
                                                "withdrawn_on": "2022-01-01", "person_id": person, "role": "carried_out"}),
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
        assert!(res.status() == 404 || res.json::<Value>().await.unwrap()["total"] == 0);
        let res = app.post("/api/v1/search", &token, json!({"q": "secret account"})).await;
        assert_eq!(res.json::<Value>().await.unwrap()["total"], 0);
    }
}
