//! Court-ready metadata in bundles: `data/index.csv` lists every exported document with
//! its evidence reference numbers, which stay the same in every later bundle while new
//! items continue the case's sequence; translations point at originals of the same case
//! only; a lawyer's confidentiality level reaches the next bundle; and the verifier fails
//! an index that leaves a document out or gives it a wrong hash.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use custodia::domain::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixtures::{Zhodino, zhodino};
use crate::helpers::*;

type Row = BTreeMap<String, String>;

async fn bag_of(w: &Zhodino, view: &Value, into: &Path) -> PathBuf {
    let id = view["id"].as_str().unwrap();
    let res = w.app.get(&format!("/api/v1/cases/{}/bundles/{id}/download", w.case), &w.lawyer).await;
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap();
    tar::Archive::new(&bytes[..]).unpack(into).unwrap();
    into.join(format!("custodia-bundle-{id}"))
}

fn index_of(bag: &Path) -> Vec<Row> {
    let mut r = csv::Reader::from_path(bag.join("data/index.csv")).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| headers.iter().map(str::to_owned).zip(rec.unwrap().iter().map(str::to_owned)).collect())
        .collect()
}

fn row<'a>(rows: &'a [Row], title_starts: &str) -> &'a Row {
    rows.iter()
        .find(|r| r["title"].starts_with(title_starts))
        .unwrap_or_else(|| panic!("no {title_starts}: {rows:?}"))
}

fn page(reference: &str) -> u64 {
    reference.rsplit_once('-').unwrap().1.parse().unwrap()
}

fn references(rows: &[Row]) -> BTreeMap<String, (String, String)> {
    rows.iter()
        .map(|r| (r["item_id"].clone(), (r["reference_first"].clone(), r["reference_last"].clone())))
        .collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Replaces index.csv in a copy of the bag and its manifest line, so that only the index
/// check can notice.
fn with_index(bag: &Path, to: &Path, change: impl Fn(&str) -> String) -> PathBuf {
    copy_dir(bag, to);
    let index = change(&std::fs::read_to_string(to.join("data/index.csv")).unwrap());
    std::fs::write(to.join("data/index.csv"), &index).unwrap();
    let manifest = std::fs::read_to_string(to.join("manifest-sha256.txt")).unwrap();
    let fixed: String = manifest
        .lines()
        .map(|l| {
            if l.ends_with("  data/index.csv") {
                format!("{}  data/index.csv\n", sha256_hex(index.as_bytes()))
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(to.join("manifest-sha256.txt"), fixed).unwrap();
    to.to_path_buf()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target)
        } else {
            std::fs::copy(e.path(), target).map(|_| ()).unwrap()
        }
    }
}

fn index_failures(bag: &Path) -> Vec<String> {
    let report = custodia::export::verify::verify_path(bag, None).unwrap();
    report.checks.iter().find(|c| c.name == "evidence index").expect("an index check").failures.clone()
}

#[tokio::test]
async fn a_bundles_index_lists_every_item_and_keeps_its_numbers_in_the_next_bundle() {
    let w = zhodino().await;
    // Two bundles requested at once give the case's first references once.
    let first = w.app.request_bundle(&w.lawyer, &w.case, BundleRequest::to("prosecutors")).await;
    let second = w.app.request_bundle(&w.lawyer, &w.case, BundleRequest::to("prosecutors")).await;
    let first = w.app.bundle_ready(&w.lawyer, &w.case, &first).await;
    let second = w.app.bundle_ready(&w.lawyer, &w.case, &second).await;
    let dir = tempfile::tempdir().unwrap();
    let bag = bag_of(&w, &first, &dir.path().join("a")).await;
    let rows = index_of(&bag);
    let again = index_of(&bag_of(&w, &second, &dir.path().join("b")).await);
    assert_eq!(references(&rows), references(&again), "one set of numbers for both bundles");

    // W-0001's account, her recording, W-0002's account: nothing withheld is listed.
    assert_eq!(rows.len(), 3, "{rows:?}");
    let hidden = row(&rows, "Testimony of W-0001, version 1");
    let audio = row(&rows, "Attachment to the testimony of W-0001");
    let named = row(&rows, "Testimony of W-0002, version 1");
    assert!(rows.iter().all(|r| !r["title"].contains("W-0003") && !r["title"].contains("W-0004")));
    let mut pages: Vec<(u64, u64)> =
        rows.iter().map(|r| (page(&r["reference_first"]), page(&r["reference_last"]))).collect();
    pages.sort();
    assert_eq!(pages[0].0, 1, "a case's pages start at 1");
    for pair in pages.windows(2) {
        assert_eq!(pair[1].0, pair[0].1 + 1, "ranges follow each other: {pages:?}");
    }
    assert!(hidden["reference_first"].starts_with("BY-2021-0007-0000"), "{hidden:?}");
    assert_eq!(audio["pages"], "1");
    assert_eq!(audio["document_type"], "audio recording");
    assert_eq!(hidden["document_type"], "witness statement");
    assert_eq!((hidden["document_date"].as_str(), hidden["date_precision"].as_str()), ("2021-03-01", "day"));
    assert_eq!(hidden["language"], "ru");
    // Neither consents to the public: both confidential.
    assert_eq!(hidden["confidentiality"], "confidential");
    assert_eq!(named["confidentiality"], "confidential");
    for r in &rows {
        let file = std::fs::read(bag.join(&r["path"])).unwrap();
        assert_eq!(sha256_hex(&file), r["sha256"], "{}", r["path"]);
        let custody: Value =
            serde_json::from_slice(&std::fs::read(bag.join(&r["custody_record"])).unwrap()).unwrap();
        let seqs: Vec<u64> =
            custody["entries"].as_array().unwrap().iter().map(|e| e["seq"].as_u64().unwrap()).collect();
        assert!(!seqs.is_empty() && seqs.windows(2).all(|p| p[0] < p[1]), "custody in time order: {seqs:?}");
    }
    let text = std::fs::read_to_string(bag.join(&hidden["path"])).unwrap();
    assert!(text.contains("Меня зовут [W-0001].") && !text.contains("Канарейкина"), "{text}");
    let json: Value = serde_json::from_slice(&std::fs::read(bag.join("data/index.json")).unwrap()).unwrap();
    assert_eq!(json["items"].as_array().unwrap().len(), 3);
    let report = custodia::export::verify::verify_path(&bag, None).unwrap();
    assert!(report.ok(), "{}", report.render());
    assert!(report.render().contains("ok   evidence index: 3 items"), "{}", report.render());

    // A new account goes after the last page; the others keep theirs.
    let doc = w.documenter.as_str();
    let fifth =
        w.app.create_person(doc, &w.case, NewPerson::witness().named("Пятый Свидетель").sex("male")).await.id;
    let consent = Consent::shared_with(&["prosecutors", "public"])
        .named()
        .given_on("2021-05-01")
        .text_version("2021-1");
    let t = NewTestimony::by(&fifth)
        .interviewed("2021-05-03")
        .languages(&["ru", "be"])
        .account("Пятый.")
        .consent(consent);
    w.app.record_sealed(doc, &w.case, t).await;
    let third = w.app.export(&w.lawyer, &w.case, BundleRequest::to("prosecutors")).await;
    let later = index_of(&bag_of(&w, &third, &dir.path().join("c")).await);
    let before = references(&rows);
    for (id, refs) in &before {
        assert_eq!(references(&later).get(id), Some(refs), "item {id} kept its numbers");
    }
    let new = row(&later, "Testimony of W-0005");
    let last_before = rows.iter().map(|r| page(&r["reference_last"])).max().unwrap();
    assert_eq!(page(&new["reference_first"]), last_before + 1);
    assert_eq!((new["date_precision"].as_str(), new["language"].as_str()), ("day", "ru; be"));
    assert_eq!(new["confidentiality"], "public", "consent to the public and to be named");

    // The catalog lists them for the lawyer.
    let listed = w.app.get_json(&format!("/api/v1/cases/{}/catalog", w.case), &w.lawyer).await;
    assert_eq!(listed["total"], 4, "{listed}");
    assert_problem(
        w.app.get(&format!("/api/v1/cases/{}/catalog", w.case), &w.outsider).await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn translations_point_at_originals_of_the_same_case_and_levels_reach_the_next_bundle() {
    let w = zhodino().await;
    let dir = tempfile::tempdir().unwrap();
    let view = w.app.export(&w.lawyer, &w.case, BundleRequest::to("prosecutors")).await;
    let rows = index_of(&bag_of(&w, &view, &dir.path().join("a")).await);
    let original = row(&rows, "Testimony of W-0001")["item_id"].clone();
    let translation = row(&rows, "Testimony of W-0002")["item_id"].clone();
    let audio = row(&rows, "Attachment to the testimony of W-0001")["item_id"].clone();
    let link = |kind: &str, id: &str| format!("/api/v1/cases/{}/catalog/{kind}/{id}/original", w.case);
    let put = |path: String, token: String, body: Value| {
        let app = &w.app;
        async move { app.call(Method::PUT, &path, Some(&token), Some(body)).await }
    };
    let doc = w.documenter.clone();

    // W-0002's account is the translation of W-0001's; W-0001's a transcript of the recording.
    let body = json!({"relation": "translation", "original_kind": "testimony", "original_id": original});
    let set = expect(put(link("testimony", &translation), doc.clone(), body).await, 200, "relate").await;
    assert_eq!(set["original_id"], original);
    let body = json!({"relation": "transcript", "original_kind": "attachment", "original_id": audio});
    expect(put(link("testimony", &original), doc.clone(), body).await, 200, "relate").await;

    // Refused, naming the field, and nothing changed.
    let relates = |a: &[String]| a.iter().filter(|x| *x == "catalog.relate").count();
    let before = relates(&w.app.audit_actions().await);
    for (original_kind, original_id, code) in [
        ("testimony", w.other_case_testimony.to_string(), "other_case"),
        ("testimony", translation.clone(), "self"),
        ("attachment", uuid::Uuid::new_v4().to_string(), "not_found"),
    ] {
        let body =
            json!({"relation": "translation", "original_kind": original_kind, "original_id": original_id});
        let problem = assert_problem(
            put(link("testimony", &translation), doc.clone(), body).await,
            422,
            "validation_error",
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], "original_id", "{problem}");
        assert_eq!(problem["errors"][0]["code"], code, "{problem}");
    }
    // The recording as a translation of the account that transcribes it: a cycle.
    let body = json!({"relation": "translation", "original_kind": "testimony", "original_id": translation});
    let problem =
        assert_problem(put(link("attachment", &audio), doc.clone(), body).await, 422, "validation_error")
            .await;
    assert_eq!(problem["errors"][0]["code"], "cycle", "{problem}");
    assert_eq!(relates(&w.app.audit_actions().await), before, "no link written");
    let body = json!({"relation": "translation", "original_kind": "testimony", "original_id": original});
    assert_problem(
        put(link("testimony", &translation), w.outsider.clone(), body.clone()).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        put(link("testimony", &w.other_case_testimony.to_string()), doc.clone(), body).await,
        404,
        "not_found",
    )
    .await;

    // Levels: only those who export may set them, and only once an item has a number.
    let level = |id: &str| format!("/api/v1/cases/{}/catalog/testimony/{id}/confidentiality", w.case);
    let (investigator_id, investigator) = w.app.user_with_token(Role::Investigator).await;
    w.app.add_member(&w.case, investigator_id).await;
    let strict = json!({"level": "strictly_confidential"});
    assert_problem(put(level(&translation), investigator, strict.clone()).await, 403, "forbidden").await;
    let set = expect(put(level(&translation), w.lawyer.clone(), strict.clone()).await, 200, "level").await;
    assert_eq!(set["items"][0]["confidentiality"], "strictly_confidential", "{set}");
    let problem = assert_problem(
        put(level(&w.other_case_testimony.to_string()), w.lawyer.clone(), strict).await,
        404,
        "not_found",
    )
    .await;
    assert!(problem["errors"].as_array().is_none_or(Vec::is_empty));

    let view = w.app.export(&w.lawyer, &w.case, BundleRequest::to("prosecutors")).await;
    let bag = bag_of(&w, &view, &dir.path().join("b")).await;
    let later = index_of(&bag);
    let t = row(&later, "Testimony of W-0002");
    assert_eq!(
        (t["relation"].as_str(), t["original_reference"].as_str()),
        ("translation", row(&later, "Testimony of W-0001")["reference_first"].as_str())
    );
    assert_eq!(t["confidentiality"], "strictly_confidential");
    let o = row(&later, "Testimony of W-0001");
    assert_eq!(
        (o["relation"].as_str(), o["original_reference"].as_str()),
        ("transcript", row(&later, "Attachment")["reference_first"].as_str())
    );
    let report = custodia::export::verify::verify_path(&bag, None).unwrap();
    assert!(report.ok(), "{}", report.render());

    // Cleared: the next bundle shows no link.
    let res = w.app.call(Method::DELETE, &link("testimony", &translation), Some(&w.documenter), None).await;
    assert_eq!(res.status(), 204);
    let view = w.app.export(&w.lawyer, &w.case, BundleRequest::to("prosecutors")).await;
    let last = index_of(&bag_of(&w, &view, &dir.path().join("c")).await);
    assert_eq!(row(&last, "Testimony of W-0002")["relation"], "");
    for a in ["catalog.relate", "catalog.unrelate", "catalog.confidentiality"] {
        assert!(w.app.audit_actions().await.iter().any(|x| x == a), "{a} audited");
    }
}

#[tokio::test]
async fn the_verifier_fails_an_index_that_leaves_a_document_out_or_has_a_wrong_hash() {
    let w = zhodino().await;
    let dir = tempfile::tempdir().unwrap();
    let view = w.app.export(&w.lawyer, &w.case, BundleRequest::to("prosecutors")).await;
    let bag = bag_of(&w, &view, &dir.path().join("bag")).await;
    assert!(index_failures(&bag).is_empty());
    let audio = row(&index_of(&bag), "Attachment")["path"].clone();

    let left_out = with_index(&bag, &dir.path().join("left-out"), |csv| {
        csv.lines().filter(|l| !l.contains(&audio)).map(|l| format!("{l}\n")).collect()
    });
    let failures = index_failures(&left_out);
    assert!(failures.iter().any(|f| f.contains(&audio) && f.contains("no row")), "{failures:?}");
    let report = custodia::export::verify::verify_path(&left_out, None).unwrap();
    assert!(!report.ok());
    assert!(report.render().contains("FAIL evidence index"), "{}", report.render());

    let wrong_hash = with_index(&bag, &dir.path().join("wrong-hash"), |csv| {
        let sha = row(&index_of(&bag), "Attachment")["sha256"].clone();
        csv.replace(&sha, &"0".repeat(64))
    });
    let failures = index_failures(&wrong_hash);
    assert!(failures.iter().any(|f| f.contains("another SHA-256")), "{failures:?}");
}

#[tokio::test]
async fn the_pages_mark_a_translation_and_set_a_level() {
    use crate::web::{between, location};
    let w = zhodino().await;
    let dir = tempfile::tempdir().unwrap();
    let view = w.app.export(&w.lawyer, &w.case, BundleRequest::to("prosecutors")).await;
    let rows = index_of(&bag_of(&w, &view, &dir.path().join("a")).await);
    let original = row(&rows, "Testimony of W-0001")["item_id"].clone();
    let translation = row(&rows, "Testimony of W-0002")["item_id"].clone();
    let (documenter_id, documenter) = w.app.web_user(Role::Documenter).await;
    let (lawyer_id, lawyer) = w.app.web_user(Role::Lawyer).await;
    w.app.add_member(&w.case, documenter_id).await;
    w.app.add_member(&w.case, lawyer_id).await;

    // From the testimony page to its court metadata.
    let item = format!("/cases/{}/catalog/testimony/{translation}", w.case);
    let html = w.app.page(&documenter, &format!("/testimonies/{translation}")).await;
    assert!(html.contains(&format!("href=\"{item}\"")), "the testimony page links its court metadata");
    let html = w.app.page(&documenter, &item).await;
    assert!(html.contains("is an original"), "{html}");

    // Another case's record is refused on the form, naming the field.
    let other = w.other_case_testimony.to_string();
    fn form(id: &str) -> Vec<(&str, &str)> {
        vec![("relation", "translation"), ("original_kind", "testimony"), ("original_id", id)]
    }
    let res = w.app.web_post(&documenter, &format!("{item}/original"), &form(&other)).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"original_id-error\"") && html.contains("same case"), "{html}");
    let res = w.app.web_post(&documenter, &format!("{item}/original"), &form(&original)).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("{item}?saved=1"));
    let html = w.app.page(&documenter, &location(&res)).await;
    assert!(html.contains("Translation of") && html.contains(&original), "{html}");
    let html = w.app.page(&documenter, &format!("/testimonies/{translation}")).await;
    assert!(
        html.contains("Translation of") && html.contains(&format!("href=\"/testimonies/{original}\"")),
        "the testimony page shows what it translates"
    );

    // The export page leads to the levels; a lawyer sets one there.
    let html = w.app.page(&lawyer, &format!("/cases/{}/export", w.case)).await;
    let list = between(&html, "id=\"catalog-link\" href=\"", "\"").unwrap().to_owned();
    let html = w.app.page(&lawyer, &list).await;
    assert!(html.contains(row(&rows, "Testimony of W-0002")["reference_first"].as_str()), "{html}");
    let res = w
        .app
        .web_post(&lawyer, &format!("{list}/testimony/{translation}/confidentiality"), &[("level", "public")])
        .await;
    assert_eq!(res.status(), 303);
    let html = w.app.page(&lawyer, &location(&res)).await;
    assert!(html.contains("<option value=\"public\" selected>"), "{html}");
    let res = w
        .app
        .web_post(&documenter, &format!("{list}/testimony/{translation}/confidentiality"), &[("level", "")])
        .await;
    assert_eq!(res.status(), 403, "a documenter who does not lead the case does not set levels");
}

/// Two builds of one case giving numbers at once: on PostgreSQL the second reads the
/// case's last page before the first commits, collides on it, and takes the pages after.
#[tokio::test]
async fn two_builds_at_once_never_give_one_page_twice() {
    use custodia::catalog::EvidenceItemKind;
    use custodia::catalog::references::assign;
    use std::sync::{Arc, Barrier};
    let app = spawn_app().await;
    let (_, doc) = app.user_with_token(Role::Documenter).await;
    let case = app.create_case(&doc, NewCase::new("RACE-1", "race")).await.id.to_string();
    let ctx = app.state.context().clone();
    // SQLite has one writer: the two run one after the other, and must agree as well.
    let meet = app.db.is_postgres().then(|| Arc::new(Barrier::new(2)));
    let now = chrono::Utc::now().naive_utc();
    let (first, second) = {
        let (case_a, meet_a) = (case.clone(), meet.clone());
        let a = ctx.write_plain(move |c| {
            let r = assign(c, &case_a, EvidenceItemKind::Attachment, "item-a", 3, None, now)?;
            if let Some(m) = meet_a {
                m.wait();
                // Commit only once the other build waits on this one's pages.
                for _ in 0..100_000 {
                    if waiting_inserts(c) > 0 {
                        break;
                    }
                }
            }
            Ok(r)
        });
        let (case_b, meet_b) = (case.clone(), meet.clone());
        let b = ctx.write_plain(move |c| {
            if let Some(m) = meet_b {
                m.wait();
            }
            assign(c, &case_b, EvidenceItemKind::Attachment, "item-b", 2, None, now)
        });
        tokio::join!(a, b)
    };
    let (first, second) = (first.unwrap(), second.unwrap());
    let mut ranges = [(first.first_page, first.last_page), (second.first_page, second.last_page)];
    ranges.sort();
    assert_eq!(ranges[0].0, 1);
    assert_eq!(ranges[1].0, ranges[0].1 + 1, "one after the other: {ranges:?}");
    assert_eq!((first.pages(), second.pages()), (3, 2));
    // Asked again, each keeps its own.
    let again = ctx
        .write_plain(move |c| assign(c, &case, EvidenceItemKind::Attachment, "item-a", 9, None, now))
        .await
        .unwrap();
    assert_eq!((again.first_page, again.last_page, again.new), (first.first_page, first.last_page, false));
}

/// Inserts into `evidence_items` waiting on a lock (PostgreSQL), seen afresh each time.
fn waiting_inserts(c: &mut custodia::store::DbConnection) -> i64 {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Waiting {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query("SELECT pg_stat_clear_snapshot()").execute(c).unwrap();
    diesel::sql_query(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' \
         AND query LIKE 'INSERT INTO \"evidence_items\"%'",
    )
    .get_result::<Waiting>(c)
    .unwrap()
    .n
}
