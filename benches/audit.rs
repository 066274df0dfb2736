//! Audit log figures on SQLite: append rate (the Merkle tree is updated in every
//! append's transaction), and inclusion and consistency proof generation with 1,000,000
//! entries. `cargo bench --bench audit [-- ENTRIES]`. Prints a table.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed step should stop a test or bench

use std::time::{Duration, Instant};

use custodia::audit::{self, Actor, Entry, tree};
use custodia::config::Settings;
use custodia::store::{Db, migrate, write_transaction};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let n: u64 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("tmp");
    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let mut settings = Settings::load_with(&config, "development", false).expect("settings");
    settings.database.url = format!("sqlite://{}", dir.path().join("audit.db").display()).into();
    let db = Db::connect(&settings.database).expect("db");
    let mut conn = db.get().expect("conn");
    migrate::run_pending(&mut conn).expect("migrate");
    let entry = |i: u64| Entry::new(Actor::default(), "testimony.read").target("testimony", i).detail("i", i);

    // Fill in large transactions (as a bulk import would); measure the rate.
    let start = Instant::now();
    let batch = 10_000;
    let mut done = 0;
    while done < n {
        let upto = (done + batch).min(n);
        write_transaction(&mut conn, |c| {
            for i in done..upto {
                audit::append(c, &entry(i))?;
            }
            Ok(())
        })
        .expect("append");
        done = upto;
    }
    let secs = start.elapsed().as_secs_f64();
    println!("fill: {n} appends in {secs:.1} s = {:.0} appends/s (10,000 per transaction)", n as f64 / secs);

    // One append per transaction, as the service does, at this size (synchronous=FULL).
    let k = 2_000;
    let start = Instant::now();
    for i in 0..k {
        write_transaction(&mut conn, |c| audit::append(c, &entry(n + i))).expect("append");
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "append, one per transaction, at {n} entries: {:.0} appends/s ({:.3} ms each)",
        k as f64 / secs,
        secs * 1e3 / k as f64
    );

    let size = n + k;
    let mut inclusion = Vec::new();
    let mut consistency = Vec::new();
    let mut lengths = 0;
    let mut x: u64 = 88172645463325252;
    for _ in 0..1000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let index = x % size;
        let t = Instant::now();
        let proof = tree::inclusion_proof(&mut conn, index, size).expect("proof");
        inclusion.push(t.elapsed());
        lengths += proof.len();
        let old = 1 + x % (size - 1);
        let t = Instant::now();
        tree::consistency_proof(&mut conn, old, size).expect("proof");
        consistency.push(t.elapsed());
    }
    println!(
        "inclusion proof at {size} entries: median {:.1} µs ({} hashes on average)",
        median(inclusion).as_secs_f64() * 1e6,
        lengths / 1000
    );
    println!("consistency proof at {size} entries: median {:.1} µs", median(consistency).as_secs_f64() * 1e6);

    let start = Instant::now();
    let report = audit::verify::verify_log(&mut conn, None, None, &|_| {}).expect("verify");
    assert!(report.ok(), "{:?}", report.problems);
    println!("full verification of {size} entries: {:.1} s", start.elapsed().as_secs_f64());
}
