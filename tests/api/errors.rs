//! Bad input gets a clear 4xx problem document, never a 500, and never echoes values.

use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn malformed_requests_get_problem_documents() {
    let app = spawn_app().await;
    let login = app.url("/api/v1/auth/login");

    let res = app
        .client
        .post(&login)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "invalid_body").await;

    let res = app.client.post(&login).json(&json!({"username": "x"})).send().await.unwrap();
    let body = assert_problem(res, 400, "invalid_body").await;
    assert!(body["detail"].as_str().unwrap().contains("missing field `password`"));

    let canary = "CANARY-Иван-Петров";
    let res =
        app.client.post(&login).json(&json!({"username": 42, "password": canary})).send().await.unwrap();
    let body = assert_problem(res, 400, "invalid_body").await;
    assert!(!body.to_string().contains("CANARY"));
    let res = app.client.post(&login).json(&json!({"username": canary, "password": 7})).send().await.unwrap();
    assert!(!assert_problem(res, 400, "invalid_body").await.to_string().contains("CANARY"));

    let res = app
        .client
        .post(&login)
        .json(&json!({"username": "a", "password": "b", "extra": 1}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "invalid_body").await;

    let res = app.client.post(&login).body(r#"{"username":"a","password":"b"}"#).send().await.unwrap();
    assert_problem(res, 415, "unsupported_media_type").await;

    let huge = json!({"username": "a", "password": "x".repeat(2 * 1024 * 1024)});
    let res = app.client.post(&login).json(&huge).send().await.unwrap();
    assert_problem(res, 413, "payload_too_large").await;

    let res = app.client.get(app.url("/api/v1/no/such/route")).send().await.unwrap();
    assert_problem(res, 404, "not_found").await;
    let res = app.client.get(app.url("/nothing-here")).send().await.unwrap();
    assert_problem(res, 404, "not_found").await;

    let res = app.call(Method::DELETE, "/api/v1/auth/login", None, None).await;
    assert_problem(res, 405, "method_not_allowed").await;
    let res = app.call(Method::PATCH, "/healthz", None, None).await;
    assert_problem(res, 405, "method_not_allowed").await;

    let res = app.call(Method::GET, "/api/v1/users?limit=abc", Some(&app.admin), None).await;
    assert_problem(res, 400, "invalid_query").await;
    let res = app.call(Method::GET, "/api/v1/users?surprise=1", Some(&app.admin), None).await;
    assert_problem(res, 400, "invalid_query").await;
}

#[tokio::test]
async fn the_openapi_document_is_served_and_names_the_bearer_scheme() {
    let app = spawn_app().await;
    let doc: serde_json::Value =
        app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    assert!(doc["paths"]["/api/v1/users"]["post"].is_object());
}
