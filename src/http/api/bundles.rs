//! Evidence bundles: requested with re-authentication, built in the background, then
//! downloaded as a stream (decrypted from the blob store on the way out).

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use uuid::Uuid;

use super::{Page, PageQuery};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::attachments::{Requester, SealedFile, stream_sealed};
use crate::audit::Actor;
use crate::error::Result;
use crate::export::job::{self, ARCHIVE_FIELD, BundleInput, BundleView, TABLE};
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
    state: web::Data<Services>,
    who: Allowed<act::BundleExport>,
    id: web::Path<Uuid>,
    body: JsonObject<BundleInput>,
) -> Result<HttpResponse> {
    let case_id = id.into_inner();
    let view = job::start(&state, who.principal, case_id, body.into_inner()).await?;
    Ok(HttpResponse::Accepted()
        .insert_header((header::LOCATION, format!("/api/v1/cases/{case_id}/bundles/{}", view.id)))
        .json(view))
}

/// The bundles of a case, newest first.
#[utoipa::path(get, operation_id = "list_bundles", path = "/api/v1/cases/{id}/bundles", tag = "bundles", params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, body = Page<BundleView>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn list(
    state: web::Data<Services>,
    who: Allowed<act::BundleExport>,
    id: web::Path<Uuid>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<BundleView>>> {
    let page = page.resolve()?;
    let (p, id) = (who.principal, id.into_inner());
    Ok(web::Json(Page::slice(state.db.run(move |c| job::list(c, &p, id)).await?, page)))
}

/// A bundle's status and progress.
#[utoipa::path(get, operation_id = "get_bundle", path = "/api/v1/cases/{id}/bundles/{bundle_id}", tag = "bundles",
    params(("id" = Uuid, Path), ("bundle_id" = Uuid, Path)),
    responses((status = 200, body = BundleView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn status(
    state: web::Data<Services>,
    who: Allowed<act::BundleExport>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<BundleView>> {
    let (p, (case_id, id)) = (who.principal, path.into_inner());
    Ok(web::Json(state.db.run(move |c| job::status(c, &p, case_id, id)).await?))
}

/// Download a ready bundle: a tar of the BagIt bag, or its age encryption when a recipient
/// key was given. Audited.
#[utoipa::path(get, operation_id = "download_bundle", path = "/api/v1/cases/{id}/bundles/{bundle_id}/download", tag = "bundles",
    params(("id" = Uuid, Path), ("bundle_id" = Uuid, Path)),
    responses((status = 200, description = "application/x-tar or application/age"), (status = 404, body = Problem),
        (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn download(
    state: web::Data<Services>,
    who: Allowed<act::BundleExport>,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse> {
    let (p, (case_id, id)) = (who.principal, path.into_inner());
    let keyring = state.keys.keyring()?;
    let d = {
        let p = p.clone();
        state.db.run(move |c| job::open_download(c, &keyring, &p, case_id, id)).await?
    };
    let file = SealedFile {
        blob_id: d.blob_id,
        dek: d.dek,
        table: TABLE,
        record: id.to_string(),
        field: ARCHIVE_FIELD,
        range: None,
        expected_sha: d.archive_sha256.clone(),
    };
    let requester = Requester { actor: Actor::from(&p), kind: "bundle", id };
    let body = match stream_sealed(state.context(), state.attachments.blobs(), requester, file).await {
        Ok(body) => body,
        Err(e) => {
            // Already audited, naming the bundle.
            crate::http::extract::mark_failure_audited(&req);
            return Err(e);
        }
    };
    state.db.transaction(move |c| job::record_download(c, &p, case_id, id)).await?;
    let mut res = HttpResponse::Ok();
    res.no_chunking(d.size);
    let disposition = format!("attachment; filename=\"{}\"", d.filename);
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        res.insert_header((header::CONTENT_DISPOSITION, v));
    }
    res.content_type(if d.encrypted_to_recipient { "application/age" } else { "application/x-tar" });
    Ok(res.streaming(body))
}

/// Delete a bundle once delivered: the stored archive and its key are destroyed; the record
/// of the export stays. Audited.
#[utoipa::path(delete, operation_id = "delete_bundle", path = "/api/v1/cases/{id}/bundles/{bundle_id}", tag = "bundles",
    params(("id" = Uuid, Path), ("bundle_id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn delete(
    state: web::Data<Services>,
    who: Allowed<act::BundleExport>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse> {
    let (p, (case_id, id)) = (who.principal, path.into_inner());
    if let Some(blob) = state.db.transaction(move |c| job::delete(c, &p, case_id, id)).await? {
        state.blobs.delete(blob)?;
    }
    Ok(HttpResponse::NoContent().finish())
}

/// The organisation's export public key (minisign format) that bundle signatures verify
/// against.
#[utoipa::path(get, operation_id = "get_bundle_public_key", path = "/api/v1/bundles/public-key", tag = "bundles",
    responses((status = 200, description = "minisign public key file", content_type = "text/plain")),
    security(("bearer" = [])))]
pub async fn public_key(
    state: web::Data<Services>,
    _who: Allowed<act::BundleKeyRead>,
) -> Result<HttpResponse> {
    let key = state.tx(job::public_key).await?;
    Ok(HttpResponse::Ok().content_type("text/plain; charset=utf-8").body(key))
}
