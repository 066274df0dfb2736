//! Exporting a case's records as a spreadsheet in the import's own shape: what the lead
//! gets (every kind of record, links by id, identities and contacts, partial dates with
//! their precision, a value that looks like a formula kept as text), who is refused, and
//! the one audit entry the export leaves.

use std::io::{Cursor, Read};

use calamine::{Data, Range, Reader, Xlsx, open_workbook_from_rs};
use custodia::domain::Role;
use serde_json::Value;

use crate::helpers::*;

const INJECTION: &str = "=HYPERLINK(\"http://example.invalid\",\"x\")";

struct Built {
    app: TestApp,
    lead: String,
    member: String,
    outsider: String,
    case: CaseId,
    top: UnitId,
    sub: UnitId,
    place: PlaceId,
    witness: PersonId,
    victim: PersonId,
    perpetrator: PersonId,
    incident: IncidentId,
    sealed: TestimonyId,
    draft: TestimonyId,
    file: AttachmentId,
}

async fn build() -> Built {
    let app = spawn_app().await;
    let (_, lead) = app.user_with_token(Role::Documenter).await;
    let (member_id, member) = app.user_with_token(Role::Investigator).await;
    let (_, outsider) = app.user_with_token(Role::Documenter).await;
    let case = app.create_case(&lead, NewCase::any()).await.id;
    app.add_member(&case, member_id).await;
    let l = lead.as_str();
    let top = app.create_unit(l, &case, NewUnit::named("МВД")).await.id;
    let sub = app.create_unit(l, &case, NewUnit::named("ОМОН").under(&top)).await.id;
    let place = app
        .create_place(l, &case, NewPlace::new("detention_facility", "ЦИП").address("Окрестина, 36"))
        .await
        .id;
    let witness = NewPerson::witness()
        .named("Иван Петров")
        .named("Ivan Petrov")
        .sex("male")
        .birth_date("1990-05-04")
        .contact("+375 29 000 00 00");
    let witness = app.create_person(l, &case, witness).await.id;
    let victim = app.create_person(l, &case, NewPerson::victim().named("Анна").sex("female")).await.id;
    let perpetrator = NewPerson::perpetrator().named("Начальник").rank(INJECTION).in_unit(&sub);
    let perpetrator = app.create_person(l, &case, perpetrator).await.id;
    app.add_commander(l, &sub, &perpetrator, "2020-01-01").await;
    let incident = NewIncident::of("torture")
        .methods(&["beating_with_batons"])
        .started("2020-08-10", "estimate")
        .ended("2020-09", "month")
        .at(&place)
        .description("Избиение")
        .victim(&victim)
        .victim(&witness);
    let incident = app.create_incident(l, &case, incident).await.id;
    let account = NewTestimony::by(&witness)
        .interviewed("2020-09-01")
        .languages(&["ru", "be"])
        .reliability("high")
        .account("Меня зовут Иван Петров.")
        .marking("Иван Петров")
        .consent(
            Consent::shared_with(&["un_bodies", "prosecutors"]).given_on("2020-09-01").text_version("2020-1"),
        );
    let sealed = app.record_sealed(l, &case, account).await;
    app.link_incident(l, &sealed, &incident).await;
    app.add_involvement(l, &incident, Involvement::person(&perpetrator, "carried_out").citing(&sealed)).await;
    let draft = app.record_testimony(l, &case, NewTestimony::by(&victim).account("Черновик")).await.id;
    let photo = Upload::bytes(b"photo".to_vec()).content_type("image/jpeg").filename("photo.jpg");
    let file = app.upload(l, &draft, photo).await.id;
    Built {
        app,
        lead,
        member,
        outsider,
        case,
        top,
        sub,
        place,
        witness,
        victim,
        perpetrator,
        incident,
        sealed,
        draft,
        file,
    }
}

fn path(case: &CaseId, format: &str) -> String {
    format!("/api/v1/cases/{case}/records/export?format={format}")
}

fn text(d: Option<&Data>) -> String {
    match d {
        None | Some(Data::Empty) => String::new(),
        Some(Data::String(s)) => s.clone(),
        Some(other) => panic!("a cell that is not text: {other:?}"),
    }
}

/// A sheet's rows as header → cell maps.
fn rows(range: &Range<Data>) -> Vec<std::collections::BTreeMap<String, String>> {
    let width = range.width() as u32;
    let headers: Vec<String> = (0..width).map(|c| text(range.get_value((0, c)))).collect();
    (1..range.height() as u32)
        .map(|r| (0..width).map(|c| (headers[c as usize].clone(), text(range.get_value((r, c))))).collect())
        .collect()
}

fn audit_count(entries: &[custodia::audit::StoredEntry], action: &str) -> usize {
    entries.iter().filter(|e| e.action == action).count()
}

#[tokio::test]
async fn the_lead_exports_every_record_of_the_case_with_its_links_and_one_audit_entry() {
    let b = build().await;
    let recent = || b.app.state.context().read(|c| custodia::audit::recent(c, 1000));
    let before = recent().await.unwrap();
    let res = b.app.get(&path(&b.case, "xlsx"), &b.lead).await;
    assert_eq!(res.status(), 200);
    let header = |n: &str| res.headers().get(n).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    assert_eq!(header("content-type"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert!(
        header("content-disposition").starts_with("attachment; filename=\"case-"),
        "{}",
        header("content-disposition")
    );
    assert_eq!(header("cache-control"), "no-store");
    let bytes = res.bytes().await.unwrap().to_vec();

    let after = recent().await.unwrap();
    assert_eq!(audit_count(&after, "case.records_export"), audit_count(&before, "case.records_export") + 1);
    for quiet in ["person.list", "incident.list", "testimony.read", "unit.list", "place.list"] {
        assert_eq!(
            audit_count(&after, quiet),
            audit_count(&before, quiet),
            "{quiet}: the export audits once"
        );
    }
    let entry = after.iter().find(|e| e.action == "case.records_export").unwrap();
    assert_eq!(entry.target_id.as_deref(), Some(b.case.as_str()));
    let details: Value = serde_json::from_str(&entry.details).unwrap();
    let counts: Vec<&str> =
        details["counts"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    for count in [
        "unit:2",
        "place:1",
        "person:3",
        "incident:1",
        "testimony:1",
        "testimony_draft:1",
        "involvement:1",
        "attachment:1",
    ] {
        assert!(counts.contains(&count), "{details}");
    }

    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "unit",
            "place",
            "person",
            "incident",
            "testimony",
            "testimony_draft",
            "involvement",
            "attachment",
            "mapping.toml"
        ]
    );
    let sheet = |book: &mut Xlsx<_>, name: &str| rows(&book.worksheet_range(name).unwrap());

    let units = sheet(&mut book, "unit");
    assert_eq!(units.len(), 2);
    let sub = units.iter().find(|u| u["id"] == b.sub.as_str()).unwrap();
    assert_eq!(sub["name"], "ОМОН");
    assert_eq!(sub["parent"], b.top.as_str());
    assert_eq!(sub["commander"], b.perpetrator.as_str());
    assert_eq!(sub["commander_from"], "2020-01-01");

    let places = sheet(&mut book, "place");
    assert_eq!(places[0]["id"], b.place.as_str());
    assert_eq!(places[0]["place_type"], "detention_facility");
    assert_eq!(places[0]["address"], "Окрестина, 36");

    let persons = sheet(&mut book, "person");
    let witness = persons.iter().find(|p| p["id"] == b.witness.as_str()).unwrap();
    assert_eq!(witness["kind"], "witness");
    assert_eq!(witness["names"], "Иван Петров;Ivan Petrov");
    assert_eq!(witness["birth_date"], "1990-05-04");
    assert_eq!(witness["contact"], "+375 29 000 00 00");
    assert_eq!(witness["pseudonym"], "W-0001");
    let perpetrator = persons.iter().find(|p| p["id"] == b.perpetrator.as_str()).unwrap();
    assert_eq!(perpetrator["unit"], b.sub.as_str());
    assert_eq!(perpetrator["rank"], INJECTION, "a formula-like value is text");
    let rank_col = book.worksheet_range("person").unwrap();
    let formulas = book.worksheet_formula("person").unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
    assert!(rank_col.used_cells().all(|(_, _, d)| matches!(d, Data::String(_))));

    let incidents = sheet(&mut book, "incident");
    let i = &incidents[0];
    assert_eq!(i["id"], b.incident.as_str());
    assert_eq!(i["act_type"], "torture");
    assert_eq!(i["methods"], "beating_with_batons");
    assert_eq!(i["start"], "~2020-08-10");
    assert_eq!(i["end"], "2020-09");
    assert_eq!(i["place"], b.place.as_str());
    let mut victims: Vec<&str> = i["victims"].split(';').collect();
    victims.sort();
    let mut want = vec![b.victim.as_str(), b.witness.as_str()];
    want.sort();
    assert_eq!(victims, want);

    let sealed = sheet(&mut book, "testimony");
    let t = &sealed[0];
    assert_eq!(t["id"], b.sealed.as_str(), "the root of the account");
    assert_eq!(t["witness"], b.witness.as_str());
    assert_eq!(t["account"], "Меня зовут Иван Петров.", "the lead's unredacted view");
    assert_eq!(t["languages"], "ru;be");
    assert_eq!(t["incidents"], b.incident.as_str());
    assert_eq!(t["consent_share_with"], "un_bodies;prosecutors");
    assert_eq!(t["consent_may_be_named"], "no");
    assert_eq!(t["consent_given_on"], "2020-09-01");
    assert_eq!(t["consent_how_given"], "written");
    assert_eq!(t["consent_text_version"], "2020-1");
    let drafts = sheet(&mut book, "testimony_draft");
    assert_eq!(drafts[0]["id"], b.draft.as_str());
    assert_eq!(drafts[0]["witness"], b.victim.as_str());

    let involvements = sheet(&mut book, "involvement");
    assert!(!involvements[0].contains_key("id"));
    assert_eq!(involvements[0]["incident"], b.incident.as_str());
    assert_eq!(involvements[0]["person"], b.perpetrator.as_str());
    assert_eq!(involvements[0]["role"], "carried_out");
    assert_eq!(involvements[0]["testimonies"], b.sealed.as_str());

    let files = sheet(&mut book, "attachment");
    assert_eq!(files[0]["file"], format!("files/{}/photo.jpg", b.file));
    assert_eq!(files[0]["testimony"], b.draft.as_str());
    assert_eq!(files[0]["media_type"], "image/jpeg");

    let mapping = book.worksheet_range("mapping.toml").unwrap();
    let mapping: Vec<String> =
        (1..mapping.height() as u32).map(|r| text(mapping.get_value((r, 0)))).collect();
    assert!(mapping.iter().any(|l| l == "format = \"xlsx\""), "{mapping:?}");
}

#[tokio::test]
async fn the_zip_holds_a_csv_per_sheet_and_the_mapping() {
    let b = build().await;
    let res = b.app.get(&path(&b.case, "zip"), &b.lead).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/zip");
    let bytes = res.bytes().await.unwrap().to_vec();
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut names: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "attachment.csv",
            "incident.csv",
            "involvement.csv",
            "mapping.toml",
            "person.csv",
            "place.csv",
            "testimony.csv",
            "testimony_draft.csv",
            "unit.csv"
        ]
    );
    let mut person = String::new();
    zip.by_name("person.csv").unwrap().read_to_string(&mut person).unwrap();
    assert!(person.starts_with('\u{feff}'));
    assert!(person.contains(&format!("'{}", INJECTION.replace('"', "\"\""))), "guarded: {person}");
    let mut mapping = String::new();
    zip.by_name("mapping.toml").unwrap().read_to_string(&mut mapping).unwrap();
    assert!(mapping.contains("format = \"zip\"") && mapping.contains("seal = false"), "{mapping}");
}

#[tokio::test]
async fn only_the_lead_exports() {
    let b = build().await;
    for token in [&b.member, &b.outsider, &b.app.admin] {
        let res = b.app.get(&path(&b.case, "xlsx"), token).await;
        let status = res.status().as_u16();
        assert!(status == 403 || status == 404, "{status}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
    let res = b.app.get(&format!("/api/v1/cases/{}/records/export?format=pdf", b.case), &b.lead).await;
    assert_eq!(res.status(), 400);
    let missing = uuid::Uuid::new_v4();
    let res = b.app.get(&format!("/api/v1/cases/{missing}/records/export"), &b.lead).await;
    assert_problem(res, 404, "not_found").await;
}

fn custodia(db: &TestDb) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_custodia"));
    cmd.env("CUSTODIA_CONFIG_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/config"))
        .env("CUSTODIA_ENV", "test")
        .env("CUSTODIA__DATABASE__URL", db.url())
        .env("CUSTODIA__KEYS__KEY_FILE", db.dir.path().join("root.key"))
        .env("CUSTODIA__STORAGE__BLOB_DIR", db.dir.path().join("blobs"))
        .envs(store_env(db));
    cmd
}

#[tokio::test]
async fn the_lead_exports_from_the_command_line_into_a_new_private_file() {
    use std::io::Write;
    use std::process::Stdio;
    let app = spawn_app().await;
    app.add_user("cli.lead", Role::Documenter).await;
    let lead = app.login("cli.lead", PASSWORD).await;
    let case = app.create_case(&lead, NewCase::any()).await.id;
    app.create_person(&lead, &case, NewPerson::witness().named("Иван")).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("records.zip");
    let run = || {
        let mut child = custodia(&app.db)
            .args(["import", "export", "--case", case.as_str(), "--format", "zip", "--username", "cli.lead"])
            .arg("--out")
            .arg(&out)
            .arg("--password-stdin")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let done = run();
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let bytes = std::fs::read(&out).unwrap();
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes.clone())).unwrap();
    let mut person = String::new();
    zip.by_name("person.csv").unwrap().read_to_string(&mut person).unwrap();
    assert!(person.contains("Иван"), "{person}");

    // An existing file is never replaced.
    let again = run();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    assert_eq!(std::fs::read(&out).unwrap(), bytes);
}

/// The round trip: each export, with the mapping it comes with, imports into a new case
/// with every record and link as it was; importing it again changes nothing.
#[tokio::test]
async fn an_export_imports_into_another_case_with_every_link_and_again_changes_nothing() {
    use crate::imports::{apply, plan};
    let b = build().await;
    let (app, lead) = (&b.app, b.lead.as_str());
    let zip_bytes = app.get(&path(&b.case, "zip"), lead).await.bytes().await.unwrap().to_vec();
    let mut zip = zip::ZipArchive::new(Cursor::new(zip_bytes.clone())).unwrap();
    let mut zip_mapping = String::new();
    zip.by_name("mapping.toml").unwrap().read_to_string(&mut zip_mapping).unwrap();
    let xlsx_bytes = app.get(&path(&b.case, "xlsx"), lead).await.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(xlsx_bytes.clone())).unwrap();
    let sheet = book.worksheet_range("mapping.toml").unwrap();
    assert_eq!(text(sheet.get_value((0, 0))), "mapping.toml");
    // The mapping given by hand, or left to the one the file carries.
    for (name, file, mapping) in
        [("case.zip", zip_bytes, zip_mapping), ("case.xlsx", xlsx_bytes, String::new())]
    {
        let copy = app.create_case(lead, NewCase::any()).await.id;
        let planned: Value = plan(app, lead, &copy, &mapping, name, file.clone()).await.json().await.unwrap();
        assert_eq!(planned["status"], "planned", "{name}: {}", planned["plan"]["issues"]);
        assert_eq!(apply(app, lead, &planned).await.status(), 200, "{name}");
        let list = |kind: &str| {
            let path = format!("/api/v1/cases/{copy}/{kind}");
            async move { app.get_json(&path, lead).await["items"].as_array().unwrap().clone() }
        };
        let persons = list("persons").await;
        assert_eq!(persons.len(), 3, "{name}");
        let witness = persons.iter().find(|p| p["kind"] == "witness").unwrap();
        assert_eq!(witness["names"], serde_json::json!(["Иван Петров", "Ivan Petrov"]), "{name}");
        assert_eq!(witness["contact"], "+375 29 000 00 00", "{name}");
        let perpetrator = persons.iter().find(|p| p["kind"] == "perpetrator").unwrap();
        assert_eq!(perpetrator["rank"], INJECTION, "{name}: a formula-like value comes back as text");
        let sub =
            app.get_json(&format!("/api/v1/units/{}", perpetrator["unit_id"].as_str().unwrap()), lead).await;
        assert_eq!(sub["chain_of_command"][0]["name"], "МВД", "{name}");
        assert_eq!(sub["commanders"][0]["person_id"], perpetrator["id"], "{name}");
        let incidents = list("incidents").await;
        assert_eq!(incidents.len(), 1, "{name}");
        let incident = &incidents[0];
        assert_eq!(
            (incident["start_precision"].as_str(), incident["end_date"].as_str()),
            (Some("estimate"), Some("2020-09"))
        );
        assert_eq!(incident["victim_ids"].as_array().unwrap().len(), 2, "{name}");
        assert_eq!(incident["involvements"][0]["person_id"], perpetrator["id"], "{name}");
        let testimonies = list("testimonies").await;
        assert_eq!(testimonies.len(), 2, "{name}");
        let sealed = testimonies.iter().find(|t| t["status"] == "sealed").unwrap();
        let sealed =
            app.get_json(&format!("/api/v1/testimonies/{}", sealed["id"].as_str().unwrap()), lead).await;
        assert_eq!(sealed["account"], "Меня зовут Иван Петров.", "{name}");
        assert_eq!(
            sealed["identifying_spans"],
            serde_json::json!([{"start": 11, "end": 22}]),
            "{name}: spans survive"
        );
        assert_eq!(sealed["consent"]["text_version"], "2020-1", "{name}");
        assert_eq!(
            incident["involvements"][0]["testimonies"],
            serde_json::json!([sealed["root_id"]]),
            "{name}"
        );
        // The same file again: everything unchanged.
        let again: Value = plan(app, lead, &copy, &mapping, name, file).await.json().await.unwrap();
        let changed: u64 = again["plan"]["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                c["create"].as_u64().unwrap() + c["update"].as_u64().unwrap() + c["correct"].as_u64().unwrap()
            })
            .sum();
        assert_eq!(changed, 0, "{name}: {}", again["plan"]["counts"]);
    }
    // Into the case it came from: refused, never copied beside the originals.
    let zip_bytes = app.get(&path(&b.case, "zip"), lead).await.bytes().await.unwrap().to_vec();
    let back: Value = plan(app, lead, &b.case, "", "case.zip", zip_bytes).await.json().await.unwrap();
    assert_eq!(back["status"], "refused");
    let issues = back["plan"]["issues"].as_array().unwrap();
    assert!(issues.iter().any(|i| i["code"] == "already_in_case"), "{issues:?}");
}
