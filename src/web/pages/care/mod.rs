//! The care of witnesses: a person's consent page (the grid of standing decisions, the
//! history, the form to record), their care page (preferences, feedback, referrals),
//! the reminders block of the case page, and the "interviewed before?" check.

mod consent;
mod preferences;
mod prior;
mod reminders;

use chrono::NaiveDate;

use crate::error::FieldError;
use crate::web::pages::registry::Pages;

pub(super) use reminders::block as reminders_block;

pub fn routes(r: &mut Pages) {
    r.get("/persons/{id}/consent", consent::page);
    r.post("/persons/{id}/consent", consent::record);
    r.get("/persons/{id}/care", preferences::page);
    r.post("/persons/{id}/care", preferences::save);
    r.post("/persons/{id}/feedback", preferences::feedback);
    r.post("/persons/{id}/referrals", preferences::add_referral);
    r.post("/referrals/{id}", preferences::update_referral);
    r.get("/prior-interviews", prior::page);
    r.post("/prior-interviews", prior::check);
}

/// A date typed into a form: `YYYY-MM-DD`, or a field error naming it.
fn date(field: &str, value: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(FieldError::new(field, "invalid_date", "expected YYYY-MM-DD"));
            None
        }
    }
}

/// An optional date: empty is none.
fn optional_date(field: &str, value: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    if value.trim().is_empty() { None } else { date(field, value, errors) }
}
