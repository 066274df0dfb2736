//! Foundation figures, measured in one run on this machine:
//! - argon2id verify time at the configured (production) parameters;
//! - audited write transactions per second on SQLite with synchronous=FULL vs NORMAL.
//!
//! `cargo bench --bench foundation` (release build). Prints a table; not a timed test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed step should stop a test or bench

use std::time::{Duration, Instant};

use custodia::audit::{self, Actor, Entry};
use custodia::auth::password::Passwords;
use custodia::config::{Settings, SqliteSynchronous};
use custodia::store::{Db, migrate};
use secrecy::SecretString;

fn settings() -> Settings {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    Settings::load_with(&dir, "development", false).expect("settings")
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn argon2() {
    let s = settings();
    let p = Passwords::new(&s.auth).expect("params");
    let pw = SecretString::from("correct horse battery staple");
    let hash = p.hash_blocking(&pw).expect("hash");
    let times: Vec<Duration> = (0..15)
        .map(|_| {
            let t = Instant::now();
            assert!(p.verify_blocking(&pw, Some(&hash)));
            t.elapsed()
        })
        .collect();
    println!(
        "argon2id verify (m={} KiB, t={}, p={}): median {:.1} ms",
        s.auth.argon2_memory_kib,
        s.auth.argon2_iterations,
        s.auth.argon2_parallelism,
        median(times).as_secs_f64() * 1e3
    );
}

fn writes(sync: SqliteSynchronous, n: usize) -> f64 {
    let dir = tempfile::tempdir().expect("tmp");
    let mut s = settings();
    s.database.url = format!("sqlite://{}", dir.path().join("b.db").display()).into();
    s.database.sqlite_synchronous = sync;
    let db = Db::connect(&s.database).expect("db");
    let mut conn = db.get().expect("conn");
    migrate::run_pending(&mut conn).expect("migrate");
    let start = Instant::now();
    for i in 0..n {
        custodia::store::write_transaction(&mut conn, |c| {
            audit::append(c, &Entry::new(Actor::default(), "bench.write").detail("i", i as u64))
        })
        .expect("append");
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    argon2();
    let n = 2000;
    // Interleave to share whatever else the machine is doing.
    let mut full = Vec::new();
    let mut normal = Vec::new();
    for _ in 0..3 {
        full.push(writes(SqliteSynchronous::Full, n));
        normal.push(writes(SqliteSynchronous::Normal, n));
    }
    let best = |v: &[f64]| v.iter().cloned().fold(0.0, f64::max);
    let (f, nm) = (best(&full), best(&normal));
    println!("SQLite audited write transactions/s, synchronous=FULL:   {f:>8.0}  ({:.3} ms each)", 1e3 / f);
    println!("SQLite audited write transactions/s, synchronous=NORMAL: {nm:>8.0}  ({:.3} ms each)", 1e3 / nm);
    println!("FULL costs {:.0}% more time per commit", (nm / f - 1.0) * 100.0);
}
