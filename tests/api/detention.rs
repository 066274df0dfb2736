//! Detention histories through the API: a history with three custody periods computes
//! its durations and lists the person at the right facility on a day (and at no other,
//! and not after release); every bad input is 422 naming its field with nothing
//! written; a lawyer reads but cannot write and outsiders learn nothing; no canary from
//! the sealed details reaches the disk, the rows or the logs.

use custodia::domain::Role;
use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

struct World {
    app: TestApp,
    lead: String,
    reader: String,
    lawyer: String,
    case: CaseId,
}

async fn world() -> World {
    let app = spawn_app().await;
    let (_, lead) = app.user_with_token(Role::Documenter).await;
    let (reader_id, reader) = app.user_with_token(Role::Investigator).await;
    let (lawyer_id, lawyer) = app.user_with_token(Role::Lawyer).await;
    let case = app.create_case(&lead, NewCase::any()).await.id;
    app.add_member(&case, reader_id).await;
    app.add_member(&case, lawyer_id).await;
    World { app, lead, reader, lawyer, case }
}

impl World {
    async fn place(&self, place_type: &str, name: &str) -> String {
        self.app.create_place(&self.lead, &self.case, NewPlace::new(place_type, name)).await.id.0
    }

    async fn person(&self, person: NewPerson) -> String {
        self.app.create_person(&self.lead, &self.case, person).await.id.0
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> reqwest::Response {
        self.app.call(method, path, Some(&self.lead), body).await
    }

    /// An episode of `person`: its id.
    async fn episode(&self, person: &str, body: Value) -> String {
        let res = self.app.post(&format!("/api/v1/persons/{person}/detentions"), &self.lead, body).await;
        expect(res, 201, "create episode").await["id"].as_str().unwrap().to_owned()
    }

    async fn period(&self, episode: &str, place: &str, from: (&str, &str), to: (&str, &str)) -> Value {
        let res = self
            .app
            .post(
                &format!("/api/v1/detentions/{episode}/custody-periods"),
                &self.lead,
                period(place, from, to),
            )
            .await;
        expect(res, 201, "add custody period").await
    }

    async fn detained(&self, on: &str) -> Value {
        self.app.get_json(&format!("/api/v1/cases/{}/detained?on={on}", self.case), &self.reader).await
    }
}

fn period(place: &str, from: (&str, &str), to: (&str, &str)) -> Value {
    let date = |d: &str| if d.is_empty() { Value::Null } else { json!(d) };
    json!({
        "place_id": place, "facility_type": "pretrial_detention_centre",
        "from_date": date(from.0), "from_precision": from.1,
        "to_date": date(to.0), "to_precision": to.1,
    })
}

fn released(arrest: &str, release: &str) -> Value {
    json!({"arrest_date": arrest, "arrest_precision": "exact", "status": "released",
           "release_date": release, "release_precision": "exact"})
}

/// The pseudonyms at each facility, by facility name: (certainly, possibly).
fn roll(detained: &Value) -> Vec<(String, Vec<String>, Vec<String>)> {
    detained["facilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let who = |presence: &str| {
                f["persons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|p| p["presence"] == presence)
                    .map(|p| p["pseudonym"].as_str().unwrap().to_owned())
                    .collect::<Vec<_>>()
            };
            (f["place_name"].as_str().unwrap().to_owned(), who("certainly"), who("possibly"))
        })
        .collect()
}

fn days(v: &Value) -> (i64, i64) {
    (v["days"]["least"].as_i64().unwrap(), v["days"]["most"].as_i64().unwrap())
}

#[tokio::test]
async fn a_history_of_three_custody_periods_counts_its_days_and_places_the_person_by_date() {
    let w = world().await;
    let okrestina = w.place("temporary_detention_centre", "Okrestina").await;
    let zhodino = w.place("detention_facility", "Zhodino SIZO").await;
    let colony = w.place("prison", "Colony 15").await;
    let court = w.place("court", "Minsk district court").await;
    let victim = w.person(NewPerson::victim().pseudonym("V-0100")).await;
    let judge = w.person(NewPerson::perpetrator().named("Judge Ivanova").pseudonym("P-0100")).await;
    let held = w.person(NewPerson::victim().pseudonym("V-0200")).await;

    let episode = w.episode(&victim, released("2020-08-09", "2021-10-15")).await;
    w.period(&episode, &okrestina, ("2020-08-09", "exact"), ("2020-08-20", "exact")).await;
    // Entered out of order: the history sorts them by when they began.
    w.period(&episode, &colony, ("2021-03", "month"), ("2021-10-15", "exact")).await;
    w.period(&episode, &zhodino, ("2020-08-20", "exact"), ("2021-03", "month")).await;
    let charge =
        json!({"law_code": "criminal_code", "filed_on": "2020-09", "details": {"article": "342 part 1"}});
    let res = w.app.post(&format!("/api/v1/detentions/{episode}/charges"), &w.lead, charge).await;
    expect(res, 201, "add charge").await;
    let hearing = json!({"court_place_id": court, "judge_person_id": judge, "held_on": "2021-02-10",
                         "held_precision": "exact", "outcome": "remand_extended"});
    let res = w.app.post(&format!("/api/v1/detentions/{episode}/hearings"), &w.lead, hearing).await;
    expect(res, 201, "add hearing").await;
    let incident =
        NewIncident::of("torture").started("2020-08-10", "exact").victim(&PersonId(victim.clone()));
    let incident = w.app.create_incident(&w.lead, &w.case, incident).await.id;
    let res = w.send(Method::PUT, &format!("/api/v1/detentions/{episode}/incidents/{incident}"), None).await;
    expect(res, 200, "link incident").await;

    let history = w.app.get_json(&format!("/api/v1/persons/{victim}/detentions"), &w.reader).await;
    assert_eq!(days(&history), (433, 433), "9 Aug 2020 to 15 Oct 2021, both days counted");
    let e = &history["episodes"][0];
    let periods = e["custody_periods"].as_array().unwrap();
    let names: Vec<&str> = periods.iter().map(|p| p["place_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Okrestina", "Zhodino SIZO", "Colony 15"]);
    assert_eq!(days(&periods[0]), (12, 12));
    assert_eq!(days(&periods[1]), (194, 224), "to March 2021: from its 1st to its 31st");
    assert_eq!(days(&periods[2]), (199, 229));
    assert_eq!(e["transfers"].as_array().unwrap().len(), 2);
    assert_eq!(e["transfers"][1]["to_place_id"], colony);
    assert_eq!(e["charges"][0]["details"]["article"], "342 part 1");
    assert_eq!(e["hearings"][0]["court_name"], "Minsk district court");
    assert_eq!(e["hearings"][0]["judge_name"], "Judge Ivanova");
    assert_eq!(e["incident_ids"], json!([incident.0]));

    // Someone still held, from the same day, at Okrestina.
    let still = json!({"arrest_date": "2020-08-09", "arrest_precision": "exact", "status": "in_custody"});
    let still = w.episode(&held, still).await;
    w.period(&still, &okrestina, ("2020-08-09", "exact"), ("", "unknown")).await;
    let theirs = w.app.get_json(&format!("/api/v1/persons/{held}/detentions"), &w.reader).await;
    assert_eq!(theirs["days"]["ongoing"], true);
    assert!(theirs["days"]["least"].as_i64().unwrap() > 1000, "runs to today");

    let okr = |c: &[&str], p: &[&str]| ("Okrestina".to_owned(), strings(c), strings(p));
    let zho = |c: &[&str], p: &[&str]| ("Zhodino SIZO".to_owned(), strings(c), strings(p));
    let col = |c: &[&str], p: &[&str]| ("Colony 15".to_owned(), strings(c), strings(p));
    assert_eq!(roll(&w.detained("2020-08-15").await), [okr(&["V-0100", "V-0200"], &[])]);
    assert_eq!(roll(&w.detained("2020-10-01").await), [okr(&["V-0200"], &[]), zho(&["V-0100"], &[])]);
    assert_eq!(
        roll(&w.detained("2021-03-15").await),
        [col(&[], &["V-0100"]), okr(&["V-0200"], &[]), zho(&[], &["V-0100"])],
        "March 2021 is only possibly either side of the transfer"
    );
    assert_eq!(roll(&w.detained("2021-10-16").await), [okr(&["V-0200"], &[])], "not after release");
    let at_zhodino =
        w.app.get_json(&format!("/api/v1/places/{zhodino}/detained?on=2020-10-01"), &w.reader).await;
    assert_eq!(roll(&at_zhodino), [zho(&["V-0100"], &[])]);
    let res = w.app.get(&format!("/api/v1/cases/{}/detained?on=2020-13-01", w.case), &w.reader).await;
    assert_problem(res, 400, "invalid_query").await;

    let actions = w.app.audit_actions().await;
    for a in ["detention.create", "detention.custody_add", "detention.charge_add", "detention.hearing_add"] {
        assert!(actions.iter().any(|x| x == a), "{a} audited");
    }
    for a in ["detention.incident_link", "detention.list", "detention.detained_read"] {
        assert!(actions.iter().any(|x| x == a), "{a} audited");
    }

    // Deleting the episode takes its parts with it.
    let res = w.send(Method::DELETE, &format!("/api/v1/detentions/{episode}"), None).await;
    assert_eq!(res.status(), 204);
    let history = w.app.get_json(&format!("/api/v1/persons/{victim}/detentions"), &w.reader).await;
    assert_eq!(history["episodes"], json!([]));
    assert_eq!(counts(&w.app).await, [1, 1, 0, 0, 0]);
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

/// Rows of episodes, custody periods, charges, hearings and incident links.
async fn counts(app: &TestApp) -> [i64; 5] {
    use custodia::store::schema::{
        charges, custody_periods, detention_episodes, detention_incidents, hearings,
    };
    app.state
        .context()
        .read(|c| {
            Ok([
                detention_episodes::table.count().get_result(c)?,
                custody_periods::table.count().get_result(c)?,
                charges::table.count().get_result(c)?,
                hearings::table.count().get_result(c)?,
                detention_incidents::table.count().get_result(c)?,
            ])
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn bad_input_is_422_naming_the_field_and_writes_nothing() {
    let w = world().await;
    let place = w.place("detention_facility", "SIZO-1").await;
    let other_case = w.app.create_case(&w.lead, NewCase::any()).await.id;
    let elsewhere =
        w.app.create_place(&w.lead, &other_case, NewPlace::new("detention_facility", "Elsewhere")).await.id.0;
    let stranger = w.app.create_person(&w.lead, &other_case, NewPerson::witness()).await.id.0;
    let foreign_incident = w.app.create_incident(&w.lead, &other_case, NewIncident::of("torture")).await.id.0;
    let late_incident = NewIncident::of("torture").started("2022-01-01", "exact");
    let late_incident = w.app.create_incident(&w.lead, &w.case, late_incident).await.id.0;
    let victim = w.person(NewPerson::victim()).await;
    let episode = w.episode(&victim, released("2020-08-09", "2020-12-31")).await;
    w.period(&episode, &place, ("2020-08-09", "exact"), ("2020-09-30", "exact")).await;
    // A second episode of the same person, later: its periods must not overlap the first's.
    let second = json!({"arrest_date": "2020-09", "arrest_precision": "month", "status": "released",
        "release_date": "2021-02-01", "release_precision": "exact"});
    let second = w.episode(&victim, second).await;
    let before = counts(&w.app).await;
    let keys_before = data_keys(&w.app).await;

    let episodes = format!("/api/v1/persons/{victim}/detentions");
    let this = format!("/api/v1/detentions/{episode}");
    let periods = format!("/api/v1/detentions/{episode}/custody-periods");
    let charges = format!("/api/v1/detentions/{episode}/charges");
    let hearings = format!("/api/v1/detentions/{episode}/hearings");
    let in_custody_released = json!({"arrest_date": "2020-08-09", "arrest_precision": "exact",
        "status": "in_custody", "release_date": "2020-09-01", "release_precision": "exact"});
    let charge = |law: &str, article: &str| json!({"law_code": law, "details": {"article": article}});
    let hearing = |extra: Value| {
        let mut h = json!({"outcome": "adjourned", "held_on": "2020-10", "held_precision": "month"});
        h.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        h
    };
    let cases: Vec<(Method, String, Value, &str)> = vec![
        (Method::POST, episodes.clone(), released("2020-08-09", "2020-08-08"), "release_date"),
        (Method::POST, episodes.clone(), in_custody_released, "release_date"),
        (
            Method::POST,
            episodes.clone(),
            json!({"status": "released", "release_date": "2020-08", "release_precision": "exact"}),
            "release_date",
        ),
        (
            Method::POST,
            episodes.clone(),
            json!({"status": "released", "sentence_kind": "flogging"}),
            "sentence_kind",
        ),
        (
            Method::POST,
            episodes.clone(),
            json!({"status": "unknown", "arrest_place_id": elsewhere}),
            "arrest_place_id",
        ),
        (Method::PUT, this.clone(), released("2020-08-10", "2020-12-31"), "arrest_date"),
        (Method::PUT, this.clone(), released("2020-08-09", "2020-09-15"), "release_date"),
        (
            Method::POST,
            periods.clone(),
            period(&place, ("2020-08-01", "exact"), ("2020-08-20", "exact")),
            "from_date",
        ),
        (
            Method::POST,
            periods.clone(),
            period(&place, ("2020-10-01", "exact"), ("2021-01-05", "exact")),
            "to_date",
        ),
        (
            Method::POST,
            periods.clone(),
            period(&place, ("2020-11-01", "exact"), ("2020-10-01", "exact")),
            "to_date",
        ),
        (
            Method::POST,
            periods.clone(),
            period(&place, ("2020-09-15", "exact"), ("2020-10-15", "exact")),
            "from_date",
        ),
        (
            Method::POST,
            format!("/api/v1/detentions/{second}/custody-periods"),
            period(&place, ("2020-09-20", "exact"), ("", "unknown")),
            "from_date",
        ),
        (
            Method::POST,
            periods.clone(),
            period(&elsewhere, ("2020-10-01", "exact"), ("", "unknown")),
            "place_id",
        ),
        (
            Method::POST,
            periods.clone(),
            json!({"place_id": place, "facility_type": "dungeon"}),
            "facility_type",
        ),
        (
            Method::POST,
            charges.clone(),
            charge("criminal_code", "organised riots in the city centre"),
            "details.article",
        ),
        (Method::POST, charges.clone(), charge("criminal_code", "342 Ivanov"), "details.article"),
        (Method::POST, charges.clone(), charge("sharia", "342"), "law_code"),
        (Method::POST, hearings.clone(), hearing(json!({"outcome": "beheaded"})), "outcome"),
        (Method::POST, hearings.clone(), hearing(json!({"judge_person_id": stranger})), "judge_person_id"),
        (Method::POST, hearings.clone(), hearing(json!({"court_place_id": elsewhere})), "court_place_id"),
        (Method::PUT, format!("{this}/incidents/{foreign_incident}"), Value::Null, "incident_id"),
        (Method::PUT, format!("{this}/incidents/{late_incident}"), Value::Null, "incident_id"),
    ];
    for (method, path, body, field) in cases {
        let body = (!body.is_null()).then_some(body);
        let res = w.app.call(method.clone(), &path, Some(&w.lead), body.clone()).await;
        let problem = assert_problem(res, 422, "validation_error").await;
        let fields: Vec<&str> =
            problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert!(fields.contains(&field), "{method} {path} {body:?}: {problem}");
    }
    assert_eq!(counts(&w.app).await, before, "nothing half-written");
    assert_eq!(data_keys(&w.app).await, keys_before, "no key left behind");
    let history = w.app.get_json(&format!("/api/v1/persons/{victim}/detentions"), &w.reader).await;
    assert_eq!(history["episodes"][0]["release_date"], "2020-12-31", "the refused change left it as it was");

    // What is only possibly wrong is taken: a stay from "September 2020" may begin after
    // the first period ended on the 30th.
    w.period(&second, &place, ("2020-09", "month"), ("2021-02-01", "exact")).await;
}

async fn data_keys(app: &TestApp) -> i64 {
    use custodia::store::schema::data_keys;
    app.state.context().read(|c| Ok(data_keys::table.count().get_result(c)?)).await.unwrap()
}

#[tokio::test]
async fn a_lawyer_reads_but_cannot_write_and_outsiders_learn_nothing() {
    let w = world().await;
    let place = w.place("detention_facility", "SIZO-1").await;
    let victim = w.person(NewPerson::victim()).await;
    let episode = w.episode(&victim, released("2020-08-09", "2020-12-31")).await;
    w.period(&episode, &place, ("2020-08-09", "exact"), ("2020-09-30", "exact")).await;

    let history = format!("/api/v1/persons/{victim}/detentions");
    let one = format!("/api/v1/detentions/{episode}");
    w.app.get_json(&history, &w.lawyer).await;
    w.app.get_json(&one, &w.lawyer).await;
    let res = w.app.post(&history, &w.lawyer, released("2021-01-01", "2021-01-02")).await;
    assert_eq!(res.status(), 403);
    let res = w.app.call(Method::DELETE, &one, Some(&w.lawyer), None).await;
    assert_eq!(res.status(), 403);

    let (_, outsider) = w.app.user_with_token(Role::Documenter).await;
    for path in [
        history.clone(),
        one.clone(),
        format!("/api/v1/cases/{}/detained", w.case),
        format!("/api/v1/places/{place}/detained?on=2020-09-01"),
    ] {
        assert_eq!(w.app.get(&path, &outsider).await.status(), 404, "{path}");
    }
    let res = w.app.post(&history, &outsider, released("2021-01-01", "2021-01-02")).await;
    assert_eq!(res.status(), 404);
    let res = w.app.call(Method::DELETE, &one, Some(&outsider), None).await;
    assert_eq!(res.status(), 404);
    let res = w
        .app
        .post(
            &format!("{one}/charges"),
            &outsider,
            json!({"law_code": "criminal_code", "details": {"article": "342"}}),
        )
        .await;
    assert_eq!(res.status(), 404);
    assert_eq!(counts(&w.app).await, [1, 1, 0, 0, 0]);
}

#[tokio::test]
async fn no_canary_from_a_detention_history_reaches_disk_rows_or_logs() {
    let w = world().await;
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let canary = |what: &str| format!("CANARY{tag}{what} Алина Канарейкина");
    let fields =
        ["grounds", "release", "sentence", "notes", "conditions", "transfer", "pnotes", "charge", "hearing"];
    let canaries: Vec<String> = fields.iter().map(|f| canary(f)).collect();
    let place = w.place("detention_facility", "SIZO-1").await;
    let victim = w.person(NewPerson::victim()).await;
    let mut body = released("2020-08-09", "2021-01-31");
    body["sentence_kind"] = json!("imprisonment");
    body["details"] = json!({"grounds_given": canary("grounds"), "release_circumstances": canary("release"),
        "sentence": canary("sentence"), "sentence_days": 540, "notes": canary("notes")});
    let episode = w.episode(&victim, body).await;
    let mut p = period(&place, ("2020-08-09", "exact"), ("2021-01-31", "exact"));
    p["details"] = json!({"conditions": canary("conditions"), "transfer_reason": canary("transfer"), "notes": canary("pnotes")});
    let res = w.app.post(&format!("/api/v1/detentions/{episode}/custody-periods"), &w.lead, p).await;
    expect(res, 201, "period").await;
    let charge =
        json!({"law_code": "criminal_code", "details": {"article": "342", "description": canary("charge")}});
    expect(
        w.app.post(&format!("/api/v1/detentions/{episode}/charges"), &w.lead, charge).await,
        201,
        "charge",
    )
    .await;
    let hearing = json!({"outcome": "adjourned", "details": {"notes": canary("hearing")}});
    expect(
        w.app.post(&format!("/api/v1/detentions/{episode}/hearings"), &w.lead, hearing).await,
        201,
        "hearing",
    )
    .await;

    let read = w.app.get_json(&format!("/api/v1/detentions/{episode}"), &w.reader).await;
    assert_eq!(read["details"]["grounds_given"], canary("grounds"), "and it all reads back");
    assert_eq!(read["details"]["sentence_days"], 540);
    assert_eq!(read["hearings"][0]["details"]["notes"], canary("hearing"));
    assert!(w.app.audit_actions().await.iter().any(|a| a == "detention.read"), "the read is audited");

    for path in files_under(w.app.db.dir.path()) {
        let bytes = std::fs::read(&path).unwrap();
        crate::canary::assert_absent(&path.display().to_string(), &bytes, &canaries);
    }
    let dump = rows(&w.app).await;
    crate::canary::assert_absent("database rows", dump.as_bytes(), &canaries);
    crate::canary::assert_absent("logs", &captured_logs(), &canaries);
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = diesel::sql_types::Text)]
    line: String,
}

/// On PostgreSQL, every row of the detention tables and the audit log as text (on
/// SQLite, the file and WAL searched byte by byte cover them).
async fn rows(app: &TestApp) -> String {
    app.state
        .context()
        .read(|c| {
            let mut lines = Vec::new();
            for table in ["detention_episodes", "custody_periods", "charges", "hearings", "audit_log"] {
                let sql = match c {
                    #[cfg(feature = "postgres")]
                    custodia::store::DbConnection::Postgres(_) => {
                        format!("SELECT CAST(row_to_json(t) AS TEXT) AS line FROM {table} t")
                    }
                    #[allow(unreachable_patterns)]
                    _ => continue,
                };
                lines.extend(diesel::sql_query(sql).load::<Line>(c)?.into_iter().map(|r| r.line));
            }
            Ok(lines.join("\n"))
        })
        .await
        .unwrap()
}

/// The pages: a documenter enters a history through the forms (a refused one shown again
/// with what is wrong), the history shows its picture and tables in English and Russian,
/// the case's "detained" page lists the person; a lawyer reads without forms and cannot
/// post; an outsider sees nothing.
#[tokio::test]
async fn the_pages_enter_a_history_and_show_who_is_detained() {
    use crate::web::{between, location};
    let w = world().await;
    let (doc_id, doc) = w.app.web_user(Role::Documenter).await;
    let (lawyer_id, lawyer) = w.app.web_user(Role::Lawyer).await;
    let (_, outsider) = w.app.web_user(Role::Documenter).await;
    w.app.add_member(&w.case, doc_id).await;
    w.app.add_member(&w.case, lawyer_id).await;
    let place = w.place("detention_facility", "Okrestina").await;
    let victim = w.person(NewPerson::victim().pseudonym("V-0300")).await;
    let history = format!("/persons/{victim}/detentions");

    let person_page = w.app.page(&doc, &format!("/persons/{victim}")).await;
    assert!(person_page.contains(&format!("href=\"{history}\"")), "the person page leads to it");
    let case_page = w.app.page(&doc, &format!("/cases/{}", w.case)).await;
    assert!(case_page.contains(&format!("href=\"/cases/{}/detained\"", w.case)), "and the case page");

    let bad = [("arrest_date", "2020-08-09"), ("status", "released"), ("release_date", "2020-08-01")];
    let res = w.app.web_post(&doc, &history, &bad).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("The release cannot be before the arrest."));
    assert_eq!(counts(&w.app).await, [0, 0, 0, 0, 0]);
    let good = [
        ("arrest_date", "2020-08-09"),
        ("status", "released"),
        ("release_date", "2020-08-20"),
        ("details.grounds_given", "took part in a march"),
    ];
    let res = w.app.web_post(&doc, &history, &good).await;
    assert_eq!(res.status(), 303);
    assert!(location(&res).starts_with(&format!("{history}#episode-")));
    let episode = location(&res).rsplit("#episode-").next().unwrap().to_owned();
    let period = [
        ("place_id", place.as_str()),
        ("facility_type", "temporary_detention_centre"),
        ("from_date", "2020-08-09"),
        ("to_date", "2020-08-20"),
    ];
    let res = w.app.web_post(&doc, &format!("/detentions/{episode}/custody-periods"), &period).await;
    assert_eq!(res.status(), 303);
    let charge = [("law_code", "administrative_code"), ("details.article", "riots in the centre")];
    let res = w.app.web_post(&doc, &format!("/detentions/{episode}/charges"), &charge).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Write the article as the code numbers it"));
    let charge = [("law_code", "administrative_code"), ("details.article", "24.23 part 1")];
    assert_eq!(w.app.web_post(&doc, &format!("/detentions/{episode}/charges"), &charge).await.status(), 303);
    let hearing = [("held_on", "2020-08-11"), ("outcome", "adjourned")];
    assert_eq!(
        w.app.web_post(&doc, &format!("/detentions/{episode}/hearings"), &hearing).await.status(),
        303
    );

    let page = w.app.page(&doc, &history).await;
    assert!(page.contains("Detention history") && page.contains("12 days") && page.contains("24.23 part 1"));
    assert!(page.contains("took part in a march") && page.contains("id=\"episode-form\""));
    let svg = between(&page, "<figure class=\"picture\">", "</svg>").expect("the picture");
    custodia::analysis::draw::check::check_svg(&format!("{svg}</svg>")).unwrap();
    assert!(svg.contains("Okrestina"));
    let ru = w
        .app
        .client
        .get(w.app.url(&history))
        .header("cookie", format!("custodia={}; lang=ru", doc.cookie))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(ru.contains("История задержаний") && ru.contains("12 дней"), "in Russian");

    let detained = w.app.page(&doc, &format!("/cases/{}/detained?on=2020-08-15", w.case)).await;
    let table = between(&detained, "<table class=\"list\" id=\"detained\">", "</table>").expect("the table");
    assert!(table.contains("Okrestina") && table.contains("V-0300"));
    let after = w.app.page(&doc, &format!("/cases/{}/detained?on=2020-08-21", w.case)).await;
    assert!(!after.contains("V-0300"), "not after release");

    let read = w.app.page(&lawyer, &history).await;
    assert!(
        read.contains("24.23 part 1") && !read.contains("id=\"episode-form\""),
        "a lawyer reads, no forms"
    );
    assert_eq!(w.app.web_post(&lawyer, &history, &good).await.status(), 403);
    assert_eq!(w.app.web_get(&outsider, &history).await.status(), 404);
    assert_eq!(w.app.web_get(&outsider, &format!("/cases/{}/detained", w.case)).await.status(), 404);

    // The episode changed through its own form: released later; a release that would
    // leave its custody period outside is refused.
    assert!(page.contains(&format!("id=\"edit-{episode}\"")), "each episode has its form");
    let later = [("arrest_date", "2020-08-09"), ("status", "released"), ("release_date", "2020-08-25")];
    assert_eq!(w.app.web_post(&doc, &format!("/detentions/{episode}"), &later).await.status(), 303);
    assert!(w.app.page(&doc, &history).await.contains("17 days"));
    let early = [("arrest_date", "2020-08-09"), ("status", "released"), ("release_date", "2020-08-15")];
    let res = w.app.web_post(&doc, &format!("/detentions/{episode}"), &early).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("A custody period of this episode would fall outside it."));

    let res = w.app.web_post(&doc, &format!("/detentions/{episode}/delete"), &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(counts(&w.app).await, [0, 0, 0, 0, 0]);
}

/// The function the export calls: per person with episodes, a JSON document (facilities
/// and judges by id and name, durations computed) and its plain-text rendering; each
/// read audited as `detention.export`; persons of another case give nothing.
#[tokio::test]
async fn a_bundle_carries_each_history_as_json_and_text() {
    let app = spawn_app().await;
    let (lead_id, lead) = app.user_with_token(Role::Documenter).await;
    let case = app.create_case(&lead, NewCase::any()).await.id;
    let place = app.create_place(&lead, &case, NewPlace::new("prison", "Colony 15")).await.id.0;
    let victim = app.create_person(&lead, &case, NewPerson::victim().pseudonym("V-0400")).await.id.0;
    let judge = NewPerson::perpetrator().named("Judge Petrova");
    let judge = app.create_person(&lead, &case, judge).await.id.0;
    let res = app
        .post(&format!("/api/v1/persons/{victim}/detentions"), &lead, {
            let mut e = released("2020-08", "2021-10-15");
            e["arrest_precision"] = json!("month");
            e
        })
        .await;
    let episode = expect(res, 201, "episode").await["id"].as_str().unwrap().to_owned();
    let p = period(&place, ("2020-09-01", "exact"), ("2021-10-15", "exact"));
    expect(app.post(&format!("/api/v1/detentions/{episode}/custody-periods"), &lead, p).await, 201, "period")
        .await;
    let hearing = json!({"judge_person_id": judge, "outcome": "adjourned", "held_on": "2020-10-01", "held_precision": "exact"});
    expect(app.post(&format!("/api/v1/detentions/{episode}/hearings"), &lead, hearing).await, 201, "hearing")
        .await;
    let other_case = app.create_case(&lead, NewCase::any()).await.id;
    let stranger = app.create_person(&lead, &other_case, NewPerson::victim()).await.id.0;

    let who = custodia::access::Principal {
        user_id: lead_id,
        session_id: uuid::Uuid::new_v4(),
        username: "lead".into(),
        role: Role::Documenter,
        second_factor: false,
    };
    let (case_id, persons) = (case.0.clone(), vec![victim.clone(), stranger, judge]);
    let today = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let out = app
        .state
        .context()
        .write(move |c, k| custodia::detention::bundle::exported(c, k, &who, &case_id, &persons, today))
        .await
        .unwrap();
    assert_eq!(out.len(), 1, "only the person of this case with episodes");
    let h = &out[0];
    assert_eq!((h.person_id.as_str(), h.pseudonym.as_str()), (victim.as_str(), "V-0400"));
    assert_eq!(h.json["days"]["least"], 411);
    assert_eq!(h.json["days"]["most"], 441);
    let e = &h.json["episodes"][0];
    assert_eq!(e["custody_periods"][0]["place_id"], place);
    assert_eq!(e["custody_periods"][0]["place_name"], "Colony 15");
    assert_eq!(e["hearings"][0]["judge_name"], "Judge Petrova");
    assert!(h.text.contains("Time in detention: at least 411, at most 441 days"), "{}", h.text);
    assert!(h.text.contains("Colony 15") && h.text.contains("judge Judge Petrova"), "{}", h.text);
    assert_eq!(app.audit_actions().await.iter().filter(|a| *a == "detention.export").count(), 1);
}
