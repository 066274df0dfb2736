//! The case model as its users live it: a documenter records a testimony in Russian with
//! an audio attachment and seals it; an investigator links it to an incident at a
//! detention facility and to two perpetrators of one unit; a correction makes version
//! 2 while version 1 stays readable; a lawyer outside the case sees nothing; the
//! pseudonym stands in for the witness's name.

use custodia::domain::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixtures::{OKRESTINA_ACCOUNT as ACCOUNT, okrestina, okrestina_testimony};
use crate::helpers::*;

/// A recording, as sent: its name percent-encoded.
fn recording(bytes: Vec<u8>) -> Upload {
    Upload::bytes(bytes).content_type("audio/ogg").filename("%D0%B7%D0%B0%D0%BF%D0%B8%D1%81%D1%8C.ogg")
}

fn audio() -> Vec<u8> {
    (0..200_000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect()
}

#[tokio::test]
async fn a_documenter_records_a_russian_testimony_with_audio_and_seals_it() {
    let s = okrestina().await;
    let t = s.record().await;
    assert_eq!(t["status"], "draft");
    assert_eq!(t["version"], 1);
    assert_eq!(t["account"], ACCOUNT, "the author sees the account as given");
    let id = &t.id;

    let attachment = s.app.upload(&s.documenter, id, recording(audio())).await;
    assert_eq!(attachment["filename"], "запись.ogg");
    assert_eq!(attachment["size"], 200_000);
    use sha2::Digest;
    assert_eq!(attachment["sha256"], hex::encode(sha2::Sha256::digest(audio())));

    let sealed = s.app.seal(&s.documenter, id).await;
    assert_eq!(sealed["status"], "sealed");
    assert_eq!(sealed["digest"].as_str().unwrap().len(), 64);
    assert_eq!(sealed["attachments"].as_array().unwrap().len(), 1);

    // Sealed means immutable.
    let res = s
        .app
        .call(
            Method::PUT,
            &format!("/api/v1/testimonies/{id}"),
            Some(&s.documenter),
            Some(s.testimony().json()),
        )
        .await;
    assert_problem(res, 409, "conflict").await;
    assert_problem(s.app.seal_response(&s.documenter, id).await, 409, "conflict").await;

    // The file comes back whole, and in ranges across segment boundaries.
    let aid = &attachment.id;
    let res = s.app.get(&format!("/api/v1/attachments/{aid}/content"), &s.investigator).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "audio/ogg");
    assert_eq!(res.bytes().await.unwrap().to_vec(), audio());
    for (from, to) in [(0u64, 9u64), (65_530, 65_560), (131_071, 131_072), (199_990, 199_999)] {
        let res = s
            .app
            .client
            .get(s.app.url(&format!("/api/v1/attachments/{aid}/content")))
            .bearer_auth(&s.lawyer)
            .header("range", format!("bytes={from}-{to}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 206);
        assert_eq!(res.headers()["content-range"], format!("bytes {from}-{to}/200000"));
        assert_eq!(res.bytes().await.unwrap().to_vec(), audio()[from as usize..=to as usize].to_vec());
    }
    let actions = s.app.audit_actions().await;
    for action in ["testimony.create", "attachment.upload", "testimony.seal", "attachment.download"] {
        assert!(actions.contains(&action.to_owned()), "{action}");
    }
}

#[tokio::test]
async fn an_investigator_links_the_testimony_to_an_incident_and_two_perpetrators_of_one_unit() {
    let s = okrestina().await;
    let t = s.record().await;
    let tid = &t.id;
    s.app.seal(&s.documenter, tid).await;
    let (app, inv, case) = (&s.app, s.investigator.as_str(), &s.case);

    let place = NewPlace::new("detention_facility", "ЦИП на Окрестина").address("Минск, ул. Окрестина, 36");
    let place = app.create_place(inv, case, place).await.id;
    let ministry = app.create_unit(inv, case, NewUnit::named("МВД Республики Беларусь")).await.id;
    let omon = NewUnit::named("ОМОН ГУВД Мингорисполкома").under(&ministry);
    let omon = app.create_unit(inv, case, omon).await.id;
    let mut perpetrators = Vec::new();
    for (name, rank) in [("Дмитрий Балаба", "полковник"), ("Сотрудник Б.", "сержант")]
    {
        let p = NewPerson::perpetrator().named(name).rank(rank).in_unit(&omon);
        perpetrators.push(app.create_person(inv, case, p).await.id);
    }
    let incident = NewIncident::of("torture")
        .methods(&["beating_with_batons", "stress_positions"])
        .started("2020-08-10", "exact")
        .ended("2020-08-13", "exact")
        .at(&place)
        .description("Избиения при приёме в ЦИП")
        .victim(&s.witness);
    let incident = app.create_incident(inv, case, incident).await;
    let iid = &incident.id;
    assert_eq!(incident["place_name"], "ЦИП на Окрестина");

    app.link_incident(inv, tid, iid).await;
    for (person, role) in [(&perpetrators[0], "ordered"), (&perpetrators[1], "carried_out")] {
        app.add_involvement(inv, iid, Involvement::person(person, role).citing(tid)).await;
    }
    let incident: Value = app.get(&format!("/api/v1/incidents/{iid}"), &s.lawyer).await.json().await.unwrap();
    assert_eq!(incident["involvements"].as_array().unwrap().len(), 2);
    assert_eq!(incident["testimonies"][0], t["root_id"]);

    // The perpetrator page: every incident with the testimony that supports it.
    let perp: Value =
        app.get(&format!("/api/v1/persons/{}", perpetrators[0]), inv).await.json().await.unwrap();
    assert_eq!(perp["names"][0], "Дмитрий Балаба", "perpetrators are not protected persons");
    assert_eq!(perp["involvements"][0]["incident_id"], iid);
    assert_eq!(perp["involvements"][0]["role"], "ordered");
    assert_eq!(perp["involvements"][0]["testimonies"][0], t["root_id"]);

    // The unit page: its chain of command and the incidents of its members.
    let unit: Value = app.get(&format!("/api/v1/units/{omon}"), inv).await.json().await.unwrap();
    assert_eq!(unit["chain_of_command"][0]["name"], "МВД Республики Беларусь");
    assert_eq!(unit["members"].as_array().unwrap().len(), 2);
    assert_eq!(unit["incidents"].as_array().unwrap().len(), 2);
    let top: Value = app.get(&format!("/api/v1/units/{ministry}"), inv).await.json().await.unwrap();
    assert_eq!(top["sub_units"][0]["name"], "ОМОН ГУВД Мингорисполкома");
    assert_eq!(top["incidents"].as_array().unwrap().len(), 2, "sub-units' incidents roll up");
    let res = app
        .post(
            &format!("/api/v1/units/{omon}/commanders"),
            inv,
            json!({"person_id": perpetrators[0], "from": "2019-01-01", "to": "2018-01-01"}),
        )
        .await;
    assert_problem(res, 422, "validation_error").await;
    let res = app
        .post(
            &format!("/api/v1/units/{omon}/commanders"),
            inv,
            json!({"person_id": perpetrators[0], "from": "2019-01-01"}),
        )
        .await;
    let unit: Value = res.json().await.unwrap();
    assert_eq!(unit["commanders"][0]["pseudonym"], "P-0001");
}

#[tokio::test]
async fn a_correction_creates_version_2_and_version_1_remains_readable() {
    let s = okrestina().await;
    let t = s.record().await;
    let v1 = &t.id;
    let corrected = s
        .testimony()
        .account(&ACCOUNT.replace("несколько часов", "около пяти часов"))
        .correcting("Свидетель уточнил продолжительность");
    let res =
        s.app.post(&format!("/api/v1/testimonies/{v1}/versions"), &s.documenter, corrected.json()).await;
    assert_problem(res, 409, "conflict").await;
    s.app.seal(&s.documenter, v1).await;
    let v2 = s.app.correct(&s.documenter, v1, corrected).await;
    assert_eq!((v2["version"].as_i64(), v2["status"].as_str()), (Some(2), Some("sealed")));
    assert_eq!(v2["root_id"], t["root_id"]);
    assert_ne!(v2["digest"], Value::Null);
    assert_eq!(v2["versions"].as_array().unwrap().len(), 2);
    let old: Value =
        s.app.get(&format!("/api/v1/testimonies/{v1}"), &s.documenter).await.json().await.unwrap();
    assert!(old["account"].as_str().unwrap().contains("несколько часов"));
    let list: Value =
        s.app.get(&format!("/api/v1/cases/{}/testimonies", s.case), &s.lawyer).await.json().await.unwrap();
    assert_eq!(list["total"], 1, "one account, its latest version");
    assert_eq!(list["items"][0]["version"], 2);
}

#[tokio::test]
async fn a_lawyer_outside_the_case_sees_nothing_of_it() {
    let s = okrestina().await;
    let id = s.record().await.id;
    let attachment = s.app.upload(&s.documenter, &id, recording(b"photo".to_vec())).await.id;
    for path in [
        format!("/api/v1/cases/{}", s.case),
        format!("/api/v1/cases/{}/testimonies", s.case),
        format!("/api/v1/cases/{}/persons", s.case),
        format!("/api/v1/testimonies/{id}"),
        format!("/api/v1/persons/{}", s.witness),
        format!("/api/v1/attachments/{attachment}"),
        format!("/api/v1/attachments/{attachment}/content"),
    ] {
        assert_problem(s.app.get(&path, &s.outsider).await, 404, "not_found").await;
    }
    let listed: Value = s.app.get("/api/v1/cases", &s.outsider).await.json().await.unwrap();
    assert_eq!(listed["total"], 0);
    // Nor do admins and auditors read content, though admins manage the membership.
    assert_problem(s.app.get(&format!("/api/v1/testimonies/{id}"), &s.app.admin).await, 404, "not_found")
        .await;
    let cases: Value = s.app.get("/api/v1/cases", &s.app.admin).await.json().await.unwrap();
    assert_eq!(cases["items"][0]["reference"], "BY-2020-0147");
    assert!(cases["items"][0].get("title").is_none());
}

#[tokio::test]
async fn the_pseudonym_replaces_the_name_for_an_investigator() {
    let s = okrestina().await;
    let id = s.record().await.id;
    let seen: Value =
        s.app.get(&format!("/api/v1/testimonies/{id}"), &s.investigator).await.json().await.unwrap();
    assert_eq!(seen["identity_shown"], false);
    assert_eq!(seen["witness"]["pseudonym"], "W-0001");
    assert!(seen["witness"].get("names").is_none());
    let account = seen["account"].as_str().unwrap();
    assert!(account.starts_with("Меня зовут [W-0001]."), "{account}");
    assert!(!seen.to_string().contains("Иван Петров"));
    let person: Value =
        s.app.get(&format!("/api/v1/persons/{}", s.witness), &s.investigator).await.json().await.unwrap();
    assert_eq!(person["identity_shown"], false);
    assert!(
        person.get("names").is_none()
            && person.get("contact").is_none()
            && person.get("birth_date").is_none()
    );
    // The author (here also the lead) knows the witness.
    let own: Value =
        s.app.get(&format!("/api/v1/testimonies/{id}"), &s.documenter).await.json().await.unwrap();
    assert_eq!(own["witness"]["names"][0], "Иван Петров");
    let person: Value =
        s.app.get(&format!("/api/v1/persons/{}", s.witness), &s.documenter).await.json().await.unwrap();
    assert_eq!(person["contact"], "+375 29 000 00 00");
    let actions = s.app.audit_actions().await;
    assert!(actions.contains(&"testimony.read".to_owned()) && actions.contains(&"person.read".to_owned()));
}

#[tokio::test]
async fn bad_input_is_refused_field_by_field_and_nothing_is_half_written() {
    let s = spawn_app_with(|settings| settings.storage.max_attachment_bytes = 100_000).await;
    let (_, documenter) = s.user_with_token(Role::Documenter).await;
    let case_id = s.create_case(&documenter, NewCase::new("UA-2022-0001", "Буча")).await.id;
    let other_id = s.create_case(&documenter, NewCase::new("UA-2022-0002", "Ізюм")).await.id;
    let res = s.post("/api/v1/cases", &documenter, NewCase::new("UA-2022-0001", "dup").json()).await;
    assert_eq!(assert_problem(res, 422, "validation_error").await["errors"][0]["code"], "taken");

    let res = s
        .post(&format!("/api/v1/cases/{case_id}/incidents"), &documenter,
              json!({"act_type": "teleportation", "methods": ["tickling"], "start_date": "2022-03-20", "start_precision": "exact",
                     "end_date": "2022-03-01", "end_precision": "exact"}))
        .await;
    let body = assert_problem(res, 422, "validation_error").await;
    let fields: Vec<&str> =
        body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["act_type", "methods", "end_date"]);

    let stranger = s.create_person(&documenter, &other_id, NewPerson::witness()).await.id;
    let res = s
        .post(
            &format!("/api/v1/cases/{case_id}/testimonies"),
            &documenter,
            okrestina_testimony(&stranger).json(),
        )
        .await;
    assert_eq!(assert_problem(res, 422, "validation_error").await["errors"][0]["code"], "not_in_case");

    let wid = s.create_person(&documenter, &case_id, NewPerson::witness()).await.id;
    let mut bad = okrestina_testimony(&wid).json();
    bad["identifying_spans"] = json!([{"start": 5, "end": 100000}]);
    bad["consent"]["given_on"] = json!("yesterday");
    let body = assert_problem(
        s.post(&format!("/api/v1/cases/{case_id}/testimonies"), &documenter, bad).await,
        422,
        "validation_error",
    )
    .await;
    let fields: Vec<&str> =
        body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["identifying_spans", "consent.given_on"]);

    let tid = s.record_testimony(&documenter, &case_id, okrestina_testimony(&wid)).await.id;
    let path = format!("/api/v1/testimonies/{tid}/attachments");
    let res = s.upload_response(&documenter, &path, recording(vec![0u8; 150_000])).await;
    assert_problem(res, 413, "payload_too_large").await;

    // A client that stops half-way through an upload leaves neither a row nor a file.
    {
        use tokio::io::AsyncWriteExt;
        let addr = s.address.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "POST /api/v1/testimonies/{tid}/attachments HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {documenter}\r\n\
             Content-Type: audio/ogg\r\nContent-Length: 90000\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(&[7u8; 20_000]).await.unwrap();
        // Half-close: the body ends early; the answer comes only after the server has
        // abandoned the upload, so what follows is checked after its clean-up.
        stream.shutdown().await.unwrap();
        let mut answer = Vec::new();
        let _ = tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut answer).await;
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 400"), "{answer}");
    }
    assert!(s.stored_blobs().is_empty(), "no partial file left");
    assert_eq!(s.unfinished_uploads(), 0, "no partial upload left");
    let t: Value = s.get(&format!("/api/v1/testimonies/{tid}"), &documenter).await.json().await.unwrap();
    assert_eq!(t["attachments"].as_array().unwrap().len(), 0, "no orphan row");
}

#[tokio::test]
async fn identity_is_edited_only_by_those_who_may_see_it_and_lists_page() {
    let s = okrestina().await;
    let (app, case) = (&s.app, &s.case);
    let path = format!("/api/v1/persons/{}", s.witness);
    let res =
        app.call(Method::PATCH, &path, Some(&s.investigator), Some(json!({"names": ["Someone Else"]}))).await;
    assert_problem(res, 403, "forbidden").await;
    let res = app
        .call(
            Method::PATCH,
            &path,
            Some(&s.documenter),
            Some(json!({"contact": "Signal: @new", "birth_date": "1990-13-01"})),
        )
        .await;
    assert_eq!(assert_problem(res, 422, "validation_error").await["errors"][0]["field"], "birth_date");
    let res =
        app.call(Method::PATCH, &path, Some(&s.documenter), Some(json!({"contact": "Signal: @new"}))).await;
    let person: Value = res.json().await.unwrap();
    assert_eq!(person["contact"], "Signal: @new");
    assert_eq!(person["names"][0], "Иван Петров", "untouched fields stay");

    for _ in 0..3 {
        app.create_person(&s.investigator, case, NewPerson::perpetrator()).await;
    }
    let page: Value = app
        .get(&format!("/api/v1/cases/{case}/persons?kind=perpetrator&limit=2"), &s.lawyer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((page["total"].as_i64(), page["items"].as_array().unwrap().len()), (Some(3), 2));
    let page: Value = app
        .get(&format!("/api/v1/cases/{case}/persons?kind=perpetrator&limit=2&offset=2"), &s.lawyer)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"][0]["pseudonym"], "P-0003");
    assert_problem(
        app.get(&format!("/api/v1/cases/{case}/persons?limit=500"), &s.lawyer).await,
        400,
        "invalid_query",
    )
    .await;
}

#[tokio::test]
async fn an_admin_extends_a_vocabulary_and_the_new_term_is_usable() {
    let s = okrestina().await;
    let app = &s.app;
    let res = app
        .post(
            "/api/v1/vocabularies/torture_method",
            &app.admin,
            json!({"code": "waterboarding", "label_en": "Waterboarding", "label_ru": "Пытка водой"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let res = app
        .post(
            "/api/v1/vocabularies/torture_method",
            &app.admin,
            json!({"code": "waterboarding", "label_en": "x", "label_ru": "x"}),
        )
        .await;
    assert_problem(res, 409, "conflict").await;
    let res = app
        .post(
            "/api/v1/vocabularies/torture_method",
            &app.admin,
            json!({"code": "Bad Code", "label_en": "", "label_ru": "x"}),
        )
        .await;
    assert_eq!(assert_problem(res, 422, "validation_error").await["errors"].as_array().unwrap().len(), 2);
    assert_problem(
        app.post(
            "/api/v1/vocabularies/colours",
            &app.admin,
            json!({"code": "red", "label_en": "Red", "label_ru": "Красный"}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let terms: Value = app
        .get("/api/v1/vocabularies?vocabulary=torture_method", &s.investigator)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        terms["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["code"] == "waterboarding" && t["label_ru"] == "Пытка водой")
    );
    app.create_incident(&s.investigator, &s.case, NewIncident::of("torture").methods(&["waterboarding"]))
        .await;
}

#[tokio::test]
async fn incidents_units_and_places_are_corrected_in_place_and_incidents_take_files() {
    let s = okrestina().await;
    let (app, inv, case) = (&s.app, s.investigator.as_str(), &s.case);
    let pid = app.create_place(inv, case, NewPlace::new("police_station", "РУВД")).await.id;
    let res = app
        .call(
            Method::PUT,
            &format!("/api/v1/places/{pid}"),
            Some(inv),
            Some(json!({"place_type": "prison", "name": "Тюрьма №1", "latitude": 95.0})),
        )
        .await;
    assert_eq!(assert_problem(res, 422, "validation_error").await["errors"][0]["field"], "latitude");
    let place: Value = app
        .call(
            Method::PUT,
            &format!("/api/v1/places/{pid}"),
            Some(inv),
            Some(json!({"place_type": "prison", "name": "Тюрьма №1"})),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((place["place_type"].as_str(), place["name"].as_str()), (Some("prison"), Some("Тюрьма №1")));

    let top = app.create_unit(inv, case, NewUnit::named("Top")).await.id;
    let sub = app.create_unit(inv, case, NewUnit::named("Sub").under(&top)).await.id;
    let res = app
        .call(
            Method::PUT,
            &format!("/api/v1/units/{top}"),
            Some(inv),
            Some(NewUnit::named("Top").under(&sub).json()),
        )
        .await;
    assert_eq!(assert_problem(res, 422, "validation_error").await["errors"][0]["code"], "cycle");
    let renamed: Value = app
        .call(
            Method::PUT,
            &format!("/api/v1/units/{sub}"),
            Some(inv),
            Some(NewUnit::named("Sub-unit").under(&top).json()),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(renamed["name"], "Sub-unit");

    let iid = app.create_incident(inv, case, NewIncident::of("arbitrary_arrest")).await.id;
    let fixed = NewIncident::of("torture").started("2020-08", "month").at(&pid).victim(&s.witness);
    let fixed: Value = app
        .call(Method::PUT, &format!("/api/v1/incidents/{iid}"), Some(inv), Some(fixed.json()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (fixed["act_type"].as_str(), fixed["start_date"].as_str()),
        (Some("torture"), Some("2020-08"))
    );
    assert_eq!(fixed["victim_ids"][0], s.witness);
    let file = Upload::bytes(vec![1u8; 1000]).content_type("image/jpeg").filename("..%2F..%2Fetc%2Fpasswd");
    let res = app.upload_response(inv, &format!("/api/v1/incidents/{iid}/attachments"), file).await;
    let file = expect(res, 201, "incident attachment").await;
    assert_eq!(file["filename"], "passwd", "no path survives in a filename");
    let seen: Value = app.get(&format!("/api/v1/incidents/{iid}"), &s.lawyer).await.json().await.unwrap();
    assert_eq!(seen["attachments"][0]["incident_id"], iid);
    assert_problem(
        app.client
            .post(app.url(&format!("/api/v1/incidents/{iid}/attachments")))
            .bearer_auth(&s.lawyer)
            .body("x")
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn a_tampered_account_is_an_audited_integrity_error_never_garbage() {
    let s = okrestina().await;
    let id = s.record().await.id;
    let target = id.to_string();
    s.app
        .state
        .context()
        .read(move |c| {
            use custodia::store::schema::testimonies::dsl::*;
            use diesel::prelude::*;
            let mut blob: Vec<u8> = testimonies.find(&target).select(content).first(c)?;
            let middle = blob.len() / 2;
            blob[middle] ^= 0x01;
            diesel::update(testimonies.find(&target)).set(content.eq(blob)).execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    let res = s.app.get(&format!("/api/v1/testimonies/{id}"), &s.documenter).await;
    let body = assert_problem(res, 500, "integrity_error").await;
    assert!(body["instance"].is_string());
    assert!(!body.to_string().contains("Меня"), "no plaintext, no garbage");
    let entries = s.app.state.context().read(|c| custodia::audit::recent(c, 5)).await.unwrap();
    let failure = entries.iter().find(|e| e.action == "integrity_error").expect("audited");
    assert_eq!(failure.target_id.as_deref(), Some(id.as_str()));
    assert_eq!(failure.outcome, "failure");
    assert!(!entries.iter().any(|e| e.action == "testimony.read"), "the read itself did not happen");
}

#[tokio::test]
async fn a_discarded_draft_is_crypto_shredded_and_a_sealed_one_cannot_be_deleted() {
    let s = okrestina().await;
    let id = s.record().await.id;
    let aid = s.app.upload(&s.documenter, &id, recording(audio())).await.id;
    assert_problem(
        s.app.call(Method::DELETE, &format!("/api/v1/testimonies/{id}"), Some(&s.investigator), None).await,
        403,
        "forbidden",
    )
    .await;
    let res =
        s.app.call(Method::DELETE, &format!("/api/v1/testimonies/{id}"), Some(&s.documenter), None).await;
    assert_eq!(res.status(), 204);
    assert_problem(s.app.get(&format!("/api/v1/testimonies/{id}"), &s.documenter).await, 404, "not_found")
        .await;
    assert_problem(s.app.get(&format!("/api/v1/attachments/{aid}"), &s.documenter).await, 404, "not_found")
        .await;
    let (tid, keys_left) = (id.to_string(), aid.to_string());
    let left = s
        .app
        .state
        .context()
        .read(move |c| {
            use custodia::store::schema::data_keys::dsl::*;
            use diesel::prelude::*;
            Ok(data_keys
                .filter(record_id.eq(&tid).or(record_id.eq(&keys_left)))
                .count()
                .get_result::<i64>(c)?)
        })
        .await
        .unwrap();
    assert_eq!(left, 0, "both data keys destroyed");
    assert!(s.app.stored_blobs().is_empty(), "the file is gone");
    assert!(s.app.audit_actions().await.contains(&"testimony.discard".to_owned()));

    let sid = s.record().await.id;
    s.app.seal(&s.documenter, &sid).await;
    assert_problem(
        s.app.call(Method::DELETE, &format!("/api/v1/testimonies/{sid}"), Some(&s.documenter), None).await,
        409,
        "conflict",
    )
    .await;
}

/// Automatic pseudonyms count on per kind from the case's counter, skipping any number a
/// documenter gave by hand, and never repeat.
#[tokio::test]
async fn automatic_pseudonyms_count_on_past_numbers_given_by_hand() {
    let s = okrestina().await;
    let add = |person: NewPerson| {
        let (app, token, case) = (&s.app, &s.documenter, &s.case);
        async move {
            let made = app.create_person(token, case, person.sex("unknown")).await;
            made["pseudonym"].as_str().unwrap().to_owned()
        }
    };
    let by_hand = add(NewPerson::witness().named("A").pseudonym("W-0002")).await;
    assert_eq!(by_hand, "W-0002");
    let mut given = Vec::new();
    for _ in 0..3 {
        given.push(add(NewPerson::witness().named("B")).await);
    }
    assert_eq!(given, ["W-0003", "W-0004", "W-0005"], "W-0001 is the story's witness");
    assert_eq!(add(NewPerson::victim().named("C")).await, "V-0001");
}

/// A full page of 200 persons and 200 incidents, each incident with a place, a victim and
/// an involvement: every view in the page carries what its own read carries (the page is
/// loaded one query per kind, not per row). Prints how long each list takes.
#[actix_web::test]
async fn a_page_of_two_hundred_records_comes_back_whole() {
    let s = okrestina().await;
    let (app, case, inv) = (&s.app, &s.case, &s.investigator);
    let place: Value = app
        .post(
            &format!("/api/v1/cases/{case}/places"),
            inv,
            json!({"place_type": "detention_facility", "name": "ЦИП"}),
        )
        .await
        .json()
        .await
        .unwrap();
    for i in 0..200 {
        let perp: Value = app
            .post(
                &format!("/api/v1/cases/{case}/persons"),
                inv,
                json!({"kind": "perpetrator", "names": [format!("Офицер {i}")]}),
            )
            .await
            .json()
            .await
            .unwrap();
        let incident: Value = app
            .post(
                &format!("/api/v1/cases/{case}/incidents"),
                inv,
                json!({"act_type": "torture", "start_date": "2020-08-10", "start_precision": "exact",
                       "place_id": place["id"], "victim_ids": [s.witness.as_str()]}),
            )
            .await
            .json()
            .await
            .unwrap();
        let res = app
            .post(
                &format!("/api/v1/incidents/{}/involvements", incident["id"].as_str().unwrap()),
                inv,
                json!({"person_id": perp["id"], "role": "carried_out"}),
            )
            .await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    }
    let started = std::time::Instant::now();
    let page: Value =
        app.get(&format!("/api/v1/cases/{case}/incidents?limit=200"), inv).await.json().await.unwrap();
    let incidents_took = started.elapsed();
    let items = page["items"].as_array().unwrap();
    assert_eq!((page["total"].as_i64(), items.len()), (Some(200), 200));
    for i in items {
        assert_eq!(i["place_name"], "ЦИП");
        assert_eq!(i["victim_ids"], json!([s.witness.as_str()]));
        assert_eq!(i["involvements"].as_array().unwrap().len(), 1);
        assert_eq!(i["involvements"][0]["role"], "carried_out");
    }
    let started = std::time::Instant::now();
    let page: Value = app
        .get(&format!("/api/v1/cases/{case}/persons?kind=perpetrator&limit=200"), inv)
        .await
        .json()
        .await
        .unwrap();
    let persons_took = started.elapsed();
    let items = page["items"].as_array().unwrap();
    assert_eq!((page["total"].as_i64(), items.len()), (Some(200), 200));
    for p in items {
        assert_eq!(p["involvements"].as_array().unwrap().len(), 1, "{p}");
        assert!(p["names"][0].as_str().unwrap().starts_with("Офицер"));
    }
    eprintln!("list of 200: incidents {incidents_took:?}, persons {persons_took:?}");
}
