//! Full verification of the stored log: recompute every leaf from its entry, rebuild the
//! tree, and check it against every signed checkpoint, the head and the stored subtrees;
//! or check that the log still contains a checkpoint an outside party kept.

use diesel::prelude::*;
use serde::Serialize;

use super::checkpoint::NoteVerifier;
use super::merkle::{self, Frontier};
use super::{StoredEntry, canonical_bytes, checkpoints, tree};
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::{audit_log, audit_nodes};

#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub entries: u64,
    pub checkpoints_checked: usize,
    /// The first entry found altered, deleted or out of place.
    pub first_bad_entry: Option<u64>,
    pub problems: Vec<String>,
    /// No trusted key was given: checkpoints were checked against the key stored in the
    /// database, which a forger who replaced the whole log could also have replaced.
    pub used_stored_key: bool,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    fn bad(&mut self, seq: Option<u64>, problem: String) {
        if let Some(seq) = seq {
            self.first_bad_entry = Some(self.first_bad_entry.map_or(seq, |f| f.min(seq)));
        }
        if self.problems.len() < 100 {
            self.problems.push(problem);
        }
    }
}

fn verifier(
    conn: &mut DbConnection,
    trusted: Option<&str>,
    report: &mut Report,
) -> Result<Option<NoteVerifier>> {
    let stored = checkpoints::verifier_key(conn)?;
    let key = match (trusted, &stored) {
        (Some(t), Some(s)) if t.trim() != s => {
            report.bad(None, "the log is signed by a different key than the trusted one".into());
            t.trim().to_owned()
        }
        (Some(t), _) => t.trim().to_owned(),
        (None, Some(s)) => {
            report.used_stored_key = true;
            s.clone()
        }
        (None, None) => return Ok(None),
    };
    Ok(Some(NoteVerifier::parse(&key).map_err(|_| Error::BadRequest("not a verifier key".into()))?))
}

/// Recomputes the whole tree from the entries and checks it against every stored
/// checkpoint and, when given, a checkpoint an outside party kept (`kept`: the signed
/// note): the log must still have that head, so it only grew since. `progress` is told
/// the number of entries done so far.
pub fn verify_log(
    conn: &mut DbConnection,
    trusted_key: Option<&str>,
    kept: Option<&str>,
    progress: &dyn Fn(u64),
) -> Result<Report> {
    let mut report = Report::default();
    let verifier = verifier(conn, trusted_key, &mut report)?;
    let mut marks = Vec::new();
    if let Some(note) = kept {
        match verifier.as_ref().map(|v| v.verify(note)) {
            Some(Ok(cp)) => {
                marks.push((cp.size, cp.root));
                report.checkpoints_checked += 1;
            }
            _ => report.bad(None, "the kept checkpoint's signature does not verify with this key".into()),
        }
    }
    for (size, root, note) in checkpoints::all(conn)? {
        match verifier.as_ref().map(|v| v.verify(&note)) {
            Some(Ok(cp)) if cp.size == size && cp.root.as_slice() == root.as_slice() => {
                marks.push((size, cp.root))
            }
            Some(Ok(_)) => report.bad(None, format!("checkpoint at size {size} does not match its note")),
            Some(Err(_)) | None => {
                report.bad(None, format!("checkpoint at size {size}: signature does not verify"))
            }
        }
        report.checkpoints_checked += 1;
    }
    marks.sort_by_key(|(size, _)| *size);
    let total: i64 = audit_log::table.count().get_result(conn)?;
    let mut frontier = Frontier::new();
    let mut next_mark = marks.iter().peekable();
    let mut expected: u64 = 0;
    const BATCH: i64 = 5_000;
    loop {
        let batch: Vec<StoredEntry> = audit_log::table
            .filter(audit_log::seq.ge(expected as i64))
            .order(audit_log::seq.asc())
            .limit(BATCH)
            .select(StoredEntry::as_select())
            .load(conn)?;
        if batch.is_empty() {
            break;
        }
        for entry in &batch {
            let seq = entry.seq as u64;
            if seq != expected {
                report.bad(Some(expected), format!("entries {expected}..{seq} are missing (deleted)"));
                return Ok(finish(report, expected));
            }
            let leaf = merkle::leaf_hash(&canonical_bytes(entry));
            if entry.leaf_hash.as_deref() != Some(leaf.as_slice()) {
                report.bad(
                    Some(seq),
                    format!("entry {seq} was altered (its content no longer matches its hash)"),
                );
            }
            frontier.push(leaf)?;
            expected += 1;
            while let Some((size, root)) = next_mark.peek() {
                if *size > expected {
                    break;
                }
                if frontier.root() != *root {
                    report.bad(
                        Some(expected - 1),
                        format!("the log differs from the signed checkpoint at size {size} (an entry before it was changed)"),
                    );
                }
                next_mark.next();
            }
        }
        progress(expected);
    }
    for (size, _) in next_mark {
        report.bad(
            Some(expected),
            format!("the log is shorter than the signed checkpoint at size {size} (entries deleted)"),
        );
    }
    let (head_size, head_root) = tree::head(conn)?;
    if head_size != expected || head_root != frontier.root() {
        report.bad(None, "the stored tree head does not match the entries".into());
    }
    let bad_nodes = stored_nodes_disagree(conn, expected)?;
    if bad_nodes > 0 {
        report.bad(None, format!("{bad_nodes} stored subtree hashes do not match the entries"));
    }
    if total as u64 != expected {
        report.bad(Some(expected), "entries exist beyond a gap in the sequence".into());
    }
    Ok(finish(report, expected))
}

fn finish(mut report: Report, entries: u64) -> Report {
    report.entries = entries;
    report
}

/// Recomputes the root of every stored perfect subtree from its two children (or leaves)
/// and counts those that disagree. Proofs are built from these, so they must be right.
fn stored_nodes_disagree(conn: &mut DbConnection, size: u64) -> Result<usize> {
    let nodes: Vec<(i64, i64, Vec<u8>)> =
        audit_nodes::table.select((audit_nodes::level, audit_nodes::idx, audit_nodes::hash)).load(conn)?;
    let mut bad = 0;
    let tree = tree::DbTree::new(conn);
    for (level, idx, hash) in nodes {
        let (Ok(level), Ok(idx)) = (u32::try_from(level), u64::try_from(idx)) else {
            bad += 1;
            continue;
        };
        let width = 1u64.checked_shl(level).unwrap_or(u64::MAX);
        let start = idx.saturating_mul(width);
        let end = start.saturating_add(width);
        if end > size {
            bad += 1;
            continue;
        }
        let half = width / 2;
        let recomputed = if level == 1 {
            merkle::node_hash(
                &merkle::LeafSource::leaf(&tree, start)?,
                &merkle::LeafSource::leaf(&tree, start + 1)?,
            )
        } else {
            let left = merkle::subtree_root(&tree, start, start + half)?;
            let right = merkle::subtree_root(&tree, start + half, end)?;
            merkle::node_hash(&left, &right)
        };
        if recomputed.as_slice() != hash.as_slice() {
            bad += 1;
        }
    }
    Ok(bad)
}
