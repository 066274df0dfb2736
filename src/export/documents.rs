//! How a testimony version and an attachment are described in the evidence index: title,
//! type, date, author, language, their default level. Nothing here names a witness the
//! bundle withholds (titles use the pseudonym) or a staff member (the author is a role,
//! or the interviewer the account itself records and the bundle already shows).

use serde_json::Value;

use super::index::{Document, precision_of};
use crate::catalog::pages::{file_pages, text_pages};
use crate::catalog::{Confidentiality, EvidenceItemKind};

/// A sealed version as `version-<n>.txt` renders it.
pub struct VersionFile<'a> {
    pub dir: &'a str,
    pub id: &'a str,
    pub root: &'a str,
    pub number: i32,
    pub pseudonym: &'a str,
    pub text: &'a str,
    pub interview_date: Option<&'a str>,
    pub interviewer: Option<&'a str>,
    /// The version's languages as stored (a JSON array of codes).
    pub languages: &'a Value,
    pub siblings: Vec<String>,
    pub level: Confidentiality,
}

/// The path of a version's own text below `data/`.
pub fn version_path(dir: &str, number: i32) -> String {
    format!("testimonies/{dir}/version-{number}.txt")
}

fn languages(v: &Value) -> String {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("; "))
        .unwrap_or_default()
}

pub fn version_document(v: VersionFile<'_>) -> Document {
    let date = v.interview_date.filter(|d| !d.trim().is_empty()).map(str::to_owned);
    Document {
        kind: EvidenceItemKind::Testimony,
        id: v.id.to_owned(),
        record_id: v.root.to_owned(),
        siblings: v.siblings,
        pages: text_pages(v.text),
        default_level: v.level,
        title: format!("Testimony of {}, version {}", v.pseudonym, v.number),
        document_type: "witness statement".into(),
        date_precision: date.as_deref().and_then(precision_of).map(str::to_owned),
        date,
        author: v.interviewer.filter(|i| !i.trim().is_empty()).unwrap_or("documenter").to_owned(),
        language: languages(v.languages),
        sha256: Document::sha256_of(v.text.as_bytes()),
        path: version_path(v.dir, v.number),
    }
}

/// What kind of document a file is, from its media type.
pub fn document_type(media_type: &str) -> &'static str {
    match media_type.split('/').next().unwrap_or_default() {
        "image" => "photograph or image",
        "audio" => "audio recording",
        "video" => "video recording",
        "text" => "text document",
        _ if media_type == "application/pdf" => "document (PDF)",
        _ => "file",
    }
}

/// An attachment of a version.
pub struct AttachmentItem<'a> {
    pub id: &'a str,
    pub path: &'a str,
    pub media_type: &'a str,
    pub sha256: &'a str,
    pub uploaded_on: String,
    pub pseudonym: &'a str,
    pub version: i32,
    pub level: Confidentiality,
}

pub fn attachment_document(a: AttachmentItem<'_>) -> Document {
    Document {
        kind: EvidenceItemKind::Attachment,
        id: a.id.to_owned(),
        record_id: a.id.to_owned(),
        siblings: Vec::new(),
        pages: file_pages(a.media_type),
        default_level: a.level,
        title: format!(
            "Attachment to the testimony of {}, version {} ({})",
            a.pseudonym, a.version, a.media_type
        ),
        document_type: document_type(a.media_type).into(),
        date_precision: Some("day".into()),
        date: Some(a.uploaded_on),
        author: "documenter".into(),
        language: String::new(),
        sha256: a.sha256.to_owned(),
        path: a.path.to_owned(),
    }
}
