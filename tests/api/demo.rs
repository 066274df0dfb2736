//! `custodia demo`: the generated case is whole and usable by its demo accounts over
//! HTTP, with the same protections as real work (pseudonyms for non-leads, sealed
//! accounts, an encrypted attachment that downloads); running it again adds a case.

use crate::helpers::*;

#[tokio::test]
async fn the_demo_fills_a_fictional_case_its_accounts_can_explore() {
    let app = spawn_app().await;
    let report = custodia::demo::generate(&app.state, 3).await.expect("demo generated");
    assert!(report.reference.starts_with("DEMO-"), "{}", report.reference);
    assert_eq!(report.testimonies, 3);
    let roles: Vec<(&str, &str)> = report.accounts.iter().map(|(u, r, _)| (u.as_str(), r.as_str())).collect();
    assert_eq!(
        roles,
        [("demo.documenter", "documenter"), ("demo.investigator", "investigator"), ("demo.lawyer", "lawyer")]
    );
    for (_, _, password) in &report.accounts {
        assert_eq!(password.len(), 20);
        assert!(password.bytes().all(|b| b.is_ascii_alphanumeric()));
    }
    assert!(!format!("{report:?}").contains(report.accounts[0].2.as_str()), "Debug hides passwords");
    let password = |name: &str| report.accounts.iter().find(|a| a.0 == name).unwrap().2.to_string();
    let investigator = app.login("demo.investigator", &password("demo.investigator")).await;
    let documenter = app.login("demo.documenter", &password("demo.documenter")).await;
    let case_id = report.case_id.to_string();

    let cases = app.get_json("/api/v1/cases", &investigator).await;
    let listed = cases["items"].as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], case_id.as_str());
    assert_eq!(listed[0]["reference"], report.reference.as_str());
    assert_eq!(listed[0]["title"], custodia::demo::TITLE);
    assert_eq!(listed[0]["my_role"], "member");

    let testimonies = app.get_json(&format!("/api/v1/cases/{case_id}/testimonies"), &investigator).await;
    let testimonies = testimonies["items"].as_array().unwrap();
    assert_eq!(testimonies.len(), 3);
    assert!(testimonies.iter().all(|t| t["status"] == "sealed" && t["version"] == 1), "{testimonies:?}");
    let mut languages: Vec<&str> = testimonies.iter().map(|t| t["languages"][0].as_str().unwrap()).collect();
    languages.sort();
    assert_eq!(languages, ["en", "ru", "ru"]);

    let incidents = app.get_json(&format!("/api/v1/cases/{case_id}/incidents"), &investigator).await;
    let incidents = incidents["items"].as_array().unwrap();
    assert_eq!(incidents.len(), 1);
    let incident = &incidents[0];
    assert_eq!(incident["act_type"], "torture");
    assert_eq!(incident["methods"], serde_json::json!(["beating_with_batons", "stress_positions"]));
    assert_eq!(incident["place_name"], "Демонстрационный изолятор №1");
    assert_eq!(incident["victim_ids"].as_array().unwrap().len(), 3);
    assert_eq!(incident["testimonies"].as_array().unwrap().len(), 3);
    let involvements = incident["involvements"].as_array().unwrap();
    let mut persons: Vec<&str> = involvements.iter().map(|i| i["person_id"].as_str().unwrap()).collect();
    persons.sort();
    persons.dedup();
    assert_eq!(persons.len(), 2, "{involvements:?}");
    let mut roles: Vec<&str> = involvements.iter().map(|i| i["role"].as_str().unwrap()).collect();
    roles.sort();
    assert_eq!(roles, ["carried_out", "ordered"]);
    assert!(involvements.iter().all(|i| i["testimonies"].as_array().unwrap().len() == 1));

    // The chain of command: the special unit answers to the ministry and has a commander.
    let units = app.get_json(&format!("/api/v1/cases/{case_id}/units"), &investigator).await;
    let special =
        units["items"].as_array().unwrap().iter().find(|u| u["name"] == "Demo Special Police Unit").unwrap();
    let special =
        app.get_json(&format!("/api/v1/units/{}", special["id"].as_str().unwrap()), &investigator).await;
    assert_eq!(special["chain_of_command"][0]["name"], "Demo Ministry of Interior");
    assert_eq!(special["commanders"].as_array().unwrap().len(), 1);

    // The first account: the investigator sees the pseudonym, the lead the name.
    let first = involvements[0]["testimonies"][0].as_str().unwrap();
    let seen = app.get_json(&format!("/api/v1/testimonies/{first}"), &investigator).await;
    assert_eq!(seen["identity_shown"], false);
    assert!(seen.get("witness").unwrap().get("names").is_none());
    let pseudonym = seen["witness"]["pseudonym"].as_str().unwrap();
    let account = seen["account"].as_str().unwrap();
    assert!(account.contains(&format!("[{pseudonym}]")), "{account}");
    assert!(!account.contains("Алина Демонстрационная"), "{account}");
    assert!(account.len() > 1500, "about 2 KB: {}", account.len());
    let lead = app.get_json(&format!("/api/v1/testimonies/{first}"), &documenter).await;
    assert_eq!(lead["identity_shown"], true);
    assert_eq!(lead["witness"]["names"][0], "Алина Демонстрационная");
    assert!(lead["account"].as_str().unwrap().starts_with("Меня зовут Алина Демонстрационная."));
    assert!(lead["digest"].as_str().is_some_and(|d| d.len() == 64));

    // The attachment downloads whole.
    let attachments = seen["attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 1);
    assert_eq!(attachments[0]["filename"], "medical-report.txt");
    let aid = attachments[0]["id"].as_str().unwrap();
    let res = app.get(&format!("/api/v1/attachments/{aid}/content"), &investigator).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/plain");
    assert_eq!(res.text().await.unwrap(), custodia::demo::medical_report());

    // Every step was the demo users' own, audited.
    let actions = app.audit_actions().await;
    for action in ["case.create", "testimony.seal", "incident.involvement_add", "attachment.upload"] {
        assert!(actions.iter().any(|a| a == action), "{action} audited");
    }

    // Again: the accounts exist, so no password is shown, and a second case appears.
    let again = custodia::demo::generate(&app.state, 3).await.expect("second demo generated");
    assert_ne!(again.case_id, report.case_id);
    assert_ne!(again.reference, report.reference);
    assert_eq!(again.accounts.len(), 3);
    assert!(again.accounts.iter().all(|(_, _, p)| p.is_empty()));
    let cases = app.get_json("/api/v1/cases", &investigator).await;
    assert_eq!(cases["items"].as_array().unwrap().len(), 2);
}
