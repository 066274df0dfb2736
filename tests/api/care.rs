//! The care of witnesses (the Murad Code) as its keepers live it: a consent ledger whose
//! latest decision stands and whose bad input writes nothing, a withdrawal for one
//! recipient that keeps the account out of that recipient's next bundle only, the
//! prior-interview check across scripts and only within the caller's cases, the
//! reminders of the case page, who may do what, and no canary at rest or in the logs.

use std::io::Read;

use chrono::{Duration, Utc};
use custodia::domain::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::canary::{assert_absent, database_rows};
use crate::helpers::*;
use crate::web::location;

fn today() -> chrono::NaiveDate {
    Utc::now().date_naive()
}

fn day(offset: i64) -> String {
    (today() + Duration::days(offset)).to_string()
}

fn entry(purpose: &str, recipient: &str, decision: &str, on: &str) -> Value {
    json!({
        "purpose": purpose, "recipient": recipient, "decision": decision, "decided_on": on,
        "language": "ru", "how_given": "oral_recorded",
        "explained": "Кто получит показания и зачем", "text_version": "2024-1"
    })
}

async fn record(app: &TestApp, token: &str, person: &PersonId, body: Value) -> reqwest::Response {
    app.post(&format!("/api/v1/persons/{person}/consent"), token, body).await
}

async fn json_of(res: reqwest::Response, status: u16) -> Value {
    assert_eq!(res.status().as_u16(), status);
    res.json().await.unwrap()
}

/// A case led by a documenter with a lawyer and an investigator as members, and one
/// witness: (app, lead, lawyer, investigator, case, witness).
struct World {
    app: TestApp,
    lead: String,
    lawyer: String,
    investigator: String,
    case: CaseId,
    witness: PersonId,
}

async fn world() -> World {
    let app = spawn_app().await;
    let (_, lead) = app.user_with_token(Role::Documenter).await;
    let (lawyer_id, lawyer) = app.user_with_token(Role::Lawyer).await;
    let (investigator_id, investigator) = app.user_with_token(Role::Investigator).await;
    let case = app.create_case(&lead, NewCase::any()).await.id;
    app.add_member(&case, lawyer_id).await;
    app.add_member(&case, investigator_id).await;
    let witness = app.create_person(&lead, &case, NewPerson::witness().named("Алеся Свидетель")).await.id;
    World { app, lead, lawyer, investigator, case, witness }
}

#[tokio::test]
async fn the_ledger_keeps_every_decision_and_the_latest_for_each_purpose_and_recipient_stands() {
    let w = world().await;
    let app = &w.app;
    for body in [
        entry("share_account", "prosecutors", "granted", &day(-30)),
        entry("be_named", "ngos", "refused", &day(-20)),
        entry("share_account", "prosecutors", "withdrawn", &day(-10)),
        entry("share_account", "prosecutors", "granted", &day(-1)),
    ] {
        let created = json_of(record(app, &w.lead, &w.witness, body.clone()).await, 201).await;
        assert_eq!(created["decision"], body["decision"]);
        assert_eq!(created["explained"], "Кто получит показания и зачем");
    }
    // The lawyer reads it: what was explained matters to the court.
    let ledger =
        json_of(app.get(&format!("/api/v1/persons/{}/consent", w.witness), &w.lawyer).await, 200).await;
    let history = ledger["history"].as_array().unwrap();
    assert_eq!(history.len(), 4);
    let decisions: Vec<&str> = history.iter().map(|e| e["decision"].as_str().unwrap()).collect();
    assert_eq!(decisions, ["granted", "withdrawn", "refused", "granted"], "newest first");
    let standing = ledger["standing"].as_array().unwrap();
    assert_eq!(standing.len(), 2, "{standing:?}");
    let of = |p: &str, r: &str| {
        standing.iter().find(|s| s["purpose"] == p && s["recipient"] == r).unwrap()["decision"].clone()
    };
    assert_eq!(of("share_account", "prosecutors"), "granted", "re-consent is the latest entry");
    assert_eq!(of("be_named", "ngos"), "refused");
    assert_eq!(ledger["history"][0]["language"], "ru");
    assert_eq!(ledger["history"][0]["how_given"], "oral_recorded");

    // Entries are never edited nor deleted: no such operation exists.
    let id = ledger["history"][0]["id"].as_str().unwrap();
    for method in [Method::PUT, Method::PATCH, Method::DELETE] {
        let path = format!("/api/v1/persons/{}/consent", w.witness);
        let res = app.call(method.clone(), &path, Some(&w.lead), Some(json!({"id": id}))).await;
        assert_eq!(res.status().as_u16(), 405, "{method}");
    }
    let actions = app.audit_actions().await;
    assert_eq!(actions.iter().filter(|a| *a == "consent.record").count(), 4);
    assert!(actions.iter().any(|a| a == "consent.read"));
}

#[tokio::test]
async fn bad_consent_is_refused_naming_the_field_and_nothing_is_written() {
    let w = world().await;
    let app = &w.app;
    let cases = [
        (entry("share_everything", "prosecutors", "granted", &day(0)), "purpose", "unknown_code"),
        (entry("share_account", "journalists", "granted", &day(0)), "recipient", "invalid_recipient"),
        (entry("share_account", "prosecutors", "granted", &day(1)), "decided_on", "in_future"),
        (
            {
                let mut e = entry("share_account", "prosecutors", "granted", &day(0));
                e["language"] = json!("Russian");
                e
            },
            "language",
            "invalid_language",
        ),
        (
            {
                let mut e = entry("share_account", "prosecutors", "granted", &day(0));
                e["explained"] = json!("  ");
                e
            },
            "explained",
            "required",
        ),
    ];
    for (body, field, code) in cases {
        let problem =
            assert_problem(record(app, &w.lead, &w.witness, body).await, 422, "validation_error").await;
        let errors = problem["errors"].as_array().unwrap();
        assert!(errors.iter().any(|e| e["field"] == field && e["code"] == code), "{field}: {problem}");
    }
    // A decision that is not one of the three is refused as a body.
    let mut body = entry("share_account", "prosecutors", "granted", &day(0));
    body["decision"] = json!("maybe");
    assert_eq!(record(app, &w.lead, &w.witness, body).await.status(), 400);
    let ledger =
        json_of(app.get(&format!("/api/v1/persons/{}/consent", w.witness), &w.lead).await, 200).await;
    assert_eq!(ledger["history"], json!([]), "nothing was written");
    assert!(!app.audit_actions().await.iter().any(|a| a == "consent.record"));

    // Referrals and feedback: the same rule.
    let path = format!("/api/v1/persons/{}/referrals", w.witness);
    let bad = json!({"kind": "astrology", "made_on": day(0), "referred_to": "x"});
    assert_problem(app.post(&path, &w.lead, bad).await, 422, "validation_error").await;
    let bad = json!({"kind": "medical", "made_on": day(0), "follow_up_on": day(-1), "referred_to": "x"});
    assert_problem(app.post(&path, &w.lead, bad).await, 422, "validation_error").await;
    let path = format!("/api/v1/persons/{}/feedback", w.witness);
    let bad = json!({"given_on": day(1), "summary": "x"});
    assert_problem(app.post(&path, &w.lead, bad).await, 422, "validation_error").await;
    let care = json_of(app.get(&format!("/api/v1/persons/{}/care", w.witness), &w.lead).await, 200).await;
    assert_eq!((care["referrals"].clone(), care["feedback"].clone()), (json!([]), json!([])));
    assert_eq!(care["preferences"], Value::Null);
}

#[tokio::test]
async fn who_keeps_consent_and_who_reads_it() {
    let w = world().await;
    let app = &w.app;
    let (_, outsider) = app.user_with_token(Role::Documenter).await;
    let person = format!("/api/v1/persons/{}", w.witness);
    let ok = entry("share_account", "prosecutors", "granted", &day(0));
    // Lawyers and investigators read the ledger but keep nothing; care is not theirs.
    for token in [&w.lawyer, &w.investigator] {
        assert_eq!(app.get(&format!("{person}/consent"), token).await.status(), 200);
        assert_problem(record(app, token, &w.witness, ok.clone()).await, 403, "forbidden").await;
        assert_problem(app.get(&format!("{person}/care"), token).await, 403, "forbidden").await;
        assert_problem(app.get(&format!("{person}/referrals"), token).await, 403, "forbidden").await;
        let reminders = format!("/api/v1/cases/{}/reminders", w.case);
        assert_problem(app.get(&reminders, token).await, 403, "forbidden").await;
    }
    // Outsiders learn nothing, not even that the person exists.
    assert_problem(app.get(&format!("{person}/consent"), &outsider).await, 404, "not_found").await;
    assert_problem(record(app, &outsider, &w.witness, ok.clone()).await, 404, "not_found").await;
    // A documenter member who does not lead keeps consent too (the policy's documenter).
    let (doc_id, doc) = app.user_with_token(Role::Documenter).await;
    app.add_member(&w.case, doc_id).await;
    assert_eq!(record(app, &doc, &w.witness, ok).await.status(), 201);
    assert_eq!(app.get(&format!("{person}/care"), &doc).await.status(), 200);
    // Prior interviews: documenters and investigators, not lawyers.
    let ask = json!({"name": "Алеся Свидетель"});
    assert_problem(app.post("/api/v1/prior-interviews", &w.lawyer, ask.clone()).await, 403, "forbidden")
        .await;
    assert_eq!(app.post("/api/v1/prior-interviews", &w.investigator, ask).await.status(), 200);
}

/// Reads `data/redactions.json` and says whether any payload file mentions `needle`.
fn bundle_parts(tar_bytes: &[u8], needle: &str) -> (Value, bool) {
    let mut archive = tar::Archive::new(tar_bytes);
    let (mut redactions, mut found) = (Value::Null, false);
    for file in archive.entries().unwrap() {
        let mut file = file.unwrap();
        let path = file.path().unwrap().to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).unwrap();
        if path.ends_with("data/redactions.json") {
            redactions = serde_json::from_slice(&bytes).unwrap();
        }
        found |= bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    }
    (redactions, found)
}

async fn bundle(w: &World, recipient: &str) -> Vec<u8> {
    let view = w.app.export(&w.lawyer, &w.case, BundleRequest::to(recipient)).await;
    let path = format!("/api/v1/cases/{}/bundles/{}/download", w.case, view["id"].as_str().unwrap());
    let res = w.app.get(&path, &w.lawyer).await;
    assert_eq!(res.status(), 200);
    res.bytes().await.unwrap().to_vec()
}

fn withheld(redactions: &Value) -> Vec<(String, String)> {
    redactions["withheld_testimonies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["witness"].as_str().unwrap().to_owned(), t["reason"].as_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn withdrawal_for_one_recipient_keeps_the_account_from_that_recipients_next_bundle_only() {
    let w = world().await;
    let app = &w.app;
    let account = format!("account-{} Нас держали в камере вдесятером.", uuid::Uuid::new_v4().simple());
    let consent = Consent::shared_with(&["prosecutors", "un_bodies"]).named().given_on("2021-03-01");
    let testimony = NewTestimony::by(&w.witness)
        .interviewed("2021-03-01")
        .languages(&["ru"])
        .account(&account)
        .consent(consent.text_version("2021-1"));
    app.record_sealed(&w.lead, &w.case, testimony).await;

    // Before: both recipients receive the account, and the witness is named.
    for recipient in ["prosecutors", "un_bodies"] {
        let (redactions, found) = bundle_parts(&bundle(&w, recipient).await, &account);
        assert!(found, "{recipient} receives the account");
        assert_eq!(withheld(&redactions), vec![], "{recipient}");
    }

    // The witness withdraws consent for prosecutors, and asks not to be named to UN bodies.
    let withdrawal = entry("share_account", "prosecutors", "withdrawn", &day(0));
    assert_eq!(record(app, &w.lead, &w.witness, withdrawal).await.status(), 201);
    let unnamed = entry("be_named", "un_bodies", "refused", &day(0));
    assert_eq!(record(app, &w.lead, &w.witness, unnamed).await.status(), 201);

    let (redactions, found) = bundle_parts(&bundle(&w, "prosecutors").await, &account);
    assert!(!found, "the account left the prosecutors' bundle");
    assert_eq!(withheld(&redactions), vec![("W-0001".into(), "consent_withdrawn_for_recipient".into())]);
    let un = bundle(&w, "un_bodies").await;
    let (redactions, found) = bundle_parts(&un, &account);
    assert!(found, "UN bodies still receive it");
    assert_eq!(withheld(&redactions), vec![]);
    let (_, named) = bundle_parts(&un, "Алеся Свидетель");
    assert!(!named, "the ledger's refusal to be named holds for UN bodies");
    // The preview says the same before anything is made.
    let (lawyer_id, browser) = app.web_user(Role::Lawyer).await;
    app.add_member(&w.case, lawyer_id).await;
    let preview = format!("/cases/{}/export/preview", w.case);
    let res = app.web_post(&browser, &preview, &[("recipient", "prosecutors"), ("scope", "all")]).await;
    let html = res.text().await.unwrap();
    assert!(html.contains("withdrew consent for this recipient"), "{html}");
    let res = app.web_post(&browser, &preview, &[("recipient", "un_bodies"), ("scope", "all")]).await;
    assert!(!res.text().await.unwrap().contains("for this recipient"));

    // Refusal reads as such; a later grant in the ledger restores the recipient.
    let refused = entry("share_account", "un_bodies", "refused", &day(0));
    assert_eq!(record(app, &w.lead, &w.witness, refused).await.status(), 201);
    let (redactions, _) = bundle_parts(&bundle(&w, "un_bodies").await, &account);
    assert_eq!(withheld(&redactions), vec![("W-0001".into(), "consent_refused_for_recipient".into())]);
    let again = entry("share_account", "prosecutors", "granted", &day(0));
    assert_eq!(record(app, &w.lead, &w.witness, again).await.status(), 201);
    let (_, found) = bundle_parts(&bundle(&w, "prosecutors").await, &account);
    assert!(found, "re-consent brings the account back for prosecutors");
}

#[tokio::test]
async fn a_prior_interview_is_found_across_scripts_in_the_callers_cases_and_nowhere_else() {
    let app = spawn_app().await;
    let lead_name = format!("lead-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    app.add_user(&lead_name, Role::Documenter).await;
    let lead = app.login(&lead_name, PASSWORD).await;
    let (member_id, member) = app.user_with_token(Role::Documenter).await;
    let (_, stranger) = app.user_with_token(Role::Documenter).await;
    let reference = format!("PRI-{}", &uuid::Uuid::new_v4().simple().to_string()[..6]);
    let case = app.create_case(&lead, NewCase::new(&reference, "t")).await.id;
    app.add_member(&case, member_id).await;
    let account = "secret-account Меня били в ИВС.";
    let witness =
        app.create_person(&lead, &case, NewPerson::witness().named("Сидоренко Виктор Петрович")).await.id;
    app.record_testimony(&lead, &case, NewTestimony::by(&witness).account(account)).await;
    // A victim of the same case who never gave an account: not an interview.
    app.create_person(&lead, &case, NewPerson::victim().named("Ольга Смирнова")).await;
    // Someone else's case the member is not in.
    let other = app.create_case(&stranger, NewCase::new(&format!("{reference}X"), "t")).await.id;
    let theirs = app.create_person(&stranger, &other, NewPerson::witness().named("Иван Козлов")).await.id;
    app.record_testimony(&stranger, &other, NewTestimony::by(&theirs).account("x")).await;

    let ask = |token: &str, name: &str| {
        let (app, token, name) = (&app, token.to_owned(), name.to_owned());
        async move {
            json_of(app.post("/api/v1/prior-interviews", &token, json!({"name": name})).await, 200).await
        }
    };
    for name in ["Viktor Sidorenko", "Сидоренко Виктор", "SIDORENKO Viktor Petrovich"] {
        let answer = ask(&member, name).await;
        assert_eq!(answer["interviewed_before"], true, "{name}");
        assert_eq!(answer["matches"], json!([{"case_reference": reference, "leads": [lead_name]}]), "{name}");
        let text = answer.to_string();
        for leak in ["Сидоренко", "W-0001", witness.as_str(), case.as_str(), "secret-account"] {
            assert!(!text.contains(leak), "{name}: the answer carries {leak}");
        }
    }
    for (token, name) in [
        (&member, "Иван Козлов"),
        (&member, "Ольга Смирнова"),
        (&member, "Сидоренко"),
        (&stranger, "Viktor Sidorenko"),
    ] {
        let answer = ask(token, name).await;
        assert_eq!(answer, json!({"interviewed_before": false, "matches": []}), "{name}");
    }
    assert_eq!(ask(&stranger, "Kozlov Ivan").await["interviewed_before"], true, "their own case");
    assert_problem(
        app.post("/api/v1/prior-interviews", &member, json!({"name": " "})).await,
        422,
        "validation_error",
    )
    .await;

    // The log holds counts, never the name.
    let entries = app.state.context().read(|c| custodia::audit::recent(c, 1000)).await.unwrap();
    let checks: Vec<_> = entries.iter().filter(|e| e.action == "person.prior_interviews").collect();
    assert_eq!(checks.len(), 8);
    let text = serde_json::to_string(&checks).unwrap();
    assert!(!text.contains("Sidorenko") && !text.contains("Козлов"), "{text}");
    assert!(checks.iter().all(|e| e.details.contains("\"matches\"")), "{text}");

    // Not an oracle: after its hourly allowance an account is refused; others are not.
    let member_checks =
        checks.iter().filter(|e| e.actor_user_id.as_deref() == Some(&*member_id.to_string())).count() as i64;
    for _ in member_checks..custodia::care::prior::PER_HOUR {
        ask(&member, "Someone Else").await;
    }
    let refused = app.post("/api/v1/prior-interviews", &member, json!({"name": "Viktor Sidorenko"})).await;
    assert_problem(refused, 429, "rate_limited").await;
    assert_eq!(ask(&stranger, "Kozlov Ivan").await["interviewed_before"], true);
}

#[tokio::test]
async fn reminders_list_news_and_follow_ups_due_oldest_first() {
    let w = world().await;
    let app = &w.app;
    let second = app.create_person(&w.lead, &w.case, NewPerson::victim().named("Второй")).await.id;
    let third = app.create_person(&w.lead, &w.case, NewPerson::victim().named("Третий")).await.id;
    let care = |due: String| json!({"channels": "Signal", "may_contact": true, "feedback": {"what": "trial", "how_often": "monthly"}, "feedback_due": due});
    for (person, due) in [(&w.witness, day(-5)), (&second, day(-10)), (&third, day(3))] {
        let res = app
            .call(Method::PUT, &format!("/api/v1/persons/{person}/care"), Some(&w.lead), Some(care(due)))
            .await;
        assert_eq!(res.status(), 200);
    }
    let referral = |follow: String, status: &str| json!({"kind": "psychological", "made_on": day(-20), "status": status, "follow_up_on": follow, "referred_to": "Центр"});
    let path = format!("/api/v1/persons/{}/referrals", w.witness);
    let open = json_of(app.post(&path, &w.lead, referral(day(-2), "made")).await, 201).await;
    json_of(app.post(&path, &w.lead, referral(day(-3), "completed")).await, 201).await;
    json_of(app.post(&path, &w.lead, referral(day(2), "accepted")).await, 201).await;

    let reminders = format!("/api/v1/cases/{}/reminders", w.case);
    let r = json_of(app.get(&reminders, &w.lead).await, 200).await;
    let pseudonyms = |list: &Value| -> Vec<String> {
        list.as_array().unwrap().iter().map(|x| x["pseudonym"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(pseudonyms(&r["feedback_due"]), ["V-0001", "W-0001"], "oldest first");
    assert_eq!(r["referral_follow_up_due"].as_array().unwrap().len(), 1);
    assert_eq!(r["referral_follow_up_due"][0]["referral_id"], open["id"]);
    assert_eq!(r["referral_follow_up_due"][0]["kind"], "psychological");

    // News given sets the next due date; a referral completed leaves the list.
    let given = json!({"given_on": day(0), "summary": "Суд назначен", "next_due": day(30)});
    json_of(app.post(&format!("/api/v1/persons/{second}/feedback"), &w.lead, given).await, 201).await;
    let update = json!({"status": "completed", "outcome": "помогли"});
    let id = open["id"].as_str().unwrap();
    let updated = json_of(
        app.call(Method::PUT, &format!("/api/v1/referrals/{id}"), Some(&w.lead), Some(update)).await,
        200,
    )
    .await;
    assert_eq!(updated["outcome"], "помогли");
    let r = json_of(app.get(&reminders, &w.lead).await, 200).await;
    assert_eq!(pseudonyms(&r["feedback_due"]), ["W-0001"]);
    assert_eq!(r["referral_follow_up_due"], json!([]));
    let care = json_of(app.get(&format!("/api/v1/persons/{second}/care"), &w.lead).await, 200).await;
    assert_eq!(care["preferences"]["feedback_due"], day(30));
    assert_eq!(care["feedback"][0]["summary"], "Суд назначен");
    assert_eq!(care["preferences"]["feedback"]["how_often"], "monthly");
}

#[tokio::test]
async fn no_canary_from_the_care_of_witnesses_reaches_disk_rows_or_logs() {
    let w = world().await;
    let app = &w.app;
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let canary = |what: &str| format!("CANARY{tag}{what} Алина Канарейкина");
    let fields = [
        "explained",
        "version",
        "notes",
        "channels",
        "times",
        "what",
        "often",
        "carenotes",
        "summary",
        "to",
        "reason",
        "outcome",
        "updated",
        "asked",
    ];
    let canaries: Vec<String> = fields.iter().map(|f| canary(f)).collect();
    let person = format!("/api/v1/persons/{}", w.witness);
    let mut e = entry("share_account", "prosecutors", "granted", &day(0));
    e["explained"] = json!(canary("explained"));
    e["text_version"] = json!(canary("version").chars().take(100).collect::<String>());
    e["notes"] = json!(canary("notes"));
    json_of(record(app, &w.lead, &w.witness, e).await, 201).await;
    let care = json!({
        "channels": canary("channels"), "safe_times": canary("times"), "language": "be", "may_contact": true,
        "feedback": {"what": canary("what"), "how_often": canary("often")}, "notes": canary("carenotes"),
        "feedback_due": day(0)
    });
    json_of(app.call(Method::PUT, &format!("{person}/care"), Some(&w.lead), Some(care)).await, 200).await;
    let given = json!({"given_on": day(0), "summary": canary("summary")});
    json_of(app.post(&format!("{person}/feedback"), &w.lead, given).await, 201).await;
    let referral = json!({"kind": "legal", "made_on": day(0), "referred_to": canary("to"), "reason": canary("reason"), "outcome": canary("outcome")});
    let referral = json_of(app.post(&format!("{person}/referrals"), &w.lead, referral).await, 201).await;
    let update = json!({"status": "accepted", "outcome": canary("updated")});
    let path = format!("/api/v1/referrals/{}", referral["id"].as_str().unwrap());
    json_of(app.call(Method::PUT, &path, Some(&w.lead), Some(update)).await, 200).await;
    json_of(app.post("/api/v1/prior-interviews", &w.lead, json!({"name": canary("asked")})).await, 200).await;

    // Everything reads back…
    let read = json_of(app.get(&format!("{person}/care"), &w.lead).await, 200).await;
    assert_eq!(read["preferences"]["channels"], canary("channels"));
    assert_eq!(read["referrals"][0]["outcome"], canary("updated"));
    let ledger = json_of(app.get(&format!("{person}/consent"), &w.lawyer).await, 200).await;
    assert_eq!(ledger["history"][0]["notes"], canary("notes"));
    // …and none of it is anywhere at rest, in the rows or in the logs.
    for path in files_under(app.db.dir.path()) {
        let bytes = std::fs::read(&path).unwrap();
        assert_absent(&path.display().to_string(), &bytes, &canaries);
    }
    assert_absent("database rows", database_rows(app).await.as_bytes(), &canaries);
    assert_absent("logs", &captured_logs(), &canaries);
}

#[tokio::test]
async fn a_documenter_keeps_consent_and_care_through_the_pages_and_a_lawyer_reads_the_ledger() {
    let app = spawn_app().await;
    let name = format!("doc-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    app.add_user(&name, Role::Documenter).await;
    let (token, doc) = (app.login(&name, PASSWORD).await, app.web_login(&name).await);
    let case = app.create_case(&token, NewCase::any()).await.id;
    let witness = app.create_person(&token, &case, NewPerson::witness().named("Пётр Мартынов")).await.id;
    let (lawyer_id, lawyer) = app.web_user(Role::Lawyer).await;
    app.add_member(&case, lawyer_id).await;

    // The ledger: the grid, the history and the form; a refused form says why, in place.
    let consent = format!("/persons/{witness}/consent");
    assert!(app.page(&doc, &format!("/persons/{witness}")).await.contains("id=\"consent-link\""));
    let page = app.page(&doc, &consent).await;
    assert!(page.contains("id=\"consent-grid\"") && page.contains("id=\"consent-form\""));
    let today = day(0);
    let mut fields = vec![
        ("purpose", "share_account"),
        ("recipient", "prosecutors"),
        ("decision", "withdrawn"),
        ("decided_on", today.as_str()),
        ("language", "ru"),
        ("how_given", "written"),
        ("explained", "Что такое пакет доказательств"),
    ];
    let res = app.web_post(&doc, &consent, &fields).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("{consent}?recorded=1"));
    let page = app.page(&doc, &consent).await;
    assert!(page.contains("decision-withdrawn") && page.contains("Что такое пакет доказательств"));
    let tomorrow = day(1);
    fields[3] = ("decided_on", tomorrow.as_str());
    let res = app.web_post(&doc, &consent, &fields).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("id=\"decided_on-error\""));
    // The lawyer reads the ledger, records nothing, and sees no care page.
    let page = app.page(&lawyer, &consent).await;
    assert!(page.contains("decision-withdrawn") && !page.contains("id=\"consent-form\""));
    assert_eq!(app.web_get(&lawyer, &format!("/persons/{witness}/care")).await.status(), 403);

    // Care: news overdue shows on the case page, for the keeper only.
    let care = format!("/persons/{witness}/care");
    let overdue = day(-3);
    let res = app
        .web_post(
            &doc,
            &care,
            &[("channels", "Signal"), ("may_contact", "1"), ("feedback_due", overdue.as_str())],
        )
        .await;
    assert_eq!(res.status(), 303);
    let referral = [
        ("kind", "legal"),
        ("made_on", today.as_str()),
        ("referred_to", "Юрист Центра"),
        ("follow_up_on", ""),
    ];
    assert_eq!(app.web_post(&doc, &format!("/persons/{witness}/referrals"), &referral).await.status(), 303);
    let page = app.page(&doc, &care).await;
    assert!(page.contains("Юрист Центра") && page.contains("Signal"));
    let at = page.find("action=\"/referrals/").unwrap() + "action=\"".len();
    let update = page[at..].split('"').next().unwrap().to_owned();
    let person = witness.to_string();
    let done = [("person_id", person.as_str()), ("status", "completed"), ("outcome", "Консультация дана")];
    let res = app.web_post(&doc, &update, &done).await;
    assert_eq!((res.status().as_u16(), location(&res)), (303, format!("{care}?saved=1")));
    let bad = [("person_id", person.as_str()), ("status", "lost")];
    let res = app.web_post(&doc, &update, &bad).await;
    assert_eq!(res.status(), 422);
    assert!(app.page(&doc, &care).await.contains("Консультация дана"));
    let case_page = app.page(&doc, &format!("/cases/{case}")).await;
    assert!(case_page.contains("id=\"reminders\"") && case_page.contains("id=\"feedback-due\""));
    assert!(case_page.contains(&format!("href=\"/persons/{witness}/care\"")));
    assert!(!app.page(&lawyer, &format!("/cases/{case}")).await.contains("id=\"reminders\""));

    // Before a new interview: the check is linked from the new-testimony form, and the
    // name goes in the body of a post whose answer is the page itself.
    let new = app.page(&doc, &format!("/cases/{case}/testimonies/new")).await;
    assert!(new.contains("id=\"prior-link\""));
    let res = app.web_post(&doc, "/prior-interviews", &[("name", "Martynov Pyotr")]).await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("id=\"prior-no\""), "no testimony yet");
    app.record_testimony(&token, &case, NewTestimony::by(&witness).account("…")).await;
    let res = app.web_post(&doc, "/prior-interviews", &[("name", "Мартынов Пётр")]).await;
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"prior-yes\"") && html.contains(&name), "{html}");
}
