//! A case's records as a spreadsheet in the import's own shape, with the mapping that
//! imports them back (the case lead only; audited as `case.records_export`).

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use uuid::Uuid;

use crate::access::{Allowed, act};
use crate::error::Result;
use crate::http::problem::Problem;
use crate::import::sheet_out::ExportFormat;
use crate::services::Services;

/// `?format=xlsx|zip`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `xlsx` (the default: a worksheet per kind of record and one holding the mapping)
    /// or `zip` (a CSV file per kind of record and `mapping.toml`).
    #[param(inline)]
    pub format: Option<ExportFormat>,
}

/// Export every record of a case (units, places, persons with their identities and
/// contacts, incidents, testimonies sealed and draft, involvements, attachments by name)
/// as sheets an import reads back into another case, links by the records' ids; the
/// files' content is not included. 409 `cell_too_long_for_xlsx` when a value is longer
/// than an XLSX cell holds: ask for `zip`. Audited.
#[utoipa::path(get, operation_id = "export_records", path = "/api/v1/cases/{id}/records/export", tag = "imports",
    params(("id" = Uuid, Path), ExportQuery),
    responses(
        (status = 200, description = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet (the workbook) or application/zip (the CSV files)"),
        (status = 400, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn export(
    services: web::Data<Services>,
    who: Allowed<act::CaseImport>,
    id: web::Path<Uuid>,
    q: web::Query<ExportQuery>,
) -> Result<HttpResponse> {
    let case_id = id.into_inner();
    let format = q.into_inner().format.unwrap_or_default();
    let bytes = services.imports.export(who, case_id, format).await?;
    let mut res = HttpResponse::Ok();
    let disposition = format!("attachment; filename=\"case-{case_id}-records.{}\"", format.extension());
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        res.insert_header((header::CONTENT_DISPOSITION, v));
    }
    res.insert_header((header::CACHE_CONTROL, "no-store"));
    Ok(res.content_type(format.media_type()).body(bytes))
}
