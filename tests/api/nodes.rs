//! Several nodes on one database (issue 21): two `Services` opened on the same database
//! and key file stand for two nodes. Export builds are claimed from the database, login
//! failures are counted there, one checkpoint is signed at a time, a rotation through one
//! node is used by the other, and an emergency seal through one reaches the other.
//! The server's own poll is turned off (`poll_interval_secs`), so each test drives the
//! nodes' polls itself and nothing waits.

use chrono::TimeDelta;
use custodia::access::Allowed;
use custodia::access::policy::act;
use custodia::audit::Actor;
use custodia::domain::Role;
use custodia::error::Error;
use custodia::export::job::{BundleInput, BundleStatus};
use custodia::export::queue::{self, Claimed, MAX_ATTEMPTS};
use custodia::keys::store as key_store;
use custodia::services::Services;
use custodia::store::schema::{audit_log, bundle_claims, bundles, data_keys, users};
use diesel::prelude::*;
use secrecy::SecretString;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::*;

async fn node_a() -> TestApp {
    spawn_app_with(|s| s.cluster.poll_interval_secs = 86_400).await
}

/// Another node on `app`'s database and key file.
async fn node(app: &TestApp, name: &str) -> Services {
    let mut settings = test_settings(&app.db);
    settings.cluster.node_id = name.to_owned();
    Services::open(&settings, false).await.expect("second node opens")
}

/// A lawyer's export of an empty case, queued (not built).
struct Queued {
    bundle: Uuid,
    lawyer_id: Uuid,
    lawyer: String,
    case: CaseId,
}

async fn queued_export(app: &TestApp) -> Queued {
    let (lawyer_id, lawyer) = app.user_with_token(Role::Lawyer).await;
    let (_, doc) = app.user_with_token(Role::Documenter).await;
    let case = app.create_case(&doc, NewCase::new("N-0001", "Two nodes")).await.id;
    app.add_member(&case, lawyer_id).await;
    Queued { bundle: queue_more(app, &lawyer, &case).await, lawyer_id, lawyer, case }
}

async fn queue_more(app: &TestApp, lawyer: &str, case: &CaseId) -> Uuid {
    let (principal, _) = app.state.auth.authenticate(lawyer).await.unwrap();
    let allowed = Allowed::<act::BundleExport>::check(principal).unwrap();
    let input: BundleInput =
        serde_json::from_value(json!({"recipient": "prosecutors", "password": PASSWORD})).unwrap();
    let case = Uuid::parse_str(case.as_str()).unwrap();
    let (view, _) = app.state.bundles.queue(&allowed, case, input).await.unwrap();
    assert_eq!(view.status, BundleStatus::Queued);
    view.id
}

async fn claim_next(s: &Services) -> Option<Claimed> {
    let node = s.node_id().to_owned();
    let now = s.context().clock().now_naive();
    s.context().write_plain(move |c| queue::claim_next(c, &node, now, TimeDelta::seconds(60))).await.unwrap()
}

/// The lease of a bundle's claim runs out (its node died).
async fn expire_lease(s: &Services, bundle: Uuid) {
    s.context()
        .write_plain(move |c| {
            let past = chrono::DateTime::from_timestamp(946_684_800, 0).unwrap().naive_utc();
            diesel::update(bundle_claims::table.find(bundle.to_string()))
                .set(bundle_claims::lease_until.eq(past))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
}

async fn bundle_row(s: &Services, bundle: Uuid) -> (String, Option<String>, i32) {
    s.context()
        .read(move |c| {
            Ok(bundles::table
                .inner_join(bundle_claims::table)
                .filter(bundles::id.eq(bundle.to_string()))
                .select((bundles::status, bundles::error, bundle_claims::attempts))
                .first(c)?)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_build_whose_node_died_is_built_by_another_node_and_the_dead_claim_writes_nothing() {
    let app = node_a().await;
    let bundle = queued_export(&app).await.bundle;
    // Node A claims the build, then dies mid-build: its lease runs out.
    let dead = app.state.bundles.claim(bundle).await.unwrap().expect("A claims its own export");
    assert_eq!(dead.attempt, 1);
    let b = node(&app, "node-b").await;
    assert!(claim_next(&b).await.is_none(), "a live lease is not taken over");
    expire_lease(&b, bundle).await;

    let claimed = claim_next(&b).await.expect("B takes over the dead node's build");
    assert_eq!((claimed.claim.node.as_str(), claimed.claim.attempt), ("node-b", 2));
    let built = b.bundles.build_claimed(claimed).await.unwrap();
    assert_eq!(built.status, BundleStatus::Ready);
    assert!(built.archive_sha256.is_some());

    // A's late renewal and outcome are refused: the claim is B's now.
    let late_lease = dead.clone();
    let renewed = app
        .state
        .context()
        .write_plain(move |c| queue::renew(c, &late_lease, chrono::Utc::now().naive_utc()))
        .await
        .unwrap();
    assert!(!renewed, "a lost claim is not renewed");
    let late = app.state.context().write_plain(move |c| queue::hold(c, &dead)).await;
    assert!(matches!(late, Err(Error::Conflict("bundle_claim_lost"))), "{late:?}");
    assert_eq!(bundle_row(&b, bundle).await.0, "ready");
}

#[tokio::test]
async fn two_nodes_never_claim_the_same_build() {
    let app = node_a().await;
    let q = queued_export(&app).await;
    let first = q.bundle;
    let mut queued = vec![first];
    for _ in 0..5 {
        queued.push(queue_more(&app, &q.lawyer, &q.case).await);
    }
    let b = node(&app, "node-b").await;

    // One bundle asked of both at once: exactly one gets it.
    let (x, y) = tokio::join!(app.state.bundles.claim(first), b.bundles.claim(first));
    assert_eq!(x.unwrap().is_some() as u8 + y.unwrap().is_some() as u8, 1);

    // The rest, drained by both nodes concurrently: each claimed once.
    let drain = |s: &'static Services| async move {
        let mut got = Vec::new();
        while let Some(c) = claim_next(s).await {
            got.push(c.claim.bundle);
        }
        got
    };
    let a: &'static Services = Box::leak(Box::new(node(&app, "node-a2").await));
    let b: &'static Services = Box::leak(Box::new(b));
    let (from_a, from_b) = tokio::join!(drain(a), drain(b));
    let mut all: Vec<Uuid> = from_a.iter().chain(&from_b).copied().collect();
    all.sort();
    let mut expected: Vec<Uuid> = queued[1..].to_vec();
    expected.sort();
    assert_eq!(all, expected, "a: {from_a:?}, b: {from_b:?}");
}

#[tokio::test]
async fn a_build_out_of_attempts_fails_with_a_clear_code_and_is_audited() {
    let app = node_a().await;
    let bundle = queued_export(&app).await.bundle;
    let b = node(&app, "node-b").await;
    for attempt in 1..=MAX_ATTEMPTS {
        let claimed = claim_next(&b).await.expect("claimable again once its lease ran out");
        assert_eq!(claimed.claim.attempt, attempt);
        expire_lease(&b, bundle).await;
    }
    assert!(claim_next(&b).await.is_none());
    let (status, error, attempts) = bundle_row(&b, bundle).await;
    assert_eq!(
        (status.as_str(), error.as_deref(), attempts),
        ("failed", Some("attempts_exhausted"), MAX_ATTEMPTS)
    );
    let reasons: Vec<String> = b
        .context()
        .read(|c| {
            Ok(audit_log::table
                .filter(audit_log::action.eq("bundle.export"))
                .filter(audit_log::outcome.eq("failure"))
                .select(audit_log::details)
                .load(c)?)
        })
        .await
        .unwrap();
    assert_eq!(reasons.len(), 1);
    assert!(reasons[0].contains("attempts_exhausted"), "{reasons:?}");
}

#[tokio::test]
async fn a_deactivated_requesters_queued_build_fails_as_requester_inactive() {
    let app = node_a().await;
    let Queued { bundle, lawyer_id: lawyer, .. } = queued_export(&app).await;
    app.state
        .context()
        .write_plain(move |c| {
            diesel::update(users::table.find(lawyer.to_string())).set(users::disabled.eq(true)).execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    let b = node(&app, "node-b").await;
    let claimed = claim_next(&b).await.unwrap();
    let refused = b.bundles.build_claimed(claimed).await;
    assert!(matches!(refused, Err(Error::Conflict("requester_inactive"))), "{refused:?}");
    let (status, error, _) = bundle_row(&b, bundle).await;
    assert_eq!((status.as_str(), error.as_deref()), ("failed", Some("requester_inactive")));
}

#[tokio::test]
async fn a_node_releases_at_start_the_builds_it_had_claimed() {
    let app = node_a().await;
    let bundle = queued_export(&app).await.bundle;
    let b = node(&app, "node-b").await;
    assert!(claim_next(&b).await.is_some());
    drop(b);
    // Restarted under the same name: its build is queued again, for any node.
    let b = node(&app, "node-b").await;
    assert_eq!(b.bundles.release_own().await.unwrap(), 1);
    assert_eq!(bundle_row(&b, bundle).await.0, "queued");
    let c = node(&app, "node-c").await;
    assert_eq!(claim_next(&c).await.unwrap().claim.attempt, 2);
}

#[tokio::test]
async fn login_failures_through_one_node_lock_the_account_on_the_other() {
    let app = node_a().await;
    app.add_user("shared", Role::Lawyer).await;
    let b = node(&app, "node-b").await;
    let max = test_settings(&app.db).auth.max_failures_per_account;
    for i in 0..max {
        // Alternating nodes: the count is the database's, not either node's.
        let node = if i % 2 == 0 { app.state.get_ref() } else { &b };
        let failed = node.auth.login("shared", SecretString::from("wrong"), None, None).await;
        assert!(matches!(failed, Err(Error::InvalidCredentials)), "{failed:?}");
    }
    let locked = b.auth.login("shared", SecretString::from(PASSWORD), None, None).await;
    assert!(matches!(locked, Err(Error::RateLimited { .. })), "{locked:?}");
    let locked = app.state.auth.login("SHARED", SecretString::from(PASSWORD), None, None).await;
    assert!(matches!(locked, Err(Error::RateLimited { .. })), "{locked:?}");
    // Neither the name nor anything readable is stored: only HMACs.
    let stored: Vec<Vec<u8>> = b
        .context()
        .read(|c| {
            use custodia::store::schema::login_failures;
            Ok(login_failures::table.select(login_failures::subject).load(c)?)
        })
        .await
        .unwrap();
    assert_eq!(stored.len(), max as usize);
    assert!(stored.iter().all(|s| s.len() == 32 && !s.windows(6).any(|w| w == b"shared")));
    // Kept for the window only: the poll prunes them once it has passed.
    assert_eq!(b.auth.prune_failures().await.unwrap(), 0, "still in the window");
    let window = TimeDelta::minutes(test_settings(&app.db).auth.failure_window_minutes);
    let later = b.context().clock().now_naive() + window;
    let pruned = b.context().write_plain(move |c| custodia::auth::failures::prune(c, window, later)).await;
    assert_eq!(pruned.unwrap(), max as usize);
}

#[tokio::test]
async fn two_nodes_checkpointing_at_once_sign_consistent_heads() {
    let app = node_a().await;
    let b = node(&app, "node-b").await;
    for round in 0..4 {
        for n in 0..3 {
            audit_probe(if n % 2 == 0 { app.state.get_ref() } else { &b }, round).await;
        }
        let (x, y) = tokio::join!(app.state.audit.checkpoint_if_grown(), b.audit.checkpoint_if_grown());
        x.unwrap();
        y.unwrap();
    }
    let report =
        b.context().read(|c| custodia::audit::verify::verify_log(c, None, None, &|_| {})).await.unwrap();
    assert!(report.ok(), "{:?}", report.problems);
    assert!(report.checkpoints_checked >= 4, "{}", report.checkpoints_checked);
    // Never two checkpoints of one size with different roots.
    let heads: Vec<(i64, Vec<u8>)> = b
        .context()
        .read(|c| {
            use custodia::store::schema::audit_checkpoints;
            Ok(audit_checkpoints::table
                .select((audit_checkpoints::size, audit_checkpoints::root))
                .order(audit_checkpoints::size)
                .load(c)?)
        })
        .await
        .unwrap();
    for pair in heads.windows(2) {
        assert!(pair[0].0 < pair[1].0 || pair[0] == pair[1], "{heads:?}");
    }
}

/// An audited write on node `s`.
async fn audit_probe(s: &Services, round: i32) {
    s.context()
        .write_plain(move |c| {
            let entry = custodia::audit::Entry::new(Actor::default(), "audit.read").detail("round", round);
            custodia::audit::append(c, &entry).map(drop)
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn a_rotation_through_one_node_is_used_by_the_other() {
    let app = node_a().await;
    let b = node(&app, "node-b").await;
    let before = b.keys.generation().unwrap();
    let version = app.state.keys.rotate(Actor::default()).await.unwrap();
    assert_eq!(version, 2);
    // A writes a record key under the new KEK; B has not polled yet.
    app.state
        .context()
        .write(|c, k| key_store::create_record_key(c, k, "cases", "after-rotation").map(drop))
        .await
        .unwrap();
    assert_eq!(b.keys.generation(), Some(before), "B has not looked yet");
    let opened =
        b.context().write(|c, k| key_store::record_key(c, k, "cases", "after-rotation").map(drop)).await;
    assert!(opened.is_ok(), "B opens what A wrote under the new key: {opened:?}");

    // B's poll (called here, not waited for) keeps it on the new primary.
    b.keys.reload_if_changed().await.unwrap();
    assert_eq!(b.keys.generation(), app.state.keys.generation());
    let status: serde_json::Value = app.get("/api/v1/system/status", &app.admin).await.json().await.unwrap();
    assert_eq!(status["key_generation"].as_i64(), b.keys.generation());
    assert_eq!(status["sealed"].as_bool(), Some(false));
    b.context().write(|c, k| key_store::create_record_key(c, k, "cases", "from-b").map(drop)).await.unwrap();
    let used: i64 = b
        .context()
        .read(|c| Ok(data_keys::table.find(("cases", "from-b")).select(data_keys::kek_version).first(c)?))
        .await
        .unwrap();
    assert_eq!(used, 2);

    // A rotation from a node that missed another's builds on it rather than over it.
    let stale = node(&app, "node-c").await;
    app.state.keys.rotate(Actor::default()).await.unwrap();
    assert_eq!(stale.keys.rotate(Actor::default()).await.unwrap(), 4, "it reloads first, then rotates");
}

#[tokio::test]
async fn an_emergency_seal_through_one_node_reaches_the_other() {
    let app = node_a().await;
    let b = node(&app, "node-b").await;
    let res = app.post("/api/v1/system/seal", &app.admin, json!({})).await;
    assert_eq!(res.status(), 204);
    assert!(app.state.keys.is_sealed());
    // Observable through the API of the sealed node.
    let status: serde_json::Value = app.get("/api/v1/system/status", &app.admin).await.json().await.unwrap();
    assert_eq!((status["sealed"].as_bool(), status["cluster_sealed"].as_bool()), (Some(true), Some(true)));
    assert_eq!(status["node_id"].as_str(), Some(app.state.node_id()));
    assert!(status["key_generation"].is_null());
    assert!(!b.keys.is_sealed(), "not before its poll");

    // A node starting while the seal stands stays sealed (its key file notwithstanding).
    let c = node(&app, "node-c").await;
    assert!(c.keys.is_sealed());

    b.poll().await.unwrap();
    assert!(b.keys.is_sealed(), "B's poll sealed B");
    let status = b.status().await.unwrap();
    assert!(status.sealed && status.cluster_sealed && status.node_id == "node-b");

    // Each node is unsealed on its own: B's unseal leaves A sealed, and B stays open.
    b.keys.unseal_stored(Actor::default()).await.unwrap();
    b.poll().await.unwrap();
    assert!(!b.keys.is_sealed());
    assert!(app.state.keys.is_sealed());
    assert!(!b.status().await.unwrap().cluster_sealed, "the first unseal lifts the standing seal");

    let actions: Vec<String> = b
        .context()
        .read(|c| {
            Ok(audit_log::table
                .filter(audit_log::action.like("seal%").or(audit_log::action.eq("unseal")))
                .order(audit_log::seq)
                .select(audit_log::action)
                .load(c)?)
        })
        .await
        .unwrap();
    assert_eq!(actions, ["seal", "seal.cluster", "unseal"]);
}

/// On PostgreSQL, while another node holds the rewrap lock a second rewrap is refused with
/// a clear 409, and while it holds the checkpoint lock a node signs nothing (that node
/// signs); once released, both proceed. SQLite has one writer and takes no lock.
#[tokio::test]
async fn rewraps_and_checkpoints_wait_for_the_node_holding_their_lock() {
    use custodia::cluster::Lock;
    let app = node_a().await;
    audit_probe(app.state.get_ref(), 0).await;
    let holder = app.db.is_postgres().then(|| {
        let mut other = diesel::PgConnection::establish(app.db.url()).unwrap();
        for lock in [Lock::Rewrap, Lock::Checkpoint] {
            diesel::sql_query(format!("SELECT pg_advisory_lock({})", lock as i64))
                .execute(&mut other)
                .unwrap();
        }
        other
    });
    let checkpoints = || {
        app.state.context().read(|c| {
            use custodia::store::schema::audit_checkpoints;
            Ok(audit_checkpoints::table.count().get_result::<i64>(c)?)
        })
    };
    let before = checkpoints().await.unwrap();
    let rewrap = app.state.keys.rewrap_batch(Actor::default(), 10).await;
    app.state.audit.checkpoint_if_grown().await.unwrap();
    if let Some(mut other) = holder {
        assert!(matches!(rewrap, Err(Error::Conflict("rewrap_in_progress"))), "{rewrap:?}");
        assert_eq!(checkpoints().await.unwrap(), before, "the holder signs, not this node");
        diesel::sql_query("SELECT pg_advisory_unlock_all()").execute(&mut other).unwrap();
        app.state.keys.rewrap_batch(Actor::default(), 10).await.unwrap();
        app.state.audit.checkpoint_if_grown().await.unwrap();
    } else {
        rewrap.unwrap();
    }
    assert_eq!(checkpoints().await.unwrap(), before + 1);
}

/// `custodia keys seal`, run on any machine with the configuration, seals every running
/// node at its next poll; the command line itself then starts sealed while the seal stands.
#[tokio::test]
async fn the_command_lines_emergency_seal_reaches_a_running_node() {
    let app = node_a().await;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_custodia"));
    cmd.env("CUSTODIA_CONFIG_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/config"))
        .env("CUSTODIA_ENV", "test")
        .env("CUSTODIA__DATABASE__URL", app.db.url())
        .env("CUSTODIA__KEYS__KEY_FILE", app.db.dir.path().join("root.key"))
        .env("CUSTODIA__STORAGE__BLOB_DIR", app.db.dir.path().join("blobs"))
        .args(["keys", "seal"]);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap()).await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!app.state.keys.is_sealed(), "not before its poll");
    app.state.poll().await.unwrap();
    assert!(app.state.keys.is_sealed(), "the poll sealed the running node");
}
