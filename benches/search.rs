//! Blind-index search at scale, against a plaintext full-text baseline in the same run:
//! SQLite FTS5 or PostgreSQL `to_tsvector` + GIN over the same plaintext. Synthetic
//! corpus: N documents of ~2 KB drawn from a Russian and English word list, over 200
//! cases. Reports indexing rate, index size per document, and p50/p99 of candidate
//! lookup for one-word and two-word queries in the searcher's 20 cases, and two words in
//! one case (the case filter); the decrypt-and-re-check step that follows is measured by
//! the load test (benches/load).
//!
//! The corpus has sentence starts and names in both scripts, so the cross-script keys of
//! capitalised words are indexed as in real accounts, and each query word is looked up as
//! its stem or its key, as the search does.
//!
//! The blind index is the production one (`search::index`): the blinded tokens in the
//! engine's own inverted index — a contentless FTS5 table on SQLite, an `INTEGER[]` under
//! GIN on PostgreSQL — plus each record's sealed digests. (The token table it replaced,
//! and the other layouts tried, are measured in docs/performance.md.)
//!
//! `cargo bench --all-features --bench search -- [N]` (SQLite), or with
//! `CUSTODIA_BENCH_POSTGRES_URL=postgres://…` (an empty database) for PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed step should stop a test or bench

use std::time::{Duration, Instant};

use custodia::config::Settings;
use custodia::crypto::Keyring;
use custodia::search::index::{self, BlindIndex, Index};
use custodia::search::{normalize, query};
use custodia::store::{Db, DbConnection, migrate, write_transaction};
use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Text};

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
    "флаг",
    "мужчина",
    "женщина",
    "студент",
    "рабочий",
    "пенсионер",
    "ночь",
    "утро",
    "август",
    "окрестина",
    "жодино",
    "минск",
    "гродно",
    "брест",
    "гомель",
    "могилёв",
    "витебск",
    "милиция",
    "кгб",
    "detained",
    "beaten",
    "batons",
    "cell",
    "officers",
    "interrogation",
    "lawyer",
    "court",
    "fine",
    "days",
    "corridor",
    "wall",
    "knees",
    "water",
    "food",
    "doctor",
    "injuries",
    "bruises",
    "ribs",
    "head",
    "threatened",
    "relatives",
    "phone",
    "search",
    "van",
    "square",
    "protest",
    "flag",
    "man",
    "woman",
    "student",
    "worker",
    "night",
    "morning",
    "august",
    "prison",
    "guards",
    "screamed",
    "kicked",
    "floor",
];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Surnames and first names that accounts mention, in both scripts: with sentence starts,
/// the capitalised words that the cross-script name keys are made of.
const NAMES: &[&str] = &[
    "Сидоренко",
    "Петров",
    "Иванова",
    "Ковалёв",
    "Лукашенко",
    "Виктор",
    "Сергей",
    "Ольга",
    "Мельник",
    "Шевченко",
    "Sidorenko",
    "Petrov",
    "Kovalenko",
    "Tsikhanouskaya",
    "Dmitry",
];

fn document(rng: &mut Rng) -> String {
    let mut s = String::with_capacity(2200);
    let mut words = 0u64;
    while s.len() < 2000 {
        // A skewed draw, so some words are common and some rare, as in real accounts.
        let r = rng.next() % (WORDS.len() as u64 * WORDS.len() as u64);
        let i = (r as f64).sqrt() as usize % WORDS.len();
        // About one sentence in twelve words, and a name now and then, as accounts have.
        if words.is_multiple_of(12) {
            let mut chars = WORDS[i].chars();
            if let Some(first) = chars.next() {
                s.push_str(". ");
                s.extend(first.to_uppercase());
                s.push_str(chars.as_str());
            }
        } else {
            s.push_str(WORDS[i]);
        }
        s.push(' ');
        words += 1;
        if rng.next().is_multiple_of(40) {
            s.push_str(NAMES[(rng.next() % NAMES.len() as u64) as usize]);
            s.push(' ');
        }
        if rng.next().is_multiple_of(97) {
            s.push_str(&format!("{} ", rng.next() % 10_000));
        }
    }
    s
}

fn percentile(mut v: Vec<Duration>, p: f64) -> f64 {
    v.sort();
    v[((v.len() as f64 - 1.0) * p) as usize].as_secs_f64() * 1e3
}

/// PostgreSQL: table, indexes and TOAST together.
fn size_bytes(c: &mut DbConnection, tables: &[&str]) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Size {
        #[diesel(sql_type = BigInt)]
        bytes: i64,
    }
    let list =
        tables.iter().map(|t| format!("pg_total_relation_size('{t}')")).collect::<Vec<_>>().join(" + ");
    diesel::sql_query(format!("SELECT CAST({list} AS BIGINT) AS bytes"))
        .get_result::<Size>(c)
        .map(|s| s.bytes)
        .unwrap_or(-1)
}

fn main() {
    let n: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(100_000);
    let pg = std::env::var("CUSTODIA_BENCH_POSTGRES_URL").ok();
    let dir = tempfile::tempdir().expect("tmp");
    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let mut settings = Settings::load_with(&config, "development", false).expect("settings");
    settings.database.url =
        pg.clone().unwrap_or_else(|| format!("sqlite://{}", dir.path().join("s.db").display())).into();
    let db = Db::connect(&settings.database).expect("db");
    let mut conn = db.get().expect("conn");
    let c: &mut DbConnection = &mut conn;
    migrate::run_pending(c).expect("migrate");
    let postgres = pg.is_some();
    // SQLite: the baseline lives in its own attached file, so each can be measured.
    let plain_file = dir.path().join("plain.db");
    let plain_ddl = if postgres {
        "CREATE TABLE bench_plain (id TEXT PRIMARY KEY, case_id TEXT, body TEXT, tsv tsvector);
         CREATE INDEX bench_plain_tsv ON bench_plain USING GIN (tsv);"
            .to_owned()
    } else {
        format!(
            "ATTACH DATABASE '{}' AS plain;
             CREATE VIRTUAL TABLE plain.bench_plain USING fts5(id UNINDEXED, case_id UNINDEXED, body);",
            plain_file.display()
        )
    };
    c.batch_execute(&plain_ddl).expect("baseline table");
    let keyring = Keyring::generate();
    let cases: Vec<String> = (0..200).map(|i| format!("case-{i:03}")).collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);

    let mut index_time = Duration::ZERO;
    let mut plain_time = Duration::ZERO;
    let batch = 1000;
    for start in (0..n).step_by(batch) {
        let docs: Vec<(String, String, String)> = (start..(start + batch).min(n))
            .map(|i| (format!("doc-{i:07}"), cases[i % cases.len()].clone(), document(&mut rng)))
            .collect();
        let t = Instant::now();
        write_transaction(c, |c| {
            for (id, case, body) in &docs {
                index::index_testimony(c, &keyring, case, id, body)?;
            }
            Ok(())
        })
        .expect("index");
        index_time += t.elapsed();
        let t = Instant::now();
        write_transaction(c, |c| {
            for (id, case, body) in &docs {
                let sql = if postgres {
                    "INSERT INTO bench_plain (id, case_id, body, tsv) VALUES ($1, $2, $3, to_tsvector('simple', $3))"
                } else {
                    "INSERT INTO plain.bench_plain (id, case_id, body) VALUES (?, ?, ?)"
                };
                diesel::sql_query(sql)
                    .bind::<Text, _>(id)
                    .bind::<Text, _>(case)
                    .bind::<Text, _>(body)
                    .execute(c)?;
            }
            Ok(())
        })
        .expect("baseline");
        plain_time += t.elapsed();
    }
    // GIN keeps new entries in a pending list until VACUUM (or 4 MB of them), as autovacuum
    // would: flush both, and give the planner statistics, counting the time as indexing.
    if postgres {
        let t = Instant::now();
        for table in ["search_postings", "search_digests"] {
            c.batch_execute(&format!("VACUUM ANALYZE {table}")).expect("vacuum");
        }
        index_time += t.elapsed();
        let t = Instant::now();
        c.batch_execute("VACUUM ANALYZE bench_plain").expect("vacuum");
        plain_time += t.elapsed();
    }
    let backend = if postgres { "PostgreSQL" } else { "SQLite" };
    println!("{backend}, {n} documents of ~2 KB, 200 cases");
    println!(
        "indexing (normalise + HMAC + seal digests + insert): {:.0} docs/s; plaintext baseline insert: {:.0} docs/s",
        n as f64 / index_time.as_secs_f64(),
        n as f64 / plain_time.as_secs_f64()
    );
    let (postings, digests, plain) = if postgres {
        (
            size_bytes(c, &["search_postings"]),
            size_bytes(c, &["search_digests"]),
            size_bytes(c, &["bench_plain"]),
        )
    } else {
        let _ =
            c.batch_execute("PRAGMA main.wal_checkpoint(TRUNCATE); PRAGMA plain.wal_checkpoint(TRUNCATE);");
        (
            sqlite_size(
                c,
                "main",
                "name LIKE 'search_fts%' OR name LIKE 'search_records%' OR name LIKE 'sqlite_autoindex_search_records%'",
            ),
            sqlite_size(
                c,
                "main",
                "name LIKE 'search_digests%' OR name LIKE 'sqlite_autoindex_search_digests%'",
            ),
            sqlite_size(c, "plain", "1"),
        )
    };
    println!(
        "size per document: blind index postings {} bytes + sealed digests {} bytes; plaintext table + full-text index {} bytes",
        postings / n as i64,
        digests / n as i64,
        plain / n as i64
    );

    let searcher = BlindIndex::current(c, &keyring, Index::Testimonies).expect("index key");
    let my_cases: Vec<String> = cases.iter().take(20).cloned().collect();
    for (label, words, in_cases) in [
        ("one word, 20 cases", 1usize, &my_cases[..]),
        ("two words, 20 cases", 2, &my_cases[..]),
        ("two words, one case", 2, &my_cases[..1]),
    ] {
        let mut blind_t = Vec::new();
        let mut plain_t = Vec::new();
        let mut hits = 0usize;
        let mut plain_hits = 0usize;
        let mut too_broad = 0usize;
        // Per query: whether it matched more than 2,000 (most do: the corpus draws ~250
        // words a document from 89), to report the others apart.
        let mut broad: Vec<bool> = Vec::new();
        let in_list = in_cases.iter().map(|x| format!("'{x}'")).collect::<Vec<_>>().join(",");
        for q in 0..200 {
            let picked: Vec<&str> = (0..words).map(|k| WORDS[(q * 7 + k * 13) % WORDS.len()]).collect();
            let text = picked.join(" ");
            // As the search asks: each word as its stem or its cross-script key.
            let parsed = normalize::query_terms(&text).unwrap_or_default();
            let tokens = searcher.blind(&query::word_groups(&parsed));
            let t = Instant::now();
            let outcome = query::candidates_for(c, Index::Testimonies, searcher.build(), &tokens, in_cases);
            blind_t.push(t.elapsed());
            too_broad += usize::from(outcome.is_err());
            broad.push(outcome.is_err());
            hits += outcome.map(|v| v.len()).unwrap_or_default();
            let sql = if postgres {
                format!(
                    "SELECT id FROM bench_plain WHERE tsv @@ plainto_tsquery('simple', '{text}') AND case_id IN ({in_list}) LIMIT 2001"
                )
            } else {
                format!(
                    "SELECT id FROM bench_plain WHERE bench_plain MATCH '{text}' AND case_id IN ({in_list}) LIMIT 2001"
                )
            };
            #[derive(diesel::QueryableByName)]
            struct Id {
                #[diesel(sql_type = Text)]
                #[allow(dead_code)]
                id: String,
            }
            let t = Instant::now();
            let found = diesel::sql_query(sql).load::<Id>(c).map(|v| v.len()).unwrap_or_default();
            plain_t.push(t.elapsed());
            if found <= 2000 {
                plain_hits += found;
            }
        }
        println!(
            "{label}: blind index p50 {:.2} ms p99 {:.2} ms; plaintext p50 {:.2} ms p99 {:.2} ms ({too_broad} of 200 over 2,000 matches)",
            percentile(blind_t.clone(), 0.5),
            percentile(blind_t.clone(), 0.99),
            percentile(plain_t.clone(), 0.5),
            percentile(plain_t.clone(), 0.99)
        );
        let kept = 200 - too_broad;
        if kept == 0 || too_broad == 0 {
            continue;
        }
        let selective = |v: &[Duration]| -> Vec<Duration> {
            v.iter().zip(&broad).filter(|(_, b)| !**b).map(|(d, _)| *d).collect()
        };
        let (blind_sel, plain_sel) = (selective(&blind_t), selective(&plain_t));
        // With few queries, p99 is their maximum.
        println!(
            "{label}, only the {kept} queries under 2,000 matches: blind index p50 {:.2} ms p99 {:.2} ms ({} candidates/query, coincidences of 16-bit tokens included); plaintext p50 {:.2} ms p99 {:.2} ms ({} matches/query)",
            percentile(blind_sel.clone(), 0.5),
            percentile(blind_sel, 0.99),
            hits / kept,
            percentile(plain_sel.clone(), 0.5),
            percentile(plain_sel, 0.99),
            plain_hits / kept
        );
    }
}

/// SQLite: bytes of the pages of the tables and indexes whose names the condition keeps.
fn sqlite_size(c: &mut DbConnection, schema: &str, names: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Size {
        #[diesel(sql_type = BigInt)]
        bytes: i64,
    }
    diesel::sql_query(format!(
        "SELECT CAST(COALESCE(SUM(pgsize), 0) AS BIGINT) AS bytes FROM dbstat('{schema}') WHERE {names}"
    ))
    .get_result::<Size>(c)
    .map(|s| s.bytes)
    .unwrap_or(-1)
}
