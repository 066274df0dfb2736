//! Recording, changing and deleting an episode. Each is one transaction: checked whole
//! (every field error at once, nothing written on any), sealed, audited.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::access::{authorize_episode, authorize_person, same_case};
use super::durations::certainly_before;
use super::inputs::{NewEpisode, check_episode, check_within};
use super::load::{self, CHARGES, EPISODES, HEARINGS, PERIODS};
use crate::access::membership::RecordTable;
use crate::access::{Allowed, act};
use crate::analysis::model::DaySpan;
use crate::audit::{self, Entry};
use crate::cases::sealed::Sealer;
use crate::cases::validate::Checks;
use crate::cases::vocab;
use crate::crypto::Keyring;
use crate::error::{FieldError, Result};
use crate::keys::store as key_store;
use crate::store::DbConnection;
use crate::store::schema::{charges, custody_periods, detention_episodes, detention_incidents, hearings};

/// Everything an episode's input must satisfy in its case; on a change, its periods and
/// linked incidents must still lie within it.
fn check(c: &mut DbConnection, case_id: &str, input: &NewEpisode, existing: Option<&str>) -> Result<()> {
    let mut checks = Checks::default();
    let (arrest, release) = check_episode(&mut checks, input);
    if let Some(kind) = &input.sentence_kind
        && let Some(e) = vocab::check(c, "sentence_kind", kind, "sentence_kind")?
    {
        checks.0.push(e);
    }
    if let Some(id) = existing {
        periods_still_within(c, id, &mut checks, (arrest, release))?;
    }
    checks.finish()?;
    same_case(c, RecordTable::Place, input.arrest_place_id, case_id, "arrest_place_id")?;
    same_case(c, RecordTable::Unit, input.arrest_unit_id, case_id, "arrest_unit_id")?;
    Ok(())
}

/// New dates for an episode must keep its custody periods inside it: a period the new
/// arrest or release would leave outside is named on that date's field.
fn periods_still_within(
    c: &mut DbConnection,
    id: &str,
    checks: &mut Checks,
    (arrest, release): (Option<DaySpan>, Option<DaySpan>),
) -> Result<()> {
    let loaded = load::load_dates(c, load::Of::Episode(id))?;
    for p in loaded.periods.values().flatten() {
        let from = load::to_span(p.from_date.as_deref(), &p.from_precision);
        let to = load::to_span(p.to_date.as_deref(), &p.to_precision);
        let mut one = Checks::default();
        check_within(&mut one, (from, to), (arrest, release));
        if !one.0.is_empty() {
            let before_arrest = arrest.is_some_and(|a| from.or(to).is_some_and(|f| certainly_before(f, a)));
            let (field, what) = if before_arrest {
                ("arrest_date", "a custody period of this episode begins before this arrest date")
            } else {
                ("release_date", "a custody period of this episode ends after this release date")
            };
            checks.0.push(FieldError::new(field, "periods_outside", what));
            break;
        }
    }
    Ok(())
}

pub(super) fn create(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::RecordWrite>,
    person_id: Uuid,
    input: &NewEpisode,
    now: NaiveDateTime,
) -> Result<String> {
    let person_id = person_id.to_string();
    let (case_id, _) = authorize_person(c, who, &person_id)?;
    check(c, &case_id, input, None)?;
    let id = Uuid::new_v4().to_string();
    let sealer = Sealer::create(c, keyring, EPISODES, &id)?;
    diesel::insert_into(detention_episodes::table)
        .values((
            detention_episodes::id.eq(&id),
            detention_episodes::case_id.eq(&case_id),
            detention_episodes::person_id.eq(&person_id),
            detention_episodes::arrest_date.eq(&input.arrest_date),
            detention_episodes::arrest_precision.eq(input.arrest_precision.as_str()),
            detention_episodes::arrest_place_id.eq(input.arrest_place_id.map(|p| p.to_string())),
            detention_episodes::arrest_unit_id.eq(input.arrest_unit_id.map(|u| u.to_string())),
            detention_episodes::release_date.eq(&input.release_date),
            detention_episodes::release_precision.eq(input.release_precision.as_str()),
            detention_episodes::status.eq(input.status.as_str()),
            detention_episodes::sentence_kind.eq(&input.sentence_kind),
            detention_episodes::details.eq(sealer.seal("details", &input.details)?),
            detention_episodes::created_by.eq(who.principal.user_id.to_string()),
            detention_episodes::created_at.eq(now),
            detention_episodes::updated_at.eq(now),
        ))
        .execute(c)?;
    audit::append(
        c,
        &Entry::new(&who.principal, "detention.create")
            .target("detention", &id)
            .detail("case_id", case_id)
            .detail("person_id", person_id),
    )?;
    Ok(id)
}

pub(super) fn update(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::RecordWrite>,
    id: Uuid,
    input: &NewEpisode,
    now: NaiveDateTime,
) -> Result<String> {
    let id = id.to_string();
    let (episode, _) = authorize_episode(c, who, &id)?;
    check(c, &episode.case_id, input, Some(&id))?;
    let sealer = Sealer::open(c, keyring, EPISODES, &id)?;
    diesel::update(detention_episodes::table.find(&id))
        .set((
            detention_episodes::arrest_date.eq(&input.arrest_date),
            detention_episodes::arrest_precision.eq(input.arrest_precision.as_str()),
            detention_episodes::arrest_place_id.eq(input.arrest_place_id.map(|p| p.to_string())),
            detention_episodes::arrest_unit_id.eq(input.arrest_unit_id.map(|u| u.to_string())),
            detention_episodes::release_date.eq(&input.release_date),
            detention_episodes::release_precision.eq(input.release_precision.as_str()),
            detention_episodes::status.eq(input.status.as_str()),
            detention_episodes::sentence_kind.eq(&input.sentence_kind),
            detention_episodes::details.eq(sealer.seal("details", &input.details)?),
            detention_episodes::updated_at.eq(now),
        ))
        .execute(c)?;
    audit::append(c, &Entry::new(&who.principal, "detention.update").target("detention", &id))?;
    Ok(id)
}

/// Deletes an episode with all its parts, and shreds their keys: a mistaken entry goes
/// entirely. Returns the person whose history it was.
pub(super) fn delete(c: &mut DbConnection, who: &Allowed<act::RecordWrite>, id: Uuid) -> Result<String> {
    let id = id.to_string();
    let (episode, _) = authorize_episode(c, who, &id)?;
    let periods: Vec<String> = custody_periods::table
        .filter(custody_periods::episode_id.eq(&id))
        .select(custody_periods::id)
        .load(c)?;
    let charge_ids: Vec<String> =
        charges::table.filter(charges::episode_id.eq(&id)).select(charges::id).load(c)?;
    let hearing_ids: Vec<String> =
        hearings::table.filter(hearings::episode_id.eq(&id)).select(hearings::id).load(c)?;
    diesel::delete(detention_incidents::table.filter(detention_incidents::episode_id.eq(&id))).execute(c)?;
    diesel::delete(custody_periods::table.filter(custody_periods::episode_id.eq(&id))).execute(c)?;
    diesel::delete(charges::table.filter(charges::episode_id.eq(&id))).execute(c)?;
    diesel::delete(hearings::table.filter(hearings::episode_id.eq(&id))).execute(c)?;
    diesel::delete(detention_episodes::table.find(&id)).execute(c)?;
    for (table, ids) in [(PERIODS, &periods), (CHARGES, &charge_ids), (HEARINGS, &hearing_ids)] {
        for part in ids {
            key_store::shred(c, table, part)?;
        }
    }
    key_store::shred(c, EPISODES, &id)?;
    audit::append(
        c,
        &Entry::new(&who.principal, "detention.delete")
            .target("detention", &id)
            .detail("case_id", episode.case_id)
            .detail("person_id", episode.person_id.clone()),
    )?;
    Ok(episode.person_id)
}
