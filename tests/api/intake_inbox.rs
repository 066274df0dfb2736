//! The case lead's inbox of field submissions: a phone's submission (made through the
//! intake service as the OpenRosa and Tella edges make them) is listed, read, its files
//! downloaded; accepted, it becomes a draft testimony under its own id with the person,
//! incident and attachments its form names, the intake entries heading each record's
//! chain of custody (in an evidence bundle too); rejected, its files are destroyed. Only
//! the case's lead gets in.

use bytes::Bytes;
use custodia::access::{Allowed, act};
use custodia::cases::sealed::Sealer;
use custodia::domain::Role;
use custodia::intake::receive::{Content, ContentKind};
use custodia::intake::{Channel, Device, IncomingFile};
use custodia::store::schema::intake_devices;
use diesel::prelude::*;
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::helpers::*;
use crate::web::Browser;

const LABEL: &str = "Anna's phone";

/// An interview as a form written to the mapping convention sends it.
const INTERVIEW: &str = r#"<?xml version="1.0"?>
<data xmlns:jr="http://openrosa.org/javarosa" id="custodia_interview" version="3">
  <intro><account>They came for me at night and took me to the district station.</account><language>ru</language></intro>
  <interview_date>2026-03-01</interview_date>
  <interview_place>Vilnius</interview_place>
  <person><person_name>Anna Inboxova</person_name><person_role>victim</person_role><person_sex>female</person_sex></person>
  <incident><incident_type>torture</incident_type><incident_date>2025-11-03</incident_date>
    <incident_place>Okrestina</incident_place><incident_description>Beaten in the cell.</incident_description></incident>
  <consent>yes</consent>
  <mood>calm</mood>
  <meta><instanceID>uuid:INSTANCE</instanceID></meta>
</data>"#;

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A photo of two STREAM segments and a short recording.
fn files() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let photo: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
    vec![("photo.jpg", "image/jpeg", photo), ("voice.m4a", "audio/mp4", b"a short recording".to_vec())]
}

struct Inbox {
    app: TestApp,
    lead_name: String,
    lead: String,
    case: CaseId,
    device: Device,
    /// The device's own bearer token (Tella's).
    device_token: String,
}

/// A case led by a documenter, with one device account (a `users` row with role intake
/// and its `intake_devices` row with the sealed label, as the devices service makes it).
async fn inbox() -> Inbox {
    let app = spawn_app().await;
    let lead_name = format!("lead-{}", &Uuid::new_v4().simple().to_string()[..8]);
    let lead_id = app.add_user(&lead_name, Role::Documenter).await;
    let lead = app.login(&lead_name, PASSWORD).await;
    let case = app.create_case(&lead, NewCase::any()).await.id;
    let (device, device_token) = device(&app, &case, lead_id).await;
    Inbox { app, lead_name, lead, case, device, device_token }
}

async fn device(app: &TestApp, case: &CaseId, lead: Uuid) -> (Device, String) {
    let name = format!("device-{}", &Uuid::new_v4().simple().to_string()[..8]);
    let id = app.add_user(&name, Role::Intake).await;
    let case_id = case.to_string();
    app.state
        .context()
        .write(move |c, k| {
            let sealer = Sealer::create(c, k, "intake_devices", &id.to_string())?;
            diesel::insert_into(intake_devices::table)
                .values((
                    intake_devices::user_id.eq(id.to_string()),
                    intake_devices::case_id.eq(case_id),
                    intake_devices::label.eq(sealer.seal("label", LABEL)?),
                    intake_devices::created_by.eq(lead.to_string()),
                    intake_devices::created_at.eq(chrono::Utc::now().naive_utc()),
                ))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    let principal = app.state.auth.verify_device(&name, SecretString::from(PASSWORD), None).await.unwrap();
    let (token, _) = app.state.auth.device_session(&principal).await.unwrap();
    let who = Allowed::<act::IntakeSubmit>::check(principal).unwrap();
    (app.state.intake.device(who).await.unwrap(), token.expose_secret().to_owned())
}

impl Inbox {
    /// A submission sent whole by the device: opened, its files streamed in, completed.
    async fn submit(&self, document: &str, files: &[(&str, &str, Vec<u8>)]) -> Uuid {
        let intake = &self.app.state.intake;
        let instance = format!("uuid:{}", Uuid::new_v4());
        let sub = intake.open_submission(&self.device, Channel::OpenRosa, &instance).await.unwrap();
        for (name, media_type, bytes) in files {
            let incoming = IncomingFile {
                name: (*name).to_owned(),
                media_type: (*media_type).to_owned(),
                declared_len: Some(bytes.len() as u64),
                client_meta: None,
            };
            // In two pieces, as a network delivers them.
            let (a, b) = bytes.split_at(bytes.len() / 2);
            let body = futures_util::stream::iter(vec![
                Ok::<_, std::io::Error>(Bytes::copy_from_slice(a)),
                Ok(Bytes::copy_from_slice(b)),
            ]);
            intake.receive_file(&self.device, sub.id, incoming, body, None).await.unwrap();
        }
        let content = Content {
            kind: ContentKind::XForm,
            document: document.replace("INSTANCE", &instance),
            received_sha256: sha256(document.as_bytes()),
            form: Some(("custodia_interview".into(), "3".into())),
        };
        intake.complete(&self.device, sub.id, content, None).await.unwrap();
        sub.id
    }

    async fn pending(&self, token: &str) -> reqwest::Response {
        self.app.get(&format!("/api/v1/cases/{}/intake/submissions", self.case), token).await
    }

    async fn accept(&self, token: &str, id: Uuid) -> reqwest::Response {
        self.app
            .call(Method::POST, &format!("/api/v1/intake/submissions/{id}/accept"), Some(token), None)
            .await
    }

    async fn reject(&self, token: &str, id: Uuid, reason: &str) -> reqwest::Response {
        self.app
            .post(&format!("/api/v1/intake/submissions/{id}/reject"), token, json!({"reason": reason}))
            .await
    }

    async fn download(&self, token: &str, path: &str) -> Vec<u8> {
        let res = self.app.get(path, token).await;
        assert_eq!(res.status(), 200, "GET {path}");
        res.bytes().await.unwrap().to_vec()
    }

    /// The actions of a record's chain of custody, as an auditor reads it.
    async fn custody(&self, auditor: &str, kind: &str, id: &str) -> Vec<String> {
        let c = self.app.get_json(&format!("/api/v1/audit/custody/{kind}/{id}"), auditor).await;
        c["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["entry"]["action"].as_str().unwrap().to_owned())
            .collect()
    }
}

#[tokio::test]
async fn the_lead_reads_a_submission_and_accepts_it_as_a_draft_with_its_person_incident_and_files() {
    let t = inbox().await;
    let app = &t.app;
    let sent = files();
    let id = t.submit(INTERVIEW, &sent).await;

    // The inbox: one submission waiting, with what the list shows.
    let list = expect(t.pending(&t.lead).await, 200, "inbox").await;
    assert_eq!(list["total"], 1, "{list}");
    let item = &list["items"][0];
    assert_eq!(item["id"], id.to_string());
    assert_eq!(item["status"], "pending");
    assert_eq!(item["channel"], "openrosa");
    assert_eq!(item["device_label"], LABEL);
    assert_eq!(item["files"], 2);
    assert_eq!(
        (item["form_id"].as_str(), item["form_version"].as_str()),
        (Some("custodia_interview"), Some("3"))
    );
    assert!(item["received_at"].is_string());

    // One submission read: its answers, its files with their hashes, its custody.
    let view = app.get_json(&format!("/api/v1/intake/submissions/{id}"), &t.lead).await;
    let fields: Vec<(&str, &str)> = view["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), f["value"].as_str().unwrap()))
        .collect();
    assert!(fields.contains(&(
        "/data/intro/account",
        "They came for me at night and took me to the district station."
    )));
    assert!(fields.contains(&("/data/mood", "calm")));
    assert!(fields.iter().all(|(p, _)| !p.contains("meta")), "{fields:?}");
    let files = view["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    let mut file_ids = Vec::new();
    for ((name, media_type, bytes), f) in sent.iter().zip(files) {
        assert_eq!(f["name"], *name);
        assert_eq!(f["media_type"], *media_type);
        assert_eq!(f["size"], bytes.len() as u64);
        assert_eq!(f["received_bytes"], bytes.len() as u64);
        assert_eq!(f["sha256"], sha256(bytes));
        assert_eq!(f["received_sha256"], sha256(bytes), "nothing was encrypted on the phone");
        assert_eq!(f["received_md5"].as_str().unwrap().len(), 32);
        assert_eq!(f["available"], true);
        let fid = f["id"].as_str().unwrap().to_owned();
        assert_eq!(t.download(&t.lead, &format!("/api/v1/intake/files/{fid}/content")).await, *bytes);
        file_ids.push(fid);
    }
    let custody: Vec<&str> =
        view["custody"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(custody, ["intake.open", "intake.file", "intake.file", "intake.submission"]);
    let actions = app.audit_actions().await;
    for a in ["intake.list", "intake.read", "intake.file_download"] {
        assert!(actions.iter().any(|x| x == a), "{a} audited");
    }

    // Accepted: a draft under the submission's own id, authored by the lead.
    let res = t.accept(&t.lead, id).await;
    assert_eq!(res.headers()["location"].to_str().unwrap(), format!("/api/v1/testimonies/{id}"));
    let accepted = expect(res, 201, "accept").await;
    assert_eq!(accepted["testimony_id"], id.to_string());
    let ids: Vec<&str> =
        accepted["attachment_ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(ids, file_ids);
    let person = accepted["person_id"].as_str().unwrap().to_owned();
    assert_eq!(accepted["witness_id"], person.as_str(), "a victim named by the form is the witness");
    let incident = accepted["incident_id"].as_str().unwrap().to_owned();

    let draft = app.get_json(&format!("/api/v1/testimonies/{id}"), &t.lead).await;
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["case_id"], t.case);
    assert_eq!(draft["witness"]["id"], person.as_str());
    assert_eq!(draft["interview_date"], "2026-03-01");
    assert_eq!(draft["interview_place"], "Vilnius");
    assert_eq!(draft["languages"], json!(["ru"]));
    assert_eq!(
        draft["account"],
        "They came for me at night and took me to the district station.\n\nOther answers:\nconsent: yes\nmood: calm"
    );
    assert_eq!(draft["consent"]["how_given"], "not_recorded", "a phone's yes is not a recorded consent");
    assert_eq!(draft["incidents"], json!([incident]));
    let me = app.get_json("/api/v1/auth/me", &t.lead).await;
    assert_eq!(draft["author_id"], me["user"]["id"]);
    let attachments = draft["attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 2);
    for ((name, media_type, bytes), a) in sent.iter().zip(attachments) {
        assert!(file_ids.contains(&a["id"].as_str().unwrap().to_owned()));
        assert_eq!(a["filename"], *name);
        assert_eq!(a["media_type"], *media_type);
        assert_eq!(a["size"], bytes.len() as u64);
        assert_eq!(a["sha256"], sha256(bytes));
        let got =
            t.download(&t.lead, &format!("/api/v1/attachments/{}/content", a["id"].as_str().unwrap())).await;
        assert_eq!(sha256(&got), sha256(bytes));
    }
    let p = app.get_json(&format!("/api/v1/persons/{person}"), &t.lead).await;
    assert_eq!((p["kind"].as_str(), p["sex"].as_str()), (Some("victim"), Some("female")));
    assert_eq!(p["names"], json!(["Anna Inboxova"]));
    let i = app.get_json(&format!("/api/v1/incidents/{incident}"), &t.lead).await;
    assert_eq!(i["act_type"], "torture");
    assert_eq!(
        (i["start_date"].as_str(), i["start_precision"].as_str()),
        (Some("2025-11-03"), Some("exact"))
    );
    assert_eq!(i["description"], "Beaten in the cell.\n\nincident_place: Okrestina");
    assert_eq!(i["victim_ids"], json!([person]));
    assert_eq!(i["testimonies"], json!([id.to_string()]));
    // Indexed as any draft is: the lead finds it by a word of its account.
    let hits = app.search(&t.lead, json!({"q": "district"})).await;
    assert!(hits.to_string().contains(&id.to_string()), "{hits}");

    // The intake entries head the testimony's and each attachment's chain of custody.
    let (_, auditor) = app.user_with_token(Role::Auditor).await;
    let chain = t.custody(&auditor, "testimony", &id.to_string()).await;
    assert_eq!(chain[..2], ["intake.open", "intake.submission"], "{chain:?}");
    for a in ["intake.read", "intake.accept", "testimony.create"] {
        assert!(chain.iter().any(|x| x == a), "{a} in {chain:?}");
    }
    for f in &file_ids {
        let chain = t.custody(&auditor, "attachment", f).await;
        assert_eq!(chain[0], "intake.file", "{chain:?}");
        assert!(chain.iter().any(|x| x == "intake.accept"), "{chain:?}");
    }

    // Decided once: no longer pending, listed as accepted; a second decision is refused.
    assert_eq!(expect(t.pending(&t.lead).await, 200, "inbox").await["total"], 0);
    let done =
        app.get_json(&format!("/api/v1/cases/{}/intake/submissions?status=accepted", t.case), &t.lead).await;
    assert_eq!(done["items"][0]["testimony_id"], id.to_string());
    assert_problem(t.accept(&t.lead, id).await, 409, "conflict").await;
    assert_problem(t.reject(&t.lead, id, "too late").await, 409, "conflict").await;
    for status in ["nonsense", "receiving"] {
        let path = format!("/api/v1/cases/{}/intake/submissions?status={status}", t.case);
        assert_eq!(app.get(&path, &t.lead).await.status(), 400, "{status}");
    }
}

#[tokio::test]
async fn a_bundle_of_an_accepted_testimony_carries_its_intake_custody() {
    let t = inbox().await;
    let app = &t.app;
    let id = t.submit(INTERVIEW, &files()).await;
    let accepted = expect(t.accept(&t.lead, id).await, 201, "accept").await;
    let witness = PersonId::from(accepted["witness_id"].as_str().unwrap());
    // The lead completes the draft (consent recorded) and seals it.
    let complete = NewTestimony::by(&witness).account("They came for me at night.");
    expect(
        app.call(Method::PUT, &format!("/api/v1/testimonies/{id}"), Some(&t.lead), Some(complete.json()))
            .await,
        200,
        "complete the draft",
    )
    .await;
    app.seal(&t.lead, &TestimonyId::from(id.to_string())).await;

    let view = app.export(&t.lead, &t.case, BundleRequest::to("prosecutors")).await;
    let res = app
        .get(&format!("/api/v1/cases/{}/bundles/{}/download", t.case, view["id"].as_str().unwrap()), &t.lead)
        .await;
    assert_eq!(res.status(), 200);
    let tar_bytes = res.bytes().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    tar::Archive::new(&tar_bytes[..]).unpack(dir.path()).unwrap();
    let bag = std::fs::read_dir(dir.path()).unwrap().next().unwrap().unwrap().path();
    let first_action = |kind: &str, record: &str| -> String {
        let path = bag.join(format!("data/custody/{kind}-{record}.json"));
        let doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let canonical: Value =
            serde_json::from_str(doc["entries"][0]["canonical"].as_str().unwrap()).unwrap();
        canonical["action"].as_str().unwrap().to_owned()
    };
    assert_eq!(first_action("testimony", &id.to_string()), "intake.open");
    for a in accepted["attachment_ids"].as_array().unwrap() {
        assert_eq!(first_action("attachment", a.as_str().unwrap()), "intake.file");
    }
}

#[tokio::test]
async fn only_the_case_lead_reviews_the_inbox() {
    let t = inbox().await;
    let app = &t.app;
    let id = t.submit(INTERVIEW, &files()).await;
    let view = app.get_json(&format!("/api/v1/intake/submissions/{id}"), &t.lead).await;
    let file = view["files"][0]["id"].as_str().unwrap().to_owned();

    // A member of the case who is not its lead is refused; the lead of another case and
    // the device itself do not learn the submission exists.
    let (member_id, member) = app.user_with_token(Role::Investigator).await;
    app.add_member(&t.case, member_id).await;
    let (_, other) = app.user_with_token(Role::Documenter).await;
    app.create_case(&other, NewCase::any()).await;
    for (token, statuses) in
        [(&member, &[403][..]), (&other, &[404][..]), (&t.device_token, &[401, 403, 404][..])]
    {
        for res in [
            t.pending(token).await,
            app.get(&format!("/api/v1/intake/submissions/{id}"), token).await,
            app.get(&format!("/api/v1/intake/files/{file}/content"), token).await,
            t.accept(token, id).await,
            t.reject(token, id, "not mine to refuse").await,
        ] {
            let status = res.status().as_u16();
            assert!(statuses.contains(&status), "{status} for {}", res.url());
        }
    }
    // A submission still arriving is the device's, not yet the inbox's.
    let arriving =
        app.state.intake.open_submission(&t.device, Channel::OpenRosa, "uuid:arriving").await.unwrap();
    assert_eq!(app.get(&format!("/api/v1/intake/submissions/{}", arriving.id), &t.lead).await.status(), 404);
    assert_eq!(t.accept(&t.lead, arriving.id).await.status(), 404);
    // Nothing was decided by any of them.
    assert_eq!(expect(t.pending(&t.lead).await, 200, "inbox").await["total"], 1);
    assert_eq!(
        app.get(&format!("/api/v1/intake/submissions/{}", Uuid::new_v4()), &t.lead).await.status(),
        404
    );
}

#[tokio::test]
async fn a_rejected_submission_keeps_its_record_and_loses_its_files() {
    let t = inbox().await;
    let app = &t.app;
    let id = t.submit(INTERVIEW, &files()).await;
    let blobs: Vec<Uuid> = {
        let sid = id.to_string();
        app.state
            .context()
            .read(move |c| {
                use custodia::store::schema::intake_files;
                Ok(intake_files::table
                    .filter(intake_files::submission_id.eq(sid))
                    .select(intake_files::blob_id)
                    .load::<Option<String>>(c)?)
            })
            .await
            .unwrap()
            .into_iter()
            .map(|b| Uuid::parse_str(&b.unwrap()).unwrap())
            .collect()
    };
    assert_eq!(blobs.len(), 2);
    for b in &blobs {
        assert!(app.state.attachments.blobs().open_blob(*b).is_ok());
    }

    let res = t.reject(&t.lead, id, "   ").await;
    assert_problem(res, 422, "validation_error").await;
    let reason = "Sent twice: the same interview came from the second phone.";
    assert_eq!(t.reject(&t.lead, id, reason).await.status(), 204);

    for b in &blobs {
        assert!(app.state.attachments.blobs().open_blob(*b).is_err(), "the file's blob is deleted");
    }
    let view = app.get_json(&format!("/api/v1/intake/submissions/{id}"), &t.lead).await;
    assert_eq!(view["status"], "rejected");
    assert_eq!(view["decision"]["reason"], reason);
    let files = view["files"].as_array().unwrap();
    assert_eq!(files.len(), 2, "the record of what arrived stays");
    assert!(files.iter().all(|f| f["available"] == false && f["sha256"].as_str().unwrap().len() == 64));
    let file = files[0]["id"].as_str().unwrap();
    assert_eq!(app.get(&format!("/api/v1/intake/files/{file}/content"), &t.lead).await.status(), 404);
    let custody: Vec<&str> =
        view["custody"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(custody.contains(&"intake.reject"), "{custody:?}");
    assert_problem(t.accept(&t.lead, id).await, 409, "conflict").await;
    assert_problem(t.reject(&t.lead, id, reason).await, 409, "conflict").await;
    let rejected =
        app.get_json(&format!("/api/v1/cases/{}/intake/submissions?status=rejected", t.case), &t.lead).await;
    assert_eq!(rejected["total"], 1);
    assert_eq!(expect(t.pending(&t.lead).await, 200, "inbox").await["total"], 0);
    // No testimony came of it.
    assert_eq!(app.get(&format!("/api/v1/testimonies/{id}"), &t.lead).await.status(), 404);
}

#[tokio::test]
async fn the_inbox_pages_render_for_the_lead_in_both_languages_and_decide_by_form() {
    let t = inbox().await;
    let app = &t.app;
    let lead: Browser = app.web_login(&t.lead_name).await;
    let first = t.submit(INTERVIEW, &files()).await;
    let second = t.submit(INTERVIEW, &[]).await;

    let case_page = app.page(&lead, &format!("/cases/{}", t.case)).await;
    let inbox = format!("/cases/{}/intake/submissions", t.case);
    assert!(case_page.contains(&format!("href=\"{inbox}\"")), "the case page links the inbox");
    for (lang, title, accept) in [
        ("en", "Submissions from the field", "Accept as a draft"),
        ("ru", "Поступления с мест", "Принять как черновик"),
    ] {
        let get = |path: String| {
            app.client
                .get(app.url(&path))
                .header("cookie", format!("custodia={}; lang={lang}", lead.cookie))
                .send()
        };
        let res = get(inbox.clone()).await.unwrap();
        assert_eq!(res.status(), 200);
        let html = res.text().await.unwrap();
        assert!(html.contains(title), "{lang}");
        assert!(
            html.contains(LABEL) || html.contains("Anna&#39;s phone") || html.contains("Anna&apos;s phone")
        );
        assert!(
            html.contains(&format!("/intake/submissions/{first}"))
                && html.contains(&format!("/intake/submissions/{second}"))
        );
        let res = get(format!("/intake/submissions/{first}")).await.unwrap();
        assert_eq!(res.status(), 200);
        let html = res.text().await.unwrap();
        assert!(html.contains(accept), "{lang}");
        assert!(html.contains("/data/intro/account") && html.contains("photo.jpg"));
        assert!(html.contains("intake.submission"), "the custody so far is shown");
        let file = crate::web::between(&html, "href=\"/intake/files/", "/content\"").unwrap().to_owned();
        let res = get(format!("/intake/files/{file}/content")).await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(sha256(&res.bytes().await.unwrap()), sha256(&files()[0].2));
    }

    // Without the form's token, nothing is decided.
    let res = app
        .client
        .post(app.url(&format!("/intake/submissions/{second}/reject")))
        .header("cookie", format!("custodia={}", lead.cookie))
        .form(&[("reason", "no token")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(expect(t.pending(&t.lead).await, 200, "inbox").await["total"], 2);

    // Rejected by form: an empty reason is shown again with its error; a reason rejects.
    let res = app.web_post(&lead, &format!("/intake/submissions/{second}/reject"), &[("reason", "")]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("id=\"reason-error\""));
    let res =
        app.web_post(&lead, &format!("/intake/submissions/{second}/reject"), &[("reason", "empty")]).await;
    assert_eq!(res.status(), 303);
    assert!(
        app.page(&lead, &format!("/intake/submissions/{second}")).await.contains("id=\"decision-reason\"")
    );
    // Accepted by form: on to the draft; accepting again says it was decided.
    let res = app.web_post(&lead, &format!("/intake/submissions/{first}/accept"), &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(crate::web::location(&res), format!("/testimonies/{first}"));
    let res = app.web_post(&lead, &format!("/intake/submissions/{first}/accept"), &[]).await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("id=\"decision-refused\""));
}

#[tokio::test]
async fn what_does_not_map_is_kept_and_an_empty_submission_cannot_become_a_draft() {
    let t = inbox().await;
    let app = &t.app;
    // Neither an account nor files: nothing to make a testimony of.
    let empty = t
        .submit("<data id=\"f\"><mood>calm</mood><meta><instanceID>INSTANCE</instanceID></meta></data>", &[])
        .await;
    let problem = assert_problem(t.accept(&t.lead, empty).await, 422, "validation_error").await;
    assert!(problem.to_string().contains("account"), "{problem}");
    assert_eq!(expect(t.pending(&t.lead).await, 200, "inbox").await["total"], 1, "still waiting");

    // An act type the vocabulary lacks makes no incident; its answers join the others,
    // and with no person named, the account's witness is recorded under a pseudonym.
    let doc = "<data id=\"f\"><account>Seen from the window.</account><incident_type>kidnapping</incident_type>\
               <incident_date>2025</incident_date><meta><instanceID>INSTANCE</instanceID></meta></data>";
    let id = t.submit(doc, &[]).await;
    let accepted = expect(t.accept(&t.lead, id).await, 201, "accept").await;
    assert!(accepted["incident_id"].is_null() && accepted["person_id"].is_null(), "{accepted}");
    let draft = app.get_json(&format!("/api/v1/testimonies/{id}"), &t.lead).await;
    assert_eq!(
        draft["account"],
        "Seen from the window.\n\nOther answers:\nincident_type: kidnapping\nincident_date: 2025"
    );
    assert_eq!(draft["witness"]["id"], accepted["witness_id"]);
    assert!(draft["witness"]["pseudonym"].as_str().unwrap().starts_with("W-"), "{draft}");
    assert_eq!(draft["incidents"], json!([]));
}

#[derive(diesel::QueryableByName)]
struct Line {
    #[diesel(sql_type = diesel::sql_types::Text)]
    line: String,
}

/// What a phone sends (an account, a name, a file's name and content) and what the lead
/// writes back (a reason) reaches neither the disk, the rows nor the logs in the clear.
#[tokio::test]
async fn no_canary_from_a_phone_or_the_inbox_reaches_disk_rows_or_logs() {
    let t = inbox().await;
    let app = &t.app;
    let tag = Uuid::new_v4().simple().to_string();
    let canary = |what: &str| format!("CANARY{tag}{what} Алина Канарейкина");
    let canaries: Vec<String> =
        ["account", "name", "other", "filename", "content", "reason"].iter().map(|w| canary(w)).collect();
    let doc = format!(
        "<data id=\"f\"><account>{}</account><person_name>{}</person_name><note>{}</note>\
         <meta><instanceID>INSTANCE</instanceID></meta></data>",
        canary("account"),
        canary("name"),
        canary("other")
    );
    let filename = format!("{}.txt", canary("filename"));
    let file = (filename.as_str(), "text/plain", canary("content").into_bytes());
    let accepted = t.submit(&doc, std::slice::from_ref(&file)).await;
    let rejected = t.submit(&doc, &[file]).await;
    for id in [accepted, rejected] {
        app.get_json(&format!("/api/v1/intake/submissions/{id}"), &t.lead).await;
    }
    expect(t.accept(&t.lead, accepted).await, 201, "accept").await;
    assert_eq!(t.reject(&t.lead, rejected, &canary("reason")).await.status(), 204);
    let view = app.get_json(&format!("/api/v1/intake/submissions/{rejected}"), &t.lead).await;
    assert_eq!(view["decision"]["reason"], canary("reason"), "and it all reads back");

    for (path, bytes) in app.bytes_at_rest() {
        crate::canary::assert_absent(&path.display().to_string(), &bytes, &canaries);
    }
    let mut rows = crate::canary::database_rows(app).await;
    if app.db.is_postgres() {
        let intake = app
            .state
            .context()
            .read(|c| {
                let mut lines = Vec::new();
                for table in ["intake_devices", "intake_submissions", "intake_files", "intake_chunks"] {
                    let sql = format!("SELECT CAST(row_to_json(t) AS TEXT) AS line FROM {table} t");
                    lines.extend(diesel::sql_query(sql).load::<Line>(c)?.into_iter().map(|r| r.line));
                }
                Ok(lines.join("\n"))
            })
            .await
            .unwrap();
        rows.push_str(&intake);
    }
    crate::canary::assert_absent("database rows", rows.as_bytes(), &canaries);
    crate::canary::assert_absent("logs", &captured_logs(), &canaries);
}
