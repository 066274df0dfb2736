//! Referrals made for a witness (medical, psychological, legal…) and their follow-up:
//! kind, dates and status in clear (the reminders read them), to whom, why and with
//! what outcome sealed.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use uuid::Uuid;

use super::entries::not_future;
use super::model::{NewReferral, Referral, ReferralSealed, ReferralStatus, ReferralUpdate};
use super::person::{self, Subject};
use crate::cases::sealed::Sealer;
use crate::cases::validate::Checks;
use crate::cases::vocab;
use crate::crypto::Keyring;
use crate::error::{Error, FieldError, Result};
use crate::rules;
use crate::store::DbConnection;
use crate::store::schema::referrals;

const TABLE: &str = "referrals";

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = referrals)]
pub(super) struct Row {
    pub id: String,
    pub person_id: String,
    pub kind: String,
    pub made_on: String,
    pub status: String,
    pub follow_up_on: Option<String>,
    pub details: Vec<u8>,
    pub updated_at: NaiveDateTime,
}

fn follow_up_after(made_on: NaiveDate, follow_up: Option<NaiveDate>) -> Result<(), FieldError> {
    match follow_up {
        Some(f) if f < made_on => Err(FieldError::new(
            "follow_up_on",
            "before_made_on",
            "a follow-up cannot come before the referral",
        )),
        _ => Ok(()),
    }
}

pub(super) fn create(
    c: &mut DbConnection,
    keyring: &Keyring,
    subject: &Subject,
    by: Uuid,
    input: &NewReferral,
    now: NaiveDateTime,
) -> Result<Referral> {
    let mut checks = Checks::default();
    if let Some(e) = vocab::check(c, "referral_kind", &input.kind, "kind")? {
        checks.0.push(e);
    }
    checks.check(not_future("made_on", input.made_on, now.date()));
    checks.check(follow_up_after(input.made_on, input.follow_up_on));
    checks.check(rules::NAME.check("referred_to", &input.referred_to));
    checks.check(rules::NOTES.check("reason", &input.reason));
    checks.check(rules::NOTES.check("outcome", &input.outcome));
    checks.finish()?;
    let id = Uuid::new_v4().to_string();
    let sealed = ReferralSealed {
        referred_to: input.referred_to.clone(),
        reason: input.reason.clone(),
        outcome: input.outcome.clone(),
    };
    let sealer = Sealer::create(c, keyring, TABLE, &id)?;
    diesel::insert_into(referrals::table)
        .values((
            referrals::id.eq(&id),
            referrals::case_id.eq(&subject.case_id),
            referrals::person_id.eq(&subject.person_id),
            referrals::kind.eq(&input.kind),
            referrals::made_on.eq(input.made_on.to_string()),
            referrals::status.eq(input.status.as_str()),
            referrals::follow_up_on.eq(input.follow_up_on.map(|d| d.to_string())),
            referrals::details.eq(sealer.seal("details", &sealed)?),
            referrals::created_by.eq(by.to_string()),
            referrals::created_at.eq(now),
            referrals::updated_at.eq(now),
        ))
        .execute(c)?;
    let row = load(c, &id)?;
    view(c, keyring, row)
}

/// The case a referral belongs to, or `NotFound`.
pub(super) fn case_of(c: &mut DbConnection, id: Uuid) -> Result<String> {
    referrals::table
        .find(id.to_string())
        .select(referrals::case_id)
        .first(c)
        .optional()?
        .ok_or(Error::NotFound)
}

pub(super) fn update(
    c: &mut DbConnection,
    keyring: &Keyring,
    id: Uuid,
    input: &ReferralUpdate,
    now: NaiveDateTime,
) -> Result<Referral> {
    let row = load(c, &id.to_string())?;
    let made_on = NaiveDate::parse_from_str(&row.made_on, "%Y-%m-%d").map_err(|_| Error::Integrity)?;
    let mut checks = Checks::default();
    checks.check(follow_up_after(made_on, input.follow_up_on));
    checks.check(rules::NOTES.check("outcome", &input.outcome));
    checks.finish()?;
    let sealer = Sealer::open(c, keyring, TABLE, &row.id)?;
    let mut sealed: ReferralSealed = sealer.unseal("details", &row.details)?;
    sealed.outcome = input.outcome.clone();
    diesel::update(referrals::table.find(&row.id))
        .set((
            referrals::status.eq(input.status.as_str()),
            referrals::follow_up_on.eq(input.follow_up_on.map(|d| d.to_string())),
            referrals::details.eq(sealer.seal("details", &sealed)?),
            referrals::updated_at.eq(now),
        ))
        .execute(c)?;
    let row = load(c, &row.id)?;
    view(c, keyring, row)
}

fn load(c: &mut DbConnection, id: &str) -> Result<Row> {
    Ok(referrals::table.find(id).select(Row::as_select()).first(c)?)
}

fn view(c: &mut DbConnection, keyring: &Keyring, row: Row) -> Result<Referral> {
    let sealed: ReferralSealed = Sealer::open(c, keyring, TABLE, &row.id)?.unseal("details", &row.details)?;
    Ok(Referral {
        id: person::uuid(&row.id)?,
        person_id: person::uuid(&row.person_id)?,
        kind: row.kind,
        made_on: row.made_on,
        status: ReferralStatus::parse(&row.status).ok_or(Error::Integrity)?,
        follow_up_on: row.follow_up_on,
        referred_to: sealed.referred_to,
        reason: sealed.reason,
        outcome: sealed.outcome,
        updated_at: row.updated_at.and_utc(),
    })
}

/// The person's referrals, newest first.
pub(super) fn of_person(c: &mut DbConnection, keyring: &Keyring, subject: &Subject) -> Result<Vec<Referral>> {
    let rows: Vec<Row> = referrals::table
        .filter(referrals::person_id.eq(&subject.person_id))
        .order((referrals::made_on.desc(), referrals::created_at.desc()))
        .select(Row::as_select())
        .load(c)?;
    rows.into_iter().map(|r| view(c, keyring, r)).collect()
}
