//! The access log for auditors: entries, proofs, checkpoints, custody of a record, and
//! the checkpoint signed every so often. Checkpoints are stored with the time of the
//! service's clock.

use std::collections::HashMap;

use serde::Serialize;

use super::checkpoints::{self, SignedCheckpoint};
use super::query::{self, ActorName, EntryProof, Filter, ProvedCustody};
use super::{Actor, Entry, StoredEntry, tree};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::rules;

/// Target types and ids longer than this name no record (ids and codes are short).
/// Whether a kind and an id can name a record at all; what cannot is no record, and is
/// not sent to the database (PostgreSQL refuses a NUL in text outright).
fn names_a_record(target_type: &str, target_id: &str) -> bool {
    rules::RECORD_TYPE.matches(target_type) && rules::RECORD_ID.matches(target_id)
}

/// A filter's codes in the form the log writes them, each wrong one named.
fn check_filter(filter: &Filter) -> Result<()> {
    let checks = [
        (&filter.action, &rules::AUDIT_ACTION, "action"),
        (&filter.target_type, &rules::RECORD_TYPE, "target_type"),
        (&filter.target_id, &rules::RECORD_ID, "target_id"),
    ];
    let errors: Vec<_> = checks
        .into_iter()
        .filter_map(|(value, rule, field)| rule.check(field, value.as_deref()?).err())
        .collect();
    if errors.is_empty() { Ok(()) } else { Err(Error::Validation(errors)) }
}

#[derive(Debug, Clone)]
pub struct AuditLog {
    ctx: Context,
}

/// The latest signed tree head and the key that verifies it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CheckpointView {
    pub checkpoint: SignedCheckpoint,
    /// The log's public key, `name+hash+base64` (golang.org/x/mod/sumdb/note format).
    pub verifier_key: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ConsistencyProof {
    pub from: u64,
    pub to: u64,
    /// Root of the newer head, hex.
    pub to_root: String,
    /// RFC 9162 §2.1.4 consistency proof, hex hashes.
    pub proof: Vec<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Custody {
    pub target_type: String,
    pub target_id: String,
    /// Every event naming the record, oldest first, each provable against `checkpoint`.
    pub events: Vec<EntryProof>,
}

/// Who the actors of some entries are, by user id.
pub type Actors = HashMap<String, ActorName>;

impl AuditLog {
    pub fn new(ctx: Context) -> Self {
        AuditLog { ctx }
    }

    /// A page of the log, newest first; the reading is itself audited.
    pub async fn list(
        &self,
        who: Allowed<act::AuditRead>,
        filter: Filter,
        (limit, offset): (i64, i64),
    ) -> Result<(Vec<StoredEntry>, i64)> {
        check_filter(&filter)?;
        let actor = Actor::from(&who.principal);
        self.ctx.write_plain(move |c| query::read(c, actor, &filter, limit, offset)).await
    }

    /// `list` for the log page, whose actor filter also takes a username (an unknown one
    /// matches no entry), with the names of the page's actors.
    pub async fn list_named(
        &self,
        who: Allowed<act::AuditRead>,
        mut filter: Filter,
        (limit, offset): (i64, i64),
    ) -> Result<((Vec<StoredEntry>, i64), Actors)> {
        check_filter(&filter)?;
        let actor = Actor::from(&who.principal);
        self.ctx
            .write_plain(move |c| {
                if let Some(name) = filter.actor_user_id.clone().filter(|a| uuid::Uuid::parse_str(a).is_err())
                {
                    // An id never has this form, so "-" matches nothing.
                    filter.actor_user_id =
                        Some(query::user_id_of(c, &name)?.unwrap_or_else(|| "-".to_owned()));
                }
                let page = query::read(c, actor, &filter, limit, offset)?;
                let actors = query::actor_names(c, &page.0.iter().collect::<Vec<_>>())?;
                Ok((page, actors))
            })
            .await
    }

    /// One entry with its inclusion proof against the latest checkpoint (signed now if the
    /// log has grown past it).
    pub async fn proof(&self, _who: Allowed<act::AuditRead>, seq: i64) -> Result<EntryProof> {
        if seq < 0 {
            return Err(Error::NotFound);
        }
        let now = self.ctx.clock.now_naive();
        self.ctx
            .write(move |c, k| {
                query::entry(c, seq)?;
                let checkpoint = checkpoints::create_at(c, k, now)?.ok_or(Error::NotFound)?;
                query::prove(c, seq, &checkpoint)
            })
            .await
    }

    /// `proof` for the entry page: with the log's key and the actor's name.
    pub async fn proof_named(
        &self,
        _who: Allowed<act::AuditRead>,
        seq: i64,
    ) -> Result<(EntryProof, String, Actors)> {
        let now = self.ctx.clock.now_naive();
        self.ctx
            .write(move |c, k| {
                let (proof, key) = query::entry_proved(c, k, seq, now)?;
                let actors = query::actor_names(c, &[&proof.entry])?;
                Ok((proof, key, actors))
            })
            .await
    }

    /// The latest signed tree head (signed now if the log has grown) and its key.
    pub async fn checkpoint(&self, _who: Allowed<act::AuditCheckpoint>) -> Result<CheckpointView> {
        let now = self.ctx.clock.now_naive();
        self.ctx
            .write(move |c, k| {
                let checkpoint = checkpoints::create_at(c, k, now)?.ok_or(Error::NotFound)?;
                let verifier_key = checkpoints::ensure_verifier_key(c, k)?;
                Ok(CheckpointView { checkpoint, verifier_key })
            })
            .await
    }

    /// Proof that the log only grew from size `from` to `to` (default: its current size).
    pub async fn consistency(
        &self,
        _who: Allowed<act::AuditCheckpoint>,
        from: u64,
        to: Option<u64>,
    ) -> Result<ConsistencyProof> {
        self.ctx
            .read(move |c| {
                let (size, _) = tree::head(c)?;
                let to = to.unwrap_or(size);
                if from == 0 || from > to || to > size {
                    return Err(Error::field(
                        "from",
                        "out_of_range",
                        format!("need 0 < from <= to <= {size}"),
                    ));
                }
                let proof = tree::consistency_proof(c, from, to)?;
                let root = tree::root_at(c, to)?;
                Ok(ConsistencyProof {
                    from,
                    to,
                    to_root: hex::encode(root),
                    proof: proof.iter().map(hex::encode).collect(),
                })
            })
            .await
    }

    /// The chain of custody of one record, each event with its inclusion proof; audited.
    pub async fn custody(
        &self,
        who: Allowed<act::AuditRead>,
        target_type: String,
        target_id: String,
    ) -> Result<Custody> {
        if !names_a_record(&target_type, &target_id) {
            return Err(Error::NotFound);
        }
        let actor = Actor::from(&who.principal);
        let now = self.ctx.clock.now_naive();
        let (tt, ti) = (target_type.clone(), target_id.clone());
        let events = self
            .ctx
            .write(move |c, k| {
                let entries = query::custody(c, &tt, &ti)?;
                let Some(checkpoint) = checkpoints::create_at(c, k, now)? else { return Ok(Vec::new()) };
                let events = entries
                    .iter()
                    .map(|e| query::prove(c, e.seq, &checkpoint))
                    .collect::<Result<Vec<_>>>()?;
                super::append(c, &Entry::new(actor, "audit.custody_read").detail("events", events.len()))?;
                Ok(events)
            })
            .await?;
        Ok(Custody { target_type, target_id, events })
    }

    /// `custody` for the custody page: with the checkpoint, the log's key and the actors'
    /// names.
    pub async fn custody_named(
        &self,
        who: Allowed<act::AuditRead>,
        target_type: String,
        target_id: String,
    ) -> Result<(ProvedCustody, Actors)> {
        if !names_a_record(&target_type, &target_id) {
            return Err(Error::NotFound);
        }
        let actor = Actor::from(&who.principal);
        let now = self.ctx.clock.now_naive();
        self.ctx
            .write(move |c, k| {
                let chain = query::custody_proved(c, k, actor, (&target_type, &target_id), now)?;
                let actors =
                    query::actor_names(c, &chain.events.iter().map(|p| &p.entry).collect::<Vec<_>>())?;
                Ok((chain, actors))
            })
            .await
    }

    /// Signs a checkpoint if the log has grown since the last one: the service's own
    /// periodic task, so an alteration of old entries is caught against a signature made
    /// before it. Nothing to do while the keys are sealed.
    pub async fn checkpoint_if_grown(&self) -> Result<()> {
        if self.ctx.keys.keyring().is_err() {
            return Ok(());
        }
        let now = self.ctx.clock.now_naive();
        // One signer at a time across nodes; the growth is checked again under the lock
        // (`create_at` signs only a head larger than the last checkpoint's), so two nodes
        // never sign two different heads at once. Another node signing now is enough.
        self.ctx
            .write(move |c, k| {
                if !crate::cluster::try_lock(c, crate::cluster::Lock::Checkpoint)? {
                    return Ok(());
                }
                checkpoints::create_at(c, k, now).map(drop)
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use chrono::{DateTime, TimeDelta};
    use diesel::prelude::*;
    use secrecy::SecretString;

    use crate::audit::{self, Actor, Entry};
    use crate::clock::Clock;
    use crate::config::Settings;
    use crate::services::Services;
    use crate::store::schema::audit_checkpoints;

    /// The periodic checkpoint is stored with the service clock's time, and signs only when
    /// the log has grown.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn periodic_checkpoints_take_the_service_clock() {
        let dir = tempfile::tempdir().unwrap();
        let config = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config");
        let mut settings = Settings::load_with(&config, "test", false).unwrap();
        settings.database.url = SecretString::from(format!("sqlite://{}", dir.path().join("t.db").display()));
        settings.keys.key_file = dir.path().join("root.key");
        settings.storage.blob_dir = dir.path().join("blobs");
        let at = DateTime::from_timestamp(1_900_000_000, 123_456_000).unwrap();
        let clock = Clock::manual(at);
        let services = Services::open_with_clock(&settings, true, clock.clone()).await.unwrap();
        let ctx = services.context().clone();
        let append =
            || ctx.write_plain(|c| audit::append(c, &Entry::new(Actor::default(), "audit.read")).map(drop));
        let times = || {
            ctx.read(|c| {
                Ok(audit_checkpoints::table
                    .order(audit_checkpoints::size.asc())
                    .select(audit_checkpoints::created_at)
                    .load::<chrono::NaiveDateTime>(c)?)
            })
        };

        append().await.unwrap();
        services.audit.checkpoint_if_grown().await.unwrap();
        clock.advance(TimeDelta::hours(1));
        // Not grown since: nothing new is signed.
        services.audit.checkpoint_if_grown().await.unwrap();
        append().await.unwrap();
        services.audit.checkpoint_if_grown().await.unwrap();

        let later = at + TimeDelta::hours(1);
        assert_eq!(times().await.unwrap(), vec![at.naive_utc(), later.naive_utc()]);
    }
}

#[cfg(test)]
mod filter_tests {
    use super::*;

    /// Every action and kind of record the log writes passes the filter's own check, so
    /// no real entry can become unfindable.
    #[test]
    fn every_code_the_log_writes_is_one_the_filter_takes() {
        for action in query::ACTIONS {
            let filter = Filter { action: Some((*action).to_owned()), ..Filter::default() };
            assert!(check_filter(&filter).is_ok(), "{action}");
        }
        for kind in query::TARGET_TYPES {
            assert!(names_a_record(kind, "0f8e7c1a-3b2d-4e5f-8a9b-0c1d2e3f4a5b"), "{kind}");
        }
        assert!(names_a_record("role", "investigator") && names_a_record("vocabulary", "act_type"));
        assert!(!names_a_record("user", "a\u{0}b") && !names_a_record("user\u{0}", "x"));
        let bad =
            Filter { action: Some("login\u{0}".into()), target_id: Some(String::new()), ..Filter::default() };
        let Err(Error::Validation(errors)) = check_filter(&bad) else { panic!("refused") };
        assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["action", "target_id"]);
    }
}
