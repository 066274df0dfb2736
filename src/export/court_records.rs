//! Evaluations and detention histories in a bundle. They go only for persons the bundle
//! is about (witnesses of its accounts, victims of its incidents), and only where the
//! person's consent ledger grants the purpose (`share_medical`, `share_detention`) to
//! this bundle's recipient: a testimony's own consent never covers them. Whatever is held
//! back is listed in `redactions.json` by pseudonym and reason only. A person whose
//! identity the bundle withholds stays a pseudonym here too: every string passes the
//! same scrubber as the rest of the bundle.

use serde_json::{Value, json};

use super::collect::{AttachmentFile, Request, extension, json_bytes, safe_name};
use super::index::{Document, Index};
use super::scrub::Scrubber;
use crate::care::ledger::{Decision, Purpose, standing};
use crate::cases::persons::PersonRow;
use crate::catalog::EvidenceItemKind;
use crate::catalog::pages::{file_pages, text_pages};
use crate::crypto::Keyring;
use crate::error::Result;
use crate::store::DbConnection;
use crate::store::schema::{detention_episodes, evaluations};
use diesel::prelude::*;

/// What the court records add to a bundle.
#[derive(Default)]
pub(super) struct Collected {
    pub files: Vec<(String, Vec<u8>)>,
    pub attachments: Vec<AttachmentFile>,
    /// `{"person", "record", "reason"}` for `redactions.json`.
    pub withheld: Vec<Value>,
    pub evaluations: usize,
    pub histories: usize,
}

/// Why a record held back for want of consent: the ledger's standing decision.
fn reason(record: &str, standing: Option<Decision>) -> String {
    let why = match standing {
        Some(Decision::Withdrawn) => "consent_withdrawn",
        Some(Decision::Refused) => "consent_refused",
        _ => "no_consent",
    };
    format!("{record}_{why}")
}

pub(super) fn collect(
    c: &mut DbConnection,
    keyring: &Keyring,
    req: &Request<'_>,
    persons: &[&PersonRow],
    scrubber: &Scrubber,
    index: &mut Index,
) -> Result<Collected> {
    let mut out = Collected::default();
    let recipient = req.recipient.as_str();
    for p in persons {
        let sealed: i64 = evaluations::table
            .filter(evaluations::person_id.eq(&p.id))
            .filter(evaluations::status.eq("sealed"))
            .count()
            .get_result(c)?;
        if sealed > 0 {
            match standing(c, &p.id, Purpose::ShareMedical, recipient)? {
                Some(Decision::Granted) => evaluations_of(c, keyring, req, p, scrubber, index, &mut out)?,
                other => out.withheld.push(
                    json!({"person": p.pseudonym, "record": "evaluation", "reason": reason("medical", other)}),
                ),
            }
        }
        let episodes: i64 = detention_episodes::table
            .filter(detention_episodes::person_id.eq(&p.id))
            .count()
            .get_result(c)?;
        if episodes > 0 {
            match standing(c, &p.id, Purpose::ShareDetention, recipient)? {
                Some(Decision::Granted) => history_of(c, keyring, req, p, scrubber, index, &mut out)?,
                other => out.withheld.push(json!({
                    "person": p.pseudonym, "record": "detention_history", "reason": reason("detention", other),
                })),
            }
        }
    }
    Ok(out)
}

/// Every string of a JSON document through the scrubber.
fn scrub_json(v: &mut Value, scrubber: &Scrubber) {
    match v {
        Value::String(s) => *s = scrubber.scrub(s),
        Value::Array(items) => items.iter_mut().for_each(|i| scrub_json(i, scrubber)),
        Value::Object(map) => map.values_mut().for_each(|i| scrub_json(i, scrubber)),
        _ => {}
    }
}

fn evaluations_of(
    c: &mut DbConnection,
    keyring: &Keyring,
    req: &Request<'_>,
    p: &PersonRow,
    scrubber: &Scrubber,
    index: &mut Index,
    out: &mut Collected,
) -> Result<()> {
    let versions = crate::medical::exported(
        c,
        keyring,
        req.who,
        req.bundle_id,
        req.case_id,
        std::slice::from_ref(&p.id),
    )?;
    for ev in &versions {
        let root = ev.root_id.to_string();
        let dir = format!("evaluations/{}_{}", safe_name(&p.pseudonym), &root[..8]);
        let siblings: Vec<String> = versions
            .iter()
            .filter(|o| o.root_id == ev.root_id && o.id != ev.id)
            .map(|o| o.id.to_string())
            .collect();
        let mut doc = ev.json.clone();
        scrub_json(&mut doc, scrubber);
        let text = scrubber.scrub(&ev.text);
        let text_path = format!("{dir}/version-{}.txt", ev.version);
        index.add(
            c,
            Document {
                kind: EvidenceItemKind::Evaluation,
                id: ev.id.to_string(),
                record_id: root.clone(),
                siblings,
                pages: text_pages(&text),
                default_level: EvidenceItemKind::Evaluation.default_confidentiality(),
                title: format!("Istanbul Protocol evaluation of {}, version {}", p.pseudonym, ev.version),
                document_type: "medical evaluation (Istanbul Protocol)".into(),
                date_precision: ev.examined_on.as_ref().map(|_| "day".into()),
                date: ev.examined_on.clone(),
                // The clinician signs the evaluation; the bundle shows the name in it.
                author: scrubber.scrub(&ev.clinician_name),
                language: ev.language.clone(),
                sha256: Document::sha256_of(text.as_bytes()),
                path: text_path.clone(),
            },
        )?;
        out.files.push((text_path, text.into_bytes()));
        out.files.push((format!("{dir}/version-{}.json", ev.version), json_bytes(&doc)?));
        out.files.push((format!("{dir}/body-{}.svg", ev.version), scrubber.scrub(&ev.svg).into_bytes()));
        for f in &ev.files {
            let ext = extension(&f.filename, &f.media_type);
            let path = format!("{dir}/attachments/{}.{ext}", f.id);
            if out.attachments.iter().any(|a| a.path == path) {
                continue;
            }
            index.add(
                c,
                Document {
                    kind: EvidenceItemKind::Attachment,
                    id: f.id.to_string(),
                    record_id: f.id.to_string(),
                    siblings: Vec::new(),
                    pages: file_pages(&f.media_type),
                    default_level: EvidenceItemKind::Evaluation.default_confidentiality(),
                    title: format!("Attachment to the evaluation of {} ({})", p.pseudonym, f.media_type),
                    document_type: super::documents::document_type(&f.media_type).into(),
                    date: ev.examined_on.clone(),
                    date_precision: ev.examined_on.as_ref().map(|_| "day".into()),
                    author: "clinician".into(),
                    language: String::new(),
                    sha256: f.sha256.clone(),
                    path: path.clone(),
                },
            )?;
            out.attachments.push(AttachmentFile {
                path,
                attachment_id: f.id.to_string(),
                blob_id: f.blob_id,
                dek: f.dek.clone(),
                size: f.size.max(0) as u64,
                sha256: f.sha256.clone(),
            });
        }
        out.evaluations += 1;
    }
    Ok(())
}

fn history_of(
    c: &mut DbConnection,
    keyring: &Keyring,
    req: &Request<'_>,
    p: &PersonRow,
    scrubber: &Scrubber,
    index: &mut Index,
    out: &mut Collected,
) -> Result<()> {
    let today = req.now.date_naive();
    for h in crate::detention::bundle::exported(
        c,
        keyring,
        req.who,
        req.case_id,
        std::slice::from_ref(&p.id),
        today,
    )? {
        let mut doc = h.json.clone();
        scrub_json(&mut doc, scrubber);
        let text = scrubber.scrub(&h.text);
        let name = safe_name(&h.pseudonym);
        let sha256 = Document::sha256_of(text.as_bytes());
        // A history grows while a person is held: each different text is its own item
        // with its own references, and an unchanged one keeps those it was given.
        index.add(
            c,
            Document {
                kind: EvidenceItemKind::Detention,
                id: format!("{}-{}", h.person_id, &sha256[..16]),
                record_id: h.person_id.clone(),
                siblings: Vec::new(),
                pages: text_pages(&text),
                default_level: EvidenceItemKind::Detention.default_confidentiality(),
                title: format!("Detention history of {} as of {today}", h.pseudonym),
                document_type: "detention history".into(),
                date: Some(today.to_string()),
                date_precision: Some("day".into()),
                author: "documenter".into(),
                language: "en".into(),
                sha256,
                path: format!("detention/{name}.txt"),
            },
        )?;
        out.files.push((format!("detention/{name}.txt"), text.into_bytes()));
        out.files.push((format!("detention/{name}.json"), json_bytes(&doc)?));
        out.histories += 1;
    }
    Ok(())
}
