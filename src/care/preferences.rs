//! A witness's contact and feedback preferences (one sealed record per person, with
//! the clear `feedback_due` date the reminders read), and the feedback given to them:
//! each time news is given, what was said is sealed and the next due date set.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use uuid::Uuid;

use super::entries::{language, not_future};
use super::model::{CarePreferences, FeedbackGiven, NewFeedback};
use super::person::{self, Subject};
use crate::cases::sealed::Sealer;
use crate::cases::validate::Checks;
use crate::crypto::Keyring;
use crate::error::{FieldError, Result};
use crate::rules;
use crate::store::DbConnection;
use crate::store::schema::{care_preferences, feedback_given};

const TABLE: &str = "care_preferences";
const FEEDBACK: &str = "feedback_given";

/// The sealed part: everything but the due date.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Sealed {
    channels: String,
    safe_times: String,
    language: String,
    may_contact: bool,
    feedback: super::model::FeedbackWish,
    notes: String,
}

fn check(p: &CarePreferences) -> Result<()> {
    let mut checks = Checks::default();
    checks.check(rules::CONTACT.check("channels", &p.channels));
    checks.check(rules::INTERVIEW_DETAIL.check("safe_times", &p.safe_times));
    if !p.language.is_empty() {
        checks.check(language("language", &p.language));
    }
    checks.check(rules::INTERVIEW_DETAIL.check("feedback.what", &p.feedback.what));
    checks.check(rules::INTERVIEW_DETAIL.check("feedback.how_often", &p.feedback.how_often));
    checks.check(rules::NOTES.check("notes", &p.notes));
    checks.finish()
}

/// The person's preferences, if recorded.
pub(super) fn load(
    c: &mut DbConnection,
    keyring: &Keyring,
    subject: &Subject,
) -> Result<Option<CarePreferences>> {
    let row: Option<(Option<String>, Vec<u8>)> = care_preferences::table
        .find(&subject.person_id)
        .select((care_preferences::feedback_due, care_preferences::details))
        .first(c)
        .optional()?;
    let Some((due, details)) = row else { return Ok(None) };
    let s: Sealed = Sealer::open(c, keyring, TABLE, &subject.person_id)?.unseal("details", &details)?;
    Ok(Some(CarePreferences {
        channels: s.channels,
        safe_times: s.safe_times,
        language: s.language,
        may_contact: s.may_contact,
        feedback: s.feedback,
        notes: s.notes,
        feedback_due: due.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
    }))
}

/// Writes the preferences whole (the person's record keeps one key for good).
pub(super) fn save(
    c: &mut DbConnection,
    keyring: &Keyring,
    subject: &Subject,
    by: Uuid,
    p: &CarePreferences,
    now: NaiveDateTime,
) -> Result<()> {
    check(p)?;
    let sealed = Sealed {
        channels: p.channels.clone(),
        safe_times: p.safe_times.clone(),
        language: p.language.clone(),
        may_contact: p.may_contact,
        feedback: p.feedback.clone(),
        notes: p.notes.clone(),
    };
    write(c, keyring, subject, by, &sealed, p.feedback_due, now)
}

fn write(
    c: &mut DbConnection,
    keyring: &Keyring,
    subject: &Subject,
    by: Uuid,
    sealed: &Sealed,
    due: Option<NaiveDate>,
    now: NaiveDateTime,
) -> Result<()> {
    let exists: i64 = care_preferences::table.find(&subject.person_id).count().get_result(c)?;
    let due = due.map(|d| d.to_string());
    if exists > 0 {
        let sealer = Sealer::open(c, keyring, TABLE, &subject.person_id)?;
        diesel::update(care_preferences::table.find(&subject.person_id))
            .set((
                care_preferences::feedback_due.eq(due),
                care_preferences::details.eq(sealer.seal("details", sealed)?),
                care_preferences::updated_by.eq(by.to_string()),
                care_preferences::updated_at.eq(now),
            ))
            .execute(c)?;
    } else {
        let sealer = Sealer::create(c, keyring, TABLE, &subject.person_id)?;
        diesel::insert_into(care_preferences::table)
            .values((
                care_preferences::person_id.eq(&subject.person_id),
                care_preferences::case_id.eq(&subject.case_id),
                care_preferences::feedback_due.eq(due),
                care_preferences::details.eq(sealer.seal("details", sealed)?),
                care_preferences::updated_by.eq(by.to_string()),
                care_preferences::updated_at.eq(now),
            ))
            .execute(c)?;
    }
    Ok(())
}

/// Records feedback given and sets the next due date (none clears it). Preferences not
/// yet recorded are started empty, so the reminder has somewhere to live.
pub(super) fn give_feedback(
    c: &mut DbConnection,
    keyring: &Keyring,
    subject: &Subject,
    by: Uuid,
    input: &NewFeedback,
    now: NaiveDateTime,
) -> Result<FeedbackGiven> {
    let mut checks = Checks::default();
    checks.check(not_future("given_on", input.given_on, now.date()));
    checks.check(rules::EXPLAINED.check("summary", &input.summary));
    if input.next_due.is_some_and(|d| d < input.given_on) {
        checks.0.push(FieldError::new(
            "next_due",
            "before_given_on",
            "news cannot fall due before it was given",
        ));
    }
    checks.finish()?;
    let id = Uuid::new_v4().to_string();
    let sealer = Sealer::create(c, keyring, FEEDBACK, &id)?;
    diesel::insert_into(feedback_given::table)
        .values((
            feedback_given::id.eq(&id),
            feedback_given::case_id.eq(&subject.case_id),
            feedback_given::person_id.eq(&subject.person_id),
            feedback_given::given_on.eq(input.given_on.to_string()),
            feedback_given::details.eq(sealer.seal("summary", &input.summary)?),
            feedback_given::created_by.eq(by.to_string()),
            feedback_given::created_at.eq(now),
        ))
        .execute(c)?;
    let exists: i64 = care_preferences::table.find(&subject.person_id).count().get_result(c)?;
    if exists > 0 {
        diesel::update(care_preferences::table.find(&subject.person_id))
            .set((
                care_preferences::feedback_due.eq(input.next_due.map(|d| d.to_string())),
                care_preferences::updated_by.eq(by.to_string()),
                care_preferences::updated_at.eq(now),
            ))
            .execute(c)?;
    } else {
        write(c, keyring, subject, by, &Sealed::default(), input.next_due, now)?;
    }
    Ok(FeedbackGiven {
        id: person::uuid(&id)?,
        given_on: input.given_on.to_string(),
        summary: input.summary.clone(),
        recorded_at: now.and_utc(),
    })
}

/// Feedback given to the person, newest first.
pub(super) fn feedback(
    c: &mut DbConnection,
    keyring: &Keyring,
    subject: &Subject,
) -> Result<Vec<FeedbackGiven>> {
    let rows: Vec<(String, String, Vec<u8>, NaiveDateTime)> = feedback_given::table
        .filter(feedback_given::person_id.eq(&subject.person_id))
        .order((feedback_given::given_on.desc(), feedback_given::created_at.desc()))
        .select((
            feedback_given::id,
            feedback_given::given_on,
            feedback_given::details,
            feedback_given::created_at,
        ))
        .load(c)?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, given_on, details, at) in rows {
        let summary: String = Sealer::open(c, keyring, FEEDBACK, &id)?.unseal("summary", &details)?;
        out.push(FeedbackGiven { id: person::uuid(&id)?, given_on, summary, recorded_at: at.and_utc() });
    }
    Ok(out)
}
