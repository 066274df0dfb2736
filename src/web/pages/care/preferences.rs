//! A person's care page: contact and feedback preferences, feedback given (and when
//! news is next due), referrals and their follow-up — each with its form. A form
//! refused for its content shows the page again with the errors.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::html;
use serde::Deserialize;
use uuid::Uuid;

use crate::access::{Allowed, act};
use crate::care::CarePage;
use crate::care::model::{
    CarePreferences, FeedbackWish, NewFeedback, NewReferral, ReferralStatus, ReferralUpdate,
};
use crate::error::{Error, FieldError, Result};
use crate::services::Services;
use crate::web::layout::{self, Nav, csrf_field, field, field_with_id, form_errors, notice};
use crate::web::pages::auth::see_other;
use crate::web::pages::records::Labels;
use crate::web::{Ctx, Form};

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct Shown {
    saved: Option<u8>,
}

pub(super) async fn page(
    services: web::Data<Services>,
    who: Allowed<act::ConsentRecord>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    q: web::Query<Shown>,
) -> Result<HttpResponse> {
    let p = services.care.care_page(who, id.into_inner()).await?;
    Ok(render(&ctx, &p, q.saved.is_some(), &[], StatusCode::OK))
}

/// After a form: back to the page, or the page again with the errors.
async fn answer(
    services: &Services,
    ctx: &Ctx,
    again: Allowed<act::ConsentRecord>,
    person: Uuid,
    outcome: Result<()>,
) -> Result<HttpResponse> {
    match outcome {
        Ok(()) => Ok(see_other(&format!("/persons/{person}/care?saved=1"))),
        Err(Error::Validation(errors)) => {
            let p = services.care.care_page(again, person).await?;
            Ok(render(ctx, &p, false, &errors, StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(e) => Err(e),
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct PreferencesForm {
    channels: String,
    safe_times: String,
    language: String,
    may_contact: Option<String>,
    feedback_what: String,
    feedback_how_often: String,
    notes: String,
    feedback_due: String,
}

pub(super) async fn save(
    services: web::Data<Services>,
    who: Allowed<act::ConsentRecord>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<PreferencesForm>,
) -> Result<HttpResponse> {
    let (person, f, again) = (id.into_inner(), form.0, who.clone());
    let mut errors = Vec::new();
    let due = super::optional_date("feedback_due", &f.feedback_due, &mut errors);
    let outcome = if errors.is_empty() {
        let input = CarePreferences {
            channels: f.channels,
            safe_times: f.safe_times,
            language: f.language.trim().to_owned(),
            may_contact: f.may_contact.is_some(),
            feedback: FeedbackWish { what: f.feedback_what, how_often: f.feedback_how_often },
            notes: f.notes,
            feedback_due: due,
        };
        services.care.set_preferences(who, person, input).await.map(|_| ())
    } else {
        Err(Error::Validation(errors))
    };
    answer(&services, &ctx, again, person, outcome).await
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct FeedbackForm {
    given_on: String,
    summary: String,
    next_due: String,
}

pub(super) async fn feedback(
    services: web::Data<Services>,
    who: Allowed<act::ConsentRecord>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<FeedbackForm>,
) -> Result<HttpResponse> {
    let (person, f, again) = (id.into_inner(), form.0, who.clone());
    let mut errors = Vec::new();
    let given_on = super::date("given_on", &f.given_on, &mut errors);
    let next_due = super::optional_date("next_due", &f.next_due, &mut errors);
    let outcome = match given_on {
        Some(given_on) if errors.is_empty() => {
            let input = NewFeedback { given_on, summary: f.summary, next_due };
            services.care.give_feedback(who, person, input).await.map(|_| ())
        }
        _ => Err(Error::Validation(errors)),
    };
    answer(&services, &ctx, again, person, outcome).await
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct ReferralForm {
    kind: String,
    made_on: String,
    follow_up_on: String,
    referred_to: String,
    reason: String,
}

pub(super) async fn add_referral(
    services: web::Data<Services>,
    who: Allowed<act::ConsentRecord>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<ReferralForm>,
) -> Result<HttpResponse> {
    let (person, f, again) = (id.into_inner(), form.0, who.clone());
    let mut errors = Vec::new();
    let made_on = super::date("made_on", &f.made_on, &mut errors);
    let follow_up_on = super::optional_date("follow_up_on", &f.follow_up_on, &mut errors);
    let outcome = match made_on {
        Some(made_on) if errors.is_empty() => {
            let input = NewReferral {
                kind: f.kind,
                made_on,
                status: ReferralStatus::Made,
                follow_up_on,
                referred_to: f.referred_to,
                reason: f.reason,
                outcome: String::new(),
            };
            services.care.add_referral(who, person, input).await.map(|_| ())
        }
        _ => Err(Error::Validation(errors)),
    };
    answer(&services, &ctx, again, person, outcome).await
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct ReferralUpdateForm {
    person_id: String,
    status: String,
    follow_up_on: String,
    outcome: String,
}

pub(super) async fn update_referral(
    services: web::Data<Services>,
    who: Allowed<act::ConsentRecord>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<ReferralUpdateForm>,
) -> Result<HttpResponse> {
    let (referral, f, again) = (id.into_inner(), form.0, who.clone());
    let f_person = f.person_id.clone();
    let mut errors = Vec::new();
    let status = ReferralStatus::parse(&f.status);
    if status.is_none() {
        errors.push(FieldError::new("status", "invalid_status", "a referral's status"));
    }
    let follow_up_on = super::optional_date("follow_up_on", &f.follow_up_on, &mut errors);
    let outcome = match status {
        Some(status) if errors.is_empty() => {
            let input = ReferralUpdate { status, follow_up_on, outcome: f.outcome };
            services.care.update_referral(who, referral, input).await.map(|r| r.person_id)
        }
        _ => Err(Error::Validation(errors)),
    };
    match outcome {
        Ok(person) => Ok(see_other(&format!("/persons/{person}/care?saved=1"))),
        // A refused form names its person in a hidden field, to show that page again
        // (authorised there like any read).
        Err(Error::Validation(errors)) => {
            let person = Uuid::parse_str(&f_person).map_err(|_| Error::NotFound)?;
            answer(&services, &ctx, again, person, Err(Error::Validation(errors))).await
        }
        Err(e) => Err(e),
    }
}

fn render(ctx: &Ctx, p: &CarePage, saved: bool, errors: &[FieldError], status: StatusCode) -> HttpResponse {
    let r = &p.record;
    let labels = Labels::from(p.terms.clone());
    let pref = r.preferences.clone().unwrap_or_default();
    let body = html! {
        (crate::web::pages::names::crumb(r.case_id, &r.case_reference, &ctx.t("care-title")))
        h1 { (ctx.t("care-title")) ": " (r.pseudonym) }
        @if saved { (notice(ctx.t("care-saved"))) }
        p.lead { (ctx.t("care-intro")) }
        p { a href={ "/persons/" (r.person_id) } { (ctx.t("care-back-to-person")) } " · "
            a href={ "/persons/" (r.person_id) "/consent" } { (ctx.t("care-consent-title")) } }
        (form_errors(ctx, errors, &[]))
        section.card aria-labelledby="prefs-h" {
            h2 #prefs-h { (ctx.t("care-preferences")) }
            form #care-form method="post" action={ "/persons/" (r.person_id) "/care" } {
                (csrf_field(ctx))
                div.field { label { input type="checkbox" name="may_contact" value="1" checked[pref.may_contact]; " " (ctx.t("care-may-contact")) } }
                (field(ctx, "channels", "care-channels", errors, html! { textarea #channels name="channels" rows="2" { (pref.channels) } }))
                (field(ctx, "safe_times", "care-safe-times", errors, html! { input #safe_times name="safe_times" value=(pref.safe_times); }))
                (field(ctx, "language", "care-contact-language", errors, html! { input #language name="language" maxlength="3" placeholder="ru" value=(pref.language); }))
                (field_with_id(ctx, "feedback.what", "feedback_what", "care-feedback-what", errors, html! { input #feedback_what name="feedback_what" value=(pref.feedback.what); }))
                (field_with_id(ctx, "feedback.how_often", "feedback_how_often", "care-feedback-how-often", errors, html! { input #feedback_how_often name="feedback_how_often" value=(pref.feedback.how_often); }))
                (field(ctx, "feedback_due", "care-feedback-due", errors, html! { input #feedback_due name="feedback_due" type="date" value=(pref.feedback_due.map(|d| d.to_string()).unwrap_or_default()); }))
                (field(ctx, "notes", "notes", errors, html! { textarea #notes name="notes" rows="2" { (pref.notes) } }))
                button type="submit" { (ctx.t("care-save")) }
            }
        }
        section aria-labelledby="feedback-h" {
            h2 #feedback-h { (ctx.t("care-feedback-given")) " " span.count { (r.feedback.len()) } }
            @if let Some(d) = pref.feedback_due { p { (ctx.t("care-feedback-due")) ": " strong { (ctx.lang().date(&d.to_string())) } } }
            ul.plain #feedback-list { @for g in &r.feedback { li { (ctx.lang().date(&g.given_on)) " · " (g.summary) } } }
            form #feedback-form method="post" action={ "/persons/" (r.person_id) "/feedback" } {
                (csrf_field(ctx))
                (field(ctx, "given_on", "care-given-on", errors, html! { input #given_on name="given_on" type="date" required; }))
                (field(ctx, "summary", "care-summary", errors, html! { textarea #summary name="summary" rows="3" required {} }))
                (field(ctx, "next_due", "care-next-due", errors, html! { input #next_due name="next_due" type="date"; }))
                button type="submit" { (ctx.t("care-record-feedback")) }
            }
        }
        section aria-labelledby="referrals-h" {
            h2 #referrals-h { (ctx.t("care-referrals")) " " span.count { (r.referrals.len()) } }
            @for x in &r.referrals {
                section.card.referral {
                    h3 { (labels.of(ctx.lang(), "referral_kind", &x.kind)) " · " (ctx.lang().date(&x.made_on)) " · " (ctx.t(&format!("care-status-{}", x.status.as_str()))) }
                    dl.facts {
                        dt { (ctx.t("care-referred-to")) } dd { (x.referred_to) }
                        @if !x.reason.is_empty() { dt { (ctx.t("care-reason")) } dd { (x.reason) } }
                        @if !x.outcome.is_empty() { dt { (ctx.t("care-outcome")) } dd { (x.outcome) } }
                        @if let Some(f) = &x.follow_up_on { dt { (ctx.t("care-follow-up-on")) } dd { (ctx.lang().date(f)) } }
                    }
                    form method="post" action={ "/referrals/" (x.id) } {
                        (csrf_field(ctx))
                        input type="hidden" name="person_id" value=(r.person_id);
                        (field_with_id(ctx, "status", &format!("status-{}", x.id), "care-status", errors, html! {
                            select id={ "status-" (x.id) } name="status" {
                                @for s in ReferralStatus::ALL { option value=(s.as_str()) selected[x.status == s] { (ctx.t(&format!("care-status-{}", s.as_str()))) } }
                            }
                        }))
                        (field_with_id(ctx, "follow_up_on", &format!("follow-{}", x.id), "care-follow-up-on", errors, html! {
                            input id={ "follow-" (x.id) } name="follow_up_on" type="date" value=(x.follow_up_on.clone().unwrap_or_default());
                        }))
                        (field_with_id(ctx, "outcome", &format!("outcome-{}", x.id), "care-outcome", errors, html! {
                            textarea id={ "outcome-" (x.id) } name="outcome" rows="2" { (x.outcome) }
                        }))
                        button.secondary type="submit" { (ctx.t("care-update-referral")) }
                    }
                }
            }
            form #referral-form method="post" action={ "/persons/" (r.person_id) "/referrals" } {
                (csrf_field(ctx))
                (field(ctx, "kind", "care-referral-kind", errors, html! {
                    select #kind name="kind" required {
                        @for t in labels.terms("referral_kind") { option value=(t.code) { (labels.of(ctx.lang(), "referral_kind", &t.code)) } }
                    }
                }))
                (field(ctx, "made_on", "care-made-on", errors, html! { input #made_on name="made_on" type="date" required; }))
                (field(ctx, "referred_to", "care-referred-to", errors, html! { input #referred_to name="referred_to" required; }))
                (field(ctx, "reason", "care-reason", errors, html! { textarea #reason name="reason" rows="2" {} }))
                (field(ctx, "follow_up_on", "care-follow-up-on", errors, html! { input #follow_up_on name="follow_up_on" type="date"; }))
                button type="submit" { (ctx.t("care-add-referral")) }
            }
        }
    };
    layout::render(ctx, status, "care-title", Nav::Cases, body)
}
