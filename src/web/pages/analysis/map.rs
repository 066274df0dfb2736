//! The places of a case on a simple offline map, sized by their incidents, with the same
//! places in a table, and as GeoJSON for QGIS or any map tool.

use actix_web::{HttpResponse, web};
use maud::html;
use uuid::Uuid;

use super::{Labels, download, draw_with, picture, scroll, views_nav};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::analysis::{draw, places};
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
    let framed = services.analysis.places(who, id.into_inner()).await?;
    let (m, frame) = (framed.view, framed.frame);
    let labels = Labels::from(frame.terms);
    let case = frame.case_id;
    let svg = draw_with(&ctx, &labels, |w| draw::map(&m, w));
    let lang = ctx.lang();
    let body = html! {
        (names::crumb(case, &frame.case_reference, &ctx.t("an-map-title")))
        h1 { (ctx.t("an-map-title")) }
        (views_nav(&ctx, case, "map"))
        p.lead { (ctx.t("an-map-intro")) }
        (picture(svg, &ctx.t("an-map-caption")))
        @if m.without_coordinates > 0 {
            p #without-coordinates { (ctx.ta("an-without-coordinates", &[("n", m.without_coordinates.into())])) }
        }
        p { a href={ "/cases/" (case) "/map.geojson" } download { (ctx.t("an-map-geojson")) } }
        section aria-labelledby="places-h" {
            h2 #places-h { (ctx.t("places-title")) " " span.count { (m.points.len()) } }
            @if m.points.is_empty() { p.empty { (ctx.t("an-no-points")) } } @else {
                (scroll(html! {
                    table.list.wide #places-table {
                        caption.visually-hidden { (ctx.t("places-title")) }
                        thead { tr {
                            th scope="col" { (ctx.t("place-name")) }
                            th scope="col" { (ctx.t("place-type")) }
                            th scope="col" { (ctx.t("an-latitude")) }
                            th scope="col" { (ctx.t("an-longitude")) }
                            th scope="col" { (ctx.t("incidents-title")) }
                        } }
                        tbody { @for p in &m.points {
                            tr {
                                td data-label=(ctx.t("place-name")) { a href={ "/places/" (p.place_id) } { (p.name) } }
                                td data-label=(ctx.t("place-type")) { (labels.of(lang, "place_type", &p.place_type)) }
                                td data-label=(ctx.t("an-latitude")) class="num" { (format!("{:.4}", p.latitude)) }
                                td data-label=(ctx.t("an-longitude")) class="num" { (format!("{:.4}", p.longitude)) }
                                td data-label=(ctx.t("incidents-title")) class="num" { (p.incidents) }
                            }
                        } }
                    }
                }))
            }
        }
    };
    Ok(layout::page(&ctx, "an-map-title", Nav::Cases, body))
}

/// The places as a GeoJSON FeatureCollection (RFC 7946).
pub(super) async fn geojson(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let case = id.into_inner();
    let view = services.analysis.places(who, case).await?.view;
    let body = places::geojson(&view).to_string().into_bytes();
    Ok(download(body, "application/geo+json", &format!("case-{case}-places.geojson")))
}
