//! The investigator's record pages: a person (a perpetrator's incidents, testimonies,
//! unit and its chain of command), a unit, an incident, a place (a facility and what
//! happened there), the forms that add them, and linking people and units to
//! incidents.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use super::auth::see_other;
use super::cases::{kind_id, person_label};
use super::citations::{case_testimonies, evidence_choice};
use super::names;
use crate::access::Allowed;
use crate::access::policy::act;
use crate::auth::Action;
use crate::cases::incidents::{self, IncidentView, InvolvementSummary, NewIncident, NewInvolvement};
use crate::cases::labels::{self, Names, Wanted};
use crate::cases::persons::{self, NewPerson, PersonKind, PersonView};
use crate::cases::places::{self, NewPlace, PlaceView};
use crate::cases::testimonies::TestimonySummary;
use crate::cases::units::{self, NewUnit, UnitRef, UnitView};
use crate::cases::validate::Precision;
use crate::cases::vocab::{self, Term};
use crate::error::{Error, FieldError, Result};
use crate::services::Services;
use crate::store::DbConnection;
use crate::web::i18n::Lang;
use crate::web::layout::{self, Nav, csrf_field, field, field_with_id, form_errors, notice};
use crate::web::{Ctx, Form};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/persons/{id}").get(person))
        .service(web::resource("/units/{id}").get(unit))
        .service(web::resource("/incidents/{id}").get(incident))
        .service(web::resource("/incidents/{id}/involvements").post(add_involvement))
        .service(web::resource("/places/{id}").get(place))
        .service(web::resource("/cases/{id}/records/new").get(new_records))
        .service(web::resource("/cases/{id}/persons/new").post(create_person))
        .service(web::resource("/cases/{id}/units/new").post(create_unit))
        .service(web::resource("/cases/{id}/places/new").post(create_place))
        .service(web::resource("/cases/{id}/incidents/new").post(create_incident));
}

/// Vocabulary labels in the reader's language, by code.
pub struct Labels(Vec<Term>);

impl From<Vec<Term>> for Labels {
    fn from(terms: Vec<Term>) -> Self {
        Labels(terms)
    }
}

impl Labels {
    pub fn load(c: &mut DbConnection) -> Result<Labels> {
        Ok(Labels(vocab::list(c, None)?))
    }

    pub fn of(&self, lang: Lang, vocabulary: &str, code: &str) -> String {
        self.0
            .iter()
            .find(|t| t.vocabulary == vocabulary && t.code == code)
            .map(|t| match lang {
                Lang::En => t.label_en.clone(),
                Lang::Ru => t.label_ru.clone(),
            })
            .unwrap_or_else(|| code.to_owned())
    }

    pub fn terms<'a>(&'a self, vocabulary: &'a str) -> impl Iterator<Item = &'a Term> + 'a {
        self.0.iter().filter(move |t| t.vocabulary == vocabulary)
    }
}

fn term_label(lang: Lang, t: &Term) -> &str {
    match lang {
        Lang::En => &t.label_en,
        Lang::Ru => &t.label_ru,
    }
}

/// The testimonies cited by these involvements, to be named.
fn cited(items: &[InvolvementSummary]) -> Vec<Uuid> {
    items.iter().flat_map(|i| i.testimonies.iter().copied()).collect()
}

fn involvements(ctx: &Ctx, labels: &Labels, names: &Names, items: &[InvolvementSummary]) -> Markup {
    html! {
        @if items.is_empty() { p.empty { (ctx.t("involvements-none")) } } @else {
            table.list {
                thead { tr {
                    th scope="col" { (ctx.t("incident")) }
                    th scope="col" { (ctx.t("incident-date")) }
                    th scope="col" { (ctx.t("involvement-role")) }
                    th scope="col" { (ctx.t("testimonies-title")) }
                } }
                tbody { @for i in items {
                    tr {
                        td data-label=(ctx.t("incident")) { a href={ "/incidents/" (i.incident_id) } { (labels.of(ctx.lang(), "act_type", &i.act_type)) } }
                        td data-label=(ctx.t("incident-date")) { (i.start_date.as_deref().map(|d| ctx.lang().date(d)).unwrap_or_default()) }
                        td data-label=(ctx.t("involvement-role")) { (labels.of(ctx.lang(), "involvement_role", &i.role)) }
                        td data-label=(ctx.t("testimonies-title")) { (names::testimony_links(ctx, names, &i.testimonies)) }
                    }
                } }
            }
        }
    }
}

fn chain(ctx: &Ctx, units: &[UnitRef]) -> Markup {
    html! {
        @if !units.is_empty() {
            ol.plain aria-label=(ctx.t("chain-of-command")) {
                @for u in units { li { a href={ "/units/" (u.id) } { (u.name) } } }
            }
        }
    }
}

async fn person(
    state: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let (p, id) = (who.principal, id.into_inner());
    let (person, unit, labels, names) = state
        .tx(move |c, k| {
            let person = persons::get(c, k, &p, id)?;
            let unit = person.unit_id.map(|u| units::get(c, k, &p, u)).transpose()?;
            let want = Wanted { testimonies: cited(&person.involvements), ..Wanted::default() };
            let names = labels::load(c, k, &p, person.case_id, &want)?;
            Ok((person, unit, Labels::load(c)?, names))
        })
        .await?;
    let body = html! {
        (names::crumb(person.case_id, &names.case_reference, &ctx.t(kind_id(person.kind))))
        h1 { (person_label(&person)) }
        dl.facts {
            @if let Some(aliases) = person.aliases.as_ref().filter(|a| !a.is_empty()) {
                dt { (ctx.t("aliases")) } dd { (aliases.join(", ")) }
            }
            @if let Some(r) = &person.rank { dt { (ctx.t("rank")) } dd { (r) } }
            @if let Some(pos) = &person.position { dt { (ctx.t("position")) } dd { (pos) } }
            @if let Some(u) = &unit { dt { (ctx.t("unit")) } dd { a href={ "/units/" (u.id) } { (u.name) } } }
            @if let Some(n) = &person.notes { dt { (ctx.t("notes")) } dd { (n) } }
        }
        @if let Some(u) = &unit {
            section aria-labelledby="chain-h" {
                h2 #chain-h { (ctx.t("chain-of-command")) }
                p.hint { (ctx.t("chain-of-command-hint")) }
                (chain(&ctx, &u.chain_of_command))
            }
        }
        section aria-labelledby="inv-h" {
            h2 #inv-h { (ctx.t("involvements")) }
            (involvements(&ctx, &labels, &names, &person.involvements))
        }
    };
    Ok(layout::page(&ctx, "person-title", Nav::Cases, body))
}

async fn unit(
    state: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let (p, id) = (who.principal, id.into_inner());
    let (u, labels, names): (UnitView, Labels, Names) = state
        .tx(move |c, k| {
            let u = units::get(c, k, &p, id)?;
            let want = Wanted {
                persons: u.members.iter().copied().chain(u.commanders.iter().map(|m| m.person_id)).collect(),
                testimonies: cited(&u.incidents),
                ..Wanted::default()
            };
            let names = labels::load(c, k, &p, u.case_id, &want)?;
            Ok((u, Labels::load(c)?, names))
        })
        .await?;
    let body = html! {
        (names::crumb(u.case_id, &names.case_reference, &ctx.t("unit")))
        h1 { (u.name) }
        @if !u.description.is_empty() { p.lead { (u.description) } }
        div.columns {
            section aria-labelledby="chain-h" {
                h2 #chain-h { (ctx.t("chain-of-command")) }
                @if u.chain_of_command.is_empty() { p.empty { (ctx.t("chain-top")) } }
                (chain(&ctx, &u.chain_of_command))
            }
            section aria-labelledby="sub-h" {
                h2 #sub-h { (ctx.t("sub-units")) }
                @if u.sub_units.is_empty() { p.empty { (ctx.t("none")) } }
                ul.plain { @for s in &u.sub_units { li { a href={ "/units/" (s.id) } { (s.name) } } } }
            }
            section aria-labelledby="cmd-h" {
                h2 #cmd-h { (ctx.t("commanders")) }
                ul.plain { @for cmd in &u.commanders {
                    li { (names::person_link(&names, &cmd.person_id))
                        @if cmd.from.is_some() || cmd.to.is_some() {
                            " · " (cmd.from.as_deref().map(|d| ctx.lang().date(d)).unwrap_or_else(|| "…".into()))
                            " – " (cmd.to.as_deref().map(|d| ctx.lang().date(d)).unwrap_or_else(|| "…".into()))
                        } }
                } }
            }
            section aria-labelledby="members-h" {
                h2 #members-h { (ctx.t("unit-members")) }
                ul.plain { @for m in &u.members { li { (names::person_link(&names, m)) } } }
            }
        }
        section aria-labelledby="inv-h" {
            h2 #inv-h { (ctx.t("involvements")) }
            p.hint { (ctx.t("unit-involvements-hint")) }
            (involvements(&ctx, &labels, &names, &u.incidents))
        }
    };
    Ok(layout::page(&ctx, "unit-title", Nav::Cases, body))
}

/// The incident with what the reader needs to link people and units to it.
struct IncidentPage {
    i: IncidentView,
    labels: Labels,
    names: Names,
    people: Vec<PersonView>,
    units: Vec<UnitRef>,
    /// The case's testimonies: to name the ones cited, and to choose from.
    testimonies: Vec<TestimonySummary>,
}

#[derive(Deserialize)]
struct Linked {
    linked: Option<u8>,
}

async fn incident(
    state: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    q: web::Query<Linked>,
) -> Result<HttpResponse> {
    let (p, id) = (who.principal, id.into_inner());
    let (page, may_link) = state.tx(move |c, k| incident_page(c, k, &p, id)).await?;
    Ok(layout::page(
        &ctx,
        "incident-title",
        Nav::Cases,
        incident_body(&ctx, &page, may_link, q.linked.is_some(), &[]),
    ))
}

fn incident_page(
    c: &mut DbConnection,
    k: &crate::crypto::Keyring,
    p: &crate::auth::Principal,
    id: Uuid,
) -> Result<(IncidentPage, bool)> {
    let i = incidents::get(c, k, p, id)?;
    let may_link = super::cases::may_in_case(c, p, i.case_id, Action::CaseLink);
    // Units are named in the list of who was involved, whoever reads it.
    let units = units::list(c, k, p, i.case_id, (500, 0))?.0;
    // Who may record an involvement chooses among the case's people and testimonies.
    let (people, testimonies) = if may_link {
        (persons::list(c, k, p, i.case_id, None, (500, 0))?.0, case_testimonies(c, p, i.case_id)?)
    } else {
        (Vec::new(), Vec::new())
    };
    let want = Wanted {
        persons: i
            .victim_ids
            .iter()
            .copied()
            .chain(i.involvements.iter().filter_map(|v| v.person_id))
            .collect(),
        testimonies: i
            .testimonies
            .iter()
            .copied()
            .chain(i.involvements.iter().flat_map(|v| v.testimonies.iter().copied()))
            .collect(),
        ..Wanted::default()
    };
    let names = labels::load(c, k, p, i.case_id, &want)?;
    Ok((IncidentPage { i, labels: Labels::load(c)?, names, people, units, testimonies }, may_link))
}

fn incident_body(
    ctx: &Ctx,
    page: &IncidentPage,
    may_link: bool,
    linked: bool,
    errors: &[FieldError],
) -> Markup {
    let (i, labels, lang) = (&page.i, &page.labels, ctx.lang());
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
                    (evidence_choice(ctx, &page.testimonies, &page.i.testimonies))
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
struct InvolvementForm {
    who: String,
    role: String,
    /// Root ids of the testimonies cited; anything else is refused by the service.
    testimony_ids: Vec<String>,
}

async fn add_involvement(
    state: web::Data<Services>,
    who: Allowed<act::CaseLink>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<InvolvementForm>,
) -> Result<HttpResponse> {
    let (p, id, f) = (who.principal, id.into_inner(), form.0);
    let target = |prefix: &str| f.who.strip_prefix(prefix).and_then(|s| s.parse::<Uuid>().ok());
    let input = NewInvolvement {
        person_id: target("person:"),
        unit_id: target("unit:"),
        role: f.role.clone(),
        testimony_ids: f.testimony_ids.iter().map(|t| t.trim().parse().unwrap_or(Uuid::nil())).collect(),
    };
    let p2 = p.clone();
    match state.tx(move |c, k| incidents::add_involvement(c, k, &p2, id, &input)).await {
        Ok(_) => Ok(see_other(&format!("/incidents/{id}?linked=1"))),
        // Shown again with the reason above the form (a testimony of another case, …).
        Err(Error::Validation(errors)) => {
            let (page, may_link) = state.tx(move |c, k| incident_page(c, k, &p, id)).await?;
            let body = incident_body(&ctx, &page, may_link, false, &errors);
            Ok(layout::render(&ctx, StatusCode::UNPROCESSABLE_ENTITY, "incident-title", Nav::Cases, body))
        }
        Err(e) => Err(e),
    }
}

async fn place(
    state: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let (p, id) = (who.principal, id.into_inner());
    let (pl, here, labels, names): (PlaceView, Vec<IncidentView>, Labels, Names) = state
        .tx(move |c, k| {
            let pl = places::get(c, k, &p, id)?;
            let all = incidents::list(c, k, &p, pl.case_id, (500, 0))?.0;
            let here = all.into_iter().filter(|i| i.place_id == Some(id)).collect();
            let names = labels::load(c, k, &p, pl.case_id, &Wanted::default())?;
            Ok((pl, here, Labels::load(c)?, names))
        })
        .await?;
    let lang = ctx.lang();
    let body = html! {
        (names::crumb(pl.case_id, &names.case_reference, &labels.of(lang, "place_type", &pl.place_type)))
        h1 { (pl.name) }
        dl.facts {
            @if let Some(a) = &pl.address { dt { (ctx.t("address")) } dd { (a) } }
            @if let (Some(la), Some(lo)) = (pl.latitude, pl.longitude) { dt { (ctx.t("coordinates")) } dd { (format!("{la:.5}, {lo:.5}")) } }
        }
        section aria-labelledby="here-h" {
            h2 #here-h { (ctx.t("incidents-here")) }
            @if here.is_empty() { p.empty { (ctx.t("involvements-none")) } }
            ul.plain { @for i in &here {
                li { a href={ "/incidents/" (i.id) } { (labels.of(lang, "act_type", &i.act_type)) }
                    @if let Some(d) = &i.start_date { " · " (lang.date(d)) }
                    " · " (ctx.ta("testimonies-n", &[("n", i.testimonies.len().into())])) }
            } }
        }
    };
    Ok(layout::page(&ctx, "place-title", Nav::Cases, body))
}

/// What the forms that add records offer to choose from.
struct Choices {
    case_id: Uuid,
    reference: String,
    labels: Labels,
    units: Vec<UnitRef>,
    places: Vec<PlaceView>,
    people: Vec<PersonView>,
}

fn choices(
    c: &mut DbConnection,
    k: &crate::crypto::Keyring,
    p: &crate::auth::Principal,
    case_id: Uuid,
) -> Result<Choices> {
    crate::access::membership::authorize(c, p, &case_id.to_string(), Action::RecordWrite)?;
    Ok(Choices {
        case_id,
        reference: labels::load(c, k, p, case_id, &Wanted::default())?.case_reference,
        labels: Labels::load(c)?,
        units: units::list(c, k, p, case_id, (500, 0))?.0,
        places: places::list(c, k, p, case_id, (500, 0))?.0,
        people: persons::list(c, k, p, case_id, None, (500, 0))?.0,
    })
}

async fn new_records(
    state: web::Data<Services>,
    who: Allowed<act::RecordWrite>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let (p, case_id) = (who.principal, id.into_inner());
    let ch = state.tx(move |c, k| choices(c, k, &p, case_id)).await?;
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

fn records_page(ctx: &Ctx, ch: &Choices, failed: Option<Which>, errors: &[FieldError]) -> HttpResponse {
    let lang = ctx.lang();
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
                    select #place_type name="place_type" { @for t in ch.labels.terms("place_type") { option value=(t.code) { (term_label(lang, t)) } } }
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
                    select #act_type name="act_type" { @for t in ch.labels.terms("act_type") { option value=(t.code) { (term_label(lang, t)) } } }
                }))
                fieldset {
                    legend { (ctx.t("methods")) }
                    @for t in ch.labels.terms("torture_method") {
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

fn split_list(s: &str) -> Vec<String> {
    s.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn opt_id(s: &str) -> Option<Uuid> {
    s.trim().parse().ok()
}

/// Runs one of the record-creating services; a validation failure shows the page
/// again with the errors next to the form that caused them.
async fn create_record<T, F>(
    state: &Services,
    ctx: &Ctx,
    p: crate::auth::Principal,
    case_id: Uuid,
    which: Which,
    create: F,
    location: impl FnOnce(&T) -> String,
) -> Result<HttpResponse>
where
    F: FnOnce(&mut DbConnection, &crate::crypto::Keyring, &crate::auth::Principal) -> Result<T>
        + Send
        + 'static,
    T: Send + 'static,
{
    let p2 = p.clone();
    match state.tx(move |c, k| create(c, k, &p2)).await {
        Ok(v) => Ok(see_other(&location(&v))),
        Err(Error::Validation(errors)) => {
            let ch = state.tx(move |c, k| choices(c, k, &p, case_id)).await?;
            Ok(records_page(ctx, &ch, Some(which), &errors))
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
#[serde(default)]
#[derive(Default)]
struct PersonForm {
    kind: String,
    names: String,
    aliases: String,
    rank: String,
    position: String,
    unit_id: String,
}

async fn create_person(
    state: web::Data<Services>,
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
    create_record(
        &state,
        &ctx,
        who.principal,
        case_id,
        Which::Person,
        move |c, k, p| persons::create(c, k, p, case_id, &input),
        |v| format!("/persons/{}", v.id),
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UnitForm {
    name: String,
    parent_id: String,
    description: String,
}

async fn create_unit(
    state: web::Data<Services>,
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
    create_record(
        &state,
        &ctx,
        who.principal,
        case_id,
        Which::Unit,
        move |c, k, p| units::create(c, k, p, case_id, &input),
        |v| format!("/units/{}", v.id),
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PlaceForm {
    place_type: String,
    name: String,
    address: String,
}

async fn create_place(
    state: web::Data<Services>,
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
    create_record(
        &state,
        &ctx,
        who.principal,
        case_id,
        Which::Place,
        move |c, k, p| places::create(c, k, p, case_id, &input),
        |v| format!("/places/{}", v.id),
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct IncidentForm {
    act_type: String,
    methods: Vec<String>,
    start_date: String,
    place_id: String,
    victim_ids: Vec<String>,
    description: String,
}

/// A date as typed (`2021`, `2021-03`, `2021-03-14`) and the precision it implies.
pub fn partial_date(typed: &str) -> (Option<String>, Precision) {
    let d = typed.trim();
    let precision = match d.len() {
        0 => Precision::Unknown,
        4 => Precision::Year,
        7 => Precision::Month,
        _ => Precision::Exact,
    };
    (opt(d), precision)
}

async fn create_incident(
    state: web::Data<Services>,
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
    create_record(
        &state,
        &ctx,
        who.principal,
        case_id,
        Which::Incident,
        move |c, k, p| incidents::create(c, k, p, case_id, &input),
        |v| format!("/incidents/{}", v.id),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_dates_carry_their_precision() {
        assert_eq!(partial_date(""), (None, Precision::Unknown));
        assert_eq!(partial_date("2021"), (Some("2021".into()), Precision::Year));
        assert_eq!(partial_date(" 2021-03 "), (Some("2021-03".into()), Precision::Month));
        assert_eq!(partial_date("2021-03-14"), (Some("2021-03-14".into()), Precision::Exact));
    }
}
