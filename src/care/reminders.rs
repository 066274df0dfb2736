//! What falls due in a case: persons owed news (`feedback_due` today or earlier) and open
//! referrals to follow up, by pseudonym, oldest first. Clear columns only: no sealed
//! field is opened, so the case page can show them on every visit.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::{FeedbackReminder, FollowUpReminder, Reminders};
use super::person;
use crate::error::Result;
use crate::store::DbConnection;
use crate::store::schema::{care_preferences, persons, referrals};

const OPEN: [&str; 2] = ["made", "accepted"];

pub(super) fn due(c: &mut DbConnection, case_id: &str, today: NaiveDate) -> Result<Reminders> {
    // ISO dates compare as text in both engines.
    let today = today.to_string();
    let feedback: Vec<(String, String, Option<String>)> = care_preferences::table
        .inner_join(persons::table.on(persons::id.eq(care_preferences::person_id)))
        .filter(care_preferences::case_id.eq(case_id))
        .filter(care_preferences::feedback_due.le(&today))
        .order((care_preferences::feedback_due.asc(), persons::pseudonym.asc()))
        .select((persons::id, persons::pseudonym, care_preferences::feedback_due))
        .load(c)?;
    let follow_ups: Vec<(String, String, String, String, Option<String>)> = referrals::table
        .inner_join(persons::table.on(persons::id.eq(referrals::person_id)))
        .filter(referrals::case_id.eq(case_id))
        .filter(referrals::status.eq_any(OPEN))
        .filter(referrals::follow_up_on.le(&today))
        .order((referrals::follow_up_on.asc(), persons::pseudonym.asc()))
        .select((referrals::id, referrals::kind, persons::id, persons::pseudonym, referrals::follow_up_on))
        .load(c)?;
    let mut out = Reminders::default();
    for (id, pseudonym, due) in feedback {
        let due = due.unwrap_or_default();
        out.feedback_due.push(FeedbackReminder { person_id: person::uuid(&id)?, pseudonym, due });
    }
    for (referral, kind, id, pseudonym, due) in follow_ups {
        out.referral_follow_up_due.push(FollowUpReminder {
            referral_id: person::uuid(&referral)?,
            kind,
            person_id: person::uuid(&id)?,
            pseudonym,
            due: due.unwrap_or_default(),
        });
    }
    Ok(out)
}
