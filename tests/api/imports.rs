//! Imports through the API: a workbook with units (and their chain of command),
//! persons, places, incidents, involvements and testimonies imports with every link
//! right; a corrected workbook updates in place and a changed sealed account becomes a
//! new version; bad input is reported where it is and writes nothing; a plan is refused
//! once the case changed; an apply cut short resumes without duplicating anything.

use std::sync::Arc;

use custodia::access::{Allowed, act};
use custodia::domain::Role;
use reqwest::multipart::{Form, Part};
use rust_xlsxwriter::Workbook;
use serde_json::{Value, json};

use crate::helpers::*;

/// A workbook of several sheets, every cell text.
pub fn xlsx(sheets: &[(&str, &[&[&str]])]) -> Vec<u8> {
    let mut book = Workbook::new();
    for (name, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if !cell.is_empty() {
                    sheet.write_string(r as u32, c as u16, *cell).unwrap();
                }
            }
        }
    }
    book.save_to_buffer().unwrap()
}

pub const MAPPING: &str = r#"
[values.act_type]
"Задержание" = "arbitrary_detention"

[values.person_kind]
"Пострадавший" = "victim"
"Сотрудник" = "perpetrator"

[[records]]
kind = "unit"
sheet = "Units"
id = "ID"
columns = { name = "Name", parent = "Above", commander = "Commander", commander_from = "Since" }

[[records]]
kind = "person"
sheet = "People"
id = "ID"
columns = { kind = "Role", names = "Name", unit = "Unit", birth_date = "Born" }

[[records]]
kind = "place"
sheet = "Detentions"
id = "Facility"
columns = { name = "Facility" }
fixed = { place_type = "detention_facility" }

[[records]]
kind = "incident"
sheet = "Detentions"
id = "Case"
columns = { act_type = "Act", methods = "Methods", start = "From", end = "To", place = "Facility", victims = "Victim" }

[[records]]
kind = "involvement"
sheet = "Detentions"
when = "Perpetrator"
columns = { incident = "Case", person = "Perpetrator", role = "Part", testimonies = "Account" }

[[records]]
kind = "testimony"
sheet = "Accounts"
id = "ID"
columns = { witness = "Witness", account = "Text", interview_date = "Interviewed", languages = "Languages", incidents = "About", consent_given_on = "Consent on", consent_how_given = "Consent", consent_share_with = "Share with", consent_text_version = "Consent text" }
fixed = { source_connection = "victim" }
"#;

const UNITS: &[&[&str]] = &[
    &["ID", "Name", "Above", "Commander", "Since"],
    &["U-2", "Riot police company 2", "U-1", "P-1", "2020-06-01"],
    &["U-1", "Riot police regiment", "", "", ""],
];
const PEOPLE: &[&[&str]] = &[
    &["ID", "Role", "Name", "Unit", "Born"],
    &["V-1", "Пострадавший", "Анна Иванова", "", "1990-02-03"],
    &["V-2", "victim", "Pavel Sidorov; Павел Сидоров", "", ""],
    &["P-1", "Сотрудник", "Officer K.", "U-2", ""],
];
const DETENTIONS: &[&[&str]] = &[
    &["Case", "Act", "Methods", "From", "To", "Facility", "Victim", "Perpetrator", "Part", "Account"],
    &[
        "D-1",
        "Задержание",
        "Избиение; kicking",
        "09.08.2020",
        "весна 2021",
        "Okrestina",
        "V-1",
        "P-1",
        "carried_out",
        "T-1",
    ],
    &["D-2", "torture", "", "08.2020", "", "Okrestina", "V-1; V-2", "", "", ""],
];

fn accounts(first: &str) -> Vec<Vec<String>> {
    let rows = [
        [
            "ID",
            "Witness",
            "Text",
            "Interviewed",
            "Languages",
            "About",
            "Consent on",
            "Consent",
            "Share with",
            "Consent text",
        ],
        [
            "T-1",
            "V-1",
            first,
            "2021-02-01",
            "ru; be",
            "D-1; D-2",
            "2021-02-01",
            "written",
            "prosecutors; un_bodies",
            "2020-1",
        ],
        [
            "T-2",
            "V-2",
            "I was taken to Okrestina.",
            "2021-02-02",
            "ru",
            "D-2",
            "2021-02-02",
            "oral_recorded",
            "ngos",
            "2020-1",
        ],
    ];
    rows.iter().map(|r| r.iter().map(|c| (*c).to_owned()).collect()).collect()
}

fn workbook(people: &[&[&str]], first_account: &str) -> Vec<u8> {
    let acc = accounts(first_account);
    let acc: Vec<Vec<&str>> = acc.iter().map(|r| r.iter().map(String::as_str).collect()).collect();
    let acc: Vec<&[&str]> = acc.iter().map(Vec::as_slice).collect();
    xlsx(&[("Units", UNITS), ("People", people), ("Detentions", DETENTIONS), ("Accounts", &acc)])
}

/// A lead (the documenter who opened the case) and the case.
async fn lead_and_case(app: &TestApp) -> (String, CaseId) {
    let (_, lead) = app.user_with_token(Role::Documenter).await;
    let case = app.create_case(&lead, NewCase::any()).await.id;
    (lead, case)
}

pub async fn plan(
    app: &TestApp,
    token: &str,
    case: &CaseId,
    mapping: &str,
    name: &str,
    file: Vec<u8>,
) -> reqwest::Response {
    let form = Form::new()
        .text("mapping", mapping.to_owned())
        .part("file", Part::bytes(file).file_name(name.to_owned()));
    app.client
        .post(app.url(&format!("/api/v1/cases/{case}/imports")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

pub async fn apply(app: &TestApp, token: &str, import: &Value) -> reqwest::Response {
    let path = format!("/api/v1/imports/{}/apply", import["id"].as_str().unwrap());
    app.post(&path, token, json!({"digest": import["digest"]})).await
}

fn count(plan: &Value, kind: &str, action: &str) -> u64 {
    plan["plan"]["counts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == kind)
        .map_or(0, |c| c[action].as_u64().unwrap())
}

async fn items(app: &TestApp, token: &str, path: &str) -> Vec<Value> {
    app.get_json(path, token).await["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_workbook_imports_with_every_link_right_and_a_corrected_one_updates_in_place() {
    let app = spawn_app().await;
    let (lead, case) = lead_and_case(&app).await;
    let first = expect(
        plan(&app, &lead, &case, MAPPING, "detentions.xlsx", workbook(PEOPLE, "They beat me.")).await,
        201,
        "plan",
    )
    .await;
    assert_eq!(first["status"], "planned", "{}", first["plan"]["issues"]);
    assert_eq!(count(&first, "person", "create"), 3);
    assert_eq!(count(&first, "place", "create"), 1, "one facility named on two rows");
    assert_eq!(count(&first, "testimony", "create"), 2);
    // Planning wrote no record.
    assert!(items(&app, &lead, &format!("/api/v1/cases/{case}/persons")).await.is_empty());
    let applied = expect(apply(&app, &lead, &first).await, 200, "apply").await;
    assert_eq!(applied["status"], "applied");

    let persons = items(&app, &lead, &format!("/api/v1/cases/{case}/persons")).await;
    assert_eq!(persons.len(), 3);
    let anna = persons.iter().find(|p| p["names"][0] == "Анна Иванова").unwrap();
    assert_eq!(anna["kind"], "victim");
    assert_eq!(anna["birth_date"], "1990-02-03");
    let officer = persons.iter().find(|p| p["kind"] == "perpetrator").unwrap();
    let units = items(&app, &lead, &format!("/api/v1/cases/{case}/units")).await;
    let company = units.iter().find(|u| u["name"] == "Riot police company 2").unwrap();
    let company = app.get_json(&format!("/api/v1/units/{}", company["id"].as_str().unwrap()), &lead).await;
    assert_eq!(company["chain_of_command"][0]["name"], "Riot police regiment");
    assert_eq!(company["commanders"][0]["person_id"], officer["id"]);
    assert_eq!(company["commanders"][0]["from"], "2020-06-01");
    assert_eq!(officer["unit_id"], company["id"]);

    let incidents = items(&app, &lead, &format!("/api/v1/cases/{case}/incidents")).await;
    assert_eq!(incidents.len(), 2);
    let d1 = incidents.iter().find(|i| i["act_type"] == "arbitrary_detention").unwrap();
    assert_eq!(d1["methods"], json!(["beating", "kicking"]));
    assert_eq!(
        (d1["start_date"].as_str(), d1["start_precision"].as_str()),
        (Some("2020-08-09"), Some("exact"))
    );
    assert_eq!(
        (d1["end_date"].as_str(), d1["end_precision"].as_str()),
        (Some("2021-04-15"), Some("estimate"))
    );
    assert_eq!(d1["victim_ids"], json!([anna["id"]]));
    assert_eq!(d1["involvements"][0]["person_id"], officer["id"]);
    assert_eq!(d1["involvements"][0]["role"], "carried_out");
    let d2 = incidents.iter().find(|i| i["act_type"] == "torture").unwrap();
    assert_eq!(d2["start_precision"], "month");
    assert_eq!(d2["victim_ids"].as_array().unwrap().len(), 2);
    assert_eq!(d1["place_id"], d2["place_id"]);

    let testimonies = items(&app, &lead, &format!("/api/v1/cases/{case}/testimonies")).await;
    assert_eq!(testimonies.len(), 2);
    let t1 = testimonies.iter().find(|t| t["witness_pseudonym"] == anna["pseudonym"]).unwrap();
    let t1 = app.get_json(&format!("/api/v1/testimonies/{}", t1["id"].as_str().unwrap()), &lead).await;
    assert_eq!(t1["status"], "sealed");
    assert_eq!(t1["account"], "They beat me.");
    assert_eq!(t1["languages"], json!(["ru", "be"]));
    assert_eq!(t1["consent"]["share_with"]["prosecutors"], true);
    assert_eq!(d1["involvements"][0]["testimonies"], json!([t1["id"]]));
    assert_eq!(t1["incidents"].as_array().map(Vec::len), Some(2), "{t1}");

    // The same workbook again: nothing to do.
    let again = expect(
        plan(&app, &lead, &case, MAPPING, "detentions.xlsx", workbook(PEOPLE, "They beat me.")).await,
        201,
        "replan",
    )
    .await;
    for kind in ["unit", "person", "place", "incident", "involvement", "testimony"] {
        for action in ["create", "update", "correct"] {
            assert_eq!(count(&again, kind, action), 0, "{kind} {action}: {}", again["plan"]["counts"]);
        }
    }
    // A corrected workbook: a name fixed, an account changed.
    let mut people: Vec<&[&str]> = PEOPLE.to_vec();
    people[2] = &["V-2", "victim", "Pavel Sidorau; Павел Сидоров", "", ""];
    let corrected = expect(
        plan(&app, &lead, &case, MAPPING, "detentions.xlsx", workbook(&people, "They beat me with batons."))
            .await,
        201,
        "plan the correction",
    )
    .await;
    assert_eq!(count(&corrected, "person", "update"), 1);
    assert_eq!(count(&corrected, "testimony", "correct"), 1);
    assert_eq!(count(&corrected, "person", "create"), 0);
    expect(apply(&app, &lead, &corrected).await, 200, "apply the correction").await;
    let persons = items(&app, &lead, &format!("/api/v1/cases/{case}/persons")).await;
    assert_eq!(persons.len(), 3, "updated in place, not duplicated");
    assert!(persons.iter().any(|p| p["names"][0] == "Pavel Sidorau"));
    let t1 = app.get_json(&format!("/api/v1/testimonies/{}", t1["id"].as_str().unwrap()), &lead).await;
    let versions = t1["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2, "{t1}");
    let newest = app
        .get_json(&format!("/api/v1/testimonies/{}", versions.last().unwrap()["id"].as_str().unwrap()), &lead)
        .await;
    assert_eq!(newest["account"], "They beat me with batons.");
    assert_eq!(newest["correction_reason"], "import");
    assert_eq!(items(&app, &lead, &format!("/api/v1/cases/{case}/testimonies")).await.len(), 2);

    // Applying a plan twice, or with another digest, is refused.
    assert_problem(apply(&app, &lead, &corrected).await, 409, "conflict").await;
    let audit = app.audit_actions().await;
    for action in ["import.plan", "import.apply", "import.batch", "person.create", "testimony.version"] {
        assert!(audit.iter().any(|a| a == action), "{action} audited");
    }
}

#[tokio::test]
async fn only_the_lead_imports() {
    let app = spawn_app().await;
    let (lead, case) = lead_and_case(&app).await;
    let (member_id, member) = app.user_with_token(Role::Investigator).await;
    app.add_member(&case, member_id).await;
    let file = workbook(PEOPLE, "x");
    assert_eq!(plan(&app, &member, &case, MAPPING, "a.xlsx", file.clone()).await.status(), 403);
    let (_, outsider) = app.user_with_token(Role::Documenter).await;
    assert_eq!(plan(&app, &outsider, &case, MAPPING, "a.xlsx", file.clone()).await.status(), 404);
    // Admins manage accounts and never touch case content.
    assert_eq!(plan(&app, &app.admin, &case, MAPPING, "a.xlsx", file.clone()).await.status(), 404);
    let planned = expect(plan(&app, &lead, &case, MAPPING, "a.xlsx", file).await, 201, "plan").await;
    assert_eq!(apply(&app, &member, &planned).await.status(), 403);
    let path = format!("/api/v1/imports/{}", planned["id"].as_str().unwrap());
    assert_eq!(app.get(&path, &outsider).await.status(), 404);
    assert_eq!(app.get(&path, &lead).await.status(), 200);
}

#[tokio::test]
async fn bad_input_is_reported_where_it_is_and_writes_nothing() {
    let app = spawn_app().await;
    let (lead, case) = lead_and_case(&app).await;
    // Windows-1251, semicolons, as a Russian Excel saves CSV.
    let mapping = r#"
[source]
encoding = "windows-1251"

[[records]]
kind = "person"
id = "Код"
columns = { kind = "Роль", names = "ФИО", birth_date = "Дата рождения" }

[[records]]
kind = "incident"
id = "Случай"
columns = { act_type = "Вид", start = "С", end = "По", victims = "Код" }
"#;
    let csv = "Код;Роль;ФИО;Дата рождения;Случай;Вид;С;По\r\n\
               1;victim;Анна;1990-02-03;A;torture;2021-05-01;2021-04-01\r\n\
               2;victim;Борис;31.02.1990;B;Избиение током;;\r\n\
               2;witness;Борис;;C;torture;;\r\n";
    let bytes = encoding_rs::WINDOWS_1251.encode(csv).0.into_owned();
    let res = plan(&app, &lead, &case, mapping, "people.csv", bytes.clone()).await;
    let planned = expect(res, 201, "plan").await;
    assert_eq!(planned["status"], "refused");
    let issues = planned["plan"]["issues"].as_array().unwrap();
    let at = |code: &str, row: u64, column: Option<&str>| {
        issues.iter().any(|i| {
            i["code"] == code && i["row"] == row && i.get("column").and_then(Value::as_str) == column
        })
    };
    assert!(at("dates_out_of_order", 2, Some("По")), "{issues:?}");
    assert!(at("invalid_date", 3, Some("Дата рождения")), "{issues:?}");
    assert!(at("unknown_value", 3, Some("Вид")), "{issues:?}");
    assert!(at("duplicate_id", 4, None), "{issues:?}");
    // Nothing can be applied; nothing was written.
    assert_problem(apply(&app, &lead, &planned).await, 409, "conflict").await;
    assert!(items(&app, &lead, &format!("/api/v1/cases/{case}/persons")).await.is_empty());
    assert!(items(&app, &lead, &format!("/api/v1/cases/{case}/incidents")).await.is_empty());

    // A mapping naming a field no record has.
    let wrong = mapping.replace("names = ", "nmes = ");
    let planned = expect(plan(&app, &lead, &case, &wrong, "people.csv", bytes).await, 201, "plan").await;
    assert!(planned["plan"]["issues"][0]["message"].as_str().unwrap().contains("no field"), "{planned}");
    // Bytes that are no encoding at all.
    let garbage: Vec<u8> = (0..4000u32).map(|i| (i * 7919 % 256) as u8).collect();
    let no_encoding = "[[records]]\nkind = \"unit\"\nid = \"a\"\ncolumns = { name = \"b\" }\n";
    let planned = expect(plan(&app, &lead, &case, no_encoding, "x.csv", garbage).await, 201, "plan").await;
    assert_eq!(planned["status"], "refused");
    // A form without a mapping: only a file that carries its own (a Custodia export) can
    // do without.
    let form = Form::new().part("file", Part::bytes(b"a,b\n1,2\n".to_vec()).file_name("x.csv"));
    let res = app
        .client
        .post(app.url(&format!("/api/v1/cases/{case}/imports")))
        .bearer_auth(&lead)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let planned = expect(res, 201, "plan without a mapping").await;
    assert_eq!(planned["plan"]["issues"][0]["code"], "invalid_mapping", "{planned}");
}

#[tokio::test]
async fn a_plan_is_refused_once_the_case_changed() {
    let app = spawn_app().await;
    let (lead, case) = lead_and_case(&app).await;
    let res = plan(&app, &lead, &case, MAPPING, "a.xlsx", workbook(PEOPLE, "x")).await;
    let planned = expect(res, 201, "plan").await;
    app.create_person(&lead, &case, NewPerson::witness()).await;
    let problem = assert_problem(apply(&app, &lead, &planned).await, 409, "conflict").await;
    assert!(
        problem["detail"].as_str().unwrap_or_default().contains("case_changed_since_planning"),
        "{problem}"
    );
    let stale = json!({"id": planned["id"], "digest": "0".repeat(64)});
    assert_problem(apply(&app, &lead, &stale).await, 409, "conflict").await;
}

#[tokio::test]
async fn an_apply_cut_short_resumes_without_duplicating_anything() {
    let app = spawn_app().await;
    let (lead, case) = lead_and_case(&app).await;
    // Enough accounts for several batches.
    let mut rows = vec![vec!["ID".to_owned(), "Witness".into(), "Text".into()]];
    let mut people = vec![vec!["ID".to_owned(), "Role".into(), "Name".into()]];
    for n in 0..260 {
        people.push(vec![format!("V{n}"), "victim".into(), format!("Victim {n}")]);
        rows.push(vec![format!("T{n}"), format!("V{n}"), format!("Account number {n}.")]);
    }
    fn as_slices(t: &[Vec<String>]) -> Vec<Vec<&str>> {
        t.iter().map(|r| r.iter().map(String::as_str).collect()).collect()
    }
    let (p, r) = (as_slices(&people), as_slices(&rows));
    let p: Vec<&[&str]> = p.iter().map(Vec::as_slice).collect();
    let r: Vec<&[&str]> = r.iter().map(Vec::as_slice).collect();
    let file = xlsx(&[("People", &p), ("Accounts", &r)]);
    let mapping = "[[records]]\nkind = \"person\"\nsheet = \"People\"\nid = \"ID\"\ncolumns = { kind = \"Role\", names = \"Name\" }\n\n\
                   [[records]]\nkind = \"testimony\"\nsheet = \"Accounts\"\nid = \"ID\"\nseal = false\ncolumns = { witness = \"Witness\", account = \"Text\" }\nfixed = { source_connection = \"victim\" }\n";
    let planned = expect(plan(&app, &lead, &case, mapping, "many.xlsx", file).await, 201, "plan").await;
    assert_eq!(planned["status"], "planned", "{}", planned["plan"]["issues"]);
    // Apply in the service, and drop it once four batches have committed: what a lost
    // connection or a stopped process leaves.
    let import = uuid::Uuid::parse_str(planned["id"].as_str().unwrap()).unwrap();
    let digest = planned["digest"].as_str().unwrap().to_owned();
    let principal = app.state.auth.authenticate(&lead).await.unwrap().0;
    let (tx, rx) = tokio::sync::watch::channel(0u32);
    let progress = Arc::new(move |_| {
        tx.send_modify(|n| *n += 1);
    });
    let who = Allowed::<act::CaseImport>::check(principal.clone()).unwrap();
    let apply_once = app.state.imports.apply(who, import, digest.clone(), None, progress);
    let mut seen = rx.clone();
    tokio::select! {
        _ = apply_once => panic!("the apply finished before it was cut"),
        _ = seen.wait_for(|n| *n >= 4) => {}
    }
    let view = app.get_json(&format!("/api/v1/imports/{import}"), &lead).await;
    assert_eq!(view["status"], "applying");
    let part = items(&app, &lead, &format!("/api/v1/cases/{case}/persons?limit=200")).await.len();
    assert!(part > 0 && part < 260, "cut part way: {part}");
    // Applying again resumes.
    let who = Allowed::<act::CaseImport>::check(principal).unwrap();
    let done = app.state.imports.apply(who, import, digest, None, Arc::new(|_| {})).await.unwrap();
    assert_eq!(done.status.as_str(), "applied");
    let persons: u64 = app.get_json(&format!("/api/v1/cases/{case}/persons?limit=1"), &lead).await["total"]
        .as_u64()
        .unwrap();
    let testimonies: u64 =
        app.get_json(&format!("/api/v1/cases/{case}/testimonies?limit=1"), &lead).await["total"]
            .as_u64()
            .unwrap();
    assert_eq!((persons, testimonies), (260, 260));
}

/// Uwazi's CSV export (tests/fixtures/import/uwazi): entities of several templates in one
/// file, relationships by title, `Group::Value` thesaurus values, `from~to` ranges and a
/// `lat|lon` geolocation, read through the mapping docs/import.md shows.
#[tokio::test]
async fn an_uwazi_export_imports_through_its_mapping() {
    let app = spawn_app().await;
    let (lead, case) = lead_and_case(&app).await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/uwazi");
    let mapping = std::fs::read_to_string(dir.join("mapping.toml")).unwrap();
    let docs =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/import.md"))
            .unwrap();
    for line in mapping.lines().filter(|l| l.starts_with("columns") || l.starts_with("when")) {
        assert!(docs.contains(line), "docs/import.md shows the mapping the test uses: {line}");
    }
    let csv = std::fs::read(dir.join("export.csv")).unwrap();
    let planned =
        expect(plan(&app, &lead, &case, &mapping, "uwazi-export.csv", csv).await, 201, "plan").await;
    assert_eq!(planned["status"], "planned", "{}", planned["plan"]["issues"]);
    expect(apply(&app, &lead, &planned).await, 200, "apply").await;

    let units = items(&app, &lead, &format!("/api/v1/cases/{case}/units")).await;
    let company = units.iter().find(|u| u["name"] == "OMON Minsk, 2nd company").unwrap();
    let company = app.get_json(&format!("/api/v1/units/{}", company["id"].as_str().unwrap()), &lead).await;
    assert_eq!(company["chain_of_command"][0]["name"], "OMON Minsk");
    let places = items(&app, &lead, &format!("/api/v1/cases/{case}/places")).await;
    assert_eq!(places.len(), 1);
    assert_eq!(
        (places[0]["latitude"].as_f64(), places[0]["longitude"].as_f64()),
        (Some(53.8617), Some(27.4858))
    );
    assert_eq!(places[0]["place_type"], "detention_facility");
    let persons = items(&app, &lead, &format!("/api/v1/cases/{case}/persons")).await;
    assert_eq!(persons.len(), 3);
    let v1 = persons.iter().find(|p| p["pseudonym"] == "V-001").unwrap();
    assert_eq!((v1["kind"].as_str(), v1["sex"].as_str()), (Some("victim"), Some("female")));
    let officer = persons.iter().find(|p| p["kind"] == "perpetrator").unwrap();
    assert_eq!(officer["names"][0], "Officer K.");
    assert_eq!(officer["rank"], "Captain");
    assert_eq!(officer["unit_id"], company["id"]);
    let incidents = items(&app, &lead, &format!("/api/v1/cases/{case}/incidents")).await;
    let detention = incidents.iter().find(|i| i["act_type"] == "arbitrary_detention").unwrap();
    assert_eq!(detention["methods"], json!(["beating", "stress_positions"]));
    assert_eq!(
        (detention["start_date"].as_str(), detention["end_date"].as_str()),
        (Some("2020-08-09"), Some("2020-08-12"))
    );
    assert_eq!(detention["victim_ids"], json!([v1["id"]]));
    assert_eq!(detention["involvements"][0]["person_id"], officer["id"]);
    assert_eq!(detention["involvements"][0]["role"], "carried_out");
    let beating = incidents.iter().find(|i| i["act_type"] == "torture").unwrap();
    assert_eq!(beating["victim_ids"].as_array().unwrap().len(), 2);
    let testimonies = items(&app, &lead, &format!("/api/v1/cases/{case}/testimonies")).await;
    assert_eq!(testimonies.len(), 2);
    assert!(testimonies.iter().all(|t| t["status"] == "draft"), "no consent record: drafts");
    let languages: Vec<&Value> = testimonies.iter().map(|t| &t["languages"]).collect();
    assert!(languages.contains(&&json!(["ru"])) && languages.contains(&&json!(["be"])), "{languages:?}");

    // Two entities of one template with one title and different values: a duplicate,
    // never a guess.
    let ambiguous = format!(
        "{}V-001,2021-03-09,Victim,Male,,,,,,,,,,,,,,,,,,,Unpublished\n",
        String::from_utf8(std::fs::read(dir.join("export.csv")).unwrap()).unwrap()
    );
    let refused =
        expect(plan(&app, &lead, &case, &mapping, "again.csv", ambiguous.into_bytes()).await, 201, "plan")
            .await;
    assert_eq!(refused["status"], "refused");
    assert_eq!(refused["plan"]["issues"][0]["code"], "duplicate_id", "{}", refused["plan"]["issues"]);
}

/// A ZIP of sheets and the files they name: each file is stored encrypted as an upload
/// is, on its testimony or incident, with its SHA-256; a second import stores none twice.
#[tokio::test]
async fn a_zip_of_sheets_brings_its_files_in_as_attachments() {
    use std::io::Write;
    let app = spawn_app().await;
    let (lead, case) = lead_and_case(&app).await;
    let report = b"%PDF-1.4 medical report of V-1".repeat(3000);
    let photo = b"\xff\xd8\xff photo of the injuries".repeat(500);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (name, bytes) in [
        ("intake/people.csv", b"ID,Name\nV-1,Anna\n".to_vec()),
        ("intake/accounts.csv", b"ID,Witness,Text\nT-1,V-1,They beat me.\n".to_vec()),
        ("intake/incidents.csv", b"ID,Act,Victim\nD-1,torture,V-1\n".to_vec()),
        (
            "intake/files.csv",
            b"Testimony,Incident,File\nT-1,,scans/report.pdf\n,D-1,photos/injuries.jpg\n".to_vec(),
        ),
        ("intake/scans/report.pdf", report.clone()),
        ("intake/photos/injuries.jpg", photo.clone()),
    ] {
        zip.start_file(name, options).unwrap();
        zip.write_all(&bytes).unwrap();
    }
    let file = zip.finish().unwrap().into_inner();
    let mapping = r#"
[[records]]
kind = "person"
sheet = "people"
id = "ID"
columns = { names = "Name" }
fixed = { kind = "victim" }

[[records]]
kind = "testimony"
sheet = "accounts"
id = "ID"
seal = false
columns = { witness = "Witness", account = "Text" }
fixed = { source_connection = "victim" }

[[records]]
kind = "incident"
sheet = "incidents"
id = "ID"
columns = { act_type = "Act", victims = "Victim" }

[[records]]
kind = "attachment"
sheet = "files"
columns = { testimony = "Testimony", incident = "Incident", file = "File" }
"#;
    let planned =
        expect(plan(&app, &lead, &case, mapping, "intake.zip", file.clone()).await, 201, "plan").await;
    assert_eq!(planned["status"], "planned", "{}", planned["plan"]["issues"]);
    assert_eq!(count(&planned, "attachment", "create"), 2);
    expect(apply(&app, &lead, &planned).await, 200, "apply").await;
    let testimony = &items(&app, &lead, &format!("/api/v1/cases/{case}/testimonies")).await[0];
    let testimony =
        app.get_json(&format!("/api/v1/testimonies/{}", testimony["id"].as_str().unwrap()), &lead).await;
    let attached = &testimony["attachments"][0];
    assert_eq!(attached["filename"], "report.pdf");
    assert_eq!(attached["media_type"], "application/pdf");
    let content =
        app.get(&format!("/api/v1/attachments/{}/content", attached["id"].as_str().unwrap()), &lead).await;
    assert_eq!(content.bytes().await.unwrap().to_vec(), report);
    let incident = &items(&app, &lead, &format!("/api/v1/cases/{case}/incidents")).await[0];
    assert_eq!(incident["attachments"][0]["media_type"], "image/jpeg", "{incident}");
    // The stored blobs hold no plaintext of either file.
    for (id, bytes) in app.stored_blobs() {
        assert!(!bytes.windows(20).any(|w| w == &report[..20] || w == &photo[..20]), "blob {id}");
    }
    let again = expect(plan(&app, &lead, &case, mapping, "intake.zip", file).await, 201, "replan").await;
    assert_eq!(count(&again, "attachment", "unchanged"), 2);
    // A sheet naming a file the ZIP does not hold, or one outside it.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in [
        ("people.csv", &b"ID,Name\nV-9,Boris\n"[..]),
        ("accounts.csv", b"ID,Witness,Text\nT-9,V-9,x\n"),
        ("incidents.csv", b"ID,Act,Victim\nD-9,torture,V-9\n"),
        ("files.csv", b"Testimony,Incident,File\nT-9,,missing.pdf\nT-9,,../../etc/passwd\n"),
    ] {
        zip.start_file(name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    let bad = zip.finish().unwrap().into_inner();
    let refused = expect(plan(&app, &lead, &case, mapping, "bad.zip", bad).await, 201, "plan").await;
    let codes: Vec<&str> =
        refused["plan"]["issues"].as_array().unwrap().iter().map(|i| i["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["no_such_file", "unsafe_path"], "{}", refused["plan"]["issues"]);
}
