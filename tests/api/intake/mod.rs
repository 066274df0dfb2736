//! Field intake over the wire: the OpenRosa server driven by a client written from the
//! spec (tests/client/openrosa.py), its bad inputs, and what a device account can reach.

mod openrosa;

use std::path::{Path, PathBuf};
use std::process::Command;

use custodia::domain::Role;
use diesel::prelude::*;
use serde_json::Value;

use crate::helpers::*;

/// A case with its lead and one device account bound to it.
pub struct Field {
    pub app: TestApp,
    pub case: CaseId,
    pub lead: String,
    pub device: String,
    #[allow(dead_code)]
    pub device_id: uuid::Uuid,
}

impl Field {
    pub async fn new() -> Self {
        let app = spawn_app().await;
        let (_, lead) = app.user_with_token(Role::Documenter).await;
        let case = app.create_case(&lead, NewCase::any()).await.id;
        let (device, device_id) = add_device(&app, &case).await;
        Field { app, case, lead, device, device_id }
    }

    /// The OpenRosa base URL the phone is given.
    pub fn server(&self) -> String {
        self.app.url("/openrosa")
    }

    /// Publishes an XForm to the case as its lead: the created form's view.
    pub async fn publish(&self, xform: &str, encrypted: bool) -> reqwest::Response {
        publish(&self.app, &self.lead, &self.case, xform, encrypted).await
    }

    /// Runs the spec's client as this case's device.
    pub fn client(&self, args: &[&str]) -> Value {
        run_client(&self.server(), &self.device, PASSWORD, args)
    }
}

pub async fn publish(
    app: &TestApp,
    token: &str,
    case: &CaseId,
    xform: &str,
    encrypted: bool,
) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/cases/{case}/intake/forms?encrypted={encrypted}")))
        .bearer_auth(token)
        .header("content-type", "text/xml")
        .body(xform.to_owned())
        .send()
        .await
        .unwrap()
}

/// A device account (role intake) bound to `case`, made directly in the store as the
/// device service will: its user name (password `PASSWORD`) and id.
pub async fn add_device(app: &TestApp, case: &CaseId) -> (String, uuid::Uuid) {
    use custodia::store::schema::intake_devices;
    let name = format!("phone-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let id = app.add_user(&name, Role::Intake).await;
    let (user, case, by) = (id.to_string(), case.as_str().to_owned(), id.to_string());
    let now = chrono::Utc::now().naive_utc();
    app.state
        .context()
        .write_plain(move |c| {
            diesel::insert_into(intake_devices::table)
                .values((
                    intake_devices::user_id.eq(&user),
                    intake_devices::case_id.eq(&case),
                    intake_devices::label.eq(Vec::<u8>::new()),
                    intake_devices::created_by.eq(&by),
                    intake_devices::created_at.eq(now),
                ))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    (name, id)
}

/// Runs tests/client/openrosa.py and returns what it printed.
pub fn run_client(server: &str, user: &str, password: &str, args: &[&str]) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/client/openrosa.py");
    let out = Command::new("python3")
        .arg(script)
        .args([server, user, password])
        .args(args)
        .output()
        .expect("python3 runs");
    assert!(out.status.success(), "openrosa.py {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// An XForm as pyxform writes one, with the field names of the intake mapping.
pub fn xform(form_id: &str, version: &str) -> String {
    format!(
        r#"<?xml version="1.0"?>
<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml" xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms">
  <h:head>
    <h:title>Testimony intake</h:title>
    <model>
      <instance>
        <data id="{form_id}" version="{version}">
          <account/><language/><photo/><recording/>
          <meta><instanceID/></meta>
        </data>
      </instance>
      <bind nodeset="/data/account" type="string"/>
      <bind nodeset="/data/photo" type="binary"/>
      <bind nodeset="/data/recording" type="binary"/>
      <bind jr:preload="uid" nodeset="/data/meta/instanceID" readonly="true()" type="string"/>
    </model>
  </h:head>
  <h:body>
    <input ref="/data/account"><label>Account</label></input>
    <upload mediatype="image/*" ref="/data/photo"><label>Photo</label></upload>
    <upload mediatype="audio/*" ref="/data/recording"><label>Recording</label></upload>
  </h:body>
</h:html>"#
    )
}

/// A filled instance of [`xform`].
pub fn instance(form_id: &str, version: &str, instance_id: &str, account: &str) -> String {
    format!(
        r#"<?xml version="1.0"?><data xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms" id="{form_id}" version="{version}"><account>{account}</account><language>en</language><photo>photo.jpg</photo><recording>voice.m4a</recording><orx:meta><orx:instanceID>{instance_id}</orx:instanceID></orx:meta></data>"#
    )
}

/// Files for a submission in a temporary directory: (dir, xml path, media paths).
pub fn files(xml: &str, media: &[(&str, &[u8])]) -> (tempfile::TempDir, PathBuf, Vec<PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let xml_path = dir.path().join("submission.xml");
    std::fs::write(&xml_path, xml).unwrap();
    let paths = media
        .iter()
        .map(|(name, bytes)| {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            p
        })
        .collect();
    (dir, xml_path, paths)
}

/// Counts of (submissions, files) of a case as stored.
pub async fn stored(app: &TestApp, case: &CaseId) -> (i64, i64, Vec<String>) {
    use custodia::store::schema::{intake_files, intake_submissions};
    let case = case.as_str().to_owned();
    app.state
        .context()
        .read(move |c| {
            let subs: Vec<(String, String)> = intake_submissions::table
                .filter(intake_submissions::case_id.eq(&case))
                .select((intake_submissions::id, intake_submissions::status))
                .load(c)?;
            let ids: Vec<String> = subs.iter().map(|s| s.0.clone()).collect();
            let files: i64 =
                intake_files::table.filter(intake_files::submission_id.eq_any(&ids)).count().get_result(c)?;
            Ok((subs.len() as i64, files, subs.into_iter().map(|s| s.1).collect()))
        })
        .await
        .unwrap()
}
