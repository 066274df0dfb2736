//! The audit log for auditors, and its signed tree head for everyone on the staff.

use actix_web::web;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Page, PageQuery};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::audit::checkpoints::{self, SignedCheckpoint};
use crate::audit::query::{self, EntryProof, Filter};
use crate::audit::{self, Actor, Entry, StoredEntry, tree};
use crate::error::{Error, FieldError, Result};
use crate::http::problem::Problem;
use crate::services::Services;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// User id of the actor.
    pub actor: Option<uuid::Uuid>,
    /// Action code, e.g. `login_failed` or `key.rotate`.
    pub action: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// RFC 3339; entries at or after.
    pub from: Option<DateTime<Utc>>,
    /// RFC 3339; entries before.
    pub to: Option<DateTime<Utc>>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// The audit log, newest first, with filters. Reading it is itself audited.
#[utoipa::path(get, operation_id = "list_audit_entries", path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Page<StoredEntry>), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn list(
    state: web::Data<Services>,
    who: Allowed<act::AuditRead>,
    q: web::Query<AuditQuery>,
) -> Result<web::Json<Page<StoredEntry>>> {
    let q = q.into_inner();
    let (limit, offset) = PageQuery { limit: q.limit, offset: q.offset }.resolve()?;
    if let (Some(from), Some(to)) = (q.from, q.to)
        && from > to
    {
        return Err(Error::InvalidQuery(vec![FieldError::new(
            "to",
            "before_from",
            "must not be before `from`",
        )]));
    }
    let filter = Filter {
        actor_user_id: q.actor.map(|u| u.to_string()),
        action: q.action,
        target_type: q.target_type,
        target_id: q.target_id,
        from: q.from.map(|t| t.naive_utc()),
        to: q.to.map(|t| t.naive_utc()),
        ..Filter::default()
    };
    let actor = Actor::from(&who.principal);
    let (items, total) = state
        .db
        .transaction(move |c| {
            let page = query::list(c, &filter, limit, offset)?;
            audit::append(c, &Entry::new(actor, "audit.read").detail("results", page.0.len()))?;
            Ok(page)
        })
        .await?;
    Ok(web::Json(Page { items, total, limit, offset }))
}

/// One entry with its inclusion proof against the latest signed checkpoint (signed now if
/// the log has grown past it).
#[utoipa::path(get, operation_id = "get_audit_entry_proof", path = "/api/v1/audit/entries/{seq}/proof", tag = "audit", params(("seq" = i64, Path)),
    responses((status = 200, body = EntryProof), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn proof(
    state: web::Data<Services>,
    _who: Allowed<act::AuditRead>,
    seq: web::Path<i64>,
) -> Result<web::Json<EntryProof>> {
    let seq = seq.into_inner();
    if seq < 0 {
        return Err(Error::NotFound);
    }
    let keyring = state.keys.keyring()?;
    let proof = state
        .db
        .transaction(move |c| {
            query::entry(c, seq)?;
            let checkpoint = checkpoints::create(c, &keyring)?.ok_or(Error::NotFound)?;
            query::prove(c, seq, &checkpoint)
        })
        .await?;
    Ok(web::Json(proof))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CheckpointView {
    pub checkpoint: SignedCheckpoint,
    /// The log's public key, `name+hash+base64` (golang.org/x/mod/sumdb/note format).
    pub verifier_key: String,
}

/// The latest signed tree head of the audit log (signed now if the log has grown) and the
/// key that verifies it. Keep copies: a later head must be consistent with yours.
#[utoipa::path(get, operation_id = "get_audit_checkpoint", path = "/api/v1/audit/checkpoint", tag = "audit",
    responses((status = 200, body = CheckpointView)), security(("bearer" = [])))]
pub async fn checkpoint(
    state: web::Data<Services>,
    _who: Allowed<act::AuditCheckpoint>,
) -> Result<web::Json<CheckpointView>> {
    let keyring = state.keys.keyring()?;
    let view = state
        .db
        .transaction(move |c| {
            let checkpoint = checkpoints::create(c, &keyring)?.ok_or(Error::NotFound)?;
            let verifier_key = checkpoints::ensure_verifier_key(c, &keyring)?;
            Ok(CheckpointView { checkpoint, verifier_key })
        })
        .await?;
    Ok(web::Json(view))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyQuery {
    /// The size of the older tree head (a checkpoint you kept).
    pub from: u64,
    /// The size of the newer tree head (default: the current log).
    pub to: Option<u64>,
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

/// Proof that the log only grew between two sizes.
#[utoipa::path(get, operation_id = "get_audit_consistency_proof", path = "/api/v1/audit/consistency", tag = "audit", params(ConsistencyQuery),
    responses((status = 200, body = ConsistencyProof), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn consistency(
    state: web::Data<Services>,
    _who: Allowed<act::AuditCheckpoint>,
    q: web::Query<ConsistencyQuery>,
) -> Result<web::Json<ConsistencyProof>> {
    let q = q.into_inner();
    let proof = state
        .db
        .run(move |c| {
            let (size, _) = tree::head(c)?;
            let to = q.to.unwrap_or(size);
            if q.from == 0 || q.from > to || to > size {
                return Err(Error::field("from", "out_of_range", format!("need 0 < from <= to <= {size}")));
            }
            let proof = tree::consistency_proof(c, q.from, to)?;
            let root = tree::root_at(c, to)?;
            Ok(ConsistencyProof {
                from: q.from,
                to,
                to_root: hex::encode(root),
                proof: proof.iter().map(hex::encode).collect(),
            })
        })
        .await?;
    Ok(web::Json(proof))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Custody {
    pub target_type: String,
    pub target_id: String,
    /// Every event naming the record, oldest first, each provable against `checkpoint`.
    pub events: Vec<EntryProof>,
}

/// The chain of custody of one record: created, sealed, read by, downloaded by, exported…
/// each event with its inclusion proof.
#[utoipa::path(get, operation_id = "get_chain_of_custody", path = "/api/v1/audit/custody/{target_type}/{target_id}", tag = "audit",
    params(("target_type" = String, Path), ("target_id" = String, Path)),
    responses((status = 200, body = Custody)), security(("bearer" = [])))]
pub async fn custody(
    state: web::Data<Services>,
    who: Allowed<act::AuditRead>,
    path: web::Path<(String, String)>,
) -> Result<web::Json<Custody>> {
    let (target_type, target_id) = path.into_inner();
    if target_type.len() > 64 || target_id.len() > 64 {
        return Err(Error::NotFound);
    }
    let keyring = state.keys.keyring()?;
    let actor = Actor::from(&who.principal);
    let (tt, ti) = (target_type.clone(), target_id.clone());
    let events = state
        .db
        .transaction(move |c| {
            let entries = query::custody(c, &tt, &ti)?;
            let Some(checkpoint) = checkpoints::create(c, &keyring)? else { return Ok(Vec::new()) };
            let events =
                entries.iter().map(|e| query::prove(c, e.seq, &checkpoint)).collect::<Result<Vec<_>>>()?;
            audit::append(c, &Entry::new(actor, "audit.custody_read").detail("events", events.len()))?;
            Ok(events)
        })
        .await?;
    Ok(web::Json(Custody { target_type, target_id, events }))
}
