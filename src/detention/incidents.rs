//! Incidents that happened during an episode (torture in custody, say): linked by id,
//! from the same case, and refused only when the incident's dates put it certainly
//! outside the episode.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::access::{authorize_episode, same_case};
use super::durations::certainly_before;
use super::load;
use crate::access::membership::RecordTable;
use crate::access::{Allowed, act};
use crate::analysis::dates::incident_span;
use crate::analysis::model::PartialDate;
use crate::audit::{self, Entry};
use crate::cases::validate::Precision;
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::{detention_incidents, incidents};

pub(super) fn link(
    c: &mut DbConnection,
    who: &Allowed<act::RecordWrite>,
    (episode_id, incident_id): (Uuid, Uuid),
    now: NaiveDateTime,
) -> Result<String> {
    let (episode, _) = authorize_episode(c, who, &episode_id.to_string())?;
    same_case(c, RecordTable::Incident, Some(incident_id), &episode.case_id, "incident_id")?;
    let incident_id = incident_id.to_string();
    type Dates = (Option<String>, String, Option<String>, String);
    let (start, start_p, end, end_p): Dates = incidents::table
        .find(&incident_id)
        .select((
            incidents::start_date,
            incidents::start_precision,
            incidents::end_date,
            incidents::end_precision,
        ))
        .first(c)?;
    let pd = |d: Option<String>, p: &str| d.map(|date| PartialDate { date, precision: Precision::parse(p) });
    let end = pd(end, &end_p);
    if let Some(s) = pd(start, &start_p).and_then(|s| incident_span(&s, end.as_ref())) {
        let arrest = load::to_span(episode.arrest_date.as_deref(), &episode.arrest_precision);
        let release = load::to_span(episode.release_date.as_deref(), &episode.release_precision);
        if arrest.is_some_and(|a| certainly_before(s, a)) || release.is_some_and(|r| certainly_before(r, s)) {
            return Err(Error::field(
                "incident_id",
                "outside_episode",
                "the incident's dates put it outside this episode",
            ));
        }
    }
    let linked: i64 = detention_incidents::table.find((&episode.id, &incident_id)).count().get_result(c)?;
    if linked == 0 {
        diesel::insert_into(detention_incidents::table)
            .values((
                detention_incidents::episode_id.eq(&episode.id),
                detention_incidents::incident_id.eq(&incident_id),
                detention_incidents::created_by.eq(who.principal.user_id.to_string()),
                detention_incidents::created_at.eq(now),
            ))
            .execute(c)?;
    }
    audit::append(
        c,
        &Entry::new(&who.principal, "detention.incident_link")
            .target("detention", &episode.id)
            .detail("incident_id", incident_id),
    )?;
    Ok(episode.id)
}

pub(super) fn unlink(
    c: &mut DbConnection,
    who: &Allowed<act::RecordWrite>,
    (episode_id, incident_id): (Uuid, Uuid),
) -> Result<String> {
    let (episode, _) = authorize_episode(c, who, &episode_id.to_string())?;
    let incident_id = incident_id.to_string();
    let removed = diesel::delete(detention_incidents::table.find((&episode.id, &incident_id))).execute(c)?;
    if removed == 0 {
        return Err(Error::NotFound);
    }
    audit::append(
        c,
        &Entry::new(&who.principal, "detention.incident_unlink")
            .target("detention", &episode.id)
            .detail("incident_id", incident_id),
    )?;
    Ok(episode.id)
}
