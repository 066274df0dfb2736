//! The audit log: every sensitive read and every write, export and key operation
//! appends an entry in the same transaction as the action, so if the entry cannot be
//! written the action does not happen. Entries hold ids and codes, never content.
//!
//! Entries are the leaves of an RFC 6962 Merkle tree (`merkle`), updated in the same
//! transaction; signed checkpoints (`checkpoint`, `checkpoints`) commit to tree heads,
//! `verify` recomputes everything, and `tree` serves inclusion and consistency proofs.
//! See docs/audit.md for the formats and how an outsider checks them.

pub mod checkpoint;
pub mod checkpoints;
pub mod merkle;
pub mod query;
mod service;
pub mod tree;
pub mod verify;

pub use service::{Actors, AuditLog, CheckpointView, ConsistencyProof, Custody};

use diesel::prelude::*;
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use self::merkle::Frontier;
use crate::auth::Principal;
use crate::error::{Error, Result};
use crate::store::schema::{audit_head, audit_log, audit_nodes};
use crate::store::{DbConnection, now};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Denied,
    Failure,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Denied => "denied",
            Outcome::Failure => "failure",
        }
    }
}

/// Who acted. Failed logins have no session and may have no known user; the CLI and
/// the service itself act with neither.
#[derive(Debug, Clone, Copy, Default)]
pub struct Actor {
    pub user_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
}

impl From<&Principal> for Actor {
    fn from(p: &Principal) -> Self {
        // A build claimed from the export queue runs as its requester, in no session.
        let session_id = Some(p.session_id).filter(|s| !s.is_nil());
        Actor { user_id: Some(p.user_id), session_id }
    }
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub actor: Actor,
    pub action: &'static str,
    pub target: Option<(&'static str, String)>,
    pub outcome: Outcome,
    /// Ids and codes only. Values are checked to be short tokens so content cannot
    /// slip in by accident.
    pub details: Map<String, Value>,
}

impl Entry {
    pub fn new(actor: impl Into<Actor>, action: &'static str) -> Self {
        Entry { actor: actor.into(), action, target: None, outcome: Outcome::Success, details: Map::new() }
    }

    pub fn target(mut self, kind: &'static str, id: impl ToString) -> Self {
        self.target = Some((kind, id.to_string()));
        self
    }

    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }

    /// A code-like detail: `[a-z0-9_.:-]`, at most 64 characters, or a number or bool.
    pub fn detail(mut self, key: &'static str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_owned(), value.into());
        self
    }
}

fn is_code_like(v: &Value) -> bool {
    match v {
        Value::String(s) => {
            s.len() <= 64
                && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.:-".contains(&b))
        }
        Value::Number(_) | Value::Bool(_) | Value::Null => true,
        Value::Array(items) => items.len() <= 64 && items.iter().all(is_code_like),
        Value::Object(_) => false,
    }
}

/// An entry as stored.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = audit_log)]
pub struct StoredEntry {
    pub seq: i64,
    /// RFC 3339, UTC, microseconds: the same text the leaf hash covers.
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "rfc3339_utc")]
    pub at: chrono::NaiveDateTime,
    pub actor_user_id: Option<String>,
    pub actor_session_id: Option<String>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub outcome: String,
    /// A JSON object of ids and codes, as text.
    pub details: String,
    #[serde(skip)]
    #[schema(ignore)]
    pub leaf_hash: Option<Vec<u8>>,
}

/// Stored times are UTC without an offset; answered, they say so (`…Z`).
fn rfc3339_utc<S: serde::Serializer>(at: &chrono::NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&utc_text(at))
}

fn utc_text(at: &chrono::NaiveDateTime) -> String {
    at.and_utc().format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The bytes an entry's leaf hash is computed over: a JSON object with fixed key order,
/// the time as RFC 3339 UTC with microseconds, and `details` as the stored text.
/// Anyone can recompute it from an entry (docs/audit.md).
pub fn canonical_bytes(e: &StoredEntry) -> Vec<u8> {
    #[derive(Serialize)]
    struct Canonical<'a> {
        v: u8,
        seq: i64,
        at: String,
        actor_user_id: Option<&'a str>,
        actor_session_id: Option<&'a str>,
        action: &'a str,
        target_type: Option<&'a str>,
        target_id: Option<&'a str>,
        outcome: &'a str,
        details: &'a str,
    }
    let canonical = Canonical {
        v: 1,
        seq: e.seq,
        at: utc_text(&e.at),
        actor_user_id: e.actor_user_id.as_deref(),
        actor_session_id: e.actor_session_id.as_deref(),
        action: &e.action,
        target_type: e.target_type.as_deref(),
        target_id: e.target_id.as_deref(),
        outcome: &e.outcome,
        details: &e.details,
    };
    // Serialising a struct of strings and integers cannot fail.
    serde_json::to_vec(&canonical).unwrap_or_default()
}

/// What was read and the audit entry that must commit before it is released.
#[derive(Debug)]
pub struct Audited<T> {
    pub value: T,
    pub entry: Entry,
}

impl<T> Audited<T> {
    /// Appends the entry in the caller's transaction and releases the value.
    pub fn record(self, c: &mut DbConnection) -> Result<T> {
        append(c, &self.entry)?;
        Ok(self.value)
    }
}

/// Appends one entry and returns its sequence number (0-based, gapless, commit order),
/// extending the Merkle tree in the same transaction. Call it inside the transaction of
/// the action it records.
pub fn append(conn: &mut DbConnection, entry: &Entry) -> Result<i64> {
    if let Some((key, _)) = entry.details.iter().find(|(_, v)| !is_code_like(v)) {
        return Err(Error::internal(format!("audit detail {key:?} is not an id or code")));
    }
    // The row lock on the head serialises appenders on PostgreSQL; SQLite has one writer.
    let (size, frontier): (i64, Option<Vec<u8>>) = diesel::update(audit_head::table.find(1_i64))
        .set(audit_head::size.eq(audit_head::size + 1))
        .returning((audit_head::size, audit_head::frontier))
        .get_result(conn)?;
    let seq = size - 1;
    let mut frontier = match frontier {
        Some(bytes) => Frontier::from_bytes(&bytes)?,
        None => Frontier::new(),
    };
    if frontier.size() != seq as u64 {
        return Err(Error::internal("audit tree head is out of step with the log"));
    }
    let (target_type, target_id) = match &entry.target {
        Some((kind, id)) => (Some((*kind).to_owned()), Some(id.clone())),
        None => (None, None),
    };
    let mut stored = StoredEntry {
        seq,
        at: now(),
        actor_user_id: entry.actor.user_id.map(|u| u.to_string()),
        actor_session_id: entry.actor.session_id.map(|u| u.to_string()),
        action: entry.action.to_owned(),
        target_type,
        target_id,
        outcome: entry.outcome.as_str().to_owned(),
        details: Value::Object(entry.details.clone()).to_string(),
        leaf_hash: None,
    };
    let leaf = merkle::leaf_hash(&canonical_bytes(&stored));
    stored.leaf_hash = Some(leaf.to_vec());
    let mut completed = Vec::new();
    frontier.push_with(leaf, |subtree| completed.push(subtree))?;
    store(conn, &stored, &completed, frontier.to_bytes())?;
    Ok(seq)
}

/// Writes an appended entry, the subtrees it completed and the tree's new frontier.
fn store(
    conn: &mut DbConnection,
    e: &StoredEntry,
    completed: &[merkle::Subtree],
    frontier: Vec<u8>,
) -> Result<()> {
    match conn {
        // The head's row lock is held from the size bump to the commit, and every round trip
        // under it is time each other appender waits: under load on 2 cores, half of the
        // pooled connections were queued there. So on PostgreSQL the rest is one statement.
        #[cfg(feature = "postgres")]
        DbConnection::Postgres(pg) => {
            use diesel::sql_types::{Array, BigInt, Binary, Nullable, Text, Timestamp};
            let levels: Vec<i64> = completed.iter().map(|s| i64::from(s.level)).collect();
            let indexes: Vec<i64> = completed.iter().map(|s| s.index as i64).collect();
            let hashes: Vec<Vec<u8>> = completed.iter().map(|s| s.hash.to_vec()).collect();
            diesel::sql_query(
                "WITH entry AS (INSERT INTO audit_log (seq, at, actor_user_id, actor_session_id, action, \
                 target_type, target_id, outcome, details, leaf_hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)), \
                 nodes AS (INSERT INTO audit_nodes (level, idx, hash) \
                 SELECT * FROM unnest($11::bigint[], $12::bigint[], $13::bytea[])) \
                 UPDATE audit_head SET frontier = $14 WHERE id = 1",
            )
            .bind::<BigInt, _>(e.seq)
            .bind::<Timestamp, _>(e.at)
            .bind::<Nullable<Text>, _>(&e.actor_user_id)
            .bind::<Nullable<Text>, _>(&e.actor_session_id)
            .bind::<Text, _>(&e.action)
            .bind::<Nullable<Text>, _>(&e.target_type)
            .bind::<Nullable<Text>, _>(&e.target_id)
            .bind::<Text, _>(&e.outcome)
            .bind::<Text, _>(&e.details)
            .bind::<Nullable<Binary>, _>(&e.leaf_hash)
            .bind::<Array<BigInt>, _>(levels)
            .bind::<Array<BigInt>, _>(indexes)
            .bind::<Array<Binary>, _>(hashes)
            .bind::<Binary, _>(frontier)
            .execute(pg)?;
        }
        #[allow(unreachable_patterns)]
        _ => {
            diesel::insert_into(audit_log::table)
                .values((
                    audit_log::seq.eq(e.seq),
                    audit_log::at.eq(e.at),
                    audit_log::actor_user_id.eq(&e.actor_user_id),
                    audit_log::actor_session_id.eq(&e.actor_session_id),
                    audit_log::action.eq(&e.action),
                    audit_log::target_type.eq(&e.target_type),
                    audit_log::target_id.eq(&e.target_id),
                    audit_log::outcome.eq(&e.outcome),
                    audit_log::details.eq(&e.details),
                    audit_log::leaf_hash.eq(&e.leaf_hash),
                ))
                .execute(conn)?;
            for s in completed {
                diesel::insert_into(audit_nodes::table)
                    .values((
                        audit_nodes::level.eq(i64::from(s.level)),
                        audit_nodes::idx.eq(s.index as i64),
                        audit_nodes::hash.eq(s.hash.to_vec()),
                    ))
                    .execute(conn)?;
            }
            diesel::update(audit_head::table.find(1_i64))
                .set(audit_head::frontier.eq(frontier))
                .execute(conn)?;
        }
    }
    Ok(())
}

pub fn recent(conn: &mut DbConnection, limit: i64) -> Result<Vec<StoredEntry>> {
    Ok(audit_log::table
        .order(audit_log::seq.desc())
        .limit(limit)
        .select(StoredEntry::as_select())
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn details_must_be_codes_not_content() {
        assert!(is_code_like(&json!("invalid_credentials")));
        assert!(is_code_like(&json!(3)));
        assert!(is_code_like(&json!(["a", "b"])));
        assert!(!is_code_like(&json!("Иван Петров")));
        assert!(!is_code_like(&json!("he was beaten at the station")));
        assert!(!is_code_like(&json!({"nested": 1})));
    }

    #[test]
    fn canonical_bytes_are_fixed_json() {
        let at = chrono::DateTime::from_timestamp(1_800_000_000, 123_456_000).unwrap().naive_utc();
        let e = StoredEntry {
            seq: 7,
            at,
            actor_user_id: None,
            actor_session_id: None,
            action: "login".into(),
            target_type: Some("user".into()),
            target_id: Some("u1".into()),
            outcome: "success".into(),
            details: r#"{"second_factor":false}"#.into(),
            leaf_hash: None,
        };
        assert_eq!(
            String::from_utf8(canonical_bytes(&e)).unwrap(),
            r#"{"v":1,"seq":7,"at":"2027-01-15T08:00:00.123456Z","actor_user_id":null,"actor_session_id":null,"action":"login","target_type":"user","target_id":"u1","outcome":"success","details":"{\"second_factor\":false}"}"#
        );
    }
}
