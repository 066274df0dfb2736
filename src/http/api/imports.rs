//! Imports: upload a file with its mapping to plan, read the plan, apply it by its
//! digest. The file streams from the multipart form into the service (encrypted as it
//! arrives); only the case lead imports.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use futures_util::StreamExt;
use serde::Deserialize;
use uuid::Uuid;

use super::{Page, PageQuery};
use crate::access::{Allowed, act};
use crate::attachments::clean_filename;
use crate::error::{Error, Result};
use crate::http::json::JsonObject;
use crate::http::problem::Problem;
use crate::http::stream_reader;
use crate::import::{ImportView, Upload};
use crate::services::Services;

/// The longest mapping file accepted.
pub(crate) const MAX_MAPPING_BYTES: usize = 256 * 1024;

/// The form: the mapping (TOML, see docs/import.md; may be left out for a file exported
/// by Custodia, which carries its own) first, then the file (CSV, XLSX,
/// ODS, or a ZIP of CSV files and the attachments they name).
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ImportForm {
    /// The mapping file's text.
    mapping: Option<String>,
    #[schema(format = Binary, content_media_type = "application/octet-stream")]
    file: String,
}

/// Which plan to apply.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyInput {
    /// The plan's digest, as planning returned it.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub digest: String,
}

/// Plan an import: the file is stored encrypted with the import, every row is read and
/// checked, and the plan says what would be created, updated, corrected or left alone,
/// with every problem found and where (sheet, row, column). Writes no record of the
/// case; audited with the file's SHA-256. `status` is `planned` (apply it) or `refused`.
#[utoipa::path(post, operation_id = "plan_import", path = "/api/v1/cases/{id}/imports", tag = "imports", params(("id" = Uuid, Path)),
    request_body(content = ImportForm, content_type = "multipart/form-data"),
    responses((status = 201, body = ImportView), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 413, body = Problem)),
    security(("bearer" = [])))]
pub async fn plan(
    services: web::Data<Services>,
    who: Allowed<act::CaseImport>,
    id: web::Path<Uuid>,
    mut parts: Multipart,
) -> Result<HttpResponse> {
    let case_id = id.into_inner();
    // Authorised before a byte of the form is read.
    services.imports.may_import(&who, case_id).await?;
    let bad = |what: &str| Error::BadRequest(format!("the import form is not as expected: {what}"));
    let mut mapping = None;
    while let Some(part) = parts.next().await {
        let mut part = part.map_err(|_| bad("unreadable"))?;
        let name = part.content_disposition().and_then(|d| d.get_name()).unwrap_or_default().to_owned();
        match (name.as_str(), mapping.is_some()) {
            ("mapping", false) => {
                let mut text = Vec::new();
                while let Some(chunk) = part.next().await {
                    let chunk = chunk.map_err(|_| bad("unreadable"))?;
                    if text.len() + chunk.len() > MAX_MAPPING_BYTES {
                        return Err(Error::TooLarge { limit: MAX_MAPPING_BYTES as u64 });
                    }
                    text.extend_from_slice(&chunk);
                }
                mapping = Some(String::from_utf8(text).map_err(|_| bad("the mapping is not UTF-8 text"))?);
            }
            // Without a mapping, the file must carry its own (a Custodia export).
            ("file", _) => {
                let mapping = mapping.take().unwrap_or_default();
                let filename =
                    clean_filename(part.content_disposition().and_then(|d| d.get_filename()).unwrap_or(""));
                let (body, pumping) = stream_reader::pipe(part, services.attachments.limits().idle_timeout);
                let upload = Upload { filename, body: Box::new(body), files: None };
                let planning = services.imports.plan(who, case_id, mapping, upload);
                let (view, ()) = futures_util::future::join(planning, pumping).await;
                let view = view?;
                return Ok(HttpResponse::Created()
                    .insert_header((header::LOCATION, format!("/api/v1/imports/{}", view.id)))
                    .json(view));
            }
            _ => return Err(bad("expected the fields mapping and file")),
        }
    }
    Err(bad("no file"))
}

/// A case's imports, newest first (their plans' counts, not their steps).
#[utoipa::path(get, operation_id = "list_imports", path = "/api/v1/cases/{id}/imports", tag = "imports", params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, body = Page<ImportView>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn list(
    services: web::Data<Services>,
    who: Allowed<act::CaseImport>,
    id: web::Path<Uuid>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<ImportView>>> {
    let page = page.resolve()?;
    Ok(web::Json(Page::slice(services.imports.list(who, id.into_inner()).await?, page)))
}

/// An import and its plan (the first ten thousand steps, every count, every problem up to
/// a thousand). Audited.
#[utoipa::path(get, operation_id = "get_import", path = "/api/v1/imports/{id}", tag = "imports", params(("id" = Uuid, Path)),
    responses((status = 200, body = ImportView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn read(
    services: web::Data<Services>,
    who: Allowed<act::CaseImport>,
    id: web::Path<Uuid>,
) -> Result<web::Json<ImportView>> {
    Ok(web::Json(services.imports.get(who, id.into_inner()).await?))
}

/// Apply exactly the plan named by its digest: 409 `case_changed_since_planning` when the
/// case changed since (plan again), `import_plan_has_issues` for a refused plan,
/// `import_already_applied`. Batches commit whole; an apply cut short (a crash, a lost
/// connection) resumes when applied again, duplicating nothing. Answers once done.
#[utoipa::path(post, operation_id = "apply_import", path = "/api/v1/imports/{id}/apply", tag = "imports", params(("id" = Uuid, Path)),
    request_body = ApplyInput,
    responses((status = 200, body = ImportView), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn apply(
    services: web::Data<Services>,
    who: Allowed<act::CaseImport>,
    id: web::Path<Uuid>,
    body: JsonObject<ApplyInput>,
) -> Result<web::Json<ImportView>> {
    let digest = body.into_inner().digest;
    let done =
        services.imports.apply(who, id.into_inner(), digest, None, std::sync::Arc::new(|_| {})).await?;
    Ok(web::Json(done))
}
