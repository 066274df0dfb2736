//! A person: what the reader may know of them, their unit and its chain of command,
//! and the incidents they were involved in.

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
use crate::web::pages::cases::{kind_id, person_label};
use crate::web::pages::names;

pub(super) async fn person(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let medical =
        crate::access::policy::allowed(who.principal.role, crate::access::policy::Action::MedicalRead);
    let page = services.records.person_page(who, id.into_inner()).await?;
    let (person, unit, labels, names) = (page.person, page.unit, Labels::from(page.terms), page.names);
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
            p { a #linkage-link href={ "/persons/" (person.id) "/linkage" } { (ctx.t("an-linkage-link")) }
                " · " a #consent-link href={ "/persons/" (person.id) "/consent" } { (ctx.t("care-consent-title")) } }
            p { a #detention-link href={ "/persons/" (person.id) "/detentions" } { (ctx.t("dt-title")) } }
        }
        // Evaluations are medical data: only a role that may read them learns of them.
        @if medical {
            p { a #evaluations-link href={ "/persons/" (person.id) "/evaluations" } { (ctx.t("ev-list-title")) } }
        }
    };
    Ok(layout::page(&ctx, "person-title", Nav::Cases, body))
}
