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
