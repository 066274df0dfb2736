//! The care of witnesses: a person's consent ledger (kept by documenters and case
//! leads, read by every member who reads the case), contact and feedback preferences,
//! feedback given and referrals (for those who keep consent only), a case's reminders,
//! and the prior-interview check (the name in the body, never in a URL).

use actix_web::{HttpResponse, web};
use uuid::Uuid;

use super::{Page, PageQuery};
use crate::access::{Allowed, act};
use crate::care::model::{
    CarePreferences, CareRecord, ConsentEntry, ConsentLedger, FeedbackGiven, NewConsentEntry, NewFeedback,
    NewReferral, PriorInterviewQuery, PriorInterviews, Referral, ReferralUpdate, Reminders,
};
use crate::error::Result;
use crate::http::json::JsonObject;
use crate::http::problem::Problem;
use crate::services::Services;

/// A person's consent ledger: the standing decision per purpose × recipient (the latest
/// entry of each) and every entry, newest first, with what was explained and in which
/// language. Audited as `consent.read`.
#[utoipa::path(get, operation_id = "person_consent", path = "/api/v1/persons/{id}/consent", tag = "care",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ConsentLedger), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn ledger(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    id: web::Path<Uuid>,
) -> Result<web::Json<ConsentLedger>> {
    Ok(web::Json(services.care.ledger(who, id.into_inner()).await?))
}

/// Record a consent decision (granted, refused or withdrawn) for one purpose and
/// recipient. Entries are never changed: re-consent and withdrawal are new entries, and
/// the latest stands. 422 names the field: a purpose not in the `consent_purpose`
/// vocabulary (`unknown_code`), a recipient not in the list, a date in the future, a
/// language that is no ISO 639 code. Audited as `consent.record`.
#[utoipa::path(post, operation_id = "record_consent", path = "/api/v1/persons/{id}/consent", tag = "care",
    params(("id" = Uuid, Path)), request_body = NewConsentEntry,
    responses((status = 201, body = ConsentEntry), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn record_consent(
    services: web::Data<Services>,
    who: Allowed<act::ConsentRecord>,
    id: web::Path<Uuid>,
    body: JsonObject<NewConsentEntry>,
) -> Result<HttpResponse> {
    let entry = services.care.record_consent(who, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(entry))
}

/// How and when a person wants to be contacted and kept informed, the feedback given
/// to them and the referrals made for them. Audited as `care.read`.
#[utoipa::path(get, operation_id = "person_care", path = "/api/v1/persons/{id}/care", tag = "care",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = CareRecord), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn care(
    services: web::Data<Services>,
    who: Allowed<act::ConsentRecord>,
    id: web::Path<Uuid>,
) -> Result<web::Json<CareRecord>> {
    Ok(web::Json(services.care.care(who, id.into_inner()).await?))
}

/// Replace a person's contact and feedback preferences, and the day news is next due
/// (none: no reminder). Audited as `care.update`.
#[utoipa::path(put, operation_id = "set_person_care", path = "/api/v1/persons/{id}/care", tag = "care",
    params(("id" = Uuid, Path)), request_body = CarePreferences,
    responses((status = 200, body = CareRecord), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn set_care(
    services: web::Data<Services>,
    who: Allowed<act::ConsentRecord>,
    id: web::Path<Uuid>,
    body: JsonObject<CarePreferences>,
) -> Result<web::Json<CareRecord>> {
    Ok(web::Json(services.care.set_preferences(who, id.into_inner(), body.into_inner()).await?))
}

/// Record feedback given to a person and when news is next due. 422 for a date in the
/// future or a next due date before it. Audited as `care.feedback`.
#[utoipa::path(post, operation_id = "give_feedback", path = "/api/v1/persons/{id}/feedback", tag = "care",
    params(("id" = Uuid, Path)), request_body = NewFeedback,
    responses((status = 201, body = FeedbackGiven), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn give_feedback(
    services: web::Data<Services>,
    who: Allowed<act::ConsentRecord>,
    id: web::Path<Uuid>,
    body: JsonObject<NewFeedback>,
) -> Result<HttpResponse> {
    let given = services.care.give_feedback(who, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(given))
}

/// A person's referrals, newest first. Audited as `referral.list`.
#[utoipa::path(get, operation_id = "list_referrals", path = "/api/v1/persons/{id}/referrals", tag = "care",
    params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, body = Page<Referral>), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn referrals(
    services: web::Data<Services>,
    who: Allowed<act::ConsentRecord>,
    id: web::Path<Uuid>,
    q: web::Query<PageQuery>,
) -> Result<web::Json<Page<Referral>>> {
    let paging = q.resolve()?;
    Ok(web::Json(Page::slice(services.care.referrals(who, id.into_inner()).await?, paging)))
}

/// Record a referral made for a person (kind from the `referral_kind` vocabulary). 422
/// for an unknown kind, a date in the future or a follow-up before the referral.
/// Audited as `referral.create`.
#[utoipa::path(post, operation_id = "create_referral", path = "/api/v1/persons/{id}/referrals", tag = "care",
    params(("id" = Uuid, Path)), request_body = NewReferral,
    responses((status = 201, body = Referral), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn add_referral(
    services: web::Data<Services>,
    who: Allowed<act::ConsentRecord>,
    id: web::Path<Uuid>,
    body: JsonObject<NewReferral>,
) -> Result<HttpResponse> {
    let referral = services.care.add_referral(who, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(referral))
}

/// A referral's status, follow-up date and outcome. Audited as `referral.update`.
#[utoipa::path(put, operation_id = "update_referral", path = "/api/v1/referrals/{id}", tag = "care",
    params(("id" = Uuid, Path)), request_body = ReferralUpdate,
    responses((status = 200, body = Referral), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_referral(
    services: web::Data<Services>,
    who: Allowed<act::ConsentRecord>,
    id: web::Path<Uuid>,
    body: JsonObject<ReferralUpdate>,
) -> Result<web::Json<Referral>> {
    Ok(web::Json(services.care.update_referral(who, id.into_inner(), body.into_inner()).await?))
}

/// What falls due in a case today or earlier: persons owed news (`feedback_due`) and
/// open referrals to follow up, by pseudonym, oldest first.
#[utoipa::path(get, operation_id = "case_reminders", path = "/api/v1/cases/{id}/reminders", tag = "care",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Reminders), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn reminders(
    services: web::Data<Services>,
    who: Allowed<act::ConsentRecord>,
    id: web::Path<Uuid>,
) -> Result<web::Json<Reminders>> {
    Ok(web::Json(services.care.reminders(who, id.into_inner()).await?))
}

/// Before an interview: has a person of this name (any script, any order of its parts)
/// given testimony in a case the caller belongs to? Yes or no, with each case's
/// reference and its leads to contact; never the account or the person's record. The
/// name travels in the body and is never logged; the audit entry
/// (`person.prior_interviews`) holds counts only.
#[utoipa::path(post, operation_id = "prior_interviews", path = "/api/v1/prior-interviews", tag = "care",
    request_body = PriorInterviewQuery,
    responses((status = 200, body = PriorInterviews), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn prior_interviews(
    services: web::Data<Services>,
    who: Allowed<act::PriorInterviews>,
    body: JsonObject<PriorInterviewQuery>,
) -> Result<web::Json<PriorInterviews>> {
    Ok(web::Json(services.care.prior_interviews(who, body.into_inner().name).await?))
}
