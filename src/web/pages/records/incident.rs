//! An incident: what happened, who was involved (and, for who may link, the form that
//! records an involvement with the testimonies supporting it), victims and testimonies.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use super::{Labels, term_label};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::cases::IncidentPage;
use crate::cases::incidents::NewInvolvement;
use crate::cases::persons::PersonKind;
use crate::error::{Error, FieldError, Result};
use crate::services::Services;
use crate::web::layout::{self, Nav, csrf_field, field, form_errors, notice};
use crate::web::pages::auth::see_other;
use crate::web::pages::cases::person_label;
use crate::web::pages::citations::evidence_choice;
use crate::web::pages::names;
use crate::web::{Ctx, Form};

#[derive(Deserialize)]
pub(super) struct Linked {
    linked: Option<u8>,
}

pub(super) async fn incident(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    q: web::Query<Linked>,
) -> Result<HttpResponse> {
    let page = services.records.incident_page(who, id.into_inner()).await?;
    Ok(layout::page(&ctx, "incident-title", Nav::Cases, incident_body(&ctx, &page, q.linked.is_some(), &[])))
}

fn incident_body(ctx: &Ctx, page: &IncidentPage, linked: bool, errors: &[FieldError]) -> Markup {
    let labels = Labels::from(page.terms.clone());
    let (i, labels, lang, may_link) = (&page.incident, &labels, ctx.lang(), page.may_link);
    let name_of = |id: Uuid| names::person(&page.names, &id);
    let unit_of = |id: Uuid| {
        page.units.iter().find(|u| u.id == id).map(|u| u.name.clone()).unwrap_or_else(|| ctx.t("unit"))
    };
    html! {
        (names::crumb(i.case_id, &page.names.case_reference, &ctx.t("incident")))
        h1 { (labels.of(lang, "act_type", &i.act_type)) }
        @if linked { (notice(ctx.t("involvement-added"))) }
        dl.facts {
            dt { (ctx.t("incident-date")) }
            dd { (i.start_date.as_deref().map(|d| lang.date(d)).unwrap_or_else(|| ctx.t("unknown")))
                 @if let Some(e) = &i.end_date { " – " (lang.date(e)) } }
            @if let (Some(pid), Some(name)) = (i.place_id, &i.place_name) {
                dt { (ctx.t("place")) } dd { a href={ "/places/" (pid) } { (name) } }
            }
            @if !i.methods.is_empty() {
                dt { (ctx.t("methods")) }
                dd { (i.methods.iter().map(|m| labels.of(lang, "torture_method", m)).collect::<Vec<_>>().join(", ")) }
            }
        }
        @if !i.description.is_empty() { div.account-text { (i.description) } }
        section aria-labelledby="who-h" {
            h2 #who-h { (ctx.t("involved")) }
            ul.plain { @for inv in &i.involvements {
                li {
                    @if let Some(pid) = inv.person_id { a href={ "/persons/" (pid) } { (name_of(pid)) } }
                    @if let Some(uid) = inv.unit_id { a href={ "/units/" (uid) } { (unit_of(uid)) } }
                    " · " (labels.of(lang, "involvement_role", &inv.role))
                    @if !inv.testimonies.is_empty() {
                        " · " (ctx.t("involvement-cites")) " " (names::testimony_links(ctx, &page.names, &inv.testimonies))
                    }
                }
            } }
            @if may_link {
                (form_errors(ctx, errors, &["role", "person_id"]))
                form #involvement-form method="post" action={ "/incidents/" (i.id) "/involvements" } {
                    (csrf_field(ctx))
                    div.filters {
                        (field(ctx, "person_id", "involvement-who", errors, html! {
                            select #person_id name="who" {
                                optgroup label=(ctx.t("persons-title")) {
                                    @for p in page.people.iter().filter(|p| p.kind == PersonKind::Perpetrator || p.kind == PersonKind::Other) {
                                        option value={ "person:" (p.id) } { (person_label(p)) }
                                    }
                                }
                                optgroup label=(ctx.t("units-title")) {
                                    @for u in &page.units { option value={ "unit:" (u.id) } { (u.name) } }
                                }
                            }
                        }))
                        (field(ctx, "role", "involvement-role", errors, html! {
                            select #role name="role" {
                                @for t in labels.terms("involvement_role") { option value=(t.code) { (term_label(lang, t)) } }
                            }
                        }))
                    }
                    (evidence_choice(ctx, &page.testimonies, &page.incident.testimonies))
                    button.secondary type="submit" { (ctx.t("link")) }
                }
            }
        }
        section aria-labelledby="victims-h" {
            h2 #victims-h { (ctx.t("victims")) }
            ul.plain { @for v in &i.victim_ids { li { (names::person_link(&page.names, v)) } } }
        }
        section aria-labelledby="t-h" {
            h2 #t-h { (ctx.t("testimonies-title")) }
            ul.plain { @for t in &i.testimonies { li { (names::testimony_links(ctx, &page.names, std::slice::from_ref(t))) } } }
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct InvolvementForm {
    who: String,
    role: String,
    /// Root ids of the testimonies cited; anything else is refused by the service.
    testimony_ids: Vec<String>,
}

pub(super) async fn add_involvement(
    services: web::Data<Services>,
    who: Allowed<act::CaseLink>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<InvolvementForm>,
) -> Result<HttpResponse> {
    let (id, f) = (id.into_inner(), form.0);
    // The page shown again after a refusal is read with the same caller's proof.
    let reader = Allowed::<act::CaseRead>::check(who.principal.clone())?;
    let target = |prefix: &str| f.who.strip_prefix(prefix).and_then(|s| s.parse::<Uuid>().ok());
    let input = NewInvolvement {
        person_id: target("person:"),
        unit_id: target("unit:"),
        role: f.role.clone(),
        testimony_ids: f.testimony_ids.iter().map(|t| t.trim().parse().unwrap_or(Uuid::nil())).collect(),
    };
    match services.records.add_involvement(who, id, input).await {
        Ok(_) => Ok(see_other(&format!("/incidents/{id}?linked=1"))),
        // Shown again with the reason above the form (a testimony of another case, …).
        Err(Error::Validation(errors)) => {
            let page = services.records.incident_page(reader, id).await?;
            let body = incident_body(&ctx, &page, false, &errors);
            Ok(layout::render(&ctx, StatusCode::UNPROCESSABLE_ENTITY, "incident-title", Nav::Cases, body))
        }
        Err(e) => Err(e),
    }
}
