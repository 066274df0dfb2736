//! The analysis pages: each view renders for a member of the case (picture and table),
//! is not found for anyone else, says the same in Russian; the stance form marks an
//! account as contradicting; a bad period shows the timeline form again; the downloads
//! carry their media types. Also the world the browser screenshots are taken in.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::web::{Browser, between, location};
use custodia::domain::Role;

/// A fictional case with enough records for the pictures to mean something: a unit
/// hierarchy with commanders over time, a dozen incidents across places with dates of
/// every precision, and sealed testimonies of victims, an eyewitness and a relative.
pub struct AnalysisCase {
    pub case: CaseId,
    pub regiment: UnitId,
    pub perpetrator: PersonId,
    pub commander: PersonId,
    pub eyewitness_testimony: TestimonyId,
}

/// A place with coordinates (the typed helper has none).
async fn place_at(
    app: &TestApp,
    doc: &str,
    case: &CaseId,
    kind: &str,
    name: &str,
    at: Option<(f64, f64)>,
) -> PlaceId {
    let mut body = json!({"place_type": kind, "name": name});
    if let Some((lat, lon)) = at {
        body["latitude"] = json!(lat);
        body["longitude"] = json!(lon);
    }
    let res = app.post(&format!("/api/v1/cases/{case}/places"), doc, body).await;
    PlaceId::from(expect(res, 201, "create place").await["id"].as_str().unwrap())
}

async fn unit_involvement(
    app: &TestApp,
    doc: &str,
    incident: &IncidentId,
    unit: &UnitId,
    role: &str,
    cites: &[&TestimonyId],
) {
    let body = json!({"unit_id": unit, "role": role, "testimony_ids": cites});
    let res = app.post(&format!("/api/v1/incidents/{incident}/involvements"), doc, body).await;
    expect(res, 200, "add a unit's involvement").await;
}

async fn commander(app: &TestApp, doc: &str, unit: &UnitId, person: &PersonId, from: &str, to: Option<&str>) {
    let body = json!({"person_id": person, "from": from, "to": to});
    let res = app.post(&format!("/api/v1/units/{unit}/commanders"), doc, body).await;
    expect(res, 200, "add a commander").await;
}

/// An incident as seeded: act, methods, date and precision, place, which victim.
type Seeded<'a> = (&'a str, &'a [&'a str], Option<(&'a str, &'a str)>, &'a PlaceId, usize);

/// Opened by the documenter whose API token is `doc`.
pub async fn analysis_case(app: &TestApp, doc: &str) -> AnalysisCase {
    let case = NewCase::new("FIC-2020-081", "Fictional case: detentions after a protest, August 2020")
        .description("Demonstration data for the analysis views. Every name is invented.");
    let case = app.create_case(doc, case).await.id;

    let ministry = app.create_unit(doc, &case, NewUnit::named("Fictional Ministry of Interior")).await.id;
    let regiment =
        app.create_unit(doc, &case, NewUnit::named("Special Police Regiment").under(&ministry)).await.id;
    let company = app.create_unit(doc, &case, NewUnit::named("Second Company").under(&regiment)).await.id;
    let escort = app.create_unit(doc, &case, NewUnit::named("Escort Platoon").under(&regiment)).await.id;

    let centre = place_at(
        app,
        doc,
        &case,
        "temporary_detention_centre",
        "Detention Centre No. 1",
        Some((53.8655, 27.4851)),
    )
    .await;
    let station = place_at(
        app,
        doc,
        &case,
        "police_station",
        "District Police Station No. 4",
        Some((53.9120, 27.5610)),
    )
    .await;
    let prison = place_at(app, doc, &case, "prison", "Prison No. 8", Some((54.2280, 28.5070))).await;
    let street = place_at(app, doc, &case, "street", "A street in the old town", None).await;

    let person = |p: NewPerson| async { app.create_person(doc, &case, p).await.id };
    let mut victims = Vec::new();
    for name in ["Alina Invented", "Boris Invented", "Clara Invented", "Denis Invented"] {
        victims.push(person(NewPerson::victim().named(name)).await);
    }
    let eyewitness = person(NewPerson::witness().named("Egor Invented")).await;
    let relative = person(NewPerson::witness().named("Fedora Invented")).await;
    let perpetrator =
        person(NewPerson::perpetrator().named("Sergeant Grom").rank("sergeant").in_unit(&company)).await;
    let officer =
        person(NewPerson::perpetrator().named("Lieutenant Holm").rank("lieutenant").in_unit(&escort)).await;
    let colonel = person(NewPerson::perpetrator().named("Colonel Ivers").rank("colonel")).await;
    let successor = person(NewPerson::perpetrator().named("Colonel Juhl").rank("colonel")).await;
    let captain = person(NewPerson::perpetrator().named("Captain Kask").rank("captain")).await;
    commander(app, doc, &regiment, &colonel, "2020-07-01", Some("2020-08-20")).await;
    commander(app, doc, &regiment, &successor, "2020-08-21", None).await;
    commander(app, doc, &company, &captain, "2020-06-01", None).await;

    let incidents: [Seeded; 12] = [
        ("torture", &["beating_with_batons", "stress_positions"], Some(("2020-08-10", "exact")), &centre, 0),
        ("torture", &["beating_with_batons", "overcrowding"], Some(("2020-08-11", "exact")), &centre, 1),
        ("ill_treatment", &["stress_positions"], Some(("2020-08-11", "exact")), &centre, 2),
        ("arbitrary_detention", &[], Some(("2020-08", "month")), &station, 0),
        ("arbitrary_detention", &[], Some(("2020-08-09", "exact")), &station, 1),
        ("torture", &["beating_with_batons"], Some(("2020-08-12", "exact")), &station, 3),
        (
            "torture",
            &["beating_with_batons", "stress_positions"],
            Some(("2020-08-13", "estimate")),
            &prison,
            2,
        ),
        ("ill_treatment", &["overcrowding"], Some(("2020", "year")), &prison, 3),
        ("torture", &["beating_with_batons"], Some(("2020-08-25", "exact")), &centre, 0),
        ("threats", &[], Some(("2020-08-26", "exact")), &street, 1),
        ("denial_of_medical_care", &[], Some(("2020-09", "month")), &prison, 2),
        ("torture", &["stress_positions"], None, &centre, 3),
    ];
    let mut ids = Vec::new();
    for (act, methods, date, place, victim) in incidents {
        let mut i = NewIncident::of(act).methods(methods).at(place).victim(&victims[victim]);
        if let Some((d, p)) = date {
            i = i.started(d, p);
        }
        ids.push(app.create_incident(doc, &case, i).await.id);
    }

    let consent = |on: &str| Consent::shared_with(&["prosecutors", "un_bodies"]).given_on(on);
    let told = |witness: &PersonId, on: &str, connection: &str, reliability: &str| {
        NewTestimony::by(witness)
            .interviewed(on)
            .languages(&["en"])
            .source_connection(connection)
            .reliability(reliability)
            .account("An invented account for the analysis views.")
            .consent(consent(on))
    };
    let alina = app.record_sealed(doc, &case, told(&victims[0], "2020-09-01", "victim", "high")).await;
    let boris = app.record_sealed(doc, &case, told(&victims[1], "2020-09-03", "victim", "high")).await;
    let egor = app.record_sealed(doc, &case, told(&eyewitness, "2020-09-05", "eyewitness", "medium")).await;
    let fedora = app.record_sealed(doc, &case, told(&relative, "2020-09-10", "relative", "medium")).await;
    for (t, incidents) in
        [(&alina, &[0, 3, 8][..]), (&boris, &[1, 4, 9]), (&egor, &[0, 1, 6]), (&fedora, &[5])]
    {
        for i in incidents {
            app.link_incident(doc, t, &ids[*i]).await;
        }
    }
    let inv = |p: &PersonId, role: &str, cites: &[&TestimonyId]| {
        let mut i = Involvement::person(p, role);
        for t in cites {
            i = i.citing(t);
        }
        i
    };
    app.add_involvement(doc, &ids[0], inv(&perpetrator, "carried_out", &[&alina, &egor])).await;
    app.add_involvement(doc, &ids[1], inv(&perpetrator, "carried_out", &[&boris])).await;
    app.add_involvement(doc, &ids[5], inv(&officer, "ordered", &[&fedora])).await;
    app.add_involvement(doc, &ids[6], inv(&officer, "carried_out", &[&egor])).await;
    app.add_involvement(doc, &ids[2], inv(&perpetrator, "present", &[])).await;
    app.add_involvement(doc, &ids[0], inv(&colonel, "ordered", &[&alina, &egor])).await;
    app.add_involvement(doc, &ids[5], inv(&colonel, "failed_to_punish", &[&fedora])).await;
    unit_involvement(app, doc, &ids[3], &company, "carried_out", &[&alina]).await;
    unit_involvement(app, doc, &ids[8], &regiment, "carried_out", &[]).await;
    unit_involvement(app, doc, &ids[4], &escort, "carried_out", &[&boris]).await;
    AnalysisCase { case, regiment, perpetrator, commander: colonel, eyewitness_testimony: egor }
}

struct World {
    app: TestApp,
    doc: String,
    /// The documenter who opened (and leads) the case.
    lead: String,
    member: Browser,
    member_id: uuid::Uuid,
    outsider: Browser,
    w: AnalysisCase,
}

/// The case, an investigator in it and one outside it, both signed in through the form.
async fn world() -> World {
    let app = spawn_app().await;
    let lead = format!("lead-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    app.add_user(&lead, Role::Documenter).await;
    let doc = app.login(&lead, PASSWORD).await;
    let w = analysis_case(&app, &doc).await;
    let (member_id, member) = app.web_user(Role::Investigator).await;
    app.add_member(w.case.as_str(), member_id).await;
    let (_, outsider) = app.web_user(Role::Investigator).await;
    World { app, doc, lead, member, member_id, outsider, w }
}

impl World {
    /// The seven pages: (path, heading, the id of its table).
    fn pages(&self) -> Vec<(String, &'static str, &'static str)> {
        let c = &self.w.case;
        vec![
            (format!("/cases/{c}/analysis"), "<h1>Analysis</h1>", "id=\"top-units\""),
            (format!("/cases/{c}/corroboration"), "<h1>Corroboration</h1>", "id=\"links\""),
            (format!("/cases/{c}/timeline"), "<h1>Timeline</h1>", "id=\"timeline-table\""),
            (format!("/cases/{c}/patterns"), "<h1>Patterns</h1>", "id=\"series-act_type\""),
            (format!("/cases/{c}/map"), "<h1>Map</h1>", "id=\"places-table\""),
            (
                format!("/units/{}/command", self.w.regiment),
                "<h1>Chain of command: Special Police Regiment</h1>",
                "id=\"command-table\"",
            ),
            (format!("/persons/{}/linkage", self.w.commander), "<h1>Linkage: ", "id=\"responsibility-h\""),
        ]
    }

    async fn json(&self, path: &str) -> Value {
        self.app.get_json(path, &self.doc).await
    }
}

#[tokio::test]
async fn each_analysis_page_shows_its_picture_and_table_to_a_member_and_nothing_to_an_outsider() {
    let t = world().await;
    let (app, c) = (&t.app, &t.w.case);
    for (path, heading, table) in t.pages() {
        let html = app.page(&t.member, &path).await;
        assert!(html.contains(heading), "{path}: {heading}");
        assert!(html.contains(table), "{path}: {table}");
        if !path.ends_with("/analysis") {
            assert!(html.contains("<figure class=\"picture\"><svg"), "{path}: the picture");
        }
        assert!(!html.contains("<script>"), "{path}");
        let res = app.web_get(&t.outsider, &path).await;
        assert_eq!(res.status(), 404, "{path} for an outsider");
    }

    // The hub leads to the views and to the top of the hierarchy; the case, unit and
    // person pages lead to the hub, the command picture and the linkage.
    let hub = app.page(&t.member, &format!("/cases/{c}/analysis")).await;
    let top = between(&hub, "<ul class=\"plain\" id=\"top-units\">", "</ul>").unwrap();
    assert!(top.contains("Fictional Ministry of Interior") && !top.contains("Second Company"), "{top}");
    assert!(
        app.page(&t.member, &format!("/cases/{c}")).await.contains(&format!("href=\"/cases/{c}/analysis\""))
    );
    let unit = app.page(&t.member, &format!("/units/{}", t.w.regiment)).await;
    assert!(unit.contains(&format!("href=\"/units/{}/command\"", t.w.regiment)));
    let person = app.page(&t.member, &format!("/persons/{}", t.w.perpetrator)).await;
    assert!(person.contains(&format!("href=\"/persons/{}/linkage\"", t.w.perpetrator)));

    // The tables say what the views say.
    let corroboration = app.page(&t.member, &format!("/cases/{c}/corroboration")).await;
    assert!(corroboration.contains("Corroborated") && corroboration.contains("Hearsay only"));
    assert!(corroboration.contains("Egor Invented") || corroboration.contains("W-"), "sources by pseudonym");
    let timeline = app.page(&t.member, &format!("/cases/{c}/timeline")).await;
    assert!(
        timeline.contains("id=\"undated\"")
            && timeline.contains("August 2020")
            && timeline.contains("about ")
    );
    let map = app.page(&t.member, &format!("/cases/{c}/map")).await;
    assert!(map.contains("Detention Centre No. 1") && map.contains("53.8655"));
    assert!(map.contains("One place has no coordinates"));
    let patterns = app.page(&t.member, &format!("/cases/{c}/patterns")).await;
    assert!(
        patterns.contains("id=\"small-count-rule\"")
            && patterns.contains("up to but not including 3 is shown as “fewer than 3”")
    );
    let linkage = app.page(&t.member, &format!("/persons/{}/linkage", t.w.commander)).await;
    assert!(linkage.contains("Special Police Regiment") && linkage.contains("Within the period"));
    // A perpetrator of the same name in another case: named as a lead once the reader
    // works on that case too, not before.
    let other = app.create_case(&t.doc, NewCase::new("FIC-2020-099", "Another fictional case")).await.id;
    let namesake =
        app.create_person(&t.doc, &other, NewPerson::perpetrator().named("Sergeant Grom")).await.id;
    let mine = format!("/persons/{}/linkage", t.w.perpetrator);
    assert!(!app.page(&t.member, &mine).await.contains("id=\"namesakes\""), "not the reader's case");
    app.add_member(other.as_str(), t.member_id).await;
    let linkage = app.page(&t.member, &mine).await;
    let listed = between(&linkage, "<ul class=\"plain\" id=\"namesakes\">", "</ul>").expect("the namesakes");
    assert!(
        listed.contains(&format!("href=\"/persons/{namesake}/linkage\"")) && listed.contains("FIC-2020-099")
    );
    let command = app.page(&t.member, &format!("/units/{}/command", t.w.regiment)).await;
    assert!(command.contains("Second Company") && command.contains("Escort Platoon"));

    // Each view is one audited read, naming its scope.
    let actions = app.audit_actions().await;
    for a in [
        "analysis.units",
        "analysis.corroboration",
        "analysis.timeline",
        "analysis.patterns",
        "analysis.places",
        "analysis.command",
        "analysis.linkage",
    ] {
        assert!(actions.contains(&a.to_owned()), "{a}");
    }

    // In Russian too.
    let res = app
        .client
        .get(app.url(&format!("/cases/{c}/corroboration")))
        .header("cookie", format!("custodia={}; lang=ru", t.member.cookie))
        .send()
        .await
        .unwrap();
    let html = res.text().await.unwrap();
    assert!(html.contains("<h1>Подтверждённость</h1>") && html.contains("Подтверждена"), "Russian page");

    // The downloads: CSV and GeoJSON, as the API gives them, to members only.
    let res = app.web_get(&t.member, &format!("/cases/{c}/corroboration.csv?strength=corroborated")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = res.text().await.unwrap();
    assert!(csv.starts_with("involvement_id,"), "{csv}");
    assert!(csv.lines().skip(1).all(|l| l.contains(",corroborated,")), "{csv}");
    let res = app.web_get(&t.member, &format!("/cases/{c}/patterns.csv")).await;
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(res.text().await.unwrap().starts_with("dimension,key,label,incidents,victims,withheld"));
    let res = app.web_get(&t.member, &format!("/cases/{c}/map.geojson")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/geo+json");
    let geo: Value = res.json().await.unwrap();
    assert_eq!(geo["type"], "FeatureCollection");
    assert_eq!(geo["features"].as_array().unwrap().len(), 3, "the places with coordinates");
    for path in ["corroboration.csv", "patterns.csv", "map.geojson"] {
        assert_eq!(app.web_get(&t.outsider, &format!("/cases/{c}/{path}")).await.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn an_investigator_marks_an_account_as_contradicting_and_the_link_says_so() {
    let t = world().await;
    let (app, c) = (&t.app, &t.w.case);
    let view = t.json(&format!("/api/v1/cases/{c}/corroboration")).await;
    let link = view["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["strength"] == "corroborated")
        .expect("a corroborated link")
        .clone();
    let involvement = link["involvement_id"].as_str().unwrap();
    let egor = t.w.eyewitness_testimony.as_str();

    let page = format!("/cases/{c}/corroboration");
    let html = app.page(&t.member, &page).await;
    let row = between(&html, &format!("<tr id=\"link-{involvement}\">"), "</tr>").unwrap();
    assert!(
        row.contains("Corroborated")
            && row.contains(&format!("action=\"/involvements/{involvement}/stance\""))
    );

    let res = app
        .web_post(
            &t.member,
            &format!("/involvements/{involvement}/stance"),
            &[("testimony_id", egor), ("stance", "contradicts"), ("case_id", c.as_str())],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("/cases/{c}/corroboration#link-{involvement}"));
    let html = app.page(&t.member, &page).await;
    let row = between(&html, &format!("<tr id=\"link-{involvement}\">"), "</tr>").unwrap();
    assert!(
        row.contains("Contradicted") && row.contains("contradicts") && row.contains("Mark as supporting"),
        "{row}"
    );
    let filtered = app.page(&t.member, &format!("{page}?strength=contradicted")).await;
    assert!(filtered.contains(&format!("id=\"link-{involvement}\"")));
    assert!(app.audit_actions().await.contains(&"involvement.evidence_stance".to_owned()));

    // Back as support.
    let res = app
        .web_post(
            &t.member,
            &format!("/involvements/{involvement}/stance"),
            &[("testimony_id", egor), ("stance", "supports"), ("case_id", c.as_str())],
        )
        .await;
    assert_eq!(res.status(), 303);
    let html = app.page(&t.member, &page).await;
    let row = between(&html, &format!("<tr id=\"link-{involvement}\">"), "</tr>").unwrap();
    assert!(row.contains("Corroborated"), "{row}");

    // Investigators and the case's lead mark; a documenter member does not, nor does
    // anyone outside the case; only a testimony of the case can be marked.
    let (doc_id, doc) = app.web_user(Role::Documenter).await;
    app.add_member(c.as_str(), doc_id).await;
    let html = app.page(&doc, &page).await;
    assert!(!html.contains("class=\"stance\""), "no stance form for a documenter");
    let fields = [("testimony_id", egor), ("stance", "contradicts"), ("case_id", c.as_str())];
    let res = app.web_post(&doc, &format!("/involvements/{involvement}/stance"), &fields).await;
    assert_eq!(res.status(), 403);
    let res = app.web_post(&t.outsider, &format!("/involvements/{involvement}/stance"), &fields).await;
    assert_eq!(res.status(), 404);
    let other_case = [("testimony_id", "not-an-id"), ("stance", "contradicts"), ("case_id", c.as_str())];
    let res = app.web_post(&t.member, &format!("/involvements/{involvement}/stance"), &other_case).await;
    assert_eq!(res.status(), 422);
    let lead = app.web_login(&t.lead).await;
    let html = app.page(&lead, &page).await;
    assert!(html.contains("class=\"stance\""), "the case's lead marks too");
}

#[tokio::test]
async fn a_bad_period_shows_the_timeline_form_again_with_what_is_wrong() {
    let t = world().await;
    let (app, c) = (&t.app, &t.w.case);
    let res = app
        .web_get(&t.member, &format!("/cases/{c}/timeline?from=2020-09-01&to=2020-08-01&lanes=unit"))
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("id=\"timeline-form\"") && html.contains("The last day is before the first."),
        "{html}"
    );
    assert!(html.contains("value=\"2020-09-01\"") && html.contains("<option value=\"unit\" selected>"));
    assert!(!html.contains("id=\"timeline-table\""));

    let res = app.web_get(&t.member, &format!("/cases/{c}/timeline?from=August")).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Use a date such as 2024-03-05"));

    // A period that holds some of the incidents, narrowed to a unit: only theirs.
    let path = format!("/cases/{c}/timeline?from=2020-08-10&to=2020-08-12&unit_id={}", t.w.regiment);
    let html = app.page(&t.member, &path).await;
    assert!(html.contains(&format!("name=\"unit_id\" value=\"{}\"", t.w.regiment)), "the scope is kept");
    let table = between(&html, "id=\"timeline-table\"", "</table>").unwrap();
    assert!(table.contains("Torture") && !table.contains("Threats"), "{table}");

    // A record of no case, or not an id: not found.
    let other = uuid::Uuid::new_v4();
    assert_eq!(app.web_get(&t.member, &format!("/cases/{c}/timeline?place_id={other}")).await.status(), 404);
    assert_eq!(app.web_get(&t.member, &format!("/cases/{c}/timeline?person_id=x")).await.status(), 404);
}
