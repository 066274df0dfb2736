//! The consent ledger as its keepers use it: record an entry for a person of the case
//! (checked whole before anything is written), and read a person's ledger as history
//! (newest first) and as the grid of standing decisions. Entries are never changed:
//! re-consent and withdrawal are new entries.

use chrono::NaiveDate;
use diesel::prelude::*;
use uuid::Uuid;

use super::ledger::Decision;
use super::model::{ConsentEntry, ConsentLedger, ConsentSealed, NewConsentEntry, StandingDecision};
use super::person::{self, Subject};
use crate::cases::sealed::Sealer;
use crate::cases::validate::{self, Checks};
use crate::cases::vocab;
use crate::crypto::Keyring;
use crate::error::{Error, FieldError, Result};
use crate::export::Recipient;
use crate::rules;
use crate::store::DbConnection;
use crate::store::schema::consent_entries;

pub(super) const TABLE: &str = "consent_entries";

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = consent_entries)]
struct EntryRow {
    id: String,
    purpose: String,
    recipient: String,
    decision: String,
    decided_on: String,
    language: String,
    how_given: String,
    details: Vec<u8>,
    recorded_by: String,
    created_at: chrono::NaiveDateTime,
}

/// A date of something that has happened: not after today.
pub(super) fn not_future(field: &str, date: NaiveDate, today: NaiveDate) -> Result<(), FieldError> {
    if date > today { Err(FieldError::new(field, "in_future", "this date is in the future")) } else { Ok(()) }
}

/// An ISO 639 code as testimonies take them.
pub(super) fn language(field: &str, code: &str) -> Result<(), FieldError> {
    validate::languages(field, std::slice::from_ref(&code.to_owned()))
}

fn check(c: &mut DbConnection, input: &NewConsentEntry, today: NaiveDate) -> Result<()> {
    let mut checks = Checks::default();
    if let Some(e) = vocab::check(c, "consent_purpose", &input.purpose, "purpose")? {
        checks.0.push(e);
    }
    if Recipient::parse(&input.recipient).is_none() {
        checks.0.push(FieldError::new(
            "recipient",
            "invalid_recipient",
            "one of un_bodies, international_mechanisms, prosecutors, ngos, media, public",
        ));
    }
    checks.check(not_future("decided_on", input.decided_on, today));
    checks.check(language("language", &input.language));
    checks.check(rules::EXPLAINED.check("explained", &input.explained));
    checks.check(rules::CONSENT_TEXT_VERSION.check("text_version", &input.text_version));
    checks.check(rules::NOTES.check("notes", &input.notes));
    checks.finish()
}

/// Records one entry for a person (authorised by the caller through `subject`).
pub(super) fn record(
    c: &mut DbConnection,
    keyring: &Keyring,
    subject: &Subject,
    recorded_by: Uuid,
    input: &NewConsentEntry,
    now: chrono::NaiveDateTime,
) -> Result<ConsentEntry> {
    check(c, input, now.date())?;
    let id = Uuid::new_v4().to_string();
    let sealed = ConsentSealed {
        explained: input.explained.clone(),
        text_version: input.text_version.clone(),
        notes: input.notes.clone(),
    };
    let sealer = Sealer::create(c, keyring, TABLE, &id)?;
    diesel::insert_into(consent_entries::table)
        .values((
            consent_entries::id.eq(&id),
            consent_entries::case_id.eq(&subject.case_id),
            consent_entries::person_id.eq(&subject.person_id),
            consent_entries::purpose.eq(&input.purpose),
            consent_entries::recipient.eq(&input.recipient),
            consent_entries::decision.eq(input.decision.as_str()),
            consent_entries::decided_on.eq(input.decided_on.to_string()),
            consent_entries::language.eq(&input.language),
            consent_entries::how_given.eq(input.how_given.as_str()),
            consent_entries::details.eq(sealer.seal("details", &sealed)?),
            consent_entries::recorded_by.eq(recorded_by.to_string()),
            consent_entries::created_at.eq(now),
        ))
        .execute(c)?;
    Ok(ConsentEntry {
        id: person::uuid(&id)?,
        purpose: input.purpose.clone(),
        recipient: input.recipient.clone(),
        decision: input.decision,
        decided_on: input.decided_on.to_string(),
        language: input.language.clone(),
        how_given: input.how_given.as_str().to_owned(),
        explained: sealed.explained,
        text_version: sealed.text_version,
        notes: sealed.notes,
        recorded_by,
        recorded_at: now.and_utc(),
    })
}

/// A person's ledger: every entry newest first, and the standing decision per purpose ×
/// recipient (the newest entry of each, as `ledger::standing` finds it).
pub(super) fn ledger(c: &mut DbConnection, keyring: &Keyring, subject: &Subject) -> Result<ConsentLedger> {
    let rows: Vec<EntryRow> = consent_entries::table
        .filter(consent_entries::person_id.eq(&subject.person_id))
        .order((consent_entries::created_at.desc(), consent_entries::id.desc()))
        .select(EntryRow::as_select())
        .load(c)?;
    let mut history = Vec::with_capacity(rows.len());
    for row in rows {
        let sealed: ConsentSealed =
            Sealer::open(c, keyring, TABLE, &row.id)?.unseal("details", &row.details)?;
        history.push(ConsentEntry {
            id: person::uuid(&row.id)?,
            purpose: row.purpose,
            recipient: row.recipient,
            decision: Decision::parse(&row.decision).ok_or(Error::Integrity)?,
            decided_on: row.decided_on,
            language: row.language,
            how_given: row.how_given,
            explained: sealed.explained,
            text_version: sealed.text_version,
            notes: sealed.notes,
            recorded_by: person::uuid(&row.recorded_by)?,
            recorded_at: row.created_at.and_utc(),
        });
    }
    let mut standing: Vec<StandingDecision> = Vec::new();
    for e in &history {
        if !standing.iter().any(|s| s.purpose == e.purpose && s.recipient == e.recipient) {
            standing.push(StandingDecision {
                purpose: e.purpose.clone(),
                recipient: e.recipient.clone(),
                decision: e.decision,
                decided_on: e.decided_on.clone(),
                entry_id: e.id,
            });
        }
    }
    standing.sort_by(|a, b| (&a.purpose, &a.recipient).cmp(&(&b.purpose, &b.recipient)));
    Ok(ConsentLedger {
        person_id: person::uuid(&subject.person_id)?,
        case_id: person::uuid(&subject.case_id)?,
        case_reference: subject.case_reference.clone(),
        pseudonym: subject.pseudonym.clone(),
        standing,
        history,
    })
}
