//! Evidence bundles: requested with re-authentication, built in the background, then
//! downloaded as a stream (decrypted from the blob store on the way out).

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use uuid::Uuid;

use super::{Page, PageQuery};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::error::Result;
use crate::export::BundleFetch;
use crate::export::job::{BundleInput, BundleView};
use crate::http::json::JsonObject;
use crate::http::problem::Problem;
use crate::services::Services;

/// Export an evidence bundle of a case (or a selection of it) for a recipient category.
/// Needs the caller's password again (and a fresh one-time code when a second factor is
/// enrolled). Returns at once; the bundle is built in the background.
#[utoipa::path(post, operation_id = "create_bundle", path = "/api/v1/cases/{id}/bundles", tag = "bundles", params(("id" = Uuid, Path)),
    request_body = BundleInput,
    responses((status = 202, body = BundleView), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem),
        (status = 429, body = Problem, description = "`rate_limited`: too many failed re-authentications; see Retry-After"),
        (status = 507, body = Problem)),
    security(("bearer" = [])))]
pub async fn create(
    services: web::Data<Services>,
    who: Allowed<act::BundleExport>,
    id: web::Path<Uuid>,
    body: JsonObject<BundleInput>,
) -> Result<HttpResponse> {
    let case_id = id.into_inner();
    let view = services.bundles.request(who, case_id, body.into_inner()).await?;
    Ok(HttpResponse::Accepted()
        .insert_header((header::LOCATION, format!("/api/v1/cases/{case_id}/bundles/{}", view.id)))
        .json(view))
}

/// The bundles of a case, newest first.
#[utoipa::path(get, operation_id = "list_bundles", path = "/api/v1/cases/{id}/bundles", tag = "bundles", params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, body = Page<BundleView>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn list(
    services: web::Data<Services>,
    who: Allowed<act::BundleExport>,
    id: web::Path<Uuid>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<BundleView>>> {
    let page = page.resolve()?;
    Ok(web::Json(Page::slice(services.bundles.list(who, id.into_inner()).await?, page)))
}

/// A bundle's status and progress.
#[utoipa::path(get, operation_id = "get_bundle", path = "/api/v1/cases/{id}/bundles/{bundle_id}", tag = "bundles",
    params(("id" = Uuid, Path), ("bundle_id" = Uuid, Path)),
    responses((status = 200, body = BundleView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn status(
    services: web::Data<Services>,
    who: Allowed<act::BundleExport>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<BundleView>> {
    let (case_id, id) = path.into_inner();
    Ok(web::Json(services.bundles.status(who, case_id, id).await?))
}

/// Download a ready bundle: a tar of the BagIt bag, or its age encryption when a recipient
/// key was given. Audited.
#[utoipa::path(get, operation_id = "download_bundle", path = "/api/v1/cases/{id}/bundles/{bundle_id}/download", tag = "bundles",
    params(("id" = Uuid, Path), ("bundle_id" = Uuid, Path)),
    responses((status = 200, description = "application/x-tar or application/age"), (status = 404, body = Problem),
        (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn download(
    services: web::Data<Services>,
    who: Allowed<act::BundleExport>,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse> {
    let (case_id, id) = path.into_inner();
    let d = match services.bundles.download(&who, case_id, id).await? {
        BundleFetch::Ready(d) => d,
        BundleFetch::Failed(e) => {
            crate::http::extract::mark_failure_audited(&req);
            return Err(e);
        }
    };
    let mut res = HttpResponse::Ok();
    res.no_chunking(d.size);
    let disposition = format!("attachment; filename=\"{}\"", d.filename);
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        res.insert_header((header::CONTENT_DISPOSITION, v));
    }
    res.content_type(if d.encrypted_to_recipient { "application/age" } else { "application/x-tar" });
    Ok(res.streaming(d.body))
}

/// Delete a bundle once delivered: the stored archive and its key are destroyed; the record
/// of the export stays. Audited.
#[utoipa::path(delete, operation_id = "delete_bundle", path = "/api/v1/cases/{id}/bundles/{bundle_id}", tag = "bundles",
    params(("id" = Uuid, Path), ("bundle_id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn delete(
    services: web::Data<Services>,
    who: Allowed<act::BundleExport>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse> {
    let (case_id, id) = path.into_inner();
    services.bundles.delete(who, case_id, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The organisation's export public key (minisign format) that bundle signatures verify
/// against.
#[utoipa::path(get, operation_id = "get_bundle_public_key", path = "/api/v1/bundles/public-key", tag = "bundles",
    responses((status = 200, description = "minisign public key file", content_type = "text/plain")),
    security(("bearer" = [])))]
pub async fn public_key(
    services: web::Data<Services>,
    who: Allowed<act::BundleKeyRead>,
) -> Result<HttpResponse> {
    let key = services.bundles.public_key(who).await?;
    Ok(HttpResponse::Ok().content_type("text/plain; charset=utf-8").body(key))
}
