//! The detention pages: a person's detention history (a picture of the custody periods
//! per facility with hearings as marks, the same as tables beside it, and the forms that
//! add each part), and a case's "who is detained on a day" per facility. Each asks the
//! detention service for one use case; the forms post with the session's CSRF token.

mod detained;
mod forms;
mod history;

use maud::{Markup, html};

use crate::cases::validate::Precision;
use crate::detention::durations::Days;
use crate::web::Ctx;
use crate::web::pages::registry::Pages;

pub fn routes(r: &mut Pages) {
    r.get("/persons/{id}/detentions", history::page);
    r.post("/persons/{id}/detentions", forms::create_episode);
    r.post("/detentions/{id}", forms::update_episode);
    r.post("/detentions/{id}/delete", forms::delete_episode);
    r.post("/detentions/{id}/custody-periods", forms::add_period);
    r.post("/detentions/{id}/custody-periods/remove", forms::remove_period);
    r.post("/detentions/{id}/charges", forms::add_charge);
    r.post("/detentions/{id}/charges/remove", forms::remove_charge);
    r.post("/detentions/{id}/hearings", forms::add_hearing);
    r.post("/detentions/{id}/hearings/remove", forms::remove_hearing);
    r.post("/detentions/{id}/incidents", forms::link_incident);
    r.post("/detentions/{id}/incidents/remove", forms::unlink_incident);
    r.get("/cases/{id}/detained", detained::page);
}

/// A number of days as the reader reads it: "412 days", "at least 411, at most 441
/// days", with "still held" when it runs to today.
fn days(ctx: &Ctx, d: Days) -> String {
    let span = match (d.least, d.most) {
        (Some(l), Some(m)) if l == m => ctx.ta("dt-days", &[("n", l.into())]),
        (Some(l), Some(m)) => ctx.ta("dt-days-range", &[("least", l.into()), ("most", m.into())]),
        (Some(l), None) => ctx.ta("dt-days-least", &[("n", l.into())]),
        (None, Some(m)) => ctx.ta("dt-days-most", &[("n", m.into())]),
        (None, None) => ctx.t("dt-days-unknown"),
    };
    if d.ongoing { format!("{span} ({})", ctx.t("dt-still-held")) } else { span }
}

/// A partial date as recorded, as precise as it is known.
fn date(ctx: &Ctx, d: Option<&str>, p: Precision) -> Markup {
    html! {
        @match d {
            Some(d) if p == Precision::Exact => (ctx.lang().date(d)),
            Some(d) if p == Precision::Estimate => (ctx.ta("dt-about", &[("date", ctx.lang().date(d).into())])),
            Some(d) => (d),
            None => span.muted { (ctx.t("dt-unknown-date")) },
        }
    }
}
