//! An evaluation in a real browser: a clinician opens it from the person's list; the
//! body diagram and its table fit a phone. With CUSTODIA_SCREENSHOTS set, the view is
//! saved at both sizes (docs/screenshots/evaluation-{desktop,phone}.png).

use custodia::domain::Role;
use serde_json::json;

use super::{Chrome, SIZES};
use crate::evaluations::{evaluation, world};
use crate::helpers::*;

#[tokio::test]
async fn a_clinician_reads_an_evaluation_with_its_body_diagram_on_a_phone() {
    let w = world().await;
    let app = &w.app;
    let id = app.add_user("cora.clinician", Role::Clinician).await;
    app.add_member(&w.case, id).await;
    let cora = app.login("cora.clinician", PASSWORD).await;
    let res = app
        .post(
            &format!("/api/v1/persons/{}/evaluations", w.person),
            &cora,
            evaluation(&w, "Линейные кровоподтёки"),
        )
        .await;
    let e = expect(res, 201, "create").await;
    let eval = e["id"].as_str().unwrap().to_owned();
    expect(app.post(&format!("/api/v1/evaluations/{eval}/seal"), &cora, json!({})).await, 200, "seal").await;
    let Some(b) = Chrome::open(app).await else { return };
    b.sign_in("cora.clinician").await;
    b.goto(&format!("/persons/{}", w.person)).await;
    b.follow("#evaluations-link").await;
    b.wait("#evaluations").await;
    b.follow("#evaluations a").await;
    b.wait_path("the evaluation", |p| p == format!("/evaluations/{eval}")).await;
    b.wait("#body-marks").await;
    b.wait("main figure.picture svg.body-diagram").await;
    assert!(!b.exists("main figure.picture script").await);
    let (_, pw, ph) = SIZES[1];
    b.resize(pw, ph).await;
    let wider = b.overflow().await;
    b.resize(SIZES[0].1, SIZES[0].2).await;
    assert!(wider.is_none(), "the evaluation on a phone: {}", wider.unwrap_or_default());
    b.shot("evaluation").await;
    b.close().await;
}
