//! The pages of a case's records: a person, a unit, an incident (and linking people and
//! units to it), a place, and the forms that add them. Each screen asks its service for
//! one use case and renders it.

mod incident;
mod new;
mod person;
mod place;
mod unit;

use maud::{Markup, html};

use uuid::Uuid;

use super::names;
use crate::cases::incidents::InvolvementSummary;
use crate::cases::labels::Names;
use crate::cases::units::UnitRef;
use crate::cases::validate::Precision;
use crate::cases::vocab::Term;
use crate::web::Ctx;
use crate::web::i18n::Lang;
use crate::web::pages::registry::Pages;

pub fn routes(r: &mut Pages) {
    r.get("/persons/{id}", person::person);
    r.get("/units/{id}", unit::unit);
    r.get("/incidents/{id}", incident::incident);
    r.post("/incidents/{id}/involvements", incident::add_involvement);
    r.get("/places/{id}", place::place);
    r.get("/cases/{id}/records/new", new::new_records);
    r.post("/cases/{id}/persons/new", new::create_person);
    r.post("/cases/{id}/units/new", new::create_unit);
    r.post("/cases/{id}/places/new", new::create_place);
    r.post("/cases/{id}/incidents/new", new::create_incident);
}

/// Vocabulary labels in the reader's language, by code.
pub struct Labels(Vec<Term>);

impl From<Vec<Term>> for Labels {
    fn from(terms: Vec<Term>) -> Self {
        Labels(terms)
    }
}

impl Labels {
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

pub(super) fn term_label(lang: Lang, t: &Term) -> &str {
    match lang {
        Lang::En => &t.label_en,
        Lang::Ru => &t.label_ru,
    }
}

pub(super) fn involvements(
    ctx: &Ctx,
    labels: &Labels,
    names: &Names,
    items: &[InvolvementSummary],
) -> Markup {
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

pub(super) fn chain(ctx: &Ctx, units: &[UnitRef]) -> Markup {
    html! {
        @if !units.is_empty() {
            ol.plain aria-label=(ctx.t("chain-of-command")) {
                @for u in units { li { a href={ "/units/" (u.id) } { (u.name) } } }
            }
        }
    }
}

pub(super) fn split_list(s: &str) -> Vec<String> {
    s.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

pub(super) fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

pub(super) fn opt_id(s: &str) -> Option<Uuid> {
    s.trim().parse().ok()
}

/// Runs one of the record-creating services; a validation failure shows the page
/// again with the errors next to the form that caused them.
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
