//! The XForms a case's devices fill in. The case lead publishes one (the XML an XLSForm
//! converts to with `pyxform`); its form id and version are read from the form itself,
//! as ODK Collect reads them, and stay plain so submissions can be matched to them; the
//! XML (labels, choices, hints) is sealed. An encrypted form is published with the case's
//! public key written into it, so the phone encrypts every submission for the case. A
//! retired form leaves the devices' form list and takes no more submissions.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use md5::{Digest, Md5};
use serde::Serialize;
use sha2::Sha256;
use uuid::Uuid;

use super::{Device, Intake, odk, xml};
use crate::access::membership as access;
use crate::access::{Allowed, act};
use crate::audit::{self, Entry};
use crate::cases::sealed::Sealer;
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::intake_forms;

/// The sealed-field table of a form's XML.
pub const FORMS: &str = "intake_forms";

/// The largest XForm accepted: real ones are tens of kilobytes.
pub const MAX_FORM_BYTES: usize = 1024 * 1024;

/// A published form, as its case lead sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FormView {
    pub id: Uuid,
    /// The XForm's own id (`formID` in ODK Collect's form list).
    pub form_id: String,
    /// The XForm's version ("" when it names none).
    pub version: String,
    pub title: String,
    pub encrypted: bool,
    /// `md5:` and the hex MD5 of the XML served to phones (the form list's `hash`).
    pub hash: String,
    pub created_at: NaiveDateTime,
    pub retired_at: Option<NaiveDateTime>,
}

/// What identifies an XForm, read from its XML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormHeader {
    pub form_id: String,
    pub version: String,
    pub title: String,
}

/// Reads an XForm's id (the `id` attribute of its primary instance's root), version (its
/// `version` attribute, "" when absent) and title (`h:head/h:title`).
pub fn header(root: &xml::Element) -> Result<FormHeader> {
    let bad = |what: &str| Error::BadRequest(format!("the XForm is not usable: {what}"));
    let head = root.child("head").ok_or_else(|| bad("it has no h:head"))?;
    let instance = head
        .child("model")
        .and_then(|m| m.elements().find(|e| e.name == "instance"))
        .and_then(|i| i.elements().next())
        .ok_or_else(|| bad("it has no model with a primary instance"))?;
    let form_id = instance.attribute("id").map(str::trim).unwrap_or_default().to_owned();
    if form_id.is_empty() {
        return Err(bad("its primary instance has no id attribute (the form id)"));
    }
    let version = instance.attribute("version").map(str::trim).unwrap_or_default().to_owned();
    let title = head.child("title").map(|t| t.text()).unwrap_or_default();
    Ok(FormHeader { form_id, version, title })
}

/// `md5:` and the hex MD5 of a form's XML, as ODK's form list states a form's hash.
pub fn form_hash(xml: &str) -> String {
    format!("md5:{}", hex::encode(Md5::digest(xml.as_bytes())))
}

/// A form a device may fill, for its form list.
#[derive(Debug, Clone)]
pub struct DeviceForm {
    pub id: Uuid,
    pub form_id: String,
    pub version: String,
    pub title: String,
    pub hash: String,
}

/// The sealed XML and what is read from it.
#[derive(Debug, Clone, serde::Deserialize, Serialize)]
struct Sealed {
    xml: String,
    title: String,
}

type Row = (String, String, String, bool, Vec<u8>, NaiveDateTime, Option<NaiveDateTime>);

fn load(c: &mut DbConnection, k: &Keyring, row: Row) -> Result<(FormView, String)> {
    let (id, form_id, version, encrypted, xform, created_at, retired_at) = row;
    let sealed: Sealed = Sealer::open(c, k, FORMS, &id)?.unseal("xform", &xform)?;
    let view = FormView {
        id: Uuid::parse_str(&id).map_err(|_| Error::Integrity)?,
        form_id,
        version,
        title: sealed.title,
        encrypted,
        hash: form_hash(&sealed.xml),
        created_at,
        retired_at,
    };
    Ok((view, sealed.xml))
}

macro_rules! columns {
    () => {
        (
            intake_forms::id,
            intake_forms::form_id,
            intake_forms::version,
            intake_forms::encrypted,
            intake_forms::xform,
            intake_forms::created_at,
            intake_forms::retired_at,
        )
    };
}

impl Intake {
    /// Publishes an XForm to a case (its lead only). Refused: more than
    /// [`MAX_FORM_BYTES`], XML the safe reader refuses, a form without an id, a (form id,
    /// version) the case already has (409: raise the version). An encrypted form gets the
    /// case's public key. Audited with the XML's size and SHA-256.
    pub async fn publish_form(
        &self,
        who: Allowed<act::IntakeManage>,
        case: Uuid,
        bytes: Vec<u8>,
        encrypted: bool,
    ) -> Result<FormView> {
        self.may_manage(&who, case).await?;
        if bytes.len() > MAX_FORM_BYTES {
            return Err(Error::TooLarge { limit: MAX_FORM_BYTES as u64 });
        }
        let head = header(&xml::parse(&bytes)?)?;
        let text =
            String::from_utf8(bytes).map_err(|_| Error::BadRequest("the XForm is not UTF-8".into()))?;
        let served = if encrypted {
            odk::with_public_key(&text, &self.case_public_key(&who, case).await?)?
        } else {
            text
        };
        let id = Uuid::new_v4();
        let now = self.ctx.clock.now_naive();
        let sha = hex::encode(Sha256::digest(served.as_bytes()));
        let size = served.len();
        let sealed = Sealed { xml: served, title: head.title.clone() };
        self.ctx
            .write(move |c, k| {
                let case_id = case.to_string();
                access::authorize_for(c, &who, &case_id)?;
                let taken: i64 = intake_forms::table
                    .filter(intake_forms::case_id.eq(&case_id))
                    .filter(intake_forms::form_id.eq(&head.form_id))
                    .filter(intake_forms::version.eq(&head.version))
                    .count()
                    .get_result(c)?;
                if taken > 0 {
                    return Err(Error::Conflict(
                        "the case already has this form id and version: raise the form's version",
                    ));
                }
                let sealer = Sealer::create(c, k, FORMS, &id.to_string())?;
                diesel::insert_into(intake_forms::table)
                    .values((
                        intake_forms::id.eq(id.to_string()),
                        intake_forms::case_id.eq(&case_id),
                        intake_forms::form_id.eq(&head.form_id),
                        intake_forms::version.eq(&head.version),
                        intake_forms::encrypted.eq(encrypted),
                        intake_forms::xform.eq(sealer.seal("xform", &sealed)?),
                        intake_forms::created_by.eq(who.principal.user_id.to_string()),
                        intake_forms::created_at.eq(now),
                    ))
                    .execute(c)?;
                audit::append(
                    c,
                    &Entry::new(&who.principal, "intake.form_publish")
                        .target("intake_form", id)
                        .detail("case", case_id.as_str())
                        .detail("encrypted", encrypted)
                        .detail("bytes", size)
                        .detail("sha256", sha.as_str()),
                )?;
                let row = intake_forms::table.find(id.to_string()).select(columns!()).first::<Row>(c)?;
                load(c, k, row).map(|(view, _)| view)
            })
            .await
    }

    /// A case's forms, retired ones too, newest first (its lead only).
    pub async fn forms(&self, who: Allowed<act::IntakeManage>, case: Uuid) -> Result<Vec<FormView>> {
        self.ctx
            .write(move |c, k| {
                let case_id = case.to_string();
                access::authorize_for(c, &who, &case_id)?;
                let rows = intake_forms::table
                    .filter(intake_forms::case_id.eq(&case_id))
                    .order((intake_forms::created_at.desc(), intake_forms::id))
                    .select(columns!())
                    .load::<Row>(c)?;
                rows.into_iter().map(|r| load(c, k, r).map(|(view, _)| view)).collect()
            })
            .await
    }

    /// Retires a form: it leaves the devices' form list and its submissions are refused
    /// from now on (those already received stay). Retiring twice changes nothing.
    pub async fn retire_form(
        &self,
        who: Allowed<act::IntakeManage>,
        case: Uuid,
        form: Uuid,
    ) -> Result<FormView> {
        let now = self.ctx.clock.now_naive();
        self.ctx
            .write(move |c, k| {
                let case_id = case.to_string();
                access::authorize_for(c, &who, &case_id)?;
                let row = intake_forms::table
                    .find(form.to_string())
                    .filter(intake_forms::case_id.eq(&case_id))
                    .select(columns!())
                    .first::<Row>(c)
                    .optional()?
                    .ok_or(Error::NotFound)?;
                if row.6.is_none() {
                    diesel::update(intake_forms::table.find(form.to_string()))
                        .set(intake_forms::retired_at.eq(now))
                        .execute(c)?;
                    audit::append(
                        c,
                        &Entry::new(&who.principal, "intake.form_retire")
                            .target("intake_form", form)
                            .detail("case", case_id.as_str()),
                    )?;
                }
                let row = intake_forms::table.find(form.to_string()).select(columns!()).first::<Row>(c)?;
                load(c, k, row).map(|(view, _)| view)
            })
            .await
    }

    /// The forms a device may fill: its case's, not retired.
    pub async fn device_forms(&self, device: &Device) -> Result<Vec<DeviceForm>> {
        let case = device.case_id.to_string();
        self.ctx
            .write(move |c, k| {
                let rows = intake_forms::table
                    .filter(intake_forms::case_id.eq(&case))
                    .filter(intake_forms::retired_at.is_null())
                    .order((intake_forms::form_id, intake_forms::created_at.desc()))
                    .select(columns!())
                    .load::<Row>(c)?;
                rows.into_iter()
                    .map(|r| {
                        let (v, _) = load(c, k, r)?;
                        Ok(DeviceForm {
                            id: v.id,
                            form_id: v.form_id,
                            version: v.version,
                            title: v.title,
                            hash: v.hash,
                        })
                    })
                    .collect()
            })
            .await
    }

    /// A form's XML for a device to fill it: its case's, not retired, else not found.
    /// Audited.
    pub async fn device_form(&self, device: &Device, form: Uuid) -> Result<String> {
        let device = device.clone();
        self.ctx
            .write(move |c, k| {
                let row = intake_forms::table
                    .find(form.to_string())
                    .filter(intake_forms::case_id.eq(device.case_id.to_string()))
                    .filter(intake_forms::retired_at.is_null())
                    .select(columns!())
                    .first::<Row>(c)
                    .optional()?
                    .ok_or(Error::NotFound)?;
                let (view, xml) = load(c, k, row)?;
                audit::append(
                    c,
                    &Entry::new(&device.who.principal, "intake.form_read")
                        .target("intake_form", form)
                        .detail("hash", view.hash.as_str()),
                )?;
                Ok(xml)
            })
            .await
    }

    /// The form a device's submission answers, by the form id and version its instance
    /// names: one of the device's case's forms (another case's is simply unknown), not
    /// retired. Each refusal says what is wrong, for the phone to show.
    pub async fn submission_form(
        &self,
        device: &Device,
        form_id: &str,
        version: &str,
    ) -> Result<(Uuid, bool)> {
        let (case, form_id, version) = (device.case_id.to_string(), form_id.to_owned(), version.to_owned());
        self.ctx
            .read(move |c| {
                let versions: Vec<(String, String, bool, Option<NaiveDateTime>)> = intake_forms::table
                    .filter(intake_forms::case_id.eq(&case))
                    .filter(intake_forms::form_id.eq(&form_id))
                    .select((
                        intake_forms::id,
                        intake_forms::version,
                        intake_forms::encrypted,
                        intake_forms::retired_at,
                    ))
                    .load(c)?;
                if versions.is_empty() {
                    return Err(Error::BadRequest(
                        "this server does not know the form this submission answers".into(),
                    ));
                }
                let Some((id, _, encrypted, retired)) = versions.into_iter().find(|v| v.1 == version) else {
                    return Err(Error::BadRequest(
                        "this server does not know this version of the form: download the form again".into(),
                    ));
                };
                if retired.is_some() {
                    return Err(Error::BadRequest(
                        "this form was retired and takes no more submissions".into(),
                    ));
                }
                Ok((Uuid::parse_str(&id).map_err(|_| Error::Integrity)?, encrypted))
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORM: &str = r#"<?xml version="1.0"?>
<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml">
  <h:head>
    <h:title>Intake</h:title>
    <model>
      <instance><data id="intake" version="2024010101"><account/><meta><instanceID/></meta></data></instance>
      <instance id="places"><root/></instance>
    </model>
  </h:head>
  <h:body/>
</h:html>"#;

    #[test]
    fn the_header_is_read_from_the_primary_instance() {
        let h = header(&xml::parse(FORM.as_bytes()).unwrap()).unwrap();
        assert_eq!(
            h,
            FormHeader { form_id: "intake".into(), version: "2024010101".into(), title: "Intake".into() }
        );
        let unversioned = FORM.replace(r#" version="2024010101""#, "");
        assert_eq!(header(&xml::parse(unversioned.as_bytes()).unwrap()).unwrap().version, "");
        let no_id = FORM.replace(r#"id="intake" "#, "");
        assert!(matches!(header(&xml::parse(no_id.as_bytes()).unwrap()), Err(Error::BadRequest(_))));
        assert!(form_hash(FORM).starts_with("md5:") && form_hash(FORM).len() == 36);
    }
}
