//! Two nodes: two real `custodia` processes on one PostgreSQL database (a fresh schema)
//! and one blob store (the Garage bucket of `.ci/garage.sh` when `CUSTODIA_TEST_S3_*` is
//! set, else one blob folder both processes share), each with its own
//! `CUSTODIA__CLUSTER__NODE_ID`, driven alternately through their HTTP APIs. Each check is
//! a step of its own, printed as it passes:
//!
//! 1. a session made on node A works on node B, and a sign-out on B ends it on A;
//! 2. an attachment uploaded through A downloads through B byte for byte;
//! 3. a key rotation through A: B reads what A wrote under the new key at once, and
//!    after B's next poll B writes under it too;
//! 4. a bundle queued on A, its builder SIGKILLed while the bundle is `building` with
//!    part of its archive written (progress above 0; a large attachment slows the build;
//!    A starts it at once, but should B's poll have claimed it first, B is the one
//!    killed), is built by the other node once the lease runs out — its claim and two
//!    attempts read from `bundle_claims` — and `custodia bundle verify` passes; the
//!    killed node restarts under its name;
//! 5. checkpoints signed through A and then B are consistent, and the audit log holds
//!    entries made through each node;
//! 6. an emergency seal through A seals B within its poll interval;
//! 7. both stopped, `custodia audit verify` passes with every checkpoint and the two
//!    checkpoints kept in step 5.
//!
//! Ignored by `cargo test` (it kills processes); `.ci/run` runs it on the PostgreSQL half:
//! `cargo test --all-features --test cluster -- --ignored --nocapture`. Without
//! `CUSTODIA_TEST_POSTGRES_URL` it skips with a note, or fails when
//! `CUSTODIA_REQUIRE_TOOLS=1`. `CUSTODIA_CLUSTER_ATTACHMENT_MIB` (default 16) sizes the
//! attachment that keeps the build busy long enough to be killed mid-way.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed step should stop the test

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::connection::SimpleConnection;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Digest;

#[path = "process/mod.rs"]
mod process;
use process::{Server, bin, free_port};

const PASSWORD: &str = "correct horse battery staple";
/// Seconds between a node's polls of the shared state (keyring, seal, export jobs).
const POLL_SECS: u64 = 1;
/// An export job's lease: how long a dead node's build waits before another retries it.
const LEASE_SECS: u64 = 5;

/// One node: a `custodia serve` under its `node_id`.
struct Node {
    name: &'static str,
    server: Server,
}

impl std::ops::Deref for Node {
    type Target = Server;
    fn deref(&self) -> &Server {
        &self.server
    }
}

impl std::ops::DerefMut for Node {
    fn deref_mut(&mut self) -> &mut Server {
        &mut self.server
    }
}

struct PgSchema {
    base: String,
    schema: String,
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        if let Ok(mut c) = diesel::PgConnection::establish(&self.base) {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema));
        }
    }
}

/// The settings both nodes share: the database, the root key file and the blob store.
fn shared_env(dir: &Path, pg_base: &str) -> (Vec<(String, String)>, PgSchema, &'static str) {
    let schema = format!("cluster_{}", uuid::Uuid::new_v4().simple());
    let mut c = diesel::PgConnection::establish(pg_base).expect("CUSTODIA_TEST_POSTGRES_URL unreachable");
    c.batch_execute(&format!("CREATE SCHEMA {schema}")).unwrap();
    let sep = if pg_base.contains('?') { '&' } else { '?' };
    let url = format!("{pg_base}{sep}options=-csearch_path%3D{schema}");
    let mut env: Vec<(String, String)> = vec![
        ("CUSTODIA__DATABASE__URL".into(), url),
        ("CUSTODIA__DATABASE__POOL_SIZE".into(), "4".into()),
        ("CUSTODIA__SERVER__WORKERS".into(), "2".into()),
        ("CUSTODIA__KEYS__KEY_FILE".into(), dir.join("root.key").display().to_string()),
        ("CUSTODIA__KEYS__AUTO_INIT".into(), "false".into()),
        ("CUSTODIA__KEYS__RELOAD_INTERVAL_SECS".into(), POLL_SECS.to_string()),
        ("CUSTODIA__AUDIT__CHECKPOINT_INTERVAL_SECS".into(), "1".into()),
        ("CUSTODIA__CLUSTER__POLL_INTERVAL_SECS".into(), POLL_SECS.to_string()),
        ("CUSTODIA__CLUSTER__JOB_LEASE_SECS".into(), LEASE_SECS.to_string()),
        // Both nodes send their logs to files; keep them readable when a step fails.
        ("CUSTODIA__LOG__LEVEL".into(), "info".into()),
    ];
    let store = match std::env::var("CUSTODIA_TEST_S3_ENDPOINT").ok().filter(|s| !s.is_empty()) {
        Some(endpoint) => {
            let var = |k: &str| std::env::var(format!("CUSTODIA_TEST_S3_{k}")).unwrap_or_default();
            env.extend([
                ("CUSTODIA__STORAGE__KIND".into(), "s3".into()),
                ("CUSTODIA__STORAGE__S3__ENDPOINT".into(), endpoint),
                ("CUSTODIA__STORAGE__S3__BUCKET".into(), var("BUCKET")),
                ("CUSTODIA__STORAGE__S3__REGION".into(), var("REGION")),
                ("CUSTODIA__STORAGE__S3__ACCESS_KEY_ID".into(), var("ACCESS_KEY_ID")),
                ("CUSTODIA__STORAGE__S3__SECRET_ACCESS_KEY".into(), var("SECRET_ACCESS_KEY")),
                ("CUSTODIA__STORAGE__S3__PREFIX".into(), format!("c-{}/", uuid::Uuid::new_v4().simple())),
            ]);
            "the S3 bucket"
        }
        None => {
            env.push(("CUSTODIA__STORAGE__BLOB_DIR".into(), dir.join("blobs").display().to_string()));
            "a shared blob folder"
        }
    };
    (env, PgSchema { base: pg_base.to_owned(), schema }, store)
}

fn node(name: &'static str, dir: &Path, shared: &[(String, String)]) -> Node {
    let port = free_port();
    let mut env = shared.to_vec();
    env.push(("CUSTODIA__SERVER__PORT".into(), port.to_string()));
    env.push(("CUSTODIA__CLUSTER__NODE_ID".into(), name.into()));
    Node { name, server: Server::new(env, port, dir.join(format!("{name}.log"))) }
}

/// Runs the CLI with `node`'s settings; its stdout, or a failure naming `what`.
fn cli(node: &Node, args: &[&str], stdin: Option<&str>, what: &str) -> String {
    let mut c = node.command();
    c.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    if let Some(input) = stdin {
        use std::io::Write;
        writeln!(child.stdin.take().unwrap(), "{input}").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{what}: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

async fn wait_ready(client: &reqwest::Client, node: &Node) {
    assert!(node.ready(client).await, "node {} did not come up:\n{}", node.name, node.log_tail());
}

/// Polls `probe` until it returns Some, for at most `limit`; the failure names `what`.
async fn until<T, F, Fut>(limit: Duration, what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A step of the test: printed when it starts and when it passes.
struct Step {
    name: &'static str,
    started: Instant,
}

fn step(n: u8, name: &'static str) -> Step {
    println!("step {n}: {name} …");
    Step { name, started: Instant::now() }
}

impl Step {
    fn passed(self) {
        println!("  passed in {:.1?}: {}", self.started.elapsed(), self.name);
    }
}

struct Api {
    client: reqwest::Client,
}

impl Api {
    async fn send(&self, req: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let res = req.send().await.unwrap();
        let status = res.status();
        let bytes = res.bytes().await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    async fn get(&self, node: &Node, path: &str, token: &str) -> (StatusCode, Value) {
        self.send(self.client.get(node.url(path)).bearer_auth(token)).await
    }

    async fn post(&self, node: &Node, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.client.post(node.url(path)).bearer_auth(token).json(&body)).await
    }

    /// A 2xx answer's body; anything else fails naming `what` and the node.
    async fn ok(&self, node: &Node, what: &str, answer: (StatusCode, Value)) -> Value {
        let (status, body) = answer;
        assert!(status.is_success(), "{what} through node {}: {status} {body}", node.name);
        body
    }

    async fn login(&self, node: &Node, user: &str) -> String {
        let answer = self
            .send(
                self.client
                    .post(node.url("/api/v1/auth/login"))
                    .json(&json!({"username": user, "password": PASSWORD})),
            )
            .await;
        let body = self.ok(node, &format!("login as {user}"), answer).await;
        body["token"].as_str().unwrap().to_owned()
    }

    async fn testimony(&self, node: &Node, token: &str, case: &str, witness: &str, account: &str) -> String {
        let body = json!({
            "witness_id": witness, "languages": ["en"], "source_connection": "victim", "account": account,
            "consent": {"share_with": {"prosecutors": true}, "may_be_named": false, "given_on": "2021-01-01",
                        "how_given": "written", "text_version": "1"}
        });
        let answer = self.post(node, &format!("/api/v1/cases/{case}/testimonies"), token, body).await;
        self.ok(node, "record a testimony", answer).await["id"].as_str().unwrap().to_owned()
    }

    async fn key_status(&self, node: &Node, admin: &str) -> Value {
        let answer = self.get(node, "/api/v1/system/keys", admin).await;
        self.ok(node, "key status", answer).await
    }

    /// How many audit entries match the query (as the auditor sees them, through `node`).
    async fn audited(&self, node: &Node, auditor: &str, query: &str) -> u64 {
        let answer = self.get(node, &format!("/api/v1/audit?{query}"), auditor).await;
        self.ok(node, "audit query", answer).await["total"].as_u64().unwrap()
    }
}

/// Who holds the export build of `bundle`, and how many claims it has had (the
/// `bundle_claims` row of migration 000014), read straight from the database.
fn claim(db_url: &str, bundle: &str) -> Option<(String, i32)> {
    #[derive(diesel::QueryableByName)]
    struct Claim {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        claimed_by: Option<String>,
        #[diesel(sql_type = diesel::sql_types::Integer)]
        attempts: i32,
    }
    let mut c = diesel::PgConnection::establish(db_url).unwrap();
    let row: Claim = diesel::RunQueryDsl::get_result(
        diesel::sql_query("SELECT claimed_by, attempts FROM bundle_claims WHERE bundle_id = $1")
            .bind::<diesel::sql_types::Text, _>(bundle),
        &mut c,
    )
    .ok()?;
    Some((row.claimed_by?, row.attempts))
}

/// `len` bytes that do not compress, the same for the same `seed`.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut s = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        out.extend_from_slice(&s.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "starts two servers and kills one with SIGKILL; run by .ci/run on PostgreSQL or by hand"]
async fn two_nodes_share_sessions_files_jobs_keys_seal_and_one_audit_log() {
    let Some(pg_base) = std::env::var("CUSTODIA_TEST_POSTGRES_URL").ok().filter(|s| !s.is_empty()) else {
        assert!(
            std::env::var("CUSTODIA_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "the two-node test needs PostgreSQL: set CUSTODIA_TEST_POSTGRES_URL (CUSTODIA_REQUIRE_TOOLS=1)"
        );
        println!("skipped: two nodes need a shared PostgreSQL; set CUSTODIA_TEST_POSTGRES_URL");
        return;
    };
    let mib: usize =
        std::env::var("CUSTODIA_CLUSTER_ATTACHMENT_MIB").ok().and_then(|v| v.parse().ok()).unwrap_or(16);
    let dir = tempfile::tempdir().unwrap();
    let (shared, _schema, store) = shared_env(dir.path(), &pg_base);
    let db_url = shared.iter().find(|(k, _)| k == "CUSTODIA__DATABASE__URL").unwrap().1.clone();
    let mut a = node("node-a", dir.path(), &shared);
    let mut b = node("node-b", dir.path(), &shared);
    println!("two nodes on one PostgreSQL schema and {store}; logs in {}", dir.path().display());

    // One installation: schema, keyring (a key file both nodes read) and staff, made once
    // before either node starts so they never race to create the keyring.
    cli(&a, &["migrate"], None, "migrate");
    cli(&a, &["init", "--source", "file"], None, "init");
    for (user, role) in [("c.admin", "admin"), ("c.doc", "documenter"), ("c.aud", "auditor")] {
        cli(&a, &["user", "add", user, "--role", role, "--password-stdin"], Some(PASSWORD), "user add");
    }
    a.start();
    b.start();
    let api = Api {
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .pool_idle_timeout(Duration::from_secs(2))
            .build()
            .unwrap(),
    };
    wait_ready(&api.client, &a).await;
    wait_ready(&api.client, &b).await;
    for n in [&a, &b] {
        let admin = api.login(n, "c.admin").await;
        let status = api.ok(n, "system status", api.get(n, "/api/v1/system/status", &admin).await).await;
        assert_eq!(
            status["node_id"], n.name,
            "node {} names itself in /api/v1/system/status: {status}",
            n.name
        );
    }

    let s = step(1, "a session made on node A works on node B; a sign-out on B ends it on A");
    let doc = api.login(&a, "c.doc").await;
    let (status, cases) = api.get(&b, "/api/v1/cases", &doc).await;
    assert_eq!(status, 200, "node B refused node A's session: {cases}");
    let throwaway = api.login(&a, "c.doc").await;
    let (status, _) = api.send(api.client.post(b.url("/api/v1/auth/logout")).bearer_auth(&throwaway)).await;
    assert!(status.is_success(), "sign-out through node B: {status}");
    let (status, _) = api.get(&a, "/api/v1/cases", &throwaway).await;
    assert_eq!(status, 401, "a session ended through node B still works on node A");
    s.passed();

    let s = step(2, "an attachment uploaded through node A downloads through node B, byte for byte");
    let case = api
        .ok(
            &a,
            "open a case",
            api.post(&a, "/api/v1/cases", &doc, json!({"reference": "CLUSTER-1", "title": "two nodes"}))
                .await,
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let witness = api
        .ok(
            &b,
            "add a witness",
            api.post(
                &b,
                &format!("/api/v1/cases/{case}/persons"),
                &doc,
                json!({"kind": "witness", "names": ["Cluster Witness"], "sex": "unknown"}),
            )
            .await,
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let testimony =
        api.testimony(&a, &doc, &case, &witness, "Held for three days; the film is attached.").await;
    let bytes = noise(mib << 20, 0x5eed);
    let digest = sha256_hex(&bytes);
    let req = api
        .client
        .post(a.url(&format!("/api/v1/testimonies/{testimony}/attachments")))
        .bearer_auth(&doc)
        .header("content-type", "application/octet-stream")
        .header("x-filename", "film.bin")
        .body(bytes);
    let timer = Instant::now();
    let attachment = api.ok(&a, "upload", api.send(req).await).await["id"].as_str().unwrap().to_owned();
    let uploaded_in = timer.elapsed();
    let res = api
        .client
        .get(b.url(&format!("/api/v1/attachments/{attachment}/content")))
        .bearer_auth(&doc)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "download through node B");
    let got = res.bytes().await.unwrap();
    assert_eq!(got.len(), mib << 20, "the download through node B has another length");
    assert_eq!(sha256_hex(&got), digest, "the download through node B differs from the upload through A");
    drop(got);
    println!(
        "  {mib} MiB uploaded through A in {uploaded_in:.1?}, downloaded through B in {:.1?}",
        timer.elapsed() - uploaded_in
    );
    let req = api.client.post(b.url(&format!("/api/v1/testimonies/{testimony}/seal"))).bearer_auth(&doc);
    api.ok(&b, "seal the testimony", api.send(req).await).await;
    s.passed();

    let s = step(3, "a key rotation through node A is used by node B");
    let admin_a = api.login(&a, "c.admin").await;
    let admin_b = api.login(&b, "c.admin").await;
    let before = api.key_status(&b, &admin_b).await["primary_version"].as_u64().unwrap();
    let req = api.client.post(a.url("/api/v1/system/keys/rotate")).bearer_auth(&admin_a);
    let rotated = api.ok(&a, "rotate", api.send(req).await).await;
    let new = rotated["primary_version"].as_u64().unwrap();
    assert_eq!(new, before + 1, "rotation through node A: {rotated}");
    let account = "Written through node A under the new key.";
    let fresh = api.testimony(&a, &doc, &case, &witness, account).await;
    let read = api.get(&b, &format!("/api/v1/testimonies/{fresh}"), &doc).await;
    assert_eq!(read.0, 200, "node B cannot read what node A wrote after the rotation: {}", read.1);
    assert_eq!(read.1["account"], account, "node B read another account");
    until(Duration::from_secs(POLL_SECS * 5 + 5), "node B's poll moves it to the new primary key", || {
        let (api, b, admin_b) = (&api, &b, &admin_b);
        async move { (api.key_status(b, admin_b).await["primary_version"] == new).then_some(()) }
    })
    .await;
    let behind = api.key_status(&b, &admin_b).await["records_not_on_primary"].clone();
    api.testimony(&b, &doc, &case, &witness, "Written through node B after its poll.").await;
    let after = api.key_status(&b, &admin_b).await["records_not_on_primary"].clone();
    assert_eq!(after, behind, "node B wrote a record key under an older key version ({behind} → {after})");
    s.passed();

    let s = step(
        4,
        "a bundle queued on node A, its builder SIGKILLed mid-build, is built by the other node and verifies",
    );
    let request = json!({"recipient": "prosecutors", "password": PASSWORD});
    let queued = api
        .ok(
            &a,
            "request a bundle",
            api.post(&a, &format!("/api/v1/cases/{case}/bundles"), &doc, request).await,
        )
        .await;
    let bundle = queued["id"].as_str().unwrap().to_owned();
    let bundle_path = format!("/api/v1/cases/{case}/bundles/{bundle}");
    // Kill the builder the moment its build is under way (the large attachment keeps it
    // busy). Node A starts the build it was asked for at once, but node B's poll may
    // claim it first: whichever node holds the claim is killed, and the other must
    // finish the build.
    let (seen, builder) = until(Duration::from_secs(30), "a node starts building the bundle", || {
        let (api, a, doc, bundle_path, bundle, db) = (&api, &a, &doc, &bundle_path, &bundle, &db_url);
        async move {
            let v = api.get(a, bundle_path, doc).await.1;
            match v["status"].as_str() {
                // Past its start (progress counts the archive written): a half-written
                // archive is left behind, which no row may ever point at.
                Some("building") if v["progress"].as_u64().is_some_and(|p| p > 0) => {
                    claim(db, bundle).map(|(node, _)| (v, node))
                }
                Some("ready") => panic!(
                    "the bundle was built before it could be killed; raise CUSTODIA_CLUSTER_ATTACHMENT_MIB"
                ),
                Some("failed") => panic!("the bundle failed: {v}"),
                _ => None,
            }
        }
    })
    .await;
    let (killed, survivor) = match builder.as_str() {
        "node-a" => (&mut a, &b),
        "node-b" => (&mut b, &a),
        other => panic!("the bundle is claimed by {other:?}, not by either node"),
    };
    killed.kill();
    println!(
        "  {} killed while building (progress {}%); {} must finish it",
        killed.name, seen["progress"], survivor.name
    );
    let killed_name = killed.name;
    let built =
        until(Duration::from_secs(LEASE_SECS * 4 + 60), "the surviving node builds the bundle", || {
            let (api, survivor, doc, bundle_path) = (&api, survivor, &doc, &bundle_path);
            async move {
                let v = api.get(survivor, bundle_path, doc).await.1;
                match v["status"].as_str() {
                    Some("ready") => Some(v),
                    Some("failed") => panic!(
                        "the bundle {killed_name} left failed instead of being built by {}: {v}",
                        survivor.name
                    ),
                    _ => None,
                }
            }
        })
        .await;
    let (claimed_by, attempts) = claim(&db_url, &bundle).unwrap();
    assert_eq!(claimed_by, survivor.name, "the finished build's claim");
    assert_eq!(attempts, 2, "two claims: the killed node's and the survivor's");
    let res = api
        .client
        .get(survivor.url(&format!("{bundle_path}/download")))
        .bearer_auth(&doc)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "download the bundle through {}", survivor.name);
    let tar = res.bytes().await.unwrap();
    assert_eq!(sha256_hex(&tar), built["archive_sha256"].as_str().unwrap(), "the archive's digest");
    let tar_path = dir.path().join("bundle.tar");
    std::fs::write(&tar_path, &tar).unwrap();
    drop(tar);
    let key =
        api.client.get(survivor.url("/api/v1/bundles/public-key")).bearer_auth(&doc).send().await.unwrap();
    let key_path = dir.path().join("export.pub");
    std::fs::write(&key_path, key.text().await.unwrap()).unwrap();
    let out = Command::new(bin())
        .args(["bundle", "verify", "--pubkey"])
        .arg(&key_path)
        .arg(&tar_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "custodia bundle verify of the bundle {} built: {}{}",
        survivor.name,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The killed node comes back under the same name (its old claim is long gone).
    let killed = if killed_name == a.name { &mut a } else { &mut b };
    killed.start();
    wait_ready(&api.client, killed).await;
    s.passed();

    let s = step(
        5,
        "checkpoints signed through both nodes are consistent; the log has entries made through each",
    );
    let aud = api.login(&a, "c.aud").await;
    let mut kept = Vec::new();
    for (n, note) in [(&a, "a.note"), (&b, "b.note")] {
        // Something new in the log, so the checkpoint below is a new head.
        api.login(n, "c.doc").await;
        let head = api.ok(n, "checkpoint", api.get(n, "/api/v1/audit/checkpoint", &aud).await).await;
        let path = dir.path().join(note);
        std::fs::write(&path, head["checkpoint"]["note"].as_str().unwrap()).unwrap();
        kept.push((head["checkpoint"]["size"].as_u64().unwrap(), path));
    }
    assert!(kept[0].0 < kept[1].0, "node B's head ({}) is newer than node A's ({})", kept[1].0, kept[0].0);
    let (from, to) = (kept[0].0, kept[1].0);
    let proof = api.get(&b, &format!("/api/v1/audit/consistency?from={from}&to={to}"), &aud).await;
    assert_eq!(proof.0, 200, "consistency proof between node A's and node B's heads: {}", proof.1);
    let uploaded = format!("target_type=attachment&target_id={attachment}&action=attachment.upload");
    assert_eq!(api.audited(&b, &aud, &uploaded).await, 1, "the upload through node A is audited once");
    let downloaded = format!("target_type=attachment&target_id={attachment}&action=attachment.download");
    assert!(api.audited(&a, &aud, &downloaded).await >= 1, "the download through node B is audited");
    s.passed();

    let s = step(6, "an emergency seal through node A seals node B within its poll interval");
    let admin_a = api.login(&a, "c.admin").await;
    let (status, body) = api.send(api.client.post(a.url("/api/v1/system/seal")).bearer_auth(&admin_a)).await;
    assert_eq!(status, 204, "seal through node A: {body}");
    let sealed_at = Instant::now();
    until(Duration::from_secs(POLL_SECS * 3 + 2), "node B sealed by node A's emergency seal", || {
        let (api, b, admin_b) = (&api, &b, &admin_b);
        async move { (api.key_status(b, admin_b).await["sealed"] == true).then_some(()) }
    })
    .await;
    println!("  node B sealed {:.1?} after the seal through node A", sealed_at.elapsed());
    let (status, _) = api.get(&b, &format!("/api/v1/testimonies/{fresh}"), &doc).await;
    assert_ne!(status, 200, "a sealed node B still answers a testimony");
    s.passed();

    let s = step(7, "both stopped: custodia audit verify passes with every checkpoint and the two kept");
    a.kill();
    b.kill();
    let out = cli(&a, &["audit", "verify"], None, "audit verify");
    assert!(out.starts_with("ok:"), "{out}");
    for (_, note) in &kept {
        let out = cli(
            &b,
            &["audit", "verify", "--checkpoint", &note.display().to_string()],
            None,
            "audit verify --checkpoint",
        );
        assert!(out.starts_with("ok:"), "{out}");
    }
    println!("  {}", out.trim());
    s.passed();
}
