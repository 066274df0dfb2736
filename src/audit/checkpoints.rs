//! Signed tree heads. The log's Ed25519 key is made on first use; its seed is sealed
//! under the keyring like any record, so signing needs an unsealed service. Before a new
//! checkpoint is signed, the stored tree is checked against the previous checkpoint: the
//! log never signs two inconsistent heads.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::checkpoint::{Checkpoint, NoteSigner};
use super::merkle::Hash;
use super::tree;
use crate::crypto::{FieldContext, Keyring, open_field, seal_field};
use crate::error::{Error, Result};
use crate::keys::store as key_store;
use crate::store::schema::{audit_checkpoints, audit_head, audit_signer};
use crate::store::{DbConnection, now};

const SIGNER_TABLE: &str = "audit_signer";
const SIGNER_ID: &str = "1";

fn seed_context() -> FieldContext<'static> {
    FieldContext::new(SIGNER_TABLE, SIGNER_ID, "seed")
}

/// A checkpoint as stored and served.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SignedCheckpoint {
    pub size: u64,
    /// The tree root, standard base64 (as in the note).
    pub root: String,
    /// The whole signed note (C2SP tlog-checkpoint + signed-note).
    pub note: String,
}

fn load_signer(conn: &mut DbConnection, keyring: &Keyring) -> Result<Option<NoteSigner>> {
    let row: Option<(String, Vec<u8>)> = audit_signer::table
        .find(1_i64)
        .select((audit_signer::origin, audit_signer::sealed_seed))
        .first(conn)
        .optional()?;
    let Some((origin, sealed)) = row else { return Ok(None) };
    let dek = key_store::record_key(conn, keyring, SIGNER_TABLE, SIGNER_ID)?;
    let seed = open_field(&dek, &seed_context(), &sealed)?;
    let seed: [u8; 32] = seed.as_slice().try_into().map_err(|_| Error::Integrity)?;
    Ok(Some(NoteSigner::from_seed(&origin, seed)?))
}

fn load_or_create_signer(conn: &mut DbConnection, keyring: &Keyring) -> Result<NoteSigner> {
    if let Some(signer) = load_signer(conn, keyring)? {
        return Ok(signer);
    }
    // One origin per installation, so checkpoints of two logs cannot be confused.
    let origin = format!("custodia-audit/{}", uuid::Uuid::new_v4().simple());
    let signer = NoteSigner::generate(&origin)?;
    let dek = key_store::create_record_key(conn, keyring, SIGNER_TABLE, SIGNER_ID)?;
    let sealed = seal_field(&dek, keyring.primary_version(), &seed_context(), signer.seed().as_slice())?;
    diesel::insert_into(audit_signer::table)
        .values((
            audit_signer::id.eq(1_i64),
            audit_signer::origin.eq(&origin),
            audit_signer::verifier_key.eq(signer.verifier_key()),
            audit_signer::sealed_seed.eq(sealed),
            audit_signer::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(signer)
}

/// The public verifier key (`name+hash+base64`) as stored, if the log has signed yet.
pub fn verifier_key(conn: &mut DbConnection) -> Result<Option<String>> {
    Ok(audit_signer::table.find(1_i64).select(audit_signer::verifier_key).first(conn).optional()?)
}

/// The public verifier key, creating the signing key if needed (needs the keys).
pub fn ensure_verifier_key(conn: &mut DbConnection, keyring: &Keyring) -> Result<String> {
    Ok(load_or_create_signer(conn, keyring)?.verifier_key())
}

pub fn latest(conn: &mut DbConnection) -> Result<Option<SignedCheckpoint>> {
    let row: Option<(i64, Vec<u8>, String)> = audit_checkpoints::table
        .order(audit_checkpoints::size.desc())
        .select((audit_checkpoints::size, audit_checkpoints::root, audit_checkpoints::note))
        .first(conn)
        .optional()?;
    Ok(row.map(|(size, root, note)| SignedCheckpoint {
        size: size as u64,
        root: STANDARD.encode(root),
        note,
    }))
}

/// Every stored checkpoint, smallest first: (size, root, note).
pub fn all(conn: &mut DbConnection) -> Result<Vec<(u64, Vec<u8>, String)>> {
    let rows: Vec<(i64, Vec<u8>, String)> = audit_checkpoints::table
        .order(audit_checkpoints::size.asc())
        .select((audit_checkpoints::size, audit_checkpoints::root, audit_checkpoints::note))
        .load(conn)?;
    Ok(rows.into_iter().map(|(s, r, n)| (s as u64, r, n)).collect())
}

/// Signs the current tree head unless the latest checkpoint already covers it, stored as
/// made at `at`. Call in a write transaction. Refuses (integrity error) if the stored tree
/// no longer matches the previous checkpoint.
pub fn create_at(
    conn: &mut DbConnection,
    keyring: &Keyring,
    at: NaiveDateTime,
) -> Result<Option<SignedCheckpoint>> {
    // A no-op write takes the head's lock, so no append slips in between.
    diesel::update(audit_head::table.find(1_i64)).set(audit_head::size.eq(audit_head::size)).execute(conn)?;
    let (size, root) = tree::head(conn)?;
    if size == 0 {
        return Ok(None);
    }
    let previous = latest(conn)?;
    if let Some(prev) = &previous {
        if prev.size == size {
            return Ok(previous);
        }
        // The stored tree must still produce the previous head, and the new head must
        // extend it (a consistency proof from stored nodes to the frontier's root).
        let then: Hash = tree::root_at(conn, prev.size)?;
        let proof = tree::consistency_proof(conn, prev.size, size)?;
        if STANDARD.encode(then) != prev.root
            || super::merkle::verify_consistency(prev.size, size, &then, &root, &proof).is_err()
        {
            tracing::error!(
                size = prev.size,
                "audit tree no longer matches a signed checkpoint; refusing to sign"
            );
            return Err(Error::Integrity);
        }
    }
    let signer = load_or_create_signer(conn, keyring)?;
    let note = signer.sign(&Checkpoint { origin: signer.name().to_owned(), size, root })?;
    diesel::insert_into(audit_checkpoints::table)
        .values((
            audit_checkpoints::size.eq(size as i64),
            audit_checkpoints::root.eq(root.to_vec()),
            audit_checkpoints::note.eq(&note),
            audit_checkpoints::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(Some(SignedCheckpoint { size, root: STANDARD.encode(root), note }))
}
