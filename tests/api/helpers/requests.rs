//! The API as tests call it when a request is set-up rather than the subject: each
//! method sends one request, asserts it succeeded (with the answer in the message if
//! not) and returns typed ids or the view. A test about a refusal sends the body by hand
//! (`app.post(path, token, body.json())`) and checks the problem document.

use reqwest::Method;
use serde_json::{Value, json};

use super::TestApp;
use super::ids::*;
use super::inputs::*;

/// The body of a response with `status`; panics with the answer otherwise.
pub async fn expect(res: reqwest::Response, status: u16, what: &str) -> Value {
    let got = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(got.as_u16(), status, "{what}: {text}");
    if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() }
}

impl TestApp {
    /// GET `path` answered 200: its JSON.
    pub async fn get_json(&self, path: &str, token: &str) -> Value {
        expect(self.get(path, token).await, 200, &format!("GET {path}")).await
    }

    pub async fn create_case(&self, token: &str, case: NewCase) -> Created<CaseId> {
        let res = self.post("/api/v1/cases", token, case.json()).await;
        Created::from_view(expect(res, 201, "create case").await)
    }

    /// Adds `user` to the case as a member, as an administrator does.
    pub async fn add_member(&self, case: impl Into<CaseId>, user: uuid::Uuid) {
        let case = case.into();
        let body = json!({"user_id": user, "role": "member"});
        let res = self.post(&format!("/api/v1/cases/{case}/members"), &self.admin, body).await;
        expect(res, 200, "add member").await;
    }

    pub async fn create_person(&self, token: &str, case: &CaseId, person: NewPerson) -> Created<PersonId> {
        let res = self.post(&format!("/api/v1/cases/{case}/persons"), token, person.json()).await;
        Created::from_view(expect(res, 201, "create person").await)
    }

    /// A draft testimony.
    pub async fn record_testimony(
        &self,
        token: &str,
        case: &CaseId,
        testimony: NewTestimony,
    ) -> Created<TestimonyId> {
        let res = self.post(&format!("/api/v1/cases/{case}/testimonies"), token, testimony.json()).await;
        Created::from_view(expect(res, 201, "record testimony").await)
    }

    /// POST …/seal, as sent: for tests about refusals.
    pub async fn seal_response(&self, token: &str, testimony: &TestimonyId) -> reqwest::Response {
        self.call(Method::POST, &format!("/api/v1/testimonies/{testimony}/seal"), Some(token), None).await
    }

    /// Seals a draft: the sealed view.
    pub async fn seal(&self, token: &str, testimony: &TestimonyId) -> Value {
        expect(self.seal_response(token, testimony).await, 200, "seal").await
    }

    /// Records and seals a testimony.
    pub async fn record_sealed(&self, token: &str, case: &CaseId, testimony: NewTestimony) -> TestimonyId {
        let id = self.record_testimony(token, case, testimony).await.id;
        self.seal(token, &id).await;
        id
    }

    /// A new version of a sealed testimony (`testimony` says why: `.correcting(…)`).
    pub async fn correct(
        &self,
        token: &str,
        testimony: &TestimonyId,
        corrected: NewTestimony,
    ) -> Created<TestimonyId> {
        let res =
            self.post(&format!("/api/v1/testimonies/{testimony}/versions"), token, corrected.json()).await;
        Created::from_view(expect(res, 201, "correct").await)
    }

    pub async fn create_incident(
        &self,
        token: &str,
        case: &CaseId,
        incident: NewIncident,
    ) -> Created<IncidentId> {
        let res = self.post(&format!("/api/v1/cases/{case}/incidents"), token, incident.json()).await;
        Created::from_view(expect(res, 201, "create incident").await)
    }

    pub async fn create_unit(&self, token: &str, case: &CaseId, unit: NewUnit) -> Created<UnitId> {
        let res = self.post(&format!("/api/v1/cases/{case}/units"), token, unit.json()).await;
        Created::from_view(expect(res, 201, "create unit").await)
    }

    pub async fn create_place(&self, token: &str, case: &CaseId, place: NewPlace) -> Created<PlaceId> {
        let res = self.post(&format!("/api/v1/cases/{case}/places"), token, place.json()).await;
        Created::from_view(expect(res, 201, "create place").await)
    }

    /// Links a testimony to an incident it speaks of.
    pub async fn link_incident(&self, token: &str, testimony: &TestimonyId, incident: &IncidentId) {
        let body = json!({"incident_id": incident});
        let res = self.post(&format!("/api/v1/testimonies/{testimony}/incidents"), token, body).await;
        expect(res, 200, "link incident").await;
    }

    pub async fn add_involvement(
        &self,
        token: &str,
        incident: &IncidentId,
        involvement: Involvement,
    ) -> Value {
        let path = format!("/api/v1/incidents/{incident}/involvements");
        expect(self.post(&path, token, involvement.json()).await, 200, "add involvement").await
    }

    /// Names `person` the unit's commander since `from`: the unit's view.
    pub async fn add_commander(&self, token: &str, unit: &UnitId, person: &PersonId, from: &str) -> Value {
        let body = json!({"person_id": person, "from": from});
        let res = self.post(&format!("/api/v1/units/{unit}/commanders"), token, body).await;
        expect(res, 200, "add commander").await
    }

    /// POST a file to `path` (…/attachments), as sent.
    pub async fn upload_response(&self, token: &str, path: &str, file: Upload) -> reqwest::Response {
        let mut req = self.client.post(self.url(path)).bearer_auth(token);
        if let Some(t) = &file.content_type {
            req = req.header("content-type", t);
        }
        if let Some(name) = &file.filename {
            req = req.header("x-filename", name);
        }
        req.body(file.bytes).send().await.unwrap()
    }

    /// Attaches a file to a draft testimony.
    pub async fn upload(&self, token: &str, testimony: &TestimonyId, file: Upload) -> Created<AttachmentId> {
        let res =
            self.upload_response(token, &format!("/api/v1/testimonies/{testimony}/attachments"), file).await;
        Created::from_view(expect(res, 201, "upload").await)
    }

    /// Asks for a bundle: its id (the build runs in the background).
    pub async fn request_bundle(&self, token: &str, case: &CaseId, request: BundleRequest) -> BundleId {
        let res = self.post(&format!("/api/v1/cases/{case}/bundles"), token, request.json()).await;
        BundleId::from(expect(res, 202, "request bundle").await["id"].as_str().unwrap())
    }

    /// Waits for a bundle's build to finish, however long that takes: its view.
    pub async fn bundle_ready(&self, token: &str, case: &CaseId, bundle: &BundleId) -> Value {
        for _ in 0..2000 {
            let v = self.get_json(&format!("/api/v1/cases/{case}/bundles/{bundle}"), token).await;
            match v["status"].as_str() {
                Some("ready") => return v,
                Some("failed") => panic!("bundle failed: {v}"),
                _ => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
            }
        }
        panic!("bundle never finished");
    }

    /// Requests a bundle and waits until it is ready: its view.
    pub async fn export(&self, token: &str, case: &CaseId, request: BundleRequest) -> Value {
        let id = self.request_bundle(token, case, request).await;
        self.bundle_ready(token, case, &id).await
    }

    /// A search that answered 200: the page of hits.
    pub async fn search(&self, token: &str, body: Value) -> Value {
        expect(self.post("/api/v1/search", token, body).await, 200, "search").await
    }
}
