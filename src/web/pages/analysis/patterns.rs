//! Counts that show scale and system: incidents and victims per week, facility, act,
//! method and unit, and methods across facilities, drawn as small multiples, each with
//! its table. Small counts are withheld by the rule the page states.

use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use uuid::Uuid;

use super::{Labels, download, draw_with, picture, scroll, views_nav};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::analysis::model::{Cell, Matrix, Patterns, Series};
use crate::analysis::{draw, tables};
use crate::error::Result;
use crate::services::Services;
use crate::web::Ctx;
use crate::web::layout::{self, Nav};
use crate::web::pages::names;

/// The vocabulary a dimension's keys are codes of, if any.
fn vocabulary(dimension: &str) -> Option<&'static str> {
    match dimension {
        "act_type" => Some("act_type"),
        "method" => Some("torture_method"),
        _ => None,
    }
}

fn dimension_title(dimension: &str) -> &'static str {
    match dimension {
        "week" => "an-dim-week",
        "month" => "an-dim-month",
        "facility" => "an-dim-facility",
        "act_type" => "an-dim-act-type",
        "method" => "an-dim-method",
        "unit" => "an-dim-unit",
        _ => "an-dim-other",
    }
}

/// A cell's label in the reader's language (codes translated, names as recorded).
fn label(ctx: &Ctx, labels: &Labels, dimension: &str, c: &Cell) -> String {
    match vocabulary(dimension) {
        Some(v) => labels.of(ctx.lang(), v, &c.key),
        None => c.label.clone(),
    }
}

/// A count, or that it is withheld (in words, so no one reads a blank as zero).
fn count(ctx: &Ctx, min: u32, n: Option<u32>) -> Markup {
    html! {
        @match n {
            Some(n) => (n),
            None => span.withheld { (ctx.ta("an-withheld", &[("min", min.into())])) },
        }
    }
}

pub(super) async fn page(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let framed = services.analysis.patterns(who, id.into_inner()).await?;
    let (p, frame) = (framed.view, framed.frame);
    let labels = Labels::from(frame.terms);
    let case = frame.case_id;
    let body = html! {
        (names::crumb(case, &frame.case_reference, &ctx.t("an-patterns-title")))
        h1 { (ctx.t("an-patterns-title")) }
        (views_nav(&ctx, case, "patterns"))
        p.lead { (ctx.t("an-patterns-intro")) }
        p #small-count-rule { (ctx.ta("an-small-count-rule", &[("min", p.min_count.into())])) }
        dl.facts #pattern-totals {
            dt { (ctx.t("incidents-title")) } dd { (count(&ctx, p.min_count, p.incidents)) }
            dt { (ctx.t("an-victims")) } dd { (count(&ctx, p.min_count, p.victims)) }
        }
        p { a href={ "/cases/" (case) "/patterns.csv" } download { (ctx.t("an-patterns-csv")) } }
        div.multiples {
            @for s in &p.series { (series(&ctx, &labels, &p, s)) }
        }
        (matrix(&ctx, &labels, &p, &p.method_by_facility))
    };
    Ok(layout::page(&ctx, "an-patterns-title", Nav::Cases, body))
}

fn series(ctx: &Ctx, labels: &Labels, p: &Patterns, s: &Series) -> Markup {
    let title = ctx.t(dimension_title(&s.dimension));
    let svg = draw_with(ctx, labels, |w| draw::series(s, p.min_count, w));
    html! {
        section.multiple aria-label=(title) id={ "series-" (s.dimension) } {
            h2 { (title) }
            @if s.incidents.is_empty() { p.empty { (ctx.t("an-nothing-counted")) } } @else {
                (picture(svg, &ctx.ta("an-series-caption", &[("dimension", title.clone().into())])))
                details.more {
                    summary { (ctx.t("an-as-table")) }
                    (scroll(html! {
                        table.list {
                            caption.visually-hidden { (title) }
                            thead { tr {
                                th scope="col" { (title) }
                                th scope="col" { (ctx.t("incidents-title")) }
                                th scope="col" { (ctx.t("an-victims")) }
                            } }
                            tbody { @for (i, v) in s.incidents.iter().zip(&s.victims) {
                                tr {
                                    td data-label=(title) { (label(ctx, labels, &s.dimension, i)) }
                                    td data-label=(ctx.t("incidents-title")) class="num" { (count(ctx, p.min_count, i.count)) }
                                    td data-label=(ctx.t("an-victims")) class="num" { (count(ctx, p.min_count, v.count)) }
                                }
                            } }
                        }
                    }))
                }
            }
        }
    }
}

fn matrix(ctx: &Ctx, labels: &Labels, p: &Patterns, m: &Matrix) -> Markup {
    let svg = draw_with(ctx, labels, |w| draw::matrix(m, p.min_count, w));
    html! {
        section #method-by-facility aria-labelledby="matrix-h" {
            h2 #matrix-h { (ctx.t("an-matrix-title")) }
            p.hint { (ctx.t("an-matrix-intro")) }
            @if m.rows.is_empty() || m.columns.is_empty() { p.empty { (ctx.t("an-nothing-counted")) } } @else {
                (picture(svg, &ctx.t("an-matrix-title")))
                details.more {
                    summary { (ctx.t("an-as-table")) }
                    (scroll(html! {
                        table.list.wide {
                            caption.visually-hidden { (ctx.t("an-matrix-title")) }
                            thead { tr {
                                th scope="col" { (ctx.t("an-dim-method")) }
                                @for c in &m.columns { th scope="col" { (c.label) } }
                            } }
                            tbody { @for (r, cells) in m.rows.iter().zip(&m.cells) {
                                tr {
                                    th scope="row" { (label(ctx, labels, "method", r)) }
                                    @for (c, n) in m.columns.iter().zip(cells) { td data-label=(c.label) class="num" { (count(ctx, p.min_count, *n)) } }
                                }
                            } }
                        }
                    }))
                }
            }
        }
    }
}

/// The pattern counts as CSV, withheld counts empty and flagged.
pub(super) async fn csv(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let case = id.into_inner();
    let view = services.analysis.patterns(who, case).await?.view;
    Ok(download(tables::patterns(&view)?, "text/csv; charset=utf-8", &format!("case-{case}-patterns.csv")))
}
