//! Loading episodes with their parts — one query per kind of row for all the episodes
//! asked for — and turning them into views with their durations computed. Unsealing
//! happens here; the callers audit.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use uuid::Uuid;

use super::durations::{EpisodeDates, PeriodDates, Status};
use super::model::EpisodeDetails;
use super::views::{ChargeView, CustodyPeriodView, EpisodeView, HearingView, TransferView};
use crate::access::policy::CaseRole;
use crate::analysis::dates::span;
use crate::analysis::model::{DaySpan, PartialDate};
use crate::auth::Principal;
use crate::cases::persons::{self, PersonKind};
use crate::cases::places;
use crate::cases::sealed::Sealer;
use crate::cases::validate::Precision;
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::{charges, custody_periods, detention_episodes, detention_incidents, hearings};

pub(super) const EPISODES: &str = "detention_episodes";
pub(super) const PERIODS: &str = "custody_periods";
pub(super) const CHARGES: &str = "charges";
pub(super) const HEARINGS: &str = "hearings";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = detention_episodes)]
pub(super) struct EpisodeRow {
    pub id: String,
    pub case_id: String,
    pub person_id: String,
    pub arrest_date: Option<String>,
    pub arrest_precision: String,
    pub arrest_place_id: Option<String>,
    pub arrest_unit_id: Option<String>,
    pub release_date: Option<String>,
    pub release_precision: String,
    pub status: String,
    pub sentence_kind: Option<String>,
    pub details: Vec<u8>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = custody_periods)]
pub(super) struct PeriodRow {
    pub id: String,
    pub episode_id: String,
    pub place_id: String,
    pub facility_type: String,
    pub from_date: Option<String>,
    pub from_precision: String,
    pub to_date: Option<String>,
    pub to_precision: String,
    pub details: Vec<u8>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = charges)]
pub(super) struct ChargeRow {
    pub id: String,
    pub episode_id: String,
    pub law_code: String,
    pub filed_on: Option<String>,
    pub details: Vec<u8>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = hearings)]
pub(super) struct HearingRow {
    pub id: String,
    pub episode_id: String,
    pub court_place_id: Option<String>,
    pub judge_person_id: Option<String>,
    pub held_on: Option<String>,
    pub held_precision: String,
    pub outcome: String,
    pub details: Vec<u8>,
}

/// Which episodes to load.
#[derive(Debug, Clone, Copy)]
pub(super) enum Of<'a> {
    Episode(&'a str),
    Person(&'a str),
    Case(&'a str),
}

/// Episodes (oldest arrest first) and their parts, by episode id.
#[derive(Debug, Default)]
pub(super) struct Loaded {
    pub episodes: Vec<EpisodeRow>,
    pub periods: HashMap<String, Vec<PeriodRow>>,
    pub charges: HashMap<String, Vec<ChargeRow>>,
    pub hearings: HashMap<String, Vec<HearingRow>>,
    pub incidents: HashMap<String, Vec<String>>,
}

fn by_episode<R>(rows: Vec<R>, key: impl Fn(&R) -> &str) -> HashMap<String, Vec<R>> {
    let mut map: HashMap<String, Vec<R>> = HashMap::new();
    for r in rows {
        map.entry(key(&r).to_owned()).or_default().push(r);
    }
    map
}

/// The episodes and their periods only: what durations and rolls need.
pub(super) fn load_dates(c: &mut DbConnection, of: Of<'_>) -> Result<Loaded> {
    let mut q = detention_episodes::table.select(EpisodeRow::as_select()).into_boxed();
    q = match of {
        Of::Episode(id) => q.filter(detention_episodes::id.eq(id.to_owned())),
        Of::Person(id) => q.filter(detention_episodes::person_id.eq(id.to_owned())),
        Of::Case(id) => q.filter(detention_episodes::case_id.eq(id.to_owned())),
    };
    let mut episodes: Vec<EpisodeRow> = q.order(detention_episodes::created_at.asc()).load(c)?;
    // Oldest arrest first, undated ones last: in Rust, as the backends sort NULLs apart.
    episodes.sort_by_key(|e| {
        let first = to_span(e.arrest_date.as_deref(), &e.arrest_precision).map(|s| s.first);
        (first.is_none(), first)
    });
    let ids: Vec<&str> = episodes.iter().map(|e| e.id.as_str()).collect();
    let periods = custody_periods::table
        .filter(custody_periods::episode_id.eq_any(&ids))
        .order(custody_periods::created_at.asc())
        .select(PeriodRow::as_select())
        .load(c)?;
    Ok(Loaded { periods: by_episode(periods, |p| &p.episode_id), episodes, ..Loaded::default() })
}

/// The episodes with every part.
pub(super) fn load(c: &mut DbConnection, of: Of<'_>) -> Result<Loaded> {
    let mut loaded = load_dates(c, of)?;
    let ids: Vec<String> = loaded.episodes.iter().map(|e| e.id.clone()).collect();
    let charges: Vec<ChargeRow> = charges::table
        .filter(charges::episode_id.eq_any(&ids))
        .order(charges::created_at.asc())
        .select(ChargeRow::as_select())
        .load(c)?;
    let hearings: Vec<HearingRow> = hearings::table
        .filter(hearings::episode_id.eq_any(&ids))
        .order((hearings::held_on.asc(), hearings::created_at.asc()))
        .select(HearingRow::as_select())
        .load(c)?;
    let incidents: Vec<(String, String)> = detention_incidents::table
        .filter(detention_incidents::episode_id.eq_any(&ids))
        .order(detention_incidents::created_at.asc())
        .select((detention_incidents::episode_id, detention_incidents::incident_id))
        .load(c)?;
    loaded.charges = by_episode(charges, |r| &r.episode_id);
    loaded.hearings = by_episode(hearings, |r| &r.episode_id);
    for (episode, incident) in incidents {
        loaded.incidents.entry(episode).or_default().push(incident);
    }
    Ok(loaded)
}

pub(super) fn to_span(date: Option<&str>, precision: &str) -> Option<DaySpan> {
    span(&PartialDate { date: date?.to_owned(), precision: Precision::parse(precision) })
}

pub(super) fn dates_of(e: &EpisodeRow, periods: &[PeriodRow]) -> EpisodeDates {
    EpisodeDates {
        arrest: to_span(e.arrest_date.as_deref(), &e.arrest_precision),
        release: to_span(e.release_date.as_deref(), &e.release_precision),
        status: Status::parse(&e.status),
        periods: periods
            .iter()
            .map(|p| PeriodDates {
                from: to_span(p.from_date.as_deref(), &p.from_precision),
                to: to_span(p.to_date.as_deref(), &p.to_precision),
            })
            .collect(),
    }
}

/// How judges are named: as the reader may see them, or as a bundle shows them (a name
/// unless the person is a protected kind, a victim or witness).
#[derive(Debug, Clone, Copy)]
pub(super) enum Naming<'a> {
    Reader(&'a Principal, CaseRole),
    Export,
}

fn uuid(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|_| Error::internal("stored id is not a UUID"))
}

fn opt_uuid(s: Option<&str>) -> Result<Option<Uuid>> {
    s.map(uuid).transpose()
}

/// The pseudonyms of these persons, by id.
pub(super) fn pseudonyms(c: &mut DbConnection, ids: &[String]) -> Result<HashMap<String, String>> {
    use crate::store::schema::persons;
    Ok(persons::table
        .filter(persons::id.eq_any(ids))
        .select((persons::id, persons::pseudonym))
        .load::<(String, String)>(c)?
        .into_iter()
        .collect())
}

fn judge_name(c: &mut DbConnection, keyring: &Keyring, id: &str, naming: Naming<'_>) -> Result<String> {
    let row = persons::load(c, id)?;
    let shown = match naming {
        Naming::Reader(who, role) => persons::may_see_identity(&row, who, role),
        Naming::Export => !PersonKind::parse(&row.kind).is_protected(),
    };
    if shown && let Some(name) = persons::names_of(c, keyring, &row)?.into_iter().next() {
        return Ok(name);
    }
    Ok(row.pseudonym)
}

fn unit_name(c: &mut DbConnection, keyring: &Keyring, id: &str) -> Result<String> {
    Ok(crate::cases::units::build_view(c, keyring, id)?.name)
}

/// The loaded episodes as views, with durations counted to `today`.
pub(super) fn views(
    c: &mut DbConnection,
    keyring: &Keyring,
    mut loaded: Loaded,
    naming: Naming<'_>,
    today: NaiveDate,
) -> Result<Vec<EpisodeView>> {
    let mut place_ids: Vec<String> = Vec::new();
    for e in &loaded.episodes {
        place_ids.extend(e.arrest_place_id.clone());
    }
    for p in loaded.periods.values().flatten() {
        place_ids.push(p.place_id.clone());
    }
    for h in loaded.hearings.values().flatten() {
        place_ids.extend(h.court_place_id.clone());
    }
    let place_names = places::names_of(c, keyring, &place_ids)?;
    let place_name = |id: &str| place_names.get(id).cloned().ok_or(Error::NotFound);
    let person_ids: Vec<String> = loaded.episodes.iter().map(|e| e.person_id.clone()).collect();
    let pseudonyms = pseudonyms(c, &person_ids)?;
    let mut out = Vec::with_capacity(loaded.episodes.len());
    for e in std::mem::take(&mut loaded.episodes) {
        let periods = loaded.periods.remove(&e.id).unwrap_or_default();
        let dates = dates_of(&e, &periods);
        let sealer = Sealer::open(c, keyring, EPISODES, &e.id)?;
        let details: EpisodeDetails = sealer.unseal("details", &e.details)?;
        let mut period_views = Vec::with_capacity(periods.len());
        for i in dates.order() {
            let p = &periods[i];
            let details = Sealer::open(c, keyring, PERIODS, &p.id)?.unseal("details", &p.details)?;
            period_views.push(CustodyPeriodView {
                id: uuid(&p.id)?,
                place_id: uuid(&p.place_id)?,
                place_name: place_name(&p.place_id)?,
                facility_type: p.facility_type.clone(),
                from_date: p.from_date.clone(),
                from_precision: Precision::parse(&p.from_precision),
                to_date: p.to_date.clone(),
                to_precision: Precision::parse(&p.to_precision),
                details,
                days: dates.period_days(i, today),
            });
        }
        let transfers = dates
            .transfers()
            .into_iter()
            .map(|(a, b)| {
                Ok(TransferView {
                    from_period_id: uuid(&periods[a].id)?,
                    to_period_id: uuid(&periods[b].id)?,
                    from_place_id: uuid(&periods[a].place_id)?,
                    to_place_id: uuid(&periods[b].place_id)?,
                    on_date: periods[b].from_date.clone(),
                    on_precision: Precision::parse(&periods[b].from_precision),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut charge_views = Vec::new();
        for ch in loaded.charges.remove(&e.id).unwrap_or_default() {
            let details = Sealer::open(c, keyring, CHARGES, &ch.id)?.unseal("details", &ch.details)?;
            charge_views.push(ChargeView {
                id: uuid(&ch.id)?,
                law_code: ch.law_code,
                filed_on: ch.filed_on,
                details,
            });
        }
        let mut hearing_views = Vec::new();
        for h in loaded.hearings.remove(&e.id).unwrap_or_default() {
            let details = Sealer::open(c, keyring, HEARINGS, &h.id)?.unseal("details", &h.details)?;
            let judge_name = match &h.judge_person_id {
                Some(j) => Some(judge_name(c, keyring, j, naming)?),
                None => None,
            };
            hearing_views.push(HearingView {
                id: uuid(&h.id)?,
                court_place_id: opt_uuid(h.court_place_id.as_deref())?,
                court_name: h.court_place_id.as_deref().map(place_name).transpose()?,
                judge_person_id: opt_uuid(h.judge_person_id.as_deref())?,
                judge_name,
                held_on: h.held_on,
                held_precision: Precision::parse(&h.held_precision),
                outcome: h.outcome,
                details,
            });
        }
        let arrest_unit_name = match &e.arrest_unit_id {
            Some(u) => Some(unit_name(c, keyring, u)?),
            None => None,
        };
        out.push(EpisodeView {
            id: uuid(&e.id)?,
            case_id: uuid(&e.case_id)?,
            person_id: uuid(&e.person_id)?,
            person_pseudonym: pseudonyms.get(&e.person_id).cloned().unwrap_or_default(),
            arrest_date: e.arrest_date.clone(),
            arrest_precision: Precision::parse(&e.arrest_precision),
            arrest_place_id: opt_uuid(e.arrest_place_id.as_deref())?,
            arrest_place_name: e.arrest_place_id.as_deref().map(place_name).transpose()?,
            arrest_unit_id: opt_uuid(e.arrest_unit_id.as_deref())?,
            arrest_unit_name,
            status: Status::parse(&e.status),
            release_date: e.release_date.clone(),
            release_precision: Precision::parse(&e.release_precision),
            sentence_kind: e.sentence_kind.clone(),
            details,
            days: dates.days(today),
            custody_periods: period_views,
            transfers,
            charges: charge_views,
            hearings: hearing_views,
            incident_ids: loaded
                .incidents
                .remove(&e.id)
                .unwrap_or_default()
                .iter()
                .map(|i| uuid(i))
                .collect::<Result<_>>()?,
            created_at: e.created_at.and_utc(),
            updated_at: e.updated_at.and_utc(),
        });
    }
    Ok(out)
}
