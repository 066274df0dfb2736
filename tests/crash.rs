//! Crash safety: concurrent testimony and attachment writes against the real binary,
//! which is killed with SIGKILL at random moments and restarted; on PostgreSQL the
//! database server is killed too (`pg_ctlcluster … stop -m immediate`) every other round.
//! At the end every write the server acknowledged must be there, decrypt, match its
//! SHA-256, be found by search and have its audit entry, and `custodia audit verify`
//! must pass.
//!
//! Ignored by `cargo test` (it kills processes); `.ci/run` runs a short form:
//! `cargo test --all-features --test crash -- --ignored` with `CUSTODIA_CRASH_KILLS`
//! (default 5) and, for PostgreSQL, `CUSTODIA_TEST_POSTGRES_URL` plus
//! `CUSTODIA_CRASH_KILL_POSTGRES=1` (only where nothing else uses that server).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed step should stop a test or bench

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::connection::SimpleConnection;
use serde_json::{Value, json};
use sha2::Digest;

#[path = "process/mod.rs"]
mod process;
use process::{Server, free_port};

const PASSWORD: &str = "correct horse battery staple";
const WRITERS: usize = 4;

/// The harnesses run one at a time: the first kills PostgreSQL itself, and the other's
/// processes must not meet those outages (they would measure them, not their own crash).
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[derive(Debug, Clone)]
enum Ack {
    Testimony { id: String, word: String, account: String },
    Attachment { id: String, sha256: String },
}

async fn wait_ready(client: &reqwest::Client, server: &Server) {
    assert!(server.ready(client).await, "the server did not come up; see {}", server.log.display());
}

fn pg_cluster(action: &str, extra: &[&str]) {
    let status = Command::new("pg_ctlcluster").args(["15", "main", action]).args(extra).status().unwrap();
    assert!(status.success(), "pg_ctlcluster {action}");
}

/// A probe word of letters only, unique per write, that the normaliser keeps whole.
fn probe(n: u64) -> String {
    let mut s = String::from("crashprobe");
    let mut n = n + 1;
    while n > 0 {
        s.push((b'a' + (n % 26) as u8) as char);
        n /= 26;
    }
    s
}

async fn login(client: &reqwest::Client, server: &Server, user: &str) -> String {
    let res = client
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({"username": user, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "login {user}");
    res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
}

/// A new case, led by the signed-in `token`: its id.
async fn open_case(client: &reqwest::Client, server: &Server, token: &str, reference: &str) -> String {
    let case: Value = client
        .post(server.url("/api/v1/cases"))
        .bearer_auth(token)
        .json(&json!({"reference": reference, "title": "crash harness"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    case["id"].as_str().unwrap().to_owned()
}

async fn writer(
    client: reqwest::Client,
    base: String,
    token: String,
    case_id: String,
    witness: String,
    counter: Arc<AtomicU64>,
    acks: Arc<Mutex<Vec<Ack>>>,
) {
    loop {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        let word = probe(n);
        let account = format!("The account {word} was written by the crash harness.");
        let body = json!({
            "witness_id": witness, "languages": ["en"], "source_connection": "victim", "account": account,
            "consent": {"share_with": {"prosecutors": true}, "may_be_named": false, "given_on": "2021-01-01",
                        "how_given": "written", "text_version": "1"}
        });
        let Ok(res) = client
            .post(format!("{base}/api/v1/cases/{case_id}/testimonies"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
        else {
            return;
        };
        if res.status() != 201 {
            return;
        }
        let Ok(t) = res.json::<Value>().await else { return };
        let id = t["id"].as_str().unwrap().to_owned();
        acks.lock().unwrap().push(Ack::Testimony { id: id.clone(), word, account });
        let size = 10_000 + (n as usize * 7919) % 150_000;
        let bytes: Vec<u8> = (0..size).map(|i| ((i as u64).wrapping_mul(n + 31) >> 3) as u8).collect();
        let sha256 = hex::encode(sha2::Sha256::digest(&bytes));
        let Ok(res) = client
            .post(format!("{base}/api/v1/testimonies/{id}/attachments"))
            .bearer_auth(&token)
            .header("content-type", "application/octet-stream")
            .header("x-filename", "probe.bin")
            .body(bytes)
            .send()
            .await
        else {
            return;
        };
        if res.status() != 201 {
            return;
        }
        let Ok(a) = res.json::<Value>().await else { return };
        acks.lock().unwrap().push(Ack::Attachment { id: a["id"].as_str().unwrap().to_owned(), sha256 });
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

/// A new installation in `dir`, on SQLite or in a fresh schema of the PostgreSQL at
/// `pg_base` (dropped with the returned guard).
fn installation(dir: &std::path::Path, pg_base: Option<&str>) -> (Server, Option<PgSchema>) {
    let (url, schema) = match pg_base {
        Some(base) => {
            let schema = format!("crash_{}", uuid::Uuid::new_v4().simple());
            let mut c = diesel::PgConnection::establish(base).unwrap();
            c.batch_execute(&format!("CREATE SCHEMA {schema}")).unwrap();
            let sep = if base.contains('?') { '&' } else { '?' };
            (
                format!("{base}{sep}options=-csearch_path%3D{schema}"),
                Some(PgSchema { base: base.to_owned(), schema }),
            )
        }
        None => (format!("sqlite://{}", dir.join("custodia.db").display()), None),
    };
    let port = free_port();
    let env: Vec<(String, String)> = vec![
        ("CUSTODIA__DATABASE__URL".into(), url),
        ("CUSTODIA__SERVER__PORT".into(), port.to_string()),
        ("CUSTODIA__KEYS__KEY_FILE".into(), dir.join("root.key").display().to_string()),
        ("CUSTODIA__STORAGE__BLOB_DIR".into(), dir.join("blobs").display().to_string()),
    ];
    (Server::new(env, port, dir.join("server.log")), schema)
}

fn add_user(server: &Server, user: &str, role: &str) {
    let mut add = server.command();
    add.args(["user", "add", user, "--role", role, "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null());
    let mut child = add.spawn().unwrap();
    use std::io::Write;
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    assert!(child.wait().unwrap().success(), "user add {user}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "spawns the server and kills it with SIGKILL; run by .ci/run or by hand"]
async fn every_acknowledged_write_survives_sigkill() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let kills: usize = std::env::var("CUSTODIA_CRASH_KILLS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    let pg_base = std::env::var("CUSTODIA_TEST_POSTGRES_URL").ok().filter(|s| !s.is_empty());
    let kill_pg = pg_base.is_some() && std::env::var_os("CUSTODIA_CRASH_KILL_POSTGRES").is_some();
    let dir = tempfile::tempdir().unwrap();
    let (mut server, _schema) = installation(dir.path(), pg_base.as_deref());
    for (user, role) in [("crash.doc", "documenter"), ("crash.aud", "auditor")] {
        add_user(&server, user, role);
    }
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    server.start();
    wait_ready(&client, &server).await;
    let doc = login(&client, &server, "crash.doc").await;
    let case_id = open_case(&client, &server, &doc, "CRASH-1").await;
    let witness: Value = client
        .post(server.url(&format!("/api/v1/cases/{case_id}/persons")))
        .bearer_auth(&doc)
        .json(&json!({"kind": "witness", "names": ["Crash Witness"], "sex": "unknown"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let witness_id = witness["id"].as_str().unwrap().to_owned();

    let counter = Arc::new(AtomicU64::new(0));
    let acks: Arc<Mutex<Vec<Ack>>> = Arc::default();
    let mut rng_state = 0x2545_F491_4F6C_DD1Du64 ^ u64::from(server.port);
    for round in 0..kills {
        let handles: Vec<_> = (0..WRITERS)
            .map(|_| {
                tokio::spawn(writer(
                    client.clone(),
                    server.url(""),
                    doc.clone(),
                    case_id.clone(),
                    witness_id.clone(),
                    counter.clone(),
                    acks.clone(),
                ))
            })
            .collect();
        // A random moment while the writers are busy.
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        tokio::time::sleep(Duration::from_millis(150 + rng_state % 700)).await;
        server.kill();
        let pg_too = kill_pg && round % 2 == 1;
        if pg_too {
            pg_cluster("stop", &["-m", "immediate"]);
        }
        for h in handles {
            h.await.unwrap();
        }
        if pg_too {
            pg_cluster("start", &[]);
        }
        server.start();
        wait_ready(&client, &server).await;
    }

    // Every acknowledged write is there, whole.
    let acks = acks.lock().unwrap().clone();
    let aud = login(&client, &server, "crash.aud").await;
    let (mut testimonies, mut attachments) = (0, 0);
    for ack in &acks {
        match ack {
            Ack::Testimony { id, word, account } => {
                testimonies += 1;
                let res = client
                    .get(server.url(&format!("/api/v1/testimonies/{id}")))
                    .bearer_auth(&doc)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 200, "acknowledged testimony {id} lost");
                let t: Value = res.json().await.unwrap();
                assert_eq!(t["account"].as_str(), Some(account.as_str()));
                let hits: Value = client
                    .post(server.url("/api/v1/search"))
                    .bearer_auth(&doc)
                    .json(&json!({"q": word, "case_id": case_id}))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let found = hits["items"].as_array().unwrap().iter().any(|h| h["id"] == id.as_str());
                assert!(found, "testimony {id} not found by search for {word}: {hits}");
                audited(&client, &server, &aud, "testimony", id, "testimony.create").await;
            }
            Ack::Attachment { id, sha256 } => {
                attachments += 1;
                let res = client
                    .get(server.url(&format!("/api/v1/attachments/{id}/content")))
                    .bearer_auth(&doc)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 200, "acknowledged attachment {id} lost");
                let bytes = res.bytes().await.unwrap();
                assert_eq!(&hex::encode(sha2::Sha256::digest(&bytes)), sha256, "attachment {id} differs");
                audited(&client, &server, &aud, "attachment", id, "attachment.upload").await;
            }
        }
    }
    server.kill();
    let out = server.command().args(["audit", "verify"]).output().unwrap();
    assert!(
        out.status.success(),
        "audit verify: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let backend = if pg_base.is_some() { "PostgreSQL" } else { "SQLite" };
    println!(
        "crash harness ({backend}{}): {kills} SIGKILLs, {testimonies} acknowledged testimonies and \
         {attachments} attachments, 0 lost; audit verify passed",
        if kill_pg { ", database killed every other round" } else { "" }
    );
    assert!(testimonies >= kills, "too few writes to mean anything: {testimonies}");
}

async fn audited(client: &reqwest::Client, server: &Server, token: &str, kind: &str, id: &str, action: &str) {
    let page: Value = client
        .get(server.url(&format!("/api/v1/audit?target_type={kind}&target_id={id}&action={action}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 1, "{action} of {id} not audited exactly once: {page}");
}

/// `custodia import apply` killed with SIGKILL part way, three times, then run to its
/// end: every row imported once, none twice, and the audit log verifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "kills the import with SIGKILL; run by .ci/run or by hand"]
async fn an_import_killed_part_way_resumes_without_loss_or_duplicates() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let rows: usize =
        std::env::var("CUSTODIA_CRASH_IMPORT_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(1500);
    let pg_base = std::env::var("CUSTODIA_TEST_POSTGRES_URL").ok().filter(|s| !s.is_empty());
    let dir = tempfile::tempdir().unwrap();
    let (mut server, _schema) = installation(dir.path(), pg_base.as_deref());
    add_user(&server, "import.lead", "documenter");
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    server.start();
    wait_ready(&client, &server).await;
    let lead = login(&client, &server, "import.lead").await;
    let case_id = open_case(&client, &server, &lead, "IMPORT-1").await;
    server.kill();

    let mut csv = String::from("ID,Name,Account\n");
    for n in 0..rows {
        csv.push_str(&format!(
            "V{n},Victim {},The account of witness {n}: held and beaten.\n",
            probe(n as u64)
        ));
    }
    std::fs::write(dir.path().join("rows.csv"), csv).unwrap();
    std::fs::write(
        dir.path().join("mapping.toml"),
        "[[records]]\nkind = \"person\"\nid = \"ID\"\ncolumns = { names = \"Name\" }\nfixed = { kind = \"victim\" }\n\n\
         [[records]]\nkind = \"testimony\"\nid = \"ID\"\nseal = false\ncolumns = { witness = \"ID\", account = \"Account\" }\n\
         fixed = { source_connection = \"victim\" }\n",
    )
    .unwrap();
    let cli = |args: &[&str]| {
        let mut c = server.command();
        c.args(["import"]).args(args).args(["--username", "import.lead", "--password-stdin"]);
        c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        use std::io::Write;
        writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
        child
    };
    let mapping = dir.path().join("mapping.toml").display().to_string();
    let file = dir.path().join("rows.csv").display().to_string();
    let out = cli(&["plan", "--case", &case_id, "--mapping", &mapping, &file]).wait_with_output().unwrap();
    let printed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "plan: {printed}{}", String::from_utf8_lossy(&out.stderr));
    let word_after =
        |key: &str| printed.split(key).nth(1).and_then(|r| r.split_whitespace().next()).unwrap().to_owned();
    let (import, digest) = (word_after("--import "), word_after("--digest "));

    // Kill the apply at three moments, each after more batches have committed.
    let progress = |server: &Server| -> i64 {
        let out = server.command().args(["audit", "verify"]).output().unwrap();
        assert!(out.status.success(), "the log verifies between kills");
        imported(server, &case_id)
    };
    let mut last = 0;
    for round in 0..3 {
        let mut apply = cli(&["apply", "--import", &import, "--digest", &digest]);
        let started = Instant::now();
        loop {
            if imported(&server, &case_id) > last + 100 * (round + 1) as i64 {
                break;
            }
            if let Some(status) = apply.try_wait().unwrap() {
                panic!("apply ended before it was killed ({status}); raise CUSTODIA_CRASH_IMPORT_ROWS");
            }
            assert!(started.elapsed() < Duration::from_secs(120), "apply made no progress");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        apply.kill().unwrap(); // SIGKILL
        apply.wait().unwrap();
        last = progress(&server);
    }
    let out = cli(&["apply", "--import", &import, "--digest", &digest]).wait_with_output().unwrap();
    assert!(out.status.success(), "the last apply: {}", String::from_utf8_lossy(&out.stderr));

    server.start();
    wait_ready(&client, &server).await;
    let lead = login(&client, &server, "import.lead").await;
    let total = |path: String| {
        let (client, lead) = (client.clone(), lead.clone());
        async move {
            let page: Value = client.get(path).bearer_auth(&lead).send().await.unwrap().json().await.unwrap();
            page["total"].as_u64().unwrap()
        }
    };
    let persons = total(server.url(&format!("/api/v1/cases/{case_id}/persons?limit=1"))).await;
    let testimonies = total(server.url(&format!("/api/v1/cases/{case_id}/testimonies?limit=1"))).await;
    server.kill();
    assert_eq!((persons, testimonies), (rows as u64, rows as u64), "every row once, none twice");
    let out = server.command().args(["audit", "verify"]).output().unwrap();
    assert!(out.status.success(), "audit verify after the import");
    println!(
        "import harness: {rows} rows, apply killed 3 times (after {last} records), resumed: 0 lost, 0 duplicated"
    );
}

/// Records the import has made so far in the case (persons and testimonies), read from
/// the database the CLI writes to.
fn imported(server: &Server, case_id: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let url = &server.env.iter().find(|(k, _)| k == "CUSTODIA__DATABASE__URL").unwrap().1;
    let sql = format!(
        "SELECT (SELECT COUNT(*) FROM persons WHERE case_id = '{case_id}') + \
                (SELECT COUNT(*) FROM testimonies WHERE case_id = '{case_id}') AS n"
    );
    let found = if let Some(path) = url.strip_prefix("sqlite://") {
        let mut c = diesel::SqliteConnection::establish(path).unwrap();
        c.batch_execute("PRAGMA busy_timeout = 5000").unwrap();
        diesel::RunQueryDsl::get_result::<N>(diesel::sql_query(sql), &mut c)
    } else {
        let mut c = diesel::PgConnection::establish(url).unwrap();
        diesel::RunQueryDsl::get_result::<N>(diesel::sql_query(sql), &mut c)
    };
    found.map(|r| r.n).unwrap_or(0)
}
