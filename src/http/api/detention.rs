//! Detention histories: a person's episodes of deprivation of liberty, each with custody
//! periods, charges, hearings and linked incidents, durations computed from partial
//! dates; and who was held where on a day. Writes answer the episode as changed.

use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use super::as_query_error;
use crate::access::{Allowed, act};
use crate::detention::inputs::parse_day;
use crate::detention::{
    DetainedOn, DetentionHistory, EpisodeView, NewCharge, NewCustodyPeriod, NewEpisode, NewHearing, Scope,
};
use crate::error::{Error, Result};
use crate::http::json::JsonObject;
use crate::http::problem::Problem;
use crate::services::Services;

/// A person's detention history: every episode (oldest arrest first) with its custody
/// periods, transfers, charges, hearings and incidents, and the time in detention per
/// period, per episode and in all — a least and a most number of days where dates are
/// partial. Audited as `detention.list`.
#[utoipa::path(get, operation_id = "person_detentions", path = "/api/v1/persons/{id}/detentions", tag = "detention",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = DetentionHistory), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn history(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    id: web::Path<Uuid>,
) -> Result<web::Json<DetentionHistory>> {
    Ok(web::Json(services.detention.history(who, id.into_inner()).await?))
}

/// Record an episode of deprivation of liberty of a person: arrest (date, place, unit),
/// status, release, sentence, sealed details. 422 naming the field when a release
/// certainly precedes the arrest, a person in custody has a release date, a code is no
/// term of its vocabulary, or a place or unit is not of the person's case. Audited as
/// `detention.create`.
#[utoipa::path(post, operation_id = "create_detention", path = "/api/v1/persons/{id}/detentions", tag = "detention",
    params(("id" = Uuid, Path)), request_body = NewEpisode,
    responses((status = 201, body = EpisodeView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    id: web::Path<Uuid>,
    body: JsonObject<NewEpisode>,
) -> Result<HttpResponse> {
    let view = services.detention.create(who, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(view))
}

/// One episode with everything recorded of it and its durations. Audited as
/// `detention.read`.
#[utoipa::path(get, operation_id = "get_detention", path = "/api/v1/detentions/{id}", tag = "detention",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = EpisodeView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn read(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    id: web::Path<Uuid>,
) -> Result<web::Json<EpisodeView>> {
    Ok(web::Json(services.detention.episode(who, id.into_inner()).await?))
}

/// Replace an episode's own fields (its parts stay). Also 422 when the new arrest or
/// release would leave one of its custody periods outside it. Audited as
/// `detention.update`.
#[utoipa::path(put, operation_id = "replace_detention", path = "/api/v1/detentions/{id}", tag = "detention",
    params(("id" = Uuid, Path)), request_body = NewEpisode,
    responses((status = 200, body = EpisodeView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    id: web::Path<Uuid>,
    body: JsonObject<NewEpisode>,
) -> Result<web::Json<EpisodeView>> {
    Ok(web::Json(services.detention.update(who, id.into_inner(), body.into_inner()).await?))
}

/// Delete an episode with its custody periods, charges, hearings and incident links; their
/// keys are shredded. Audited as `detention.delete`.
#[utoipa::path(delete, operation_id = "delete_detention", path = "/api/v1/detentions/{id}", tag = "detention",
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn delete(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    services.detention.delete(who, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Add a custody period at a facility (a place of the case). 422 naming the field when
/// it certainly ends before it starts, lies outside its episode, or overlaps another
/// period of the same person; dates to the month or year are refused only when certainly
/// wrong. Audited as `detention.custody_add`.
#[utoipa::path(post, operation_id = "add_custody_period", path = "/api/v1/detentions/{id}/custody-periods", tag = "detention",
    params(("id" = Uuid, Path)), request_body = NewCustodyPeriod,
    responses((status = 201, body = EpisodeView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn add_period(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    id: web::Path<Uuid>,
    body: JsonObject<NewCustodyPeriod>,
) -> Result<HttpResponse> {
    let view = services.detention.add_period(who, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Replace a custody period. Audited as `detention.custody_update`.
#[utoipa::path(put, operation_id = "replace_custody_period", path = "/api/v1/detentions/{id}/custody-periods/{period_id}", tag = "detention",
    params(("id" = Uuid, Path), ("period_id" = Uuid, Path)), request_body = NewCustodyPeriod,
    responses((status = 200, body = EpisodeView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_period(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    ids: web::Path<(Uuid, Uuid)>,
    body: JsonObject<NewCustodyPeriod>,
) -> Result<web::Json<EpisodeView>> {
    Ok(web::Json(services.detention.update_period(who, ids.into_inner(), body.into_inner()).await?))
}

/// Remove a custody period (its key shredded). Audited as `detention.custody_remove`.
#[utoipa::path(delete, operation_id = "remove_custody_period", path = "/api/v1/detentions/{id}/custody-periods/{period_id}", tag = "detention",
    params(("id" = Uuid, Path), ("period_id" = Uuid, Path)),
    responses((status = 200, body = EpisodeView), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn remove_period(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    ids: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<EpisodeView>> {
    Ok(web::Json(services.detention.remove_period(who, ids.into_inner()).await?))
}

/// Add a charge: a `law_code` and the article (sealed, written as the code numbers it).
/// Audited as `detention.charge_add`.
#[utoipa::path(post, operation_id = "add_charge", path = "/api/v1/detentions/{id}/charges", tag = "detention",
    params(("id" = Uuid, Path)), request_body = NewCharge,
    responses((status = 201, body = EpisodeView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn add_charge(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    id: web::Path<Uuid>,
    body: JsonObject<NewCharge>,
) -> Result<HttpResponse> {
    let view = services.detention.add_charge(who, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Replace a charge. Audited as `detention.charge_update`.
#[utoipa::path(put, operation_id = "replace_charge", path = "/api/v1/detentions/{id}/charges/{charge_id}", tag = "detention",
    params(("id" = Uuid, Path), ("charge_id" = Uuid, Path)), request_body = NewCharge,
    responses((status = 200, body = EpisodeView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_charge(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    ids: web::Path<(Uuid, Uuid)>,
    body: JsonObject<NewCharge>,
) -> Result<web::Json<EpisodeView>> {
    Ok(web::Json(services.detention.update_charge(who, ids.into_inner(), body.into_inner()).await?))
}

/// Remove a charge. Audited as `detention.charge_remove`.
#[utoipa::path(delete, operation_id = "remove_charge", path = "/api/v1/detentions/{id}/charges/{charge_id}", tag = "detention",
    params(("id" = Uuid, Path), ("charge_id" = Uuid, Path)),
    responses((status = 200, body = EpisodeView), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn remove_charge(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    ids: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<EpisodeView>> {
    Ok(web::Json(services.detention.remove_charge(who, ids.into_inner()).await?))
}

/// Add a hearing: the court (a place of the case), the judge (a person record of the
/// case), the date and the outcome. Audited as `detention.hearing_add`.
#[utoipa::path(post, operation_id = "add_hearing", path = "/api/v1/detentions/{id}/hearings", tag = "detention",
    params(("id" = Uuid, Path)), request_body = NewHearing,
    responses((status = 201, body = EpisodeView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn add_hearing(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    id: web::Path<Uuid>,
    body: JsonObject<NewHearing>,
) -> Result<HttpResponse> {
    let view = services.detention.add_hearing(who, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Replace a hearing. Audited as `detention.hearing_update`.
#[utoipa::path(put, operation_id = "replace_hearing", path = "/api/v1/detentions/{id}/hearings/{hearing_id}", tag = "detention",
    params(("id" = Uuid, Path), ("hearing_id" = Uuid, Path)), request_body = NewHearing,
    responses((status = 200, body = EpisodeView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_hearing(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    ids: web::Path<(Uuid, Uuid)>,
    body: JsonObject<NewHearing>,
) -> Result<web::Json<EpisodeView>> {
    Ok(web::Json(services.detention.update_hearing(who, ids.into_inner(), body.into_inner()).await?))
}

/// Remove a hearing. Audited as `detention.hearing_remove`.
#[utoipa::path(delete, operation_id = "remove_hearing", path = "/api/v1/detentions/{id}/hearings/{hearing_id}", tag = "detention",
    params(("id" = Uuid, Path), ("hearing_id" = Uuid, Path)),
    responses((status = 200, body = EpisodeView), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn remove_hearing(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    ids: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<EpisodeView>> {
    Ok(web::Json(services.detention.remove_hearing(who, ids.into_inner()).await?))
}

/// Link an incident of the case that happened during the episode (422 when its dates
/// put it certainly outside). Linking twice is no error. Audited as
/// `detention.incident_link`.
#[utoipa::path(put, operation_id = "link_detention_incident", path = "/api/v1/detentions/{id}/incidents/{incident_id}", tag = "detention",
    params(("id" = Uuid, Path), ("incident_id" = Uuid, Path)),
    responses((status = 200, body = EpisodeView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn link_incident(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    ids: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<EpisodeView>> {
    Ok(web::Json(services.detention.link_incident(who, ids.into_inner()).await?))
}

/// Unlink an incident. Audited as `detention.incident_unlink`.
#[utoipa::path(delete, operation_id = "unlink_detention_incident", path = "/api/v1/detentions/{id}/incidents/{incident_id}", tag = "detention",
    params(("id" = Uuid, Path), ("incident_id" = Uuid, Path)),
    responses((status = 200, body = EpisodeView), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn unlink_incident(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    ids: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<EpisodeView>> {
    Ok(web::Json(services.detention.unlink_incident(who, ids.into_inner()).await?))
}

/// `?on=YYYY-MM-DD` (today when absent).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OnQuery {
    /// The day asked about, `YYYY-MM-DD`; today when absent.
    #[param(format = Date)]
    pub on: Option<String>,
}

impl OnQuery {
    fn day(&self) -> Result<Option<NaiveDate>> {
        self.on
            .as_deref()
            .map(|s| parse_day("on", s).map_err(|e| as_query_error(Error::Validation(vec![e]))))
            .transpose()
    }
}

/// Who was held at each facility of the case on a day, by pseudonym: `certainly` when
/// every date that bounds the stay puts the day inside it, `possibly` when a partial
/// date only may (an open period closes at the next transfer, the release, or today
/// while held). Nobody is listed after their release. Audited as
/// `detention.detained_read`.
#[utoipa::path(get, operation_id = "case_detained", path = "/api/v1/cases/{id}/detained", tag = "detention",
    params(("id" = Uuid, Path), OnQuery),
    responses((status = 200, body = DetainedOn), (status = 400, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn case_detained(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    id: web::Path<Uuid>,
    q: web::Query<OnQuery>,
) -> Result<web::Json<DetainedOn>> {
    let on = q.day()?;
    Ok(web::Json(services.detention.detained(who, Scope::Case(id.into_inner()), on).await?))
}

/// Who was held at one facility (a place) on a day, as for the case. Audited as
/// `detention.detained_read`.
#[utoipa::path(get, operation_id = "place_detained", path = "/api/v1/places/{id}/detained", tag = "detention",
    params(("id" = Uuid, Path), OnQuery),
    responses((status = 200, body = DetainedOn), (status = 400, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn place_detained(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    id: web::Path<Uuid>,
    q: web::Query<OnQuery>,
) -> Result<web::Json<DetainedOn>> {
    let on = q.day()?;
    Ok(web::Json(services.detention.detained(who, Scope::Place(id.into_inner()), on).await?))
}
