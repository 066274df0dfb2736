//! Reading the log: filtered pages for auditors, and the chain of custody of one record
//! (its events, each with an inclusion proof against a signed checkpoint).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::StoredEntry;
use super::checkpoints::SignedCheckpoint;
use super::tree;
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::audit_log;

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub actor_user_id: Option<String>,
    pub action: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
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
