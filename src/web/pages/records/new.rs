//! The forms that add a person, a unit, a place or an incident to a case; a refused one
//! is shown again with its errors beside the form that caused them.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::html;
use serde::Deserialize;
use uuid::Uuid;

use super::{Labels, opt, opt_id, partial_date, split_list, term_label};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::cases::RecordChoices;
use crate::cases::incidents::NewIncident;
use crate::cases::persons::{NewPerson, PersonKind};
use crate::cases::places::NewPlace;
use crate::cases::units::NewUnit;
use crate::cases::validate::Precision;
use crate::error::{Error, FieldError, Result};
use crate::services::Services;
use crate::web::layout::{self, Nav, csrf_field, field, field_with_id, form_errors};
use crate::web::pages::auth::see_other;
use crate::web::pages::cases::person_label;
use crate::web::pages::names;
use crate::web::{Ctx, Form};

pub(super) async fn new_records(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let ch = services.records.choices(who, id.into_inner()).await?;
    Ok(records_page(&ctx, &ch, None, &[]))
}

/// Which of the four forms an error belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Which {
    Person,
    Unit,
    Place,
    Incident,
}

fn records_page(ctx: &Ctx, ch: &RecordChoices, failed: Option<Which>, errors: &[FieldError]) -> HttpResponse {
    let lang = ctx.lang();
    let labels = Labels::from(ch.terms.clone());
    let e = |w: Which| if failed == Some(w) { errors } else { &[] };
    let base = format!("/cases/{}", ch.case_id);
    let body = html! {
        (names::crumb(ch.case_id, &ch.reference, ""))
        h1 { (ctx.t("record-new")) }
        section.card aria-labelledby="np-h" {
            h2 #np-h { (ctx.t("person-new")) }
            (form_errors(ctx, e(Which::Person), &["names", "kind", "unit_id"]))
            form #person-form method="post" action={ (base) "/persons/new" } {
                (csrf_field(ctx))
                (field(ctx, "kind", "person-kind", e(Which::Person), html! {
                    select #kind name="kind" {
                        @for k in ["perpetrator", "victim", "witness", "other"] { option value=(k) { (ctx.t(&format!("kind-{k}"))) } }
                    }
                }))
                (field(ctx, "names", "person-names", e(Which::Person), html! {
                    input #names name="names" type="text" autocomplete="off" aria-describedby="names-hint";
                    p.hint #names-hint { (ctx.t("person-names-hint")) }
                }))
                (field(ctx, "aliases", "aliases", e(Which::Person), html! { input #aliases name="aliases" type="text" autocomplete="off"; }))
                (field(ctx, "rank", "rank", e(Which::Person), html! { input #rank name="rank" type="text" autocomplete="off"; }))
                (field(ctx, "position", "position", e(Which::Person), html! { input #position name="position" type="text" autocomplete="off"; }))
                (field(ctx, "unit_id", "unit", e(Which::Person), html! {
                    select #unit_id name="unit_id" { option value="" { "—" } @for u in &ch.units { option value=(u.id) { (u.name) } } }
                }))
                button type="submit" { (ctx.t("add")) }
            }
        }
        section.card aria-labelledby="nu-h" {
            h2 #nu-h { (ctx.t("unit-new")) }
            (form_errors(ctx, e(Which::Unit), &["name", "parent_id"]))
            form #unit-form method="post" action={ (base) "/units/new" } {
                (csrf_field(ctx))
                (field_with_id(ctx, "name", "unit-name", "unit-name", e(Which::Unit), html! { input #unit-name name="name" type="text" required autocomplete="off"; }))
                (field(ctx, "parent_id", "unit-parent", e(Which::Unit), html! {
                    select #parent_id name="parent_id" { option value="" { "—" } @for u in &ch.units { option value=(u.id) { (u.name) } } }
                }))
                (field_with_id(ctx, "description", "unit-description", "description", e(Which::Unit), html! { textarea #unit-description name="description" rows="2" {} }))
                button type="submit" { (ctx.t("add")) }
            }
        }
        section.card aria-labelledby="npl-h" {
            h2 #npl-h { (ctx.t("place-new")) }
            (form_errors(ctx, e(Which::Place), &["name", "place_type"]))
            form #place-form method="post" action={ (base) "/places/new" } {
                (csrf_field(ctx))
                (field(ctx, "place_type", "place-type", e(Which::Place), html! {
                    select #place_type name="place_type" { @for t in labels.terms("place_type") { option value=(t.code) { (term_label(lang, t)) } } }
                }))
                (field_with_id(ctx, "name", "place-name", "place-name", e(Which::Place), html! { input #place-name name="name" type="text" required autocomplete="off"; }))
                (field(ctx, "address", "address", e(Which::Place), html! { input #address name="address" type="text" autocomplete="off"; }))
                button type="submit" { (ctx.t("add")) }
            }
        }
        section.card aria-labelledby="ni-h" {
            h2 #ni-h { (ctx.t("incident-new")) }
            (form_errors(ctx, e(Which::Incident), &["act_type", "start_date", "place_id", "methods", "description", "victim_ids"]))
            form #incident-form method="post" action={ (base) "/incidents/new" } {
                (csrf_field(ctx))
                (field(ctx, "act_type", "act-type", e(Which::Incident), html! {
                    select #act_type name="act_type" { @for t in labels.terms("act_type") { option value=(t.code) { (term_label(lang, t)) } } }
                }))
                fieldset {
                    legend { (ctx.t("methods")) }
                    @for t in labels.terms("torture_method") {
                        div.choice {
                            input type="checkbox" name="methods" value=(t.code) id={ "m-" (t.code) };
                            label for={ "m-" (t.code) } { (term_label(lang, t)) }
                        }
                    }
                }
                (field(ctx, "start_date", "incident-date", e(Which::Incident), html! {
                    input #start_date name="start_date" type="text" inputmode="numeric" placeholder="2021-03-14" aria-describedby="start_date-hint" autocomplete="off";
                    p.hint #start_date-hint { (ctx.t("partial-date-hint")) }
                }))
                (field(ctx, "place_id", "place", e(Which::Incident), html! {
                    select #place_id name="place_id" { option value="" { "—" } @for pl in &ch.places { option value=(pl.id) { (pl.name) } } }
                }))
                fieldset {
                    legend { (ctx.t("victims")) }
                    @for v in ch.people.iter().filter(|p| p.kind == PersonKind::Victim || p.kind == PersonKind::Witness) {
                        div.choice {
                            input type="checkbox" name="victim_ids" value=(v.id) id={ "v-" (v.id) };
                            label for={ "v-" (v.id) } { (person_label(v)) }
                        }
                    }
                }
                (field_with_id(ctx, "description", "incident-description", "description", e(Which::Incident), html! { textarea #incident-description name="description" rows="4" {} }))
                button type="submit" { (ctx.t("add")) }
            }
        }
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    layout::render(ctx, status, "record-new", Nav::Cases, body)
}

/// What a record-creating service answered: a refusal of what was sent shows the page
/// again with the errors next to the form that caused them.
async fn answer<T>(
    services: &Services,
    ctx: &Ctx,
    again: Allowed<act::RecordWrite>,
    case_id: Uuid,
    which: Which,
    created: Result<T>,
    location: impl FnOnce(&T) -> String,
) -> Result<HttpResponse> {
    match created {
        Ok(v) => Ok(see_other(&location(&v))),
        Err(Error::Validation(errors)) => {
            let ch = services.records.choices(again, case_id).await?;
            Ok(records_page(ctx, &ch, Some(which), &errors))
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
#[serde(default)]
#[derive(Default)]
pub(super) struct PersonForm {
    kind: String,
    names: String,
    aliases: String,
    rank: String,
    position: String,
    unit_id: String,
}

pub(super) async fn create_person(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<PersonForm>,
) -> Result<HttpResponse> {
    let (case_id, f) = (id.into_inner(), form.0);
    let kind = match f.kind.as_str() {
        "victim" => PersonKind::Victim,
        "witness" => PersonKind::Witness,
        "other" => PersonKind::Other,
        _ => PersonKind::Perpetrator,
    };
    let input = NewPerson {
        kind,
        pseudonym: None,
        sex: Default::default(),
        names: split_list(&f.names),
        aliases: split_list(&f.aliases),
        birth_date: None,
        contact: None,
        rank: opt(&f.rank),
        position: opt(&f.position),
        unit_id: opt_id(&f.unit_id),
        notes: None,
    };
    let again = who.clone();
    let created = services.records.create_person(who, case_id, input).await;
    answer(&services, &ctx, again, case_id, Which::Person, created, |v| format!("/persons/{}", v.id)).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct UnitForm {
    name: String,
    parent_id: String,
    description: String,
}

pub(super) async fn create_unit(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<UnitForm>,
) -> Result<HttpResponse> {
    let (case_id, f) = (id.into_inner(), form.0);
    let input = NewUnit {
        name: f.name.trim().to_owned(),
        description: f.description,
        parent_id: opt_id(&f.parent_id),
    };
    let again = who.clone();
    let created = services.records.create_unit(who, case_id, input).await;
    answer(&services, &ctx, again, case_id, Which::Unit, created, |v| format!("/units/{}", v.id)).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct PlaceForm {
    place_type: String,
    name: String,
    address: String,
}

pub(super) async fn create_place(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<PlaceForm>,
) -> Result<HttpResponse> {
    let (case_id, f) = (id.into_inner(), form.0);
    let input = NewPlace {
        place_type: f.place_type,
        name: f.name.trim().to_owned(),
        address: opt(&f.address),
        latitude: None,
        longitude: None,
    };
    let again = who.clone();
    let created = services.records.create_place(who, case_id, input).await;
    answer(&services, &ctx, again, case_id, Which::Place, created, |v| format!("/places/{}", v.id)).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct IncidentForm {
    act_type: String,
    methods: Vec<String>,
    start_date: String,
    place_id: String,
    victim_ids: Vec<String>,
    description: String,
}

pub(super) async fn create_incident(
    services: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<IncidentForm>,
) -> Result<HttpResponse> {
    let (case_id, f) = (id.into_inner(), form.0);
    let (start_date, start_precision) = partial_date(&f.start_date);
    let input = NewIncident {
        act_type: f.act_type,
        methods: f.methods,
        start_date,
        start_precision,
        end_date: None,
        end_precision: Precision::Unknown,
        place_id: opt_id(&f.place_id),
        description: f.description,
        victim_ids: f.victim_ids.iter().filter_map(|v| opt_id(v)).collect(),
    };
    let again = who.clone();
    let created = services.records.create_incident(who, case_id, input).await;
    answer(&services, &ctx, again, case_id, Which::Incident, created, |v| format!("/incidents/{}", v.id))
        .await
}
