//! Bad input over OpenRosa: each refused with the status the protocol gives it and an
//! `OpenRosaResponse` message the phone shows, and nothing half-made left behind.

use super::*;

const V: &str = "2024010101";

async fn field_with_form() -> Field {
    let field = Field::new().await;
    expect(field.publish(&xform("intake", V), false).await, 201, "publish").await;
    field
}

fn iid() -> String {
    format!("uuid:{}", uuid::Uuid::new_v4())
}

#[tokio::test]
async fn a_form_of_another_case_an_unknown_version_and_a_retired_form_are_refused() {
    let field = field_with_form().await;
    // Another case of the same lead has a form this device's case has not.
    let other = field.app.create_case(&field.lead, NewCase::any()).await.id;
    expect(publish(&field.app, &field.lead, &other, &xform("elsewhere", V), false).await, 201, "publish")
        .await;
    let listed = field.client(&["formlist"]);
    assert_eq!(listed["forms"].as_array().unwrap().len(), 1, "only the device's case's forms: {listed}");

    let message = refused(&field.submit(&instance("elsewhere", V, &iid(), "x"), &[]), 400);
    assert!(message.contains("does not know the form"), "{message}");
    let message =
        refused(&field.submit(&instance("intake", "999", &iid(), "x"), &[("photo.jpg", b"jpg")]), 400);
    assert!(message.contains("version"), "{message}");
    let nameless = r#"<data><account>x</account><meta><instanceID>uuid:1</instanceID></meta></data>"#;
    refused(&field.submit(nameless, &[]), 400);
    let no_instance = format!(r#"<data id="intake" version="{V}"><account>x</account></data>"#);
    refused(&field.submit(&no_instance, &[]), 400);

    // Retired: gone from the list, its submissions refused.
    let forms = field.app.get_json(&format!("/api/v1/cases/{}/intake/forms", field.case), &field.lead).await;
    let form = forms["items"][0]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/cases/{}/intake/forms/{form}/retire", field.case);
    let retired =
        expect(field.app.post(&path, &field.lead, serde_json::json!({})).await, 200, "retire").await;
    assert!(retired["retired_at"].is_string());
    assert_eq!(field.client(&["formlist"])["forms"].as_array().unwrap().len(), 0);
    let message = refused(&field.submit(&instance("intake", V, &iid(), "x"), &[]), 400);
    assert!(message.contains("retired"), "{message}");

    assert_eq!(stored(&field.app, &field.case).await, (0, 0, vec![]), "nothing half-made");
}

#[tokio::test]
async fn a_dtd_an_external_entity_and_a_billion_laughs_are_refused() {
    let field = field_with_form().await;
    let xxe = format!(
        r#"<?xml version="1.0"?><!DOCTYPE data [<!ENTITY x SYSTEM "file:///etc/passwd">]><data id="intake" version="{V}"><account>&x;</account><meta><instanceID>{}</instanceID></meta></data>"#,
        iid()
    );
    let mut laughs = String::from(r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">"#);
    for i in 1..10 {
        let prev = if i == 1 { "lol".to_owned() } else { format!("lol{}", i - 1) };
        laughs.push_str(&format!(r#"<!ENTITY lol{i} "{}">"#, format!("&{prev};").repeat(10)));
    }
    laughs.push_str(&format!(
        r#"]><data id="intake" version="{V}"><account>&lol9;</account><meta><instanceID>{}</instanceID></meta></data>"#,
        iid()
    ));
    let undeclared = format!(
        r#"<data id="intake" version="{V}"><account>&x;</account><meta><instanceID>{}</instanceID></meta></data>"#,
        iid()
    );
    for doc in [&xxe, &laughs, &undeclared] {
        let message = refused(&field.submit(doc, &[("photo.jpg", b"jpg")]), 400);
        assert!(message.contains("XML was refused"), "{message}");
        assert!(!message.contains("root:"), "no file was read");
    }
    // The lead's form upload goes through the same reader.
    let res = field.publish(&xxe.replace("<data", "<h:html><data"), false).await;
    assert_problem(res, 400, "bad_request").await;
    assert_eq!(stored(&field.app, &field.case).await, (0, 0, vec![]));
}

#[tokio::test]
async fn a_media_part_over_the_limit_is_413_and_leaves_nothing() {
    let field = Field::with(|s| s.storage.max_attachment_bytes = 32 * 1024).await;
    expect(field.publish(&xform("intake", V), false).await, 201, "publish").await;
    let big = vec![1u8; 40 * 1024];
    let sent =
        field.submit(&instance("intake", V, &iid(), "x"), &[("voice.m4a", b"small"), ("photo.jpg", &big)]);
    refused(&sent, 413);
    assert_eq!(stored(&field.app, &field.case).await, (0, 0, vec![]), "the opened submission is gone");
    assert!(field.app.stored_blobs().is_empty(), "and no blob stays");
}

#[tokio::test]
async fn a_revoked_or_disabled_device_and_wrong_passwords_are_refused_then_throttled() {
    use custodia::store::schema::{intake_devices, users};
    let field = field_with_form().await;
    let server = field.server();

    // Wrong passwords: 401 with the challenge, then 429 for the account.
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let got = run_client(&server, &field.device, "wrong password", &["formlist"]);
        assert!(got["message"].is_string(), "an OpenRosaResponse: {got}");
        statuses.push(got["status"].as_u64().unwrap());
    }
    assert_eq!(statuses[0], 401);
    assert_eq!(statuses[5], 429, "{statuses:?}");
    let got = run_client(&server, &field.device, "wrong password", &["formlist"]);
    assert_eq!(got["status"], 429);
    assert_eq!(got["openrosa_version"], "1.0");

    // Revoked (a second device: the first is throttled).
    let (phone, id) = add_device(&field.app, &field.case).await;
    assert_eq!(run_client(&server, &phone, PASSWORD, &["head"])["status"], 204);
    let user = id.to_string();
    let now = chrono::Utc::now().naive_utc();
    field
        .app
        .state
        .context()
        .write_plain(move |c| {
            diesel::update(intake_devices::table.find(&user))
                .set(intake_devices::revoked_at.eq(now))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    let got = run_client(&server, &phone, PASSWORD, &["head"]);
    assert_eq!(got["status"], 401, "{got}");
    assert_eq!(got["www_authenticate"], "Basic realm=\"Custodia\"");
    let (_dir, xml, _) = files(&instance("intake", V, &iid(), "x"), &[]);
    let sent = run_client(&server, &phone, PASSWORD, &["submit", xml.to_str().unwrap()]);
    refused(&sent, 401);

    // Disabled account.
    let (phone, id) = add_device(&field.app, &field.case).await;
    let user = id.to_string();
    field
        .app
        .state
        .context()
        .write_plain(move |c| {
            diesel::update(users::table.find(&user)).set(users::disabled.eq(true)).execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(run_client(&server, &phone, PASSWORD, &["formlist"])["status"], 401);
    assert_eq!(stored(&field.app, &field.case).await, (0, 0, vec![]));
}
