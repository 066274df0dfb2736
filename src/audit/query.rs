//! Reading the log: filtered pages for auditors, and the chain of custody of one record
//! (its events, each with an inclusion proof against a signed checkpoint).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::checkpoint::NoteVerifier;
use super::checkpoints::{self, SignedCheckpoint};
use super::merkle::{self, Hash};
use super::{Actor, Entry, StoredEntry, tree};
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::{audit_log, users};

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub actor_user_id: Option<String>,
    pub action: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    /// Leaves out entries that only record a reading (`READS`), to see the changes.
    pub hide_reads: bool,
}

/// Every action the service writes to the log, for choosing one from a list (a test
/// keeps it in step with the `Entry::new` calls in the source).
pub const ACTIONS: &[&str] = &[
    "access_denied",
    "analysis.command",
    "analysis.corroboration",
    "analysis.linkage",
    "analysis.patterns",
    "analysis.places",
    "analysis.timeline",
    "analysis.units",
    "attachment.download",
    "attachment.read",
    "attachment.upload",
    "audit.custody_read",
    "audit.read",
    "bundle.collect",
    "bundle.delete",
    "bundle.download",
    "bundle.export",
    "bundle.preview",
    "bundle.request",
    "catalog.confidentiality",
    "catalog.relate",
    "catalog.unrelate",
    "case.create",
    "case.list",
    "case.member_add",
    "case.member_remove",
    "case.read",
    "case.records_export",
    "case.update",
    "care.feedback",
    "care.read",
    "care.update",
    "consent.read",
    "consent.record",
    "consent.withdraw",
    "detention.charge_add",
    "detention.charge_remove",
    "detention.charge_update",
    "detention.create",
    "detention.custody_add",
    "detention.custody_remove",
    "detention.custody_update",
    "detention.delete",
    "detention.detained_read",
    "detention.export",
    "detention.hearing_add",
    "detention.hearing_remove",
    "detention.hearing_update",
    "detention.incident_link",
    "detention.incident_unlink",
    "detention.list",
    "detention.read",
    "detention.update",
    "evaluation.correct",
    "evaluation.create",
    "evaluation.export",
    "evaluation.link",
    "evaluation.list",
    "evaluation.read",
    "evaluation.seal",
    "evaluation.unlink",
    "evaluation.update",
    "form.kept",
    "incident.create",
    "import.apply",
    "import.apply_start",
    "import.batch",
    "import.list",
    "import.plan",
    "import.read",
    "intake.accept",
    "intake.chunk",
    "intake.file",
    "intake.file_download",
    "intake.list",
    "intake.device_create",
    "intake.device_list",
    "intake.device_read",
    "intake.device_reset",
    "intake.device_revoke",
    "intake.file",
    "intake.form_publish",
    "intake.form_read",
    "intake.form_retire",
    "intake.key_create",
    "intake.key_use",
    "intake.open",
    "intake.read",
    "intake.refuse",
    "intake.reject",
    "intake.report",
    "intake.submission",
    "incident.involvement_add",
    "incident.involvement_evidence_add",
    "involvement.evidence_stance",
    "incident.list",
    "incident.read",
    "incident.update",
    "integrity_error",
    "key.retire",
    "key.rewrap",
    "key.rotate",
    "key_unavailable",
    "login",
    "login_failed",
    "logout",
    "password.change",
    "person.create",
    "person.prior_interviews",
    "person.list",
    "person.read",
    "person.update",
    "place.create",
    "place.list",
    "place.read",
    "place.update",
    "referral.create",
    "referral.list",
    "referral.update",
    "role_policy.update",
    "seal",
    "seal.cluster",
    "search",
    "search.reindex",
    "search.reindex_resumed",
    "search.reindex_started",
    "testimony.create",
    "testimony.discard",
    "testimony.export",
    "testimony.link",
    "testimony.list",
    "testimony.read",
    "testimony.seal",
    "testimony.update",
    "testimony.version",
    "totp.enrol",
    "totp.enrol_start",
    "unit.commander_add",
    "unit.create",
    "unit.list",
    "unit.read",
    "unit.update",
    "unseal",
    "unseal.share",
    "user.create",
    "user.disable",
    "user.enable",
    "user.password_reset",
    "user.role_change",
    "vocabulary.add",
];

/// The kinds of record entries name.
pub const TARGET_TYPES: &[&str] = &[
    "attachment",
    "bundle",
    "case",
    "detention",
    "import",
    "incident",
    "person",
    "place",
    "record",
    "referral",
    "role",
    "search_query",
    "testimony",
    "unit",
    "user",
    "vocabulary",
];

/// Does this action only record that something was read (a page view)?
pub fn is_read(action: &str) -> bool {
    action.ends_with(".read")
        || action.ends_with(".list")
        || action.ends_with("_read")
        || action.starts_with("analysis.")
        || matches!(action, "search" | "bundle.preview")
}

/// The actions `is_read` folds away, for the query.
fn reads() -> Vec<&'static str> {
    ACTIONS.iter().copied().filter(|a| is_read(a)).collect()
}

/// Who an entry's actor is, as auditors may know it: the username and role.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ActorName {
    pub username: String,
    pub role: String,
}

/// The usernames and roles of the actors of `entries`, in one query.
pub fn actor_names(
    conn: &mut DbConnection,
    entries: &[&StoredEntry],
) -> Result<std::collections::HashMap<String, ActorName>> {
    let mut ids: Vec<&str> = entries.iter().filter_map(|e| e.actor_user_id.as_deref()).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(String, String, String)> = users::table
        .filter(users::id.eq_any(&ids))
        .select((users::id, users::username, users::role))
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, username, role)| (id, ActorName { username, role })).collect())
}

/// A user's id by username (the log's actor filter takes either).
pub fn user_id_of(conn: &mut DbConnection, username: &str) -> Result<Option<String>> {
    Ok(users::table.filter(users::username.eq(username)).select(users::id).first(conn).optional()?)
}

pub fn list(conn: &mut DbConnection, f: &Filter, limit: i64, offset: i64) -> Result<(Vec<StoredEntry>, i64)> {
    let build = || {
        let mut q = audit_log::table.into_boxed();
        if let Some(v) = &f.actor_user_id {
            q = q.filter(audit_log::actor_user_id.eq(v.clone()));
        }
        if let Some(v) = &f.action {
            q = q.filter(audit_log::action.eq(v.clone()));
        }
        if let Some(v) = &f.target_type {
            q = q.filter(audit_log::target_type.eq(v.clone()));
        }
        if let Some(v) = &f.target_id {
            q = q.filter(audit_log::target_id.eq(v.clone()));
        }
        if let Some(v) = f.from {
            q = q.filter(audit_log::at.ge(v));
        }
        if let Some(v) = f.to {
            q = q.filter(audit_log::at.lt(v));
        }
        if f.hide_reads {
            q = q.filter(audit_log::action.ne_all(reads()));
        }
        q
    };
    let total = build().count().get_result(conn)?;
    let items = build()
        .order(audit_log::seq.desc())
        .limit(limit)
        .offset(offset)
        .select(StoredEntry::as_select())
        .load(conn)?;
    Ok((items, total))
}

/// A page of the log as an auditor reads it: the reading is itself audited.
pub fn read(
    conn: &mut DbConnection,
    actor: Actor,
    f: &Filter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<StoredEntry>, i64)> {
    let page = list(conn, f, limit, offset)?;
    super::append(conn, &Entry::new(actor, "audit.read").detail("results", page.0.len()))?;
    Ok(page)
}

pub fn entry(conn: &mut DbConnection, seq: i64) -> Result<StoredEntry> {
    Ok(audit_log::table.find(seq).select(StoredEntry::as_select()).first(conn)?)
}

/// An entry with what a third party needs to check it belongs to a signed log.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EntryProof {
    pub entry: StoredEntry,
    /// The exact bytes hashed into the leaf (docs/audit.md), as UTF-8 text.
    pub canonical: String,
    /// SHA-256(0x00 ‖ canonical), hex.
    pub leaf_hash: String,
    pub leaf_index: u64,
    pub tree_size: u64,
    /// Inclusion proof (RFC 9162 §2.1.3), hex hashes, leaf to root.
    pub inclusion_proof: Vec<String>,
    pub checkpoint: SignedCheckpoint,
}

/// Proves `seq` against `checkpoint` (which must cover it).
pub fn prove(conn: &mut DbConnection, seq: i64, checkpoint: &SignedCheckpoint) -> Result<EntryProof> {
    let entry = entry(conn, seq)?;
    if seq as u64 >= checkpoint.size {
        return Err(Error::Conflict("entry_newer_than_checkpoint"));
    }
    let canonical = super::canonical_bytes(&entry);
    let leaf = super::merkle::leaf_hash(&canonical);
    let proof = tree::inclusion_proof(conn, seq as u64, checkpoint.size)?;
    Ok(EntryProof {
        canonical: String::from_utf8_lossy(&canonical).into_owned(),
        leaf_hash: hex::encode(leaf),
        leaf_index: seq as u64,
        tree_size: checkpoint.size,
        inclusion_proof: proof.iter().map(hex::encode).collect(),
        checkpoint: checkpoint.clone(),
        entry,
    })
}

/// The chain of custody of one record: every entry naming it, oldest first.
pub fn custody(conn: &mut DbConnection, target_type: &str, target_id: &str) -> Result<Vec<StoredEntry>> {
    Ok(audit_log::table
        .filter(audit_log::target_type.eq(target_type))
        .filter(audit_log::target_id.eq(target_id))
        .order(audit_log::seq.asc())
        .limit(10_000)
        .select(StoredEntry::as_select())
        .load(conn)?)
}

/// A record's chain of custody, proved: every event naming it with its inclusion proof
/// against the latest checkpoint (signed now if the log has grown), and the log's public
/// key. Call in a write transaction; the reading is audited after the proofs are made.
#[derive(Debug, Clone)]
pub struct ProvedCustody {
    pub events: Vec<EntryProof>,
    pub checkpoint: Option<SignedCheckpoint>,
    pub verifier_key: Option<String>,
}

pub fn custody_proved(
    conn: &mut DbConnection,
    keyring: &Keyring,
    actor: Actor,
    (target_type, target_id): (&str, &str),
    now: NaiveDateTime,
) -> Result<ProvedCustody> {
    let entries = custody(conn, target_type, target_id)?;
    let Some(checkpoint) = checkpoints::create_at(conn, keyring, now)? else {
        return Ok(ProvedCustody { events: Vec::new(), checkpoint: None, verifier_key: None });
    };
    let events = entries.iter().map(|e| prove(conn, e.seq, &checkpoint)).collect::<Result<Vec<_>>>()?;
    let verifier_key = checkpoints::ensure_verifier_key(conn, keyring)?;
    super::append(conn, &Entry::new(actor, "audit.custody_read").detail("events", events.len()))?;
    Ok(ProvedCustody { events, checkpoint: Some(checkpoint), verifier_key: Some(verifier_key) })
}

/// One entry proved against the latest checkpoint (signed now if the log has grown),
/// with the log's public key. Call in a write transaction.
pub fn entry_proved(
    conn: &mut DbConnection,
    keyring: &Keyring,
    seq: i64,
    now: NaiveDateTime,
) -> Result<(EntryProof, String)> {
    if seq < 0 {
        return Err(Error::NotFound);
    }
    entry(conn, seq)?;
    let checkpoint = checkpoints::create_at(conn, keyring, now)?.ok_or(Error::NotFound)?;
    let proof = prove(conn, seq, &checkpoint)?;
    Ok((proof, checkpoints::ensure_verifier_key(conn, keyring)?))
}

/// What checking an entry's proof found, step by step, as an outsider would check it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProofCheck {
    /// The checkpoint is signed by the log's key and is of the proof's tree size.
    pub signature: bool,
    /// The leaf hash is recomputed from the entry's fields and from its canonical text.
    pub leaf: bool,
    /// The inclusion path leads from the leaf to the signed root.
    pub inclusion: bool,
}

impl ProofCheck {
    pub fn ok(&self) -> bool {
        self.signature && self.leaf && self.inclusion
    }
}

/// Checks a proof with nothing but the proof and a verifier key (pure).
pub fn check(proof: &EntryProof, verifier_key: &str) -> ProofCheck {
    let signed = NoteVerifier::parse(verifier_key.trim())
        .ok()
        .and_then(|v| v.verify(&proof.checkpoint.note).ok())
        .filter(|c| c.size == proof.tree_size && c.size == proof.checkpoint.size);
    let leaf = merkle::leaf_hash(&super::canonical_bytes(&proof.entry));
    let leaf_ok = leaf == merkle::leaf_hash(proof.canonical.as_bytes())
        && hex::encode(leaf) == proof.leaf_hash
        && proof.leaf_index == proof.entry.seq as u64;
    let path: Option<Vec<Hash>> =
        proof.inclusion_proof.iter().map(|h| hex::decode(h).ok().and_then(|b| b.try_into().ok())).collect();
    let inclusion = match (&signed, path) {
        (Some(c), Some(path)) => {
            merkle::verify_inclusion(&leaf, proof.leaf_index, c.size, &path, &c.root).is_ok()
        }
        _ => false,
    };
    ProofCheck { signature: signed.is_some(), leaf: leaf_ok, inclusion }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::checkpoint::{Checkpoint, NoteSigner};
    use base64::Engine;

    fn entry(seq: i64, action: &str) -> StoredEntry {
        StoredEntry {
            seq,
            at: chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap().naive_utc(),
            actor_user_id: None,
            actor_session_id: None,
            action: action.into(),
            target_type: Some("case".into()),
            target_id: Some("c1".into()),
            outcome: "success".into(),
            details: "{}".into(),
            leaf_hash: None,
        }
    }

    /// Entry 0 of a two-entry log, proved against a checkpoint signed by `signer`.
    fn proof(signer: &NoteSigner) -> EntryProof {
        let (first, second) = (entry(0, "case.create"), entry(1, "case.member_add"));
        let leaf = |e: &StoredEntry| merkle::leaf_hash(&crate::audit::canonical_bytes(e));
        let root = merkle::node_hash(&leaf(&first), &leaf(&second));
        let note = signer.sign(&Checkpoint { origin: signer.name().into(), size: 2, root }).unwrap();
        let canonical = String::from_utf8(crate::audit::canonical_bytes(&first)).unwrap();
        EntryProof {
            leaf_hash: hex::encode(leaf(&first)),
            canonical,
            leaf_index: 0,
            tree_size: 2,
            inclusion_proof: vec![hex::encode(leaf(&second))],
            checkpoint: SignedCheckpoint {
                size: 2,
                root: base64::engine::general_purpose::STANDARD.encode(root),
                note,
            },
            entry: first,
        }
    }

    /// Every action code written in the source: the literal second argument of each
    /// `Entry::new` call.
    fn written_actions() -> std::collections::BTreeSet<String> {
        fn walk(dir: &std::path::Path, out: &mut std::collections::BTreeSet<String>) {
            for e in std::fs::read_dir(dir).unwrap().flatten() {
                let path = e.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|x| x == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for (i, _) in text.match_indices("Entry::new(") {
                        let mut end = (i + 300).min(text.len());
                        while !text.is_char_boundary(end) {
                            end -= 1;
                        }
                        // The first string literal of the statement is the action.
                        let call = &text[i..end];
                        let call = &call[..call.find(';').unwrap_or(call.len())];
                        let mut parts = call.splitn(3, '"');
                        if let (Some(before), Some(action), Some(after)) =
                            (parts.next(), parts.next(), parts.next())
                            && before.trim_end().ends_with(',')
                            && after.starts_with(')')
                        {
                            out.insert(action.to_owned());
                        }
                    }
                }
            }
        }
        let mut out = std::collections::BTreeSet::new();
        walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut out);
        out
    }

    #[test]
    fn the_action_list_names_every_action_written() {
        let listed: std::collections::BTreeSet<String> = ACTIONS.iter().map(|a| (*a).to_owned()).collect();
        let missing: Vec<_> = written_actions().difference(&listed).cloned().collect();
        assert!(missing.is_empty(), "add to ACTIONS: {missing:?}");
        assert!(is_read("case.read") && is_read("audit.custody_read") && is_read("search"));
        assert!(!is_read("case.create") && !is_read("bundle.download") && !is_read("login"));
    }

    #[test]
    fn a_proof_checks_and_any_change_to_it_is_caught() {
        let signer = NoteSigner::from_seed("custodia.example/audit", [9; 32]).unwrap();
        let key = signer.verifier_key();
        let good = proof(&signer);
        assert!(check(&good, &key).ok());

        let mut altered = good.clone();
        altered.entry.action = "case.read".into();
        let c = check(&altered, &key);
        assert!(!c.leaf && !c.inclusion && c.signature, "{c:?}");

        let mut wrong_path = good.clone();
        wrong_path.inclusion_proof = vec![hex::encode([0u8; 32])];
        assert_eq!(check(&wrong_path, &key), ProofCheck { signature: true, leaf: true, inclusion: false });

        let other = NoteSigner::from_seed("custodia.example/audit", [8; 32]).unwrap();
        let c = check(&good, &other.verifier_key());
        assert!(!c.signature && !c.ok(), "another key's checkpoint proves nothing");
        assert!(!check(&good, "not a key").ok());
    }
}
