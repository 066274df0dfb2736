//! The forms of a detention history: each posts one part to the same service call as the
//! API, then goes back to the history; a refusal shows the history again with the
//! errors beside the form that caused them.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use uuid::Uuid;

use super::history::{self, Which};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::detention::durations::Status;
use crate::detention::model::{ChargeDetails, CustodyDetails, EpisodeDetails, HearingDetails};
use crate::detention::{EpisodeView, NewCharge, NewCustodyPeriod, NewEpisode, NewHearing};
use crate::error::{Error, FieldError, Result};
use crate::services::Services;
use crate::web::pages::auth::see_other;
use crate::web::pages::records::{opt, opt_id, partial_date};
use crate::web::{Ctx, Form};

fn to_history(person: Uuid, episode: Option<Uuid>) -> HttpResponse {
    match episode {
        Some(e) => see_other(&format!("/persons/{person}/detentions#episode-{e}")),
        None => see_other(&format!("/persons/{person}/detentions")),
    }
}

/// What a write answered: to the history when done; the history again with the errors
/// when refused (the person found from the episode when the form named none).
async fn answer(
    services: &Services,
    ctx: &Ctx,
    who: &Allowed<act::RecordWrite>,
    person: Option<Uuid>,
    which: Which,
    done: Result<EpisodeView>,
) -> Result<HttpResponse> {
    match done {
        Ok(e) => Ok(to_history(e.person_id, Some(e.id))),
        Err(Error::Validation(errors)) => {
            let read = Allowed::<act::CaseRead>::check(who.principal.clone())?;
            let person = match (person, which) {
                (Some(p), _) => p,
                (
                    None,
                    Which::EpisodeEdit(e)
                    | Which::Period(e)
                    | Which::Charge(e)
                    | Which::Hearing(e)
                    | Which::Incident(e),
                ) => services.detention.episode(read.clone(), e).await?.person_id,
                (None, Which::Episode) => return Err(Error::NotFound),
            };
            let screen = history::load(services, read, person).await?;
            Ok(history::render(ctx, &screen, Some((which, &errors))))
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct EpisodeForm {
    arrest_date: String,
    arrest_place_id: String,
    arrest_unit_id: String,
    status: String,
    release_date: String,
    sentence_kind: String,
    #[serde(rename = "details.sentence_days")]
    sentence_days: String,
    #[serde(rename = "details.grounds_given")]
    grounds_given: String,
    #[serde(rename = "details.sentence")]
    sentence: String,
    #[serde(rename = "details.release_circumstances")]
    release_circumstances: String,
    #[serde(rename = "details.notes")]
    notes: String,
}

/// The episode a form describes, or the field it got wrong before any service saw it.
fn episode_input(f: EpisodeForm) -> std::result::Result<NewEpisode, FieldError> {
    let (arrest_date, arrest_precision) = partial_date(&f.arrest_date);
    let (release_date, release_precision) = partial_date(&f.release_date);
    let sentence_days =
        match f.sentence_days.trim() {
            "" => None,
            typed => Some(typed.parse::<u32>().map_err(|_| {
                FieldError::new("details.sentence_days", "invalid", "a whole number of days")
            })?),
        };
    let status = match f.status.as_str() {
        "in_custody" => Status::InCustody,
        "released" => Status::Released,
        _ => Status::Unknown,
    };
    Ok(NewEpisode {
        arrest_date,
        arrest_precision,
        arrest_place_id: opt_id(&f.arrest_place_id),
        arrest_unit_id: opt_id(&f.arrest_unit_id),
        status,
        release_date,
        release_precision,
        sentence_kind: opt(&f.sentence_kind),
        details: EpisodeDetails {
            grounds_given: f.grounds_given,
            release_circumstances: f.release_circumstances,
            sentence: f.sentence,
            sentence_days,
            notes: f.notes,
        },
    })
}

pub(super) async fn create_episode(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<EpisodeForm>,
) -> Result<HttpResponse> {
    let person = id.into_inner();
    let done = match episode_input(form.0) {
        Ok(input) => services.detention.create(who.clone(), person, input).await,
        Err(e) => Err(Error::Validation(vec![e])),
    };
    answer(&services, &ctx, &who, Some(person), Which::Episode, done).await
}

/// Changes an episode's own fields: a person released since, a sentence pronounced.
pub(super) async fn update_episode(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<EpisodeForm>,
) -> Result<HttpResponse> {
    let episode = id.into_inner();
    let done = match episode_input(form.0) {
        Ok(input) => services.detention.update(who.clone(), episode, input).await,
        Err(e) => Err(Error::Validation(vec![e])),
    };
    answer(&services, &ctx, &who, None, Which::EpisodeEdit(episode), done).await
}

pub(super) async fn delete_episode(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    id: web::Path<Uuid>,
    _form: Form<Empty>,
) -> Result<HttpResponse> {
    let person = services.detention.delete(who, id.into_inner()).await?;
    Ok(to_history(person, None))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Empty {}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct PeriodForm {
    place_id: String,
    facility_type: String,
    from_date: String,
    to_date: String,
    #[serde(rename = "details.conditions")]
    conditions: String,
    #[serde(rename = "details.transfer_reason")]
    transfer_reason: String,
    #[serde(rename = "details.notes")]
    notes: String,
}

pub(super) async fn add_period(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<PeriodForm>,
) -> Result<HttpResponse> {
    let (episode, f) = (id.into_inner(), form.0);
    let (from_date, from_precision) = partial_date(&f.from_date);
    let (to_date, to_precision) = partial_date(&f.to_date);
    let input = NewCustodyPeriod {
        // A place the form did not offer is refused as not of the case.
        place_id: opt_id(&f.place_id).unwrap_or_else(Uuid::nil),
        facility_type: f.facility_type,
        from_date,
        from_precision,
        to_date,
        to_precision,
        details: CustodyDetails {
            conditions: f.conditions,
            transfer_reason: f.transfer_reason,
            notes: f.notes,
        },
    };
    let done = services.detention.add_period(who.clone(), episode, input).await;
    answer(&services, &ctx, &who, None, Which::Period(episode), done).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ChargeForm {
    law_code: String,
    filed_on: String,
    #[serde(rename = "details.article")]
    article: String,
    #[serde(rename = "details.description")]
    description: String,
}

pub(super) async fn add_charge(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<ChargeForm>,
) -> Result<HttpResponse> {
    let (episode, f) = (id.into_inner(), form.0);
    let input = NewCharge {
        law_code: f.law_code,
        filed_on: opt(&f.filed_on),
        details: ChargeDetails { article: f.article.trim().to_owned(), description: f.description },
    };
    let done = services.detention.add_charge(who.clone(), episode, input).await;
    answer(&services, &ctx, &who, None, Which::Charge(episode), done).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct HearingForm {
    court_place_id: String,
    judge_person_id: String,
    held_on: String,
    outcome: String,
    #[serde(rename = "details.notes")]
    notes: String,
}

pub(super) async fn add_hearing(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<HearingForm>,
) -> Result<HttpResponse> {
    let (episode, f) = (id.into_inner(), form.0);
    let (held_on, held_precision) = partial_date(&f.held_on);
    let input = NewHearing {
        court_place_id: opt_id(&f.court_place_id),
        judge_person_id: opt_id(&f.judge_person_id),
        held_on,
        held_precision,
        outcome: f.outcome,
        details: HearingDetails { notes: f.notes },
    };
    let done = services.detention.add_hearing(who.clone(), episode, input).await;
    answer(&services, &ctx, &who, None, Which::Hearing(episode), done).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct PartForm {
    period_id: String,
    charge_id: String,
    hearing_id: String,
    incident_id: String,
}

fn part(id: &str) -> Result<Uuid> {
    opt_id(id).ok_or(Error::NotFound)
}

pub(super) async fn link_incident(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<PartForm>,
) -> Result<HttpResponse> {
    let episode = id.into_inner();
    let incident = opt_id(&form.0.incident_id).unwrap_or_else(Uuid::nil);
    let done = services.detention.link_incident(who.clone(), (episode, incident)).await;
    answer(&services, &ctx, &who, None, Which::Incident(episode), done).await
}

pub(super) async fn unlink_incident(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    id: web::Path<Uuid>,
    form: Form<PartForm>,
) -> Result<HttpResponse> {
    let e = services.detention.unlink_incident(who, (id.into_inner(), part(&form.0.incident_id)?)).await?;
    Ok(to_history(e.person_id, Some(e.id)))
}

pub(super) async fn remove_period(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    id: web::Path<Uuid>,
    form: Form<PartForm>,
) -> Result<HttpResponse> {
    let e = services.detention.remove_period(who, (id.into_inner(), part(&form.0.period_id)?)).await?;
    Ok(to_history(e.person_id, Some(e.id)))
}

pub(super) async fn remove_charge(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    id: web::Path<Uuid>,
    form: Form<PartForm>,
) -> Result<HttpResponse> {
    let e = services.detention.remove_charge(who, (id.into_inner(), part(&form.0.charge_id)?)).await?;
    Ok(to_history(e.person_id, Some(e.id)))
}

pub(super) async fn remove_hearing(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    id: web::Path<Uuid>,
    form: Form<PartForm>,
) -> Result<HttpResponse> {
    let e = services.detention.remove_hearing(who, (id.into_inner(), part(&form.0.hearing_id)?)).await?;
    Ok(to_history(e.person_id, Some(e.id)))
}
