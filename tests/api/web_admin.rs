//! The administrator's and the auditor's screens, driven as a browser would: forms
//! posted with their CSRF token, redirects followed by hand, and the effect checked
//! where it shows (another user's session, the start page, the log).

use reqwest::StatusCode;

use crate::helpers::*;
use crate::web::{Browser, between, location};
use custodia::domain::Role;

impl TestApp {
    /// The admin every test starts with, signed in through the form.
    async fn web_admin(&self) -> (uuid::Uuid, Browser) {
        let id = self.state.auth.find_user_id("admin").await.unwrap();
        (id, self.web_login("admin").await)
    }

    /// A case opened through the API by the admin: (id, reference).
    async fn admin_case(&self, title: &str) -> (String, String) {
        let reference = unique("ADM");
        let case = self.create_case(&self.admin, NewCase::new(&reference, title)).await;
        (case.id.0, reference)
    }

    async fn audit_entries(&self) -> Vec<custodia::audit::StoredEntry> {
        self.state.context().read(|c| custodia::audit::recent(c, 1000)).await.unwrap()
    }
}

fn title(html: &str) -> &str {
    between(html, "<title>", "</title>").unwrap()
}

#[tokio::test]
async fn the_overview_shows_the_system_status_in_the_readers_language() {
    let app = spawn_app().await;
    let (_, admin) = app.web_admin().await;
    let html = app.page(&admin, "/admin").await;
    assert!(html.contains(env!("CARGO_PKG_VERSION")), "the version");
    let backend = if app.db.is_postgres() { "postgres" } else { "sqlite" };
    assert!(html.contains(backend), "the database backend");
    assert!(html.contains("All applied"), "no pending migrations");
    for section in ["/admin/users", "/admin/roles", "/admin/cases", "/admin/keys"] {
        assert!(html.contains(&format!("href=\"{section}\"")), "a link to {section}");
    }
    assert!(html.contains("aria-current=\"page\""), "the navigation marks the section");
    let res = app
        .client
        .get(app.url("/admin"))
        .header("cookie", format!("custodia={}; lang=ru", admin.cookie))
        .send()
        .await
        .unwrap();
    let html = res.text().await.unwrap();
    assert!(html.contains("Состояние системы") && html.contains("Все применены"), "{html}");
}

#[tokio::test]
async fn an_admin_creates_a_user_through_the_form_who_can_then_sign_in() {
    let app = spawn_app().await;
    let (_, admin) = app.web_admin().await;
    let form = app.page(&admin, "/admin/users/new").await;
    assert!(form.contains("<label for=\"username\"") && form.contains("<select id=\"role\""));

    // Errors come back next to their fields, with what was typed kept (not the password).
    let res = app
        .web_post(&admin, "/admin/users", &[("username", "x!"), ("role", "lawyer"), ("password", "short")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"username-error\"") && html.contains("id=\"password-error\""), "{html}");
    assert!(html.contains("At least 12 characters"));
    assert!(html.contains("value=\"x!\"") && !html.contains("value=\"short\""));
    assert!(html.contains("<option value=\"lawyer\" selected"), "the chosen role is kept");

    let res = app
        .web_post(
            &admin,
            "/admin/users",
            &[("username", "nadia"), ("role", "lawyer"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = location(&res);
    assert!(page.starts_with("/admin/users/") && page.ends_with("?done=user-created"), "{page}");
    let html = app.page(&admin, &page).await;
    assert!(html.contains("The account was created") && html.contains("Lawyer"));
    assert!(!title(&html).contains("nadia"), "titles name no one");
    assert!(app.page(&admin, "/admin/users").await.contains(">nadia</a>"));

    // The same name again is refused on the field.
    let res = app
        .web_post(
            &admin,
            "/admin/users",
            &[("username", "nadia"), ("role", "lawyer"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("Another record already has this"));

    let nadia = app.web_login("nadia").await;
    let html = app.page(&nadia, "/").await;
    assert!(html.contains("not a member of any case"), "the new lawyer is in");
    assert!(app.audit_actions().await.contains(&"user.create".to_owned()));
}

#[tokio::test]
async fn an_admin_changes_a_role_and_disables_a_user_whose_session_then_stops() {
    let app = spawn_app().await;
    let (admin_id, admin) = app.web_admin().await;
    let id = app.add_user("dima", Role::Documenter).await;
    let dima = app.web_login("dima").await;
    assert_eq!(app.web_get(&dima, "/").await.status(), StatusCode::OK);

    let res = app.web_post(&admin, &format!("/admin/users/{id}/role"), &[("role", "investigator")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = app.page(&admin, &location(&res)).await;
    assert!(html.contains("The role was changed"));
    assert!(html.contains("<option value=\"investigator\" selected"), "the new role is shown");
    assert_eq!(
        app.web_get(&dima, "/").await.status(),
        StatusCode::SEE_OTHER,
        "a new role starts a new session"
    );
    let entries = app.audit_entries().await;
    let change = entries.iter().find(|e| e.action == "user.role_change").expect("audited");
    assert!(change.details.contains("investigator") && change.actor_user_id == Some(admin_id.to_string()));

    let dima = app.web_login("dima").await;
    // The user's page leads to a confirmation step; posting without it only asks.
    let html = app.page(&admin, &format!("/admin/users/{id}")).await;
    assert!(html.contains(&format!("href=\"/admin/users/{id}/disable\"")), "a link to the confirmation");
    for res in [
        app.web_get(&admin, &format!("/admin/users/{id}/disable")).await,
        app.web_post(&admin, &format!("/admin/users/{id}/disable"), &[]).await,
    ] {
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        assert!(html.contains("Disable dima?") && html.contains("name=\"confirm\" value=\"yes\""), "{html}");
    }
    assert_eq!(app.web_get(&dima, "/").await.status(), StatusCode::OK, "not disabled by asking");
    assert!(!app.audit_actions().await.contains(&"user.disable".to_owned()));
    let res = app.web_post(&admin, &format!("/admin/users/{id}/disable"), &[("confirm", "yes")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = app.page(&admin, &location(&res)).await;
    assert!(html.contains("The account was disabled") && html.contains("Enable the account"));
    let res = app.web_get(&dima, "/").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "the disabled user's session stopped working");
    assert_eq!(location(&res), "/login?ended=1");
    let res =
        app.client.post(app.url("/login")).form(&[("username", "dima"), ("password", PASSWORD)]).send().await;
    assert_eq!(res.unwrap().status(), StatusCode::UNAUTHORIZED, "and they cannot sign in again");
    assert!(app.page(&admin, "/admin/users").await.contains("Disabled"));

    // An admin cannot lock themselves out.
    let html = app.page(&admin, &format!("/admin/users/{admin_id}")).await;
    assert!(html.contains("cannot disable your own account") && !html.contains("/disable\""));
    let res = app.web_post(&admin, &format!("/admin/users/{admin_id}/disable"), &[("confirm", "yes")]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("cannot disable your own account"));

    let res = app.web_post(&admin, &format!("/admin/users/{id}/enable"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res =
        app.web_post(&admin, &format!("/admin/users/{id}/password"), &[("password", "too short")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("id=\"password-error\""), "the error is next to the field");
    let res = app
        .web_post(&admin, &format!("/admin/users/{id}/password"), &[("password", "a new and long password")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[("username", "dima"), ("password", "a new and long password")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "enabled again, with the new password");
}

#[tokio::test]
async fn an_admin_toggles_the_second_factor_rule_of_a_role() {
    let app = spawn_app().await;
    let (_, admin) = app.web_admin().await;
    let html = app.page(&admin, "/admin/roles").await;
    assert!(html.contains("action=\"/admin/roles/lawyer\""));
    let res = app.web_post(&admin, "/admin/roles/lawyer", &[("totp_required", "yes")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let policies = app.state.auth.role_policies().await.unwrap();
    assert!(policies.iter().any(|p| p.role == Role::Lawyer && p.totp_required));
    let html = app.page(&admin, &location(&res)).await;
    let row = between(&html, "/admin/roles/lawyer", "</tr>").unwrap();
    assert!(row.contains("value=\"no\"") && row.contains("Stop requiring"), "{row}");
    let res = app.web_post(&admin, "/admin/roles/lawyer", &[("totp_required", "no")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let policies = app.state.auth.role_policies().await.unwrap();
    assert!(policies.iter().any(|p| p.role == Role::Lawyer && !p.totp_required));
}

#[tokio::test]
async fn an_admin_adds_a_member_who_then_sees_the_case_on_their_start_page() {
    let app = spawn_app().await;
    let (_, admin) = app.web_admin().await;
    let (case_id, reference) = app.admin_case("CANARY-secret-case-title").await;
    let dora_id = app.add_user("dora", Role::Documenter).await;
    let audrey_id = app.add_user("audrey", Role::Auditor).await;
    let gone_id = app.add_user("gone", Role::Lawyer).await;
    app.state.auth.set_disabled(Default::default(), gone_id, true).await.unwrap();
    let dora = app.web_login("dora").await;
    assert!(!app.page(&dora, "/").await.contains(&reference));

    let html = app.page(&admin, "/admin/cases").await;
    assert!(html.contains(&reference), "every case by reference");
    assert!(!html.contains("CANARY-secret-case-title"), "never its content");
    let members = format!("/admin/cases/{case_id}/members");
    assert!(html.contains(&format!("href=\"{members}\"")));

    let html = app.page(&admin, &members).await;
    assert!(html.contains("no members yet") && html.contains(&reference));
    // Chosen from a list of the users who may be added, not typed.
    assert!(html.contains("<select id=\"user_id\" name=\"user_id\""), "{html}");
    assert!(!html.contains("name=\"username\""), "no name to type");
    assert!(html.contains(&format!("<option value=\"{dora_id}\">dora")), "documenters are offered");
    assert!(!html.contains(&audrey_id.to_string()), "auditors are not");
    assert!(!html.contains(&gone_id.to_string()), "nor disabled accounts");
    assert!(!html.contains("CANARY-secret-case-title") && !title(&html).contains(&reference));

    let res = app.web_post(&admin, &members, &[("user_id", ""), ("role", "member")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"user_id-error\"") && html.contains("This is required"), "{html}");
    let nobody = uuid::Uuid::new_v4().to_string();
    let res = app.web_post(&admin, &members, &[("user_id", &nobody), ("role", "member")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("id=\"user_id-error\""));
    let audrey = audrey_id.to_string();
    let res = app.web_post(&admin, &members, &[("user_id", &audrey), ("role", "member")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("cannot be case members"));

    let dora_key = dora_id.to_string();
    let res = app.web_post(&admin, &members, &[("user_id", &dora_key), ("role", "member")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = app.page(&admin, &location(&res)).await;
    assert!(html.contains("The membership was saved"));
    assert!(!html.contains(&format!("<option value=\"{dora_id}\"")), "a member is not offered again");
    let row = between(&html, "<th scope=\"row\">dora</th>", "</tr>").expect("dora is listed");
    assert!(row.contains("Member") && row.contains("Make lead"), "{row}");

    let home = app.page(&dora, "/").await;
    assert!(
        home.contains(&reference) && home.contains("CANARY-secret-case-title"),
        "the member sees the case"
    );
    assert!(app.page(&dora, &format!("/cases/{case_id}")).await.contains("CANARY-secret-case-title"));

    // Made lead, then removed: the case disappears from their start page.
    let res = app.web_post(&admin, &members, &[("user_id", &dora_key), ("role", "lead")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(app.page(&dora, "/").await.contains("Lead"));
    // Removal asks first: the list links to a confirmation; a post without it only asks.
    let remove = format!("{members}/{dora_id}/remove");
    assert!(app.page(&admin, &members).await.contains(&format!("href=\"{remove}\"")));
    for res in [app.web_get(&admin, &remove).await, app.web_post(&admin, &remove, &[]).await] {
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        assert!(html.contains(&format!("Remove dora from {reference}?")), "{html}");
        assert!(html.contains("name=\"confirm\" value=\"yes\""));
    }
    assert!(app.page(&dora, "/").await.contains(&reference), "still a member");
    let res = app.web_post(&admin, &remove, &[("confirm", "yes")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(app.page(&admin, &location(&res)).await.contains("removed from the case"));
    assert!(!app.page(&dora, "/").await.contains(&reference));
    let actions = app.audit_actions().await;
    assert!(
        actions.contains(&"case.member_add".to_owned()) && actions.contains(&"case.member_remove".to_owned())
    );
}

#[tokio::test]
async fn no_one_but_an_admin_gets_any_admin_page() {
    let app = spawn_app().await;
    let (case_id, _) = app.admin_case("t").await;
    let (target, _) = app.user_with_token(Role::Documenter).await;
    let pages = [
        "/admin".to_owned(),
        "/admin/users".to_owned(),
        "/admin/users/new".to_owned(),
        format!("/admin/users/{target}"),
        "/admin/roles".to_owned(),
        "/admin/cases".to_owned(),
        format!("/admin/cases/{case_id}/members"),
        "/admin/keys".to_owned(),
    ];
    for role in [Role::Documenter, Role::Investigator, Role::Lawyer, Role::Auditor] {
        let (_, b) = app.web_user(role).await;
        for path in &pages {
            let res = app.web_get(&b, path).await;
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{role} GET {path}");
            let html = res.text().await.unwrap();
            assert!(html.contains("Not allowed"), "{role} {path}: an error page");
            assert!(!html.contains("href=\"/admin\""), "{role}: no admin link in the navigation");
        }
        let posts: [(String, Vec<(&str, &str)>); 5] = [
            (
                "/admin/users".into(),
                vec![("username", "intruder"), ("role", "admin"), ("password", PASSWORD)],
            ),
            (format!("/admin/users/{target}/disable"), vec![]),
            (format!("/admin/users/{target}/role"), vec![("role", "admin")]),
            ("/admin/keys/rotate".into(), vec![]),
            ("/admin/keys/seal".into(), vec![("confirm", "yes")]),
        ];
        for (path, fields) in &posts {
            let res = app.web_post(&b, path, fields).await;
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{role} POST {path}");
        }
    }
    assert!(!app.state.keys.is_sealed());
    let actions = app.audit_actions().await;
    for done in ["key.rotate", "user.disable", "user.role_change", "seal"] {
        assert!(!actions.contains(&done.to_owned()), "{done} happened");
    }
    assert!(app.state.auth.find_user_id("intruder").await.is_err());
}

#[tokio::test]
async fn admin_forms_without_their_csrf_token_are_refused() {
    let app = spawn_app().await;
    let (_, admin) = app.web_admin().await;
    let post = |path: &'static str, fields: Vec<(&'static str, &'static str)>| {
        app.client
            .post(app.url(path))
            .header("cookie", format!("custodia={}", admin.cookie))
            .form(&fields)
            .send()
    };
    let res =
        post("/admin/users", vec![("username", "sneaky"), ("role", "admin"), ("password", PASSWORD)]).await;
    assert_eq!(res.unwrap().status(), StatusCode::FORBIDDEN);
    let res = post("/admin/keys/seal", vec![("confirm", "yes"), ("csrf", "forged")]).await;
    assert_eq!(res.unwrap().status(), StatusCode::FORBIDDEN);
    let res = post("/admin/keys/rotate", vec![]).await;
    assert_eq!(res.unwrap().status(), StatusCode::FORBIDDEN);
    assert!(app.state.auth.find_user_id("sneaky").await.is_err(), "no user was made");
    assert!(!app.state.keys.is_sealed(), "the keys were not sealed");
    assert!(!app.audit_actions().await.contains(&"key.rotate".to_owned()));
    assert_eq!(app.state.keys.status().await.unwrap().primary_version, Some(1));
}

#[tokio::test]
async fn key_rotation_rewrap_and_sealing_through_the_page_are_audited() {
    let app = spawn_app().await;
    let (admin_id, admin) = app.web_admin().await;
    app.admin_case("t").await;
    let html = app.page(&admin, "/admin/keys").await;
    assert!(html.contains("Handle with care") && html.contains("Unsealed"));
    assert!(html.contains("nothing to rewrap"));

    let res = app.web_post(&admin, "/admin/keys/rotate", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = app.page(&admin, &location(&res)).await;
    assert!(html.contains("A new primary key was made"));
    let primary = between(&html, "Primary key version</dt><dd>", "</dd>").unwrap();
    assert_eq!(primary, "2");
    assert!(html.contains("action=\"/admin/keys/rewrap\""), "records to rewrap are offered");
    let entries = app.audit_entries().await;
    let rotation = entries.iter().find(|e| e.action == "key.rotate").expect("the rotation is audited");
    assert_eq!(rotation.actor_user_id, Some(admin_id.to_string()), "by the admin who clicked");

    let res = app.web_post(&admin, "/admin/keys/rewrap", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/admin/keys");
    let mut html = app.page(&admin, "/admin/keys").await;
    for _ in 0..100 {
        if !html.contains("data-refresh") {
            break;
        }
        assert!(html.contains("href=\"/admin/keys\""), "a refresh link without script");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        html = app.page(&admin, "/admin/keys").await;
    }
    assert!(!html.contains("data-refresh"), "the rewrap ended");
    assert!(html.contains("nothing to rewrap"), "{html}");
    assert!(app.audit_actions().await.contains(&"key.rewrap".to_owned()));

    // Sealing needs its confirmation.
    let res = app.web_post(&admin, "/admin/keys/seal", &[]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("id=\"confirm-error\""));
    assert!(!app.state.keys.is_sealed());
    let res = app.web_post(&admin, "/admin/keys/seal", &[("confirm", "yes")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(app.state.keys.is_sealed());
    let html = app.page(&admin, &location(&res)).await;
    assert!(html.contains("The keys are sealed") && html.contains("action=\"/admin/keys/unseal\""));
    let res = app.web_post(&admin, "/admin/keys/unseal", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(!app.state.keys.is_sealed());
    let actions = app.audit_actions().await;
    assert!(actions.contains(&"seal".to_owned()) && actions.contains(&"unseal".to_owned()));
}

#[tokio::test]
async fn an_auditor_reads_the_log_with_filters_and_a_records_chain_of_custody() {
    let app = spawn_app().await;
    let (admin_id, admin) = app.web_admin().await;
    let (case_id, _) = app.admin_case("t").await;
    let member = app.add_user("dora", Role::Documenter).await;
    let members = format!("/admin/cases/{case_id}/members");
    assert_eq!(
        app.web_post(&admin, &members, &[("user_id", &member.to_string()), ("role", "member")])
            .await
            .status(),
        303
    );
    let (_, auditor) = app.web_user(Role::Auditor).await;

    // Auditors start at the log.
    let res = app.web_get(&auditor, "/").await;
    assert_eq!(location(&res), "/audit");
    let html = app.page(&auditor, "/audit").await;
    assert!(html.contains("<code>case.create</code>") && html.contains("<code>user.create</code>"));
    assert!(html.contains("<label for=\"action\"") && html.contains("type=\"date\""), "labelled filters");
    let custody = format!("/audit/custody/case/{case_id}");
    assert!(html.contains(&format!("href=\"{custody}\"")), "entries link to their record's chain");

    // Filters: by action, by record, by actor, by day.
    let html = app.page(&auditor, "/audit?action=case.member_add").await;
    let rows = between(&html, "<tbody>", "</tbody>").unwrap();
    assert!(
        rows.contains("case.member_add") && !rows.contains("user.create") && !rows.contains("case.create")
    );
    assert!(html.contains("value=\"case.member_add\" selected"), "the filter stays chosen");
    let html = app.page(&auditor, &format!("/audit?target_type=case&target_id={case_id}")).await;
    let rows = between(&html, "<tbody>", "</tbody>").unwrap();
    assert!(
        rows.contains("case.create") && rows.contains("case.member_add") && !rows.contains("user.create")
    );
    let html = app.page(&auditor, &format!("/audit?actor={admin_id}&action=case.member_add")).await;
    assert!(html.contains("1 matching entry."), "the admin added one member");
    let html = app.page(&auditor, &format!("/audit?actor={member}&action=case.member_add")).await;
    assert!(html.contains("No entries match"), "the member added no one");
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).format("%Y-%m-%d").to_string();
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert!(app.page(&auditor, &format!("/audit?from={tomorrow}")).await.contains("No entries match"));
    assert!(app.page(&auditor, &format!("/audit?from={today}&to={today}")).await.contains("case.create"));
    let long = "x".repeat(65);
    let res = app.web_get(&auditor, &format!("/audit?from={tomorrow}&to={today}&actor={long}")).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("id=\"to-error\"") && html.contains("id=\"actor-error\""),
        "errors by their fields"
    );

    // Newest first, fifty to a page; reading is itself audited, so the log grows.
    for _ in 0..50 {
        app.web_get(&auditor, "/audit").await;
    }
    let first = app.page(&auditor, "/audit").await;
    assert!(first.contains("rel=\"next\""), "more than one page");
    let second = app.page(&auditor, "/audit?page=2").await;
    assert!(second.contains("rel=\"prev\""));
    let first_seq: i64 = between(&first, "href=\"/audit/entries/", "\"").unwrap().parse().unwrap();
    let second_seq: i64 = between(&second, "href=\"/audit/entries/", "\"").unwrap().parse().unwrap();
    assert!(first_seq > second_seq, "newest first");

    // The chain of custody of the case, each entry proved against a signed checkpoint.
    let html = app.page(&auditor, &custody).await;
    assert!(html.contains("case.create") && html.contains("case.member_add"));
    assert!(html.contains("Each of the 2 entries is proved"), "{html}");
    assert_eq!(html.matches(">verified<").count(), 2);
    assert!(html.contains("Signed checkpoint") && html.contains("— "), "the signed note is shown");
    assert!(!html.contains("user.create"), "only entries about this record");
    let seq = between(&html, "href=\"/audit/entries/", "\"").unwrap().to_owned();
    let entry = app.page(&auditor, &format!("/audit/entries/{seq}")).await;
    assert!(entry.contains("proved to be in the signed log"), "{entry}");
    assert!(entry.contains(&case_id), "the canonical text names the record");
    assert_eq!(entry.matches(">pass<").count(), 3, "signature, leaf and path");
    assert_eq!(app.web_get(&auditor, "/audit/entries/999999").await.status(), StatusCode::NOT_FOUND);

    let actions = app.audit_actions().await;
    assert!(actions.contains(&"audit.read".to_owned()) && actions.contains(&"audit.custody_read".to_owned()));
}

#[tokio::test]
async fn no_one_but_an_auditor_gets_the_audit_pages() {
    let app = spawn_app().await;
    let (_, admin) = app.web_admin().await;
    let (_, documenter) = app.web_user(Role::Documenter).await;
    for b in [&admin, &documenter] {
        for path in ["/audit", "/audit/custody/case/x", "/audit/entries/0", "/audit?action=login"] {
            let res = app.web_get(b, path).await;
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "GET {path}");
            let html = res.text().await.unwrap();
            assert!(html.contains("Not allowed") && !html.contains("<code>user.create</code>"));
        }
    }
    assert!(!app.page(&admin, "/admin").await.contains("href=\"/audit\""), "no link to the log");
    assert!(!app.audit_actions().await.contains(&"audit.read".to_owned()));
}

#[tokio::test]
async fn an_admin_without_a_second_factor_is_led_to_set_one_up_before_anything_else() {
    let app = spawn_app_with(|s| s.auth.require_second_factor = vec![Role::Admin, Role::Lawyer]).await;
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[("username", "admin"), ("password", PASSWORD)])
        .send()
        .await;
    assert_eq!(location(&res.unwrap()), "/account", "straight to enrolment");
    let (_, admin) = app.web_admin().await;
    for path in ["/", "/admin", "/admin/users", "/admin/keys"] {
        let res = app.web_get(&admin, path).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "GET {path}");
        assert_eq!(location(&res), "/account", "GET {path}");
    }
    let res = app.web_post(&admin, "/admin/roles/lawyer", &[("totp_required", "no")]).await;
    assert_eq!(location(&res), "/account", "no change either");
    let html = app.page(&admin, "/account").await;
    assert!(html.contains("id=\"enrol-first\"") && html.contains("before doing anything else"), "{html}");

    let res = app.web_post(&admin, "/account/totp", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    let secret = between(&html, "<code class=\"secret\">", "</code>").expect("the secret to type in");
    let raw = totp_rs::Secret::Encoded(secret.to_owned()).to_bytes().unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let code = custodia::auth::totp::code_at(&raw, now).unwrap();
    let res = app.web_post(&admin, "/account/totp/confirm", &[("code", &code)]).await;
    assert!(res.text().await.unwrap().contains("The authenticator app is set up"));

    // Enrolled: the same session goes on, and nothing warns.
    let html = app.page(&admin, "/admin").await;
    assert!(!html.contains("second-factor-off"), "{html}");
    let html = app.page(&admin, "/admin/roles").await;
    assert!(!html.contains("second-factor-off"));
    let row = between(&html, "<th scope=\"row\">Lawyer</th>", "</tr>").expect("the lawyer row");
    assert!(row.contains("Required by the configuration") && !row.contains("<form"), "{row}");
    assert!(!html.contains("action=\"/admin/roles/admin\""), "cannot be relaxed here");
    assert!(html.contains("action=\"/admin/roles/documenter\""), "other roles still can be changed");
    let res = app.web_post(&admin, "/admin/roles/lawyer", &[("totp_required", "no")]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_admin_pages_warn_while_admins_or_lawyers_sign_in_with_a_password_alone() {
    // config/test.toml turns the rule off, as an installation might.
    let app = spawn_app().await;
    let (_, admin) = app.web_admin().await;
    for path in ["/admin", "/admin/roles"] {
        let html = app.page(&admin, path).await;
        let warning = between(&html, "id=\"second-factor-off\"", "</div>").expect(path);
        assert!(warning.contains("Administrator") && warning.contains("Lawyer"), "{warning}");
        assert!(warning.contains("href=\"/admin/roles\""));
    }
    app.state.auth.set_role_policy(Default::default(), Role::Lawyer, true).await.unwrap();
    let html = app.page(&admin, "/admin").await;
    let warning = between(&html, "id=\"second-factor-off\"", "</div>").unwrap();
    assert!(warning.contains("Administrator") && !warning.contains("Lawyer"), "{warning}");
}

#[tokio::test]
async fn the_keys_page_warns_when_the_root_key_file_sits_beside_the_data() {
    // Files on this machine: the folder store (a bucket is not beside anything).
    let app = spawn_app_with(pin_folder).await;
    let (_, admin) = app.web_admin().await;
    let html = app.page(&admin, "/admin/keys").await;
    let warning =
        between(&html, "id=\"key-beside-data\"", "</div>").expect("the key file is beside the data");
    assert!(warning.contains("same folder tree") && warning.contains("same disk"), "{warning}");
    for option in ["custodia keys passphrase", "custodia keys split", "docs/operations.md"] {
        assert!(warning.contains(option), "{option}: {warning}");
    }

    // A key file in a folder of its own is no longer in the data's tree (the test can
    // only put it on the same disk).
    let apart = tempfile::tempdir().unwrap();
    let key_file = apart.path().join("root.key");
    let app = spawn_app_with(|s| {
        pin_folder(s);
        s.keys.key_file = key_file.clone()
    })
    .await;
    let (_, admin) = app.web_admin().await;
    let html = app.page(&admin, "/admin/keys").await;
    let warning = between(&html, "id=\"key-beside-data\"", "</div>").expect("still the same disk");
    assert!(!warning.contains("same folder tree") && warning.contains("same disk"), "{warning}");
}
