//! From a testimony to the incidents it describes: the documenter who took the account
//! records the incident it tells of without leaving it, and the two are linked in the
//! same transaction (both or neither).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use super::auth::see_other;
use super::records::{Labels, partial_date};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::cases::incidents::NewIncident;
use crate::cases::validate::Precision;
use crate::error::{Error, FieldError, Result};
use crate::services::Services;
use crate::web::i18n::Lang;
use crate::web::layout::{self, Nav, csrf_field, field, field_with_id, form_errors};
use crate::web::pages::registry::Pages;
use crate::web::{Ctx, Form};

pub fn routes(r: &mut Pages) {
    r.get("/testimonies/{id}/incidents/new", new_page);
    r.post("/testimonies/{id}/incidents/new", create);
}

/// The incident as typed on the testimony page; lenient, so a half-filled form comes back
/// as it was sent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct IncidentHere {
    act_type: String,
    start_date: String,
    description: String,
}

/// The short form under the testimony's incidents: what happened and when. Places,
/// methods and victims are added on the incident's own page.
pub fn new_incident_form(
    ctx: &Ctx,
    testimony: Uuid,
    labels: &Labels,
    f: &IncidentHere,
    errors: &[FieldError],
) -> Markup {
    let lang = ctx.lang();
    html! {
        details.card.incident-here open[!errors.is_empty()] {
            summary { (ctx.t("incident-new-here")) }
            (form_errors(ctx, errors, &["act_type", "start_date", "description"]))
            form #incident-here-form method="post" action={ "/testimonies/" (testimony) "/incidents/new" } {
                (csrf_field(ctx))
                p.hint { (ctx.t("incident-new-here-hint")) }
                (field(ctx, "act_type", "act-type", errors, html! {
                    select #act_type name="act_type" {
                        @for t in labels.terms("act_type") {
                            option value=(t.code) selected[f.act_type == t.code] {
                                @match lang { Lang::En => (t.label_en), Lang::Ru => (t.label_ru) }
                            }
                        }
                    }
                }))
                (field(ctx, "start_date", "incident-date", errors, html! {
                    input #start_date name="start_date" type="text" inputmode="numeric" placeholder="2021-03-14"
                        value=(f.start_date) aria-describedby="start_date-hint" autocomplete="off";
                    p.hint #start_date-hint { (ctx.t("partial-date-hint")) }
                }))
                (field_with_id(ctx, "description", "incident-description", "description", errors, html! {
                    textarea #incident-description name="description" rows="3" { (f.description) }
                }))
                button.secondary #incident-here-add type="submit" { (ctx.t("incident-new-here-add")) }
            }
        }
    }
}

async fn new_page(
    services: web::Data<Services>,
    who: Allowed<act::TestimonyLink>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let labels = Labels::from(services.records.incident_from_testimony_form(who, id).await?);
    Ok(page(&ctx, StatusCode::OK, id, &labels, &IncidentHere::default(), &[]))
}

fn page(
    ctx: &Ctx,
    status: StatusCode,
    id: Uuid,
    labels: &Labels,
    f: &IncidentHere,
    errors: &[FieldError],
) -> HttpResponse {
    let body = html! {
        p.eyebrow { a href={ "/testimonies/" (id) } { (ctx.t("testimony-title")) } }
        h1 { (ctx.t("incident-new-here")) }
        (new_incident_form(ctx, id, labels, f, errors))
    };
    layout::render(ctx, status, "incident-new-here", Nav::Cases, body)
}

/// Records the incident in the testimony's case and links the testimony to it, in one
/// transaction. Who may link is decided before what was sent is judged.
async fn create(
    services: web::Data<Services>,
    who: Allowed<act::TestimonyLink>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<IncidentHere>,
) -> Result<HttpResponse> {
    let (id, f) = (id.into_inner(), form.0);
    // Labels for the form shown again, read with the same caller's proof.
    let again = who.clone();
    let (start_date, start_precision) = partial_date(&f.start_date);
    let input = NewIncident {
        act_type: f.act_type.clone(),
        methods: Vec::new(),
        start_date,
        start_precision,
        end_date: None,
        end_precision: Precision::Unknown,
        place_id: None,
        description: f.description.clone(),
        victim_ids: Vec::new(),
    };
    let attempt = services.records.incident_from_testimony(who, id, input).await;
    match attempt {
        Ok(_) => Ok(see_other(&format!("/testimonies/{id}?linked=1"))),
        Err(Error::Validation(errors)) => {
            let labels = Labels::from(services.cases.terms(&again).await?);
            Ok(page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, id, &labels, &f, &errors))
        }
        Err(e) => Err(e),
    }
}
