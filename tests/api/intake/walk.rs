//! A device account reaches nothing but submission: every documented operation, walked
//! with the device's session and its password, answers 401, 403 or 404 except the
//! OpenRosa ones (permission `intake.submit`). The policy walk of staff roles skips
//! role intake; this is its half.

use custodia::access::policy::{Action, Scope};
use reqwest::Method;
use serde_json::{Value, json};

use super::*;

#[tokio::test]
async fn a_device_reaches_nothing_but_submission() {
    let field = Field::new().await;
    let app = &field.app;
    let principal =
        app.state.auth.verify_device(&field.device, PASSWORD.to_owned().into(), None).await.unwrap();
    let (token, _) = app.state.auth.device_session(&principal).await.unwrap();
    let token = secrecy::ExposeSecret::expose_secret(&token).to_owned();
    let doc: Value =
        app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let mut reached = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(permission) = op["x-permission"].as_str() else { continue };
            let concrete = path
                .replace("{id}", field.case.as_str())
                .replace("{form}", &uuid::Uuid::new_v4().to_string())
                .replace("{role}", "lawyer")
                .replace("{bundle_id}", &uuid::Uuid::new_v4().to_string());
            let method: Method = method.to_uppercase().parse().unwrap();
            let res = app.call(method.clone(), &concrete, Some(&token), Some(json!({}))).await;
            let status = res.status().as_u16();
            assert!(status < 500, "{method} {path}: {status}");
            if permission == "intake.submit" {
                assert!(![401, 403].contains(&status), "the device reaches {method} {path} ({status})");
                reached.push(format!("{method} {path}"));
            } else {
                // As in the staff walk: a case's operation may refuse a body it cannot
                // parse (400) before it asks for the case, which turns the device away.
                let action = Action::ALL.iter().find(|a| a.code() == permission).unwrap();
                let refused: &[u16] =
                    if action.scope() == Scope::Case { &[400, 403, 404] } else { &[401, 403] };
                assert!(refused.contains(&status), "the device must not reach {method} {path} ({status})");
            }
        }
    }
    reached.sort();
    assert_eq!(
        reached,
        [
            "GET /api/v1/tella/p/{slug}",
            "GET /openrosa/formList",
            "GET /openrosa/forms/{id}",
            "HEAD /api/v1/tella/file/{report}/{name}",
            "HEAD /openrosa/submission",
            "POST /api/v1/tella/file/{report}/{name}",
            "POST /api/v1/tella/project/{id}",
            "POST /api/v1/tella/report/{id}/close",
            "POST /openrosa/submission",
            "PUT /api/v1/tella/file/v2/{report}/{name}",
            "PUT /api/v1/tella/file/{report}/{name}",
        ]
    );
    // Nor can it sign in as staff, or use its password on the JSON API.
    assert_eq!(app.login_response(&field.device, PASSWORD, None).await.status(), 401);
    let basic = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .basic_auth(&field.device, Some(PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 401);
    // And a staff session, or a staff password, gets nothing from the OpenRosa server.
    let staff =
        app.client.head(app.url("/openrosa/submission")).bearer_auth(&field.lead).send().await.unwrap();
    assert_eq!(staff.status(), 403);
    let (_, _) = app.user_with_token(custodia::domain::Role::Documenter).await;
    let res = app
        .client
        .get(app.url("/openrosa/formList"))
        .basic_auth("admin", Some(PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["x-openrosa-version"], "1.0");
}
