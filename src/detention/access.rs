//! An episode's case decides who may touch it and its parts: members of that case, as
//! for any record (`access::membership`). A non-member learns nothing, not even that the
//! episode exists (404); a part asked through another episode is not found either.

use diesel::prelude::*;

use super::load::EpisodeRow;
use crate::access::Allowed;
use crate::access::membership::{self, RecordTable};
use crate::access::policy::{ActionMarker, CaseRole};
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::detention_episodes;

pub(super) fn episode(c: &mut DbConnection, id: &str) -> Result<EpisodeRow> {
    detention_episodes::table
        .find(id)
        .select(EpisodeRow::as_select())
        .first(c)
        .optional()?
        .ok_or(Error::NotFound)
}

/// The episode, once `who` is allowed its action in the episode's case.
pub(super) fn authorize_episode<A: ActionMarker>(
    c: &mut DbConnection,
    who: &Allowed<A>,
    id: &str,
) -> Result<(EpisodeRow, CaseRole)> {
    let e = episode(c, id)?;
    let role = membership::authorize_for(c, who, &e.case_id)?;
    Ok((e, role))
}

/// A person's case, once `who` is allowed its action there.
pub(super) fn authorize_person<A: ActionMarker>(
    c: &mut DbConnection,
    who: &Allowed<A>,
    person_id: &str,
) -> Result<(String, CaseRole)> {
    let case_id = membership::case_of(c, RecordTable::Person, person_id)?;
    let role = membership::authorize_for(c, who, &case_id)?;
    Ok((case_id, role))
}

/// A record named in an input must be of the episode's case (422 naming the field).
pub(super) fn same_case(
    c: &mut DbConnection,
    table: RecordTable,
    id: Option<uuid::Uuid>,
    case_id: &str,
    field: &str,
) -> Result<()> {
    match id {
        Some(id) => membership::same_case(c, table, &id.to_string(), case_id, field),
        None => Ok(()),
    }
}

/// A part of an episode (a custody period, a charge, a hearing) as its removal is
/// recorded: its table (which names its key) and the audit code and detail naming it.
pub(super) struct Part {
    pub table: &'static str,
    pub removed: &'static str,
    pub detail: &'static str,
}

/// Completes the removal of a part once its row was deleted with the episode in the
/// filter (`deleted` is 0 when the id names no part of this episode): its key shredded
/// and the removal audited, in the caller's transaction.
pub(super) fn removed<A: ActionMarker>(
    c: &mut DbConnection,
    who: &Allowed<A>,
    episode_id: &str,
    part: &Part,
    (id, deleted): (String, usize),
) -> Result<()> {
    if deleted == 0 {
        return Err(Error::NotFound);
    }
    crate::keys::store::shred(c, part.table, &id)?;
    crate::audit::append(
        c,
        &crate::audit::Entry::new(&who.principal, part.removed)
            .target("detention", episode_id)
            .detail(part.detail, id),
    )?;
    Ok(())
}
