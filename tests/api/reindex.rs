//! Rebuilding the blind index online (issue 23), on both backends: the test drives the
//! rebuild batch by batch and writes and searches between every two batches. None is
//! refused, searches find what they found before plus the new writes, every record is
//! found after the switch, the old build's rows are gone, and a rebuild stopped midway
//! (its services dropped) resumes under the keys it started with.

use custodia::domain::Role;
use custodia::search::index::{self, BlindIndex, Index};
use custodia::search::query::candidates_for;
use custodia::search::reindex::{self, Build};
use custodia::services::Services;
use custodia::store::DbConnection;
use serde_json::json;

use crate::fixtures::case_with_witness;
use crate::helpers::*;

const ACCOUNT: &str = "Меня задержали на площади и отвезли в изолятор.";

struct World {
    app: TestApp,
    doc: String,
    inv: String,
    case: CaseId,
    witness: PersonId,
    /// Testimony versions that hold "задержали", and perpetrators named Лукашенко.
    testimonies: u64,
    perpetrators: u64,
    sealed: TestimonyId,
}

async fn world() -> World {
    let app = spawn_app().await;
    let (_, doc) = app.user_with_token(Role::Documenter).await;
    let (inv_id, inv) = app.user_with_token(Role::Investigator).await;
    let (case, witness) = case_with_witness(&app, &doc, "R-1", "Мария Сидорова").await;
    app.add_member(&case, inv_id).await;
    let sealed = app.record_sealed(&doc, &case, account(&witness)).await;
    let mut w = World { app, doc, inv, case, witness, testimonies: 1, perpetrators: 0, sealed };
    for _ in 0..4 {
        w.write().await;
    }
    w
}

fn account(witness: &PersonId) -> NewTestimony {
    NewTestimony::by(witness).languages(&["ru"]).account(ACCOUNT)
}

impl World {
    /// A new testimony, a new version of the sealed one, and a new perpetrator.
    async fn write(&mut self) {
        let (app, doc) = (&self.app, &self.doc);
        app.record_testimony(doc, &self.case, account(&self.witness)).await;
        let corrected = account(&self.witness).correcting("Свидетель уточнил");
        self.sealed = app.correct(doc, &self.sealed, corrected).await.id;
        app.create_person(doc, &self.case, NewPerson::perpetrator().named("Лукашенко")).await;
        self.testimonies += 2;
        self.perpetrators += 1;
    }

    /// Searches find every version written and every perpetrator.
    async fn finds_everything(&self, when: &str) {
        let found = self.app.search(&self.inv, json!({"q": "задержан"})).await;
        assert_eq!(found["total"], self.testimonies, "{when}: {found}");
        let people = self.app.search(&self.inv, json!({"q": "Lukashenko", "kind": "persons"})).await;
        assert_eq!(people["total"], self.perpetrators, "{when}: {people}");
    }
}

async fn begin(services: &Services, new_key: bool) -> Build {
    let now = services.context().clock().now_naive();
    services.context().write_plain(move |c| reindex::begin(c, new_key, now)).await.unwrap()
}

async fn step(services: &Services, limit: i64) -> (Build, bool) {
    services.context().write(move |c, k| reindex::step(c, k, limit)).await.unwrap()
}

async fn purge(services: &Services) -> usize {
    let mut removed = 0;
    loop {
        match services.context().write_plain(|c| reindex::purge(c, 3)).await.unwrap() {
            0 => return removed,
            n => removed += n,
        }
    }
}

/// Index rows (postings, digests) of `build`.
fn rows_of(c: &mut DbConnection, build: i64) -> custodia::error::Result<(i64, i64)> {
    use custodia::store::schema::search_digests;
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let postings = match c {
        #[cfg(feature = "postgres")]
        DbConnection::Postgres(_) => "SELECT COUNT(*) AS n FROM search_postings WHERE build = ",
        #[allow(unreachable_patterns)]
        _ => "SELECT COUNT(*) AS n FROM search_records WHERE build = ",
    };
    let postings = diesel::sql_query(format!("{postings}{build}")).get_result::<Count>(c)?.n;
    let digests = search_digests::table.filter(search_digests::build.eq(build)).count().get_result(c)?;
    Ok((postings, digests))
}

/// A whole rebuild, switch and purge, as `custodia search reindex` runs it.
pub async fn rebuild(services: &Services, new_key: bool) -> Build {
    begin(services, new_key).await;
    while !step(services, reindex::BATCH).await.1 {}
    let done = services.context().write_plain(reindex::switch).await.unwrap();
    purge(services).await;
    done
}

async fn rebuild_while_writing_and_searching(new_key: bool) {
    let mut w = world().await;
    let services = &w.app.state.clone();
    w.finds_everything("before").await;
    let (old_build, old_generation) = services.context().read(index::active).await.unwrap();
    let walked = services.context().read(reindex::record_count).await.unwrap();
    let build = begin(services, new_key).await;
    assert_eq!((build.build, build.resumed), (old_build + 1, false));
    assert_eq!(build.generation, old_generation + i64::from(new_key));
    let mut batches = 0;
    loop {
        let (progress, finished) = step(services, 2).await;
        batches += 1;
        // Writes and searches between every two batches: none refused, all found.
        w.write().await;
        w.finds_everything(&format!("after batch {batches}")).await;
        let active = services.context().read(index::active).await.unwrap();
        assert_eq!(active, (old_build, old_generation), "searches use the old build until the switch");
        if finished {
            assert!(progress.done() >= walked, "{} of at least {walked}", progress.done());
            break;
        }
    }
    assert!(batches > 10, "walked in small batches: {batches}");
    let both = services.context().read(move |c| rows_of(c, old_build + 1)).await.unwrap();
    assert!(both.0 > 0 && both.1 > 0, "the new build is being filled: {both:?}");

    let switched = services.context().write_plain(reindex::switch).await.unwrap();
    assert_eq!(switched.build, build.build);
    let active = services.context().read(index::active).await.unwrap();
    assert_eq!(active, (build.build, build.generation));
    w.finds_everything("after the switch, before the old rows go").await;
    assert!(purge(services).await > 0);
    assert_eq!(services.context().read(move |c| rows_of(c, old_build)).await.unwrap(), (0, 0));
    w.write().await;
    w.finds_everything("after the switch").await;

    // Nothing answers under the old build any more, whatever its keys.
    let case = w.case.as_str().to_owned();
    let old_keys = services
        .context()
        .write(move |c, k| {
            let old = BlindIndex::new(k, Index::Testimonies, old_generation).in_build(old_build);
            let wanted = old.blind(&index::Wanted::all(&["задержа".to_owned()]));
            candidates_for(c, Index::Testimonies, old_build, &wanted, &[case])
        })
        .await
        .unwrap();
    assert!(old_keys.is_empty(), "{old_keys:?}");
    let actions = w.app.audit_actions().await;
    for a in ["search.reindex_started", "search.reindex"] {
        assert!(actions.contains(&a.to_owned()), "{a}");
    }
}

#[tokio::test]
async fn a_rebuild_runs_batch_by_batch_while_the_service_writes_and_searches() {
    rebuild_while_writing_and_searching(false).await;
}

#[tokio::test]
async fn a_re_key_runs_batch_by_batch_while_the_service_writes_and_searches() {
    rebuild_while_writing_and_searching(true).await;
}

/// The rebuild's process stops after two batches; run again, it continues where it
/// stopped, under the new keys it started with even when not asked for them again.
#[tokio::test]
async fn a_rebuild_stopped_midway_resumes_under_the_keys_it_started_with() {
    let mut w = world().await;
    let settings = test_settings(&w.app.db);
    let walked = w.app.state.context().read(reindex::record_count).await.unwrap();
    let (_, old_generation) = w.app.state.context().read(index::active).await.unwrap();
    let first = {
        let cli = Services::open(&settings, false).await.unwrap();
        let started = begin(&cli, true).await;
        step(&cli, 2).await;
        let (progress, finished) = step(&cli, 2).await;
        assert!(!finished);
        assert_eq!(progress.done(), 4);
        started
    };
    w.write().await;
    w.finds_everything("while no one builds").await;
    let cli = Services::open(&settings, false).await.unwrap();
    let resumed = begin(&cli, false).await;
    assert!(resumed.resumed);
    assert_eq!((resumed.build, resumed.generation, resumed.new_key), (first.build, old_generation + 1, true));
    assert_eq!(resumed.done(), 4, "continues after the records done");
    loop {
        let (_, finished) = step(&cli, 2).await;
        w.write().await;
        if finished {
            break;
        }
    }
    let done = cli.context().write_plain(reindex::switch).await.unwrap();
    assert!(done.done() >= walked, "{} of at least {walked}", done.done());
    purge(&cli).await;
    w.finds_everything("after the resumed rebuild").await;
    assert!(w.app.audit_actions().await.contains(&"search.reindex_resumed".to_owned()));
}
