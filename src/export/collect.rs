//! What goes into a bundle: the selection resolved to records, consent applied, identities
//! withheld, and every payload file but the attachments rendered in memory. Reads
//! happen in the caller's transaction, and each exported testimony version is audited
//! there.
//!
//! Consent rules (docs/evidence-bundles.md):
//! - an account goes only if its consent covers the recipient category and has not been
//!   withdrawn; otherwise it is listed in `redactions.json` by pseudonym only;
//! - a witness is named only if every exported account of theirs allows it; every other
//!   victim or witness of the case appears by pseudonym, and their recorded names and
//!   aliases, and the spans the documenter marked, are replaced by `[pseudonym]` in all
//!   free text of the bundle;
//! - contact details are never exported; drafts are never exported;
//! - attachments of incidents (not covered by any witness's consent) are withheld.

//!
//! The selection is resolved by `selection`, consent decided by `consent`, names
//! scrubbed by `scrub`; this module renders what goes.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::consent::{Decision, consented, decide};
use super::documents::{self, AttachmentItem, VersionFile};
use super::index::Index;
use super::scrub::Scrubber;
use super::selection::resolve;
use super::{Recipient, Selection};
use crate::audit::checkpoints::SignedCheckpoint;
use crate::audit::{self, Entry};
use crate::auth::Principal;
use crate::cases::persons::{self, PersonKind};
use crate::cases::testimonies;
use crate::cases::{attachments, incidents, units};
use crate::catalog::testimony_default;
use crate::crypto::{Dek, Keyring};
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::{cases, persons as persons_t, testimony_incidents, units as units_t};

/// An attachment to stream into the bag once the transaction is over.
pub struct AttachmentFile {
    /// Below `data/`.
    pub path: String,
    pub attachment_id: String,
    pub blob_id: Uuid,
    pub dek: Dek,
    pub size: u64,
    /// As recorded at upload; checked against what the bag gets.
    pub sha256: String,
}

/// Everything a bundle holds, ready to be written.
pub struct Plan {
    pub case_reference: String,
    /// Payload files held in memory, paths below `data/`.
    pub files: Vec<(String, Vec<u8>)>,
    pub attachments: Vec<AttachmentFile>,
    pub counts: Counts,
    /// Items of the evidence index (`data/index.csv`), with their reference numbers.
    pub indexed: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub testimonies: usize,
    pub versions: usize,
    pub attachments: usize,
    pub incidents: usize,
    pub perpetrators: usize,
    pub units: usize,
    pub withheld_testimonies: usize,
    pub evaluations: usize,
    pub detention_histories: usize,
    pub withheld_court_records: usize,
}

impl Plan {
    pub fn payload_bytes(&self) -> u64 {
        self.files.iter().map(|(_, b)| b.len() as u64).sum::<u64>()
            + self.attachments.iter().map(|a| a.size).sum::<u64>()
    }
}

pub(super) fn safe_name(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).take(40).collect()
}

pub(super) fn extension(filename: &str, media_type: &str) -> String {
    let from_name = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .filter(|e| !e.is_empty() && e.len() <= 10 && e.chars().all(|c| c.is_ascii_alphanumeric()));
    from_name.unwrap_or_else(|| {
        match media_type {
            "image/jpeg" => "jpg",
            "image/png" => "png",
            "application/pdf" => "pdf",
            "audio/mpeg" => "mp3",
            "text/plain" => "txt",
            _ => "bin",
        }
        .to_owned()
    })
}

pub(super) fn json_bytes(value: &impl Serialize) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(Error::internal)?;
    bytes.push(b'\n');
    Ok(bytes)
}

pub struct Request<'a> {
    pub bundle_id: Uuid,
    pub case_id: &'a str,
    pub recipient: Recipient,
    pub selection: &'a Selection,
    pub who: &'a Principal,
    pub encrypted_to_recipient: bool,
    pub checkpoint: &'a SignedCheckpoint,
    pub log_key: &'a str,
    /// When the export is made (`export.json`).
    pub now: DateTime<Utc>,
    /// With an analysis annex (`annex`): the minimum count its patterns show.
    pub analysis_annex: Option<u32>,
}

/// Gathers and renders a bundle. Audits each exported version in this transaction.
pub fn collect(c: &mut DbConnection, keyring: &Keyring, req: &Request<'_>) -> Result<Plan> {
    let case_id = req.case_id;
    let reference: String = cases::table.find(case_id).select(cases::reference).first(c)?;
    let scope = resolve(c, case_id, req.selection)?;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();

    // Consent first: which accounts go, and who may be named.
    let decision = decide(c, keyring, &scope, req.recipient)?;
    let scope = consented(scope, &decision);
    let Decision { accounts, withheld: withheld_testimonies, nameable } = decision;
    let named = |id: &str| nameable.get(id).copied().unwrap_or(false);

    // Every protected person of the case who may not be named, with their names.
    let protected: Vec<persons::PersonRow> = persons_t::table
        .filter(persons_t::case_id.eq(case_id))
        .filter(persons_t::kind.eq_any([PersonKind::Victim.as_str(), PersonKind::Witness.as_str()]))
        .select(persons::PersonRow::as_select())
        .load(c)?;
    let mut withheld_names = Vec::new();
    for p in &protected {
        if !named(&p.id) {
            for name in persons::all_names_of(c, keyring, p)? {
                withheld_names.push((name, p.pseudonym.clone()));
            }
        }
    }
    let scrubber = Scrubber::new(withheld_names);
    let included_roots: BTreeSet<String> = accounts.iter().map(|a| a.root.clone()).collect();
    let keep_roots = |ids: &[Uuid]| -> Vec<Uuid> {
        ids.iter().filter(|id| included_roots.contains(&id.to_string())).copied().collect()
    };

    // Accounts, their versions and attachments.
    let mut attachment_files = Vec::new();
    let mut custody_items: Vec<(&'static str, String)> = Vec::new();
    let mut seen_persons: BTreeSet<String> = BTreeSet::new();
    let mut counts = Counts::default();
    // The evidence index: every collector adds its documents here (see `index`).
    let mut index = Index::new(case_id, &reference, req.now.naive_utc());
    for a in &accounts {
        let shown = named(&a.witness.id);
        seen_persons.insert(a.witness.id.clone());
        let names = if shown { Some(persons::names_of(c, keyring, &a.witness)?) } else { None };
        let public = a.versions.last().is_some_and(|(_, _, k)| k.share_with.public);
        let level = testimony_default(public, shown);
        let version_ids: Vec<String> = a.versions.iter().map(|(r, _, _)| r.id.clone()).collect();
        let mut versions = Vec::new();
        let mut indexed_attachments = Vec::new();
        for (row, content, _) in &a.versions {
            let account = if shown {
                content.account.clone()
            } else {
                scrubber.scrub(&testimonies::redact(
                    &content.account,
                    &content.identifying_spans,
                    &a.witness.pseudonym,
                ))
            };
            let mut files_of_version = Vec::new();
            for (view, blob_id, dek) in attachments::for_export(c, keyring, &row.id)? {
                let ext = extension(&view.filename, &view.media_type);
                let path = format!("testimonies/{}/attachments/{}.{ext}", a.dir, view.id);
                files_of_version.push(json!({
                    "id": view.id,
                    "file": format!("data/{path}"),
                    "media_type": view.media_type,
                    "size": view.size,
                    "sha256": view.sha256,
                    "original_filename": if shown { Some(view.filename.clone()) } else { None },
                    "uploaded_at": view.created_at,
                }));
                custody_items.push(("attachment", view.id.to_string()));
                indexed_attachments.push((
                    row.version,
                    documents::attachment_document(AttachmentItem {
                        id: &view.id.to_string(),
                        path: &path,
                        media_type: &view.media_type,
                        sha256: &view.sha256,
                        uploaded_on: view.created_at.format("%Y-%m-%d").to_string(),
                        pseudonym: &a.witness.pseudonym,
                        version: row.version,
                        level,
                    }),
                ));
                attachment_files.push(AttachmentFile {
                    path,
                    attachment_id: view.id.to_string(),
                    blob_id,
                    dek,
                    size: view.size.max(0) as u64,
                    sha256: view.sha256,
                });
            }
            counts.attachments += files_of_version.len();
            versions.push(json!({
                "id": row.id,
                "version": row.version,
                "sealed_at": row.sealed_at.map(|t| t.and_utc()),
                "digest_sha256": row.digest,
                "interview_date": row.interview_date,
                "interview_place": scrubber.scrub_opt(&content.interview_place),
                "languages": serde_json::from_str::<Value>(&row.languages).map_err(|_| Error::Integrity)?,
                "source_connection": row.source_connection,
                "reliability": row.reliability,
                "account": account,
                "summary": scrubber.scrub(&content.summary),
                "interviewer": content.interviewer,
                "interpreter": content.interpreter,
                "persons_present": content.persons_present.iter().map(|p| scrubber.scrub(p)).collect::<Vec<_>>(),
                "correction_reason": scrubber.scrub_opt(&content.correction_reason),
                "identity_redacted": !shown,
                "attachments": files_of_version,
            }));
            custody_items.push(("testimony", row.id.clone()));
            audit::append(
                c,
                &Entry::new(req.who, "testimony.export")
                    .target("testimony", &row.id)
                    .detail("bundle_id", req.bundle_id.to_string())
                    .detail("identity_shown", shown),
            )?;
            counts.versions += 1;
        }
        let described: Vec<String> = testimony_incidents::table
            .filter(testimony_incidents::testimony_root_id.eq(&a.root))
            .select(testimony_incidents::incident_id)
            .load(c)?;
        let consent = a.versions.last().map(|(_, _, k)| k.clone());
        let doc = json!({
            "root_id": a.root,
            "case_reference": reference,
            "witness": {
                "id": a.witness.id,
                "pseudonym": a.witness.pseudonym,
                "identity_withheld": !shown,
                "names": names,
            },
            "consent": consent,
            "incidents": described,
            "versions": versions,
            "note": "digest_sha256 is the SHA-256 recorded when the version was sealed, over the \
                     complete account as held by the organisation (before any redaction).",
        });
        // Each version on its own, as the document the index numbers, then its files.
        for (v, (row, content, _)) in versions.iter().zip(&a.versions) {
            let mut one = doc.clone();
            one["versions"] = json!([v]);
            let text = super::readable::testimony_text(&one);
            index.add(
                c,
                documents::version_document(VersionFile {
                    dir: &a.dir,
                    id: &row.id,
                    root: &a.root,
                    number: row.version,
                    pseudonym: &a.witness.pseudonym,
                    text: &text,
                    interview_date: row.interview_date.as_deref(),
                    interviewer: content.interviewer.as_deref(),
                    languages: &v["languages"],
                    siblings: version_ids.iter().filter(|id| **id != row.id).cloned().collect(),
                    level,
                }),
            )?;
            files.push((documents::version_path(&a.dir, row.version), text.into_bytes()));
            for (_, d) in indexed_attachments.iter().filter(|(n, _)| *n == row.version) {
                index.add(c, d.clone())?;
            }
        }
        files.push((format!("testimonies/{}/testimony.json", a.dir), json_bytes(&doc)?));
        files.push((
            format!("testimonies/{}/testimony.txt", a.dir),
            super::readable::testimony_text(&doc).into_bytes(),
        ));
        counts.testimonies += 1;
    }

    // Incidents, with victims by pseudonym unless named.
    let mut incident_docs = Vec::new();
    let mut links_ti = Vec::new();
    let mut links_inv = Vec::new();
    let mut links_victims = Vec::new();
    let mut withheld_attachments = Vec::new();
    let mut unit_ids: BTreeSet<String> = BTreeSet::new();
    for id in &scope.incidents {
        let v = incidents::view(c, keyring, id)?;
        let mut victims = Vec::new();
        for vid in &v.victim_ids {
            let p = persons::load(c, &vid.to_string())?;
            seen_persons.insert(p.id.clone());
            let names = if named(&p.id) { Some(persons::names_of(c, keyring, &p)?) } else { None };
            links_victims.push(json!({"incident": v.id, "person": vid}));
            victims.push(json!({"id": vid, "pseudonym": p.pseudonym, "names": names}));
        }
        for t in keep_roots(&v.testimonies) {
            links_ti.push(json!({"testimony_root": t, "incident": v.id}));
        }
        let mut involvements = Vec::new();
        for inv in &v.involvements {
            if let Some(u) = inv.unit_id {
                unit_ids.insert(u.to_string());
            }
            let link = json!({
                "id": inv.id, "incident": v.id, "person": inv.person_id, "unit": inv.unit_id,
                "role": inv.role, "testimonies": keep_roots(&inv.testimonies),
            });
            links_inv.push(link.clone());
            involvements.push(link);
        }
        if !v.attachments.is_empty() {
            withheld_attachments.push(json!({
                "incident": v.id,
                "count": v.attachments.len(),
                "reason": "incident attachments are not covered by a witness's consent",
            }));
        }
        incident_docs.push(json!({
            "id": v.id,
            "act_type": v.act_type,
            "methods": v.methods,
            "start_date": v.start_date,
            "start_precision": v.start_precision,
            "end_date": v.end_date,
            "end_precision": v.end_precision,
            "place": v.place_id.map(|p| json!({"id": p, "name": scrubber.scrub_opt(&v.place_name)})),
            "description": scrubber.scrub(&v.description),
            "victims": victims,
            "involvements": involvements,
            "testimonies": keep_roots(&v.testimonies),
        }));
        custody_items.push(("incident", id.clone()));
        counts.incidents += 1;
    }

    // Perpetrators and the units of the chain of command above them.
    let mut perpetrator_docs = Vec::new();
    for id in &scope.perpetrators {
        let row = persons::load(c, id)?;
        if let Some(u) = &row.unit_id {
            unit_ids.insert(u.clone());
        }
        let mut v = persons::export_view(c, keyring, row, true)?;
        v.notes = scrubber.scrub_opt(&v.notes);
        v.involvements.retain(|i| scope.incidents.contains(&i.incident_id.to_string()));
        for i in &mut v.involvements {
            i.testimonies = keep_roots(&i.testimonies);
        }
        perpetrator_docs.push(v);
        custody_items.push(("person", id.clone()));
    }
    counts.perpetrators = perpetrator_docs.len();
    let mut with_ancestors = BTreeSet::new();
    for id in &unit_ids {
        let mut next = Some(id.clone());
        while let Some(u) = next {
            if !with_ancestors.insert(u.clone()) {
                break;
            }
            next = units_t::table.find(&u).select(units_t::parent_id).first::<Option<String>>(c)?;
        }
    }
    let mut unit_docs = Vec::new();
    for id in &with_ancestors {
        let v = units::build_view(c, keyring, id)?;
        unit_docs.push(json!({
            "id": v.id,
            "name": scrubber.scrub(&v.name),
            "description": scrubber.scrub(&v.description),
            "parent_id": v.parent_id,
            "chain_of_command": v.chain_of_command,
            "sub_units": v.sub_units,
            "commanders": v.commanders,
            "members": v.members.iter().filter(|m| scope.perpetrators.contains(&m.to_string())).collect::<Vec<_>>(),
        }));
        custody_items.push(("unit", id.clone()));
    }
    counts.units = unit_docs.len();
    counts.withheld_testimonies = withheld_testimonies.len();

    files.push(("incidents.json".into(), json_bytes(&incident_docs)?));
    files.push(("perpetrators.json".into(), json_bytes(&perpetrator_docs)?));
    files.push(("units.json".into(), json_bytes(&unit_docs)?));
    files.push((
        "links.json".into(),
        json_bytes(&json!({
            "testimony_incidents": links_ti,
            "involvements": links_inv,
            "incident_victims": links_victims,
        }))?,
    ));

    // Evaluations and detention histories of the persons the bundle is about, where
    // the ledger lets them go to this recipient (`court_records`).
    let about: Vec<&persons::PersonRow> = protected.iter().filter(|p| seen_persons.contains(&p.id)).collect();
    let court = super::court_records::collect(c, keyring, req, &about, &scrubber, &mut index)?;
    files.extend(court.files);
    counts.attachments += court.attachments.len();
    attachment_files.extend(court.attachments);
    counts.evaluations = court.evaluations;
    counts.detention_histories = court.histories;
    counts.withheld_court_records = court.withheld.len();

    // Identities withheld: pseudonyms only.
    let identities: Vec<Value> = protected
        .iter()
        .filter(|p| seen_persons.contains(&p.id) && !named(&p.id))
        .map(|p| {
            json!({
                "pseudonym": p.pseudonym,
                "withheld": ["names", "aliases", "birth_date", "contact"],
                "free_text": "spans the documenter marked as identifying, and the person's recorded \
                              names and aliases, are replaced by [pseudonym]",
            })
        })
        .collect();
    files.push((
        "redactions.json".into(),
        json_bytes(&json!({
            "recipient": req.recipient,
            "withheld_testimonies": withheld_testimonies,
            "identities_withheld": identities,
            "withheld_attachments": withheld_attachments,
            "withheld_court_records": court.withheld,
            "always_withheld": [
                "contact details of every person",
                "unsealed drafts",
            ],
        }))?,
    ));

    // Every indexed item has its chain of custody, whichever collector added it.
    for item in &index.items {
        let kind = item.doc.kind.as_str();
        if !custody_items.iter().any(|(k, id)| *k == kind && *id == item.doc.id) {
            custody_items.push((kind, item.doc.id.clone()));
        }
    }
    files.push(("index.csv".into(), index.csv()?));
    files.push(("index.json".into(), index.json()?));

    // Chain of custody: every entry naming an exported record, in the order of the log
    // (which is the order of time), proved against the checkpoint signed for this export.
    for (kind, id) in &custody_items {
        let entries = audit::query::custody(c, kind, id)?;
        let mut proved = Vec::new();
        for e in entries.iter().filter(|e| (e.seq as u64) < req.checkpoint.size) {
            let p = audit::query::prove(c, e.seq, req.checkpoint)?;
            proved.push(json!({
                "seq": e.seq,
                "canonical": p.canonical,
                "leaf_hash": p.leaf_hash,
                "inclusion_proof": p.inclusion_proof,
            }));
        }
        let doc = json!({
            "item": {"type": kind, "id": id},
            "checkpoint": "custody/checkpoint.txt",
            "tree_size": req.checkpoint.size,
            "entries": proved,
        });
        files.push((format!("custody/{kind}-{id}.json"), json_bytes(&doc)?));
    }
    // The analysis annex, from what the bundle holds and with the names it shows.
    let mut annex_files = Vec::new();
    if let Some(min_count) = req.analysis_annex {
        let contents = super::annex::Contents {
            case_id,
            incidents: &scope.incidents,
            testimonies: &included_roots,
            units: &with_ancestors,
            perpetrators: &scope.perpetrators,
        };
        let annex = super::annex::files(c, keyring, &contents, &|name| scrubber.scrub(name), min_count)?;
        annex_files = annex.iter().map(|(p, _)| format!("data/{p}")).collect::<Vec<_>>();
        files.extend(annex);
    }
    files.push(("custody/checkpoint.txt".into(), req.checkpoint.note.clone().into_bytes()));
    files.push(("custody/log-key.txt".into(), format!("{}\n", req.log_key).into_bytes()));

    files.push((
        "export.json".into(),
        json_bytes(&json!({
            "bundle_id": req.bundle_id,
            "case": {"id": case_id, "reference": reference},
            "exported_by": {"user_id": req.who.user_id, "username": req.who.username},
            "exported_at": req.now,
            "recipient": req.recipient,
            "selection": req.selection,
            "included": counts,
            "encrypted_to_recipient": req.encrypted_to_recipient,
            "analysis_annex": req.analysis_annex.map(|min_count| json!({
                "readme": format!("data/{}/README.txt", super::annex::DIR),
                "min_count": min_count,
                "files": annex_files,
            })),
            "audit_checkpoint": {"size": req.checkpoint.size, "root": req.checkpoint.root},
            "software": format!("custodia {}", env!("CARGO_PKG_VERSION")),
        }))?,
    ));
    audit::append(
        c,
        &Entry::new(req.who, "bundle.collect")
            .target("bundle", req.bundle_id)
            .detail("testimonies", counts.testimonies)
            .detail("withheld", counts.withheld_testimonies)
            .detail("attachments", counts.attachments)
            .detail("evaluations", counts.evaluations)
            .detail("detention_histories", counts.detention_histories)
            .detail("references_assigned", index.assigned)
            .detail("analysis_annex", req.analysis_annex.is_some()),
    )?;
    let indexed = index.items.len();
    Ok(Plan { case_reference: reference, files, attachments: attachment_files, counts, indexed })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachment_extensions_are_safe() {
        assert_eq!(extension("photo.JPG", "image/jpeg"), "jpg");
        assert_eq!(extension("../../etc/passwd", "text/plain"), "txt");
        assert_eq!(extension("x.tar.gz/../../a", "application/octet-stream"), "bin");
        assert_eq!(safe_name("W-0001/../x"), "W-0001____x");
    }
}
