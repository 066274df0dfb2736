//! External ids and what became of them: `import_keys` maps (case, kind, external id) to
//! the record an import made, and keeps a digest of the values it was made from, so a
//! second import of a corrected sheet updates the record instead of duplicating it, and
//! leaves it alone when its row did not change. Both are HMAC-SHA-256 under a key derived
//! from the blind-index root and bound to the case and kind: someone holding the database
//! cannot read an external id back, nor confirm a guess without the keys.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};

use super::convert::Item;
use super::fields::Kind;
use crate::crypto::{Keyring, SecretKey};
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::{import_keys, incidents, involvements, persons, places, testimonies, units};

/// Digests external ids and values for one case.
pub struct Digester {
    key: SecretKey,
    case_id: String,
}

impl Digester {
    pub fn new(keyring: &Keyring, case_id: &str) -> Self {
        Digester { key: keyring.blind_index_key("import/external-id"), case_id: case_id.to_owned() }
    }

    fn mac(&self, parts: &[&[u8]]) -> Vec<u8> {
        // HMAC accepts keys of any length; a 32-byte key cannot fail.
        let mut mac = match <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(self.key.expose()) {
            Ok(m) => m,
            Err(_) => return Vec::new(),
        };
        for p in parts {
            mac.update(&(p.len() as u64).to_be_bytes());
            mac.update(p);
        }
        mac.finalize().into_bytes().to_vec()
    }

    pub fn key(&self, kind: Kind, key: &str) -> Vec<u8> {
        self.mac(&[b"key", self.case_id.as_bytes(), kind.as_str().as_bytes(), key.as_bytes()])
    }

    /// The values a record was imported from (field order is fixed: a sorted map).
    pub fn values(&self, item: &Item) -> Vec<u8> {
        let json = serde_json::to_vec(&(&item.values, item.seal)).unwrap_or_default();
        self.mac(&[b"values", self.case_id.as_bytes(), item.kind.as_str().as_bytes(), &json])
    }
}

/// A record an earlier import (or this one, further on) made.
#[derive(Debug, Clone)]
pub struct Known {
    pub record_id: String,
    pub values_digest: Vec<u8>,
}

/// Every external id a case's imports recorded, by (kind, key digest).
pub fn known(c: &mut DbConnection, case_id: &str) -> Result<HashMap<(Kind, Vec<u8>), Known>> {
    let rows: Vec<(String, Vec<u8>, String, Vec<u8>)> = import_keys::table
        .filter(import_keys::case_id.eq(case_id))
        .select((
            import_keys::kind,
            import_keys::key_digest,
            import_keys::record_id,
            import_keys::values_digest,
        ))
        .load(c)?;
    Ok(rows
        .into_iter()
        .filter_map(|(kind, key, record_id, values_digest)| {
            Some(((Kind::parse(&kind)?, key), Known { record_id, values_digest }))
        })
        .collect())
}

/// One external id's record, if an import made one.
pub fn find(c: &mut DbConnection, case_id: &str, kind: Kind, key: &[u8]) -> Result<Option<Known>> {
    let row: Option<(String, Vec<u8>)> = import_keys::table
        .find((case_id, kind.as_str(), key))
        .select((import_keys::record_id, import_keys::values_digest))
        .first(c)
        .optional()?;
    Ok(row.map(|(record_id, values_digest)| Known { record_id, values_digest }))
}

/// Records (or moves on) an external id's record and the digest of its values.
#[allow(clippy::too_many_arguments)]
pub fn remember(
    c: &mut DbConnection,
    case_id: &str,
    kind: Kind,
    key: &[u8],
    record_id: &str,
    values_digest: &[u8],
    import_id: &str,
    now: NaiveDateTime,
) -> Result<()> {
    let updated = diesel::update(import_keys::table.find((case_id, kind.as_str(), key)))
        .set((
            import_keys::record_id.eq(record_id),
            import_keys::values_digest.eq(values_digest),
            import_keys::import_id.eq(import_id),
            import_keys::updated_at.eq(now),
        ))
        .execute(c)?;
    if updated == 0 {
        diesel::insert_into(import_keys::table)
            .values((
                import_keys::case_id.eq(case_id),
                import_keys::kind.eq(kind.as_str()),
                import_keys::key_digest.eq(key),
                import_keys::record_id.eq(record_id),
                import_keys::values_digest.eq(values_digest),
                import_keys::import_id.eq(import_id),
                import_keys::updated_at.eq(now),
            ))
            .execute(c)?;
    }
    Ok(())
}

/// A digest of everything in a case a plan depends on: the external ids recorded and
/// how many records of each kind there are and when they last changed. A plan applied
/// to a case whose state moved on since is refused (replan): the plan might no longer
/// say what apply would do.
pub fn case_state(c: &mut DbConnection, case_id: &str) -> Result<String> {
    let mut h = Sha256::new();
    let mut keys: Vec<(String, Vec<u8>, String, Vec<u8>)> = import_keys::table
        .filter(import_keys::case_id.eq(case_id))
        .select((
            import_keys::kind,
            import_keys::key_digest,
            import_keys::record_id,
            import_keys::values_digest,
        ))
        .load(c)?;
    keys.sort();
    for (kind, key, record, values) in &keys {
        for part in [kind.as_bytes(), key, record.as_bytes(), values] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part);
        }
    }
    let stamp =
        |n: i64, at: Option<NaiveDateTime>| format!("{n}@{}", at.map(|t| t.to_string()).unwrap_or_default());
    // How many records of a table the case has, and when the last one changed.
    macro_rules! stamp {
        ($table:ident, $changed:ident) => {{
            let (n, at): (i64, Option<NaiveDateTime>) = $table::table
                .filter($table::case_id.eq(case_id))
                .select((diesel::dsl::count_star(), diesel::dsl::max($table::$changed)))
                .first(c)?;
            stamp(n, at)
        }};
    }
    let involvements: i64 = involvements::table
        .inner_join(incidents::table)
        .filter(incidents::case_id.eq(case_id))
        .count()
        .get_result(c)?;
    let counts = [
        stamp!(persons, updated_at),
        stamp!(incidents, updated_at),
        stamp!(units, created_at),
        stamp!(places, created_at),
        stamp!(testimonies, created_at),
        stamp(involvements, None),
    ];
    for s in counts {
        h.update(s.as_bytes());
        h.update(b"\n");
    }
    Ok(hex::encode(h.finalize()))
}

/// The kind of each person among `ids` (clear column), for checking a witness.
pub fn person_kinds(c: &mut DbConnection, ids: &[String]) -> Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, String)> =
            persons::table.filter(persons::id.eq_any(chunk)).select((persons::id, persons::kind)).load(c)?;
        out.extend(rows);
    }
    Ok(out)
}

/// The status of the newest version of each testimony root among `roots`.
pub fn sealed_roots(c: &mut DbConnection, roots: &[String]) -> Result<std::collections::HashSet<String>> {
    let mut out = std::collections::HashSet::new();
    for chunk in roots.chunks(500) {
        let rows: Vec<String> = testimonies::table
            .filter(testimonies::root_id.eq_any(chunk))
            .filter(testimonies::status.eq("sealed"))
            .select(testimonies::root_id)
            .load(c)?;
        out.extend(rows);
    }
    Ok(out)
}

pub(super) fn corrupt() -> Error {
    Error::Integrity
}

/// Every pseudonym of a case's persons (a clear column), with its person.
pub fn pseudonyms(c: &mut DbConnection, case_id: &str) -> Result<HashMap<String, String>> {
    let rows: Vec<(String, String)> = persons::table
        .filter(persons::case_id.eq(case_id))
        .select((persons::pseudonym, persons::id))
        .load(c)?;
    Ok(rows.into_iter().collect())
}

/// The ids of every record of a case an import could make (clear columns).
pub fn record_ids(c: &mut DbConnection, case_id: &str) -> Result<std::collections::HashSet<String>> {
    let mut ids: Vec<String> = units::table.filter(units::case_id.eq(case_id)).select(units::id).load(c)?;
    ids.extend(places::table.filter(places::case_id.eq(case_id)).select(places::id).load::<String>(c)?);
    ids.extend(persons::table.filter(persons::case_id.eq(case_id)).select(persons::id).load::<String>(c)?);
    ids.extend(
        incidents::table.filter(incidents::case_id.eq(case_id)).select(incidents::id).load::<String>(c)?,
    );
    ids.extend(
        testimonies::table
            .filter(testimonies::case_id.eq(case_id))
            .select(testimonies::root_id)
            .load::<String>(c)?,
    );
    Ok(ids.into_iter().collect())
}
