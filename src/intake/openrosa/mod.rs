//! The OpenRosa server ODK Collect, Kobo and Tella's "Collect" mode speak (getodk's
//! "OpenRosa Form List API", "Form Submission API", "HTTP Request API"): a device lists
//! the forms of its case, downloads them, and posts each finalised submission as a
//! multipart body (the instance XML and its media), split over several POSTs when large,
//! merged by the instance's `instanceID` (`submit`). The edge (`http::api::intake`) only
//! authenticates and moves bytes; what the protocol answers is written here.

pub mod submit;

use super::forms::DeviceForm;

pub use submit::{Outcome, Post};

impl super::Intake {
    /// How long a part may send nothing before the POST is dropped.
    pub fn idle_timeout(&self) -> std::time::Duration {
        self.attachments.limits().idle_timeout
    }
}

/// The protocol version every response carries (`X-OpenRosa-Version`).
pub const VERSION: &str = "1.0";

/// The largest submission XML (the `xml_submission_file` part, or an encrypted form's
/// `submission.xml.enc`) buffered; media parts stream.
pub const MAX_XML_BYTES: usize = 10 * 1024 * 1024;

/// The OpenRosa response envelope, with a message ODK Collect shows to the person.
pub fn message(text: &str) -> String {
    format!(
        "<OpenRosaResponse xmlns=\"http://openrosa.org/http/response\"><message nature=\"\">{}</message></OpenRosaResponse>",
        escape(text)
    )
}

/// `submit_success` message envelope (a received submission).
pub fn success(text: &str) -> String {
    format!(
        "<OpenRosaResponse xmlns=\"http://openrosa.org/http/response\"><message nature=\"submit_success\">{}</message></OpenRosaResponse>",
        escape(text)
    )
}

/// The form list (`xformsList`): each form with its id, title, version, the hash of the
/// XML served and where to download it (`base` is the server's OpenRosa URL).
pub fn form_list(forms: &[DeviceForm], base: &str) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<xforms xmlns=\"http://openrosa.org/xforms/xformsList\">");
    for f in forms {
        out.push_str("<xform>");
        element(&mut out, "formID", &f.form_id);
        element(&mut out, "name", if f.title.is_empty() { &f.form_id } else { &f.title });
        element(&mut out, "version", &f.version);
        element(&mut out, "hash", &f.hash);
        element(&mut out, "downloadUrl", &format!("{}/forms/{}", base.trim_end_matches('/'), f.id));
        out.push_str("</xform>");
    }
    out.push_str("</xforms>");
    out
}

fn element(out: &mut String, name: &str, text: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    out.push_str(&escape(text));
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Text as XML character data (and attribute values).
pub fn escape(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&apos;"),
            c => s.push(c),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::xml;

    #[test]
    fn the_form_list_and_messages_are_well_formed() {
        let form = DeviceForm {
            id: uuid::Uuid::nil(),
            form_id: "intake".into(),
            version: "1".into(),
            title: "A & <B>".into(),
            hash: "md5:00".into(),
        };
        let list = xml::parse(form_list(&[form], "https://x/openrosa/").as_bytes()).unwrap();
        let x = list.child("xform").unwrap();
        assert_eq!(x.child("name").unwrap().text(), "A & <B>");
        assert_eq!(
            x.child("downloadUrl").unwrap().text(),
            "https://x/openrosa/forms/00000000-0000-0000-0000-000000000000"
        );
        assert_eq!(
            xml::parse(message("a < b").as_bytes()).unwrap().child("message").unwrap().text(),
            "a < b"
        );
    }
}
