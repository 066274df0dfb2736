//! Persistence of the keyring (wrapped under the root key) and of every record's data
//! key (wrapped under a KEK) in `data_keys`. Functions take a connection so callers run
//! them inside their own transaction, next to the audit entry.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::root::{self, RootSource};
use crate::crypto::{self, Dek, KdfParams, KeyEntry, KeyKind, Keyring, SecretKey};
use crate::error::{Error, Result};
use crate::store::schema::{data_keys, keyring_keys, keyring_meta};
use crate::store::{DbConnection, now};

/// How the root key is supplied, and what checks it.
#[derive(Debug, Clone)]
pub struct Meta {
    pub root_source: RootSource,
    pub key_check: Vec<u8>,
    pub primary_version: u32,
    pub primary_mac: Vec<u8>,
    pub kdf_params: Option<KdfParams>,
    pub share_threshold: Option<u8>,
    pub share_count: Option<u8>,
    pub generation: i64,
}

type MetaRow = (String, Vec<u8>, i64, Vec<u8>, Option<String>, Option<i32>, Option<i32>, i64);

pub fn load_meta(c: &mut DbConnection) -> Result<Option<Meta>> {
    let row: Option<MetaRow> = keyring_meta::table
        .find(1_i64)
        .select((
            keyring_meta::root_source,
            keyring_meta::key_check,
            keyring_meta::primary_version,
            keyring_meta::primary_mac,
            keyring_meta::kdf_params,
            keyring_meta::share_threshold,
            keyring_meta::share_count,
            keyring_meta::generation,
        ))
        .first(c)
        .optional()?;
    let Some((source, key_check, primary, mac, kdf, threshold, count, generation)) = row else {
        return Ok(None);
    };
    let kdf_params = match kdf {
        Some(json) => Some(serde_json::from_str(&json).map_err(|_| Error::Integrity)?),
        None => None,
    };
    Ok(Some(Meta {
        root_source: source.parse()?,
        key_check,
        primary_version: u32::try_from(primary).map_err(|_| Error::Integrity)?,
        primary_mac: mac,
        kdf_params,
        share_threshold: threshold.and_then(|t| u8::try_from(t).ok()),
        share_count: count.and_then(|n| u8::try_from(n).ok()),
        generation,
    }))
}

pub fn generation(c: &mut DbConnection) -> Result<Option<i64>> {
    Ok(keyring_meta::table.find(1_i64).select(keyring_meta::generation).first(c).optional()?)
}

pub fn load_keyring(c: &mut DbConnection, root: &SecretKey, meta: &Meta) -> Result<Keyring> {
    crypto::verify_key_check(root, &meta.key_check)?;
    root::verify_primary_mac(root, meta.primary_version, &meta.primary_mac)?;
    let rows: Vec<(String, i64, Vec<u8>)> = keyring_keys::table
        .select((keyring_keys::kind, keyring_keys::version, keyring_keys::wrapped))
        .load(c)?;
    let entries = rows
        .into_iter()
        .map(|(kind, version, wrapped)| {
            Ok(KeyEntry {
                kind: kind.parse::<KeyKind>().map_err(|_| Error::Integrity)?,
                version: u32::try_from(version).map_err(|_| Error::Integrity)?,
                wrapped,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Keyring::from_entries(root, &entries, meta.primary_version)?)
}

/// How the root is supplied after this write (unchanged for rotation and retirement).
#[derive(Debug, Clone)]
pub struct RootSetup {
    pub source: RootSource,
    pub kdf_params: Option<KdfParams>,
    pub shares: Option<(u8, u8)>,
}

/// Writes the whole keyring under `root` (fresh nonces each time; it is a few keys) and
/// bumps the generation so running services reload it.
pub fn save_keyring(
    c: &mut DbConnection,
    root_key: &SecretKey,
    keyring: &Keyring,
    setup: &RootSetup,
    now: NaiveDateTime,
) -> Result<i64> {
    diesel::delete(keyring_keys::table).execute(c)?;
    for entry in keyring.to_entries(root_key) {
        diesel::insert_into(keyring_keys::table)
            .values((
                keyring_keys::kind.eq(entry.kind.as_str()),
                keyring_keys::version.eq(i64::from(entry.version)),
                keyring_keys::wrapped.eq(entry.wrapped),
                keyring_keys::created_at.eq(now),
            ))
            .execute(c)?;
    }
    let primary = keyring.primary_version();
    let kdf = match &setup.kdf_params {
        Some(p) => Some(serde_json::to_string(p).map_err(Error::internal)?),
        None => None,
    };
    let values = (
        keyring_meta::root_source.eq(setup.source.as_str()),
        keyring_meta::key_check.eq(crypto::key_check(root_key).to_vec()),
        keyring_meta::primary_version.eq(i64::from(primary)),
        keyring_meta::primary_mac.eq(root::primary_mac(root_key, primary).to_vec()),
        keyring_meta::kdf_params.eq(kdf),
        keyring_meta::share_threshold.eq(setup.shares.map(|(k, _)| i32::from(k))),
        keyring_meta::share_count.eq(setup.shares.map(|(_, n)| i32::from(n))),
        keyring_meta::updated_at.eq(now),
    );
    let updated = diesel::update(keyring_meta::table.find(1_i64))
        .set((values.clone(), keyring_meta::generation.eq(keyring_meta::generation + 1)))
        .execute(c)?;
    if updated == 0 {
        diesel::insert_into(keyring_meta::table)
            .values((
                keyring_meta::id.eq(1_i64),
                values,
                keyring_meta::generation.eq(1_i64),
                keyring_meta::created_at.eq(now),
            ))
            .execute(c)?;
    }
    Ok(generation(c)?.unwrap_or(1))
}

/// Claims the keyring's row for a change made from generation `held` (what this node
/// loaded): refused with 409 `keyring_changed` if another node changed the keyring
/// meanwhile, so two nodes rotating at once cannot each write a keyring without the
/// other's key. The row stays locked (PostgreSQL) until the transaction ends.
pub fn claim_generation(c: &mut DbConnection, held: Option<i64>) -> Result<()> {
    let Some(held) = held else { return Err(Error::Sealed) };
    let claimed = diesel::update(keyring_meta::table.find(1_i64).filter(keyring_meta::generation.eq(held)))
        .set(keyring_meta::generation.eq(keyring_meta::generation))
        .execute(c)?;
    if claimed == 0 { Err(Error::Conflict("keyring_changed")) } else { Ok(()) }
}

/// A fresh DEK for a new record, stored wrapped under the primary KEK.
pub fn create_record_key(
    c: &mut DbConnection,
    keyring: &Keyring,
    table: &str,
    record_id: &str,
) -> Result<Dek> {
    let dek = Dek::generate();
    store_record_key(c, keyring, table, record_id, &dek)?;
    Ok(dek)
}

/// Stores a DEK made earlier (an attachment is encrypted before its row exists, so an
/// aborted upload leaves no key behind).
pub fn store_record_key(
    c: &mut DbConnection,
    keyring: &Keyring,
    table: &str,
    record_id: &str,
    dek: &Dek,
) -> Result<()> {
    diesel::insert_into(data_keys::table)
        .values((
            data_keys::record_table.eq(table),
            data_keys::record_id.eq(record_id),
            data_keys::kek_version.eq(i64::from(keyring.primary_version())),
            data_keys::wrapped.eq(keyring.wrap_dek(table, record_id, dek)),
            data_keys::created_at.eq(now()),
        ))
        .execute(c)?;
    Ok(())
}

/// The record's DEK. A missing row means the record was shredded (or never sealed).
pub fn record_key(c: &mut DbConnection, keyring: &Keyring, table: &str, record_id: &str) -> Result<Dek> {
    let wrapped: Vec<u8> = data_keys::table
        .find((table, record_id))
        .select(data_keys::wrapped)
        .first(c)
        .optional()?
        .ok_or(Error::KeyUnavailable(0))?;
    Ok(keyring.unwrap_dek(table, record_id, &wrapped)?)
}

/// Whether the record has a DEK (sealed before, not shredded).
pub fn has_record_key(c: &mut DbConnection, table: &str, record_id: &str) -> Result<bool> {
    let n: i64 = data_keys::table.find((table, record_id)).count().get_result(c)?;
    Ok(n > 0)
}

/// Crypto-shredding: without its wrapped DEK a record's ciphertext cannot be opened,
/// wherever copies of it remain. Returns whether a key was destroyed.
pub fn shred(c: &mut DbConnection, table: &str, record_id: &str) -> Result<bool> {
    Ok(diesel::delete(data_keys::table.find((table, record_id))).execute(c)? > 0)
}

/// Rewraps up to `limit` DEKs that are not under the primary KEK. Only wrapped keys
/// change; no record ciphertext is touched. Returns how many were rewrapped.
pub fn rewrap_batch(c: &mut DbConnection, keyring: &Keyring, limit: i64) -> Result<usize> {
    let primary = i64::from(keyring.primary_version());
    let rows: Vec<(String, String, Vec<u8>)> = data_keys::table
        .filter(data_keys::kek_version.ne(primary))
        .order((data_keys::record_table, data_keys::record_id))
        .limit(limit)
        .select((data_keys::record_table, data_keys::record_id, data_keys::wrapped))
        .load(c)?;
    for (table, id, wrapped) in &rows {
        let new = keyring.rewrap_dek(table, id, wrapped)?.unwrap_or_else(|| wrapped.clone());
        diesel::update(data_keys::table.find((table, id)))
            .set((data_keys::wrapped.eq(new), data_keys::kek_version.eq(primary)))
            .execute(c)?;
    }
    Ok(rows.len())
}

pub fn count_not_on(c: &mut DbConnection, version: u32) -> Result<i64> {
    Ok(data_keys::table.filter(data_keys::kek_version.ne(i64::from(version))).count().get_result(c)?)
}

pub fn count_using(c: &mut DbConnection, version: u32) -> Result<i64> {
    Ok(data_keys::table.filter(data_keys::kek_version.eq(i64::from(version))).count().get_result(c)?)
}
