//! The audit log: every sensitive read and every write, export and key operation
//! appends an entry in the same transaction as the action, so if the entry cannot be
//! written the action does not happen. Entries hold ids and codes, never content.

use diesel::prelude::*;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::{Error, Result};
use crate::store::schema::{audit_head, audit_log};
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

/// Who acted. Failed logins have no session and may have no known user.
#[derive(Debug, Clone, Copy, Default)]
pub struct Actor {
    pub user_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
}

impl From<&Principal> for Actor {
    fn from(p: &Principal) -> Self {
        Actor { user_id: Some(p.user_id), session_id: Some(p.session_id) }
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

/// Appends one entry and returns its sequence number (0-based, gapless, commit order).
/// Call it inside the transaction of the action it records.
pub fn append(conn: &mut DbConnection, entry: &Entry) -> Result<i64> {
    if let Some((key, _)) = entry.details.iter().find(|(_, v)| !is_code_like(v)) {
        return Err(Error::internal(format!("audit detail {key:?} is not an id or code")));
    }
    // The row lock on the head serialises appenders on PostgreSQL; SQLite has one writer.
    let size: i64 = diesel::update(audit_head::table.find(1_i64))
        .set(audit_head::size.eq(audit_head::size + 1))
        .returning(audit_head::size)
        .get_result(conn)?;
    let seq = size - 1;
    let (target_type, target_id) = match &entry.target {
        Some((kind, id)) => (Some(*kind), Some(id.as_str())),
        None => (None, None),
    };
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::seq.eq(seq),
            audit_log::at.eq(now()),
            audit_log::actor_user_id.eq(entry.actor.user_id.map(|u| u.to_string())),
            audit_log::actor_session_id.eq(entry.actor.session_id.map(|u| u.to_string())),
            audit_log::action.eq(entry.action),
            audit_log::target_type.eq(target_type),
            audit_log::target_id.eq(target_id),
            audit_log::outcome.eq(entry.outcome.as_str()),
            audit_log::details.eq(Value::Object(entry.details.clone()).to_string()),
        ))
        .execute(conn)?;
    Ok(seq)
}

/// An entry as stored, for tests and (later) the auditors' API.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct StoredEntry {
    pub seq: i64,
    pub at: chrono::NaiveDateTime,
    pub actor_user_id: Option<String>,
    pub actor_session_id: Option<String>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub outcome: String,
    pub details: String,
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
}
