use custodia::domain::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn an_admin_creates_lists_and_reads_users() {
    let app = spawn_app().await;
    for (name, role) in
        [("olga", "documenter"), ("pavel", "investigator"), ("raisa", "lawyer"), ("sergei", "auditor")]
    {
        let res = app
            .post("/api/v1/users", &app.admin, json!({"username": name, "password": PASSWORD, "role": role}))
            .await;
        assert_eq!(res.status(), 201, "{name}");
        let user: Value = res.json().await.unwrap();
        assert_eq!(user["role"], role);
        let one: Value = app
            .get(&format!("/api/v1/users/{}", user["id"].as_str().unwrap()), &app.admin)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(one["username"], name);
    }
    let page: Value = app.get("/api/v1/users?limit=2&offset=1", &app.admin).await.json().await.unwrap();
    assert_eq!(page["total"], 5);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["items"][0]["username"], "olga");
    app.login("raisa", PASSWORD).await;
}

#[tokio::test]
async fn user_input_is_validated_field_by_field() {
    let app = spawn_app().await;
    let res = app
        .post("/api/v1/users", &app.admin, json!({"username": "a b", "password": "short", "role": "lawyer"}))
        .await;
    let body = assert_problem(res, 422, "validation_error").await;
    let fields: Vec<&str> =
        body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["username", "password"]);
    let res = app
        .post("/api/v1/users", &app.admin, json!({"username": "anna", "password": PASSWORD, "role": "king"}))
        .await;
    assert_problem(res, 400, "invalid_body").await;
    app.post(
        "/api/v1/users",
        &app.admin,
        json!({"username": "anna", "password": PASSWORD, "role": "lawyer"}),
    )
    .await;
    let res = app
        .post(
            "/api/v1/users",
            &app.admin,
            json!({"username": "ANNA", "password": PASSWORD, "role": "lawyer"}),
        )
        .await;
    assert_problem(res, 409, "conflict").await;
    assert_problem(app.get("/api/v1/users?limit=1000", &app.admin).await, 400, "invalid_query").await;
    assert_problem(
        app.get(&format!("/api/v1/users/{}", uuid::Uuid::new_v4()), &app.admin).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(app.get("/api/v1/users/not-a-uuid", &app.admin).await, 400, "invalid_path").await;
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions_at_once() {
    let app = spawn_app().await;
    let (id, token) = app.user_with_token(Role::Documenter).await;
    assert_eq!(app.get("/api/v1/auth/me", &token).await.status(), 200);
    let res = app.call(Method::POST, &format!("/api/v1/users/{id}/disable"), Some(&app.admin), None).await;
    assert_eq!(res.status(), 200);
    assert_problem(app.get("/api/v1/auth/me", &token).await, 401, "unauthenticated").await;
    let name = app.state.auth.get_user(id).await.unwrap().username;
    assert_problem(app.login_response(&name, PASSWORD, None).await, 401, "invalid_credentials").await;
    app.call(Method::POST, &format!("/api/v1/users/{id}/enable"), Some(&app.admin), None).await;
    app.login(&name, PASSWORD).await;
    assert!(app.audit_actions().await.contains(&"user.disable".to_owned()));
}

#[tokio::test]
async fn role_changes_and_password_resets_end_sessions() {
    let app = spawn_app().await;
    let (id, token) = app.user_with_token(Role::Documenter).await;
    let res = app
        .call(
            Method::PUT,
            &format!("/api/v1/users/{id}/role"),
            Some(&app.admin),
            Some(json!({"role": "lawyer"})),
        )
        .await;
    let user: Value = res.json().await.unwrap();
    assert_eq!(user["role"], "lawyer");
    assert_eq!(app.get("/api/v1/auth/me", &token).await.status(), 401);

    let name = user["username"].as_str().unwrap().to_owned();
    let token = app.login(&name, PASSWORD).await;
    let res = app
        .post(
            &format!("/api/v1/users/{id}/password"),
            &app.admin,
            json!({"password": "reset by the admin 1"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.get("/api/v1/auth/me", &token).await.status(), 401);
    app.login(&name, "reset by the admin 1").await;
}

#[tokio::test]
async fn the_last_admin_cannot_be_removed() {
    let app = spawn_app().await;
    let admin_id = app.state.auth.find_user_id("admin").await.unwrap();
    let res = app
        .call(
            Method::PUT,
            &format!("/api/v1/users/{admin_id}/role"),
            Some(&app.admin),
            Some(json!({"role": "auditor"})),
        )
        .await;
    assert_problem(res, 409, "conflict").await;
    let res =
        app.call(Method::POST, &format!("/api/v1/users/{admin_id}/disable"), Some(&app.admin), None).await;
    assert_problem(res, 409, "conflict").await;
}

/// An admin's own password changes with the current one, and their own role is for
/// another admin to change: a stolen session cannot take the account over, and a slip
/// cannot sign the admin out.
#[tokio::test]
async fn an_admin_cannot_reset_their_own_password_or_change_their_own_role() {
    let app = spawn_app().await;
    let admin_id = app.state.auth.find_user_id("admin").await.unwrap();
    let res = app
        .call(
            Method::POST,
            &format!("/api/v1/users/{admin_id}/password"),
            Some(&app.admin),
            Some(json!({"password": "a new long passphrase"})),
        )
        .await;
    assert_eq!(assert_problem(res, 409, "conflict").await["detail"], "use_own_password_change");
    let res = app
        .call(
            Method::PUT,
            &format!("/api/v1/users/{admin_id}/role"),
            Some(&app.admin),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(assert_problem(res, 409, "conflict").await["detail"], "cannot_change_own_role");
    let res = app.call(Method::GET, "/api/v1/auth/me", Some(&app.admin), None).await;
    assert_eq!(res.status(), 200, "the session lives on");
}

#[tokio::test]
async fn status_shows_the_backend() {
    let app = spawn_app().await;
    let status: Value = app.get("/api/v1/system/status", &app.admin).await.json().await.unwrap();
    let expected = if app.db.is_postgres() { "postgres" } else { "sqlite" };
    assert_eq!(status["database_backend"], expected);
    assert_eq!(status["pending_migrations"], 0);
}
