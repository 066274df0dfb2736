//! The tamper-evident audit log on the real store: RFC 9162 proofs at edge sizes,
//! detection of every kind of tampering, an entry for every audited action, and no
//! action without its entry.

use custodia::audit::checkpoint::NoteVerifier;
use custodia::audit::{self, Actor, Entry, checkpoints, merkle, tree, verify};
use custodia::domain::Role;
use custodia::store::{Db, DbConnection, migrate, write_transaction};
use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixtures::draft_testimony;
use crate::helpers::*;

fn append_n(conn: &mut DbConnection, n: u64) {
    for i in 0..n {
        write_transaction(conn, |c| {
            audit::append(c, &Entry::new(Actor::default(), "test.entry").detail("i", i))
        })
        .unwrap();
    }
}

#[tokio::test]
async fn stored_tree_proofs_hold_at_edge_sizes() {
    let db = TestDb::new();
    let pool = Db::connect(&test_settings(&db).database).unwrap();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        migrate::run_pending(&mut conn).unwrap();
        let mut heads: Vec<(u64, merkle::Hash)> = Vec::new();
        for target in [1u64, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33] {
            let (size, _) = tree::head(&mut conn).unwrap();
            append_n(&mut conn, target - size);
            let (size, root) = tree::head(&mut conn).unwrap();
            assert_eq!(size, target);
            assert_eq!(tree::root_at(&mut conn, size).unwrap(), root, "root from stored subtrees");
            for index in 0..size {
                let entry = audit::query::entry(&mut conn, index as i64).unwrap();
                let leaf = merkle::leaf_hash(&audit::canonical_bytes(&entry));
                let proof = tree::inclusion_proof(&mut conn, index, size).unwrap();
                merkle::verify_inclusion(&leaf, index, size, &proof, &root)
                    .unwrap_or_else(|e| panic!("inclusion {index} in {size}: {e}"));
            }
            for (old, old_root) in &heads {
                let proof = tree::consistency_proof(&mut conn, *old, size).unwrap();
                merkle::verify_consistency(*old, size, old_root, &root, &proof)
                    .unwrap_or_else(|e| panic!("consistency {old} -> {size}: {e}"));
            }
            heads.push((size, root));
        }
    })
    .await
    .unwrap();
}

/// An app whose log has entries and two signed checkpoints.
async fn app_with_checkpoints() -> TestApp {
    let app = spawn_app().await;
    for _ in 0..3 {
        app.user_with_token(Role::Lawyer).await;
    }
    app.get("/api/v1/audit/checkpoint", &app.admin).await;
    app.login_response("nobody", "wrong password", None).await;
    app.user_with_token(Role::Documenter).await;
    app.get("/api/v1/audit/checkpoint", &app.admin).await;
    app
}

async fn verify_now(app: &TestApp, trusted: Option<String>) -> verify::Report {
    app.state.context().read(move |c| verify::verify_log(c, trusted.as_deref(), None, &|_| {})).await.unwrap()
}

async fn sql(app: &TestApp, statement: &str) {
    let statement = statement.to_owned();
    app.state.context().read(move |c| Ok(diesel::sql_query(statement).execute(c).map(drop)?)).await.unwrap();
}

#[tokio::test]
async fn an_untouched_log_verifies() {
    let app = app_with_checkpoints().await;
    let report = verify_now(&app, None).await;
    assert!(report.ok(), "{:?}", report.problems);
    assert!(report.used_stored_key);
    assert_eq!(report.checkpoints_checked, 2);
    assert!(report.entries >= 10);
}

#[tokio::test]
async fn editing_deleting_reordering_or_truncating_entries_is_detected() {
    // (tampering, the first bad entry `verify` must name)
    let cases: [(&str, Option<u64>); 4] = [
        ("UPDATE audit_log SET action = 'logout' WHERE seq = 3", Some(3)),
        ("DELETE FROM audit_log WHERE seq = 4", Some(4)),
        (
            "UPDATE audit_log SET seq = -1 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 5; UPDATE audit_log SET seq = 5 WHERE seq = -1",
            Some(2),
        ),
        ("DELETE FROM audit_log WHERE seq >= (SELECT MAX(seq) - 1 FROM audit_log)", None),
    ];
    for (tamper, first_bad) in cases {
        let app = app_with_checkpoints().await;
        for statement in tamper.split("; ") {
            sql(&app, statement).await;
        }
        let report = verify_now(&app, None).await;
        assert!(!report.ok(), "not detected: {tamper}");
        if let Some(seq) = first_bad {
            assert_eq!(report.first_bad_entry, Some(seq), "{tamper}: {:?}", report.problems);
        }
    }
}

#[tokio::test]
async fn a_rewritten_entry_with_a_recomputed_hash_breaks_the_signed_checkpoint() {
    let app = app_with_checkpoints().await;
    app.state
        .context()
        .read(|c| {
            use custodia::store::schema::audit_log::dsl::*;
            let mut entry = audit::query::entry(c, 1)?;
            entry.action = "logout".into();
            let forged = merkle::leaf_hash(&audit::canonical_bytes(&entry));
            diesel::update(audit_log.find(1_i64))
                .set((action.eq("logout"), leaf_hash.eq(forged.to_vec())))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    let report = verify_now(&app, None).await;
    assert!(report.problems.iter().any(|p| p.contains("signed checkpoint")), "{:?}", report.problems);
}

#[tokio::test]
async fn the_service_never_signs_a_head_inconsistent_with_its_last_checkpoint() {
    let app = app_with_checkpoints().await;
    app.state
        .context()
        .read(|c| {
            use custodia::store::schema::audit_nodes::dsl::*;
            diesel::update(audit_nodes.filter(idx.eq(0_i64))).set(hash.eq(vec![0u8; 32])).execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    app.user_with_token(Role::Lawyer).await;
    let res = app.get("/api/v1/audit/checkpoint", &app.admin).await;
    let body = assert_problem(res, 500, "integrity_error").await;
    assert!(body["instance"].is_string(), "a request id to quote: {body}");
    assert!(!verify_now(&app, None).await.ok());
}

#[tokio::test]
async fn a_whole_log_forged_under_another_key_fails_against_the_published_key() {
    let app = app_with_checkpoints().await;
    let published: Value = app.get("/api/v1/audit/checkpoint", &app.admin).await.json().await.unwrap();
    let published = published["verifier_key"].as_str().unwrap().to_owned();
    // The forger replaces the signing key and re-signs everything.
    sql(&app, "DELETE FROM audit_checkpoints").await;
    sql(&app, "DELETE FROM audit_signer").await;
    sql(&app, "DELETE FROM data_keys WHERE record_table = 'audit_signer'").await;
    app.get("/api/v1/audit/checkpoint", &app.admin).await;
    let fooled = verify_now(&app, None).await;
    assert!(fooled.ok() && fooled.used_stored_key, "consistent by itself");
    let report = verify_now(&app, Some(published)).await;
    assert!(!report.ok(), "forgery must fail against the published key");
}

#[tokio::test]
async fn auditors_read_filter_prove_and_follow_custody() {
    let app = spawn_app().await;
    let (_, auditor) = app.user_with_token(Role::Auditor).await;
    let (lawyer_id, lawyer) = app.user_with_token(Role::Lawyer).await;
    app.login_response("nobody", "wrong password", None).await;

    let page: Value = app.get("/api/v1/audit?action=login_failed", &auditor).await.json().await.unwrap();
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(page["items"][0]["action"], "login_failed");
    assert!(!page.to_string().contains("nobody"), "no typed username in the log");
    let page: Value =
        app.get(&format!("/api/v1/audit?actor={lawyer_id}"), &auditor).await.json().await.unwrap();
    assert!(page["items"].as_array().unwrap().iter().all(|e| e["actor_user_id"] == lawyer_id.to_string()));
    assert_problem(
        app.get("/api/v1/audit?from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z", &auditor).await,
        400,
        "invalid_query",
    )
    .await;
    assert_problem(app.get("/api/v1/audit?from=yesterday", &auditor).await, 400, "invalid_query").await;
    assert_problem(app.get("/api/v1/audit", &lawyer).await, 403, "forbidden").await;

    // Any staff member can keep the signed head; the proof checks against it by hand.
    let head: Value = app.get("/api/v1/audit/checkpoint", &lawyer).await.json().await.unwrap();
    let verifier = NoteVerifier::parse(head["verifier_key"].as_str().unwrap()).unwrap();
    let proof: Value = app.get("/api/v1/audit/entries/2/proof", &auditor).await.json().await.unwrap();
    let checkpoint = verifier.verify(proof["checkpoint"]["note"].as_str().unwrap()).unwrap();
    let leaf = merkle::leaf_hash(proof["canonical"].as_str().unwrap().as_bytes());
    assert_eq!(hex::encode(leaf), proof["leaf_hash"]);
    let path: Vec<merkle::Hash> = proof["inclusion_proof"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| hex::decode(h.as_str().unwrap()).unwrap().try_into().unwrap())
        .collect();
    merkle::verify_inclusion(&leaf, 2, checkpoint.size, &path, &checkpoint.root).unwrap();
    assert_problem(app.get("/api/v1/audit/entries/999999/proof", &auditor).await, 404, "not_found").await;

    // The log only grew since the head the lawyer kept.
    app.user_with_token(Role::Documenter).await;
    let old = checkpoint.size;
    let c: Value =
        app.get(&format!("/api/v1/audit/consistency?from={old}"), &lawyer).await.json().await.unwrap();
    let new_root: merkle::Hash = hex::decode(c["to_root"].as_str().unwrap()).unwrap().try_into().unwrap();
    let hashes: Vec<merkle::Hash> = c["proof"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| hex::decode(h.as_str().unwrap()).unwrap().try_into().unwrap())
        .collect();
    merkle::verify_consistency(old, c["to"].as_u64().unwrap(), &checkpoint.root, &new_root, &hashes).unwrap();
    assert_problem(app.get("/api/v1/audit/consistency?from=0", &lawyer).await, 422, "validation_error").await;

    let custody: Value =
        app.get(&format!("/api/v1/audit/custody/user/{lawyer_id}"), &auditor).await.json().await.unwrap();
    let actions: Vec<&str> = custody["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["entry"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["user.create"]);
}

async fn last_action(app: &TestApp) -> String {
    app.state.context().read(|c| audit::recent(c, 1)).await.unwrap().remove(0).action
}

#[tokio::test]
async fn every_audited_action_produces_its_entry() {
    let app = spawn_app().await;
    let (uid, _) = app.user_with_token(Role::Documenter).await;
    let (_, auditor) = app.user_with_token(Role::Auditor).await;
    let admin = app.admin.clone();
    let name = app.state.auth.get_user(uid).await.unwrap().username;

    let steps: Vec<(&str, Method, String, Option<Value>)> = vec![
        (
            "user.create",
            Method::POST,
            "/api/v1/users".into(),
            Some(json!({"username": "newbie", "password": PASSWORD, "role": "lawyer"})),
        ),
        (
            "user.role_change",
            Method::PUT,
            format!("/api/v1/users/{uid}/role"),
            Some(json!({"role": "investigator"})),
        ),
        (
            "user.password_reset",
            Method::POST,
            format!("/api/v1/users/{uid}/password"),
            Some(json!({"password": PASSWORD})),
        ),
        ("user.disable", Method::POST, format!("/api/v1/users/{uid}/disable"), None),
        ("user.enable", Method::POST, format!("/api/v1/users/{uid}/enable"), None),
        (
            "role_policy.update",
            Method::PUT,
            "/api/v1/roles/lawyer".into(),
            Some(json!({"totp_required": false})),
        ),
        ("key.rotate", Method::POST, "/api/v1/system/keys/rotate".into(), None),
        ("seal", Method::POST, "/api/v1/system/seal".into(), None),
        ("unseal", Method::POST, "/api/v1/system/unseal".into(), Some(json!({}))),
        ("totp.enrol_start", Method::POST, "/api/v1/auth/totp/enrol".into(), None),
        (
            "password.change",
            Method::POST,
            "/api/v1/auth/password".into(),
            Some(json!({"current_password": PASSWORD, "new_password": PASSWORD})),
        ),
    ];
    for (action, method, path, body) in steps {
        let res = app.call(method, &path, Some(&admin), body).await;
        assert!(res.status().is_success(), "{action}: {}", res.status());
        assert_eq!(last_action(&app).await, action);
    }
    app.login(&name, PASSWORD).await;
    assert_eq!(last_action(&app).await, "login");
    app.login_response(&name, "not the password", None).await;
    assert_eq!(last_action(&app).await, "login_failed");
    app.get("/api/v1/audit", &auditor).await;
    assert_eq!(last_action(&app).await, "audit.read");
    let token = app.login(&name, PASSWORD).await;
    app.call(Method::POST, "/api/v1/auth/logout", Some(&token), None).await;
    assert_eq!(last_action(&app).await, "logout");
    // A refusal is recorded off the request path; give it a moment to land.
    app.get("/api/v1/users", &auditor).await;
    let mut seen = false;
    for _ in 0..100 {
        if last_action(&app).await == "access_denied" {
            seen = true;
            break;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(seen, "access_denied recorded");
}

/// Makes every audit entry of one of `actions` fail to be written, as a full disk would.
async fn refuse_audit_of(app: &TestApp, actions: &[&str]) {
    let list = actions.iter().map(|a| format!("'{a}'")).collect::<Vec<_>>().join(", ");
    let trigger = if app.db.is_postgres() {
        vec![
            format!("CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN IF NEW.action IN ({list}) THEN RAISE EXCEPTION 'database or disk is full'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"),
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()".to_owned(),
        ]
    } else {
        vec![format!(
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log WHEN NEW.action IN ({list}) BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        )]
    };
    for statement in trigger {
        sql(app, &statement).await;
    }
}

#[tokio::test]
async fn an_action_whose_audit_entry_cannot_be_written_fails_whole() {
    let app = spawn_app().await;
    refuse_audit_of(&app, &["user.create"]).await;
    let res = app
        .post(
            "/api/v1/users",
            &app.admin,
            json!({"username": "ghost", "password": PASSWORD, "role": "lawyer"}),
        )
        .await;
    assert_problem(res, 503, "unavailable").await;
    assert!(app.state.auth.find_user_id("ghost").await.is_err(), "no user without its audit entry");
    let report = verify_now(&app, None).await;
    assert!(report.ok(), "{:?}", report.problems);
    let _ = checkpoints::latest;
}

/// Reads run on a snapshot before their audit entry is written (on SQLite); nothing of
/// what they found may leave if the entry cannot be written.
#[tokio::test]
async fn a_read_whose_audit_entry_cannot_be_written_releases_nothing() {
    let app = spawn_app().await;
    let (token, testimony) = draft_testimony(&app).await;
    let res = app.get(&format!("/api/v1/testimonies/{testimony}"), &token).await;
    assert_eq!(res.status(), 200, "readable before");
    refuse_audit_of(&app, &["testimony.read", "search"]).await;

    let res = app.get(&format!("/api/v1/testimonies/{testimony}"), &token).await;
    let body = assert_problem(res, 503, "unavailable").await;
    assert!(body.get("account").is_none());
    let res = app.post("/api/v1/search", &token, json!({"q": "witness"})).await;
    assert_problem(res, 503, "unavailable").await;
    let reads = app.audit_actions().await.iter().filter(|a| *a == "testimony.read").count();
    assert_eq!(reads, 1, "only the read that was released is recorded");
    let report = verify_now(&app, None).await;
    assert!(report.ok(), "{:?}", report.problems);
}
