//! The analysis views as JSON (and CSV or GeoJSON where a tool reads them): the
//! corroboration of each involvement, a person's linkage, a unit's chain of command, a
//! timeline, pattern counts and the places. Each view is one audited read.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use uuid::Uuid;

use super::as_query_error;
use crate::access::{Allowed, act};
use crate::analysis::corroboration::Order;
use crate::analysis::model::{CommandTree, Corroboration, Patterns, PlaceMap, Stance, Strength, Timeline};
use crate::analysis::{CorroborationQuery, Linkage, TimelineQuery, places, tables};
use crate::error::Result;
use crate::http::json::JsonObject;
use crate::http::problem::Problem;
use crate::services::Services;

/// `?format=json|csv`.
#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TableFormat {
    #[default]
    Json,
    Csv,
}

fn csv(bytes: Vec<u8>, name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.csv\"")))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("text/csv; charset=utf-8")
        .body(bytes)
}

/// The corroboration table's filter and order, and its format.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CorroborationParams {
    /// Only links of this strength.
    #[param(inline)]
    pub strength: Option<Strength>,
    /// `strongest` (the default), `weakest` or `date`.
    #[param(inline)]
    pub order: Option<Order>,
    /// `json` (the default) or `csv`.
    #[param(inline)]
    pub format: Option<TableFormat>,
}

/// Every involvement of a case (a person or unit × an incident × the part played) with
/// its sealed testimonies counted as independent sources, their source connections and
/// reliability, and its strength: `corroborated`, `single_source`, `hearsay_only`,
/// `contradicted` or `unsupported` (docs/analysis.md gives the rule). `?format=csv` for a
/// spreadsheet. Audited as `analysis.corroboration`.
#[utoipa::path(get, operation_id = "case_corroboration", path = "/api/v1/cases/{id}/corroboration", tag = "analysis",
    params(("id" = Uuid, Path), CorroborationParams),
    responses((status = 200, content((Corroboration = "application/json"), (String = "text/csv"))), (status = 400, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn corroboration(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    id: web::Path<Uuid>,
    q: web::Query<CorroborationParams>,
) -> Result<HttpResponse> {
    let CorroborationParams { strength, order, format } = q.into_inner();
    let query = CorroborationQuery { strength, order };
    let case_id = id.into_inner();
    let view = services.analysis.corroboration(who, case_id, query).await?.view;
    Ok(match format.unwrap_or_default() {
        TableFormat::Json => HttpResponse::Ok().json(view),
        TableFormat::Csv => csv(tables::corroboration(&view)?, &format!("case-{case_id}-corroboration")),
    })
}

/// A person's involvements with their corroboration and, for a commander, the incidents
/// of the units they commanded (and the units below) during their command: certain when
/// the incident's dates lie wholly within the period, possible when a partial date only
/// overlaps it. Audited as `analysis.linkage`.
#[utoipa::path(get, operation_id = "person_linkage", path = "/api/v1/persons/{id}/linkage", tag = "analysis",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Linkage), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn linkage(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    id: web::Path<Uuid>,
) -> Result<web::Json<Linkage>> {
    Ok(web::Json(services.analysis.linkage(who, id.into_inner()).await?.view))
}

/// The hierarchy below a unit: each unit's commanders over time with the incidents
/// attributed to each period, its own incidents (the unit's and its members') and the
/// incidents rolled up from below. Audited as `analysis.command`.
#[utoipa::path(get, operation_id = "unit_command", path = "/api/v1/units/{id}/command", tag = "analysis",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = CommandTree), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn command(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    id: web::Path<Uuid>,
) -> Result<web::Json<CommandTree>> {
    Ok(web::Json(services.analysis.command(who, id.into_inner()).await?.view))
}

/// Incidents of a case over time, a lane per place or unit, each drawn over the days its
/// partial dates can mean; testimonies as marks on their interview dates. Narrow it to a
/// place, unit or person of the case and to a period. 400 when the period ends before it
/// starts. Audited as `analysis.timeline`.
#[utoipa::path(get, operation_id = "case_timeline", path = "/api/v1/cases/{id}/timeline", tag = "analysis",
    params(("id" = Uuid, Path), TimelineQuery),
    responses((status = 200, body = Timeline), (status = 400, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn timeline(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    id: web::Path<Uuid>,
    q: web::Query<TimelineQuery>,
) -> Result<web::Json<Timeline>> {
    let view = services
        .analysis
        .timeline(who, id.into_inner(), q.into_inner(), "—".to_owned())
        .await
        .map_err(as_query_error)?;
    Ok(web::Json(view.view))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FormatQuery {
    /// `json` (the default) or `csv`.
    #[param(inline)]
    pub format: Option<TableFormat>,
}

/// Incidents and victims per week (or month), facility, act type, torture method and
/// unit, and methods across facilities. Counts from 1 to `min_count - 1` are withheld
/// (`null`), and one more where a withheld count could be worked out from the others.
/// Audited as `analysis.patterns`.
#[utoipa::path(get, operation_id = "case_patterns", path = "/api/v1/cases/{id}/patterns", tag = "analysis",
    params(("id" = Uuid, Path), FormatQuery),
    responses((status = 200, content((Patterns = "application/json"), (String = "text/csv"))), (status = 400, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn patterns(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    id: web::Path<Uuid>,
    q: web::Query<FormatQuery>,
) -> Result<HttpResponse> {
    let case_id = id.into_inner();
    let view = services.analysis.patterns(who, case_id).await?.view;
    Ok(match q.into_inner().format.unwrap_or_default() {
        TableFormat::Json => HttpResponse::Ok().json(view),
        TableFormat::Csv => csv(tables::patterns(&view)?, &format!("case-{case_id}-patterns")),
    })
}

/// The pattern counts across every case the caller is a member of (and nothing else),
/// small counts withheld as for one case. Audited as `analysis.patterns`.
#[utoipa::path(get, operation_id = "my_patterns", path = "/api/v1/analysis/patterns", tag = "analysis",
    params(FormatQuery),
    responses((status = 200, content((Patterns = "application/json"), (String = "text/csv"))), (status = 400, body = Problem)), security(("bearer" = [])))]
pub async fn my_patterns(
    services: web::Data<Services>,
    who: Allowed<act::Search>,
    q: web::Query<FormatQuery>,
) -> Result<HttpResponse> {
    let view = services.analysis.patterns_of_mine(who).await?;
    Ok(match q.into_inner().format.unwrap_or_default() {
        TableFormat::Json => HttpResponse::Ok().json(view),
        TableFormat::Csv => csv(tables::patterns(&view)?, "patterns"),
    })
}

/// The places of a case that have coordinates, with their incidents. Audited as
/// `analysis.places`.
#[utoipa::path(get, operation_id = "case_map", path = "/api/v1/cases/{id}/map", tag = "analysis",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = PlaceMap), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn map(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    id: web::Path<Uuid>,
) -> Result<web::Json<PlaceMap>> {
    Ok(web::Json(services.analysis.places(who, id.into_inner()).await?.view))
}

/// The same places as a GeoJSON FeatureCollection (RFC 7946, `application/geo+json`):
/// a Point per place with its name, type and incidents, for QGIS or any map tool.
/// Audited as `analysis.places`.
#[utoipa::path(get, operation_id = "case_map_geojson", path = "/api/v1/cases/{id}/map.geojson", tag = "analysis",
    params(("id" = Uuid, Path)),
    responses((status = 200, description = "application/geo+json"), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn geojson(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let case_id = id.into_inner();
    let view = services.analysis.places(who, case_id).await?.view;
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"case-{case_id}-places.geojson\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("application/geo+json")
        .body(places::geojson(&view).to_string()))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StanceInput {
    /// `supports` or `contradicts`.
    pub stance: Stance,
}

/// Mark a testimony of the case as supporting or contradicting an involvement (citing it
/// there if it was not yet). Contradicting accounts are counted apart and never as
/// support. Audited as `involvement.evidence_stance`.
#[utoipa::path(put, operation_id = "set_evidence_stance", path = "/api/v1/involvements/{id}/evidence/{testimony_id}", tag = "analysis",
    params(("id" = Uuid, Path), ("testimony_id" = Uuid, Path)), request_body = StanceInput,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn set_stance(
    services: web::Data<Services>,
    who: Allowed<act::CaseLink>,
    path: web::Path<(Uuid, Uuid)>,
    body: JsonObject<StanceInput>,
) -> Result<HttpResponse> {
    let (involvement, testimony) = path.into_inner();
    services.analysis.set_stance(who, involvement, testimony, body.into_inner().stance).await?;
    Ok(HttpResponse::NoContent().finish())
}
