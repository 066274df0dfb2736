//! A person's linkage: every link between them and an incident with its corroboration,
//! and, when they commanded, the incidents of the units below them during each command
//! period (certain, or possible where a partial date only overlaps the period).

use actix_web::{HttpResponse, web};
use maud::html;
use uuid::Uuid;

use super::corroboration::{Back, links_table};
use super::{Labels, draw_with, partial, period, picture, scroll};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::analysis::draw;
use crate::analysis::model::{Corroboration, Strength, StrengthCount};
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
    let framed = services.analysis.linkage(who.clone(), id.into_inner()).await?;
    let (l, frame) = (framed.view, framed.frame);
    let labels = Labels::from(frame.terms);
    let lang = ctx.lang();
    let may_mark = super::may_mark(&services, &who, l.case_id).await;
    let periods = &l.responsibility.periods;
    // The person's links by strength, drawn as the case's are.
    let totals = Strength::ALL
        .into_iter()
        .map(|strength| StrengthCount {
            strength,
            links: l.links.iter().filter(|k| k.strength == strength).count() as u32,
        })
        .collect();
    let mine = Corroboration { links: l.links.clone(), totals };
    let svg = draw_with(&ctx, &labels, |w| draw::strengths(&mine, w));
    let body = html! {
        (names::crumb(l.case_id, &frame.case_reference, &ctx.t("an-linkage-title")))
        h1 { (ctx.t("an-linkage-title")) ": " (l.pseudonym) }
        p.lead { (ctx.t("an-linkage-intro")) }
        p { a href={ "/persons/" (l.person_id) } { (ctx.t("an-back-to-person")) } " · "
            a href={ "/cases/" (l.case_id) "/timeline?person_id=" (l.person_id) } { (ctx.t("an-person-timeline")) } }
        section aria-labelledby="links-h" {
            h2 #links-h { (ctx.t("an-links-title")) " " span.count { (l.links.len()) } }
            (picture(svg, &ctx.t("an-linkage-strengths-caption")))
            (scroll(html! {
                table.list #strength-totals {
                    caption.visually-hidden { (ctx.t("an-strengths")) }
                    thead { tr { th scope="col" { (ctx.t("an-strength")) } th scope="col" { (ctx.t("an-links")) } } }
                    tbody { @for t in &mine.totals {
                        tr { td data-label=(ctx.t("an-strength")) { (super::strength(&ctx, t.strength)) } td data-label=(ctx.t("an-links")) class="num" { (t.links) } }
                    } }
                }
            }))
            p.hint { (ctx.t("an-counting-rule")) }
            (links_table(&ctx, &labels, &l.links, may_mark.then_some(Back::Person(l.person_id)), "links"))
        }
        @if !l.namesakes.is_empty() {
            section aria-labelledby="namesakes-h" {
                h2 #namesakes-h { (ctx.t("an-namesakes")) " " span.count { (l.namesakes.len()) } }
                p.hint { (ctx.t("an-namesakes-hint")) }
                ul.plain #namesakes { @for n in &l.namesakes {
                    li { a href={ "/persons/" (n.person_id) "/linkage" } { (n.pseudonym) }
                        " · " a href={ "/cases/" (n.case_id) } { (n.case_reference) } }
                } }
                // Their links are of other cases: marked there, from those cases' pages.
                (links_table(&ctx, &labels, &l.elsewhere, None, "links-elsewhere"))
            }
        }
        @if !periods.is_empty() {
            section aria-labelledby="responsibility-h" {
                h2 #responsibility-h { (ctx.t("an-responsibility")) }
                p.hint { (ctx.t("an-attributed-hint")) }
                @for p in periods {
                    section.card.period {
                        h3 { a href={ "/units/" (p.unit_id) "/command" } { (p.unit_name) } " · " (period(&ctx, p.from, p.to)) }
                        @if p.incidents.is_empty() { p.empty { (ctx.t("an-none-in-period")) } } @else {
                            (scroll(html! {
                                table.list.wide.responsibility {
                                    thead { tr {
                                        th scope="col" { (ctx.t("incident")) }
                                        th scope="col" { (ctx.t("incident-date")) }
                                        th scope="col" { (ctx.t("unit")) }
                                        th scope="col" { (ctx.t("an-attribution")) }
                                    } }
                                    tbody { @for i in &p.incidents {
                                        tr {
                                            td data-label=(ctx.t("incident")) { a href={ "/incidents/" (i.incident_id) } { (labels.of(lang, "act_type", &i.act_type)) } }
                                            td data-label=(ctx.t("incident-date")) { (partial(&ctx, i.incident_date.as_ref())) }
                                            td data-label=(ctx.t("unit")) { a href={ "/units/" (i.unit_id) } { (i.unit_name) } }
                                            td data-label=(ctx.t("an-attribution")) { @if i.certain { (ctx.t("an-certain")) } @else { em { (ctx.t("an-possible")) } } }
                                        }
                                    } }
                                }
                            }))
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page(&ctx, "an-linkage-title", Nav::Cases, body))
}
