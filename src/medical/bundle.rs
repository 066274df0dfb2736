//! Evaluations for an evidence bundle: every sealed version of the evaluations of the
//! given persons, each as the JSON that was digested (clear fields, content, digest), a
//! plain-text rendering, the body diagram, and its files (to stream from the store).
//! Whether a bundle may carry them at all — the person's consent to share medical data
//! with the recipient — is the export's decision; this only gathers and audits.

use std::collections::HashMap;

use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use super::diagram::{self, Words};
use super::model::EvaluationContent;
use super::stored::{incidents_of, open_content, username};
use super::text;
use super::types::Row;
use crate::analysis::draw::Language;
use crate::audit::{self, Entry};
use crate::auth::Principal;
use crate::cases::attachments::TABLE as ATTACHMENTS;
use crate::cases::vocab;
use crate::crypto::{Dek, Keyring};
use crate::error::{Error, Result};
use crate::keys::store as key_store;
use crate::store::DbConnection;
use crate::store::schema::{attachments, evaluations};

/// A file of an evaluation version, with what streaming it needs.
pub struct ExportedFile {
    pub id: Uuid,
    /// SHA-256 (hex) of the original file, recorded at upload.
    pub sha256: String,
    pub media_type: String,
    pub filename: String,
    pub size: i64,
    pub blob_id: Uuid,
    pub dek: Dek,
}

/// One sealed version of an evaluation, ready to write into a bundle.
pub struct ExportedEvaluation {
    pub id: Uuid,
    pub root_id: Uuid,
    pub version: i32,
    pub person_id: Uuid,
    pub examined_on: Option<String>,
    pub clinician_name: String,
    /// ISO 639 code the evaluation is written in ("" when not said).
    pub language: String,
    pub digest: String,
    /// The clear fields, the content and the digest: recompute the digest from
    /// `canonical` (see `docs/court-records.md`).
    pub json: serde_json::Value,
    /// A plain-text rendering (UTF-8), for reading.
    pub text: String,
    /// The body diagram.
    pub svg: String,
    pub files: Vec<ExportedFile>,
}

impl std::fmt::Debug for ExportedEvaluation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportedEvaluation")
            .field("id", &self.id)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// Every sealed version of the evaluations of `person_ids` in `case_id`, oldest first
/// per evaluation; each one audited (`evaluation.export`) in the caller's transaction.
/// The caller has decided that `who` may export them to this bundle.
pub fn exported(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    bundle_id: Uuid,
    case_id: &str,
    person_ids: &[String],
) -> Result<Vec<ExportedEvaluation>> {
    let rows: Vec<Row> = evaluations::table
        .filter(evaluations::case_id.eq(case_id))
        .filter(evaluations::person_id.eq_any(person_ids))
        .filter(evaluations::status.eq("sealed"))
        .order((evaluations::person_id.asc(), evaluations::root_id.asc(), evaluations::version.asc()))
        .select(Row::as_select())
        .load(c)?;
    let labels = english_labels(c)?;
    let label = |vocabulary: &str, code: &str| {
        labels.get(&(vocabulary.to_owned(), code.to_owned())).cloned().unwrap_or_else(|| code.to_owned())
    };
    let words = Words { language: Language::En, labels: labels.clone() };
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let content = open_content(c, keyring, &row)?;
        let digest = row.digest.clone().ok_or(Error::Integrity)?;
        let files = files_of(c, keyring, &row.id)?;
        let json = to_json(c, &row, &content, &files)?;
        audit::append(
            c,
            &Entry::new(who, "evaluation.export")
                .target("evaluation", &row.id)
                .detail("bundle_id", bundle_id.to_string()),
        )?;
        out.push(ExportedEvaluation {
            id: parse(&row.id)?,
            root_id: parse(&row.root_id)?,
            version: row.version,
            person_id: parse(&row.person_id)?,
            examined_on: row.examined_on.clone(),
            clinician_name: content.clinician.name.clone(),
            language: content.language.clone(),
            digest,
            text: text::render(&row, &content, &label),
            svg: diagram::draw(&content, &words),
            json,
            files,
        });
    }
    Ok(out)
}

fn to_json(
    c: &mut DbConnection,
    row: &Row,
    content: &EvaluationContent,
    files: &[ExportedFile],
) -> Result<serde_json::Value> {
    let incidents = incidents_of(c, &row.root_id)?;
    Ok(json!({
        "id": row.id,
        "root_id": row.root_id,
        "version": row.version,
        "status": row.status,
        "case_id": row.case_id,
        "person_id": row.person_id,
        "kind": row.kind,
        "clinician_id": row.clinician_id,
        "clinician_username": username(c, &row.clinician_id)?,
        "examined_on": row.examined_on,
        "sealed_at": row.sealed_at.map(|t| t.and_utc()),
        "digest": row.digest,
        "digest_algorithm": "SHA-256 of the JSON object {v: 1, case_id, root_id, version, person_id, clinician_id, kind, examined_on, content}, keys sorted, no whitespace",
        "incident_ids": incidents,
        "content": content,
        "attachments": files.iter().map(|f| json!({
            "id": f.id, "sha256": f.sha256, "media_type": f.media_type, "filename": f.filename, "size": f.size,
        })).collect::<Vec<_>>(),
    }))
}

fn files_of(c: &mut DbConnection, keyring: &Keyring, version_id: &str) -> Result<Vec<ExportedFile>> {
    let views = crate::cases::attachments::list_for_evaluations(c, keyring, &[version_id.to_owned()])?;
    views
        .into_iter()
        .map(|v| {
            let id = v.id.to_string();
            let blob: String = attachments::table.find(&id).select(attachments::blob_id).first(c)?;
            let dek = key_store::record_key(c, keyring, ATTACHMENTS, &id)?;
            Ok(ExportedFile {
                id: v.id,
                sha256: v.sha256,
                media_type: v.media_type,
                filename: v.filename,
                size: v.size,
                blob_id: parse(&blob)?,
                dek,
            })
        })
        .collect()
}

/// The English labels of the vocabularies an evaluation uses.
pub(crate) fn english_labels(c: &mut DbConnection) -> Result<HashMap<(String, String), String>> {
    labels(c, Language::En)
}

pub(crate) fn labels(c: &mut DbConnection, language: Language) -> Result<HashMap<(String, String), String>> {
    let mut out = HashMap::new();
    for v in ["consistency", "body_region", "body_system", "torture_method"] {
        for t in vocab::list(c, Some(v))? {
            let label = if language == Language::Ru { t.label_ru } else { t.label_en };
            out.insert((t.vocabulary, t.code), label);
        }
    }
    Ok(out)
}

fn parse(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|_| Error::Integrity)
}
