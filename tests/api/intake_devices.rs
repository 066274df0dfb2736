//! Device accounts for field intake: the case lead makes one (its password answered
//! once), lists and revokes it; nobody else may; a device is a device (it cannot sign in
//! as a person, and once revoked it cannot submit); its page gives ODK Collect's settings
//! code (base64 of zlib of JSON) as a QR code with the same settings as text, in both
//! languages, never cached and with the password in no URL; its label never reaches the
//! disk, the rows or the logs. And the ready forms in docs/forms/ are pyxform's output
//! of their XLSForm sources, readable by the intake XML reader.

use std::io::Read;

use base64::Engine;
use custodia::access::{Allowed, act};
use custodia::domain::Role;
use custodia::error::Error;
use custodia::intake::devices::collect_settings;
use diesel::prelude::*;
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::canary::{assert_absent, database_rows};
use crate::helpers::*;
use crate::web::{Browser, between};

/// A case led by a documenter, with an investigator as a plain member and an outsider.
struct Case {
    app: TestApp,
    lead: String,
    member: String,
    outsider: String,
    case: CaseId,
}

async fn case() -> Case {
    let app = spawn_app().await;
    let (_, lead) = app.user_with_token(Role::Documenter).await;
    let case = app.create_case(&lead, NewCase::any()).await.id;
    let (member_id, member) = app.user_with_token(Role::Investigator).await;
    app.add_member(case.clone(), member_id).await;
    let (_, outsider) = app.user_with_token(Role::Documenter).await;
    Case { app, lead, member, outsider, case }
}

impl Case {
    fn devices(&self) -> String {
        format!("/api/v1/cases/{}/intake/devices", self.case)
    }

    async fn create(&self, label: &str) -> Value {
        let res = self.app.post(&self.devices(), &self.lead, json!({ "label": label })).await;
        expect(res, 201, "create a device").await
    }
}

/// The settings a code carries: base64, then zlib, then JSON.
fn unpack(code: &str) -> Value {
    let packed = base64::engine::general_purpose::STANDARD.decode(code).expect("base64");
    let mut json = String::new();
    flate2::read::ZlibDecoder::new(&packed[..]).read_to_string(&mut json).expect("zlib");
    serde_json::from_str(&json).expect("JSON")
}

#[tokio::test]
async fn the_lead_makes_lists_and_revokes_a_device_that_can_only_submit() {
    let t = case().await;
    let app = &t.app;
    let made = t.create("Anna's phone").await;
    let password = made["password"].as_str().unwrap().to_owned();
    let username = made["device"]["username"].as_str().unwrap().to_owned();
    let id = made["device"]["id"].as_str().unwrap().to_owned();
    assert!(password.chars().count() >= 20, "{password}");
    assert!(username.starts_with("device-"), "{username}");
    assert_eq!(made["device"]["label"], "Anna's phone");
    assert_eq!(made["device"]["case_id"], t.case.as_str());
    assert!(made["device"]["revoked_at"].is_null());

    // Listed without its password, which is never shown again.
    let listed = app.get_json(&t.devices(), &t.lead).await;
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["items"][0]["id"], id.as_str());
    assert_eq!(listed["items"][0]["label"], "Anna's phone");
    assert!(!listed.to_string().contains(&password));
    let hash: String = {
        let id = id.clone();
        app.state
            .context()
            .read(move |c| {
                use custodia::store::schema::users;
                Ok(users::table.find(id).select(users::password_hash).first::<String>(c)?)
            })
            .await
            .unwrap()
    };
    assert!(hash.starts_with("$argon2id$"), "hashed as people's passwords are");

    // A device account: it passes the device check, and is not a person.
    let device =
        app.state.auth.verify_device(&username, SecretString::from(password.clone()), None).await.unwrap();
    assert_eq!(device.role, Role::Intake);
    let submitting = Allowed::<act::IntakeSubmit>::check(device.clone()).unwrap();
    let bound = app.state.intake.device(submitting).await.unwrap();
    assert_eq!(bound.case_id.to_string(), t.case.as_str());
    let res = app.login_response(&username, &password, None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "the person login refuses a device");
    assert!(app.get_json(&t.devices(), &t.lead).await["items"][0]["last_seen_at"].is_string());

    // Revoked: its password and the principal it had both stop working.
    let res = app.post(&format!("/api/v1/intake/devices/{id}/revoke"), &t.lead, json!({})).await;
    let revoked = expect(res, 200, "revoke").await;
    assert!(revoked["revoked_at"].is_string());
    let again = app.state.auth.verify_device(&username, SecretString::from(password.clone()), None).await;
    assert!(matches!(again, Err(Error::InvalidCredentials)), "{again:?}");
    let submitting = Allowed::<act::IntakeSubmit>::check(device).unwrap();
    let refused = app.state.intake.device(submitting).await;
    assert!(matches!(refused, Err(Error::Unauthenticated)), "{refused:?}");
    let res = app.post(&format!("/api/v1/intake/devices/{id}/revoke"), &t.lead, json!({})).await;
    assert_problem(res, 409, "conflict").await;
    assert_eq!(app.get_json(&t.devices(), &t.lead).await["items"][0]["revoked_at"], revoked["revoked_at"]);

    let actions = app.audit_actions().await;
    for action in ["intake.device_create", "intake.device_list", "intake.device_revoke"] {
        assert!(actions.iter().any(|a| a == action), "{action} audited");
    }
}

#[tokio::test]
async fn a_new_password_replaces_the_old_one() {
    let t = case().await;
    let made = t.create("Boris's tablet").await;
    let (id, old) = (made["device"]["id"].as_str().unwrap(), made["password"].as_str().unwrap());
    let username = made["device"]["username"].as_str().unwrap();
    let res = t.app.post(&format!("/api/v1/intake/devices/{id}/password"), &t.lead, json!({})).await;
    let reset = expect(res, 200, "new password").await;
    let new = reset["password"].as_str().unwrap();
    assert_ne!(new, old);
    let auth = &t.app.state.auth;
    assert!(auth.verify_device(username, SecretString::from(old.to_owned()), None).await.is_err());
    assert!(auth.verify_device(username, SecretString::from(new.to_owned()), None).await.is_ok());
}

#[tokio::test]
async fn only_the_case_lead_manages_its_devices() {
    let t = case().await;
    let app = &t.app;
    let id = t.create("Anna's phone").await["device"]["id"].as_str().unwrap().to_owned();
    let revoke = format!("/api/v1/intake/devices/{id}/revoke");
    let body = json!({ "label": "Intruder's phone" });
    assert_problem(app.get(&t.devices(), &t.member).await, 403, "forbidden").await;
    assert_problem(app.post(&t.devices(), &t.member, body.clone()).await, 403, "forbidden").await;
    assert_problem(app.post(&revoke, &t.member, json!({})).await, 403, "forbidden").await;
    assert_problem(app.get(&t.devices(), &t.outsider).await, 404, "not_found").await;
    assert_problem(app.post(&t.devices(), &t.outsider, body.clone()).await, 404, "not_found").await;
    assert_problem(app.post(&revoke, &t.outsider, json!({})).await, 404, "not_found").await;
    // Admins make accounts, but not a case's devices: they read no case.
    assert_problem(app.post(&t.devices(), &app.admin, body).await, 404, "not_found").await;
    let unknown = format!("/api/v1/intake/devices/{}/revoke", uuid::Uuid::new_v4());
    assert_problem(app.post(&unknown, &t.lead, json!({})).await, 404, "not_found").await;
    let blank = app.post(&t.devices(), &t.lead, json!({ "label": " " })).await;
    assert_problem(blank, 422, "validation_error").await;
    let listed = app.get_json(&t.devices(), &t.lead).await;
    assert_eq!(listed["total"], 1, "nothing was made by the refusals");
    assert!(listed["items"][0]["revoked_at"].is_null());
}

/// What the device's page gives ODK Collect works against the OpenRosa server: the form
/// list answers the generated name and password with the case's forms, and once the
/// device is revoked it answers 401 with the challenge Collect asks for a password on.
#[tokio::test]
async fn the_devices_credentials_open_the_openrosa_form_list_until_revoked() {
    let t = case().await;
    let app = &t.app;
    let made = t.create("Anna's phone").await;
    let (id, username) =
        (made["device"]["id"].as_str().unwrap(), made["device"]["username"].as_str().unwrap());
    let password = made["password"].as_str().unwrap();
    let xform = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/forms/incident-report.xml"),
    )
    .unwrap();
    let res = app
        .client
        .post(app.url(&format!("/api/v1/cases/{}/intake/forms", t.case)))
        .bearer_auth(&t.lead)
        .header("content-type", "text/xml")
        .body(xform)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let form_list = || {
        app.client
            .get(app.url("/openrosa/formList"))
            .header("X-OpenRosa-Version", "1.0")
            .basic_auth(username, Some(password))
            .send()
    };
    let res = form_list().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("custodia_incident_report"));
    let res = app.post(&format!("/api/v1/intake/devices/{id}/revoke"), &t.lead, json!({})).await;
    expect(res, 200, "revoke").await;
    let res = form_list().await.unwrap();
    assert_eq!(res.status(), 401);
    assert!(res.headers()["www-authenticate"].to_str().unwrap().starts_with("Basic"));
}

#[test]
fn the_settings_code_is_zlib_compressed_json_in_base64() {
    let code = collect_settings("https://c.example/openrosa", "device-x", &SecretString::from("pw")).unwrap();
    let settings = unpack(&code);
    assert_eq!(
        settings,
        json!({
            "general": { "server_url": "https://c.example/openrosa", "username": "device-x", "password": "pw" },
            "admin": {}
        })
    );
}

/// The device's page, as the browser gets it in `lang`: made by posting the form.
async fn created_page(app: &TestApp, b: &Browser, case: &CaseId, lang: &str) -> (reqwest::Response, String) {
    let path = format!("/cases/{case}/intake/devices");
    let res = app
        .client
        .post(app.url(&path))
        .header("cookie", format!("custodia={}; lang={lang}", b.cookie))
        .form(&[("csrf", b.csrf.as_str()), ("label", "Anna's phone")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.url().path(), path, "answered in place, no redirect");
    (res, path)
}

#[tokio::test]
async fn the_device_page_shows_collects_qr_code_and_tellas_details_once_uncached() {
    let app = spawn_app().await;
    let (_, lead) = app.web_user(Role::Documenter).await;
    let res = app.web_post(&lead, "/cases/new", &[("reference", "DEV-1"), ("title", "Devices")]).await;
    let case = CaseId::from(crate::web::location(&res).trim_start_matches("/cases/"));
    let case_page = app.page(&lead, &format!("/cases/{case}")).await;
    assert!(case_page.contains(&format!("href=\"/cases/{case}/intake/devices\"")), "linked for the lead");

    for (lang, heading, password_label) in
        [("en", "Connect the phone", "Password"), ("ru", "Подключите телефон", "Пароль")]
    {
        let (res, _) = created_page(&app, &lead, &case, lang).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["cache-control"], "no-store");
        assert!(res.headers().get("location").is_none());
        let html = res.text().await.unwrap();
        assert!(html.contains(&format!("lang=\"{lang}\"")) && html.contains(heading), "{lang}");
        assert!(html.contains(password_label));
        let text = |id: &str| between(&html, &format!("id=\"{id}\">"), "<").unwrap().to_owned();
        let (server, username, password) = (text("server-url"), text("username"), text("password"));
        assert!(server.ends_with("/openrosa"), "{server}");
        assert!(password.chars().count() >= 20);
        assert_eq!(
            text("project-url"),
            format!(
                "{}/api/v1/tella/p/{}",
                server.trim_end_matches("/openrosa"),
                case.as_str().replace('-', "")
            )
        );
        // The password is in no link, form target or other URL of the page.
        for attr in ["href=\"", "action=\"", "src=\""] {
            for url in html.split(attr).skip(1).filter_map(|s| s.split('"').next()) {
                assert!(!url.contains(&password), "{url}");
            }
        }
        // The QR code is ODK Collect's settings code for exactly these settings.
        let code = collect_settings(&server, &username, &SecretString::from(password.clone())).unwrap();
        let settings = unpack(&code);
        assert_eq!(settings["general"]["username"], username.as_str());
        assert_eq!(settings["general"]["password"], password.as_str());
        let drawn = qrcode::QrCode::new(code.as_bytes())
            .unwrap()
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(264, 264)
            .build();
        let modules = between(&drawn, "<path fill=\"#000\" d=\"", "\"").unwrap();
        assert!(html.contains(modules), "the page draws the settings code");
        assert!(!html.contains("<?xml"), "an SVG element, not a document, inside the page");
        // Tella's details as text; no script needed.
        assert!(html.contains("Tella"));
    }
    let listing = app.page(&lead, &format!("/cases/{case}/intake/devices")).await;
    assert_eq!(listing.matches("/revoke\"").count(), 2, "two devices with a revoke button");

    // A member who does not lead the case gets no devices page.
    let (member_id, member) = app.web_user(Role::Investigator).await;
    app.add_member(case.as_str(), member_id).await;
    assert_eq!(app.web_get(&member, &format!("/cases/{case}/intake/devices")).await.status(), 403);
}

#[tokio::test]
async fn revoking_from_the_page_returns_to_the_list() {
    let app = spawn_app().await;
    let (_, lead) = app.web_user(Role::Documenter).await;
    let res = app.web_post(&lead, "/cases/new", &[("reference", "DEV-2"), ("title", "Devices")]).await;
    let case = crate::web::location(&res).trim_start_matches("/cases/").to_owned();
    let res =
        app.web_post(&lead, &format!("/cases/{case}/intake/devices"), &[("label", "Anna's phone")]).await;
    assert_eq!(res.status(), 200);
    let listing = app.page(&lead, &format!("/cases/{case}/intake/devices")).await;
    let revoke = between(&listing, "action=\"/intake/devices/", "\"").unwrap();
    let res = app.web_post(&lead, &format!("/intake/devices/{revoke}"), &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(crate::web::location(&res), format!("/cases/{case}/intake/devices?done=revoked"));
    let listing = app.page(&lead, &format!("/cases/{case}/intake/devices?done=revoked")).await;
    assert!(listing.contains("Revoked") && !listing.contains("/revoke\""));
    let blank = app.web_post(&lead, &format!("/cases/{case}/intake/devices"), &[("label", "")]).await;
    assert_eq!(blank.status(), 422, "a device needs a label");
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = diesel::sql_types::Text)]
    line: String,
}

#[tokio::test]
async fn no_device_label_or_password_reaches_disk_rows_or_logs() {
    let t = case().await;
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let label = format!("CANARY{tag} телефон Алины Канарейкиной");
    let made = t.create(&label).await;
    let password = made["password"].as_str().unwrap().to_owned();
    assert_eq!(t.app.get_json(&t.devices(), &t.lead).await["items"][0]["label"], label.as_str());
    let canaries = vec![label, password];
    for (path, bytes) in t.app.bytes_at_rest() {
        assert_absent(&path.display().to_string(), &bytes, &canaries);
    }
    let mut rows = database_rows(&t.app).await;
    rows.push_str(
        &t.app
            .state
            .context()
            .read(|c| {
                let sql = match c {
                    #[cfg(feature = "postgres")]
                    custodia::store::DbConnection::Postgres(_) => {
                        "SELECT CAST(row_to_json(t) AS TEXT) AS line FROM (SELECT d.*, u.password_hash \
                         FROM intake_devices d JOIN users u ON u.id = d.user_id) t"
                    }
                    // SQLite: its file and WAL were searched byte by byte above.
                    #[allow(unreachable_patterns)]
                    _ => return Ok(String::new()),
                };
                let lines = diesel::sql_query(sql).load::<Line>(c)?;
                Ok(lines.into_iter().map(|l| l.line).collect::<Vec<_>>().join("\n"))
            })
            .await
            .unwrap(),
    );
    assert_absent("database rows", rows.as_bytes(), &canaries);
    assert_absent("logs", &captured_logs(), &canaries);
}

/// The ready forms: pyxform, run on the committed sources now, writes exactly the
/// committed XForms, which the intake XML reader reads with their form ids and versions
/// and the field names of the mapping convention.
#[test]
fn the_ready_forms_are_pyxforms_output_of_their_sources() {
    let forms = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/forms");
    let out = tempfile::tempdir().unwrap();
    let built = std::process::Command::new("bash")
        .arg(forms.join("build.sh"))
        .arg(out.path())
        .output()
        .expect("bash runs docs/forms/build.sh");
    assert!(
        built.status.success(),
        "docs/forms/build.sh failed (pyxform 4.5.0 is needed: .ci/run installs it): {}",
        String::from_utf8_lossy(&built.stderr)
    );
    let expected = [
        (
            "testimony-intake",
            "custodia_testimony_intake",
            &["consent", "language", "account", "person_name"][..],
        ),
        (
            "incident-report",
            "custodia_incident_report",
            &["consent", "incident_type", "incident_description"][..],
        ),
    ];
    for (name, form_id, fields) in expected {
        let committed = std::fs::read(forms.join(format!("{name}.xml"))).unwrap();
        let fresh = std::fs::read(out.path().join(format!("{name}.xml"))).unwrap();
        assert!(
            committed == fresh,
            "docs/forms/{name}.xml is not pyxform's output of {name}.md: run docs/forms/build.sh"
        );
        let root = custodia::intake::xml::parse(&committed).unwrap();
        let data = root.find(&["head", "model", "instance"]).and_then(|i| i.elements().next()).unwrap();
        assert_eq!(data.attribute("id"), Some(form_id));
        assert_eq!(data.attribute("version"), Some("2026120501"));
        assert!(data.find(&["meta", "instanceID"]).is_some());
        let names: Vec<&str> = data.elements().map(|e| e.name.as_str()).collect();
        for field in fields {
            assert!(names.contains(field), "{name}: {field} in {names:?}");
        }
        // Both languages.
        let text = String::from_utf8(committed).unwrap();
        assert!(text.contains("lang=\"English (en)\"") && text.contains("lang=\"Russian (ru)\""));
    }
}

/// The forms page: the lead publishes the ready testimony form (unencrypted here: the
/// encrypted path needs the case key of ODK's encryption), sees it listed with its id and
/// version, is told a second copy of the same version is refused, and retires it.
#[tokio::test]
async fn the_lead_publishes_and_retires_a_form_from_the_page() {
    use reqwest::multipart::{Form, Part};
    let app = spawn_app().await;
    let (_, lead) = app.web_user(Role::Documenter).await;
    let res = app.web_post(&lead, "/cases/new", &[("reference", "FRM-1"), ("title", "Forms")]).await;
    let case = crate::web::location(&res).trim_start_matches("/cases/").to_owned();
    let path = format!("/cases/{case}/intake/forms");
    let page = app.page(&lead, &path).await;
    assert!(page.contains("name=\"encrypted\" value=\"1\" checked"), "encryption is on by default");
    let xform = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/forms/testimony-intake.xml"),
    )
    .unwrap();
    let upload = |csrf: &str| {
        let part = Part::bytes(xform.clone()).file_name("testimony-intake.xml").mime_str("text/xml").unwrap();
        let form = Form::new().text("csrf", csrf.to_owned()).part("xform", part);
        app.client
            .post(app.url(&path))
            .header("cookie", format!("custodia={}", lead.cookie))
            .multipart(form)
            .send()
    };
    assert_eq!(upload("not-the-token").await.unwrap().status(), 403);
    let res = upload(&lead.csrf).await.unwrap();
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    assert_eq!(crate::web::location(&res), format!("{path}?done=published"));
    let page = app.page(&lead, &path).await;
    assert!(page.contains("custodia_testimony_intake") && page.contains("2026120501"));
    let res = upload(&lead.csrf).await.unwrap();
    assert_eq!(res.status(), 409, "the same version twice");
    let retire = between(&page, &format!("action=\"{path}/"), "\"").unwrap();
    let res = app.web_post(&lead, &format!("{path}/{retire}"), &[]).await;
    assert_eq!(res.status(), 303);
    let page = app.page(&lead, &format!("{path}?done=retired")).await;
    assert!(page.contains("Retired") && !page.contains("/retire\""));
    let (member_id, member) = app.web_user(Role::Investigator).await;
    app.add_member(case.as_str(), member_id).await;
    assert_eq!(app.web_get(&member, &path).await.status(), 403);
}
