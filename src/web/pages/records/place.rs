//! A place and the incidents that happened there.

use actix_web::{HttpResponse, web};
use maud::html;
use uuid::Uuid;

use super::Labels;
use crate::access::Allowed;
use crate::access::policy::act;
use crate::error::Result;
use crate::services::Services;
use crate::web::Ctx;
use crate::web::layout::{self, Nav};
use crate::web::pages::names;

pub(super) async fn place(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let page = services.records.place_page(who, id.into_inner()).await?;
    let (pl, here, labels, names) = (page.place, page.incidents, Labels::from(page.terms), page.names);
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
