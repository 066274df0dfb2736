//! The reminders block of the case page: persons owed news and referrals to follow up,
//! for those who keep consent in the case (others see nothing of it).

use maud::{Markup, html};

use crate::care::model::Reminders;
use crate::web::Ctx;
use crate::web::pages::records::Labels;

pub(in crate::web::pages) fn block(ctx: &Ctx, labels: &Labels, r: &Reminders) -> Markup {
    html! {
        section.card #reminders aria-labelledby="reminders-h" {
            h2 #reminders-h { (ctx.t("care-reminders")) }
            h3 { (ctx.t("care-feedback-due-list")) " " span.count { (r.feedback_due.len()) } }
            @if r.feedback_due.is_empty() { p.empty { (ctx.t("care-nothing-due")) } }
            ul.plain #feedback-due { @for x in &r.feedback_due {
                li { a href={ "/persons/" (x.person_id) "/care" } { (x.pseudonym) } " · " (ctx.lang().date(&x.due)) }
            } }
            h3 { (ctx.t("care-follow-up-due-list")) " " span.count { (r.referral_follow_up_due.len()) } }
            @if r.referral_follow_up_due.is_empty() { p.empty { (ctx.t("care-nothing-due")) } }
            ul.plain #follow-up-due { @for x in &r.referral_follow_up_due {
                li { a href={ "/persons/" (x.person_id) "/care" } { (x.pseudonym) }
                    " · " (labels.of(ctx.lang(), "referral_kind", &x.kind))
                    " · " (ctx.lang().date(&x.due)) }
            } }
        }
    }
}
