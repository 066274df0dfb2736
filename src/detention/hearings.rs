//! Hearings: the court (a place of the case), the judge (a person record of the case),
//! the date and the outcome, with the notes sealed.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::access::{Part, authorize_episode, removed, same_case};
use super::inputs::{NewHearing, check_hearing};
use super::load::{EpisodeRow, HEARINGS};
use crate::access::membership::RecordTable;
use crate::access::{Allowed, act};
use crate::audit::{self, Entry};
use crate::cases::sealed::Sealer;
use crate::cases::validate::Checks;
use crate::cases::vocab;
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::hearings;

fn check(c: &mut DbConnection, episode: &EpisodeRow, input: &NewHearing) -> Result<()> {
    let mut checks = Checks::default();
    check_hearing(&mut checks, input);
    if let Some(e) = vocab::check(c, "hearing_outcome", &input.outcome, "outcome")? {
        checks.0.push(e);
    }
    checks.finish()?;
    same_case(c, RecordTable::Place, input.court_place_id, &episode.case_id, "court_place_id")?;
    same_case(c, RecordTable::Person, input.judge_person_id, &episode.case_id, "judge_person_id")
}

fn of_episode(c: &mut DbConnection, episode_id: &str, id: &str) -> Result<()> {
    let n: i64 = hearings::table
        .filter(hearings::id.eq(id))
        .filter(hearings::episode_id.eq(episode_id))
        .count()
        .get_result(c)?;
    if n == 0 { Err(Error::NotFound) } else { Ok(()) }
}

pub(super) fn add(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::RecordWrite>,
    episode_id: Uuid,
    input: &NewHearing,
    now: NaiveDateTime,
) -> Result<String> {
    let (episode, _) = authorize_episode(c, who, &episode_id.to_string())?;
    check(c, &episode, input)?;
    let id = Uuid::new_v4().to_string();
    let sealer = Sealer::create(c, keyring, HEARINGS, &id)?;
    diesel::insert_into(hearings::table)
        .values((
            hearings::id.eq(&id),
            hearings::episode_id.eq(&episode.id),
            hearings::court_place_id.eq(input.court_place_id.map(|p| p.to_string())),
            hearings::judge_person_id.eq(input.judge_person_id.map(|p| p.to_string())),
            hearings::held_on.eq(&input.held_on),
            hearings::held_precision.eq(input.held_precision.as_str()),
            hearings::outcome.eq(&input.outcome),
            hearings::details.eq(sealer.seal("details", &input.details)?),
            hearings::created_by.eq(who.principal.user_id.to_string()),
            hearings::created_at.eq(now),
        ))
        .execute(c)?;
    audit::append(
        c,
        &Entry::new(&who.principal, "detention.hearing_add")
            .target("detention", &episode.id)
            .detail("hearing_id", id.clone()),
    )?;
    Ok(episode.id)
}

pub(super) fn update(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::RecordWrite>,
    (episode_id, id): (Uuid, Uuid),
    input: &NewHearing,
) -> Result<String> {
    let (episode, _) = authorize_episode(c, who, &episode_id.to_string())?;
    let id = id.to_string();
    of_episode(c, &episode.id, &id)?;
    check(c, &episode, input)?;
    let sealer = Sealer::open(c, keyring, HEARINGS, &id)?;
    diesel::update(hearings::table.find(&id))
        .set((
            hearings::court_place_id.eq(input.court_place_id.map(|p| p.to_string())),
            hearings::judge_person_id.eq(input.judge_person_id.map(|p| p.to_string())),
            hearings::held_on.eq(&input.held_on),
            hearings::held_precision.eq(input.held_precision.as_str()),
            hearings::outcome.eq(&input.outcome),
            hearings::details.eq(sealer.seal("details", &input.details)?),
        ))
        .execute(c)?;
    audit::append(
        c,
        &Entry::new(&who.principal, "detention.hearing_update")
            .target("detention", &episode.id)
            .detail("hearing_id", id),
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
        hearings::table.filter(hearings::id.eq(&id)).filter(hearings::episode_id.eq(&episode.id)),
    )
    .execute(c)?;
    let part = Part { table: HEARINGS, removed: "detention.hearing_remove", detail: "hearing_id" };
    removed(c, who, &episode.id, &part, (id, deleted))?;
    Ok(episode.id)
}
