//! The analysis views through the API: independent sources counted by the rule, command
//! roll-up with commanders over time, partial dates on the timeline, pattern counts equal
//! to a brute-force count, places as GeoJSON, and nothing of another case in any of them.

use std::collections::{BTreeMap, BTreeSet};

use custodia::analysis::patterns::withhold;
use custodia::domain::Role;
use serde_json::{Value, json};

use crate::helpers::*;

/// A case led by a documenter (who records and links everything), read by an
/// investigator member.
struct World {
    app: TestApp,
    lead: String,
    reader: String,
    reader_id: uuid::Uuid,
    case: CaseId,
}

async fn world_with(tweak: impl FnOnce(&mut custodia::config::Settings)) -> World {
    let app = spawn_app_with(tweak).await;
    let (_, lead) = app.user_with_token(Role::Documenter).await;
    let (reader_id, reader) = app.user_with_token(Role::Investigator).await;
    let case = app.create_case(&lead, NewCase::any()).await.id;
    app.add_member(&case, reader_id).await;
    World { app, lead, reader, reader_id, case }
}

async fn world() -> World {
    world_with(|_| {}).await
}

impl World {
    async fn person(&self, person: NewPerson) -> PersonId {
        self.app.create_person(&self.lead, &self.case, person).await.id
    }

    async fn sealed(&self, witness: &PersonId, connection: &str) -> TestimonyId {
        let t = NewTestimony::by(witness).source_connection(connection).interviewed("2020-10-01");
        self.app.record_sealed(&self.lead, &self.case, t).await
    }

    async fn incident(&self, incident: NewIncident) -> IncidentId {
        self.app.create_incident(&self.lead, &self.case, incident).await.id
    }

    /// An involvement of a person or unit, citing testimonies: its id.
    async fn involve(
        &self,
        incident: &IncidentId,
        subject: (&str, &str),
        role: &str,
        cite: &[&TestimonyId],
    ) -> String {
        let mut body = json!({"role": role, "testimony_ids": cite});
        body[subject.0] = json!(subject.1);
        let path = format!("/api/v1/incidents/{incident}/involvements");
        let view = expect(self.app.post(&path, &self.lead, body).await, 200, "add involvement").await;
        let list = view["involvements"].as_array().unwrap();
        list.iter()
            .rfind(|i| i["role"] == role && (i["person_id"] == subject.1 || i["unit_id"] == subject.1))
            .map(|i| i["id"].as_str().unwrap_or_else(|| panic!("no involvement id in {i}")).to_owned())
            .unwrap()
    }

    async fn unit(&self, name: &str, parent: Option<&UnitId>) -> UnitId {
        let unit = match parent {
            Some(p) => NewUnit::named(name).under(p),
            None => NewUnit::named(name),
        };
        self.app.create_unit(&self.lead, &self.case, unit).await.id
    }

    async fn place(&self, name: &str, at: Option<(f64, f64)>) -> PlaceId {
        let mut body = json!({"place_type": "detention_facility", "name": name});
        if let Some((lat, lon)) = at {
            body["latitude"] = json!(lat);
            body["longitude"] = json!(lon);
        }
        let res = self.app.post(&format!("/api/v1/cases/{}/places", self.case), &self.lead, body).await;
        PlaceId(expect(res, 201, "create place").await["id"].as_str().unwrap().to_owned())
    }

    async fn get(&self, path: &str) -> Value {
        self.app.get_json(path, &self.reader).await
    }
}

fn link<'a>(table: &'a Value, involvement: &str) -> &'a Value {
    table["links"].as_array().unwrap().iter().find(|l| l["involvement_id"] == involvement).unwrap()
}

#[tokio::test]
async fn independent_sources_are_witnesses_and_hearsay_repeats_the_victim() {
    let w = world().await;
    let victim = w.person(NewPerson::victim()).await;
    let relative = w.person(NewPerson::witness()).await;
    let (e1, e2, e3) = (
        w.person(NewPerson::witness()).await,
        w.person(NewPerson::witness()).await,
        w.person(NewPerson::witness()).await,
    );
    let perpetrator = w.person(NewPerson::perpetrator()).await;
    let p = ("person_id", perpetrator.as_str());
    let t_victim = w.sealed(&victim, "victim").await;
    let t_victim_again = w.sealed(&victim, "victim").await;
    let t_relative = w.sealed(&relative, "relative").await;
    let (t_e1, t_e2, t_e3) = (
        w.sealed(&e1, "eyewitness").await,
        w.sealed(&e2, "eyewitness").await,
        w.sealed(&e3, "eyewitness").await,
    );
    let draft = w
        .app
        .record_testimony(&w.lead, &w.case, NewTestimony::by(&e3).source_connection("eyewitness"))
        .await
        .id;

    let beaten = w.incident(NewIncident::of("torture").started("2020-08-11", "exact").victim(&victim)).await;
    // The victim twice and a relative repeating them: one source.
    let one = w.involve(&beaten, p, "carried_out", &[&t_victim, &t_victim_again, &t_relative, &draft]).await;
    // Two eyewitnesses: two sources.
    let two = w.involve(&beaten, p, "ordered", &[&t_e1, &t_e2]).await;
    // A relative alone, the victim silent: hearsay.
    let other = w.incident(NewIncident::of("threats").started("2020-08", "month")).await;
    let hearsay = w.involve(&other, p, "carried_out", &[&t_relative]).await;
    let unsupported = w.involve(&other, p, "present", &[]).await;

    let table = w.get(&format!("/api/v1/cases/{}/corroboration", w.case)).await;
    let l = link(&table, &one);
    assert_eq!(
        (l["independent"].as_u64(), l["first_hand"].as_u64(), l["second_hand"].as_u64()),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(l["strength"], "single_source");
    assert_eq!(l["sources"].as_array().unwrap().len(), 3, "the draft is not evidence yet: {l}");
    assert_eq!(link(&table, &two)["independent"], 2);
    assert_eq!(link(&table, &two)["strength"], "corroborated");
    assert_eq!(link(&table, &hearsay)["strength"], "hearsay_only");
    assert_eq!(link(&table, &hearsay)["independent"], 1);
    assert_eq!(link(&table, &unsupported)["strength"], "unsupported");
    let order: Vec<&str> =
        table["links"].as_array().unwrap().iter().map(|l| l["strength"].as_str().unwrap()).collect();
    assert_eq!(order, ["corroborated", "single_source", "hearsay_only", "unsupported"], "strongest first");

    // An investigator marks a third eyewitness as contradicting the order.
    let path = format!("/api/v1/involvements/{two}/evidence/{t_e3}");
    let res = w
        .app
        .call(reqwest::Method::PUT, &path, Some(&w.reader), Some(json!({"stance": "contradicts"})))
        .await;
    assert_eq!(res.status(), 204);
    let table = w.get(&format!("/api/v1/cases/{}/corroboration?strength=contradicted", w.case)).await;
    assert_eq!(table["links"].as_array().unwrap().len(), 1);
    let l = link(&table, &two);
    assert_eq!((l["independent"].as_u64(), l["contradicting"].as_u64()), (Some(2), Some(1)));
    let totals: BTreeMap<&str, u64> = table["totals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["strength"].as_str().unwrap(), t["links"].as_u64().unwrap()))
        .collect();
    assert_eq!(totals["contradicted"], 1);
    assert_eq!(totals["corroborated"], 0);

    // The documenter may not mark (case.link is the investigator's; the lead may).
    let (doc_id, doc) = w.app.user_with_token(Role::Documenter).await;
    w.app.add_member(&w.case, doc_id).await;
    let res = w.app.call(reqwest::Method::PUT, &path, Some(&doc), Some(json!({"stance": "supports"}))).await;
    assert_problem(res, 403, "forbidden").await;

    // The perpetrator's linkage lists the same four links; CSV has a row each.
    let linkage = w.get(&format!("/api/v1/persons/{perpetrator}/linkage")).await;
    assert_eq!(linkage["links"].as_array().unwrap().len(), 4);
    let res = w
        .app
        .get(&format!("/api/v1/cases/{}/corroboration?format=csv&order=weakest", w.case), &w.reader)
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = res.text().await.unwrap();
    assert_eq!(csv.lines().count(), 5, "{csv}");
    assert!(
        csv.lines().nth(1).unwrap().contains("unsupported")
            || csv.lines().nth(1).unwrap().contains("contradicted")
    );

    let actions = w.app.audit_actions().await;
    for a in ["analysis.corroboration", "analysis.linkage", "involvement.evidence_stance"] {
        assert!(actions.iter().any(|x| x == a), "{a} not audited");
    }
}

#[tokio::test]
async fn command_rolls_up_and_attributes_incidents_to_the_commander_of_the_day() {
    let w = world().await;
    let top = w.unit("Top", None).await;
    let mid = w.unit("Middle", Some(&top)).await;
    let low = w.unit("Low", Some(&mid)).await;
    let commander = w.person(NewPerson::perpetrator()).await;
    let member = w.person(NewPerson::perpetrator().in_unit(&low)).await;
    let body = json!({"person_id": commander, "from": "2020-08-15", "to": "2020-12-31"});
    expect(w.app.post(&format!("/api/v1/units/{top}/commanders"), &w.lead, body).await, 200, "commander")
        .await;

    let before = w.incident(NewIncident::of("torture").started("2020-07-15", "exact")).await;
    let during = w.incident(NewIncident::of("torture").started("2020-09", "month")).await;
    let on_the_edge = w.incident(NewIncident::of("torture").started("2020-08", "month")).await;
    let after = w.incident(NewIncident::of("torture").started("2021", "year")).await;
    let undated = w.incident(NewIncident::of("threats")).await;
    w.involve(&before, ("person_id", member.as_str()), "carried_out", &[]).await;
    w.involve(&on_the_edge, ("person_id", member.as_str()), "carried_out", &[]).await;
    w.involve(&during, ("unit_id", mid.as_str()), "carried_out", &[]).await;
    w.involve(&after, ("unit_id", mid.as_str()), "carried_out", &[]).await;
    w.involve(&undated, ("unit_id", low.as_str()), "present", &[]).await;

    let tree = w.get(&format!("/api/v1/units/{top}/command")).await;
    let nodes = tree["nodes"].as_array().unwrap();
    let names: Vec<&str> = nodes.iter().map(|n| n["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Top", "Middle", "Low"], "parent before child");
    let depth: Vec<u64> = nodes.iter().map(|n| n["depth"].as_u64().unwrap()).collect();
    assert_eq!(depth, [0, 1, 2]);
    let rolled: Vec<u64> = nodes.iter().map(|n| n["rolled_up"].as_u64().unwrap()).collect();
    assert_eq!(rolled, [5, 5, 3]);
    let own: Vec<usize> = nodes.iter().map(|n| n["own_incidents"].as_array().unwrap().len()).collect();
    assert_eq!(own, [0, 2, 3], "the unit's and its members'");

    let period = &nodes[0]["commanders"][0];
    assert_eq!(period["from"], "2020-08-15");
    let ids = |v: &Value| -> BTreeSet<String> {
        v.as_array().unwrap().iter().map(|i| i.as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(
        ids(&period["incidents"]),
        BTreeSet::from([during.to_string()]),
        "before and after are not theirs"
    );
    assert_eq!(ids(&period["possibly"]), BTreeSet::from([on_the_edge.to_string(), undated.to_string()]));

    let linkage = w.get(&format!("/api/v1/persons/{commander}/linkage")).await;
    let attributed = linkage["responsibility"]["periods"][0]["incidents"].as_array().unwrap();
    let certain: BTreeSet<(&str, bool)> = attributed
        .iter()
        .map(|a| (a["incident_id"].as_str().unwrap(), a["certain"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        certain,
        BTreeSet::from([(during.as_str(), true), (on_the_edge.as_str(), false), (undated.as_str(), false)])
    );
    assert_eq!(linkage["responsibility"]["periods"][0]["unit_name"], "Top");

    // The middle unit's own picture starts there.
    let tree = w.get(&format!("/api/v1/units/{mid}/command")).await;
    assert_eq!(tree["nodes"].as_array().unwrap().len(), 2);
    assert!(tree["nodes"][0]["parent_id"].is_null());
    assert!(w.app.audit_actions().await.iter().any(|a| a == "analysis.command"));
}

#[tokio::test]
async fn the_timeline_draws_partial_dates_as_the_days_they_can_mean() {
    let w = world().await;
    let prison = w.place("Prison", None).await;
    let station = w.place("Station", None).await;
    let victim = w.person(NewPerson::victim()).await;
    let exact = w
        .incident(NewIncident::of("torture").started("2020-08-10", "exact").at(&prison).victim(&victim))
        .await;
    let month = w.incident(NewIncident::of("torture").started("2020-02", "month").at(&prison)).await;
    let year = w.incident(NewIncident::of("arbitrary_detention").started("2019", "year").at(&station)).await;
    let estimate = w.incident(NewIncident::of("threats").started("2020-08-12", "estimate")).await;
    let spanned = w
        .incident(
            NewIncident::of("arbitrary_detention")
                .started("2020-08-09", "exact")
                .ended("2020-09", "month")
                .at(&station),
        )
        .await;
    w.incident(NewIncident::of("threats")).await;
    let t = w.sealed(&victim, "victim").await;
    w.app.link_incident(&w.lead, &t, &exact).await;

    let tl = w.get(&format!("/api/v1/cases/{}/timeline", w.case)).await;
    assert_eq!(tl["undated"], 1);
    assert_eq!(
        (tl["from"].as_str(), tl["to"].as_str()),
        (Some("2019-01-01"), Some("2020-10-01")),
        "to the last testimony"
    );
    let lanes = tl["lanes"].as_array().unwrap();
    let labels: Vec<&str> = lanes.iter().map(|l| l["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["Prison", "Station", "—"], "named lanes first, the unplaced last");
    let bar = |id: &IncidentId| -> Value {
        lanes
            .iter()
            .flat_map(|l| l["bars"].as_array().unwrap())
            .find(|b| b["incident_id"] == id.as_str())
            .unwrap()
            .clone()
    };
    let span = |id: &IncidentId| {
        let b = bar(id);
        (b["span"]["first"].as_str().unwrap().to_owned(), b["span"]["last"].as_str().unwrap().to_owned())
    };
    assert_eq!(span(&exact), ("2020-08-10".into(), "2020-08-10".into()));
    assert_eq!(span(&month), ("2020-02-01".into(), "2020-02-29".into()));
    assert_eq!(span(&year), ("2019-01-01".into(), "2019-12-31".into()));
    assert_eq!(span(&spanned), ("2020-08-09".into(), "2020-09-30".into()));
    assert_eq!(bar(&estimate)["span"]["estimated"], true);
    assert_eq!(bar(&spanned)["detention"], true);
    assert_eq!(tl["marks"].as_array().unwrap().len(), 1);
    assert_eq!(tl["marks"][0]["date"], "2020-10-01");

    // A period keeps what overlaps it; a place narrows it; lanes by unit.
    let tl = w.get(&format!("/api/v1/cases/{}/timeline?from=2020-08-01&to=2020-08-31", w.case)).await;
    let shown: usize =
        tl["lanes"].as_array().unwrap().iter().map(|l| l["bars"].as_array().unwrap().len()).sum();
    assert_eq!(shown, 3, "exact, estimate and the detention that runs into September");
    assert!(tl["marks"].as_array().unwrap().is_empty(), "the testimony was taken in October");
    let tl = w.get(&format!("/api/v1/cases/{}/timeline?place_id={prison}", w.case)).await;
    assert_eq!(tl["lanes"].as_array().unwrap().len(), 1);
    let tl = w.get(&format!("/api/v1/cases/{}/timeline?person_id={victim}&lanes=unit", w.case)).await;
    assert_eq!(tl["lanes"][0]["bars"].as_array().unwrap().len(), 1);
    assert_eq!(tl["lane_by"], "unit");

    // Bad periods and scopes.
    let path = format!("/api/v1/cases/{}/timeline?from=2020-09-01&to=2020-08-01", w.case);
    assert_problem(w.app.get(&path, &w.reader).await, 400, "invalid_query").await;
    let path = format!("/api/v1/cases/{}/timeline?from=2020-13-01", w.case);
    assert_problem(w.app.get(&path, &w.reader).await, 400, "invalid_query").await;
    let path = format!("/api/v1/cases/{}/timeline?place_id={}", w.case, uuid::Uuid::new_v4());
    assert_problem(w.app.get(&path, &w.reader).await, 404, "not_found").await;
}

/// An incident made by `spread`: its id, methods, place (index), exact day, victims (indexes).
type Made = (String, Vec<&'static str>, Option<usize>, Option<String>, Vec<usize>);

/// A deterministic spread of incidents over acts, methods, places, weeks and victims.
async fn spread(w: &World, n: usize) -> (Vec<PlaceId>, Vec<Made>) {
    const ACTS: [&str; 3] = ["torture", "arbitrary_detention", "threats"];
    const METHODS: [&str; 4] = ["beating", "stress_positions", "overcrowding", "humiliation"];
    let places = vec![w.place("A", None).await, w.place("B", None).await, w.place("C", None).await];
    let mut victims = Vec::new();
    for _ in 0..7 {
        victims.push(w.person(NewPerson::victim()).await);
    }
    let mut made = Vec::new();
    for i in 0..n {
        let act = ACTS[i % 3];
        let methods: Vec<&str> =
            METHODS.iter().enumerate().filter(|(m, _)| (i + m) % 3 == 0).map(|(_, c)| *c).collect();
        let place = (i % 4 != 3).then_some(i % 3);
        let day = (i % 5 != 4).then(|| format!("2020-08-{:02}", 1 + (i * 3) % 28));
        let who: Vec<usize> = (0..7).filter(|v| (i + v) % 4 == 0).collect();
        let mut inc = NewIncident::of(act).methods(&methods);
        if let Some(p) = place {
            inc = inc.at(&places[p]);
        }
        inc = match &day {
            Some(d) => inc.started(d, "exact"),
            None => inc.started("2020-08", "month"),
        };
        for v in &who {
            inc = inc.victim(&victims[*v]);
        }
        let id = w.incident(inc).await;
        made.push((id.to_string(), methods, place, day, who));
    }
    (places, made)
}

#[tokio::test]
async fn pattern_counts_equal_a_brute_force_count() {
    let w = world_with(|s| s.analysis.min_count = 1).await;
    let (places, made) = spread(&w, 30).await;
    let p = w.get(&format!("/api/v1/cases/{}/patterns", w.case)).await;
    assert_eq!(p["incidents"], 30);
    let series = |dim: &str| -> BTreeMap<String, (u64, u64)> {
        let s = p["series"].as_array().unwrap().iter().find(|s| s["dimension"] == dim).unwrap();
        s["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .zip(s["victims"].as_array().unwrap())
            .map(|(i, v)| {
                (
                    i["key"].as_str().unwrap().to_owned(),
                    (i["count"].as_u64().unwrap(), v["count"].as_u64().unwrap()),
                )
            })
            .collect()
    };
    // By brute force: for each key, the incidents and the distinct victims.
    let brute = |key: &dyn Fn(&Made) -> Vec<String>| {
        let mut out: BTreeMap<String, (BTreeSet<String>, BTreeSet<usize>)> = BTreeMap::new();
        for m in &made {
            for k in key(m) {
                let e = out.entry(k).or_default();
                e.0.insert(m.0.clone());
                e.1.extend(m.4.iter().copied());
            }
        }
        out.into_iter().map(|(k, (i, v))| (k, (i.len() as u64, v.len() as u64))).collect::<BTreeMap<_, _>>()
    };
    let acts = brute(&|m| {
        vec![
            ["torture", "arbitrary_detention", "threats"][made.iter().position(|x| x.0 == m.0).unwrap() % 3]
                .to_owned(),
        ]
    });
    assert_eq!(series("act_type"), acts);
    assert_eq!(series("method"), brute(&|m| m.1.iter().map(|s| s.to_string()).collect()));
    assert_eq!(series("facility"), brute(&|m| m.2.map(|p| places[p].to_string()).into_iter().collect()));
    let weeks = brute(&|m| {
        m.3.as_ref()
            .map(|d| {
                custodia::analysis::dates::week_key(chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap())
            })
            .into_iter()
            .collect()
    });
    let got: BTreeMap<String, (u64, u64)> = series("week").into_iter().filter(|(_, c)| c.0 > 0).collect();
    assert_eq!(got, weeks);
    let victims: BTreeSet<usize> = made.iter().flat_map(|m| m.4.iter().copied()).collect();
    assert_eq!(p["victims"], victims.len());

    // The CSV holds the same counts.
    let res = w.app.get(&format!("/api/v1/cases/{}/patterns?format=csv", w.case), &w.reader).await;
    let csv = res.text().await.unwrap();
    assert!(csv.starts_with("dimension,key,label,incidents,victims,withheld"));
    assert!(csv.lines().any(|l| l.starts_with(&format!("act_type,torture,torture,{},", acts["torture"].0))));
}

#[tokio::test]
async fn small_counts_are_withheld_by_the_documented_rule() {
    let w = world().await;
    let (_, made) = spread(&w, 12).await;
    let p = w.get(&format!("/api/v1/cases/{}/patterns", w.case)).await;
    assert_eq!(p["min_count"], 3);
    let s = p["series"].as_array().unwrap().iter().find(|s| s["dimension"] == "method").unwrap();
    let raw: Vec<(String, String, u32)> = s["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let key = c["key"].as_str().unwrap().to_owned();
            let n = made.iter().filter(|m| m.1.contains(&key.as_str())).count() as u32;
            (key.clone(), key, n)
        })
        .collect();
    let expected: Vec<Option<u32>> = withhold(&raw, 3).into_iter().map(|c| c.count).collect();
    let got: Vec<Option<u32>> =
        s["incidents"].as_array().unwrap().iter().map(|c| c["count"].as_u64().map(|n| n as u32)).collect();
    assert_eq!(got, expected);
    // Weeks of a dozen incidents hold fewer than three each: none is shown but zeros.
    let weeks = p["series"].as_array().unwrap().iter().find(|s| s["dimension"] == "week").unwrap();
    assert!(
        weeks["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["count"].is_null() || c["count"] == 0 || c["count"].as_u64() >= Some(3))
    );
}

#[tokio::test]
async fn places_with_coordinates_are_geojson_points() {
    let w = world().await;
    let okrestina = w.place("Okrestina <centre>", Some((53.8617, 27.4514))).await;
    w.place("Somewhere", None).await;
    for _ in 0..2 {
        w.incident(NewIncident::of("torture").started("2020-08-11", "exact").at(&okrestina)).await;
    }
    let map = w.get(&format!("/api/v1/cases/{}/map", w.case)).await;
    assert_eq!(map["without_coordinates"], 1);
    assert_eq!(map["points"][0]["incidents"], 2);
    let res = w.app.get(&format!("/api/v1/cases/{}/map.geojson", w.case), &w.reader).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/geo+json");
    let geo: Value = res.json().await.unwrap();
    assert_eq!(geo["type"], "FeatureCollection");
    let f = &geo["features"][0];
    assert_eq!(f["geometry"]["coordinates"], json!([27.4514, 53.8617]), "longitude first");
    assert_eq!(f["properties"]["name"], "Okrestina <centre>");
    assert!(w.app.audit_actions().await.iter().any(|a| a == "analysis.places"));
}

#[tokio::test]
async fn an_investigator_sees_nothing_of_another_case_in_any_view() {
    let w = world().await;
    let (_, mine) = spread(&w, 4).await;
    // Another case, its lead alone, with records of every kind.
    let (_, other_lead) = w.app.user_with_token(Role::Documenter).await;
    let other = w.app.create_case(&other_lead, NewCase::any()).await.id;
    let victim = w.app.create_person(&other_lead, &other, NewPerson::victim()).await.id;
    let unit = w.app.create_unit(&other_lead, &other, NewUnit::named("Theirs")).await.id;
    for _ in 0..5 {
        let inc =
            NewIncident::of("torture").methods(&["beating"]).started("2020-08-11", "exact").victim(&victim);
        w.app.create_incident(&other_lead, &other, inc).await;
    }
    let mut body = json!({"place_type": "prison", "name": "Theirs"});
    body["latitude"] = json!(50.0);
    body["longitude"] = json!(30.0);
    let res = w.app.post(&format!("/api/v1/cases/{other}/places"), &other_lead, body).await;
    let their_place = expect(res, 201, "place").await["id"].as_str().unwrap().to_owned();

    for path in [
        format!("/api/v1/cases/{other}/corroboration"),
        format!("/api/v1/cases/{other}/timeline"),
        format!("/api/v1/cases/{other}/patterns"),
        format!("/api/v1/cases/{other}/map"),
        format!("/api/v1/cases/{other}/map.geojson"),
        format!("/api/v1/persons/{victim}/linkage"),
        format!("/api/v1/units/{unit}/command"),
        format!("/api/v1/cases/{}/timeline?place_id={their_place}", w.case),
        format!("/api/v1/cases/{}/timeline?person_id={victim}", w.case),
        format!("/api/v1/cases/{}/timeline?unit_id={unit}", w.case),
    ] {
        assert_problem(w.app.get(&path, &w.reader).await, 404, "not_found").await;
    }
    // Across the reader's cases: only the reader's incidents count.
    let p = w.get("/api/v1/analysis/patterns").await;
    assert_eq!(p["incidents"], mine.len());
    let theirs = w.app.get_json("/api/v1/analysis/patterns", &other_lead).await;
    assert_eq!(theirs["incidents"], 5);
    // Auditors and admins read no content.
    assert_problem(w.app.get("/api/v1/analysis/patterns", &w.app.admin).await, 403, "forbidden").await;
}

#[tokio::test]
async fn unknown_ids_and_values_are_clear_problems() {
    let w = world().await;
    let nobody = uuid::Uuid::new_v4();
    for path in [
        format!("/api/v1/cases/{nobody}/corroboration"),
        format!("/api/v1/persons/{nobody}/linkage"),
        format!("/api/v1/units/{nobody}/command"),
        format!("/api/v1/cases/{nobody}/patterns"),
    ] {
        assert_problem(w.app.get(&path, &w.reader).await, 404, "not_found").await;
    }
    let path = format!("/api/v1/cases/{}/corroboration?strength=strong", w.case);
    assert_problem(w.app.get(&path, &w.reader).await, 400, "invalid_query").await;
    let path = format!("/api/v1/cases/{}/patterns?format=xml", w.case);
    assert_problem(w.app.get(&path, &w.reader).await, 400, "invalid_query").await;
    // An empty case: empty views, not errors.
    let tl = w.get(&format!("/api/v1/cases/{}/timeline", w.case)).await;
    assert!(tl["lanes"].as_array().unwrap().is_empty() && tl["from"].is_null());
    let p = w.get(&format!("/api/v1/cases/{}/patterns", w.case)).await;
    assert_eq!(p["incidents"], 0);
    let path = format!("/api/v1/involvements/{nobody}/evidence/{nobody}");
    let res = w
        .app
        .call(reqwest::Method::PUT, &path, Some(&w.reader), Some(json!({"stance": "contradicts"})))
        .await;
    assert_problem(res, 404, "not_found").await;
}

#[tokio::test]
async fn a_perpetrator_recorded_in_the_readers_other_cases_is_linked_by_whole_name() {
    let w = world().await;
    let here = w.person(NewPerson::perpetrator().named("Sedov Pavel Ivanovich")).await;
    // The reader's second case records the same man, and a man of the same surname.
    let second = w.app.create_case(&w.lead, NewCase::any()).await.id;
    w.app.add_member(&second, w.reader_id).await;
    let there = w
        .app
        .create_person(&w.lead, &second, NewPerson::perpetrator().named("Павел Иванович Седов"))
        .await
        .id;
    let surname =
        w.app.create_person(&w.lead, &second, NewPerson::perpetrator().named("Sedov Oleg")).await.id;
    let victim = w.app.create_person(&w.lead, &second, NewPerson::victim()).await.id;
    let inc = w
        .app
        .create_incident(&w.lead, &second, NewIncident::of("torture").started("2020-08-12", "exact"))
        .await
        .id;
    let t =
        w.app.record_sealed(&w.lead, &second, NewTestimony::by(&victim).source_connection("victim")).await;
    w.app.add_involvement(&w.lead, &inc, Involvement::person(&there, "ordered").citing(&t)).await;
    w.app.add_involvement(&w.lead, &inc, Involvement::person(&surname, "present")).await;
    // A third case with the same name, which the reader is not in.
    let (_, stranger) = w.app.user_with_token(Role::Documenter).await;
    let third = w.app.create_case(&stranger, NewCase::any()).await.id;
    w.app.create_person(&stranger, &third, NewPerson::perpetrator().named("Sedov Pavel Ivanovich")).await;

    let linkage = w.get(&format!("/api/v1/persons/{here}/linkage")).await;
    let namesakes = linkage["namesakes"].as_array().unwrap();
    assert_eq!(namesakes.len(), 1, "{linkage}");
    assert_eq!(namesakes[0]["person_id"], there.as_str());
    assert_eq!(namesakes[0]["case_id"], second.as_str());
    let elsewhere = linkage["elsewhere"].as_array().unwrap();
    assert_eq!(elsewhere.len(), 1);
    assert_eq!(
        (elsewhere[0]["role"].as_str(), elsewhere[0]["strength"].as_str()),
        (Some("ordered"), Some("single_source"))
    );
    // A victim's namesakes are nobody's business here.
    let linkage = w.get(&format!("/api/v1/persons/{victim}/linkage")).await;
    assert!(linkage["namesakes"].as_array().unwrap().is_empty());
}
