//! Verified sessions are kept in memory on each node (issue 23), yet revocation stays
//! immediate: a session ended through one node — or by the CLI, another process on the
//! same database — is refused on another node's very next request, although that node
//! had just answered for the token from its cache. Two `Services` on one database stand
//! for two nodes, as in `nodes`.

use std::process::Command;

use chrono::{DateTime, TimeDelta};
use custodia::audit::Actor;
use custodia::clock::Clock;
use custodia::domain::Role;
use custodia::error::Error;
use custodia::services::Services;
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::helpers::*;

/// Another node on `app`'s database and key file.
async fn other_node(app: &TestApp) -> Services {
    let mut settings = test_settings(&app.db);
    settings.cluster.node_id = "node-b".to_owned();
    settings.cluster.poll_interval_secs = 86_400;
    Services::open(&settings, false).await.expect("second node opens")
}

/// Node B answers for the token twice (the second time from its cache).
async fn warm(b: &Services, token: &str) {
    for _ in 0..2 {
        b.auth.authenticate(token).await.expect("live on node B");
    }
    assert!(b.auth.verified_sessions() >= 1, "node B keeps the session verified");
}

fn refused(found: Result<(custodia::auth::Principal, bool), Error>, what: &str) {
    assert!(matches!(found, Err(Error::Unauthenticated)), "{what}: {found:?}");
}

#[tokio::test]
async fn a_session_ended_on_one_node_is_refused_on_the_next_request_on_another() {
    let app = spawn_app().await;
    let b = other_node(&app).await;

    // Logout through node A's API.
    let (_, token) = app.user_with_token(Role::Lawyer).await;
    warm(&b, &token).await;
    assert_eq!(app.call(Method::POST, "/api/v1/auth/logout", Some(&token), None).await.status(), 204);
    refused(b.auth.authenticate(&token).await, "logged out on A");

    // An admin disables the account on node A.
    let (id, token) = app.user_with_token(Role::Lawyer).await;
    warm(&b, &token).await;
    let path = format!("/api/v1/users/{id}/disable");
    assert_eq!(app.call(Method::POST, &path, Some(&app.admin), None).await.status(), 200);
    refused(b.auth.authenticate(&token).await, "disabled on A");

    // A role change on node A.
    let (id, token) = app.user_with_token(Role::Lawyer).await;
    warm(&b, &token).await;
    let path = format!("/api/v1/users/{id}/role");
    let res = app.call(Method::PUT, &path, Some(&app.admin), Some(json!({"role": "documenter"}))).await;
    assert_eq!(res.status(), 200);
    refused(b.auth.authenticate(&token).await, "role changed on A");

    // A password reset on node A.
    let (id, token) = app.user_with_token(Role::Lawyer).await;
    warm(&b, &token).await;
    let path = format!("/api/v1/users/{id}/password");
    let res = app.post(&path, &app.admin, json!({"password": "another long password 7"})).await;
    assert_eq!(res.status(), 200);
    refused(b.auth.authenticate(&token).await, "password reset on A");

    // The other way round: node A's cache is warm (it answered over HTTP just before),
    // node B ends the session, node A refuses the next request.
    let (id, token) = app.user_with_token(Role::Lawyer).await;
    for _ in 0..2 {
        assert_eq!(app.get("/api/v1/auth/me", &token).await.status(), 200);
    }
    b.auth.set_disabled(Actor::default(), id, true).await.unwrap();
    assert_problem(app.get("/api/v1/auth/me", &token).await, 401, "unauthenticated").await;

    // A logout on B, of a session A answered for.
    let (_, token) = app.user_with_token(Role::Lawyer).await;
    assert_eq!(app.get("/api/v1/auth/me", &token).await.status(), 200);
    let (who, _) = b.auth.authenticate(&token).await.unwrap();
    b.auth.logout(&who).await.unwrap();
    assert_problem(app.get("/api/v1/auth/me", &token).await, 401, "unauthenticated").await;

    // Sessions nobody ended stay live on both nodes, and /auth/me shows the account.
    let (id, token) = app.user_with_token(Role::Documenter).await;
    warm(&b, &token).await;
    let me: serde_json::Value = app.get("/api/v1/auth/me", &token).await.json().await.unwrap();
    assert_eq!(me["user"]["id"], json!(id));
    assert_eq!(me["user"]["role"], json!("documenter"));
    assert!(b.auth.authenticate(&app.admin).await.is_ok());
}

/// A change that is not a revocation but alters what a session shows (its account
/// re-enabled, so `updated_at` moved) is seen at once too: `/auth/me` answers from what
/// the session's verification read, which the revocation counter keeps fresh.
#[tokio::test]
async fn auth_me_answers_from_the_verified_session_and_stays_fresh() {
    let app = spawn_app().await;
    let b = other_node(&app).await;
    let (id, token) = app.user_with_token(Role::Lawyer).await;
    let first: serde_json::Value = app.get("/api/v1/auth/me", &token).await.json().await.unwrap();
    let (other, _) = app.user_with_token(Role::Lawyer).await;
    b.auth.set_disabled(Actor::default(), other, true).await.unwrap();
    b.auth.set_disabled(Actor::default(), other, false).await.unwrap();
    let again: serde_json::Value = app.get("/api/v1/auth/me", &token).await.json().await.unwrap();
    assert_eq!(first, again, "another account's change leaves this one as it was");
    assert_eq!(again["user"]["id"], json!(id));
}

/// `custodia user disable` is another process: it reaches the running server through
/// the database alone.
#[tokio::test]
async fn the_cli_disabling_a_user_ends_their_session_on_a_running_node() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Lawyer).await;
    let name = app.get("/api/v1/auth/me", &token).await.json::<serde_json::Value>().await.unwrap()["user"]
        ["username"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(app.get("/api/v1/auth/me", &token).await.status(), 200);
    let db = &app.db;
    let out = Command::new(env!("CARGO_BIN_EXE_custodia"))
        .env("CUSTODIA_CONFIG_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/config"))
        .env("CUSTODIA_ENV", "test")
        .env("CUSTODIA__DATABASE__URL", db.url())
        .env("CUSTODIA__KEYS__KEY_FILE", db.dir.path().join("root.key"))
        .env("CUSTODIA__STORAGE__BLOB_DIR", db.dir.path().join("blobs"))
        .envs(store_env(db))
        .args(["user", "disable", &name])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_problem(app.get("/api/v1/auth/me", &token).await, 401, "unauthenticated").await;
}

async fn last_seen(s: &Services, user: uuid::Uuid) -> chrono::NaiveDateTime {
    use custodia::store::schema::sessions;
    use diesel::prelude::*;
    s.context()
        .read(move |c| {
            Ok(sessions::table
                .filter(sessions::user_id.eq(user.to_string()))
                .select(sessions::last_seen_at)
                .first::<chrono::NaiveDateTime>(c)?)
        })
        .await
        .unwrap()
}

/// A verified session is used only until its absolute expiry, judged by the clock on
/// every request, however recently it was verified; and touches keep their granularity.
#[tokio::test]
async fn a_cached_session_is_refused_once_it_expires() {
    let db = TestDb::new();
    let clock = Clock::manual(DateTime::from_timestamp(1_800_000_000, 0).unwrap());
    let mut settings = test_settings(&db);
    settings.auth.session_idle_minutes = 30;
    settings.auth.session_absolute_minutes = 90;
    let s = Services::open_with_clock(&settings, true, clock.clone()).await.unwrap();
    let id = s
        .auth
        .create_user(Actor::default(), "anna", SecretString::from(PASSWORD), Role::Lawyer)
        .await
        .unwrap()
        .id;
    let token = s.auth.login("anna", SecretString::from(PASSWORD), None, None).await.unwrap().token;
    let token = token.expose_secret();
    let signed_in = clock.now_naive();
    // Used every 20 minutes: alive, touched each time (a minute's granularity).
    for _ in 0..4 {
        clock.advance(TimeDelta::minutes(20));
        s.auth.authenticate(token).await.expect("in use");
        assert_eq!(last_seen(&s, id).await, clock.now_naive(), "touched");
    }
    // 80 minutes in; verified again 9.5 minutes later, then answered from the cache
    // (no touch within the granularity)…
    clock.advance(TimeDelta::seconds(9 * 60 + 30));
    s.auth.authenticate(token).await.expect("89.5 minutes");
    assert_eq!(s.auth.verified_sessions(), 1);
    clock.advance(TimeDelta::seconds(20));
    s.auth.authenticate(token).await.expect("from the cache");
    assert_eq!(
        last_seen(&s, id).await,
        signed_in + TimeDelta::seconds(89 * 60 + 30),
        "no touch within a minute"
    );
    // …until its absolute lifetime ends, although the entry is 30 s old.
    clock.advance(TimeDelta::seconds(10));
    refused(s.auth.authenticate(token).await, "90 minutes");
}
