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

use std::collections::{BTreeMap, BTreeSet};

use diesel::prelude::*;
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Recipient, Selection};
use crate::audit::checkpoints::SignedCheckpoint;
use crate::audit::{self, Entry};
use crate::auth::Principal;
use crate::cases::persons::{self, PersonKind};
use crate::cases::testimonies::{self, Consent, Content};
use crate::cases::{attachments, incidents, units};
use crate::crypto::{Dek, Keyring};
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::{
    cases, incidents as incidents_t, involvements, persons as persons_t, testimonies as testimonies_t,
    testimony_incidents, units as units_t,
};

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
}

impl Plan {
    pub fn payload_bytes(&self) -> u64 {
        self.files.iter().map(|(_, b)| b.len() as u64).sum::<u64>()
            + self.attachments.iter().map(|a| a.size).sum::<u64>()
    }
}

/// The records a selection covers, all checked to be in the case.
#[derive(Debug, Default)]
pub struct Scope {
    pub roots: BTreeSet<String>,
    pub incidents: BTreeSet<String>,
    pub perpetrators: BTreeSet<String>,
}

fn not_in_case(field: &str) -> Error {
    Error::field(field, "not_in_case", "every selected record must belong to the case being exported")
}

/// Resolves a selection. Selecting incidents or perpetrators brings in the accounts that
/// describe those incidents; selecting accounts brings in the incidents they describe.
pub fn resolve(c: &mut DbConnection, case_id: &str, sel: &Selection) -> Result<Scope> {
    let mut scope = Scope::default();
    let mut explicit_incidents = BTreeSet::new();
    if sel.is_whole_case() {
        let roots: Vec<String> = testimonies_t::table
            .filter(testimonies_t::case_id.eq(case_id))
            .select(testimonies_t::root_id)
            .load(c)?;
        scope.roots.extend(roots);
        let all: Vec<String> =
            incidents_t::table.filter(incidents_t::case_id.eq(case_id)).select(incidents_t::id).load(c)?;
        scope.incidents.extend(all);
    } else {
        for id in &sel.testimonies {
            let row: Option<(String, String)> = testimonies_t::table
                .find(id.to_string())
                .select((testimonies_t::case_id, testimonies_t::root_id))
                .first(c)
                .optional()?;
            match row {
                Some((case, root)) if case == case_id => {
                    scope.roots.insert(root);
                }
                _ => return Err(not_in_case("selection.testimonies")),
            }
        }
        for id in &sel.incidents {
            let case: Option<String> =
                incidents_t::table.find(id.to_string()).select(incidents_t::case_id).first(c).optional()?;
            if case.as_deref() != Some(case_id) {
                return Err(not_in_case("selection.incidents"));
            }
            explicit_incidents.insert(id.to_string());
        }
        for id in &sel.perpetrators {
            let row: Option<(String, String)> = persons_t::table
                .find(id.to_string())
                .select((persons_t::case_id, persons_t::kind))
                .first(c)
                .optional()?;
            match row {
                Some((case, kind)) if case == case_id && kind == PersonKind::Perpetrator.as_str() => {
                    scope.perpetrators.insert(id.to_string());
                }
                _ => return Err(not_in_case("selection.perpetrators")),
            }
        }
        let perpetrators: Vec<String> = scope.perpetrators.iter().cloned().collect();
        let theirs: Vec<String> = involvements::table
            .filter(involvements::person_id.eq_any(&perpetrators))
            .select(involvements::incident_id)
            .load(c)?;
        explicit_incidents.extend(theirs);
        let roots: Vec<String> = scope.roots.iter().cloned().collect();
        let described: Vec<String> = testimony_incidents::table
            .filter(testimony_incidents::testimony_root_id.eq_any(&roots))
            .select(testimony_incidents::incident_id)
            .load(c)?;
        let incident_list: Vec<String> = explicit_incidents.iter().cloned().collect();
        let describing: Vec<String> = testimony_incidents::table
            .filter(testimony_incidents::incident_id.eq_any(&incident_list))
            .select(testimony_incidents::testimony_root_id)
            .load(c)?;
        scope.incidents.extend(explicit_incidents);
        scope.incidents.extend(described);
        scope.roots.extend(describing);
    }
    let incident_list: Vec<String> = scope.incidents.iter().cloned().collect();
    let involved: Vec<String> = involvements::table
        .inner_join(persons_t::table.on(involvements::person_id.eq(persons_t::id.nullable())))
        .filter(involvements::incident_id.eq_any(&incident_list))
        .filter(persons_t::kind.eq(PersonKind::Perpetrator.as_str()))
        .select(persons_t::id)
        .load(c)?;
    scope.perpetrators.extend(involved);
    Ok(scope)
}

/// Replaces withheld names in free text, case-insensitively, longest name first.
struct Scrubber {
    names: Vec<(Vec<char>, String)>,
}

fn fold(c: char) -> char {
    let c = c.to_lowercase().next().unwrap_or(c);
    if c == 'ё' { 'е' } else { c }
}

impl Scrubber {
    fn new(mut names: Vec<(String, String)>) -> Self {
        names.retain(|(n, _)| n.trim().chars().count() >= 2);
        names.sort_by_key(|(n, _)| std::cmp::Reverse(n.chars().count()));
        Scrubber {
            names: names
                .into_iter()
                .map(|(n, p)| (n.trim().chars().map(fold).collect(), format!("[{p}]")))
                .collect(),
        }
    }

    fn scrub(&self, text: &str) -> String {
        if self.names.is_empty() {
            return text.to_owned();
        }
        let chars: Vec<char> = text.chars().collect();
        let folded: Vec<char> = chars.iter().map(|&c| fold(c)).collect();
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        'outer: while i < chars.len() {
            for (name, replacement) in &self.names {
                if folded[i..].starts_with(name) {
                    out.push_str(replacement);
                    i += name.len();
                    continue 'outer;
                }
            }
            out.push(chars[i]);
            i += 1;
        }
        out
    }

    fn scrub_opt(&self, text: &Option<String>) -> Option<String> {
        text.as_ref().map(|t| self.scrub(t))
    }
}

fn safe_name(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).take(40).collect()
}

fn extension(filename: &str, media_type: &str) -> String {
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

fn json_bytes(value: &impl Serialize) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(Error::internal)?;
    bytes.push(b'\n');
    Ok(bytes)
}

struct Account {
    root: String,
    dir: String,
    witness: persons::PersonRow,
    versions: Vec<(testimonies::Row, Content, Consent)>,
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
}

/// Which accounts of a scope go to a recipient, which are withheld and why, and which
/// witnesses may be named: the consent rules, shared by the export and its preview.
struct Decision {
    accounts: Vec<Account>,
    /// `{"witness": pseudonym, "reason": code}`, as `redactions.json` lists them.
    withheld: Vec<Value>,
    /// Witness id → may be named (every exported account of theirs allows it).
    nameable: BTreeMap<String, bool>,
}

fn decide(c: &mut DbConnection, keyring: &Keyring, scope: &Scope, recipient: Recipient) -> Result<Decision> {
    let mut withheld = Vec::new();
    let mut accounts: Vec<Account> = Vec::new();
    for root in &scope.roots {
        let versions = testimonies::sealed_versions(c, keyring, root)?;
        let witness_id = match versions.last() {
            Some((row, _, _)) => row.witness_id.clone(),
            None => {
                let row = testimonies::load(c, root)?;
                let witness = persons::load(c, &row.witness_id)?;
                withheld.push(json!({"witness": witness.pseudonym, "reason": "not_sealed"}));
                continue;
            }
        };
        let witness = persons::load(c, &witness_id)?;
        let consent = versions.last().map(|(_, _, consent)| consent.clone());
        let reason = match &consent {
            Some(k) if k.withdrawn_on.is_some() => Some("consent_withdrawn"),
            Some(k) if !recipient.covered_by(&k.share_with) => Some("consent_does_not_cover_recipient"),
            _ => None,
        };
        if let Some(reason) = reason {
            withheld.push(json!({"witness": witness.pseudonym, "reason": reason}));
            continue;
        }
        let dir = format!("{}_{}", safe_name(&witness.pseudonym), &root[..8.min(root.len())]);
        accounts.push(Account { root: root.clone(), dir, witness, versions });
    }
    let mut nameable: BTreeMap<String, bool> = BTreeMap::new();
    for a in &accounts {
        let may = a.versions.last().is_some_and(|(_, _, k)| k.may_be_named);
        let entry = nameable.entry(a.witness.id.clone()).or_insert(true);
        *entry &= may;
    }
    Ok(Decision { accounts, withheld, nameable })
}

/// When consent lets no account go, incidents and perpetrators stay behind too: they
/// were drawn from those accounts, and a bundle of them alone would pass on what no
/// witness agreed to give this recipient.
fn consented(scope: Scope, d: &Decision) -> Scope {
    if d.accounts.is_empty() { Scope { roots: scope.roots, ..Scope::default() } } else { scope }
}

/// What an export would contain, before it is made: for the lawyer to see what consent
/// withholds. Pseudonyms and reasons only; nothing of the accounts themselves.
#[derive(Debug, Default)]
pub struct Preview {
    /// Exported accounts: (witness pseudonym, testimony root id, witness named?).
    pub exported: Vec<(String, Uuid, bool)>,
    /// Withheld accounts: (witness pseudonym, reason code).
    pub withheld: Vec<(String, String)>,
    pub incidents: usize,
    pub perpetrators: usize,
}

/// Previews an export. Reads (and decrypts) every account in scope to apply consent,
/// so it is audited like a read.
pub fn preview(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    case_id: Uuid,
    recipient: Recipient,
    selection: &Selection,
) -> Result<Preview> {
    let case_id = case_id.to_string();
    crate::access::membership::authorize(c, who, &case_id, crate::auth::Action::BundleExport)?;
    let scope = resolve(c, &case_id, selection)?;
    let d = decide(c, keyring, &scope, recipient)?;
    let scope = consented(scope, &d);
    let mut exported = Vec::new();
    for a in &d.accounts {
        let named = d.nameable.get(&a.witness.id).copied().unwrap_or(false);
        exported.push((a.witness.pseudonym.clone(), crate::cases::parse_uuid(&a.root)?, named));
    }
    let withheld: Vec<(String, String)> = d
        .withheld
        .iter()
        .map(|w| {
            (
                w["witness"].as_str().unwrap_or_default().to_owned(),
                w["reason"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    crate::audit::append(
        c,
        &crate::audit::Entry::new(who, "bundle.preview")
            .target("case", &case_id)
            .detail("recipient", recipient.as_str())
            .detail("exported", exported.len())
            .detail("withheld", withheld.len()),
    )?;
    Ok(Preview {
        exported,
        withheld,
        incidents: scope.incidents.len(),
        perpetrators: scope.perpetrators.len(),
    })
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
    for a in &accounts {
        let shown = named(&a.witness.id);
        seen_persons.insert(a.witness.id.clone());
        let names = if shown { Some(persons::names_of(c, keyring, &a.witness)?) } else { None };
        let mut versions = Vec::new();
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
            "always_withheld": [
                "contact details of every person",
                "unsealed drafts",
            ],
        }))?,
    ));

    // Chain of custody: every entry naming an exported record, proved against the
    // checkpoint signed for this export.
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
    files.push(("custody/checkpoint.txt".into(), req.checkpoint.note.clone().into_bytes()));
    files.push(("custody/log-key.txt".into(), format!("{}\n", req.log_key).into_bytes()));

    files.push((
        "export.json".into(),
        json_bytes(&json!({
            "bundle_id": req.bundle_id,
            "case": {"id": case_id, "reference": reference},
            "exported_by": {"user_id": req.who.user_id, "username": req.who.username},
            "exported_at": chrono::Utc::now(),
            "recipient": req.recipient,
            "selection": req.selection,
            "included": counts,
            "encrypted_to_recipient": req.encrypted_to_recipient,
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
            .detail("attachments", counts.attachments),
    )?;
    Ok(Plan { case_reference: reference, files, attachments: attachment_files, counts })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn withheld_names_are_replaced_in_any_case() {
        let s = Scrubber::new(vec![
            ("Иван Петров".into(), "W-0001".into()),
            ("Петров".into(), "W-0001".into()),
            ("Алёна".into(), "W-0002".into()),
        ]);
        assert_eq!(s.scrub("Видел ИВАН ПЕТРОВ и петрова."), "Видел [W-0001] и [W-0001]а.");
        assert_eq!(s.scrub("алена и АЛЁНА"), "[W-0002] и [W-0002]");
        assert_eq!(s.scrub("nothing here"), "nothing here");
    }

    #[test]
    fn attachment_extensions_are_safe() {
        assert_eq!(extension("photo.JPG", "image/jpeg"), "jpg");
        assert_eq!(extension("../../etc/passwd", "text/plain"), "txt");
        assert_eq!(extension("x.tar.gz/../../a", "application/octet-stream"), "bin");
        assert_eq!(safe_name("W-0001/../x"), "W-0001____x");
    }
}
