//! Several nodes on one database. A node is named (`node_id`) so the export builds it
//! claims can be told from another node's; work that only one node may do at a time
//! takes a transaction-scoped advisory lock on PostgreSQL (SQLite has one writer, so
//! holding the write transaction is already the lock).

use crate::config::ClusterSettings;
use crate::error::Result;
use crate::store::DbConnection;

/// Advisory lock keys: one per kind of work that only one node may do at a time.
#[derive(Debug, Clone, Copy)]
#[repr(i64)]
pub enum Lock {
    /// Signing a periodic checkpoint of the audit log.
    Checkpoint = 0x4355_5354_0001,
    /// Rewrapping record keys onto the primary KEK.
    Rewrap = 0x4355_5354_0002,
}

/// This node's name: the configured one, or the host name and a random suffix (a node
/// restarted without a configured name is a new node; its old claims expire). Kept to
/// what an audit detail may hold (`[a-z0-9_.:-]`, 64 characters): other characters
/// become `-`, letters lower case.
pub fn node_id(settings: &ClusterSettings) -> String {
    let configured = code_like(&settings.node_id, 64);
    if !configured.is_empty() {
        return configured;
    }
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| code_like(&h, 55))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "node".to_owned());
    let mut suffix = [0u8; 4];
    if getrandom::fill(&mut suffix).is_err() {
        suffix = std::process::id().to_be_bytes();
    }
    format!("{host}-{}", hex::encode(suffix))
}

fn code_like(text: &str, max: usize) -> String {
    text.trim()
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| if c.is_ascii_lowercase() || c.is_ascii_digit() || "_.:-".contains(c) { c } else { '-' })
        .take(max)
        .collect()
}

/// Takes `lock` for the rest of the current transaction, or answers false at once when
/// another node's transaction holds it. Always true on SQLite.
pub fn try_lock(c: &mut DbConnection, lock: Lock) -> Result<bool> {
    match c {
        #[cfg(feature = "postgres")]
        DbConnection::Postgres(pg) => {
            use diesel::prelude::*;
            #[derive(QueryableByName)]
            struct Taken {
                #[diesel(sql_type = diesel::sql_types::Bool)]
                taken: bool,
            }
            let row: Taken = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS taken")
                .bind::<diesel::sql_types::BigInt, _>(lock as i64)
                .get_result(pg)?;
            Ok(row.taken)
        }
        #[allow(unreachable_patterns)]
        _ => {
            let _ = lock;
            Ok(true)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configured_node_id_is_kept_and_an_empty_one_is_made_unique() {
        let named = ClusterSettings { node_id: " node-a ".into(), poll_interval_secs: 2, job_lease_secs: 60 };
        assert_eq!(node_id(&named), "node-a");
        let odd = ClusterSettings { node_id: "Node A/2".into(), ..named.clone() };
        assert_eq!(node_id(&odd), "node-a-2", "what an audit detail may hold");
        let auto = ClusterSettings { node_id: String::new(), ..named };
        let (a, b) = (node_id(&auto), node_id(&auto));
        assert_ne!(a, b);
        assert!(!a.is_empty() && a.len() <= 64);
        assert!(
            a.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.:-".contains(&b)),
            "{a}"
        );
    }
}
