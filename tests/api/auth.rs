use custodia::domain::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixtures::sealed_testimony_in_new_case;
use crate::helpers::*;

#[tokio::test]
async fn health_and_readiness_answer_without_a_session() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(res.headers().contains_key("content-security-policy"));
    assert!(res.headers().contains_key("x-request-id"));
    assert!(!res.headers().contains_key("strict-transport-security"), "no HSTS without TLS");
}

#[tokio::test]
async fn hsts_is_sent_when_served_over_tls() {
    let app = spawn_app_with(|s| s.server.public_url = "https://custodia.example.org".into()).await;
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert!(res.headers()["strict-transport-security"].to_str().unwrap().starts_with("max-age="));
}

#[tokio::test]
async fn a_user_logs_in_reads_their_profile_and_logs_out_for_good() {
    let app = spawn_app().await;
    app.add_user("anna", Role::Documenter).await;
    let res = app.login_response("Anna", PASSWORD, None).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let token = body["token"].as_str().unwrap().to_owned();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["user"]["role"], "documenter");
    assert!(body["user"].get("password_hash").is_none());

    let me: Value = app.get("/api/v1/auth/me", &token).await.json().await.unwrap();
    assert_eq!(me["user"]["username"], "anna");

    let res = app.call(Method::POST, "/api/v1/auth/logout", Some(&token), None).await;
    assert_eq!(res.status(), 204);
    assert_problem(app.get("/api/v1/auth/me", &token).await, 401, "unauthenticated").await;

    let actions = app.audit_actions().await;
    assert!(actions.contains(&"login".to_owned()) && actions.contains(&"logout".to_owned()));
}

#[tokio::test]
async fn unknown_users_and_wrong_passwords_get_the_same_answer() {
    let app = spawn_app().await;
    app.add_user("boris", Role::Lawyer).await;
    let wrong = assert_problem(
        app.login_response("boris", "not the password", None).await,
        401,
        "invalid_credentials",
    )
    .await;
    let unknown = assert_problem(
        app.login_response("nobody", "not the password", None).await,
        401,
        "invalid_credentials",
    )
    .await;
    assert_eq!(wrong, unknown);
    // A name that cannot be a username (PostgreSQL refuses a NUL in text: this was a 500
    // there) is an unknown user like any other.
    let impossible = assert_problem(
        app.login_response("bo\u{0}ris", "not the password", None).await,
        401,
        "invalid_credentials",
    )
    .await;
    assert_eq!(impossible, unknown);
    let actions = app.audit_actions().await;
    assert_eq!(actions.iter().filter(|a| *a == "login_failed").count(), 3);
}

#[tokio::test]
async fn repeated_failures_lock_the_account_but_not_others() {
    let app = spawn_app().await;
    app.add_user("vera", Role::Investigator).await;
    app.add_user("galina", Role::Investigator).await;
    for _ in 0..5 {
        assert_problem(app.login_response("vera", "wrong password!", None).await, 401, "invalid_credentials")
            .await;
    }
    let res = app.login_response("vera", PASSWORD, None).await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 429, "rate_limited").await;
    // The same answer for a username that does not exist: lockouts reveal nothing.
    for _ in 0..5 {
        app.login_response("ghost", "wrong password!", None).await;
    }
    assert_problem(app.login_response("ghost", PASSWORD, None).await, 429, "rate_limited").await;
    app.login("galina", PASSWORD).await;
}

#[tokio::test]
async fn many_failures_from_one_address_are_throttled() {
    let app = spawn_app_with(|s| s.auth.max_failures_per_address = 3).await;
    for i in 0..3 {
        app.login_response(&format!("user{i}"), "wrong password!", None).await;
    }
    assert_problem(app.login_response("admin", PASSWORD, None).await, 429, "rate_limited").await;
}

#[tokio::test]
async fn bad_tokens_are_refused() {
    let app = spawn_app().await;
    for token in ["", "cst_bogus", &"x".repeat(4000)] {
        assert_problem(app.get("/api/v1/auth/me", token).await, 401, "unauthenticated").await;
    }
    let res = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .header("authorization", "Basic YTpi")
        .send()
        .await
        .unwrap();
    assert_problem(res, 401, "unauthenticated").await;
}

#[tokio::test]
async fn changing_ones_password_ends_other_sessions() {
    let app = spawn_app().await;
    app.add_user("dmitri", Role::Lawyer).await;
    let first = app.login("dmitri", PASSWORD).await;
    let second = app.login("dmitri", PASSWORD).await;
    let res = app
        .post(
            "/api/v1/auth/password",
            &first,
            json!({"current_password": "nope", "new_password": "a new long passphrase"}),
        )
        .await;
    let body = assert_problem(res, 422, "validation_error").await;
    assert_eq!(body["errors"][0]["field"], "current_password");
    let res = app
        .post(
            "/api/v1/auth/password",
            &first,
            json!({"current_password": PASSWORD, "new_password": "a new long passphrase"}),
        )
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(app.get("/api/v1/auth/me", &first).await.status(), 200);
    assert_eq!(app.get("/api/v1/auth/me", &second).await.status(), 401);
    app.login("dmitri", "a new long passphrase").await;
}

fn totp_code(secret_base32: &str) -> String {
    let secret = totp_rs::Secret::Encoded(secret_base32.to_owned()).to_bytes().unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    custodia::auth::totp::code_at(&secret, now).unwrap()
}

#[tokio::test]
async fn an_admin_requires_a_second_factor_for_investigators() {
    let app = spawn_app().await;
    let res = app
        .call(
            Method::PUT,
            "/api/v1/roles/investigator",
            Some(&app.admin),
            Some(json!({"totp_required": true})),
        )
        .await;
    assert_eq!(res.status(), 200);
    app.add_user("elena", Role::Investigator).await;

    // Password alone gives a session that can only enrol.
    let res = app.login_response("elena", PASSWORD, None).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["second_factor_enrolment_required"], true);
    let token = body["token"].as_str().unwrap().to_owned();
    let enrol: Value =
        app.call(Method::POST, "/api/v1/auth/totp/enrol", Some(&token), None).await.json().await.unwrap();
    let secret = enrol["secret_base32"].as_str().unwrap().to_owned();
    assert!(enrol["otpauth_uri"].as_str().unwrap().starts_with("otpauth://totp/Custodia:elena?"));
    assert_problem(
        app.post("/api/v1/auth/totp/confirm", &token, json!({"code": "000000"})).await,
        401,
        "totp_invalid",
    )
    .await;
    let code = totp_code(&secret);
    let res = app.post("/api/v1/auth/totp/confirm", &token, json!({"code": code})).await;
    assert_eq!(res.status(), 204);

    // From now on the code is needed at login, and a used code is refused.
    assert_problem(app.login_response("elena", PASSWORD, None).await, 401, "totp_required").await;
    assert_problem(app.login_response("elena", PASSWORD, Some(&code)).await, 401, "totp_invalid").await;
    let actions = app.audit_actions().await;
    assert!(actions.contains(&"totp.enrol".to_owned()));
    assert!(actions.contains(&"role_policy.update".to_owned()));
}

#[tokio::test]
async fn until_enrolled_a_session_can_do_nothing_else() {
    let app = spawn_app().await;
    app.call(Method::PUT, "/api/v1/roles/admin", Some(&app.admin), Some(json!({"totp_required": true})))
        .await;
    // The admin's existing session predates the rule and lacks a second factor.
    assert_problem(app.get("/api/v1/users", &app.admin).await, 403, "second_factor_enrolment_required").await;
    assert_eq!(app.get("/api/v1/auth/me", &app.admin).await.status(), 200);
}

/// Signs a session's user up for TOTP through the API; returns the secret.
async fn enrol(app: &TestApp, token: &str) -> String {
    let enrol: Value =
        app.call(Method::POST, "/api/v1/auth/totp/enrol", Some(token), None).await.json().await.unwrap();
    let secret = enrol["secret_base32"].as_str().unwrap().to_owned();
    let res = app.post("/api/v1/auth/totp/confirm", token, json!({"code": totp_code(&secret)})).await;
    assert_eq!(res.status(), 204);
    secret
}

fn second_factor_for_admins_and_lawyers(s: &mut custodia::config::Settings) {
    s.auth.require_second_factor = vec![Role::Admin, Role::Lawyer];
}

#[tokio::test]
async fn admins_and_lawyers_must_enrol_a_second_factor_before_anything_else() {
    let app = spawn_app_with(second_factor_for_admins_and_lawyers).await;
    // The admin signed in with a password alone: the answer says what to do.
    let problem =
        assert_problem(app.get("/api/v1/users", &app.admin).await, 403, "second_factor_enrolment_required")
            .await;
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("/api/v1/auth/totp/enrol") && detail.contains("/api/v1/auth/totp/confirm"),
        "{detail}"
    );
    assert_eq!(app.get("/api/v1/auth/me", &app.admin).await.status(), 200, "the session itself works");

    app.add_user("lara", Role::Lawyer).await;
    let body: Value = app.login_response("lara", PASSWORD, None).await.json().await.unwrap();
    assert_eq!(body["second_factor_enrolment_required"], true);
    let lara = body["token"].as_str().unwrap().to_owned();
    assert_problem(app.get("/api/v1/cases", &lara).await, 403, "second_factor_enrolment_required").await;
    let (_, documenter) = app.user_with_token(Role::Documenter).await;
    assert_eq!(app.get("/api/v1/cases", &documenter).await.status(), 200, "other roles are not concerned");

    enrol(&app, &app.admin).await;
    assert_eq!(app.get("/api/v1/users", &app.admin).await.status(), 200, "enrolled: the session goes on");
    enrol(&app, &lara).await;
    assert_eq!(app.get("/api/v1/cases", &lara).await.status(), 200);
    assert_problem(app.login_response("lara", PASSWORD, None).await, 401, "totp_required").await;

    // A rule the configuration sets cannot be relaxed from the API; others can be added.
    let res = app
        .call(Method::PUT, "/api/v1/roles/lawyer", Some(&app.admin), Some(json!({"totp_required": false})))
        .await;
    let problem = assert_problem(res, 409, "conflict").await;
    assert_eq!(problem["detail"], "second_factor_required_by_configuration");
    let policies = app.state.auth.role_policies().await.unwrap();
    let lawyer = policies.iter().find(|p| p.role == Role::Lawyer).unwrap();
    assert!(lawyer.totp_required && lawyer.required_by_configuration);
    let documenter = policies.iter().find(|p| p.role == Role::Documenter).unwrap();
    assert!(!documenter.totp_required && !documenter.required_by_configuration);
}

/// The binary, against the test app's database, with the second-factor rule on.
fn custodia_with_second_factor(db: &TestDb) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_custodia"));
    cmd.env("CUSTODIA_CONFIG_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/config"))
        .env("CUSTODIA_ENV", "test")
        .env("CUSTODIA__DATABASE__URL", db.url())
        .env("CUSTODIA__KEYS__KEY_FILE", db.dir.path().join("root.key"))
        .env("CUSTODIA__STORAGE__BLOB_DIR", db.dir.path().join("blobs"))
        .env("CUSTODIA__AUTH__REQUIRE_SECOND_FACTOR", "admin,lawyer")
        .envs(store_env(db));
    cmd
}

#[tokio::test]
async fn the_command_line_export_asks_a_lawyer_without_a_second_factor_to_enrol_first() {
    use std::io::Write;
    use std::process::Stdio;
    let app = spawn_app_with(second_factor_for_admins_and_lawyers).await;
    let (_, doc) = app.user_with_token(Role::Documenter).await;
    let (CaseId(case_id), _) = sealed_testimony_in_new_case(&app, &doc).await;
    let lawyer = app.add_user("cli.lawyer", Role::Lawyer).await;
    let case = uuid::Uuid::parse_str(&case_id).unwrap();
    let member =
        custodia::cases::case::NewMember { user_id: lawyer, role: custodia::cases::case::MemberRole::Member };
    let now = app.state.context().clock().now_naive();
    app.state
        .context()
        .write_plain(move |c| custodia::cases::case::add_member_at(c, Default::default(), case, &member, now))
        .await
        .unwrap();

    let out_dir = tempfile::tempdir().unwrap();
    let export = |out: &str, totp: Option<&str>| {
        let mut cmd = custodia_with_second_factor(&app.db);
        cmd.args([
            "bundle",
            "export",
            "--case",
            &case_id,
            "--recipient",
            "prosecutors",
            "--username",
            "cli.lawyer",
        ])
        .arg("--out")
        .arg(out_dir.path().join(out))
        .arg("--password-stdin");
        if let Some(code) = totp {
            cmd.args(["--totp", code]);
        }
        let mut child =
            cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let out = export("refused.tar", None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "no second factor, no export");
    assert!(stderr.contains("must set up a second factor"), "{stderr}");
    assert!(!out_dir.path().join("refused.tar").exists());
    assert!(!app.audit_actions().await.iter().any(|a| a.starts_with("bundle.")), "nothing was exported");

    let token = app.login("cli.lawyer", PASSWORD).await;
    let secret = enrol(&app, &token).await;
    // The enrolment used this step's code: take the next one.
    let next = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 30;
    let raw = totp_rs::Secret::Encoded(secret).to_bytes().unwrap();
    let code = custodia::auth::totp::code_at(&raw, next).unwrap();
    let out = export("bundle.tar", Some(&code));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out_dir.path().join("bundle.tar").exists());

    // `custodia demo` says which of its accounts must set up a second factor.
    let out = custodia_with_second_factor(&app.db).args(["demo", "--scale", "1"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("demo.lawyer must set up a second factor"), "{stdout}");
    assert!(!stdout.contains("demo.documenter must"), "{stdout}");
}

#[tokio::test]
async fn a_sealed_service_lets_an_admin_set_up_a_second_factor_and_then_unseal() {
    let app = spawn_app_with(second_factor_for_admins_and_lawyers).await;
    app.state.keys.seal(Default::default()).await.unwrap();
    let res = app.post("/api/v1/system/unseal", &app.admin, json!({})).await;
    assert_problem(res, 403, "second_factor_enrolment_required").await;
    // Enrolment needs no keys, so it is open while sealed.
    enrol(&app, &app.admin).await;
    let res = app.post("/api/v1/system/unseal", &app.admin, json!({})).await;
    assert_eq!(res.status(), 200);
    assert!(!app.state.keys.is_sealed());
}

/// Moves a user's sessions `secs` seconds into the past (as if that much time had gone
/// by since their last use), straight in the database: no test sleeps for a timeout.
pub async fn age_sessions(app: &TestApp, user: uuid::Uuid, secs: i64) {
    use custodia::store::schema::sessions;
    use diesel::prelude::*;
    app.state
        .context()
        .write_plain(move |c| {
            let rows: Vec<(String, chrono::NaiveDateTime, chrono::NaiveDateTime)> = sessions::table
                .filter(sessions::user_id.eq(user.to_string()))
                .select((sessions::id, sessions::last_seen_at, sessions::created_at))
                .load(c)?;
            let back = chrono::Duration::seconds(secs);
            for (id, seen, created) in rows {
                diesel::update(sessions::table.find(id))
                    .set((sessions::last_seen_at.eq(seen - back), sessions::created_at.eq(created - back)))
                    .execute(c)?;
            }
            // Nodes trust the sessions they verified until the revocation counter moves;
            // a change made beneath them, straight in the database, must move it too.
            custodia::auth::revocation::bump(c)
        })
        .await
        .unwrap();
}

/// The attack run's finding: with `session_idle_minutes = 1`, a token used every 15 s
/// died together with an idle one. The idle limit counts from the last use.
#[tokio::test]
async fn a_session_used_every_15_seconds_outlives_a_one_minute_idle_limit() {
    let app = spawn_app_with(|s| s.auth.session_idle_minutes = 1).await;
    let busy = app.add_user("busy", Role::Documenter).await;
    let idle = app.add_user("idle", Role::Documenter).await;
    let (busy_token, idle_token) = (app.login("busy", PASSWORD).await, app.login("idle", PASSWORD).await);
    for step in 1..=12 {
        age_sessions(&app, busy, 15).await;
        age_sessions(&app, idle, 15).await;
        assert_eq!(app.get("/api/v1/auth/me", &busy_token).await.status(), 200, "after {} s", step * 15);
    }
    // Three minutes on, the busy session lives; the one never used since sign-in is over.
    assert_eq!(app.get("/api/v1/auth/me", &idle_token).await.status(), 401);
    // And the busy one ends a minute after its last use.
    age_sessions(&app, busy, 61).await;
    assert_eq!(app.get("/api/v1/auth/me", &busy_token).await.status(), 401);
}
