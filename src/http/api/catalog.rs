//! Court-ready metadata (`evidence.catalog`): a case's evidence reference numbers, the
//! original a translation or transcript renders, and the confidentiality level of an
//! exported item.

use actix_web::{HttpResponse, web};
use uuid::Uuid;

use super::{Page, PageQuery};
use crate::access::{Allowed, act};
use crate::catalog::relations::OriginalLink;
use crate::catalog::{CatalogItem, ConfidentialitySet, EvidenceItemKind, SetConfidentiality, SetOriginal};
use crate::error::Result;
use crate::http::json::JsonObject;
use crate::http::problem::Problem;
use crate::services::Services;

/// Every item of the case that has evidence reference numbers (given when it was first
/// exported), in page order, with the level a lawyer set (null: its kind's default).
#[utoipa::path(get, operation_id = "list_evidence_items", path = "/api/v1/cases/{id}/catalog", tag = "catalog",
    params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, body = Page<CatalogItem>), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn items(
    services: web::Data<Services>,
    who: Allowed<act::EvidenceCatalog>,
    id: web::Path<Uuid>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<CatalogItem>>> {
    let page = page.resolve()?;
    Ok(web::Json(Page::slice(services.catalog.items(who, id.into_inner()).await?, page)))
}

/// Mark a testimony (any version) or an attachment as the translation or transcript of
/// another record of the same case. 422 naming `original_id` when the original is in
/// another case, does not exist, is the item itself or is derived from it. Audited as
/// `catalog.relate`.
#[utoipa::path(put, operation_id = "set_item_original", path = "/api/v1/cases/{id}/catalog/{kind}/{item_id}/original", tag = "catalog",
    params(("id" = Uuid, Path), ("kind" = EvidenceItemKind, Path), ("item_id" = Uuid, Path)), request_body = SetOriginal,
    responses((status = 200, body = OriginalLink), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn set_original(
    services: web::Data<Services>,
    who: Allowed<act::EvidenceCatalog>,
    path: web::Path<(Uuid, EvidenceItemKind, Uuid)>,
    body: JsonObject<SetOriginal>,
) -> Result<web::Json<OriginalLink>> {
    let (case_id, kind, item_id) = path.into_inner();
    Ok(web::Json(services.catalog.set_original(who, case_id, kind, item_id, body.into_inner()).await?))
}

/// The item is no longer marked as a translation or transcript. Audited as
/// `catalog.unrelate`.
#[utoipa::path(delete, operation_id = "clear_item_original", path = "/api/v1/cases/{id}/catalog/{kind}/{item_id}/original", tag = "catalog",
    params(("id" = Uuid, Path), ("kind" = EvidenceItemKind, Path), ("item_id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn clear_original(
    services: web::Data<Services>,
    who: Allowed<act::EvidenceCatalog>,
    path: web::Path<(Uuid, EvidenceItemKind, Uuid)>,
) -> Result<HttpResponse> {
    let (case_id, kind, item_id) = path.into_inner();
    services.catalog.clear_original(who, case_id, kind, item_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Set an exported item's confidentiality level (`public`, `confidential`,
/// `strictly_confidential`; null for its kind's default), for every exported version of a
/// testimony. Only those who export (lawyers, the case lead); 422 when the item has not
/// been exported yet. Audited as `catalog.confidentiality`.
#[utoipa::path(put, operation_id = "set_item_confidentiality", path = "/api/v1/cases/{id}/catalog/{kind}/{item_id}/confidentiality", tag = "catalog",
    params(("id" = Uuid, Path), ("kind" = EvidenceItemKind, Path), ("item_id" = Uuid, Path)), request_body = SetConfidentiality,
    responses((status = 200, body = ConfidentialitySet), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn set_confidentiality(
    services: web::Data<Services>,
    who: Allowed<act::EvidenceCatalog>,
    path: web::Path<(Uuid, EvidenceItemKind, Uuid)>,
    body: JsonObject<SetConfidentiality>,
) -> Result<web::Json<ConfidentialitySet>> {
    let (case_id, kind, item_id) = path.into_inner();
    Ok(web::Json(services.catalog.set_confidentiality(who, case_id, kind, item_id, body.into_inner()).await?))
}
