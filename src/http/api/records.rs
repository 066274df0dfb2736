//! Persons, units, places and incidents of a case, and the links between them.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use uuid::Uuid;

use super::{Page, PageQuery};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::cases::incidents::{IncidentView, NewIncident, NewInvolvement};
use crate::cases::persons::{NewPerson, PersonKind, PersonUpdate, PersonView};
use crate::cases::places::{NewPlace, PlaceView};
use crate::cases::units::{NewCommander, NewUnit, UnitRef, UnitView};
use crate::error::Result;
use crate::http::json::JsonObject;
use crate::http::problem::Problem;
use crate::services::Services;

/// Record a victim, witness or perpetrator in a case.
#[utoipa::path(post, operation_id = "create_person", path = "/api/v1/cases/{id}/persons", tag = "records", params(("id" = Uuid, Path)), request_body = NewPerson,
    responses((status = 201, body = PersonView), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_person(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    id: web::Path<Uuid>,
    body: JsonObject<NewPerson>,
) -> Result<HttpResponse> {
    let person = services.records.create_person(who, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(person))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PersonQuery {
    pub kind: Option<PersonKind>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Persons of a case (identity withheld where the reader may not see it).
#[utoipa::path(get, operation_id = "list_persons", path = "/api/v1/cases/{id}/persons", tag = "records", params(("id" = Uuid, Path), PersonQuery),
    responses((status = 200, body = Page<PersonView>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn list_persons(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    id: web::Path<Uuid>,
    q: web::Query<PersonQuery>,
) -> Result<web::Json<Page<PersonView>>> {
    let q = q.into_inner();
    let (limit, offset) = PageQuery { limit: q.limit, offset: q.offset }.resolve()?;
    let (items, total) = services.records.list_persons(who, id.into_inner(), q.kind, (limit, offset)).await?;
    Ok(web::Json(Page { items, total, limit, offset }))
}

/// One person; for a perpetrator, every incident and supporting testimony.
#[utoipa::path(get, operation_id = "get_person", path = "/api/v1/persons/{id}", tag = "records", params(("id" = Uuid, Path)),
    responses((status = 200, body = PersonView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn read_person(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    id: web::Path<Uuid>,
) -> Result<web::Json<PersonView>> {
    Ok(web::Json(services.records.person(who, id.into_inner()).await?))
}

/// Edit a person (identity and contact of a victim or witness: the case lead and the
/// recorder only).
#[utoipa::path(patch, operation_id = "update_person", path = "/api/v1/persons/{id}", tag = "records", params(("id" = Uuid, Path)), request_body = PersonUpdate,
    responses((status = 200, body = PersonView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_person(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    id: web::Path<Uuid>,
    body: JsonObject<PersonUpdate>,
) -> Result<web::Json<PersonView>> {
    Ok(web::Json(services.records.update_person(who, id.into_inner(), body.into_inner()).await?))
}

/// Record a unit or organisation.
#[utoipa::path(post, operation_id = "create_unit", path = "/api/v1/cases/{id}/units", tag = "records", params(("id" = Uuid, Path)), request_body = NewUnit,
    responses((status = 201, body = UnitView), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_unit(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    id: web::Path<Uuid>,
    body: JsonObject<NewUnit>,
) -> Result<HttpResponse> {
    let unit = services.records.create_unit(who, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(unit))
}

/// Units of a case.
#[utoipa::path(get, operation_id = "list_units", path = "/api/v1/cases/{id}/units", tag = "records", params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, body = Page<UnitRef>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn list_units(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    id: web::Path<Uuid>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<UnitRef>>> {
    let (limit, offset) = page.resolve()?;
    let (items, total) = services.records.list_units(who, id.into_inner(), (limit, offset)).await?;
    Ok(web::Json(Page { items, total, limit, offset }))
}

/// A unit with its chain of command, sub-units, commanders and the incidents of its
/// members.
#[utoipa::path(get, operation_id = "get_unit", path = "/api/v1/units/{id}", tag = "records", params(("id" = Uuid, Path)),
    responses((status = 200, body = UnitView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn read_unit(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    id: web::Path<Uuid>,
) -> Result<web::Json<UnitView>> {
    Ok(web::Json(services.records.unit(who, id.into_inner()).await?))
}

/// Rename a unit or move it in the chain of command (never under itself).
#[utoipa::path(put, operation_id = "replace_unit", path = "/api/v1/units/{id}", tag = "records", params(("id" = Uuid, Path)), request_body = NewUnit,
    responses((status = 200, body = UnitView), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_unit(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    id: web::Path<Uuid>,
    body: JsonObject<NewUnit>,
) -> Result<web::Json<UnitView>> {
    Ok(web::Json(services.records.update_unit(who, id.into_inner(), body.into_inner()).await?))
}

/// Record a commander of a unit over a period.
#[utoipa::path(post, operation_id = "add_unit_commander", path = "/api/v1/units/{id}/commanders", tag = "records", params(("id" = Uuid, Path)),
    request_body = NewCommander,
    responses((status = 200, body = UnitView), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn add_commander(
    services: web::Data<Services>,
    who: Allowed<act::CaseLink>,
    id: web::Path<Uuid>,
    body: JsonObject<NewCommander>,
) -> Result<web::Json<UnitView>> {
    Ok(web::Json(services.records.add_commander(who, id.into_inner(), body.into_inner()).await?))
}

/// Record a place (a detention facility, a police station, …).
#[utoipa::path(post, operation_id = "create_place", path = "/api/v1/cases/{id}/places", tag = "records", params(("id" = Uuid, Path)), request_body = NewPlace,
    responses((status = 201, body = PlaceView), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_place(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    id: web::Path<Uuid>,
    body: JsonObject<NewPlace>,
) -> Result<HttpResponse> {
    let place = services.records.create_place(who, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(place))
}

/// Places of a case.
#[utoipa::path(get, operation_id = "list_places", path = "/api/v1/cases/{id}/places", tag = "records", params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, body = Page<PlaceView>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn list_places(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    id: web::Path<Uuid>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<PlaceView>>> {
    let (limit, offset) = page.resolve()?;
    let (items, total) = services.records.list_places(who, id.into_inner(), (limit, offset)).await?;
    Ok(web::Json(Page { items, total, limit, offset }))
}

/// One place.
#[utoipa::path(get, operation_id = "get_place", path = "/api/v1/places/{id}", tag = "records", params(("id" = Uuid, Path)),
    responses((status = 200, body = PlaceView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn read_place(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    id: web::Path<Uuid>,
) -> Result<web::Json<PlaceView>> {
    Ok(web::Json(services.records.place(who, id.into_inner()).await?))
}

/// Replace a place's type and details.
#[utoipa::path(put, operation_id = "replace_place", path = "/api/v1/places/{id}", tag = "records", params(("id" = Uuid, Path)), request_body = NewPlace,
    responses((status = 200, body = PlaceView), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_place(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    id: web::Path<Uuid>,
    body: JsonObject<NewPlace>,
) -> Result<web::Json<PlaceView>> {
    Ok(web::Json(services.records.update_place(who, id.into_inner(), body.into_inner()).await?))
}

/// Record an incident: what was done, when, where and to whom.
#[utoipa::path(post, operation_id = "create_incident", path = "/api/v1/cases/{id}/incidents", tag = "records", params(("id" = Uuid, Path)),
    request_body = NewIncident,
    responses((status = 201, body = IncidentView), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_incident(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    id: web::Path<Uuid>,
    body: JsonObject<NewIncident>,
) -> Result<HttpResponse> {
    let incident = services.records.create_incident(who, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(incident))
}

/// Incidents of a case.
#[utoipa::path(get, operation_id = "list_incidents", path = "/api/v1/cases/{id}/incidents", tag = "records", params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, body = Page<IncidentView>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn list_incidents(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    id: web::Path<Uuid>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<IncidentView>>> {
    let (limit, offset) = page.resolve()?;
    let (items, total) = services.records.list_incidents(who, id.into_inner(), (limit, offset)).await?;
    Ok(web::Json(Page { items, total, limit, offset }))
}

/// One incident with its victims, involvements and testimonies.
#[utoipa::path(get, operation_id = "get_incident", path = "/api/v1/incidents/{id}", tag = "records", params(("id" = Uuid, Path)),
    responses((status = 200, body = IncidentView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn read_incident(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    id: web::Path<Uuid>,
) -> Result<web::Json<IncidentView>> {
    Ok(web::Json(services.records.incident(who, id.into_inner()).await?))
}

/// Replace an incident's facts: act, methods, dates, place, description, victims
/// (involvements and links stay).
#[utoipa::path(put, operation_id = "replace_incident", path = "/api/v1/incidents/{id}", tag = "records", params(("id" = Uuid, Path)), request_body = NewIncident,
    responses((status = 200, body = IncidentView), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_incident(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    id: web::Path<Uuid>,
    body: JsonObject<NewIncident>,
) -> Result<web::Json<IncidentView>> {
    Ok(web::Json(services.records.update_incident(who, id.into_inner(), body.into_inner()).await?))
}

/// Record a person's or unit's involvement in an incident, with the testimonies that
/// support it.
#[utoipa::path(post, operation_id = "add_involvement", path = "/api/v1/incidents/{id}/involvements", tag = "records", params(("id" = Uuid, Path)),
    request_body = NewInvolvement,
    responses((status = 200, body = IncidentView), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn add_involvement(
    services: web::Data<Services>,
    who: Allowed<act::CaseLink>,
    id: web::Path<Uuid>,
    body: JsonObject<NewInvolvement>,
) -> Result<web::Json<IncidentView>> {
    Ok(web::Json(services.records.add_involvement(who, id.into_inner(), body.into_inner()).await?))
}
