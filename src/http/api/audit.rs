//! The audit log for auditors, and its signed tree head for everyone on the staff.

use actix_web::web;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{Page, PageQuery};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::audit::StoredEntry;
use crate::audit::query::{EntryProof, Filter};
pub use crate::audit::{CheckpointView, ConsistencyProof, Custody};
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
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// The audit log, newest first, with filters. Reading it is itself audited.
#[utoipa::path(get, operation_id = "list_audit_entries", path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Page<StoredEntry>), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn list(
    services: web::Data<Services>,
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
    let (items, total) =
        services.audit.list(who, filter, (limit, offset)).await.map_err(super::as_query_error)?;
    Ok(web::Json(Page { items, total, limit, offset }))
}

/// One entry with its inclusion proof against the latest signed checkpoint (signed now if
/// the log has grown past it).
#[utoipa::path(get, operation_id = "get_audit_entry_proof", path = "/api/v1/audit/entries/{seq}/proof", tag = "audit", params(("seq" = i64, Path)),
    responses((status = 200, body = EntryProof), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn proof(
    services: web::Data<Services>,
    who: Allowed<act::AuditRead>,
    seq: web::Path<i64>,
) -> Result<web::Json<EntryProof>> {
    Ok(web::Json(services.audit.proof(who, seq.into_inner()).await?))
}

/// The latest signed tree head of the audit log (signed now if the log has grown) and the
/// key that verifies it. Keep copies: a later head must be consistent with yours.
#[utoipa::path(get, operation_id = "get_audit_checkpoint", path = "/api/v1/audit/checkpoint", tag = "audit",
    responses((status = 200, body = CheckpointView)), security(("bearer" = [])))]
pub async fn checkpoint(
    services: web::Data<Services>,
    who: Allowed<act::AuditCheckpoint>,
) -> Result<web::Json<CheckpointView>> {
    Ok(web::Json(services.audit.checkpoint(who).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyQuery {
    /// The size of the older tree head (a checkpoint you kept); at least 1, at most `to`.
    #[param(minimum = 1)]
    pub from: u64,
    /// The size of the newer tree head (default: the current log); at most the log's size.
    #[param(minimum = 1)]
    pub to: Option<u64>,
}

/// Proof that the log only grew between two sizes.
#[utoipa::path(get, operation_id = "get_audit_consistency_proof", path = "/api/v1/audit/consistency", tag = "audit", params(ConsistencyQuery),
    responses((status = 200, body = ConsistencyProof), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn consistency(
    services: web::Data<Services>,
    who: Allowed<act::AuditCheckpoint>,
    q: web::Query<ConsistencyQuery>,
) -> Result<web::Json<ConsistencyProof>> {
    Ok(web::Json(services.audit.consistency(who, q.from, q.to).await?))
}

/// The chain of custody of one record: created, sealed, read by, downloaded by, exported…
/// each event with its inclusion proof.
#[utoipa::path(get, operation_id = "get_chain_of_custody", path = "/api/v1/audit/custody/{target_type}/{target_id}", tag = "audit",
    params(("target_type" = String, Path), ("target_id" = String, Path)),
    responses((status = 200, body = Custody)), security(("bearer" = [])))]
pub async fn custody(
    services: web::Data<Services>,
    who: Allowed<act::AuditRead>,
    path: web::Path<(String, String)>,
) -> Result<web::Json<Custody>> {
    let (target_type, target_id) = path.into_inner();
    Ok(web::Json(services.audit.custody(who, target_type, target_id).await?))
}
