//! Charges: the code of law and the article a person was charged under, with the
//! description sealed.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::access::{Part, authorize_episode, removed};
use super::inputs::{NewCharge, check_charge};
use super::load::CHARGES;
use crate::access::{Allowed, act};
use crate::audit::{self, Entry};
use crate::cases::sealed::Sealer;
use crate::cases::validate::Checks;
use crate::cases::vocab;
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::charges;

fn check(c: &mut DbConnection, input: &NewCharge) -> Result<()> {
    let mut checks = Checks::default();
    check_charge(&mut checks, input);
    if let Some(e) = vocab::check(c, "law_code", &input.law_code, "law_code")? {
        checks.0.push(e);
    }
    checks.finish()
}

fn of_episode(c: &mut DbConnection, episode_id: &str, id: &str) -> Result<()> {
    let n: i64 = charges::table
        .filter(charges::id.eq(id))
        .filter(charges::episode_id.eq(episode_id))
        .count()
        .get_result(c)?;
    if n == 0 { Err(Error::NotFound) } else { Ok(()) }
}

pub(super) fn add(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::RecordWrite>,
    episode_id: Uuid,
    input: &NewCharge,
    now: NaiveDateTime,
) -> Result<String> {
    let (episode, _) = authorize_episode(c, who, &episode_id.to_string())?;
    check(c, input)?;
    let id = Uuid::new_v4().to_string();
    let sealer = Sealer::create(c, keyring, CHARGES, &id)?;
    diesel::insert_into(charges::table)
        .values((
            charges::id.eq(&id),
            charges::episode_id.eq(&episode.id),
            charges::law_code.eq(&input.law_code),
            charges::filed_on.eq(&input.filed_on),
            charges::details.eq(sealer.seal("details", &input.details)?),
            charges::created_by.eq(who.principal.user_id.to_string()),
            charges::created_at.eq(now),
        ))
        .execute(c)?;
    audit::append(
        c,
        &Entry::new(&who.principal, "detention.charge_add")
            .target("detention", &episode.id)
            .detail("charge_id", id.clone()),
    )?;
    Ok(episode.id)
}

pub(super) fn update(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::RecordWrite>,
    (episode_id, id): (Uuid, Uuid),
    input: &NewCharge,
) -> Result<String> {
    let (episode, _) = authorize_episode(c, who, &episode_id.to_string())?;
    let id = id.to_string();
    of_episode(c, &episode.id, &id)?;
    check(c, input)?;
    let sealer = Sealer::open(c, keyring, CHARGES, &id)?;
    diesel::update(charges::table.find(&id))
        .set((
            charges::law_code.eq(&input.law_code),
            charges::filed_on.eq(&input.filed_on),
            charges::details.eq(sealer.seal("details", &input.details)?),
        ))
        .execute(c)?;
    audit::append(
        c,
        &Entry::new(&who.principal, "detention.charge_update")
            .target("detention", &episode.id)
            .detail("charge_id", id),
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
        charges::table.filter(charges::id.eq(&id)).filter(charges::episode_id.eq(&episode.id)),
    )
    .execute(c)?;
    let part = Part { table: CHARGES, removed: "detention.charge_remove", detail: "charge_id" };
    removed(c, who, &episode.id, &part, (id, deleted))?;
    Ok(episode.id)
}
