//! The testimony form as a documenter uses it during an interview, and the links that
//! carry evidence: a testimony linked to incidents from its own page, an involvement
//! citing the testimonies that support it (issue 16).

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::web::{Browser, between, location, testimony_fields};
use custodia::domain::Role;

/// A documenter's new case: its path and id.
async fn new_case(app: &TestApp, b: &Browser, reference: &str) -> (String, String) {
    let case = location(&app.web_post(b, "/cases/new", &[("reference", reference), ("title", "t")]).await);
    let id = case.trim_start_matches("/cases/").to_owned();
    (case, id)
}

/// A draft recorded through the form: the testimony's path (no query).
async fn draft(app: &TestApp, b: &Browser, case_id: &str, account: &str) -> String {
    let fields = testimony_fields(&[("witness_id", "new"), ("account", account)]);
    let res = app.web_post(b, &format!("/cases/{case_id}/testimonies/new"), &fields).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    location(&res).split('?').next().unwrap().to_owned()
}

/// The API's view of a testimony, with a token for the browser's user.
async fn api_view(app: &TestApp, b: &Browser, testimony: &str) -> Value {
    let account_page = app.page(b, "/account").await;
    let token = app.login(between(&account_page, "<dd>", "</dd>").unwrap(), PASSWORD).await;
    app.get(&format!("/api/v1{testimony}"), &token).await.json().await.unwrap()
}

#[tokio::test]
async fn the_form_puts_the_account_first_and_offers_every_language_in_the_readers_language() {
    let app = spawn_app().await;
    let (_, b) = app.web_user(Role::Documenter).await;
    let (case, case_id) = new_case(&app, &b, "FORM-1").await;
    let new = format!("{case}/testimonies/new");
    let form = app.page(&b, &new).await;
    let at = |needle: &str| form.find(needle).unwrap_or_else(|| panic!("{needle} in the form"));
    assert!(at("id=\"account\"") < at("id=\"witness_id\""), "the account comes first");
    assert!(at("id=\"account\"") < at("id=\"interview_date\""));
    assert!(at("id=\"account\"") < at("name=\"given_on\""));
    assert!(form.contains("id=\"mark-identifying\" type=\"button\" hidden"), "shown by the script");
    assert!(form.contains("[[Ivan Petrov]]"), "without script, the hint explains the marking");
    assert!(form.contains("Ctrl+S"));
    // A searchable list of every ISO 639-1 language (and some 639-3 ones), not four boxes.
    let list = between(&form, "<datalist id=\"iso639\">", "</datalist>").expect("a language list");
    assert!(list.matches("<option").count() >= 184, "all of ISO 639-1");
    assert!(list.contains("value=\"Crimean Tatar (crh)\"") && list.contains("value=\"Ukrainian (uk)\""));
    assert!(!form.contains("name=\"languages\" value=\"ru\""), "no fixed checkboxes");
    // In Russian, the labels are Russian.
    let res = app
        .client
        .get(app.url(&new))
        .header("cookie", format!("custodia={}; lang=ru", b.cookie))
        .send()
        .await
        .unwrap();
    let ru = res.text().await.unwrap();
    assert!(ru.contains("value=\"Украинский (uk)\"") && ru.contains("value=\"Крымскотатарский (crh)\""));

    // Chosen from the list, typed as a name in any of the three, or as any ISO 639 code.
    let fields = testimony_fields(&[("witness_id", "new"), ("account", "Words")]);
    let mut fields: Vec<(&str, &str)> = fields.into_iter().filter(|(k, _)| *k != "languages").collect();
    fields.extend([("languages", "Crimean Tatar (crh)"), ("languages", "украинский"), ("languages", "rus")]);
    fields.extend([("languages", ""), ("languages", "Ukrainian (uk)")]);
    let res = app.web_post(&b, &new, &fields).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let page = location(&res).split('?').next().unwrap().to_owned();
    let view = api_view(&app, &b, &page).await;
    assert_eq!(view["languages"], json!(["crh", "uk", "ru"]), "codes as stored, once each");
    let html = app.page(&b, &page).await;
    assert!(html.contains("Crimean Tatar, Ukrainian, Russian"), "named on the page");
    assert!(
        html.contains(
            "id=\"languages\" name=\"languages\" type=\"text\" list=\"iso639\" value=\"Crimean Tatar (crh)\""
        ),
        "the draft form shows them named"
    );

    // Something that is no language is refused next to its field, as typed, with nothing
    // recorded; the API refuses it too.
    let before = app.audit_actions().await.iter().filter(|a| *a == "testimony.create").count();
    let mut fields = testimony_fields(&[("witness_id", "new"), ("account", "Other words")]);
    fields.push(("languages", "Klingonish"));
    let res = app.web_post(&b, &new, &fields).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"languages-error\"") && html.contains("value=\"Klingonish\""), "{html}");
    assert_eq!(app.audit_actions().await.iter().filter(|a| *a == "testimony.create").count(), before);
    let account_page = app.page(&b, "/account").await;
    let token = app.login(between(&account_page, "<dd>", "</dd>").unwrap(), PASSWORD).await;
    let witness = PersonId::from(view["witness"]["id"].as_str().unwrap());
    let body = |language: &str| {
        let consent = Consent::shared_with(&[]).given_on("2024-03-05");
        NewTestimony::by(&witness).languages(&[language]).account("x").consent(consent).json()
    };
    let res = app.post(&format!("/api/v1/cases/{case_id}/testimonies"), &token, body("xq")).await;
    assert_eq!(res.status(), 422, "two letters that are no language");
    let res = app.post(&format!("/api/v1/cases/{case_id}/testimonies"), &token, body("crh")).await;
    assert!(res.status().is_success(), "any ISO 639-3 language");
}

#[tokio::test]
async fn sealing_asks_first_and_says_it_cannot_be_undone() {
    let app = spawn_app().await;
    let (_, b) = app.web_user(Role::Documenter).await;
    let (_, case_id) = new_case(&app, &b, "FORM-2").await;
    let t = draft(&app, &b, &case_id, "An account").await;
    let html = app.page(&b, &t).await;
    let at = |needle: &str| html.find(needle).unwrap_or_else(|| panic!("{needle} on the draft page"));
    assert!(
        at("id=\"account\"") < at("id=\"attachments-h\""),
        "the account to type on comes before the files"
    );
    assert!(html.contains(&format!("id=\"seal\" href=\"{t}/seal\"")), "a link to the question, not a seal");
    assert!(!html.contains(&format!("action=\"{t}/seal\"")), "no one-click seal on the draft page");

    let confirm = app.page(&b, &format!("{t}/seal")).await;
    assert!(confirm.contains("cannot be undone"));
    assert!(confirm.contains(&format!("action=\"{t}/seal\"")) && confirm.contains("id=\"seal-confirm\""));
    assert_eq!(api_view(&app, &b, &t).await["status"], "draft", "asking seals nothing");

    let res = app.web_post(&b, &format!("{t}/seal"), &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(api_view(&app, &b, &t).await["status"], "sealed");
    // Once sealed, the question leads back to the testimony.
    let res = app.web_get(&b, &format!("{t}/seal")).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), t);
    // Someone who may not seal is not asked.
    let (inv_id, inv) = app.web_user(Role::Investigator).await;
    app.add_member(&case_id, inv_id).await;
    assert_eq!(app.web_get(&inv, &format!("{t}/seal")).await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_documenter_links_a_testimony_to_an_incident_and_records_one_from_its_page() {
    let app = spawn_app().await;
    let (_, b) = app.web_user(Role::Documenter).await;
    let (case, case_id) = new_case(&app, &b, "FORM-3").await;
    let res = app
        .web_post(&b, &format!("{case}/incidents/new"), &[("act_type", "torture"), ("start_date", "2020-08")])
        .await;
    assert_eq!(res.status(), 303);
    let incident = location(&res).trim_start_matches("/incidents/").to_owned();
    let t = draft(&app, &b, &case_id, "They beat us in the yard").await;

    let html = app.page(&b, &t).await;
    assert!(html.contains("id=\"link-form\"") && html.contains("id=\"incident-here-form\""));
    let res = app.web_post(&b, &format!("{t}/link"), &[("incident_id", &incident)]).await;
    assert_eq!(res.status(), 303, "a documenter may link their testimony");
    assert!(app.page(&b, &t).await.contains(&format!("href=\"/incidents/{incident}\"")));

    // A new incident from the testimony page: recorded and linked in one step.
    let res = app
        .web_post(
            &b,
            &format!("{t}/incidents/new"),
            &[("act_type", "arbitrary_detention"), ("start_date", "2020-08-10"), ("description", "The yard")],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    assert!(location(&res).ends_with("?linked=1"));
    let view = api_view(&app, &b, &t).await;
    let linked = view["incidents"].as_array().unwrap();
    assert_eq!(linked.len(), 2, "{view}");
    let actions = app.audit_actions().await;
    assert!(
        actions.contains(&"incident.create".to_owned()) && actions.contains(&"testimony.link".to_owned())
    );

    // A bad date comes back next to its field; neither the incident nor a link is made.
    let res = app
        .web_post(&b, &format!("{t}/incidents/new"), &[("act_type", "torture"), ("start_date", "2020-13-45")])
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"start_date-error\"") && html.contains("value=\"2020-13-45\""), "{html}");
    assert_eq!(api_view(&app, &b, &t).await["incidents"].as_array().unwrap().len(), 2);
    // The same form on a page of its own.
    assert!(app.page(&b, &format!("{t}/incidents/new")).await.contains("id=\"incident-here-form\""));

    // A lawyer of the case reads the testimony but links nothing.
    let (lawyer_id, lawyer) = app.web_user(Role::Lawyer).await;
    app.add_member(&case_id, lawyer_id).await;
    assert!(!app.page(&lawyer, &t).await.contains("id=\"incident-here-form\""));
    let res = app.web_post(&lawyer, &format!("{t}/link"), &[("incident_id", &incident)]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app.web_post(&lawyer, &format!("{t}/incidents/new"), &[("act_type", "torture")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_involvement_cites_its_testimonies_and_the_perpetrator_and_unit_pages_show_them() {
    let app = spawn_app().await;
    let (_, doc) = app.web_user(Role::Documenter).await;
    let (case, case_id) = new_case(&app, &doc, "FORM-4").await;
    let unit = location(&app.web_post(&doc, &format!("{case}/units/new"), &[("name", "ОМОН")]).await);
    let unit_id = unit.trim_start_matches("/units/");
    let perp = location(
        &app.web_post(
            &doc,
            &format!("{case}/persons/new"),
            &[("kind", "perpetrator"), ("names", "Орлов"), ("unit_id", unit_id)],
        )
        .await,
    );
    let incident = location(
        &app.web_post(
            &doc,
            &format!("{case}/incidents/new"),
            &[("act_type", "torture"), ("start_date", "2020-08")],
        )
        .await,
    );
    let cited = draft(&app, &doc, &case_id, "Orlov gave the orders").await;
    let other = draft(&app, &doc, &case_id, "Another account").await;
    assert_eq!(app.web_post(&doc, &format!("{cited}/seal"), &[]).await.status(), 303);
    let pseudonym = api_view(&app, &doc, &cited).await["witness"]["pseudonym"].as_str().unwrap().to_owned();
    let cited_id = cited.trim_start_matches("/testimonies/");
    // A testimony of another case cannot be cited.
    let (_, elsewhere_id) = new_case(&app, &doc, "FORM-5").await;
    let elsewhere = draft(&app, &doc, &elsewhere_id, "Elsewhere").await;

    let (inv_id, inv) = app.web_user(Role::Investigator).await;
    app.add_member(&case_id, inv_id).await;
    let html = app.page(&inv, &incident).await;
    let form = between(&html, "id=\"involvement-form\"", "</form>").expect("the involvement form");
    assert!(form.contains(&format!("name=\"testimony_ids\" value=\"{cited_id}\"")), "{form}");
    assert!(
        form.contains(&format!("{pseudonym} · version 1 · 5 Mar 2024")),
        "named by witness, version, date"
    );
    assert!(form.contains(other.trim_start_matches("/testimonies/")), "every testimony of the case");

    let who = format!("person:{}", perp.trim_start_matches("/persons/"));
    let res = app
        .web_post(
            &inv,
            &format!("{incident}/involvements"),
            &[
                ("who", &who),
                ("role", "carried_out"),
                ("testimony_ids", elsewhere.trim_start_matches("/testimonies/")),
            ],
        )
        .await;
    assert_eq!(res.status(), 422, "another case's testimony");
    assert!(res.text().await.unwrap().contains("class=\"alert\""), "said above the form");
    assert!(!app.page(&inv, &perp).await.contains(&incident), "nothing recorded");

    let res = app
        .web_post(
            &inv,
            &format!("{incident}/involvements"),
            &[("who", &who), ("role", "carried_out"), ("testimony_ids", cited_id)],
        )
        .await;
    assert_eq!(res.status(), 303);
    let citation = format!("href=\"{cited}\">{pseudonym} · version 1 · 5 Mar 2024</a>");
    let html = app.page(&inv, &location(&res)).await;
    assert!(html.contains("supported by") && html.contains(&citation), "{html}");
    let html = app.page(&inv, &perp).await;
    assert!(html.contains(&incident) && html.contains(&citation), "the perpetrator's page cites it: {html}");
    let html = app.page(&inv, &unit).await;
    assert!(html.contains(&citation), "the unit's page cites it: {html}");
}
