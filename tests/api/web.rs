//! The pages: sessions in cookies, CSRF, the quick exit, headers, and each role's
//! screens driven as a browser would (forms posted, redirects followed by hand).

use reqwest::StatusCode;
use serde_json::json;

use crate::fixtures::documented_case;
use crate::helpers::*;
use custodia::domain::Role;

/// A browser's session: the cookie and the CSRF token its pages carry.
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

impl TestApp {
    /// Signs in through the sign-in form, as a person would.
    pub async fn web_login(&self, username: &str) -> Browser {
        let res = self
            .client
            .post(self.url("/login"))
            .form(&[("username", username), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "sign in as {username}");
        let cookie = session_cookie(&res).expect("a session cookie");
        let page = self.page(&Browser { cookie: cookie.clone(), csrf: String::new() }, "/account").await;
        let csrf = between(&page, "name=\"csrf\" value=\"", "\"").expect("a CSRF field").to_owned();
        Browser { cookie, csrf }
    }

    /// A new user of `role`, signed in through the form.
    pub async fn web_user(&self, role: Role) -> (uuid::Uuid, Browser) {
        let name = format!("{}-{}", role.as_str(), &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let id = self.add_user(&name, role).await;
        (id, self.web_login(&name).await)
    }

    pub async fn web_get(&self, b: &Browser, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("cookie", format!("custodia={}", b.cookie))
            .send()
            .await
            .unwrap()
    }

    /// The page's HTML, asserting it rendered.
    pub async fn page(&self, b: &Browser, path: &str) -> String {
        let res = self.web_get(b, path).await;
        assert_eq!(res.status(), StatusCode::OK, "GET {path}");
        res.text().await.unwrap()
    }

    /// Posts a form with the session's CSRF token added.
    pub async fn web_post(&self, b: &Browser, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut all: Vec<(&str, &str)> = vec![("csrf", b.csrf.as_str())];
        all.extend_from_slice(fields);
        self.client
            .post(self.url(path))
            .header("cookie", format!("custodia={}", b.cookie))
            .form(&all)
            .send()
            .await
            .unwrap()
    }
}

pub fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
        let value = v.strip_prefix("custodia=")?.split(';').next()?;
        (!value.is_empty()).then(|| value.to_owned())
    })
}

pub fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

pub fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let len = text[from..].find(end)?;
    Some(&text[from..from + len])
}

#[tokio::test]
async fn pages_carry_a_strict_policy_and_are_never_cached() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
    assert_eq!(res.headers()["cache-control"], "no-store");
    let html = res.text().await.unwrap();
    assert!(!html.contains("<script>"), "no inline script");
    assert!(!html.contains("http://") || html.contains("data-exit-url"), "no third-party assets");
    // The assets are ours, named by digest, cacheable.
    let css = between(&html, "rel=\"stylesheet\" href=\"", "\"").unwrap().to_owned();
    let res = app.client.get(app.url(&css)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["cache-control"].to_str().unwrap().contains("immutable"));
}

#[tokio::test]
async fn sign_in_sets_a_strict_cookie_and_a_new_session_each_time() {
    let app = spawn_app().await;
    app.add_user("dora", Role::Documenter).await;
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[("username", "dora"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let set = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    for part in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(part), "{set}");
    }
    // Session fixation: a cookie planted before signing in is not kept.
    let planted = session_cookie(&res).unwrap();
    let res = app
        .client
        .post(app.url("/login"))
        .header("cookie", format!("custodia={planted}"))
        .form(&[("username", "dora"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let fresh = session_cookie(&res).unwrap();
    assert_ne!(planted, fresh);
    // A forged cookie is ignored and removed.
    let res = app.client.get(app.url("/")).header("cookie", "custodia=cst_forged").send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/login?ended=1");
    assert!(res.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
}

#[tokio::test]
async fn a_wrong_password_is_shown_on_the_form_without_echoing_it() {
    let app = spawn_app().await;
    app.add_user("dora", Role::Documenter).await;
    let secret = "CANARY-typed-password-3344";
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[("username", "dora"), ("password", secret)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let html = res.text().await.unwrap();
    assert!(html.contains("not right"));
    assert!(!html.contains(secret));
    assert!(html.contains("value=\"dora\""), "the username stays filled in");
}

#[tokio::test]
async fn forms_without_their_csrf_token_or_from_another_origin_are_refused() {
    let app = spawn_app().await;
    let (_, b) = app.web_user(Role::Documenter).await;
    let cookie = format!("custodia={}", b.cookie);
    let post = |fields: Vec<(&'static str, String)>, origin: Option<&'static str>| {
        let mut req = app.client.post(app.url("/cases/new")).header("cookie", cookie.clone()).form(&fields);
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        req.send()
    };
    let fields = || vec![("reference", "CSRF-1".to_owned()), ("title", "t".to_owned())];
    assert_eq!(post(fields(), None).await.unwrap().status(), 403, "no token");
    let mut wrong = fields();
    wrong.push(("csrf", "not-the-token".into()));
    assert_eq!(post(wrong, None).await.unwrap().status(), 403, "wrong token");
    let mut right = fields();
    right.push(("csrf", b.csrf.clone()));
    assert_eq!(
        post(right.clone(), Some("https://evil.example")).await.unwrap().status(),
        403,
        "other origin"
    );
    // Another user's token does not work either.
    let (_, other) = app.web_user(Role::Documenter).await;
    let mut theirs = fields();
    theirs.push(("csrf", other.csrf.clone()));
    assert_eq!(post(theirs, None).await.unwrap().status(), 403, "someone else's token");
    assert!(!app.audit_actions().await.contains(&"case.create".to_owned()), "nothing was done");
    let res = post(right, None).await.unwrap();
    assert_eq!(res.status(), 303, "with its token the form works");
}

#[tokio::test]
async fn sign_out_and_quick_exit_end_the_session() {
    let app = spawn_app().await;
    let (_, b) = app.web_user(Role::Investigator).await;
    let res = app.web_post(&b, "/logout", &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.web_get(&b, "/").await.status(), 303, "the old cookie no longer works");

    let (_, b) = app.web_user(Role::Investigator).await;
    let res = app.web_post(&b, "/exit", &[]).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["clear-site-data"].to_str().unwrap().contains("cookies"));
    let html = res.text().await.unwrap();
    assert!(html.contains("http-equiv=\"refresh\""), "{html}");
    assert_eq!(app.web_get(&b, "/").await.status(), 303, "the session is over");
    // Even a stale page's exit leaves (the session is kept only if the token is wrong).
    let res = app.client.post(app.url("/exit")).form(&[("csrf", "stale")]).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn the_interface_speaks_russian_when_chosen() {
    let app = spawn_app().await;
    let res =
        app.client.get(app.url("/login")).header("accept-language", "ru-RU,ru;q=0.9").send().await.unwrap();
    assert!(res.text().await.unwrap().contains("Войти"));
    let res = app.client.get(app.url("/language/ru?back=/login")).send().await.unwrap();
    assert_eq!(location(&res), "/login");
    assert!(res.headers()["set-cookie"].to_str().unwrap().starts_with("lang=ru"));
    let res = app.client.get(app.url("/language/ru?back=//evil.example")).send().await.unwrap();
    assert_eq!(location(&res), "/", "never an open redirect");
    let res = app.client.get(app.url("/login")).header("cookie", "lang=ru").send().await.unwrap();
    assert!(res.text().await.unwrap().contains("lang=\"ru\""));
}

#[tokio::test]
async fn a_documenter_sees_their_cases_and_creates_one() {
    let app = spawn_app().await;
    let (_, b) = app.web_user(Role::Documenter).await;
    assert!(app.page(&b, "/").await.contains("not a member of any case"));
    let res = app.web_post(&b, "/cases/new", &[("reference", ""), ("title", "")]).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("class=\"error\""), "errors next to the fields");
    let res = app.web_post(&b, "/cases/new", &[("reference", "WEB-1"), ("title", "A title")]).await;
    assert_eq!(res.status(), 303);
    let case = location(&res);
    let html = app.page(&b, &case).await;
    assert!(html.contains("A title") && html.contains("WEB-1"));
    assert!(!between(&html, "<title>", "</title>").unwrap().contains("A title"), "titles name nothing");
    assert!(app.page(&b, "/").await.contains("WEB-1"));

    // Someone outside the case sees nothing of it.
    let (_, outsider) = app.web_user(Role::Documenter).await;
    let res = app.web_get(&outsider, &case).await;
    assert_eq!(res.status(), 404);
    assert!(!res.text().await.unwrap().contains("A title"));
    let _ = json!({});
}

/// The consent and interview fields every testimony form needs, plus `extra`.
pub fn testimony_fields<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("interview_date", "2024-03-05"),
        ("languages", "ru"),
        ("languages", "en"),
        ("source_connection", "victim"),
        ("reliability", "high"),
        ("share", "prosecutors"),
        ("share", "un_bodies"),
        ("given_on", "2024-03-05"),
        ("how_given", "written"),
        ("text_version", "2"),
        ("summary", "Detained and beaten"),
    ];
    f.extend_from_slice(extra);
    f
}

#[tokio::test]
async fn a_documenter_records_edits_attaches_and_seals_a_testimony() {
    let app = spawn_app().await;
    let (_, b) = app.web_user(Role::Documenter).await;
    let case = location(&app.web_post(&b, "/cases/new", &[("reference", "WEB-2"), ("title", "t")]).await);
    let new = format!("{case}/testimonies/new");
    let form = app.page(&b, &new).await;
    assert!(form.contains("id=\"testimony-form\"") && form.contains("Prosecutors and courts"));

    // Nothing typed: shown again with an error, nothing recorded. (A draft may be
    // incomplete, saved as it is typed; sealing asks for the rest.)
    let res = app.web_post(&b, &new, &[("witness_id", "new"), ("reliability", "unknown")]).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"account-error\""), "the error sits next to the account");
    assert!(!app.audit_actions().await.contains(&"testimony.create".to_owned()));

    let account = "They took [[Анна Соколова]] to the yard and beat her with batons.";
    let fields = testimony_fields(&[
        ("witness_id", "new"),
        ("new_witness", "Анна Соколова, Anna Sokolova"),
        ("account", account),
    ]);
    let res = app.web_post(&b, &new, &fields).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let page_url = location(&res);
    let testimony = page_url.trim_start_matches("/testimonies/").split('?').next().unwrap().to_owned();
    let html = app.page(&b, &page_url).await;
    assert!(html.contains("The draft was saved"));
    assert!(html.contains("[[Анна Соколова]]"), "the marked name comes back marked for editing");
    assert!(html.contains("data-autosave="), "the draft form saves itself");

    // The API sees the spans, not the brackets.
    let account_page = app.page(&b, "/account").await;
    let api_token = app.login(between(&account_page, "<dd>", "</dd>").unwrap(), PASSWORD).await;
    let view: serde_json::Value =
        app.get(&format!("/api/v1/testimonies/{testimony}"), &api_token).await.json().await.unwrap();
    assert_eq!(view["account"], "They took Анна Соколова to the yard and beat her with batons.");
    assert_eq!(view["identifying_spans"], json!([{"start": 10, "end": 23}]));
    assert_eq!(view["consent"]["share_with"]["prosecutors"], true);
    assert_eq!(view["consent"]["share_with"]["media"], false);

    // Autosave (as the page's script does) replaces the draft.
    let witness = view["witness"]["id"].as_str().unwrap().to_owned();
    let edited = testimony_fields(&[("witness_id", &witness), ("account", "Autosaved text")]);
    let res = app.web_post(&b, &format!("/testimonies/{testimony}/autosave"), &edited).await;
    assert_eq!(res.status(), 204);
    assert!(app.page(&b, &format!("/testimonies/{testimony}")).await.contains("Autosaved text"));

    // An attachment through the multipart form.
    let upload = |csrf: Option<String>| {
        let mut form = reqwest::multipart::Form::new();
        if let Some(c) = csrf {
            form = form.text("csrf", c);
        }
        let part = reqwest::multipart::Part::bytes(b"%PDF-1.4 medical report".to_vec())
            .file_name("../../report.pdf")
            .mime_str("application/pdf")
            .unwrap();
        app.client
            .post(app.url(&format!("/testimonies/{testimony}/attachments")))
            .header("cookie", format!("custodia={}", b.cookie))
            .multipart(form.part("file", part))
            .send()
    };
    assert_eq!(upload(None).await.unwrap().status(), 403, "no CSRF, no upload");
    let res = upload(Some(b.csrf.clone())).await.unwrap();
    assert_eq!(res.status(), 303);
    let html = app.page(&b, &location(&res)).await;
    assert!(html.contains("report.pdf") && !html.contains("../"), "the name is a base name");
    let href = between(&html, "<a href=\"/attachments/", "\"").unwrap().to_owned();
    let file = app.web_get(&b, &format!("/attachments/{href}")).await;
    assert_eq!(file.status(), 200);
    assert_eq!(file.bytes().await.unwrap().as_ref(), b"%PDF-1.4 medical report");

    // Sealing: the page then shows the seal, and the draft can no longer change.
    let res = app.web_post(&b, &format!("/testimonies/{testimony}/seal"), &[]).await;
    assert_eq!(res.status(), 303);
    let html = app.page(&b, &location(&res)).await;
    assert!(html.contains("badge sealed") && html.contains("Sealing digest"));
    assert!(!html.contains("id=\"testimony-form\""));
    let res = app.web_post(&b, &format!("/testimonies/{testimony}/autosave"), &edited).await;
    assert_eq!(res.status(), 409);

    // A correction is a new version; the first stays.
    let mut fields = testimony_fields(&[("witness_id", &witness), ("account", "Corrected text")]);
    fields.push(("correction_reason", "The witness corrected the date"));
    let res = app.web_post(&b, &format!("/testimonies/{testimony}/correct"), &fields).await;
    assert_eq!(res.status(), 303);
    let html = app.page(&b, &location(&res)).await;
    assert!(html.contains("Corrected text") && html.contains("version 2"));
    assert!(app.page(&b, &format!("/testimonies/{testimony}")).await.contains("Autosaved text"));
}

#[tokio::test]
async fn an_investigator_finds_a_testimony_and_follows_the_perpetrator_to_the_chain_of_command() {
    let app = spawn_app().await;
    let (_, doc) = app.web_user(Role::Documenter).await;
    let (case, perp) = documented_case(&app, &doc).await;
    let case_id = case.trim_start_matches("/cases/");
    let (inv_id, inv) = app.web_user(Role::Investigator).await;
    assert_eq!(app.web_get(&inv, &case).await.status(), 404, "not yet a member");
    app.add_member(case_id, inv_id).await;

    let html = app.page(&inv, &format!("/search?case={case_id}")).await;
    assert!(
        html.contains("id=\"search-form\"") && html.contains("method=\"post\""),
        "words never go in a URL"
    );
    // Another inflection of the word finds it; the snippet comes from the decrypted text.
    let res = app.web_post(&inv, "/search", &[("q", "дубинкой"), ("case", case_id)]).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("class=\"result\""), "{html}");
    assert!(html.contains("дубинками"), "a snippet");
    assert!(html.contains(" · version 1"), "a result is named by pseudonym and version: {html}");
    let found = between(&html, "<article class=\"result\"><a href=\"", "\"").unwrap().to_owned();
    assert!(app.page(&inv, &found).await.contains("badge sealed"));
    let res = app.web_post(&inv, "/search", &[("q", "дирижабль")]).await;
    assert!(res.text().await.unwrap().contains("Nothing found"));
    // A bad filter is shown next to its field, not as a failure.
    let res = app
        .web_post(&inv, "/search", &[("q", "дубинкой"), ("from", "2021-01-01"), ("to", "2020-01-01")])
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("id=\"to-error\""));
    // Names in either script find the perpetrator.
    let res = app.web_post(&inv, "/search", &[("q", "Lukashenko"), ("kind", "persons")]).await;
    let html = res.text().await.unwrap();
    assert!(html.contains(&perp), "{html}");

    // The perpetrator page: the unit and the chain of command above it.
    let html = app.page(&inv, &perp).await;
    assert!(html.contains("Лукашенко") && html.contains("Пётр Л.") && html.contains("майор"));
    assert!(html.contains("ОМОН") && html.contains("ГУВД Мингорисполкома"), "chain of command");
    // The investigator links the perpetrator to the incident.
    let case_html = app.page(&inv, &case).await;
    let incident = format!("/incidents/{}", between(&case_html, "href=\"/incidents/", "\"").unwrap());
    let person_id = perp.trim_start_matches("/persons/");
    let who = format!("person:{person_id}");
    let res = app
        .web_post(&inv, &format!("{incident}/involvements"), &[("who", &who), ("role", "carried_out")])
        .await;
    assert_eq!(res.status(), 303);
    let html = app.page(&inv, &location(&res)).await;
    assert!(html.contains("Torture") && html.contains(&perp), "{html}");
    let html = app.page(&inv, &perp).await;
    assert!(html.contains(&incident), "the perpetrator page lists the incident");
    // The facility page lists what happened there.
    let place = format!("/places/{}", between(&case_html, "href=\"/places/", "\"").unwrap());
    assert!(app.page(&inv, &place).await.contains(&incident));
}

#[tokio::test]
async fn a_lawyer_sees_what_consent_withholds_exports_and_downloads() {
    let app = spawn_app().await;
    let (_, doc) = app.web_user(Role::Documenter).await;
    let case = location(&app.web_post(&doc, "/cases/new", &[("reference", "WEB-4"), ("title", "t")]).await);
    let case_id = case.trim_start_matches("/cases/").to_owned();
    // Two sealed accounts: one for prosecutors, one for journalists only.
    for (share, account) in
        [("prosecutors", "First account of the night"), ("media", "Second account, media only")]
    {
        let mut fields = testimony_fields(&[("witness_id", "new"), ("account", account)]);
        fields.retain(|(k, _)| *k != "share");
        fields.push(("share", share));
        let t = location(&app.web_post(&doc, &format!("{case}/testimonies/new"), &fields).await);
        let t = t.split('?').next().unwrap().to_owned();
        assert_eq!(app.web_post(&doc, &format!("{t}/seal"), &[]).await.status(), 303);
    }
    let (lawyer_id, lawyer) = app.web_user(Role::Lawyer).await;
    app.add_member(&case_id, lawyer_id).await;
    let export = format!("{case}/export");
    assert!(app.page(&lawyer, &export).await.contains("id=\"export-form\""));
    let (_, outsider) = app.web_user(Role::Lawyer).await;
    assert_eq!(app.web_get(&outsider, &export).await.status(), 404, "a lawyer outside the case sees nothing");

    // The preview names what consent withholds, and why, before anything is made.
    let res = app
        .web_post(&lawyer, &format!("{export}/preview"), &[("recipient", "prosecutors"), ("scope", "all")])
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("1 account will go, 1 will be withheld"), "{html}");
    assert!(html.contains("did not agree to this recipient"));
    assert!(!html.contains("Second account"), "the preview shows no content");

    // A wrong password is refused next to the field; nothing is queued.
    let res = app.web_post(&lawyer, &export, &[("recipient", "prosecutors"), ("password", "wrong")]).await;
    assert_eq!(res.status(), 401);
    assert!(res.text().await.unwrap().contains("id=\"password-error\""));
    let res = app
        .web_post(
            &lawyer,
            &export,
            &[("recipient", "prosecutors"), ("age_recipient", "age1nope"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("id=\"age_recipient-error\""));

    let res = app
        .web_post(&lawyer, &export, &[("recipient", "prosecutors"), ("scope", "all"), ("password", PASSWORD)])
        .await;
    assert_eq!(res.status(), 303);
    let bundle = location(&res);
    // The page follows the build until the bundle is ready.
    let mut html = String::new();
    for _ in 0..2000 {
        html = app.page(&lawyer, &bundle).await;
        if html.contains("id=\"download\"") || html.contains("could not be built") {
            break;
        }
        assert!(html.contains("data-refresh"), "a page waiting on the build refreshes itself");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(html.contains("id=\"download\""), "{html}");
    assert!(html.contains("minisign -V") && html.contains("bagit.py --validate"), "verification steps");
    let href = between(&html, "id=\"download\" href=\"", "\"").unwrap().to_owned();
    let res = app.web_get(&lawyer, &href).await;
    assert_eq!(res.status(), 200);
    let tar = res.bytes().await.unwrap();
    let text = String::from_utf8_lossy(&tar);
    assert!(text.contains("bagit.txt") && text.contains("First account of the night"));
    assert!(!text.contains("Second account"), "consent is enforced in the bundle itself");
    let key = app.web_get(&lawyer, "/bundles/public-key").await;
    assert!(key.text().await.unwrap().contains("minisign public key"));
    assert!(app.audit_actions().await.contains(&"bundle.preview".to_owned()));
}

/// Every page and form (`web::pages::list`), with no session and with each role: deny by
/// default, and the same answer as the one policy table.
#[tokio::test]
async fn every_role_against_every_page_follows_the_policy_table() {
    use custodia::access::policy;
    let app = spawn_app().await;
    let concrete = |path: &str| {
        path.replace("{id}", &uuid::Uuid::new_v4().to_string())
            .replace("{bundle_id}", &uuid::Uuid::new_v4().to_string())
            .replace("{user_id}", &uuid::Uuid::new_v4().to_string())
            .replace("{target_id}", &uuid::Uuid::new_v4().to_string())
            .replace("{attachment_id}", &uuid::Uuid::new_v4().to_string())
            .replace("{target_type}", "testimony")
            .replace("{kind}", "testimony")
            .replace("{item_id}", &uuid::Uuid::new_v4().to_string())
            .replace("{role}", "lawyer")
            .replace("{seq}", "1")
            .replace("{code}", "ru")
            .replace("{file}", "nothing.css")
    };
    let anonymous = Browser { cookie: String::new(), csrf: String::new() };
    for page in custodia::web::pages::list() {
        let (method, path, action) = (&page.method, &page.path, &page.permission);
        let Some(action) = action else { continue };
        let url = concrete(path);
        let res = if *method == "GET" {
            app.web_get(&anonymous, &url).await
        } else {
            app.web_post(&anonymous, &url, &[]).await
        };
        assert_eq!(res.status(), 303, "{method} {path} without a session");
        assert_eq!(location(&res), "/login", "{method} {path} needs {}", action.code());
    }
    // Device accounts cannot sign in at all; tests/api/intake.rs walks them.
    for role in Role::STAFF {
        let (_, b) = app.web_user(role).await;
        for page in custodia::web::pages::list() {
            let (method, path, action) = (&page.method, &page.path, &page.permission);
            let Some(action) = action else { continue };
            // These end the session; their own tests cover them.
            if ["/logout", "/lock"].contains(path) {
                continue;
            }
            let url = concrete(path);
            let res = if *method == "GET" {
                app.web_get(&b, &url).await
            } else {
                app.web_post(&b, &url, &[]).await
            };
            let status = res.status().as_u16();
            // Case-scoped actions also need membership: the ids here are of no case,
            // so a role the table allows gets 404, and one it refuses 403 or 404.
            let may = policy::allowed(role, *action);
            assert!(status < 500, "{role:?} {method} {path}: {status}");
            if may {
                assert_ne!(status, 403, "{role:?} {method} {path} is allowed by the table");
                assert_ne!(status, 401, "{role:?} {method} {path}");
            } else {
                assert!(
                    status == 403 || status == 404,
                    "{role:?} {method} {path} must be refused, got {status}"
                );
            }
        }
    }
}

/// A page whose id is not an id answers as the API does (400, in the reader's
/// language), never a 500: the path extractor's problem keeps its status on a page.
#[tokio::test]
async fn a_malformed_id_in_a_page_path_is_a_400_page() {
    let app = spawn_app().await;
    let (_, browser) = app.web_user(Role::Documenter).await;
    for path in ["/testimonies/bogus", "/cases/not-a-uuid", "/persons/1/consent"] {
        let res = app.web_get(&browser, path).await;
        assert_eq!(res.status(), 400, "{path}");
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"), "{path}");
    }
}
