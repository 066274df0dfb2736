//! Import throughput and memory: N rows of a generated CSV (default 100,000), each a
//! victim, an incident of torture naming them and a sealed ~2 KB testimony they gave,
//! planned and applied through `services.imports` as `custodia import` does — next to the
//! same records created one by one through the service layer (a sample of 5,000 rows:
//! `create_person`, `create_incident`, `testimonies.create` + `seal`, each its own call)
//! in the same run. The import runs again at N/10: its peak memory must not grow with N.
//!
//! Every measurement runs in a child process of this binary, on a fresh database, so
//! each reports its own peak RSS (VmHWM); the import's plan and apply run in two
//! children on the same database, as `custodia import plan` and `apply` do.
//!
//! `cargo bench --bench import -- [N] [SAMPLE]`; `CUSTODIA_BENCH_POSTGRES_URL` (a
//! database the bench may create schemas in: one per child, dropped after) for
//! PostgreSQL, with `--all-features`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed step should stop a bench

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use custodia::access::Allowed;
use custodia::audit::Actor;
use custodia::config::Settings;
use custodia::domain::Role;
use custodia::import::{Progress, Status, Upload};
use custodia::services::Services;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";
const CHILD: &str = "--import-bench-child";
const SAMPLE: usize = 5_000;

const MAPPING: &str = r#"
[source]
format = "csv"
delimiter = ","

[[records]]
kind = "person"
id = "Victim"
columns = { names = "Name" }
fixed = { kind = "victim", sex = "unknown" }

[[records]]
kind = "incident"
id = "Incident"
columns = { start = "Date", victims = "Victim" }
fixed = { act_type = "torture" }

[[records]]
kind = "testimony"
id = "Testimony"
columns = { witness = "Victim", account = "Account", interview_date = "Interviewed", languages = "Language", consent_given_on = "Consent on", consent_how_given = "Consent", consent_share_with = "Share with", consent_text_version = "Consent text" }
fixed = { source_connection = "victim" }
"#;

const HEADER: [&str; 12] = [
    "Victim",
    "Name",
    "Incident",
    "Date",
    "Testimony",
    "Account",
    "Interviewed",
    "Language",
    "Consent on",
    "Consent",
    "Share with",
    "Consent text",
];

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(CHILD) {
        return actix_web::rt::System::new().block_on(child(&args[1..]));
    }
    let numbers: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let n = numbers.first().copied().unwrap_or(100_000).max(10);
    let sample = numbers.get(1).copied().unwrap_or(SAMPLE).min(n);
    parent(n, sample)
}

// ----- the parent: generate, run each mode in a child, print the table -----

fn parent(n: usize, sample: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let pg = std::env::var("CUSTODIA_BENCH_POSTGRES_URL").ok().filter(|s| !s.is_empty());
    let backend = if pg.is_some() { "PostgreSQL" } else { "SQLite" };
    let small = n / 10;
    let started = Instant::now();
    let big_csv = dir.path().join(format!("rows-{n}.csv"));
    let big_bytes = write_csv(&big_csv, n)?;
    let small_csv = dir.path().join(format!("rows-{small}.csv"));
    let small_bytes = write_csv(&small_csv, small)?;
    eprintln!(
        "generated {n} rows ({:.1} MiB) and {small} rows ({:.1} MiB) in {:.1} s",
        mib(big_bytes),
        mib(small_bytes),
        started.elapsed().as_secs_f64()
    );

    let one = Fresh::new(dir.path(), pg.as_deref())?.run(&["one", &sample.to_string()])?;
    let big = import(dir.path(), pg.as_deref(), n, &big_csv)?;
    let little = import(dir.path(), pg.as_deref(), small, &small_csv)?;

    let rate = |v: &Value, k: &str| v[k].as_f64().unwrap_or_default();
    let one_rate = rate(&one, "rows_per_s");
    println!();
    println!(
        "import benchmark, {backend}: {n} rows (~2 KB account each; a person, an incident, a sealed testimony per row)"
    );
    println!("CSV: {:.1} MiB at {n} rows, {:.1} MiB at {small}", mib(big_bytes), mib(small_bytes));
    println!();
    println!(
        "{:<44} {:>8} {:>10} {:>10} {:>10} {:>11} {:>12} {:>12}",
        "mode", "rows", "plan s", "apply s", "total s", "rows/s", "peak plan", "peak apply"
    );
    for (name, v) in [("import (plan + apply)", &big), ("import at N/10", &little)] {
        println!(
            "{:<44} {:>8} {:>10.1} {:>10.1} {:>10.1} {:>11.1} {:>8.1} MiB {:>8.1} MiB",
            name,
            v["rows"].as_u64().unwrap_or_default(),
            rate(v, "plan_s"),
            rate(v, "apply_s"),
            rate(v, "total_s"),
            rate(v, "rows_per_s"),
            rate(v, "peak_plan_mib"),
            rate(v, "peak_apply_mib"),
        );
    }
    println!(
        "{:<44} {:>8} {:>10} {:>10} {:>10.1} {:>11.1} {:>12} {:>8.1} MiB",
        "one by one through the services (sample)",
        one["rows"].as_u64().unwrap_or_default(),
        "",
        "",
        rate(&one, "total_s"),
        one_rate,
        "",
        rate(&one, "peak_mib"),
    );
    println!();
    println!(
        "import / one by one: {:.1}× (plan + apply), {:.1}× (apply alone: {:.1} rows/s)",
        rate(&big, "rows_per_s") / one_rate,
        rate(&big, "apply_rows_per_s") / one_rate,
        rate(&big, "apply_rows_per_s"),
    );
    println!(
        "peak RSS at {n} rows vs {small}: plan {:.1} vs {:.1} MiB, apply {:.1} vs {:.1} MiB (RSS once the services are open: {:.1} MiB)",
        rate(&big, "peak_plan_mib"),
        rate(&little, "peak_plan_mib"),
        rate(&big, "peak_apply_mib"),
        rate(&little, "peak_apply_mib"),
        rate(&big, "rss_open_mib"),
    );
    println!("phases of the apply at {n} rows (seconds):");
    if let Some(phases) = big["phases"].as_object() {
        for (phase, secs) in phases {
            println!("  {phase:<14} {:>8.1}", secs.as_f64().unwrap_or_default());
        }
    }
    Ok(())
}

/// Plans in one child process and applies in another, on the same fresh database — as
/// `custodia import plan` and `custodia import apply` do — so each has its own peak RSS.
fn import(dir: &Path, pg: Option<&str>, n: usize, csv: &Path) -> anyhow::Result<Value> {
    let db = Fresh::new(dir, pg)?;
    let plan = db.run(&["plan", &n.to_string(), &csv.display().to_string()])?;
    let import_id = plan["import"].as_str().unwrap_or_default().to_owned();
    let digest = plan["digest"].as_str().unwrap_or_default().to_owned();
    let apply = db.run(&["apply", &n.to_string(), &import_id, &digest])?;
    let (plan_s, apply_s) =
        (plan["plan_s"].as_f64().unwrap_or_default(), apply["apply_s"].as_f64().unwrap_or_default());
    Ok(json!({
        "rows": n, "plan_s": plan_s, "apply_s": apply_s, "total_s": plan_s + apply_s,
        "rows_per_s": n as f64 / (plan_s + apply_s), "apply_rows_per_s": n as f64 / apply_s,
        "peak_plan_mib": plan["peak_mib"], "peak_apply_mib": apply["peak_mib"],
        "rss_open_mib": apply["rss_open_mib"], "phases": apply["phases"],
    }))
}

/// A fresh database (a SQLite file, or a PostgreSQL schema) with its key file and blobs.
struct Fresh {
    work: tempfile::TempDir,
    schema: Option<Schema>,
    url: String,
}

impl Fresh {
    fn new(dir: &Path, pg: Option<&str>) -> anyhow::Result<Fresh> {
        let work = tempfile::tempdir_in(dir)?;
        let schema = pg.map(Schema::create);
        let url = match &schema {
            Some(s) => s.url.clone(),
            None => format!("sqlite://{}", work.path().join("bench.db").display()),
        };
        Ok(Fresh { work, schema, url })
    }

    /// Runs one mode in a child process; its last line is its result.
    fn run(&self, args: &[&str]) -> anyhow::Result<Value> {
        eprintln!("running {} …", args.join(" "));
        let mut child = Command::new(std::env::current_exe()?)
            .arg(CHILD)
            .args(args)
            .env("CUSTODIA_IMPORT_BENCH_URL", &self.url)
            .env("CUSTODIA_IMPORT_BENCH_DIR", self.work.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let mut last = String::new();
        for line in BufReader::new(child.stdout.take().expect("stdout")).lines() {
            let line = line?;
            eprintln!("  {line}");
            last = line;
        }
        let status = child.wait()?;
        anyhow::ensure!(status.success(), "child {args:?} failed: {status}");
        let _ = &self.schema;
        Ok(serde_json::from_str(&last)?)
    }
}

/// A fresh PostgreSQL schema, dropped when done (as tests/api/helpers.rs does for tests).
struct Schema {
    base: String,
    name: String,
    url: String,
}

impl Schema {
    #[cfg(feature = "postgres")]
    fn create(base: &str) -> Schema {
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        let name = format!("bench_{}", uuid::Uuid::new_v4().simple());
        let mut conn =
            diesel::PgConnection::establish(base).expect("CUSTODIA_BENCH_POSTGRES_URL unreachable");
        conn.batch_execute(&format!("CREATE SCHEMA {name}")).expect("create schema");
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-csearch_path%3D{name}");
        Schema { base: base.to_owned(), name, url }
    }

    #[cfg(not(feature = "postgres"))]
    fn create(_: &str) -> Schema {
        panic!("PostgreSQL needs `cargo bench --all-features`")
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        #[cfg(feature = "postgres")]
        {
            use diesel::Connection;
            use diesel::connection::SimpleConnection;
            if let Ok(mut conn) = diesel::PgConnection::establish(&self.base) {
                let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
            }
        }
        let _ = (&self.base, &self.name);
    }
}

// ----- the rows -----

const WORDS: &[&str] = &[
    "задержали",
    "избивали",
    "дубинками",
    "изолятор",
    "камера",
    "сотрудники",
    "омон",
    "допрос",
    "адвокат",
    "протокол",
    "суд",
    "штраф",
    "сутки",
    "коридор",
    "стена",
    "колени",
    "вода",
    "еда",
    "врач",
    "травмы",
    "синяки",
    "рёбра",
    "голова",
    "угрожали",
    "родственники",
    "телефон",
    "обыск",
    "автозак",
    "площадь",
    "митинг",
    "мужчина",
    "женщина",
    "студент",
    "пенсионер",
    "ночь",
    "утро",
    "август",
    "окрестина",
    "жодино",
    "минск",
    "гродно",
    "милиция",
    "detained",
    "beaten",
    "batons",
    "cell",
    "officers",
    "interrogation",
    "lawyer",
    "court",
    "corridor",
    "knees",
    "water",
    "doctor",
    "injuries",
    "bruises",
    "ribs",
    "threatened",
    "relatives",
    "phone",
    "van",
    "square",
    "protest",
    "student",
    "night",
    "morning",
    "prison",
    "guards",
    "screamed",
    "kicked",
    "floor",
    "cold",
    "hours",
    "handcuffs",
];

const FIRST: &[&str] =
    &["Анна", "Павел", "Ольга", "Сергей", "Виктор", "Maria", "Dmitry", "Iryna", "Aliaksei"];
const LAST: &[&str] =
    &["Иванова", "Сидоров", "Ковалёв", "Мельник", "Шевченко", "Petrov", "Kovalenko", "Sidorenko", "Lis"];

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[(self.next() % list.len() as u64) as usize]
    }
}

/// Row `i`, the same for the CSV and the one-by-one baseline.
struct Row {
    victim: String,
    name: String,
    incident: String,
    date: String,
    testimony: String,
    account: String,
}

fn row(i: usize) -> Row {
    let mut rng = Rng::new(i as u64 + 1);
    let name = format!("{} {}", rng.pick(FIRST), rng.pick(LAST));
    let date = format!("2020-{:02}-{:02}", 8 + rng.next() % 4, 1 + rng.next() % 28);
    let mut account = String::with_capacity(2200);
    let mut words = 0u64;
    while account.len() < 2000 {
        // A skewed draw: some words common, some rare, as in real accounts.
        let r = rng.next() % (WORDS.len() as u64 * WORDS.len() as u64);
        let word = WORDS[(r as f64).sqrt() as usize % WORDS.len()];
        if words.is_multiple_of(12) {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                account.push_str(". ");
                account.extend(first.to_uppercase());
                account.push_str(chars.as_str());
            }
        } else {
            account.push_str(word);
        }
        account.push(' ');
        words += 1;
        if rng.next().is_multiple_of(40) {
            account.push_str(rng.pick(LAST));
            account.push_str(", ");
        }
        if rng.next().is_multiple_of(97) {
            account.push_str(&format!("{} ", rng.next() % 10_000));
        }
    }
    Row {
        victim: format!("V-{i}"),
        name,
        incident: format!("I-{i}"),
        date,
        testimony: format!("T-{i}"),
        account: account.trim_end().to_owned(),
    }
}

/// Writes `n` rows as they are generated, never holding more than one; returns the size.
fn write_csv(path: &Path, n: usize) -> anyhow::Result<u64> {
    let mut out = csv::Writer::from_writer(BufWriter::new(std::fs::File::create(path)?));
    out.write_record(HEADER)?;
    for i in 0..n {
        let r = row(i);
        out.write_record([
            r.victim.as_str(),
            &r.name,
            &r.incident,
            &r.date,
            &r.testimony,
            &r.account,
            "2021-02-01",
            "ru",
            "2021-02-01",
            "written",
            "prosecutors; un_bodies",
            "2020-1",
        ])?;
    }
    out.flush()?;
    drop(out);
    Ok(std::fs::metadata(path)?.len())
}

// ----- the child: one mode on a fresh database -----

async fn child(args: &[String]) -> anyhow::Result<()> {
    let url = std::env::var("CUSTODIA_IMPORT_BENCH_URL")?;
    let dir = PathBuf::from(std::env::var("CUSTODIA_IMPORT_BENCH_DIR")?);
    let config = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config");
    let mut settings = Settings::load_with(&config, "test", false)?;
    settings.database.url = SecretString::from(url);
    settings.keys.key_file = dir.join("root.key");
    settings.storage.blob_dir = dir.join("blobs");
    settings.storage.reserve_free_bytes = 0;
    let state = Services::open(&settings, true).await?;
    if args[0] != "apply" {
        state
            .auth
            .create_user(Actor::default(), "bench.lead", SecretString::from(PASSWORD), Role::Documenter)
            .await?;
    }
    let session = state.auth.login("bench.lead", SecretString::from(PASSWORD), None, None).await?;
    let (who, _) = state.auth.authenticate(session.token.expose_secret()).await?;
    let case_id = if args[0] == "apply" {
        Default::default()
    } else {
        let input =
            serde_json::from_value(json!({"reference": "BENCH-IMPORT", "title": "import benchmark"}))?;
        // Whoever opens a case leads it: the lead may import.
        state.cases.create(Allowed::check(who.clone())?, input).await?.id
    };
    let rss_open = status_mib("VmRSS");
    let n: usize = args[1].parse()?;

    let result = match args[0].as_str() {
        "plan" => {
            let path = PathBuf::from(&args[2]);
            let upload = Upload {
                filename: "rows.csv".into(),
                body: Box::new(BufReader::new(std::fs::File::open(&path)?)),
                files: None,
            };
            let started = Instant::now();
            let view =
                state.imports.plan(Allowed::check(who.clone())?, case_id, MAPPING.into(), upload).await?;
            let plan_s = started.elapsed().as_secs_f64();
            anyhow::ensure!(view.status == Status::Planned, "plan refused: {:?}", view.plan.issues);
            for c in &view.plan.counts {
                anyhow::ensure!(
                    c.create == n as u64,
                    "plan would create {} of {:?}, not {n}",
                    c.create,
                    c.kind
                );
            }
            json!({
                "rows": n, "plan_s": plan_s, "peak_mib": status_mib("VmHWM"), "rss_open_mib": rss_open,
                "import": view.id, "digest": view.digest,
            })
        }
        "apply" => {
            let import_id: uuid::Uuid = args[2].parse()?;
            // Per phase: from the previous phase's last batch to this phase's last batch.
            let phases = Arc::new(Mutex::new(Phases {
                spent: BTreeMap::new(),
                name: String::new(),
                since: Instant::now(),
                last: Instant::now(),
            }));
            let seen = phases.clone();
            let progress = Arc::new(move |p: Progress| {
                let mut s = seen.lock().unwrap();
                let now = Instant::now();
                if s.name != p.phase {
                    s.close();
                    s.name = p.phase.to_owned();
                }
                s.last = now;
                if p.done.is_multiple_of(10_000) || p.done == p.total {
                    eprintln!("  apply: {} {}/{}", p.phase, p.done, p.total);
                }
            });
            let started = Instant::now();
            let applied = state
                .imports
                .apply(Allowed::check(who.clone())?, import_id, args[3].clone(), None, progress)
                .await?;
            let apply_s = started.elapsed().as_secs_f64();
            anyhow::ensure!(applied.status == Status::Applied, "apply ended {:?}", applied.status);
            let mut s = phases.lock().unwrap();
            s.last = Instant::now();
            s.close();
            json!({
                "rows": n, "apply_s": apply_s, "peak_mib": status_mib("VmHWM"), "rss_open_mib": rss_open,
                "phases": s.spent,
            })
        }
        "one" => {
            let started = Instant::now();
            for i in 0..n {
                let r = row(i);
                let person =
                    serde_json::from_value(json!({"kind": "victim", "names": [r.name], "sex": "unknown"}))?;
                let victim =
                    state.records.create_person(Allowed::check(who.clone())?, case_id, person).await?;
                let incident = serde_json::from_value(json!({
                    "act_type": "torture", "start_date": r.date, "start_precision": "exact",
                    "victim_ids": [victim.id],
                }))?;
                state.records.create_incident(Allowed::check(who.clone())?, case_id, incident).await?;
                let testimony = serde_json::from_value(json!({
                    "witness_id": victim.id, "source_connection": "victim", "account": r.account,
                    "interview_date": "2021-02-01", "languages": ["ru"],
                    "consent": {"share_with": {"prosecutors": true, "un_bodies": true}, "may_be_named": false,
                                "given_on": "2021-02-01", "how_given": "written", "text_version": "2020-1"}
                }))?;
                let id = state.testimonies.create(Allowed::check(who.clone())?, case_id, testimony).await?.id;
                state.testimonies.seal(Allowed::check(who.clone())?, id).await?;
                if (i + 1).is_multiple_of(1000) {
                    eprintln!("  one by one: {}/{n}", i + 1);
                }
            }
            let total_s = started.elapsed().as_secs_f64();
            json!({
                "rows": n, "total_s": total_s, "rows_per_s": n as f64 / total_s,
                "peak_mib": status_mib("VmHWM"), "rss_open_mib": rss_open,
            })
        }
        other => anyhow::bail!("unknown mode {other}"),
    };
    println!("{result}");
    Ok(())
}

struct Phases {
    spent: BTreeMap<String, f64>,
    name: String,
    since: Instant,
    last: Instant,
}

impl Phases {
    fn close(&mut self) {
        if !self.name.is_empty() {
            let spent = (self.last - self.since).as_secs_f64();
            *self.spent.entry(self.name.clone()).or_default() += spent;
        }
        self.since = self.last;
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// A line of /proc/self/status (`VmHWM`: the peak resident set), in MiB.
fn status_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kib| kib / 1024.0)
}
