//! The case lead's forms API: publish (id and version read from the form), refusals,
//! who may.

use custodia::domain::Role;

use super::*;

#[tokio::test]
async fn only_the_lead_publishes_and_a_version_is_published_once() {
    let field = Field::new().await;
    let made = expect(field.publish(&xform("intake", "1"), false).await, 201, "publish").await;
    assert_eq!(made["hash"].as_str().unwrap().len(), 36);
    assert_problem(field.publish(&xform("intake", "1"), false).await, 409, "conflict").await;
    expect(field.publish(&xform("intake", "2"), false).await, 201, "a new version").await;
    let unversioned = xform("intake", "1").replace(r#" version="1""#, "");
    let made = expect(field.publish(&unversioned, false).await, 201, "no version").await;
    assert_eq!(made["version"], "");
    let no_id = xform("intake", "1").replace(r#"id="intake" "#, "");
    assert_problem(field.publish(&no_id, false).await, 400, "bad_request").await;
    assert_problem(field.publish("not xml", false).await, 400, "bad_request").await;
    let huge =
        xform("intake", "3").replace("<account/>", &format!("<account>{}</account>", "a".repeat(1 << 20)));
    assert_eq!(field.publish(&huge, false).await.status(), 413);

    // A member who is not the lead, and a stranger.
    let (member, token) = field.app.user_with_token(Role::Documenter).await;
    field.app.add_member(field.case.clone(), member).await;
    let res = publish(&field.app, &token, &field.case, &xform("intake", "9"), false).await;
    assert!([403, 404].contains(&res.status().as_u16()), "{}", res.status());
    let (_, stranger) = field.app.user_with_token(Role::Documenter).await;
    assert_eq!(publish(&field.app, &stranger, &field.case, &xform("intake", "9"), false).await.status(), 404);
    let path = format!("/api/v1/cases/{}/intake/forms", field.case);
    assert_eq!(field.app.get(&path, &stranger).await.status(), 404);
    let listed = field.app.get_json(&path, &field.lead).await;
    assert_eq!(listed["total"], 3);
    let actions = field.app.audit_actions().await;
    assert_eq!(actions.iter().filter(|a| *a == "intake.form_publish").count(), 3);
}
