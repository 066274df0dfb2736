//! "Detained on a day": for each facility of a case, who was held there on the day
//! asked (today by default), certainly or possibly, by pseudonym, with counts.

use actix_web::{HttpResponse, web};
use maud::html;
use serde::Deserialize;
use uuid::Uuid;

use crate::access::Allowed;
use crate::access::policy::act;
use crate::detention::Scope;
use crate::detention::durations::Presence;
use crate::detention::inputs::parse_day;
use crate::error::{Error, Result};
use crate::services::Services;
use crate::web::Ctx;
use crate::web::layout::{self, Nav};
use crate::web::pages::names;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct OnQuery {
    on: String,
}

pub(super) async fn page(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    q: web::Query<OnQuery>,
) -> Result<HttpResponse> {
    let on = match q.on.trim() {
        "" => None,
        typed => Some(parse_day("on", typed).map_err(|e| Error::InvalidQuery(vec![e]))?),
    };
    let d = services.detention.detained(who, Scope::Case(id.into_inner()), on).await?;
    let today = services.detention.today();
    let certainly: usize = d.facilities.iter().map(|f| f.certainly).sum();
    let possibly: usize = d.facilities.iter().map(|f| f.possibly).sum();
    let heading = if d.on == today {
        ctx.t("dt-detained-now")
    } else {
        ctx.ta("dt-detained-on", &[("date", ctx.lang().date(&d.on.to_string()).into())])
    };
    let body = html! {
        (names::crumb(d.case_id, &d.case_reference, &ctx.t("dt-detained-title")))
        h1 { (heading) }
        p.lead { (ctx.t("dt-detained-intro")) }
        form.filters method="get" action={ "/cases/" (d.case_id) "/detained" } {
            div.field {
                label for="on" { (ctx.t("dt-on-day")) }
                input #on name="on" type="date" value=(d.on);
            }
            button type="submit" { (ctx.t("an-show")) }
        }
        p #detained-totals { (ctx.ta("dt-detained-totals", &[("certainly", certainly.into()), ("possibly", possibly.into())])) }
        @if d.facilities.is_empty() { p.empty { (ctx.t("dt-detained-none")) } } @else {
            div.scroll { table.list #detained {
                thead { tr {
                    th scope="col" { (ctx.t("dt-facility")) }
                    th scope="col" { (ctx.t("dt-certainly")) }
                    th scope="col" { (ctx.t("dt-possibly")) }
                    th scope="col" { (ctx.t("dt-who")) }
                } }
                tbody { @for f in &d.facilities { tr {
                    td data-label=(ctx.t("dt-facility")) { a href={ "/places/" (f.place_id) } { (f.place_name) } }
                    td data-label=(ctx.t("dt-certainly")) class="num" { (f.certainly) }
                    td data-label=(ctx.t("dt-possibly")) class="num" { (f.possibly) }
                    td data-label=(ctx.t("dt-who")) {
                        ul.plain { @for p in &f.persons { li {
                            a href={ "/persons/" (p.person_id) "/detentions" } { (p.pseudonym) }
                            @if p.presence == Presence::Possibly { " " em { "(" (ctx.t("dt-possibly-one")) ")" } }
                        } } }
                    }
                } } }
            } }
        }
        p.hint { (ctx.t("dt-detained-rule")) }
    };
    Ok(layout::page(&ctx, "dt-detained-title", Nav::Cases, body))
}
