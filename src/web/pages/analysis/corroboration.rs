//! The corroboration of a case's involvements: how many independent witnesses support
//! each link between a person or unit and an incident, and which accounts an
//! investigator marked as contradicting it. Filtered and ordered by a GET form; the same
//! rows as CSV; a small form on each source to mark its stance.

use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use super::{Labels, download, draw_with, partial, picture, reliability, scroll, strength, views_nav};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::analysis::corroboration::Order;
use crate::analysis::model::{Link, Stance, Strength, Subject};
use crate::analysis::{CorroborationQuery, draw, tables};
use crate::error::Result;
use crate::services::Services;
use crate::web::layout::{self, Nav, csrf_field};
use crate::web::pages::auth::see_other;
use crate::web::pages::names;
use crate::web::{Ctx, Form};

/// The filter as typed in the query string; anything unknown means "all" or the default.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct TableForm {
    strength: String,
    order: String,
}

const ORDERS: [(Order, &str, &str); 3] = [
    (Order::Strongest, "strongest", "an-order-strongest"),
    (Order::Weakest, "weakest", "an-order-weakest"),
    (Order::Date, "date", "an-order-date"),
];

impl TableForm {
    fn strength(&self) -> Option<Strength> {
        Strength::ALL.into_iter().find(|s| s.as_str() == self.strength)
    }

    fn order(&self) -> Order {
        ORDERS.iter().find(|(_, code, _)| *code == self.order).map(|(o, ..)| *o).unwrap_or_default()
    }

    fn query(&self) -> CorroborationQuery {
        CorroborationQuery { strength: self.strength(), order: Some(self.order()) }
    }

    /// The same filter as a query string, from the parsed values only.
    fn query_string(&self) -> String {
        let order =
            ORDERS.iter().find(|(o, ..)| *o == self.order()).map(|(_, c, _)| *c).unwrap_or("strongest");
        match self.strength() {
            Some(s) => format!("?strength={}&order={order}", s.as_str()),
            None => format!("?order={order}"),
        }
    }
}

/// Where a stance form sends the reader back to.
#[derive(Debug, Clone, Copy)]
pub(super) enum Back {
    Case(Uuid),
    Person(Uuid),
}

pub(super) async fn page(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    q: web::Query<TableForm>,
) -> Result<HttpResponse> {
    let f = q.into_inner();
    let framed = services.analysis.corroboration(who.clone(), id.into_inner(), f.query()).await?;
    let (view, frame) = (framed.view, framed.frame);
    let labels = Labels::from(frame.terms);
    let case = frame.case_id;
    let svg = draw_with(&ctx, &labels, |w| draw::strengths(&view, w));
    let may_mark = super::may_mark(&services, &who, case).await;
    let body = html! {
        (names::crumb(case, &frame.case_reference, &ctx.t("an-corroboration-title")))
        h1 { (ctx.t("an-corroboration-title")) }
        (views_nav(&ctx, case, "corroboration"))
        p.lead { (ctx.t("an-corroboration-intro")) }
        section aria-labelledby="strengths-h" {
            h2 #strengths-h { (ctx.t("an-strengths")) }
            (picture(svg, &ctx.t("an-strengths-caption")))
            (scroll(html! {
                table.list #strength-totals {
                    caption.visually-hidden { (ctx.t("an-strengths")) }
                    thead { tr { th scope="col" { (ctx.t("an-strength")) } th scope="col" { (ctx.t("an-links")) } } }
                    tbody { @for t in &view.totals {
                        tr { td data-label=(ctx.t("an-strength")) { (strength(&ctx, t.strength)) } td data-label=(ctx.t("an-links")) class="num" { (t.links) } }
                    } }
                }
            }))
        }
        section aria-labelledby="links-h" {
            h2 #links-h { (ctx.t("an-links-title")) " " span.count { (view.links.len()) } }
            (filter_form(&ctx, case, &f))
            p { a href={ "/cases/" (case) "/corroboration.csv" (f.query_string()) } download { (ctx.t("an-corroboration-csv")) } }
            p.hint { (ctx.t("an-counting-rule")) }
            (links_table(&ctx, &labels, &view.links, may_mark.then_some(Back::Case(case)), "links"))
        }
    };
    Ok(layout::page(&ctx, "an-corroboration-title", Nav::Cases, body))
}

fn filter_form(ctx: &Ctx, case: Uuid, f: &TableForm) -> Markup {
    let chosen = f.strength();
    let order = f.order();
    html! {
        form.filters #corroboration-form method="get" action={ "/cases/" (case) "/corroboration" } {
            div.field {
                label for="strength" { (ctx.t("an-strength")) }
                select #strength name="strength" {
                    option value="" selected[chosen.is_none()] { (ctx.t("an-all")) }
                    @for s in Strength::ALL {
                        option value=(s.as_str()) selected[chosen == Some(s)] { (ctx.t(super::strength_id(s))) }
                    }
                }
            }
            div.field {
                label for="order" { (ctx.t("an-order")) }
                select #order name="order" {
                    @for (o, code, label) in ORDERS {
                        option value=(code) selected[order == o] { (ctx.t(label)) }
                    }
                }
            }
            div.field { button type="submit" { (ctx.t("an-show")) } }
        }
    }
}

/// The links with their counts and sources; with `back`, each source carries a form to
/// mark it as contradicting (or again supporting) its link.
pub(super) fn links_table(
    ctx: &Ctx,
    labels: &Labels,
    links: &[Link],
    back: Option<Back>,
    id: &str,
) -> Markup {
    let lang = ctx.lang();
    // The columns' names, also each cell's label when a phone stacks the table.
    let h = [
        "an-subject",
        "involvement-role",
        "incident",
        "an-strength",
        "an-independent",
        "an-first-hand",
        "an-second-hand",
        "an-contradicting",
        "an-sources",
    ]
    .map(|id| ctx.t(id));
    html! {
        @if links.is_empty() { p.empty id={ (id) "-none" } { (ctx.t("an-links-none")) } } @else {
            (scroll(html! {
                table.list.wide id=(id) {
                    caption.visually-hidden { (ctx.t("an-links-title")) }
                    thead { tr { @for name in &h { th scope="col" { (name) } } } }
                    tbody { @for l in links {
                        tr id={ "link-" (l.involvement_id) } {
                            td data-label=(h[0]) { @match &l.subject {
                                Subject::Person { id, pseudonym } => a href={ "/persons/" (id) } { (pseudonym) },
                                Subject::Unit { id, name } => { a href={ "/units/" (id) } { (name) } " " span.kind { (ctx.t("unit")) } },
                            } }
                            td data-label=(h[1]) { (labels.of(lang, "involvement_role", &l.role)) }
                            td data-label=(h[2]) {
                                a href={ "/incidents/" (l.incident_id) } { (labels.of(lang, "act_type", &l.act_type)) }
                                br; span.hint { (partial(ctx, l.incident_date.as_ref())) }
                            }
                            td data-label=(h[3]) { (strength(ctx, l.strength)) }
                            td data-label=(h[4]) class="num" { (l.independent) }
                            td data-label=(h[5]) class="num" { (l.first_hand) }
                            td data-label=(h[6]) class="num" { (l.second_hand) }
                            td data-label=(h[7]) class="num" { (l.contradicting) }
                            td data-label=(h[8]) class="sources" { (sources(ctx, labels, l, back)) }
                        }
                    } }
                }
            }))
        }
    }
}

fn sources(ctx: &Ctx, labels: &Labels, l: &Link, back: Option<Back>) -> Markup {
    html! {
        @if l.sources.is_empty() { span.empty { (ctx.t("an-no-sources")) } } @else {
            ul.sources {
                @for s in &l.sources {
                    li {
                        a href={ "/testimonies/" (s.testimony_id) } { (s.witness_pseudonym) }
                        " · " (labels.of(ctx.lang(), "source_connection", &s.source_connection))
                        " · " (reliability(ctx, &s.reliability))
                        @if s.stance == Stance::Contradicts { " · " strong.contradicts { (ctx.t("an-contradicts")) } }
                        @if let Some(back) = back { (stance_form(ctx, l.involvement_id, s.testimony_id, s.stance, back)) }
                    }
                }
            }
        }
    }
}

fn stance_form(ctx: &Ctx, involvement: Uuid, testimony: Uuid, now: Stance, back: Back) -> Markup {
    let (to, label) = match now {
        Stance::Supports => (Stance::Contradicts, "an-mark-contradicts"),
        Stance::Contradicts => (Stance::Supports, "an-mark-supports"),
    };
    html! {
        form.stance method="post" action={ "/involvements/" (involvement) "/stance" } {
            (csrf_field(ctx))
            input type="hidden" name="testimony_id" value=(testimony);
            input type="hidden" name="stance" value=(to.as_str());
            @match back {
                Back::Case(c) => input type="hidden" name="case_id" value=(c);,
                Back::Person(p) => input type="hidden" name="person_id" value=(p);,
            }
            button.link type="submit" { (ctx.t(label)) }
        }
    }
}

/// The corroboration table as CSV, filtered and ordered as the page is.
pub(super) async fn csv(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    id: web::Path<Uuid>,
    q: web::Query<TableForm>,
) -> Result<HttpResponse> {
    let case = id.into_inner();
    let view = services.analysis.corroboration(who, case, q.into_inner().query()).await?.view;
    let bytes = tables::corroboration(&view)?;
    Ok(download(bytes, "text/csv; charset=utf-8", &format!("case-{case}-corroboration.csv")))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct StanceForm {
    testimony_id: String,
    stance: String,
    case_id: String,
    person_id: String,
}

/// Marks a source as contradicting (or supporting) a link, and goes back to the row.
pub(super) async fn set_stance(
    services: web::Data<Services>,
    who: Allowed<act::CaseLink>,
    id: web::Path<Uuid>,
    form: Form<StanceForm>,
) -> Result<HttpResponse> {
    let (involvement, f) = (id.into_inner(), form.0);
    // Passed on as sent, so the case is authorised before the input is judged: an id
    // that is none is no testimony of the case (422), and only `contradicts` contradicts.
    let testimony = f.testimony_id.trim().parse().unwrap_or(Uuid::nil());
    let stance = Stance::parse(f.stance.trim());
    services.analysis.set_stance(who, involvement, testimony, stance).await?;
    let back = if let Ok(person) = f.person_id.trim().parse::<Uuid>() {
        format!("/persons/{person}/linkage#link-{involvement}")
    } else if let Ok(case) = f.case_id.trim().parse::<Uuid>() {
        format!("/cases/{case}/corroboration#link-{involvement}")
    } else {
        "/".to_owned()
    };
    Ok(see_other(&back))
}
