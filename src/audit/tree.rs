//! The Merkle tree as stored: leaf hashes in `audit_log`, completed perfect subtrees in
//! `audit_nodes`, the frontier in `audit_head`. Proofs are O(log n) lookups.

use std::cell::RefCell;

use diesel::prelude::*;

use super::merkle::{self, Frontier, Hash, LeafSource, MerkleError, NodeSource};
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::{audit_head, audit_log, audit_nodes};

/// A read view of the stored tree for the proof algorithms.
pub struct DbTree<'c> {
    conn: RefCell<&'c mut DbConnection>,
}

impl<'c> DbTree<'c> {
    pub fn new(conn: &'c mut DbConnection) -> Self {
        DbTree { conn: RefCell::new(conn) }
    }
}

fn to_hash(bytes: Vec<u8>, index: u64) -> Result<Hash, MerkleError> {
    bytes.try_into().map_err(|_| MerkleError::Missing(index))
}

impl LeafSource for DbTree<'_> {
    fn leaf(&self, index: u64) -> Result<Hash, MerkleError> {
        let mut conn = self.conn.borrow_mut();
        let stored: Option<Option<Vec<u8>>> = audit_log::table
            .find(index as i64)
            .select(audit_log::leaf_hash)
            .first(&mut **conn)
            .optional()
            .map_err(|_| MerkleError::Missing(index))?;
        to_hash(stored.flatten().ok_or(MerkleError::Missing(index))?, index)
    }
}

impl NodeSource for DbTree<'_> {
    fn subtree(&self, level: u32, index: u64) -> Result<Option<Hash>, MerkleError> {
        let mut conn = self.conn.borrow_mut();
        let stored: Option<Vec<u8>> = audit_nodes::table
            .find((i64::from(level), index as i64))
            .select(audit_nodes::hash)
            .first(&mut **conn)
            .optional()
            .map_err(|_| MerkleError::Missing(index))?;
        stored.map(|b| to_hash(b, index)).transpose()
    }
}

/// The current tree size and root, as the head records them.
pub fn head(conn: &mut DbConnection) -> Result<(u64, Hash)> {
    let frontier: Option<Vec<u8>> = audit_head::table.find(1_i64).select(audit_head::frontier).first(conn)?;
    let frontier = match frontier {
        Some(bytes) => Frontier::from_bytes(&bytes)?,
        None => Frontier::new(),
    };
    Ok((frontier.size(), frontier.root()))
}

pub fn root_at(conn: &mut DbConnection, size: u64) -> Result<Hash> {
    Ok(merkle::root_at(&DbTree::new(conn), size)?)
}

pub fn inclusion_proof(conn: &mut DbConnection, index: u64, size: u64) -> Result<Vec<Hash>> {
    if index >= size {
        return Err(Error::NotFound);
    }
    Ok(merkle::inclusion_proof(&DbTree::new(conn), index, size)?)
}

pub fn consistency_proof(conn: &mut DbConnection, old: u64, new: u64) -> Result<Vec<Hash>> {
    Ok(merkle::consistency_proof(&DbTree::new(conn), old, new)?)
}
