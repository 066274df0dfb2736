//! A unit's chain of command: the hierarchy below it with its commanders over time, the
//! incidents of each unit and those rolled up from below, and for each commander's
//! period the incidents attributed to them (certain, or possible where a partial date
//! only overlaps the period).

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use uuid::Uuid;

use super::{Labels, draw_with, partial, period, picture, scroll};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::analysis::draw;
use crate::analysis::model::{CommandNode, CommandPeriod, CommandTree, IncidentRef};
use crate::error::Result;
use crate::services::Services;
use crate::web::Ctx;
use crate::web::layout::{self, Nav};
use crate::web::pages::names;

pub(super) async fn page(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let unit = id.into_inner();
    let framed = services.analysis.command(who, unit).await?;
    let (tree, frame) = (framed.view, framed.frame);
    let bars: HashMap<Uuid, &IncidentRef> = tree.incidents.iter().map(|i| (i.incident_id, i)).collect();
    let labels = Labels::from(frame.terms);
    let svg = draw_with(&ctx, &labels, |w| draw::command(&tree, w));
    let top = tree.nodes.first().map(|n| n.name.clone()).unwrap_or_default();
    let body = html! {
        (names::crumb(frame.case_id, &frame.case_reference, &ctx.t("an-command-title")))
        h1 { (ctx.t("an-command-title")) ": " (top) }
        p.lead { (ctx.t("an-command-intro")) }
        p { a href={ "/units/" (unit) } { (ctx.t("an-back-to-unit")) } " · "
            a href={ "/cases/" (frame.case_id) "/timeline?lanes=unit&unit_id=" (unit) } { (ctx.t("an-unit-timeline")) } }
        (picture(svg, &ctx.t("an-command-caption")))
        @if !tree.cut.is_empty() { p.warn #cut { (ctx.ta("an-cut", &[("n", tree.cut.len().into())])) } }
        section aria-labelledby="units-h" {
            h2 #units-h { (ctx.t("an-hierarchy")) " " span.count { (tree.nodes.len()) } }
            (hierarchy(&ctx, &tree))
        }
        section aria-labelledby="attributed-h" {
            h2 #attributed-h { (ctx.t("an-attributed")) }
            p.hint { (ctx.t("an-attributed-hint")) }
            @let periods: Vec<(&CommandNode, &CommandPeriod)> =
                tree.nodes.iter().flat_map(|n| n.commanders.iter().map(move |c| (n, c))).collect();
            @if periods.is_empty() { p.empty { (ctx.t("an-no-commanders")) } }
            @for (node, c) in periods { (attributed(&ctx, &labels, &bars, node, c)) }
        }
    };
    Ok(layout::page(&ctx, "an-command-title", Nav::Cases, body))
}

fn hierarchy(ctx: &Ctx, tree: &CommandTree) -> Markup {
    html! {
        (scroll(html! {
            table.list.wide #command-table {
                caption.visually-hidden { (ctx.t("an-hierarchy")) }
                thead { tr {
                    th scope="col" { (ctx.t("unit")) }
                    th scope="col" { (ctx.t("an-level")) }
                    th scope="col" { (ctx.t("commanders")) }
                    th scope="col" { (ctx.t("an-own-incidents")) }
                    th scope="col" { (ctx.t("an-rolled-up")) }
                } }
                tbody { @for n in &tree.nodes {
                    tr {
                        td data-label=(ctx.t("unit")) class={ "level-" (n.depth.min(6)) } {
                            @if n.depth > 0 { span aria-hidden="true" { "└ " } }
                            a href={ "/units/" (n.unit_id) "/command" } { (n.name) }
                        }
                        td data-label=(ctx.t("an-level")) class="num" { (n.depth) }
                        td data-label=(ctx.t("commanders")) { @if n.commanders.is_empty() { span.empty { "—" } } @else {
                            ul.plain.tight { @for c in &n.commanders {
                                li { a href={ "/persons/" (c.person_id) "/linkage" } { (c.pseudonym) }
                                    " · " (period(ctx, c.from, c.to)) }
                            } }
                        } }
                        td data-label=(ctx.t("an-own-incidents")) class="num" { (n.own_incidents.len()) }
                        td data-label=(ctx.t("an-rolled-up")) class="num" { (n.rolled_up) }
                    }
                } }
            }
        }))
    }
}

fn attributed(
    ctx: &Ctx,
    labels: &Labels,
    bars: &HashMap<Uuid, &IncidentRef>,
    node: &CommandNode,
    c: &CommandPeriod,
) -> Markup {
    let incident = |id: &Uuid| -> Markup {
        let (act, when) = match bars.get(id) {
            Some(b) => (labels.of(ctx.lang(), "act_type", &b.act_type), partial(ctx, b.date.as_ref())),
            None => (ctx.t("incident"), ctx.t("an-undated")),
        };
        html! { a href={ "/incidents/" (id) } { (act) } " · " (when) }
    };
    html! {
        section.card.period {
            h3 { a href={ "/persons/" (c.person_id) "/linkage" } { (c.pseudonym) } " · " (node.name) " · " (period(ctx, c.from, c.to)) }
            @if c.incidents.is_empty() && c.possibly.is_empty() { p.empty { (ctx.t("an-none-in-period")) } }
            @if !c.incidents.is_empty() {
                p { strong { (ctx.t("an-certain")) } }
                ul.plain { @for i in &c.incidents { li { (incident(i)) } } }
            }
            @if !c.possibly.is_empty() {
                p { strong { (ctx.t("an-possible")) } }
                ul.plain { @for i in &c.possibly { li { (incident(i)) } } }
            }
        }
    }
}
