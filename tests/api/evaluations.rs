//! Istanbul Protocol evaluations through the API: a clinician drafts, seals and corrects
//! one with findings and body marks (versions and digests); every bad input answers 422
//! naming the field and writes nothing; only clinicians of the case read or write them
//! (others get 403, or 404 where even existence must not show), nor their files by any
//! path; the body diagram is a checked picture; the sealed content leaves no plaintext
//! in the database; and the bundle function gives every sealed version, audited.

use custodia::analysis::draw::check::check_svg;
use custodia::domain::Role;
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::*;

/// A case led by a documenter, with a victim, an incident and a place, and a clinician
/// member.
pub struct World {
    pub app: TestApp,
    pub lead: String,
    pub clinician: String,
    pub case: CaseId,
    pub person: PersonId,
    pub incident: IncidentId,
    pub place: PlaceId,
}

pub async fn world() -> World {
    let app = spawn_app().await;
    let (_, lead) = app.user_with_token(Role::Documenter).await;
    let (clinician_id, clinician) = app.user_with_token(Role::Clinician).await;
    let case = app.create_case(&lead, NewCase::any()).await.id;
    app.add_member(&case, clinician_id).await;
    let person = app.create_person(&lead, &case, NewPerson::victim().named("Алесь Б.")).await.id;
    let incident = app.create_incident(&lead, &case, NewIncident::of("torture").description("d")).await.id;
    let place = app.create_place(&lead, &case, NewPlace::new("detention_facility", "Okrestina")).await.id;
    World { app, lead, clinician, case, person, incident, place }
}

/// An evaluation with two findings (one psychological) and three body marks; `text` goes
/// into every free-text field.
pub fn evaluation(w: &World, text: &str) -> Value {
    json!({
        "kind": "medical_psychological",
        "examined_on": "2021-03-02",
        "incident_ids": [w.incident],
        "content": {
            "language": "ru",
            "case_information": {
                "requested_by": text, "request_reference": text, "reason": text,
                "place_of_examination": text, "duration_minutes": 90, "interpreter": text,
                "informed_consent": true, "persons_present": [text], "restraints": text, "restrictions": text
            },
            "clinician": {"name": text, "qualifications": text, "experience": text},
            "background": text,
            "allegations": {
                "summary": text, "arrest": text,
                "places": [{"place_id": w.place, "description": text, "period": text, "conditions": text,
                            "narrative": text, "methods": ["beating_with_batons", "stress_positions"]}]
            },
            "physical_symptoms": text,
            "general_appearance": text,
            "examination": [{"system": "skin", "findings": text}],
            "psychological": {"methods_of_assessment": text, "current_complaints": text, "post_torture_history": text,
                "pre_torture_history": text, "past_psychiatric_history": text, "substance_use": text,
                "mental_status": text, "social_functioning": text, "testing": text, "diagnoses": text},
            "diagnostic_tests": text,
            "consultations": text,
            "findings": [
                {"label": "F1", "system": "skin", "description": text, "methods": ["beating_with_batons"],
                 "consistency": "typical_of"},
                {"label": "P1", "system": "psychological", "description": text,
                 "methods": ["beating_with_batons", "stress_positions"], "consistency": "highly_consistent"}
            ],
            "body_marks": [
                {"view": "back", "region": "buttocks", "finding": "F1"},
                {"view": "back", "region": "left_thigh", "finding": "F1", "x": 0.62, "y": 0.6},
                {"view": "front", "region": "right_forearm", "finding": "F1"}
            ],
            "conclusions": {"physical_interpretation": text, "psychological_interpretation": text,
                "overall_opinion": "highly_consistent", "statement": text, "recommendations": text}
        }
    })
}

impl World {
    pub async fn create(&self, body: Value) -> Value {
        let res = self
            .app
            .post(&format!("/api/v1/persons/{}/evaluations", self.person), &self.clinician, body)
            .await;
        expect(res, 201, "create evaluation").await
    }

    async fn count(&self) -> i64 {
        self.app
            .state
            .context()
            .read(|c| {
                use diesel::prelude::*;
                Ok(custodia::store::schema::evaluations::table.count().get_result::<i64>(c)?)
            })
            .await
            .unwrap()
    }
}

/// A change that makes an evaluation bad.
type Change = Box<dyn Fn(&mut Value)>;

#[derive(diesel::QueryableByName)]
struct Line {
    #[diesel(sql_type = diesel::sql_types::Text)]
    line: String,
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_clinician_drafts_seals_and_corrects_an_evaluation_and_every_version_stays() {
    let w = world().await;
    let app = &w.app;
    let draft = w.create(evaluation(&w, "ушибы ягодиц")).await;
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["version"], 1);
    assert!(draft["digest"].is_null(), "a draft has no digest");
    assert_eq!(draft["incident_ids"], json!([w.incident]));
    assert_eq!(draft["content"]["findings"][1]["consistency"], "highly_consistent");
    let first = id(&draft);

    // The draft changes, as its clinician's.
    let mut changed = evaluation(&w, "ушибы ягодиц и бедра");
    changed["incident_ids"] = json!([]);
    let res = app
        .call(Method::PUT, &format!("/api/v1/evaluations/{first}"), Some(&w.clinician), Some(changed))
        .await;
    let updated = expect(res, 200, "update draft").await;
    assert_eq!(updated["content"]["background"], "ушибы ягодиц и бедра");
    assert_eq!(updated["incident_ids"], json!([]));
    let link = json!({"incident_id": w.incident});
    let linked = expect(
        app.post(&format!("/api/v1/evaluations/{first}/incidents"), &w.clinician, link).await,
        200,
        "link",
    )
    .await;
    assert_eq!(linked["incident_ids"], json!([w.incident]));

    let sealed = expect(
        app.post(&format!("/api/v1/evaluations/{first}/seal"), &w.clinician, json!({})).await,
        200,
        "seal",
    )
    .await;
    assert_eq!(sealed["status"], "sealed");
    let digest = sealed["digest"].as_str().unwrap().to_owned();
    assert_eq!(digest.len(), 64);
    assert!(!sealed["sealed_at"].is_null());
    // Sealed means sealed.
    let res = app
        .call(
            Method::PUT,
            &format!("/api/v1/evaluations/{first}"),
            Some(&w.clinician),
            Some(evaluation(&w, "x")),
        )
        .await;
    assert_problem(res, 409, "conflict").await;
    let res = app.post(&format!("/api/v1/evaluations/{first}/seal"), &w.clinician, json!({})).await;
    assert_problem(res, 409, "conflict").await;

    // A correction: a new version, sealed at once, with its reason.
    let mut correction = evaluation(&w, "ушибы ягодиц, бедра и предплечья");
    correction.as_object_mut().unwrap().remove("incident_ids");
    correction["correction_reason"] = json!("исправлена дата осмотра");
    correction["examined_on"] = json!("2021-03-03");
    let res =
        app.post(&format!("/api/v1/evaluations/{first}/corrections"), &w.clinician, correction.clone()).await;
    let corrected = expect(res, 201, "correct").await;
    assert_eq!(corrected["version"], 2);
    assert_eq!(corrected["status"], "sealed");
    assert_eq!(corrected["root_id"], first.as_str());
    assert_eq!(corrected["content"]["correction_reason"], "исправлена дата осмотра");
    assert_eq!(corrected["incident_ids"], json!([w.incident]), "links belong to the evaluation");
    let second_digest = corrected["digest"].as_str().unwrap();
    assert_ne!(second_digest, digest);
    let versions: Vec<(i64, String)> = corrected["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["version"].as_i64().unwrap(), v["digest"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(versions, vec![(1, digest.clone()), (2, second_digest.to_owned())]);
    // Only the latest version is corrected.
    let res = app.post(&format!("/api/v1/evaluations/{first}/corrections"), &w.clinician, correction).await;
    assert_problem(res, 409, "conflict").await;

    // The first version is still there, unchanged.
    let v1 = app.get_json(&format!("/api/v1/evaluations/{first}"), &w.clinician).await;
    assert_eq!(v1["digest"], digest.as_str());
    assert_eq!(v1["content"]["background"], "ушибы ягодиц и бедра");
    assert_eq!(v1["examined_on"], "2021-03-02");

    // Lists show the latest version, clear fields only.
    for path in
        [format!("/api/v1/persons/{}/evaluations", w.person), format!("/api/v1/cases/{}/evaluations", w.case)]
    {
        let list = app.get_json(&path, &w.clinician).await;
        assert_eq!(list["total"], 1, "{path}");
        let item = &list["items"][0];
        assert_eq!(item["version"], 2);
        assert_eq!(item["digest"], second_digest);
        assert!(item.get("content").is_none(), "{item}");
        assert!(item["clinician_username"].as_str().unwrap().starts_with("clinician-"));
    }

    // The body diagram: a checked picture with every mark.
    for lang in ["en", "ru"] {
        let res = app
            .get(&format!("/api/v1/evaluations/{}/body.svg?lang={lang}", id(&corrected)), &w.clinician)
            .await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "image/svg+xml");
        let svg = res.text().await.unwrap();
        check_svg(&svg).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(svg.matches(">F1</text>").count(), 3 + 3, "three marks, three table rows");
    }

    let actions = app.audit_actions().await;
    for action in [
        "evaluation.create",
        "evaluation.update",
        "evaluation.link",
        "evaluation.seal",
        "evaluation.correct",
        "evaluation.read",
        "evaluation.list",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action} not audited");
    }
}

#[tokio::test]
async fn bad_evaluations_answer_422_naming_the_field_and_write_nothing() {
    let w = world().await;
    let other_case = w.app.create_case(&w.lead, NewCase::any()).await.id;
    let foreign_incident =
        w.app.create_incident(&w.lead, &other_case, NewIncident::of("torture").description("d")).await.id;
    let cases: Vec<(&str, Change, &str, &str)> = vec![
        (
            "finding method not alleged",
            Box::new(|v| {
                v["content"]["findings"][0]["methods"] = json!(["beating_with_batons", "electric_shocks"])
            }),
            "content.findings[0].methods[1]",
            "not_alleged",
        ),
        (
            "unknown method",
            Box::new(|v| v["content"]["allegations"]["places"][0]["methods"][1] = json!("tickling")),
            "content.allegations.places[0].methods[1]",
            "unknown_code",
        ),
        (
            "unknown region",
            Box::new(|v| v["content"]["body_marks"][0]["region"] = json!("tail")),
            "content.body_marks[0].region",
            "unknown_code",
        ),
        (
            "unknown system",
            Box::new(|v| v["content"]["examination"][0]["system"] = json!("aura")),
            "content.examination[0].system",
            "unknown_code",
        ),
        (
            "mark of no finding",
            Box::new(|v| v["content"]["body_marks"][2]["finding"] = json!("F9")),
            "content.body_marks[2].finding",
            "unknown_finding",
        ),
        (
            "duplicate label",
            Box::new(|v| v["content"]["findings"][1]["label"] = json!("F1")),
            "content.findings[1].label",
            "duplicate",
        ),
        (
            "x out of range",
            Box::new(|v| v["content"]["body_marks"][1]["x"] = json!(1.5)),
            "content.body_marks[1].x",
            "out_of_range",
        ),
        (
            "x without y",
            Box::new(|v| v["content"]["body_marks"][0]["x"] = json!(0.5)),
            "content.body_marks[0].y",
            "required",
        ),
        (
            "no clinician name",
            Box::new(|v| v["content"]["clinician"]["name"] = json!("  ")),
            "content.clinician.name",
            "required",
        ),
        (
            "future examination",
            Box::new(|v| v["examined_on"] = json!("2999-01-01")),
            "examined_on",
            "in_future",
        ),
        ("not a date", Box::new(|v| v["examined_on"] = json!("2021-02-30")), "examined_on", "invalid_date"),
        (
            "language",
            Box::new(|v| v["content"]["language"] = json!("Russian")),
            "content.language",
            "invalid_language",
        ),
        (
            "too long",
            Box::new(|v| v["content"]["background"] = json!("я".repeat(100_001))),
            "content.background",
            "too_long",
        ),
    ];
    for (what, change, field, code) in cases {
        let mut body = evaluation(&w, "x");
        change(&mut body);
        let res = w.app.post(&format!("/api/v1/persons/{}/evaluations", w.person), &w.clinician, body).await;
        let problem = assert_problem(res, 422, "validation_error").await;
        let errors = problem["errors"].as_array().unwrap();
        assert!(errors.iter().any(|e| e["field"] == field && e["code"] == code), "{what}: {problem}");
    }
    let mut body = evaluation(&w, "x");
    body["incident_ids"] = json!([foreign_incident]);
    let res = w.app.post(&format!("/api/v1/persons/{}/evaluations", w.person), &w.clinician, body).await;
    let problem = assert_problem(res, 422, "validation_error").await;
    assert_eq!(problem["errors"][0]["field"], "incident_ids[0]");
    let foreign_place =
        w.app.create_place(&w.lead, &other_case, NewPlace::new("detention_facility", "P")).await.id;
    let mut body = evaluation(&w, "x");
    body["content"]["allegations"]["places"][0]["place_id"] = json!(foreign_place);
    let res = w.app.post(&format!("/api/v1/persons/{}/evaluations", w.person), &w.clinician, body).await;
    let problem = assert_problem(res, 422, "validation_error").await;
    assert_eq!(problem["errors"][0]["field"], "content.allegations.places[0].place_id");
    // Not a victim or witness.
    let officer = w.app.create_person(&w.lead, &w.case, NewPerson::perpetrator().named("Officer")).await.id;
    let res = w
        .app
        .post(&format!("/api/v1/persons/{officer}/evaluations"), &w.clinician, evaluation(&w, "x"))
        .await;
    assert_eq!(assert_problem(res, 422, "validation_error").await["errors"][0]["field"], "person_id");
    // An unknown field of the content, or a consistency that is no degree.
    let mut body = evaluation(&w, "x");
    body["content"]["findings"][0]["consistency"] = json!("probable");
    let res = w.app.post(&format!("/api/v1/persons/{}/evaluations", w.person), &w.clinician, body).await;
    assert!(res.status().is_client_error());
    assert_eq!(w.count().await, 0, "nothing half-written");

    // A draft's update and a correction are judged the same way, and change nothing.
    let draft = w.create(evaluation(&w, "x")).await;
    let mut bad = evaluation(&w, "y");
    bad["content"]["findings"][0]["methods"] = json!(["electric_shocks"]);
    let res = w
        .app
        .call(Method::PUT, &format!("/api/v1/evaluations/{}", id(&draft)), Some(&w.clinician), Some(bad))
        .await;
    assert_problem(res, 422, "validation_error").await;
    w.app.post(&format!("/api/v1/evaluations/{}/seal", id(&draft)), &w.clinician, json!({})).await;
    let mut correction = evaluation(&w, "z");
    correction.as_object_mut().unwrap().remove("incident_ids");
    correction["correction_reason"] = json!("");
    let res = w
        .app
        .post(&format!("/api/v1/evaluations/{}/corrections", id(&draft)), &w.clinician, correction)
        .await;
    assert_eq!(assert_problem(res, 422, "validation_error").await["errors"][0]["field"], "correction_reason");
    let kept = w.app.get_json(&format!("/api/v1/evaluations/{}", id(&draft)), &w.clinician).await;
    assert_eq!(kept["content"]["background"], "x");
    assert_eq!(w.count().await, 1);
}

#[tokio::test]
async fn only_clinicians_of_the_case_reach_evaluations_and_their_files() {
    let w = world().await;
    let app = &w.app;
    let draft = w.create(evaluation(&w, "секрет врача")).await;
    let eval = id(&draft);
    let photo = Upload::bytes("секрет фото").content_type("image/jpeg").filename("photo.jpg");
    let res =
        app.upload_response(&w.clinician, &format!("/api/v1/evaluations/{eval}/attachments"), photo).await;
    let file = expect(res, 201, "upload to evaluation").await;
    let file_id = id(&file);
    let (_, other_clinician) = app.user_with_token(Role::Clinician).await;
    let mut members = vec![];
    for role in [Role::Documenter, Role::Investigator, Role::Lawyer] {
        let (user, token) = app.user_with_token(role).await;
        app.add_member(&w.case, user).await;
        members.push((role, token));
    }
    members.push((Role::Documenter, w.lead.clone()));

    // A clinician of the case reads it and its file, by either path.
    let view = app.get_json(&format!("/api/v1/evaluations/{eval}"), &w.clinician).await;
    assert_eq!(view["attachments"][0]["id"], file_id.as_str());
    let res = app.get(&format!("/api/v1/evaluations/{eval}/attachments/{file_id}"), &w.clinician).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().as_ref(), "секрет фото".as_bytes());
    assert_eq!(app.get(&format!("/api/v1/attachments/{file_id}/content"), &w.clinician).await.status(), 200);

    let by_id = [
        (Method::GET, format!("/api/v1/evaluations/{eval}")),
        (Method::PUT, format!("/api/v1/evaluations/{eval}")),
        (Method::POST, format!("/api/v1/evaluations/{eval}/seal")),
        (Method::POST, format!("/api/v1/evaluations/{eval}/corrections")),
        (Method::POST, format!("/api/v1/evaluations/{eval}/incidents")),
        (Method::GET, format!("/api/v1/evaluations/{eval}/body.svg")),
        (Method::GET, format!("/api/v1/evaluations/{eval}/attachments/{file_id}")),
        (Method::POST, format!("/api/v1/evaluations/{eval}/attachments")),
        // The attachment paths of testimonies and incidents do not show it either.
        (Method::GET, format!("/api/v1/attachments/{file_id}")),
        (Method::GET, format!("/api/v1/attachments/{file_id}/content")),
    ];
    let by_person = [
        (Method::GET, format!("/api/v1/persons/{}/evaluations", w.person)),
        (Method::POST, format!("/api/v1/persons/{}/evaluations", w.person)),
        (Method::GET, format!("/api/v1/cases/{}/evaluations", w.case)),
    ];
    // Each with a body its route takes, so only access decides.
    let body_for = |path: &str| {
        let mut body = evaluation(&w, "x");
        if path.ends_with("/corrections") {
            body.as_object_mut().unwrap().remove("incident_ids");
            body["correction_reason"] = json!("reason");
        } else if path.ends_with("/incidents") {
            body = json!({"incident_id": w.incident});
        }
        body
    };
    for (role, token) in &members {
        for (method, path) in &by_id {
            let res = app.call(method.clone(), path, Some(token), Some(body_for(path))).await;
            // Not even its existence shows: the answer for an id that is nobody's.
            assert_eq!(res.status(), 404, "{role}: {method} {path}");
            assert!(!res.text().await.unwrap().contains("секрет"));
        }
        for (method, path) in &by_person {
            let res = app.call(method.clone(), path, Some(token), Some(evaluation(&w, "x"))).await;
            assert_eq!(res.status(), 403, "{role}: {method} {path}");
        }
        // The person's page shows no trace of them.
        let person = app.get_json(&format!("/api/v1/persons/{}", w.person), token).await;
        assert!(!person.to_string().contains(&eval), "{role}");
    }
    // A clinician of another case: nothing exists.
    for (method, path) in by_id.iter().chain(by_person.iter()) {
        let res = app.call(method.clone(), path, Some(&other_clinician), Some(body_for(path))).await;
        assert_eq!(res.status(), 404, "outsider clinician: {method} {path}");
    }
    // Another clinician of the case may read, not change or seal the draft.
    let (colleague_id, colleague) = app.user_with_token(Role::Clinician).await;
    app.add_member(&w.case, colleague_id).await;
    assert_eq!(app.get(&format!("/api/v1/evaluations/{eval}"), &colleague).await.status(), 200);
    let res = app
        .call(
            Method::PUT,
            &format!("/api/v1/evaluations/{eval}"),
            Some(&colleague),
            Some(evaluation(&w, "x")),
        )
        .await;
    assert_problem(res, 403, "forbidden").await;
    assert_problem(
        app.post(&format!("/api/v1/evaluations/{eval}/seal"), &colleague, json!({})).await,
        403,
        "forbidden",
    )
    .await;

    // The case's records export and bundle do not carry the file.
    let testimony = app.record_sealed(&w.lead, &w.case, NewTestimony::by(&w.person).account("account")).await;
    let view = app.get_json(&format!("/api/v1/testimonies/{testimony}"), &w.lead).await;
    assert_eq!(view["attachments"], json!([]));
    let incident = app.get_json(&format!("/api/v1/incidents/{}", w.incident), &w.lead).await;
    assert!(!incident.to_string().contains(&file_id), "{incident}");
}

#[tokio::test]
async fn sealed_evaluations_leave_no_plaintext_and_export_every_sealed_version() {
    let w = world().await;
    let canary = format!("CANARY{}", uuid::Uuid::new_v4().simple());
    let draft = w.create(evaluation(&w, &canary)).await;
    let first = id(&draft);
    let unsealed = w.create(evaluation(&w, "черновик")).await;
    w.app.post(&format!("/api/v1/evaluations/{first}/seal"), &w.clinician, json!({})).await;
    let mut correction = evaluation(&w, &format!("{canary} 2"));
    correction.as_object_mut().unwrap().remove("incident_ids");
    correction["correction_reason"] = json!(canary.clone());
    let res = w.app.post(&format!("/api/v1/evaluations/{first}/corrections"), &w.clinician, correction).await;
    expect(res, 201, "correct").await;

    // The database, its WAL and the attachment store hold no plaintext.
    let mut scanned = 0;
    for path in files_under(w.app.db.dir.path()) {
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            !bytes.windows(canary.len()).any(|win| win == canary.as_bytes()),
            "canary in {}",
            path.display()
        );
        scanned += bytes.len();
    }
    if w.app.db.is_postgres() {
        // Every row of the tables the evaluation and its audit entries went into.
        let dump = w
            .app
            .state
            .context()
            .read(|c| {
                let mut lines = Vec::new();
                for table in ["evaluations", "evaluation_incidents", "audit_log", "data_keys", "attachments"]
                {
                    let sql = format!("SELECT CAST(row_to_json(t) AS TEXT) AS line FROM {table} t");
                    lines.extend(
                        diesel::RunQueryDsl::load::<Line>(diesel::sql_query(sql), c)?
                            .into_iter()
                            .map(|r| r.line),
                    );
                }
                Ok(lines.join("\n"))
            })
            .await
            .unwrap();
        assert!(dump.contains("evaluation.seal"), "the dump holds the rows");
        assert!(!dump.contains(&canary), "canary in a row");
    } else {
        assert!(scanned > 10_000);
    }
    let rows = w
        .app
        .state
        .context()
        .read(|c| {
            use diesel::prelude::*;
            Ok(custodia::store::schema::evaluations::table
                .select(custodia::store::schema::evaluations::content)
                .load::<Vec<u8>>(c)?)
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    for row in rows {
        assert!(!row.windows(canary.len()).any(|win| win == canary.as_bytes()));
    }

    // The bundle function: the two sealed versions, none of the draft, each audited.
    let keyring = w.app.state.keys.keyring().unwrap();
    let who = custodia::auth::Principal {
        user_id: uuid::Uuid::new_v4(),
        session_id: uuid::Uuid::new_v4(),
        role: Role::Lawyer,
        username: "lawyer".into(),
        second_factor: false,
    };
    let (case, person) = (w.case.0.clone(), w.person.0.clone());
    let exported = w
        .app
        .state
        .context()
        .write_plain(move |c| {
            custodia::medical::exported(c, &keyring, &who, uuid::Uuid::new_v4(), &case, &[person])
        })
        .await
        .unwrap();
    assert_eq!(exported.len(), 2);
    assert!(exported.iter().all(|e| e.id.to_string() != id(&unsealed)));
    for (e, version) in exported.iter().zip([1, 2]) {
        assert_eq!(e.version, version);
        assert_eq!(e.root_id.to_string(), first);
        assert_eq!(e.language, "ru");
        assert!(e.clinician_name.starts_with(&canary));
        assert!(e.text.contains("ISTANBUL PROTOCOL") && e.text.contains(&canary));
        assert!(e.text.contains("Typical of"), "labels of the consistency scale");
        check_svg(&e.svg).unwrap();
        // The digest is recomputed from the exported JSON: keys sorted, no whitespace.
        let j = &e.json;
        let canonical = json!({
            "v": 1, "case_id": j["case_id"], "root_id": j["root_id"], "version": j["version"],
            "person_id": j["person_id"], "clinician_id": j["clinician_id"], "kind": j["kind"],
            "examined_on": j["examined_on"], "content": j["content"],
        });
        let recomputed = hex::encode(Sha256::digest(serde_json::to_vec(&canonical).unwrap()));
        assert_eq!(recomputed, e.digest);
        assert_eq!(j["digest"], e.digest.as_str());
    }
    let exports = w.app.audit_actions().await.iter().filter(|a| *a == "evaluation.export").count();
    assert_eq!(exports, 2);
}

#[tokio::test]
async fn a_clinician_fills_in_seals_and_corrects_an_evaluation_through_the_pages() {
    use crate::web::location;
    let w = world().await;
    let app = &w.app;
    let (clinician_id, b) = app.web_user(Role::Clinician).await;
    app.add_member(&w.case, clinician_id).await;
    let (lead_id, lead) = app.web_user(Role::Documenter).await;
    app.add_member(&w.case, lead_id).await;
    let person = w.person.as_str();

    let list = app.page(&b, &format!("/persons/{person}/evaluations")).await;
    assert!(list.contains("new-evaluation"));
    let form = app.page(&b, &format!("/persons/{person}/evaluations/new")).await;
    assert!(form.contains(r#"name="content.findings[0].label""#) && form.contains("V. Allegations"));
    let filled = |method: &'static str| -> Vec<(&'static str, &'static str)> {
        vec![
            ("kind", "medical"),
            ("examined_on", "2021-03-02"),
            ("content.clinician.name", "Д-р Иванова"),
            ("content.allegations.places[0].description", "ИВС"),
            ("content.allegations.places[0].methods", "beating_with_batons"),
            ("content.allegations.places[0].methods", "stress_positions"),
            ("content.examination[0].system", "skin"),
            ("content.examination[0].findings", "Кровоподтёки"),
            ("content.findings[0].label", "F1"),
            ("content.findings[0].system", "skin"),
            ("content.findings[0].description", "Полосовидные кровоподтёки"),
            ("content.findings[0].methods", method),
            ("content.findings[0].consistency", "typical_of"),
            ("content.findings[1].label", ""),
            ("content.findings[1].system", ""),
            ("content.findings[1].description", ""),
            ("content.findings[1].consistency", "consistent"),
            ("content.body_marks[0].finding", "F1"),
            ("content.body_marks[0].view", "back"),
            ("content.body_marks[0].region", "buttocks"),
            ("content.body_marks[0].x", ""),
            ("content.body_marks[0].y", ""),
            ("content.conclusions.overall_opinion", "highly_consistent"),
        ]
    };
    // More rows: the form again, one blank finding after the one typed, nothing saved.
    let mut more = filled("beating_with_batons");
    more.push(("action", "more"));
    let res = app.web_post(&b, &format!("/persons/{person}/evaluations"), &more).await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains(r#"name="content.findings[1].label""#) && page.contains("Полосовидные"));
    assert_eq!(w.count().await, 0);
    // A method not alleged: the form again with the error at the finding's methods.
    let res = app.web_post(&b, &format!("/persons/{person}/evaluations"), &filled("electric_shocks")).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains(r#"id="content.findings[0].methods-error""#));
    assert_eq!(w.count().await, 0);

    let res =
        app.web_post(&b, &format!("/persons/{person}/evaluations"), &filled("beating_with_batons")).await;
    assert_eq!(res.status(), 303);
    let at = location(&res);
    let view = app.page(&b, &at).await;
    assert!(
        view.contains("body-diagram") && view.contains(r#"id="body-marks""#) && view.contains(">F1</text>")
    );
    assert!(view.contains("seal-evaluation"));
    let res = app.web_post(&b, &format!("{at}/seal"), &[]).await;
    assert_eq!(res.status(), 303);
    let sealed = app.page(&b, &at).await;
    assert!(sealed.contains("correct-evaluation") && !sealed.contains("seal-evaluation"));
    assert!(app.page(&b, &format!("{at}/correct")).await.contains(r#"name="correction_reason""#));
    let mut correction = filled("beating_with_batons");
    correction.push(("correction_reason", "уточнена область"));
    let res = app.web_post(&b, &format!("{at}/correct"), &correction).await;
    assert_eq!(res.status(), 303);
    let second = app.page(&b, &location(&res)).await;
    assert!(second.contains("уточнена область") && second.contains("evaluation-versions"));
    let ru = app
        .client
        .get(app.url(&at))
        .header("cookie", format!("custodia={}; lang=ru", b.cookie))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(ru.contains("Схема тела") && ru.contains("Сзади"));

    // The person's page: a link for the clinician; for the documenter, no trace.
    assert!(app.page(&b, &format!("/persons/{person}")).await.contains("evaluations-link"));
    let theirs = app.page(&lead, &format!("/persons/{person}")).await;
    assert!(!theirs.contains("evaluations-link") && !theirs.contains("/evaluations"));
    assert_eq!(app.web_get(&lead, &at).await.status(), 404);
    assert_eq!(app.web_get(&lead, &format!("/persons/{person}/evaluations")).await.status(), 403);
}
