//! A person's consent page: the standing decision per purpose × recipient as a grid,
//! every entry newest first, and (for those who keep consent) the form to record one.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use crate::access::{Allowed, act};
use crate::care::LedgerPage;
use crate::care::ledger::Decision;
use crate::care::model::{ConsentGiven, NewConsentEntry};
use crate::error::{Error, FieldError, Result};
use crate::export::Recipient;
use crate::services::Services;
use crate::web::layout::{self, Nav, csrf_field, field, form_errors, notice, when};
use crate::web::pages::auth::see_other;
use crate::web::pages::records::Labels;
use crate::web::{Ctx, Form};

pub(super) const RECIPIENTS: [Recipient; 6] = [
    Recipient::UnBodies,
    Recipient::InternationalMechanisms,
    Recipient::Prosecutors,
    Recipient::Ngos,
    Recipient::Media,
    Recipient::Public,
];

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct ConsentForm {
    purpose: String,
    recipient: String,
    decision: String,
    decided_on: String,
    language: String,
    how_given: String,
    explained: String,
    text_version: String,
    notes: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct Shown {
    recorded: Option<u8>,
}

pub(super) async fn page(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    q: web::Query<Shown>,
) -> Result<HttpResponse> {
    let p = services.care.ledger_page(who, id.into_inner()).await?;
    let done = q.recorded.is_some().then(|| notice(ctx.t("care-consent-recorded")));
    Ok(render(&ctx, &p, &ConsentForm::default(), &[], done, StatusCode::OK))
}

pub(super) async fn record(
    services: web::Data<Services>,
    who: Allowed<act::ConsentRecord>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<ConsentForm>,
) -> Result<HttpResponse> {
    let (person, f) = (id.into_inner(), form.0);
    let reader = Allowed::<act::CaseRead>::check(who.principal.clone())?;
    let mut errors = Vec::new();
    let decision = Decision::parse(&f.decision);
    if decision.is_none() {
        errors.push(FieldError::new("decision", "invalid_decision", "granted, refused or withdrawn"));
    }
    let how_given = ConsentGiven::parse(&f.how_given);
    if how_given.is_none() {
        errors.push(FieldError::new("how_given", "invalid_how_given", "how consent was given"));
    }
    let decided_on = super::date("decided_on", &f.decided_on, &mut errors);
    let outcome = match (decision, how_given, decided_on) {
        (Some(decision), Some(how_given), Some(decided_on)) if errors.is_empty() => {
            let input = NewConsentEntry {
                purpose: f.purpose.clone(),
                recipient: f.recipient.clone(),
                decision,
                decided_on,
                language: f.language.trim().to_owned(),
                how_given,
                explained: f.explained.clone(),
                text_version: f.text_version.clone(),
                notes: f.notes.clone(),
            };
            services.care.record_consent(who, person, input).await.map(|_| ())
        }
        _ => Err(Error::Validation(errors)),
    };
    match outcome {
        Ok(()) => Ok(see_other(&format!("/persons/{person}/consent?recorded=1"))),
        Err(Error::Validation(errors)) => {
            let p = services.care.ledger_page(reader, person).await?;
            Ok(render(&ctx, &p, &f, &errors, None, StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(e) => Err(e),
    }
}

pub(super) fn decision_label(ctx: &Ctx, d: Decision) -> Markup {
    html! { span class={ "badge decision-" (d.as_str()) } { (ctx.t(&format!("care-decision-{}", d.as_str()))) } }
}

fn render(
    ctx: &Ctx,
    p: &LedgerPage,
    f: &ConsentForm,
    errors: &[FieldError],
    done: Option<Markup>,
    status: StatusCode,
) -> HttpResponse {
    let l = &p.ledger;
    let labels = Labels::from(p.terms.clone());
    let purposes: Vec<_> = labels.terms("consent_purpose").collect();
    let cell = |purpose: &str, recipient: Recipient| {
        l.standing.iter().find(|s| s.purpose == purpose && s.recipient == recipient.as_str())
    };
    let body = html! {
        (crate::web::pages::names::crumb(l.case_id, &l.case_reference, &ctx.t("care-consent-title")))
        h1 { (ctx.t("care-consent-title")) ": " (l.pseudonym) }
        @if let Some(n) = done { (n) }
        p.lead { (ctx.t("care-consent-intro")) }
        p { a href={ "/persons/" (l.person_id) } { (ctx.t("care-back-to-person")) }
            @if p.may_record { " · " a #care-link href={ "/persons/" (l.person_id) "/care" } { (ctx.t("care-title")) } } }
        section aria-labelledby="standing-h" {
            h2 #standing-h { (ctx.t("care-standing")) }
            p.hint { (ctx.t("care-standing-hint")) }
            div.scroll { table.list.wide #consent-grid {
                thead { tr {
                    th scope="col" { (ctx.t("care-purpose")) }
                    @for r in RECIPIENTS { th scope="col" { (ctx.t(&format!("share-{}", r.as_str()))) } }
                } }
                tbody { @for t in &purposes {
                    tr {
                        th scope="row" { (labels.of(ctx.lang(), "consent_purpose", &t.code)) }
                        @for r in RECIPIENTS {
                            td data-label=(ctx.t(&format!("share-{}", r.as_str()))) {
                                @if let Some(s) = cell(&t.code, r) {
                                    (decision_label(ctx, s.decision)) " " span.hint { (ctx.lang().date(&s.decided_on)) }
                                } @else { span.hint { "—" } }
                            }
                        }
                    }
                } }
            } }
        }
        section aria-labelledby="history-h" {
            h2 #history-h { (ctx.t("care-history")) " " span.count { (l.history.len()) } }
            @if l.history.is_empty() { p.empty { (ctx.t("care-history-none")) } }
            ol.plain #consent-history { @for e in &l.history {
                li.card {
                    p { strong { (labels.of(ctx.lang(), "consent_purpose", &e.purpose)) }
                        " · " (ctx.t(&format!("share-{}", e.recipient))) " · " (decision_label(ctx, e.decision))
                        " · " (ctx.lang().date(&e.decided_on)) }
                    dl.facts {
                        dt { (ctx.t("care-language")) } dd { (e.language) }
                        dt { (ctx.t("consent-how-given")) } dd { (ctx.t(&format!("how-given-{}", e.how_given))) }
                        dt { (ctx.t("care-explained")) } dd { (e.explained) }
                        @if !e.text_version.is_empty() { dt { (ctx.t("consent-text-version")) } dd { (e.text_version) } }
                        @if !e.notes.is_empty() { dt { (ctx.t("notes")) } dd { (e.notes) } }
                        dt { (ctx.t("care-recorded-at")) } dd { (when(ctx, e.recorded_at)) }
                    }
                }
            } }
        }
        @if p.may_record {
            section.card aria-labelledby="record-h" {
                h2 #record-h { (ctx.t("care-record-consent")) }
                p.hint { (ctx.t("care-record-consent-hint")) }
                form #consent-form method="post" action={ "/persons/" (l.person_id) "/consent" } {
                    (csrf_field(ctx))
                    (form_errors(ctx, errors, &["purpose", "recipient", "decision", "decided_on", "language", "how_given", "explained", "text_version", "notes"]))
                    (field(ctx, "purpose", "care-purpose", errors, html! {
                        select #purpose name="purpose" required {
                            @for t in &purposes { option value=(t.code) selected[f.purpose == t.code] { (labels.of(ctx.lang(), "consent_purpose", &t.code)) } }
                        }
                    }))
                    (field(ctx, "recipient", "care-recipient", errors, html! {
                        select #recipient name="recipient" required {
                            @for r in RECIPIENTS { option value=(r.as_str()) selected[f.recipient == r.as_str()] { (ctx.t(&format!("share-{}", r.as_str()))) } }
                        }
                    }))
                    (field(ctx, "decision", "care-decision", errors, html! {
                        select #decision name="decision" required {
                            @for d in [Decision::Granted, Decision::Refused, Decision::Withdrawn] {
                                option value=(d.as_str()) selected[f.decision == d.as_str()] { (ctx.t(&format!("care-decision-{}", d.as_str()))) }
                            }
                        }
                    }))
                    (field(ctx, "decided_on", "care-decided-on", errors, html! { input #decided_on name="decided_on" type="date" required value=(f.decided_on); }))
                    (field(ctx, "language", "care-language", errors, html! { input #language name="language" required maxlength="3" placeholder="ru" value=(f.language); }))
                    (field(ctx, "how_given", "consent-how-given", errors, html! {
                        select #how_given name="how_given" required {
                            @for g in ConsentGiven::ALL { option value=(g.as_str()) selected[f.how_given == g.as_str()] { (ctx.t(&format!("how-given-{}", g.as_str()))) } }
                        }
                    }))
                    (field(ctx, "explained", "care-explained", errors, html! { textarea #explained name="explained" rows="4" required { (f.explained) } }))
                    (field(ctx, "text_version", "consent-text-version", errors, html! { input #text_version name="text_version" value=(f.text_version); }))
                    (field(ctx, "notes", "notes", errors, html! { textarea #notes name="notes" rows="2" { (f.notes) } }))
                    button type="submit" { (ctx.t("care-record")) }
                }
            }
        }
    };
    layout::render(ctx, status, "care-consent-title", Nav::Cases, body)
}
