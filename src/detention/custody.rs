//! Custody periods: a stay at one facility within an episode. A period must lie within
//! its episode and must not certainly overlap another period of the same person (in any
//! of their episodes: nobody is held in two places at once).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::access::{Part, authorize_episode, removed, same_case};
use super::durations::{PeriodDates, certainly_overlap};
use super::inputs::{NewCustodyPeriod, check_period, check_within};
use super::load::{self, EpisodeRow, PERIODS};
use crate::access::membership::RecordTable;
use crate::access::{Allowed, act};
use crate::audit::{self, Entry};
use crate::cases::sealed::Sealer;
use crate::cases::validate::Checks;
use crate::cases::vocab;
use crate::crypto::Keyring;
use crate::error::{Error, FieldError, Result};
use crate::store::DbConnection;
use crate::store::schema::custody_periods;

/// Everything a period must satisfy; `replacing` is the period being changed (left out
/// of the overlap check).
fn check(
    c: &mut DbConnection,
    episode: &EpisodeRow,
    input: &NewCustodyPeriod,
    replacing: Option<&str>,
) -> Result<()> {
    let mut checks = Checks::default();
    let (from, to) = check_period(&mut checks, input);
    let arrest = load::to_span(episode.arrest_date.as_deref(), &episode.arrest_precision);
    let release = load::to_span(episode.release_date.as_deref(), &episode.release_precision);
    check_within(&mut checks, (from, to), (arrest, release));
    if let Some(e) = vocab::check(c, "facility_type", &input.facility_type, "facility_type")? {
        checks.0.push(e);
    }
    let this = PeriodDates { from, to };
    let theirs = load::load_dates(c, load::Of::Person(&episode.person_id))?;
    let overlaps = theirs.periods.values().flatten().filter(|p| Some(p.id.as_str()) != replacing).any(|p| {
        let other = PeriodDates {
            from: load::to_span(p.from_date.as_deref(), &p.from_precision),
            to: load::to_span(p.to_date.as_deref(), &p.to_precision),
        };
        certainly_overlap(&this, &other)
    });
    if overlaps {
        checks.0.push(FieldError::new(
            "from_date",
            "overlaps",
            "overlaps another custody period of this person: nobody is held in two places at once",
        ));
    }
    checks.finish()?;
    same_case(c, RecordTable::Place, Some(input.place_id), &episode.case_id, "place_id")
}

/// A period of this episode, or not found.
fn of_episode(c: &mut DbConnection, episode_id: &str, id: &str) -> Result<()> {
    let n: i64 = custody_periods::table
        .filter(custody_periods::id.eq(id))
        .filter(custody_periods::episode_id.eq(episode_id))
        .count()
        .get_result(c)?;
    if n == 0 { Err(Error::NotFound) } else { Ok(()) }
}

pub(super) fn add(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::RecordWrite>,
    episode_id: Uuid,
    input: &NewCustodyPeriod,
    now: NaiveDateTime,
) -> Result<String> {
    let (episode, _) = authorize_episode(c, who, &episode_id.to_string())?;
    check(c, &episode, input, None)?;
    let id = Uuid::new_v4().to_string();
    let sealer = Sealer::create(c, keyring, PERIODS, &id)?;
    diesel::insert_into(custody_periods::table)
        .values((
            custody_periods::id.eq(&id),
            custody_periods::episode_id.eq(&episode.id),
            custody_periods::place_id.eq(input.place_id.to_string()),
            custody_periods::facility_type.eq(&input.facility_type),
            custody_periods::from_date.eq(&input.from_date),
            custody_periods::from_precision.eq(input.from_precision.as_str()),
            custody_periods::to_date.eq(&input.to_date),
            custody_periods::to_precision.eq(input.to_precision.as_str()),
            custody_periods::details.eq(sealer.seal("details", &input.details)?),
            custody_periods::created_by.eq(who.principal.user_id.to_string()),
            custody_periods::created_at.eq(now),
        ))
        .execute(c)?;
    audit::append(
        c,
        &Entry::new(&who.principal, "detention.custody_add")
            .target("detention", &episode.id)
            .detail("period_id", id.clone()),
    )?;
    Ok(episode.id)
}

pub(super) fn update(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::RecordWrite>,
    (episode_id, id): (Uuid, Uuid),
    input: &NewCustodyPeriod,
) -> Result<String> {
    let (episode, _) = authorize_episode(c, who, &episode_id.to_string())?;
    let id = id.to_string();
    of_episode(c, &episode.id, &id)?;
    check(c, &episode, input, Some(&id))?;
    let sealer = Sealer::open(c, keyring, PERIODS, &id)?;
    diesel::update(custody_periods::table.find(&id))
        .set((
            custody_periods::place_id.eq(input.place_id.to_string()),
            custody_periods::facility_type.eq(&input.facility_type),
            custody_periods::from_date.eq(&input.from_date),
            custody_periods::from_precision.eq(input.from_precision.as_str()),
            custody_periods::to_date.eq(&input.to_date),
            custody_periods::to_precision.eq(input.to_precision.as_str()),
            custody_periods::details.eq(sealer.seal("details", &input.details)?),
        ))
        .execute(c)?;
    audit::append(
        c,
        &Entry::new(&who.principal, "detention.custody_update")
            .target("detention", &episode.id)
            .detail("period_id", id),
    )?;
    Ok(episode.id)
}

pub(super) fn remove(
    c: &mut DbConnection,
    who: &Allowed<act::RecordWrite>,
    (episode_id, id): (Uuid, Uuid),
) -> Result<String> {
    let (episode, _) = authorize_episode(c, who, &episode_id.to_string())?;
    let id = id.to_string();
    let deleted = diesel::delete(
        custody_periods::table
            .filter(custody_periods::id.eq(&id))
            .filter(custody_periods::episode_id.eq(&episode.id)),
    )
    .execute(c)?;
    let part = Part { table: PERIODS, removed: "detention.custody_remove", detail: "period_id" };
    removed(c, who, &episode.id, &part, (id, deleted))?;
    Ok(episode.id)
}
