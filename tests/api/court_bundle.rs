//! Evaluations and detention histories in evidence bundles: they go to a recipient only
//! where the person's consent ledger grants `share_medical` / `share_detention` to it,
//! are listed in `redactions.json` otherwise, carry the person as a pseudonym when the
//! bundle withholds their identity, and each has its row and reference in `index.csv`.

use std::collections::BTreeMap;
use std::io::Read;

use custodia::domain::Role;
use serde_json::{Value, json};

use crate::evaluations::{evaluation, world};
use crate::helpers::*;

/// Every file of a bundle below `data/`, by path.
fn files(tar_bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for file in tar::Archive::new(tar_bytes).entries().unwrap() {
        let mut file = file.unwrap();
        let path = file.path().unwrap().to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).unwrap();
        if let Some((_, below)) = path.split_once("/data/") {
            out.insert(below.to_owned(), bytes);
        }
    }
    out
}

fn grant(purpose: &str, recipient: &str, decision: &str) -> Value {
    json!({
        "purpose": purpose, "recipient": recipient, "decision": decision, "decided_on": "2021-03-01",
        "language": "ru", "how_given": "written", "explained": "what the clinician found, to whom", "text_version": "1"
    })
}

#[tokio::test]
async fn evaluations_and_detention_histories_go_only_where_the_ledger_grants_them() {
    let w = world().await;
    let app = &w.app;
    let (lawyer_id, lawyer) = app.user_with_token(Role::Lawyer).await;
    app.add_member(&w.case, lawyer_id).await;
    // The victim's own account, shared with prosecutors and NGOs, not naming them.
    let consent = Consent::shared_with(&["prosecutors", "ngos"]).given_on("2021-03-01");
    let testimony = NewTestimony::by(&w.person).account("They beat us at Okrestina.").consent(consent);
    app.record_sealed(&w.lead, &w.case, testimony).await;
    // A sealed evaluation of the victim, naming them in its text, and a detention history.
    let canary = format!("evaluation-canary-{}", uuid::Uuid::new_v4().simple());
    let created = w.create(evaluation(&w, &format!("{canary} Алесь Б."))).await;
    let eid = created["id"].as_str().unwrap().to_owned();
    let res = app.post(&format!("/api/v1/evaluations/{eid}/seal"), &w.clinician, json!({})).await;
    assert_eq!(res.status(), 200);
    let episode = json!({"arrest_date": "2020-08-09", "arrest_precision": "exact", "status": "released",
        "release_date": "2020-08-13", "release_precision": "exact", "details": {"notes": "held four days"}});
    let res = app.post(&format!("/api/v1/persons/{}/detentions", w.person), &w.lead, episode).await;
    assert_eq!(res.status(), 201);

    let bundle = |recipient: &'static str| {
        let (app, lawyer, case) = (&w.app, lawyer.clone(), w.case.clone());
        async move {
            let view = app.export(&lawyer, &case, BundleRequest::to(recipient)).await;
            let path = format!("/api/v1/cases/{case}/bundles/{}/download", view["id"].as_str().unwrap());
            let res = app.get(&path, &lawyer).await;
            assert_eq!(res.status(), 200);
            files(&res.bytes().await.unwrap())
        }
    };
    let withheld = |f: &BTreeMap<String, Vec<u8>>| -> Vec<(String, String)> {
        let r: Value = serde_json::from_slice(&f["redactions.json"]).unwrap();
        r["withheld_court_records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| (x["record"].as_str().unwrap().to_owned(), x["reason"].as_str().unwrap().to_owned()))
            .collect()
    };
    let has = |f: &BTreeMap<String, Vec<u8>>, needle: &str| {
        f.values().any(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
    };

    // No ledger entry: the account goes, the evaluation and the history do not.
    let before = bundle("prosecutors").await;
    assert!(has(&before, "They beat us at Okrestina."));
    assert!(!has(&before, &canary), "medical data left without consent");
    assert!(!before.keys().any(|p| p.starts_with("evaluations/") || p.starts_with("detention/")));
    assert_eq!(
        withheld(&before),
        vec![
            ("evaluation".into(), "medical_no_consent".into()),
            ("detention_history".into(), "detention_no_consent".into())
        ]
    );

    // Medical data and the history granted to prosecutors only.
    for purpose in ["share_medical", "share_detention"] {
        let res = app
            .post(
                &format!("/api/v1/persons/{}/consent", w.person),
                &w.lead,
                grant(purpose, "prosecutors", "granted"),
            )
            .await;
        assert_eq!(res.status(), 201);
    }
    let after = bundle("prosecutors").await;
    assert_eq!(withheld(&after), vec![]);
    let text = after.iter().find(|(p, _)| p.starts_with("evaluations/") && p.ends_with("version-1.txt"));
    let (text_path, text) = text.expect("the evaluation's text");
    assert!(String::from_utf8_lossy(text).contains(&canary));
    assert!(after.keys().any(|p| p.starts_with("evaluations/") && p.ends_with("body-1.svg")));
    assert!(after.keys().any(|p| p.starts_with("detention/") && p.ends_with(".txt")));
    // The victim is not named in this bundle: their name is replaced everywhere.
    assert!(!has(&after, "Алесь Б."), "the withheld name reached the bundle");
    // Each has its row in the index, with a reference of the case's sequence.
    let index = String::from_utf8(after["index.csv"].clone()).unwrap();
    let row =
        index.lines().find(|l| l.contains(text_path.as_str())).expect("an index row for the evaluation");
    assert!(row.contains(",evaluation,") && row.contains("strictly_confidential"), "{row}");
    assert!(index.lines().any(|l| l.contains(",detention,") && l.contains("detention/")), "{index}");

    // NGOs were not granted them: the account goes, medical data and history do not.
    let ngos = bundle("ngos").await;
    assert!(has(&ngos, "They beat us at Okrestina.") && !has(&ngos, &canary));
    assert_eq!(withheld(&ngos).len(), 2);

    // Withdrawn for prosecutors: the next bundle leaves the evaluation out again.
    let res = app
        .post(
            &format!("/api/v1/persons/{}/consent", w.person),
            &w.lead,
            grant("share_medical", "prosecutors", "withdrawn"),
        )
        .await;
    assert_eq!(res.status(), 201);
    let withdrawn = bundle("prosecutors").await;
    assert!(!has(&withdrawn, &canary));
    assert_eq!(withheld(&withdrawn), vec![("evaluation".into(), "medical_consent_withdrawn".into())]);
}
