//! The case lead's import pages: the form (csrf, mapping, file, in that order), a plan
//! shown as tables with its problems, apply refused with its reason on the page, and
//! nobody but the lead let in.

use reqwest::multipart::{Form, Part};
use sha2::{Digest, Sha256};

use crate::helpers::*;
use crate::web::{Browser, between, location};
use custodia::domain::Role;

const PEOPLE_CSV: &[u8] = b"ID,Role,Name\nV1,victim,Anna Ivanova\nW1,witness,Boris Petrov\n";

const PEOPLE_MAPPING: &str = r#"
[[records]]
kind = "person"
sheet = "people"
id = "ID"
columns = { kind = "Role", names = "Name" }
"#;

/// A mapping that is not TOML: the plan stops there, whatever the file.
const BROKEN_MAPPING: &str = "[[records]\nkind = = \"person\"\n";

struct Imports {
    app: TestApp,
    lead: Browser,
    member: Browser,
    case: String,
}

/// A case led by a documenter (who made it through the form), with an investigator as
/// a member.
async fn case_with_a_member() -> Imports {
    let app = spawn_app().await;
    let (_, lead) = app.web_user(Role::Documenter).await;
    let res = app.web_post(&lead, "/cases/new", &[("reference", "IMP-1"), ("title", "Imported")]).await;
    let case = location(&res).trim_start_matches("/cases/").to_owned();
    let (member_id, member) = app.web_user(Role::Investigator).await;
    app.add_member(case.as_str(), member_id).await;
    Imports { app, lead, member, case }
}

impl Imports {
    /// Posts the import form: the fields in the order given, then the file.
    async fn post_plan(&self, b: &Browser, fields: &[(&str, &str)], file: &[u8]) -> reqwest::Response {
        let mut form = Form::new();
        for (name, value) in fields {
            form = form.text((*name).to_owned(), (*value).to_owned());
        }
        let part = Part::bytes(file.to_vec()).file_name("people.csv").mime_str("text/csv").unwrap();
        self.app
            .client
            .post(self.app.url(&format!("/cases/{}/imports", self.case)))
            .header("cookie", format!("custodia={}", b.cookie))
            .multipart(form.part("file", part))
            .send()
            .await
            .unwrap()
    }

    async fn plan(&self, mapping: &str, file: &[u8]) -> String {
        let res = self.post_plan(&self.lead, &[("csrf", &self.lead.csrf), ("mapping", mapping)], file).await;
        assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
        location(&res)
    }

    async fn imports_listed(&self) -> usize {
        let html = self.app.page(&self.lead, &format!("/cases/{}/imports", self.case)).await;
        html.matches("<a href=\"/imports/").count()
    }
}

#[tokio::test]
async fn the_lead_plans_from_the_page_and_a_refused_plan_shows_its_problem_and_cannot_be_applied() {
    let t = case_with_a_member().await;
    let (app, lead) = (&t.app, &t.lead);
    let imports = format!("/cases/{}/imports", t.case);
    assert!(app.page(lead, &format!("/cases/{}", t.case)).await.contains(&format!("href=\"{imports}\"")));

    let html = app.page(lead, &imports).await;
    let form = between(&html, "<form id=\"import-form\"", "</form>").expect("the import form");
    assert!(
        form.contains("enctype=\"multipart/form-data\"") && form.contains("accept=\".csv,.xlsx,.ods,.zip\"")
    );
    let at = |needle: &str| form.find(needle).unwrap_or_else(|| panic!("{needle} in the form"));
    assert!(at("name=\"csrf\"") < at("name=\"mapping\"") && at("name=\"mapping\"") < at("name=\"file\""));
    assert!(form.contains("docs/import.md"), "the mapping's documentation is named");
    assert!(html.contains("Nothing has been imported"));

    let page = t.plan(BROKEN_MAPPING, PEOPLE_CSV).await;
    assert!(page.starts_with("/imports/"), "{page}");
    let html = app.page(lead, &page).await;
    assert!(html.contains("id=\"import-refused\"") && html.contains("plan again"));
    assert!(html.contains("invalid_mapping"), "the problem is listed with its code");
    assert!(html.contains("<th scope=\"col\">Sheet</th>") && html.contains("data-label=\"Row\""));
    assert!(html.contains(&hex::encode(Sha256::digest(PEOPLE_CSV))), "the file's SHA-256 is shown");
    assert!(html.contains("people.csv"));
    assert!(!html.contains("id=\"apply-form\""), "a refused plan offers no apply");

    // Applied anyway (a stale tab): the page again, saying why, not an error page.
    let digest = between(&html, "<code id=\"import-digest\">", "</code>").unwrap().to_owned();
    let res = app.web_post(lead, &format!("{page}/apply"), &[("digest", &digest)]).await;
    assert_eq!(res.status(), 409);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"apply-refused\"") && html.contains("fix the file or the mapping"));
    assert!(html.contains("id=\"import-status\""), "the plan is shown again");

    let list = app.page(lead, &imports).await;
    assert!(list.contains(&format!("href=\"{page}\"")) && list.contains("Refused"));
    let actions = app.audit_actions().await;
    assert!(actions.contains(&"import.plan".to_owned()) && actions.contains(&"import.read".to_owned()));

    // In Russian too.
    let res = app.client.get(app.url(&page)).header("cookie", format!("custodia={}; lang=ru", lead.cookie));
    let html = res.send().await.unwrap().text().await.unwrap();
    assert!(html.contains("План импорта") && html.contains("Составить план заново"));
}

#[tokio::test]
async fn the_form_needs_its_csrf_token_first() {
    let t = case_with_a_member().await;
    let lead = &t.lead;
    let no_token = t.post_plan(lead, &[("mapping", PEOPLE_MAPPING)], PEOPLE_CSV).await;
    assert_eq!(no_token.status(), 403);
    let wrong =
        t.post_plan(lead, &[("csrf", "not-the-token"), ("mapping", PEOPLE_MAPPING)], PEOPLE_CSV).await;
    assert_eq!(wrong.status(), 403);
    let late = t.post_plan(lead, &[("mapping", PEOPLE_MAPPING), ("csrf", &lead.csrf)], PEOPLE_CSV).await;
    assert_eq!(late.status(), 403, "the token comes before anything else");
    let no_mapping = t.post_plan(lead, &[("csrf", &lead.csrf)], PEOPLE_CSV).await;
    assert_eq!(no_mapping.status(), 400);
    assert_eq!(t.imports_listed().await, 0, "nothing was planned");
    assert!(!t.app.audit_actions().await.contains(&"import.plan".to_owned()));

    let page = t.plan(BROKEN_MAPPING, PEOPLE_CSV).await;
    let res = t
        .app
        .client
        .post(t.app.url(&format!("{page}/apply")))
        .header("cookie", format!("custodia={}", lead.cookie));
    let res = res.form(&[("digest", "0".repeat(64))]).send().await.unwrap();
    assert_eq!(res.status(), 403, "apply needs the token too");
}

#[tokio::test]
async fn a_member_who_is_not_the_lead_gets_no_import_page() {
    let t = case_with_a_member().await;
    let (app, member) = (&t.app, &t.member);
    let page = t.plan(BROKEN_MAPPING, PEOPLE_CSV).await;
    let case_page = app.page(member, &format!("/cases/{}", t.case)).await;
    assert!(!case_page.contains("/imports\""), "no link for those who may not import");

    let refused = |status: u16, what: &str| assert!(status == 403 || status == 404, "{what}: {status}");
    let imports = format!("/cases/{}/imports", t.case);
    refused(app.web_get(member, &imports).await.status().as_u16(), "the list");
    refused(app.web_get(member, &page).await.status().as_u16(), "the plan");
    let res = t.post_plan(member, &[("csrf", &member.csrf), ("mapping", PEOPLE_MAPPING)], PEOPLE_CSV).await;
    refused(res.status().as_u16(), "planning");
    let res = app.web_post(member, &format!("{page}/apply"), &[("digest", &"0".repeat(64))]).await;
    refused(res.status().as_u16(), "applying");
    assert_eq!(t.imports_listed().await, 1, "the member's upload planned nothing");
}

/// The whole path through the pages.
#[tokio::test]
async fn the_lead_plans_applies_and_a_changed_case_asks_for_a_new_plan() {
    let t = case_with_a_member().await;
    let (app, lead) = (&t.app, &t.lead);
    let page = t.plan(PEOPLE_MAPPING, PEOPLE_CSV).await;
    let html = app.page(lead, &page).await;
    assert!(html.contains("Planned: ready to apply"), "{html}");
    let counts = between(&html, "<table class=\"list\" id=\"counts\"", "</table>").unwrap();
    assert!(counts.contains("Persons") && counts.contains("<td data-label=\"Create\">2</td>"));
    let steps = between(&html, "<table class=\"list\" id=\"steps\"", "</table>").unwrap();
    assert!(steps.contains("V1") && steps.contains("W1"));
    assert!(html.contains("id=\"apply-form\""));
    let digest = between(&html, "<code id=\"import-digest\">", "</code>").unwrap().to_owned();

    // A second plan, then the case changes: the older plan is refused with its reason.
    let stale = t.plan(PEOPLE_MAPPING, PEOPLE_CSV).await;
    let stale_digest =
        between(&app.page(lead, &stale).await, "<code id=\"import-digest\">", "</code>").unwrap().to_owned();
    let res = app.web_post(lead, &format!("{page}/apply"), &[("digest", &digest)]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), page);
    let html = app.page(lead, &page).await;
    assert!(html.contains("This plan has been applied") && !html.contains("id=\"apply-form\""));
    let case_page = app.page(lead, &format!("/cases/{}", t.case)).await;
    assert!(case_page.contains("Anna Ivanova") || case_page.contains("V-0001"));

    let res = app.web_post(lead, &format!("{stale}/apply"), &[("digest", &stale_digest)]).await;
    assert_eq!(res.status(), 409);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("id=\"apply-refused\"") && html.contains("The case changed since this plan was made")
    );

    // Planned again, the same sheet changes nothing.
    let again = t.plan(PEOPLE_MAPPING, PEOPLE_CSV).await;
    let html = app.page(lead, &again).await;
    assert!(html.contains("<td data-label=\"Unchanged\">2</td>"), "{html}");
}
