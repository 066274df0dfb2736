//! A case's analysis: what each view shows and how to read it, and where the
//! chain-of-command pictures start (the units at the top of the case's hierarchies).

use actix_web::{HttpResponse, web};
use maud::html;
use uuid::Uuid;

use super::views_nav;
use crate::access::Allowed;
use crate::access::policy::act;
use crate::error::Result;
use crate::services::Services;
use crate::web::Ctx;
use crate::web::layout::{self, Nav};
use crate::web::pages::names;

pub(super) async fn hub(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let framed = services.analysis.top_units(who, id.into_inner()).await?;
    let (units, frame) = (framed.view, framed.frame);
    let case = frame.case_id;
    let views = [
        ("corroboration", "an-corroboration-title", "an-corroboration-about"),
        ("timeline", "an-timeline-title", "an-timeline-about"),
        ("patterns", "an-patterns-title", "an-patterns-about"),
        ("map", "an-map-title", "an-map-about"),
    ];
    let body = html! {
        (names::crumb(case, &frame.case_reference, &ctx.t("an-hub-title")))
        h1 { (ctx.t("an-hub-title")) }
        (views_nav(&ctx, case, "analysis"))
        p.lead { (ctx.t("an-hub-intro")) }
        ul.plain.views-list {
            @for (path, title, about) in views {
                li {
                    a href={ "/cases/" (case) "/" (path) } { (ctx.t(title)) }
                    p.hint { (ctx.t(about)) }
                }
            }
        }
        section aria-labelledby="command-h" {
            h2 #command-h { (ctx.t("an-command-title")) }
            p.hint { (ctx.t("an-command-about")) }
            @if units.is_empty() { p.empty { (ctx.t("an-no-units")) } } @else {
                ul.plain #top-units {
                    @for (unit, name) in &units {
                        li { a href={ "/units/" (unit) "/command" } { (name) } }
                    }
                }
            }
        }
        section aria-labelledby="downloads-h" {
            h2 #downloads-h { (ctx.t("an-downloads")) }
            ul.plain {
                li { a href={ "/cases/" (case) "/corroboration.csv" } download { (ctx.t("an-corroboration-csv")) } }
                li { a href={ "/cases/" (case) "/patterns.csv" } download { (ctx.t("an-patterns-csv")) } }
                li { a href={ "/cases/" (case) "/map.geojson" } download { (ctx.t("an-map-geojson")) } }
            }
            p.hint { (ctx.t("an-audited")) }
        }
    };
    Ok(layout::page(&ctx, "an-hub-title", Nav::Cases, body))
}
