//! Pages speak in what the reader may know: pseudonyms, names where the record's rules
//! let this reader see them, incidents by act, date and place, testimonies by witness,
//! version and date; auditors see usernames; every page's ids are unique and every
//! label points at a field; phone tables keep their column names.

use std::collections::BTreeSet;

use reqwest::StatusCode;

use crate::fixtures::{NamesWorld, id_of, names_world};
use crate::helpers::*;
use crate::web::{Browser, between};
use custodia::domain::Role;

/// A request as a reader who chose Russian sends it.
fn in_russian(app: &TestApp, b: &Browser, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    let _ = app;
    req.header("cookie", format!("custodia={}; lang=ru", b.cookie))
}

/// The values of one attribute throughout a page.
fn attributes(html: &str, name: &str) -> Vec<String> {
    let marker = format!(" {name}=\"");
    html.match_indices(&marker)
        .map(|(i, _)| {
            let rest = &html[i + marker.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

/// Duplicate ids, labels pointing at nothing, and cells of list tables without their
/// column's name (shown above each value on a phone).
fn page_faults(path: &str, html: &str) -> Vec<String> {
    let mut faults = Vec::new();
    let ids = attributes(html, "id");
    let mut seen = BTreeSet::new();
    for id in &ids {
        if !seen.insert(id) {
            faults.push(format!("{path}: id {id:?} twice"));
        }
    }
    for target in attributes(html, "for") {
        if !seen.contains(&target) {
            faults.push(format!("{path}: label for {target:?} names no field"));
        }
    }
    for table in html.split("<table class=\"list\"").skip(1) {
        let table = &table[..table.find("</table>").unwrap()];
        let cells = table.matches("<td").count();
        let labelled = table.matches("<td data-label=\"").count();
        if cells != labelled {
            faults.push(format!("{path}: {} of {cells} cells have no data-label", cells - labelled));
        }
    }
    faults
}

/// Every GET page (`web::pages::list`) with the world's real ids, for one reader; pages that do
/// not answer 200 with HTML (refused, not found, downloads, redirects) are skipped.
async fn walk(app: &TestApp, w: &NamesWorld, b: &Browser, user_id: &str) -> (Vec<String>, usize) {
    let bundle = uuid::Uuid::new_v4().to_string();
    let mut faults = Vec::new();
    let mut checked = 0;
    for page in custodia::web::pages::list() {
        let (method, path) = (&page.method, &page.path);
        if *method != "GET" || path.contains("{file}") || path.contains("{code}") || path.contains("/content")
        {
            continue;
        }
        let id = if path.starts_with("/cases/") || path.starts_with("/admin/cases/") {
            id_of(&w.case)
        } else if path.starts_with("/testimonies/") {
            id_of(&w.testimony)
        } else if path.starts_with("/persons/") {
            id_of(&w.perp)
        } else if path.starts_with("/units/") {
            id_of(&w.unit)
        } else if path.starts_with("/incidents/") {
            id_of(&w.incident)
        } else if path.starts_with("/places/") {
            id_of(&w.place)
        } else {
            user_id
        };
        let url = path
            .replace("{id}", id)
            .replace("{bundle_id}", &bundle)
            .replace("{target_type}", "incident")
            .replace("{target_id}", id_of(&w.incident))
            .replace("{seq}", "1");
        let mut urls = vec![url];
        if *path == "/persons/{id}" {
            urls.push(w.victim.clone());
        }
        for url in urls {
            let res = app.web_get(b, &url).await;
            let html_page = res
                .headers()
                .get("content-type")
                .is_some_and(|v| v.to_str().unwrap().starts_with("text/html"));
            if res.status() != StatusCode::OK || !html_page {
                continue;
            }
            checked += 1;
            faults.extend(page_faults(&url, &res.text().await.unwrap()));
        }
    }
    (faults, checked)
}

#[tokio::test]
async fn every_page_of_every_role_has_unique_ids_labels_that_point_at_fields_and_labelled_cells() {
    let app = spawn_app().await;
    let w = names_world(&app).await;
    let (admin_id, admin) = app.web_user(Role::Admin).await;
    let (auditor_id, auditor) = app.web_user(Role::Auditor).await;
    let mut all = Vec::new();
    let mut total = 0;
    let any = uuid::Uuid::new_v4().to_string();
    for (who, b, user) in [
        ("documenter", &w.documenter, any.as_str()),
        ("investigator", &w.investigator, any.as_str()),
        ("lawyer", &w.lawyer, any.as_str()),
        ("admin", &admin, &admin_id.to_string()),
        ("auditor", &auditor, &auditor_id.to_string()),
    ] {
        let (faults, checked) = walk(&app, &w, b, user).await;
        assert!(checked >= 3, "{who} saw only {checked} pages");
        total += checked;
        all.extend(faults.into_iter().map(|f| format!("{who}: {f}")));
    }
    // The documenter's own draft form, where the consent fields once shared one id.
    let html = app.page(&w.documenter, &format!("{}/testimonies/new", w.case)).await;
    all.extend(page_faults("/cases/{id}/testimonies/new", &html));
    assert!(html.contains("id=\"consent.given_on\"") && html.contains("for=\"consent.given_on\""));
    assert!(total >= 30, "only {total} pages walked");
    assert!(all.is_empty(), "{all:#?}");
}

#[tokio::test]
async fn records_are_named_by_pseudonym_name_act_date_and_place_never_by_number_or_id() {
    let app = spawn_app().await;
    let w = names_world(&app).await;
    // The lead sees the victim's name; a member sees only the pseudonym.
    let lead_view = app.page(&w.documenter, &w.victim).await;
    let h1 = between(&lead_view, "<h1>", "</h1>").unwrap();
    assert!(h1.starts_with("Анна Тайная ("), "{h1}");
    let victim_pseudonym = between(h1, "(", ")").unwrap().to_owned();
    let perp_pseudonym = between(&app.page(&w.documenter, &w.perp).await, "<h1>", "</h1>")
        .and_then(|h| between(h, "(", ")"))
        .unwrap()
        .to_owned();
    let witness = between(&app.page(&w.investigator, &w.testimony).await, "<h1>", "</h1>")
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_owned();
    assert!(witness.contains('-'), "a pseudonym such as W-0001: {witness}");

    let inv = &w.investigator;
    let incident = app.page(inv, &w.incident).await;
    for seen in ["Person 1", "Testimony 1", "Человек 1"] {
        assert!(!incident.contains(seen), "{seen} on the incident page");
    }
    assert!(incident.contains(&format!(">{victim_pseudonym}</a>")), "the victim by pseudonym: {incident}");
    assert!(!incident.contains("Анна Тайная"), "a member who may not know the victim's name does not see it");
    assert!(incident.contains("Сидоренко Виктор"), "a perpetrator's name is not protected");
    assert!(incident.contains(&format!("{witness} · version 1 · 5 Mar 2024")), "the account: {incident}");
    assert!(
        between(&incident, "<p class=\"eyebrow\">", "</p>").unwrap().contains("NAMES-7"),
        "the breadcrumb carries the case reference"
    );

    let testimony = app.page(inv, &w.testimony).await;
    let incident_id = id_of(&w.incident);
    let link = between(&testimony, &format!("href=\"/incidents/{incident_id}\">"), "</a>").unwrap();
    assert_eq!(link, "Torture · 12 Aug 2020 · ЦИП на Окрестина", "not a short id");

    let unit = app.page(inv, &w.unit).await;
    assert!(unit.contains(&format!("Сидоренко Виктор ({perp_pseudonym})")), "members by name: {unit}");
    assert!(!unit.contains("Person 1"));
    for page in [&w.unit, &w.perp, &w.place, &w.incident, &format!("{}/records/new", w.case)] {
        let html = app.page(inv, page).await;
        let crumb = between(&html, "<p class=\"eyebrow\">", "</p>").unwrap();
        assert!(crumb.contains("NAMES-7") && !crumb.contains(">Case<"), "{page}: {crumb}");
    }
    // The perpetrator's incidents, in the reader's language.
    let req = in_russian(&app, inv, app.client.get(app.url(&w.perp)));
    let ru = req.send().await.unwrap().text().await.unwrap();
    assert!(ru.contains(">Пытки</a>"), "the act's Russian label: {ru}");
}

#[tokio::test]
async fn the_auditor_reads_usernames_and_roles_chooses_from_lists_and_hides_page_views() {
    let app = spawn_app().await;
    let w = names_world(&app).await;
    for page in [&w.case, &w.victim, &w.testimony] {
        app.page(&w.documenter, page).await;
    }
    let (_, auditor) = app.web_user(Role::Auditor).await;
    let html = app.page(&auditor, "/audit").await;
    assert!(html.contains(&format!("<span class=\"username\">{}</span>", w.documenter_name)), "{html}");
    assert!(html.contains("Documenter"), "the role");
    assert!(
        html.contains("<select id=\"action\" name=\"action\"") && html.contains("value=\"case.member_add\"")
    );
    assert!(html.contains("<select id=\"target_type\" name=\"target_type\""));
    assert!(!html.contains("Нас били"), "still no content");

    // By username, with page views folded away: only what the documenter changed.
    let all = app.page(&auditor, &format!("/audit?actor={}", w.documenter_name)).await;
    assert!(all.contains("<code>case.read</code>") && all.contains("<code>case.create</code>"), "{all}");
    let changes = app.page(&auditor, &format!("/audit?actor={}&hide_reads=1", w.documenter_name)).await;
    assert!(
        changes.contains("<code>case.create</code>") && changes.contains("<code>testimony.create</code>")
    );
    assert!(!changes.contains("<code>case.read</code>") && !changes.contains("<code>person.read</code>"));
    assert!(changes.contains("name=\"hide_reads\" value=\"1\" checked"));
    let nobody = app.page(&auditor, "/audit?actor=nobody-by-this-name").await;
    assert!(nobody.contains("No entries match."));
}

#[tokio::test]
async fn counts_follow_plural_rules_and_the_russian_quick_exit_is_unmistakable() {
    let app = spawn_app().await;
    let w = names_world(&app).await;
    let preview = format!("{}/export/preview", w.case);
    let res = app.web_post(&w.lawyer, &preview, &[("recipient", "prosecutors"), ("scope", "all")]).await;
    let html = res.text().await.unwrap();
    assert!(html.contains("1 account will go") && html.contains("1 incident and 1 perpetrator"), "{html}");
    assert!(!html.contains("1 accounts") && !html.contains("1 incidents"));

    let form = [("csrf", w.lawyer.csrf.as_str()), ("recipient", "prosecutors"), ("scope", "all")];
    let req = in_russian(&app, &w.lawyer, app.client.post(app.url(&preview)).form(&form));
    let html = req.send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Войдёт 1 показание") && html.contains("1 эпизод и 1 исполнитель"), "{html}");
    let exit = between(&html, "<button class=\"exit\" type=\"submit\"", "</button>").unwrap();
    assert!(exit.ends_with(">Быстрый выход"), "{exit}");
    assert!(!html.contains(">Уйти<"));
    // First in the header after the name, so it stays on a phone's first row.
    let header = between(&html, "<header class=\"top\">", "</header>").unwrap();
    assert!(header.find("class=\"exit\"").unwrap() < header.find("<nav").unwrap());
}
