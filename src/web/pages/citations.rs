//! Testimonies as evidence: how a cited testimony is named (witness pseudonym, version,
//! date) and how an investigator chooses the ones that support an involvement.

use maud::{Markup, html};
use uuid::Uuid;

use crate::cases::testimonies::TestimonySummary;
use crate::web::Ctx;

/// A testimony as a citation: the witness's pseudonym, its version and its date
/// (`W-0031 · version 2 · 5 Mar 2024`).
pub fn citation(ctx: &Ctx, t: &TestimonySummary) -> String {
    let sealed_on = t.sealed_at.map(|at| at.date_naive().to_string());
    super::names::testimony_text(
        ctx,
        &t.witness_pseudonym,
        t.version,
        t.interview_date.as_deref().or(sealed_on.as_deref()),
    )
}

/// The case's testimonies to cite for an involvement, those describing this incident
/// first; each named by witness pseudonym, version and date.
pub fn evidence_choice(ctx: &Ctx, testimonies: &[TestimonySummary], describing: &[Uuid]) -> Markup {
    let here = |t: &&TestimonySummary| describing.contains(&t.root_id);
    let ordered: Vec<&TestimonySummary> =
        testimonies.iter().filter(here).chain(testimonies.iter().filter(|t| !here(t))).collect();
    html! {
        fieldset #evidence {
            legend { (ctx.t("involvement-evidence")) }
            @if ordered.is_empty() { p.empty { (ctx.t("involvement-evidence-none")) } }
            @else { p.hint { (ctx.t("involvement-evidence-hint")) } }
            @for t in ordered {
                div.choice {
                    input type="checkbox" name="testimony_ids" value=(t.root_id) id={ "ev-" (t.root_id) };
                    label for={ "ev-" (t.root_id) } {
                        (citation(ctx, t))
                        @if describing.contains(&t.root_id) {
                            span.explain { (ctx.t("involvement-evidence-describes")) }
                        }
                    }
                }
            }
        }
    }
}
