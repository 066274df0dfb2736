//! Search over encrypted testimonies, on both backends: another inflection finds the
//! account, a Latin-script name finds the Cyrillic person, nothing leaks from cases the
//! searcher is not in, a discarded draft vanishes, and a rebuilt index finds the same.

use custodia::domain::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixtures::case_with_witness;
use crate::helpers::*;

/// An account in Russian by `witness`, consent the default (prosecutors).
fn account(witness: &PersonId, text: &str) -> NewTestimony {
    NewTestimony::by(witness).languages(&["ru"]).account(text)
}

#[tokio::test]
async fn investigators_find_accounts_and_names_across_inflections_and_scripts_within_their_cases() {
    let app = spawn_app().await;
    let (_, doc) = app.user_with_token(Role::Documenter).await;
    let (inv_id, inv) = app.user_with_token(Role::Investigator).await;
    let c1 = app.create_case(&doc, NewCase::new("S-1", "one")).await.id;
    let c2 = app.create_case(&doc, NewCase::new("S-2", "two")).await.id;
    app.add_member(&c1, inv_id).await;

    let mut ids = Vec::new();
    for case in [&c1, &c2] {
        let w = app.create_person(&doc, case, NewPerson::witness().named("Мария Сидорова")).await.id;
        let text = "Меня задержали на площади и отвезли в изолятор на Окрестина.";
        ids.push(app.record_testimony(&doc, case, account(&w, text)).await.id);
        app.create_person(&doc, case, NewPerson::perpetrator().named("Лукашенко")).await;
    }

    // Another inflection of the same verb finds it; only the investigator's case answers.
    let found = app.search(&inv, json!({"q": "задержан"})).await;
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["items"][0]["id"], ids[0]);
    assert!(found["items"][0]["snippet"].as_str().unwrap().contains("задержали"));
    let phrase = app.search(&inv, json!({"q": "\"на Окрестина\""})).await;
    assert_eq!(phrase["total"], 1);
    let none = app.search(&inv, json!({"q": "\"на площади Окрестина\""})).await;
    assert_eq!(none["total"], 0, "the phrase is re-checked on the decrypted text");
    assert_eq!(app.search(&doc, json!({"q": "задержан"})).await["total"], 2, "the documenter is in both");

    // A Latin-script name finds the Cyrillic perpetrator.
    let people = app.search(&inv, json!({"q": "Lukashenko", "kind": "persons"})).await;
    assert_eq!(people["total"], 1, "{people}");
    assert_eq!(people["items"][0]["pseudonym"], "P-0001");
    // A witness is not found by name by someone who may not know who they are.
    assert_eq!(app.search(&inv, json!({"q": "Мария Сидорова", "kind": "persons"})).await["total"], 0);
    assert_eq!(app.search(&doc, json!({"q": "Maria Sidorova", "kind": "persons"})).await["total"], 2);

    // The searcher's other cases are not searchable, not even by naming them.
    assert_problem(
        app.post("/api/v1/search", &inv, json!({"q": "задержан", "case_id": c2})).await,
        404,
        "not_found",
    )
    .await;
    for bad in [
        json!({"q": ""}),
        json!({"q": "и на в"}),
        json!({"q": "x".repeat(5000)}),
        json!({"q": "a", "limit": 1000}),
    ] {
        assert_problem(app.post("/api/v1/search", &inv, bad).await, 422, "validation_error").await;
    }
    assert_problem(app.post("/api/v1/search", &app.admin, json!({"q": "задержан"})).await, 403, "forbidden")
        .await;

    // Searches are audited with their terms sealed: the log holds no query text.
    let actions = app.audit_actions().await;
    assert!(actions.contains(&"search".to_owned()));
    let log = app.state.context().read(|c| custodia::audit::recent(c, 100)).await.unwrap();
    assert!(!format!("{log:?}").contains("задерж"));

    // A discarded draft vanishes from results; a rebuilt index finds the same.
    let res = app.call(Method::DELETE, &format!("/api/v1/testimonies/{}", ids[1]), Some(&doc), None).await;
    assert_eq!(res.status(), 204);
    assert_eq!(app.search(&doc, json!({"q": "задержан"})).await["total"], 1);
    let tokens = |app: &TestApp| {
        let db = app.state.context().db().clone();
        async move { db.run(posted_tokens).await.unwrap() }
    };
    let before = tokens(&app).await;
    let rebuilt = crate::reindex::rebuild(&app.state, false).await;
    assert_eq!(rebuilt.testimonies, 1);
    assert_eq!(app.search(&doc, json!({"q": "задержан"})).await["total"], 1);
    // Under new index keys every token changes, and the results stay the same.
    crate::reindex::rebuild(&app.state, true).await;
    let after = tokens(&app).await;
    let kept = before.iter().filter(|t| after.contains(t)).count();
    assert!(kept * 4 < before.len(), "most tokens differ under a new key ({kept} of {} kept)", before.len());
    assert_eq!(app.search(&doc, json!({"q": "задержан"})).await["total"], 1);
    assert_eq!(app.search(&inv, json!({"q": "Lukashenko", "kind": "persons"})).await["total"], 1);
    assert!(app.audit_actions().await.contains(&"search.reindex".to_owned()));
}

#[tokio::test]
async fn filters_follow_incidents_places_perpetrators_and_the_chain_of_command() {
    let app = spawn_app().await;
    let (_, doc) = app.user_with_token(Role::Documenter).await;
    let (inv_id, inv) = app.user_with_token(Role::Investigator).await;
    let c = app.create_case(&doc, NewCase::new("F-1", "filters")).await.id;
    app.add_member(&c, inv_id).await;
    let w = app.create_person(&doc, &c, NewPerson::victim()).await.id;
    let mut testimonies = Vec::new();
    for text in ["Меня задержали и били дубинками.", "Меня задержали у дома, но отпустили."]
    {
        testimonies.push(app.record_testimony(&doc, &c, account(&w, text)).await.id);
    }
    let top = app.create_unit(&inv, &c, NewUnit::named("Top")).await.id;
    let sub = app.create_unit(&inv, &c, NewUnit::named("Sub").under(&top)).await.id;
    let perp = app.create_person(&inv, &c, NewPerson::perpetrator().in_unit(&sub)).await.id;
    let place = app.create_place(&inv, &c, NewPlace::new("prison", "Жодино")).await.id;
    let incident = NewIncident::of("torture")
        .methods(&["beating_with_batons"])
        .started("2020-08-10", "exact")
        .at(&place);
    let iid = app.create_incident(&inv, &c, incident).await.id;
    app.link_incident(&inv, &testimonies[0], &iid).await;
    app.add_involvement(&inv, &iid, Involvement::person(&perp, "carried_out")).await;

    let only_first = |v: &Value| v["total"] == 1 && v["items"][0]["id"] == testimonies[0];
    for filters in [
        json!({"act_type": "torture"}),
        json!({"torture_method": "beating_with_batons"}),
        json!({"from": "2020-08-01", "to": "2020-08-31"}),
        json!({"place_id": place}),
        json!({"perpetrator_id": perp}),
        json!({"unit_id": top}),
    ] {
        let found = app.search(&inv, json!({"filters": filters})).await;
        assert!(only_first(&found), "{filters}: {found}");
        let both = app.search(&inv, json!({"q": "задержали", "filters": filters})).await;
        assert!(only_first(&both), "words and {filters}: {both}");
    }
    assert_eq!(app.search(&inv, json!({"q": "задержали"})).await["total"], 2);
    assert_eq!(app.search(&inv, json!({"filters": {"from": "2020-09-01"}})).await["total"], 0);
    let res =
        app.post("/api/v1/search", &inv, json!({"filters": {"act_type": "nonsense", "from": "2021"}})).await;
    let body = assert_problem(res, 422, "validation_error").await;
    let fields: Vec<&str> =
        body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["filters.act_type", "filters.from"]);
    // A bad filter is refused whatever kind is searched, never silently ignored.
    let res = app
        .post(
            "/api/v1/search",
            &inv,
            json!({"kind": "persons", "q": "задержали", "filters": {"act_type": "e_z*"}}),
        )
        .await;
    assert_problem(res, 422, "validation_error").await;
}

/// Every 16-bit token in the index, as the engine keeps it (scope tokens left out: they
/// name cases, not words, and stay the same under new keys).
fn posted_tokens(c: &mut custodia::store::DbConnection) -> custodia::error::Result<Vec<String>> {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Token {
        #[diesel(sql_type = diesel::sql_types::Text)]
        t: String,
    }
    let sql = match c {
        #[cfg(feature = "postgres")]
        custodia::store::DbConnection::Postgres(_) => {
            "SELECT DISTINCT CAST(t AS TEXT) AS t FROM search_postings, unnest(tokens) AS t WHERE t < 65536 ORDER BY 1"
        }
        #[allow(unreachable_patterns)]
        _ => {
            diesel::sql_query(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_vocab USING fts5vocab(main, 'search_fts', 'row')",
            )
            .execute(c)?;
            "SELECT term AS t FROM temp.search_vocab WHERE length(term) = 4 ORDER BY 1"
        }
    };
    Ok(diesel::sql_query(sql).load::<Token>(c)?.into_iter().map(|t| t.t).collect())
}

/// The engine's inverted index gives exactly the records holding every token (or any),
/// in the caller's cases only, however common or rare the tokens are.
#[tokio::test]
async fn candidates_are_the_records_holding_every_token_in_the_callers_cases() {
    use custodia::search::index::{self, Index};
    use custodia::search::query::candidates;
    use std::collections::BTreeSet;

    let app = spawn_app().await;
    const COMMON: u16 = 0x0001;
    const MID: u16 = 0xa002;
    const RARE: u16 = 0x0303;
    const ONCE: u16 = 0xffff;
    let postings: [(u16, &[u32]); 4] = [
        (COMMON, &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
        (MID, &[1, 2, 3, 4, 5, 6]),
        (RARE, &[3, 7]),
        (ONCE, &[3]),
    ];
    app.state
        .context()
        .read(move |c| {
            for r in 1..=10u32 {
                let tokens: Vec<u16> =
                    postings.iter().filter(|(_, rs)| rs.contains(&r)).map(|(t, _)| *t).collect();
                index::put_postings(c, Index::Testimonies, &format!("r{r:02}"), "mine", &tokens)?;
            }
            // Every token, in a case the searcher is not in and in the other index.
            let all: Vec<u16> = postings.iter().map(|(t, _)| *t).collect();
            index::put_postings(c, Index::Testimonies, "r99", "theirs", &all)?;
            index::put_postings(c, Index::Names, "p01", "mine", &all)?;
            // Replacing a record's postings leaves none of the old ones.
            index::put_postings(c, Index::Testimonies, "r11", "mine", &all)?;
            index::put_postings(c, Index::Testimonies, "r11", "mine", &[0x7777])?;
            Ok(())
        })
        .await
        .unwrap();

    let expected = |tokens: &[u16], all: bool| -> BTreeSet<String> {
        (1..=10)
            .filter(|r| {
                let holds = |t: &u16| postings.iter().any(|(p, rs)| p == t && rs.contains(r));
                if all { tokens.iter().all(holds) } else { tokens.iter().any(holds) }
            })
            .map(|r| format!("r{r:02}"))
            .collect()
    };
    let queries: [&[u16]; 7] = [
        &[COMMON, RARE],
        &[COMMON, MID],
        &[RARE, MID, COMMON],
        &[MID, ONCE],
        &[COMMON, MID, RARE, ONCE],
        &[COMMON],
        &[ONCE, 0x4242],
    ];
    for all in [true, false] {
        for query in queries {
            let tokens = query.to_vec();
            let got = app
                .state
                .context()
                .read(move |c| {
                    candidates(c, Index::Testimonies, &tokens, &["mine".to_owned(), "other".to_owned()], all)
                })
                .await
                .unwrap();
            let got: BTreeSet<String> = got
                .into_iter()
                .map(|(id, case)| {
                    assert_eq!(case, "mine");
                    id
                })
                .collect();
            assert_eq!(got, expected(query, all), "{query:?}, all: {all}");
        }
    }
    let theirs = app
        .state
        .context()
        .read(|c| candidates(c, Index::Testimonies, &[ONCE], &["theirs".to_owned()], true))
        .await
        .unwrap();
    assert_eq!(theirs, [("r99".to_owned(), "theirs".to_owned())]);
    let new = app
        .state
        .context()
        .read(|c| candidates(c, Index::Testimonies, &[0x7777], &["mine".to_owned()], true))
        .await;
    assert_eq!(new.unwrap(), [("r11".to_owned(), "mine".to_owned())]);

    // Removed: gone from the index.
    app.state.context().read(|c| index::remove(c, Index::Testimonies, "r03")).await.unwrap();
    let left = app
        .state
        .context()
        .read(|c| candidates(c, Index::Testimonies, &[ONCE], &["mine".to_owned()], true))
        .await;
    assert!(left.unwrap().is_empty());
}

/// A search decrypts only the candidates whose sealed digests hold its terms: one that
/// lacks a term is dropped before its record is opened, a record indexed before digests
/// existed is kept for the re-check on its text, and digests moved to another record are
/// an integrity error, not a silent miss.
#[tokio::test]
async fn sealed_digests_narrow_candidates_and_are_bound_to_their_record() {
    use custodia::search::index::{self, BlindIndex, Index};
    use custodia::store::schema::search_digests;
    use diesel::prelude::*;

    let app = spawn_app().await;
    let words = |w: &[&str]| -> Vec<String> { w.iter().map(|s| s.to_string()).collect() };
    let candidates = |ids: &[&str]| -> Vec<(String, String)> {
        ids.iter().map(|id| (id.to_string(), "case".to_owned())).collect()
    };
    let narrowed = |terms: Vec<String>, all: bool| {
        let ids = candidates(&["both", "alpha", "bare"]);
        app.state.context().write(move |c, keyring| {
            let blind = BlindIndex::current(c, keyring, Index::Testimonies)?;
            let kept = blind.narrow(c, ids, &terms, all)?;
            Ok(kept.into_iter().map(|(id, _)| id).collect::<Vec<_>>())
        })
    };
    let (both, alpha) = (words(&["alpha", "beta"]), words(&["alpha"]));
    app.state
        .context()
        .write(move |c, keyring| {
            let blind = BlindIndex::current(c, keyring, Index::Testimonies)?;
            index::put(c, &blind, "both", "case", &both)?;
            index::put(c, &blind, "alpha", "case", &alpha)?;
            // "bare" has postings but no digests: indexed before they existed.
            index::put(c, &blind, "bare", "case", &words(&["gamma"]))?;
            diesel::delete(search_digests::table.filter(search_digests::record_id.eq("bare"))).execute(c)?;
            Ok(())
        })
        .await
        .unwrap();

    assert_eq!(narrowed(words(&["alpha", "beta"]), true).await.unwrap(), ["both", "bare"]);
    assert_eq!(narrowed(words(&["alpha"]), true).await.unwrap(), ["both", "alpha", "bare"]);
    assert_eq!(narrowed(words(&["delta"]), true).await.unwrap(), ["bare"]);
    assert_eq!(narrowed(words(&["beta", "delta"]), false).await.unwrap(), ["both", "bare"]);
    assert_eq!(
        narrowed(Vec::new(), true).await.unwrap(),
        ["both", "alpha", "bare"],
        "no words: nothing to narrow by"
    );

    // Digests copied onto another record do not open there.
    app.state
        .context()
        .write(|c, _| {
            let blob: Vec<u8> = search_digests::table
                .filter(search_digests::record_id.eq("both"))
                .select(search_digests::digests)
                .first(c)?;
            diesel::update(search_digests::table.filter(search_digests::record_id.eq("alpha")))
                .set(search_digests::digests.eq(blob))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    let err = narrowed(words(&["alpha"]), true).await.unwrap_err();
    assert!(matches!(err, custodia::error::Error::Integrity), "{err:?}");

    // Removing a record's index entries removes its digests too.
    app.state.context().write(|c, _| index::remove(c, Index::Testimonies, "alpha")).await.unwrap();
    let left: i64 = app
        .state
        .context()
        .write(|c, _| {
            Ok(search_digests::table.filter(search_digests::record_id.eq("alpha")).count().get_result(c)?)
        })
        .await
        .unwrap();
    assert_eq!(left, 0);
}

/// Results come most matches first, then newest: an account that returns to what was done
/// again and again ranks above one that mentions it once, whatever their ages.
#[tokio::test]
async fn results_rank_by_matches_then_recency() {
    let app = spawn_app().await;
    let (_, doc) = app.user_with_token(Role::Documenter).await;
    let (case, w) = case_with_witness(&app, &doc, "R-1", "Ранг").await;
    let mut ids = Vec::new();
    // Oldest first: three mentions; then one; then one again (newest). (Snowball stems
    // "избивали" and "избили" apart: see the normaliser's tables.)
    for text in [
        "Нас избивали в коридоре. Потом избивали снова. Избивали до утра, избили.",
        "Меня избивали при задержании.",
        "Его избивали в автозаке.",
    ] {
        ids.push(app.record_testimony(&doc, &case, account(&w, text)).await.id);
    }
    let found = app.search(&doc, json!({"q": "избивали"})).await;
    assert_eq!(hit_ids(&found), [ids[0].as_str(), ids[2].as_str(), ids[1].as_str()], "{found}");
    assert_eq!(found["items"][0]["matches"], 3);
    assert_eq!(found["items"][1]["matches"], 1);
}

/// A write's index entries are prepared before its transaction, under the generation
/// seen then. Written after a re-key committed, they are recomputed under the new keys:
/// kept as prepared, the record would be missing from every search until the next rebuild.
#[tokio::test]
async fn entries_prepared_before_a_rekey_are_written_under_the_new_keys() {
    use custodia::search::index::{self, BlindIndex, Index, Prepared, Wanted};
    let app = spawn_app().await;
    let (_, doc) = app.user_with_token(Role::Documenter).await;
    let (case, _) = case_with_witness(&app, &doc, "R-1", "Ключ").await;
    let (case, id) = (case.as_str().to_owned(), uuid::Uuid::new_v4().to_string());
    let text = "Меня задержали у дома.";
    let ctx = app.state.context();
    let (c2, id2) = (case.clone(), id.clone());
    let ahead =
        ctx.write(move |c, k| Prepared::testimony(k, index::generation(c)?, &c2, &id2, text)).await.unwrap();
    crate::reindex::rebuild(&app.state, true).await;
    let (c2, id2) = (case.clone(), id.clone());
    ctx.write(move |c, k| index::index_testimony_with(c, k, Some(ahead), (&c2, &id2), text)).await.unwrap();

    let word = custodia::search::normalize::tokens("задержали");
    let (kept, old) = ctx
        .write(move |c, k| {
            let wanted = Wanted::all(&word);
            let current = BlindIndex::current(c, k, Index::Testimonies)?;
            let kept = current.narrow_to(c, vec![(id.clone(), case.clone())], &wanted)?;
            let before =
                BlindIndex::new(k, Index::Testimonies, index::generation(c)? - 1).in_build(current.build());
            let old = before.narrow_to(c, vec![(id, case)], &wanted).map(|k| k.len());
            Ok((kept.len(), old))
        })
        .await
        .unwrap();
    assert_eq!(kept, 1, "digests sealed under the new keys hold the word");
    assert!(matches!(old, Err(custodia::error::Error::Integrity)), "not under the old keys: {old:?}");
}

/// The ids of the hits of a search, in order.
fn hit_ids(found: &Value) -> Vec<&str> {
    found["items"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap()).collect()
}

/// A new testimony of the witness, its id.
async fn testimony(app: &TestApp, token: &str, case: &CaseId, witness: &PersonId, text: &str) -> TestimonyId {
    app.record_testimony(token, case, account(witness, text)).await.id
}

/// An investigator with a surname on a scrap of paper: a person is found by any part of
/// the name or an alias (surname alone, first name and surname reversed, the patronymic),
/// in any script and transliteration; never by a piece of a part; a witness only by those
/// who may know who they are. Through the API and through the page's one search box,
/// where people come first and each empty section says what was not found.
#[tokio::test]
async fn people_are_found_by_any_part_of_the_name_in_any_order_and_script() {
    let app = spawn_app().await;
    let (_, doc) = app.user_with_token(Role::Documenter).await;
    let inv_name = format!("inv-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let inv_id = app.add_user(&inv_name, Role::Investigator).await;
    let inv = app.login(&inv_name, PASSWORD).await;
    let (case, witness) = case_with_witness(&app, &doc, "N-1", "Сидоренко Мария Ивановна").await;
    app.add_member(&case, inv_id).await;
    let viktor = NewPerson::perpetrator().named("Сидоренко Виктор Петрович").alias("Витя");
    let viktor = app.create_person(&doc, &case, viktor).await.id;
    let sergei = app.create_person(&doc, &case, NewPerson::perpetrator().named("Sergei Ivanov")).await.id;
    let maria = witness;

    let cases: &[(&str, &[&str])] = &[
        ("Sidorenko", &[viktor.as_str()]),
        ("Сидоренко", &[viktor.as_str()]),
        ("Виктор Сидоренко", &[viktor.as_str()]),
        ("Sidorenko Viktor", &[viktor.as_str()]),
        ("Viktor Sidorenko", &[viktor.as_str()]),
        ("Петрович", &[viktor.as_str()]),
        ("Sydorenko Viktor Petrovych", &[viktor.as_str()]),
        ("Sidorenko Viktor Petrovič", &[viktor.as_str()]),
        ("Vitya Sidorenko", &[viktor.as_str()]),
        ("Иванов", &[sergei.as_str()]),
        ("Сергей Иванов", &[sergei.as_str()]),
        ("Иван", &[]),
        ("Сидор", &[]),
        ("Сидоренко Сергей", &[]),
        ("Мария", &[]),
    ];
    for (q, want) in cases {
        let found = app.search(&inv, json!({"q": q, "kind": "persons"})).await;
        assert_eq!(hit_ids(&found), *want, "{q}: {found}");
    }
    // Whoever recorded the witness finds her too; every part given must be hers.
    let found = app.search(&doc, json!({"q": "Sidorenko", "kind": "persons"})).await;
    assert_eq!(found["total"], 2, "{found}");
    let found = app.search(&doc, json!({"q": "Сидоренко Мария Ивановна", "kind": "persons"})).await;
    assert_eq!(hit_ids(&found), [maria.as_str()], "{found}");
    let found = app.search(&doc, json!({"q": "Maria Sidorenko", "kind": "persons"})).await;
    assert_eq!(hit_ids(&found), [maria.as_str()], "{found}");

    // The page: one box, people beside testimonies, the choice of what to look for
    // outside the filters.
    let b = app.web_login(&inv_name).await;
    let html = app.page(&b, "/search").await;
    let (kind, filters) = (html.find("id=\"kind\"").unwrap(), html.find("<details").unwrap());
    assert!(kind < filters, "what to look for is not hidden under Filters");
    let html = app.web_post(&b, "/search", &[("q", "Viktor Sidorenko")]).await.text().await.unwrap();
    assert!(html.contains("id=\"people\"") && html.contains(&format!("/persons/{viktor}")), "{html}");
    assert!(!html.contains(&format!("/persons/{maria}")), "the witness stays hidden");
    assert!(html.contains("Nothing found in testimonies"), "{html}");
    let html = app.web_post(&b, "/search", &[("q", "Kuznetsova")]).await.text().await.unwrap();
    assert!(
        html.contains("Nothing found among people") && html.contains("Nothing found in testimonies"),
        "{html}"
    );
    // One kind only, as before.
    let html =
        app.web_post(&b, "/search", &[("q", "Sidorenko"), ("kind", "persons")]).await.text().await.unwrap();
    assert!(html.contains(&format!("/persons/{viktor}")) && !html.contains("id=\"people\""));
    let log = app.state.context().read(|c| custodia::audit::recent(c, 200)).await.unwrap();
    assert!(!format!("{log:?}").to_lowercase().contains("sidorenko"), "search words sealed");
}

/// A Latin spelling in the words box finds the Cyrillic name in testimony text and the
/// reverse, beside ordinary words in any inflection; a piece of a name finds nothing. In
/// the page's one box the testimony comes with its snippet.
#[tokio::test]
async fn a_name_in_the_words_finds_the_text_in_the_other_script() {
    let app = spawn_app().await;
    let (_, doc) = app.user_with_token(Role::Documenter).await;
    let (case, w) = case_with_witness(&app, &doc, "X-1", "Свидетель").await;
    let ru = testimony(&app, &doc, &case, &w, "Меня избил майор Сидоренко в коридоре.").await;
    let en = testimony(&app, &doc, &case, &w, "Officer Petrov kicked me in the van.").await;
    let cases: &[(&str, &[&str])] = &[
        ("Sidorenko", &[ru.as_str()]),
        ("Sydorenko", &[ru.as_str()]),
        ("Сидоренко", &[ru.as_str()]),
        ("Sidorenko избил", &[ru.as_str()]),
        ("Петров", &[en.as_str()]),
        ("Петров kicked", &[en.as_str()]),
        ("Sidorenko kicked", &[]),
        ("Сидор", &[]),
    ];
    for (q, want) in cases {
        let found = app.search(&doc, json!({"q": q})).await;
        assert_eq!(hit_ids(&found), *want, "{q}: {found}");
    }
    let found = app.search(&doc, json!({"q": "Sidorenko"})).await;
    assert!(found["items"][0]["snippet"].as_str().unwrap().contains("Сидоренко"), "{found}");
    assert_eq!(found["items"][0]["matches"], 1);
}

/// Records indexed before name parts and cross-script keys existed are found by whole
/// name and same-script words only, until `custodia search reindex` gives them their
/// part tokens and keys.
#[tokio::test]
async fn records_indexed_before_name_parts_are_found_by_part_after_a_reindex() {
    use custodia::search::index::{self, BlindIndex, Index};
    use custodia::search::normalize;
    let app = spawn_app().await;
    let (_, doc) = app.user_with_token(Role::Documenter).await;
    let (case, w) = case_with_witness(&app, &doc, "O-1", "Свидетель").await;
    let name = "Сидоренко Виктор";
    let account = "Меня избил Сидоренко.";
    let perp = app.create_person(&doc, &case, NewPerson::perpetrator().named(name)).await.id;
    let t = testimony(&app, &doc, &case, &w, account).await;
    // As the index was built before: whole names, and words' stems only.
    let (p, tid, k) = (perp.to_string(), t.to_string(), case.to_string());
    app.state
        .context()
        .write(move |c, keyring| {
            let names = BlindIndex::current(c, keyring, Index::Names)?;
            index::put(c, &names, &p, &k, &normalize::name_tokens(name))?;
            let words = BlindIndex::current(c, keyring, Index::Testimonies)?;
            index::put(c, &words, &tid, &k, &normalize::tokens(account))?;
            Ok(())
        })
        .await
        .unwrap();
    let people = |q: &'static str| app.search(&doc, json!({"q": q, "kind": "persons"}));
    assert_eq!(hit_ids(&people("Сидоренко Виктор").await), [perp.as_str()], "the whole name still finds");
    assert_eq!(people("Viktor Sidorenko").await["total"], 0);
    assert_eq!(people("Сидоренко").await["total"], 0);
    assert_eq!(app.search(&doc, json!({"q": "Sidorenko"})).await["total"], 0);
    assert_eq!(hit_ids(&app.search(&doc, json!({"q": "избил"})).await), [t.as_str()]);

    crate::reindex::rebuild(&app.state, false).await;
    assert_eq!(hit_ids(&people("Viktor Sidorenko").await), [perp.as_str()]);
    assert_eq!(hit_ids(&people("Сидоренко").await), [perp.as_str()]);
    assert_eq!(hit_ids(&app.search(&doc, json!({"q": "Sidorenko"})).await), [t.as_str()]);
}
