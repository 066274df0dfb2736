//! The analysis annex of an evidence bundle (`data/analysis/`): built from exactly what
//! the bundle holds. An account that consent withholds, or that the selection leaves
//! out, is no source in the bundle's corroboration table though it is one in the app;
//! records outside the bundle, and names it withholds, appear in none of its files;
//! every file is in the manifests, the bag validates, and each picture is a safe SVG.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use custodia::domain::Role;
use serde_json::{Value, json};

use crate::helpers::*;

/// The annex's installation minimum count (the default is 3): small enough that the
/// pattern counts of a test case show.
const MIN_COUNT: u32 = 1;

struct World {
    app: TestApp,
    lawyer: String,
    case: CaseId,
    tag: String,
    perpetrator: PersonId,
    /// The victim, who may not be named; her account goes to prosecutors.
    victim: (TestimonyId, String),
    /// An eyewitness who agreed to be named, and one the selection of bundle B leaves out.
    named: TestimonyId,
    unselected: TestimonyId,
    /// Accounts consent keeps from prosecutors.
    un_only: TestimonyId,
    withdrawn: TestimonyId,
}

async fn witness(app: &TestApp, doc: &str, case: &CaseId, name: &str) -> Created<PersonId> {
    app.create_person(doc, case, NewPerson::witness().named(name).sex("female")).await
}

async fn sealed(
    app: &TestApp,
    doc: &str,
    case: &CaseId,
    witness: &PersonId,
    (name, connection, text): (&str, &str, &str),
    consent: Consent,
) -> TestimonyId {
    let t = NewTestimony::by(witness)
        .interviewed("2021-03-01")
        .source_connection(connection)
        .account(&format!("Меня зовут {name}. {text}"))
        .marking(name)
        .consent(consent.given_on("2021-03-01").text_version("2021-1"));
    app.record_sealed(doc, case, t).await
}

async fn place(
    app: &TestApp,
    doc: &str,
    case: &CaseId,
    (kind, name): (&str, &str),
    at: (f64, f64),
) -> PlaceId {
    let body = json!({"place_type": kind, "name": name, "latitude": at.0, "longitude": at.1});
    let res = app.post(&format!("/api/v1/cases/{case}/places"), doc, body).await;
    PlaceId::from(expect(res, 201, "create place").await["id"].as_str().unwrap())
}

/// A case whose one beating, in the yard of the victim's home, is cited by five accounts
/// under different consents, and a second incident, at a facility and by a unit whose
/// names are canaries, that only the named eyewitness speaks of.
async fn world() -> World {
    let app = spawn_app_with(|s| s.analysis.min_count = MIN_COUNT).await;
    let tag = uuid::Uuid::new_v4().simple().to_string()[..10].to_owned();
    let (_, doc) = app.user_with_token(Role::Documenter).await;
    let (lawyer_id, lawyer) = app.user_with_token(Role::Lawyer).await;
    let case = app.create_case(&doc, NewCase::any()).await.id;
    app.add_member(&case, lawyer_id).await;
    let prosecutors = || Consent::shared_with(&["prosecutors"]);

    let hidden = format!("Алеся Канарейкина{tag}");
    let v = witness(&app, &doc, &case, &hidden).await;
    let victim_pseudonym = v.view["pseudonym"].as_str().unwrap().to_owned();
    let victim = sealed(&app, &doc, &case, &v.id, (&hidden, "victim", "Меня били."), prosecutors()).await;
    let named_name = format!("Named Witness{tag}");
    let e = witness(&app, &doc, &case, &named_name).await.id;
    let named =
        sealed(&app, &doc, &case, &e, (&named_name, "eyewitness", "Я видел."), prosecutors().named()).await;
    let n = witness(&app, &doc, &case, "Пятый Свидетель").await.id;
    let unselected =
        sealed(&app, &doc, &case, &n, ("Пятый Свидетель", "eyewitness", "Я тоже видел."), prosecutors())
            .await;
    let u = witness(&app, &doc, &case, "Третий Свидетель").await.id;
    let text = format!("un-only-canary-{tag}");
    let un_only = sealed(
        &app,
        &doc,
        &case,
        &u,
        ("Третий Свидетель", "eyewitness", &text),
        Consent::shared_with(&["un_bodies"]),
    )
    .await;
    let x = witness(&app, &doc, &case, "Четвёртый Свидетель").await.id;
    let text = format!("withdrawn-canary-{tag}");
    let withdrawn = prosecutors().withdrawn_on("2021-04-01");
    let withdrawn =
        sealed(&app, &doc, &case, &x, ("Четвёртый Свидетель", "eyewitness", &text), withdrawn).await;

    // The beating, at a place named after the victim, by a member of a sub-unit whose
    // commander took command before it.
    let top = app.create_unit(&doc, &case, NewUnit::named("МВД")).await.id;
    let unit = app.create_unit(&doc, &case, NewUnit::named("ИВС Жодино").under(&top)).await.id;
    let chief = app.create_person(&doc, &case, NewPerson::perpetrator().named("Начальник ИВС")).await.id;
    app.add_commander(&doc, &unit, &chief, "2020-01-01").await;
    let perpetrator = app
        .create_person(&doc, &case, NewPerson::perpetrator().named("Начальник Смены").in_unit(&unit))
        .await
        .id;
    let home = place(&app, &doc, &case, ("residence", &format!("Двор дома {hidden}")), (54.09, 28.33)).await;
    let beating = NewIncident::of("torture")
        .methods(&["beating_with_batons"])
        .started("2021-02-14", "exact")
        .end_unknown()
        .at(&home)
        .victim(&v.id);
    let beating = app.create_incident(&doc, &case, beating).await.id;
    let mut involvement = Involvement::person(&perpetrator, "carried_out");
    for t in [&victim, &named, &unselected, &un_only, &withdrawn] {
        app.link_incident(&doc, t, &beating).await;
        involvement = involvement.citing(t);
    }
    app.add_involvement(&doc, &beating, involvement).await;

    // Elsewhere, by another unit: only the named eyewitness speaks of it.
    let other_unit = app.create_unit(&doc, &case, NewUnit::named(&format!("unit-canary-{tag}"))).await.id;
    let far =
        place(&app, &doc, &case, ("detention_facility", &format!("place-canary-{tag}")), (53.9, 27.56)).await;
    let other = NewIncident::of("torture").started("2021-03-01", "exact").end_unknown().at(&far);
    let other = app.create_incident(&doc, &case, other).await.id;
    app.link_incident(&doc, &named, &other).await;
    let body = json!({"unit_id": other_unit, "role": "carried_out", "testimony_ids": [named]});
    expect(
        app.post(&format!("/api/v1/incidents/{other}/involvements"), &doc, body).await,
        200,
        "involvement",
    )
    .await;

    World {
        app,
        lawyer,
        case,
        tag,
        perpetrator,
        victim: (victim, victim_pseudonym),
        named,
        unselected,
        un_only,
        withdrawn,
    }
}

/// Exports with the annex (or without), downloads and unpacks: the bag's folder.
async fn bundle(w: &World, request: BundleRequest, into: &Path) -> PathBuf {
    let view = w.app.export(&w.lawyer, &w.case, request).await;
    let url = format!("/api/v1/cases/{}/bundles/{}/download", w.case, view["id"].as_str().unwrap());
    let res = w.app.get(&url, &w.lawyer).await;
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap();
    tar::Archive::new(&bytes[..]).unpack(into).unwrap();
    std::fs::read_dir(into).unwrap().next().unwrap().unwrap().path()
}

/// Every file of the annex, by name.
fn annex(bag: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(bag.join("data/analysis"))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().into_string().unwrap(), std::fs::read(e.path()).unwrap())
        })
        .collect();
    files.sort();
    files
}

fn file<'a>(files: &'a [(String, Vec<u8>)], name: &str) -> &'a str {
    let (_, bytes) = files.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no {name}"));
    std::str::from_utf8(bytes).unwrap()
}

/// corroboration.csv's row for `person`'s link: (independent sources, supporting ids).
fn corroboration_row(csv_text: &str, person: &PersonId) -> (u32, BTreeSet<String>) {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let row = reader
        .records()
        .map(Result::unwrap)
        .find(|r| &r[col("subject_id")] == person.as_str())
        .unwrap_or_else(|| panic!("no link of {person} in {csv_text}"));
    let supporting = row[col("supporting_testimonies")].split_whitespace().map(str::to_owned).collect();
    (row[col("independent_sources")].parse().unwrap(), supporting)
}

fn ids(ts: &[&TestimonyId]) -> BTreeSet<String> {
    ts.iter().map(|t| t.to_string()).collect()
}

/// Checks the annex's files against the manifests, the verifier and each picture.
fn check_bag(bag: &Path, files: &[(String, Vec<u8>)], key: &str) {
    let manifest = std::fs::read_to_string(bag.join("manifest-sha256.txt")).unwrap();
    let listed: BTreeSet<&str> = manifest
        .lines()
        .filter_map(|l| l.split_once("  ").map(|(_, p)| p))
        .filter(|p| p.starts_with("data/analysis/"))
        .collect();
    let present: BTreeSet<String> = files.iter().map(|(n, _)| format!("data/analysis/{n}")).collect();
    assert_eq!(listed, present.iter().map(String::as_str).collect(), "the manifest lists the annex");
    let report = custodia::export::verify::verify_path(bag, Some(key)).unwrap();
    assert!(report.ok(), "{}", report.render());
    let out = std::process::Command::new("python3")
        .args(["-c", "import bagit,sys; bagit.Bag(sys.argv[1]).validate()"])
        .arg(bag)
        .output();
    match out {
        Ok(o) if o.status.success() => {}
        Ok(o) if String::from_utf8_lossy(&o.stderr).contains("No module named") => {
            assert!(std::env::var_os("CUSTODIA_REQUIRE_TOOLS").is_none(), "bagit is required");
        }
        Ok(o) => panic!("bagit: {}", String::from_utf8_lossy(&o.stderr)),
        Err(_) => assert!(std::env::var_os("CUSTODIA_REQUIRE_TOOLS").is_none(), "python3 is required"),
    }
    for (name, bytes) in files.iter().filter(|(n, _)| n.ends_with(".svg")) {
        let svg = std::str::from_utf8(bytes).unwrap();
        custodia::analysis::draw::check::check_svg(svg).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!svg.contains("<a ") && !svg.contains("/cases/"), "{name} links to the app: {svg}");
    }
}

#[tokio::test]
async fn the_annex_counts_only_the_accounts_the_bundle_holds_and_shows_nothing_it_leaves_out() {
    let w = world().await;
    let dir = tempfile::tempdir().unwrap();
    let (victim, pseudonym) = (&w.victim.0, &w.victim.1);
    let key = w.app.get("/api/v1/bundles/public-key", &w.lawyer).await.text().await.unwrap();

    // In the app every account counts: five witnesses saw or suffered it.
    let app_view = w.app.get_json(&format!("/api/v1/cases/{}/corroboration", w.case), &w.lawyer).await;
    let link = app_view["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["subject"]["id"] == w.perpetrator)
        .unwrap_or_else(|| panic!("{app_view}"));
    assert_eq!(link["independent"], 5, "{link}");

    // The whole case for prosecutors: consent withholds two accounts.
    let whole = bundle(&w, BundleRequest::to("prosecutors").analysis_annex(), &dir.path().join("a")).await;
    let files = annex(&whole);
    check_bag(&whole, &files, &key);
    let names: BTreeSet<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "README.txt",
        "corroboration.csv",
        "corroboration.svg",
        "timeline.csv",
        "timeline.svg",
        "patterns.csv",
        "patterns-act_type.svg",
        "patterns-method-by-facility.svg",
        "command.csv",
        "places.geojson",
        "map.svg",
    ] {
        assert!(names.contains(expected), "{expected} missing from {names:?}");
    }
    assert_eq!(names.iter().filter(|n| n.starts_with("command-")).count(), 2, "МВД and the canary unit");
    let (independent, supporting) = corroboration_row(file(&files, "corroboration.csv"), &w.perpetrator);
    assert_eq!(independent, 3, "the withheld accounts are no sources");
    assert_eq!(supporting, ids(&[victim, &w.named, &w.unselected]));
    let csv_text = file(&files, "corroboration.csv");
    for t in [&w.un_only, &w.withdrawn] {
        assert!(!csv_text.contains(t.as_str()), "withheld {t} cited");
    }
    // The canaries of the second incident are here, so their absence below means something.
    let all: String = files.iter().map(|(_, b)| String::from_utf8_lossy(b).into_owned()).collect();
    assert!(
        all.contains(&format!("place-canary-{}", w.tag)) && all.contains(&format!("unit-canary-{}", w.tag))
    );
    // Patterns use the installation's minimum count: both beatings counted.
    assert!(
        file(&files, "patterns.csv").contains("act_type,torture,torture,2,1,false"),
        "{}",
        file(&files, "patterns.csv")
    );
    let export: Value =
        serde_json::from_slice(&std::fs::read(whole.join("data/export.json")).unwrap()).unwrap();
    assert_eq!(export["analysis_annex"]["min_count"], MIN_COUNT);
    let info = std::fs::read_to_string(whole.join("bag-info.txt")).unwrap();
    assert!(info.contains("analysis of these records in data/analysis/"), "{info}");
    assert_eq!(export["analysis_annex"]["files"].as_array().unwrap().len(), files.len());
    // A facility is on the map; the victim's home is not, though it is a place of the bundle.
    let geojson: Value = serde_json::from_str(file(&files, "places.geojson")).unwrap();
    let features = geojson["features"].as_array().unwrap();
    assert_eq!(features.len(), 1, "{geojson}");
    assert_eq!(features[0]["properties"]["name"], format!("place-canary-{}", w.tag));
    assert!(!all.contains("54.09") && !all.contains("28.33"), "a home's coordinates");

    // Only the victim's account: the others describing the beating are not selected.
    let selection = json!({"testimonies": [victim]});
    let request = BundleRequest::to("prosecutors").selection(selection).analysis_annex();
    let chosen = bundle(&w, request, &dir.path().join("b")).await;
    let files = annex(&chosen);
    check_bag(&chosen, &files, &key);
    let (independent, supporting) = corroboration_row(file(&files, "corroboration.csv"), &w.perpetrator);
    assert_eq!((independent, supporting), (1, ids(&[victim])));
    let names: BTreeSet<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.iter().filter(|n| n.starts_with("command-")).count(), 1, "{names:?}");
    assert!(
        !names.contains("places.geojson") && !names.contains("map.svg"),
        "no place with coordinates to show"
    );
    let lane = format!("Двор дома [{pseudonym}]");
    assert!(file(&files, "timeline.csv").contains(&lane), "names withheld as in data/");
    assert!(file(&files, "patterns.csv").contains(&lane));

    // Nothing the bundle leaves out, and no name it withholds, is in any file of it.
    for (name, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        for needle in [
            format!("Канарейкина{}", w.tag),
            format!("place-canary-{}", w.tag),
            format!("unit-canary-{}", w.tag),
            format!("un-only-canary-{}", w.tag),
            format!("withdrawn-canary-{}", w.tag),
            w.named.to_string(),
            w.unselected.to_string(),
            w.un_only.to_string(),
            w.withdrawn.to_string(),
        ] {
            assert!(!text.contains(&needle), "{needle} in {name}");
        }
    }

    // For journalists no account goes, so nothing else does: the annex is empty, not broken.
    let empty = bundle(&w, BundleRequest::to("media").analysis_annex(), &dir.path().join("c")).await;
    let files = annex(&empty);
    check_bag(&empty, &files, &key);
    assert_eq!(file(&files, "corroboration.csv").lines().count(), 1, "the header alone");
    assert_eq!(file(&files, "timeline.csv").lines().count(), 1);
    assert!(!files.iter().any(|(n, _)| n.starts_with("command-") || n == "places.geojson"));

    // The option is off unless asked for, and the audit log says which it was.
    let plain = bundle(&w, BundleRequest::to("prosecutors"), &dir.path().join("d")).await;
    assert!(!plain.join("data/analysis").exists());
    let info = std::fs::read_to_string(plain.join("bag-info.txt")).unwrap();
    assert!(!info.contains("data/analysis/"), "{info}");
    let entries = w.app.state.context().read(|c| custodia::audit::recent(c, 200)).await.unwrap();
    let annexed: Vec<bool> = entries
        .iter()
        .filter(|e| e.action == "bundle.request")
        .map(|e| serde_json::from_str::<Value>(&e.details).unwrap()["analysis_annex"].as_bool().unwrap())
        .collect();
    assert_eq!(annexed, [false, true, true, true], "newest first");
}

/// The export page offers the annex, unticked; ticked, the bundle carries it.
#[tokio::test]
async fn the_export_page_offers_the_annex_and_the_bundle_carries_it_when_ticked() {
    use crate::web::location;
    let w = world().await;
    let (lawyer_id, lawyer) = w.app.web_user(Role::Lawyer).await;
    w.app.add_member(&w.case, lawyer_id).await;
    let export = format!("/cases/{}/export", w.case);
    let html = w.app.page(&lawyer, &export).await;
    let checkbox = html.split("id=\"analysis_annex\"").nth(1).unwrap_or_else(|| panic!("{html}"));
    assert!(!checkbox[..checkbox.find('>').unwrap()].contains("checked"), "off unless asked for");
    let fields =
        [("recipient", "prosecutors"), ("scope", "all"), ("analysis_annex", "true"), ("password", PASSWORD)];
    let res = w.app.web_post(&lawyer, &export, &fields).await;
    assert_eq!(res.status(), 303);
    let id = location(&res).rsplit('/').next().unwrap().to_owned();
    let view = w.app.bundle_ready(&w.lawyer, &w.case, &BundleId::from(id.as_str())).await;
    let url = format!("/api/v1/cases/{}/bundles/{}/download", w.case, view["id"].as_str().unwrap());
    let tar = w.app.get(&url, &w.lawyer).await.bytes().await.unwrap();
    let text = String::from_utf8_lossy(&tar);
    assert!(text.contains("data/analysis/README.txt") && text.contains("ANALYSIS ANNEX"));
}
