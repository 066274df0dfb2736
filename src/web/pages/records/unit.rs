//! A unit: its chain of command, sub-units, commanders and members, and the incidents
//! they were involved in.

use actix_web::{HttpResponse, web};
use maud::html;
use uuid::Uuid;

use super::{Labels, chain, involvements};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::error::Result;
use crate::services::Services;
use crate::web::Ctx;
use crate::web::layout::{self, Nav};
use crate::web::pages::names;

pub(super) async fn unit(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let page = services.records.unit_page(who, id.into_inner()).await?;
    let (u, labels, names) = (page.unit, Labels::from(page.terms), page.names);
    let body = html! {
        (names::crumb(u.case_id, &names.case_reference, &ctx.t("unit")))
        h1 { (u.name) }
        @if !u.description.is_empty() { p.lead { (u.description) } }
        p { a #command-link href={ "/units/" (u.id) "/command" } { (ctx.t("an-command-link")) } }
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
