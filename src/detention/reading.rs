//! Reading detention histories: one episode, a person's whole history, and who was held
//! where on a day. Each read returns its audit entry with the value, for the service to
//! commit before releasing it (`Context::audited_read`).

use chrono::NaiveDate;
use diesel::prelude::*;
use uuid::Uuid;

use super::access::{authorize_episode, authorize_person};
use super::durations::{Presence, person_days, presence};
use super::load::{self, Naming, Of};
use super::views::{DetainedOn, DetainedPerson, DetentionHistory, EpisodeView, FacilityRoll};
use crate::access::membership::{self, RecordTable};
use crate::access::{Allowed, act};
use crate::audit::Entry;
use crate::auth::Principal;
use crate::cases::places;
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::store::DbConnection;

/// A value and the entry that must commit before it is released.
pub(super) type Audited<T> = (T, Entry);

/// The episode as its writer sees it after a change (the change's own entry covers it).
pub(super) fn view(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    id: &str,
    today: NaiveDate,
) -> Result<EpisodeView> {
    let e = super::access::episode(c, id)?;
    let role = membership::membership(c, &e.case_id, who.user_id)?.ok_or(Error::NotFound)?;
    let loaded = load::load(c, Of::Episode(id))?;
    load::views(c, keyring, loaded, Naming::Reader(who, role), today)?.pop().ok_or(Error::NotFound)
}

pub(super) fn episode(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::CaseRead>,
    id: Uuid,
    today: NaiveDate,
) -> Result<Audited<EpisodeView>> {
    let id = id.to_string();
    let (_, role) = authorize_episode(c, who, &id)?;
    let loaded = load::load(c, Of::Episode(&id))?;
    let view = load::views(c, keyring, loaded, Naming::Reader(&who.principal, role), today)?
        .pop()
        .ok_or(Error::NotFound)?;
    Ok((view, Entry::new(&who.principal, "detention.read").target("detention", &id)))
}

pub(super) fn history(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::CaseRead>,
    person_id: Uuid,
    today: NaiveDate,
) -> Result<Audited<DetentionHistory>> {
    let person = person_id.to_string();
    let (case_id, role) = authorize_person(c, who, &person)?;
    let loaded = load::load(c, Of::Person(&person))?;
    let dates: Vec<_> = loaded
        .episodes
        .iter()
        .map(|e| load::dates_of(e, loaded.periods.get(&e.id).map(Vec::as_slice).unwrap_or_default()))
        .collect();
    let episodes = load::views(c, keyring, loaded, Naming::Reader(&who.principal, role), today)?;
    let pseudonym = load::pseudonyms(c, std::slice::from_ref(&person))?.remove(&person).unwrap_or_default();
    let entry = Entry::new(&who.principal, "detention.list")
        .target("person", &person)
        .detail("results", episodes.len());
    let history = DetentionHistory {
        person_id,
        case_reference: reference(c, &case_id)?,
        case_id: Uuid::parse_str(&case_id).map_err(|_| Error::Integrity)?,
        pseudonym,
        days: person_days(&dates, today),
        episodes,
        today,
    };
    Ok((history, entry))
}

/// A case's reference (clear: it names the case, not anyone in it).
fn reference(c: &mut DbConnection, case_id: &str) -> Result<String> {
    use crate::store::schema::cases;
    Ok(cases::table.find(case_id).select(cases::reference).first(c)?)
}

/// Where to look: a whole case, or one facility (a place of a case).
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    Case(Uuid),
    Place(Uuid),
}

pub(super) fn detained(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::CaseRead>,
    scope: Scope,
    on: NaiveDate,
    today: NaiveDate,
) -> Result<Audited<DetainedOn>> {
    let (case_id, place, target) = match scope {
        Scope::Case(id) => {
            let id = id.to_string();
            membership::authorize_for(c, who, &id)?;
            (id.clone(), None, ("case", id))
        }
        Scope::Place(id) => {
            let id = id.to_string();
            let case = membership::case_of(c, RecordTable::Place, &id)?;
            membership::authorize_for(c, who, &case)?;
            (case, Some(id.clone()), ("place", id))
        }
    };
    let loaded = load::load_dates(c, Of::Case(&case_id))?;
    let person_ids: Vec<String> = loaded.episodes.iter().map(|e| e.person_id.clone()).collect();
    let pseudonyms = load::pseudonyms(c, &person_ids)?;
    let mut found: Vec<(String, DetainedPerson)> = Vec::new();
    for e in &loaded.episodes {
        let periods = loaded.periods.get(&e.id).map(Vec::as_slice).unwrap_or_default();
        let dates = load::dates_of(e, periods);
        for (i, p) in periods.iter().enumerate() {
            if place.as_ref().is_some_and(|only| only != &p.place_id) {
                continue;
            }
            let presence = presence(dates.period_bounds(i, today), on);
            if presence == Presence::Not {
                continue;
            }
            let id = |s: &str| Uuid::parse_str(s).map_err(|_| Error::Integrity);
            found.push((
                p.place_id.clone(),
                DetainedPerson {
                    person_id: id(&e.person_id)?,
                    pseudonym: pseudonyms.get(&e.person_id).cloned().unwrap_or_default(),
                    episode_id: id(&e.id)?,
                    period_id: id(&p.id)?,
                    presence,
                },
            ));
        }
    }
    let place_ids: Vec<String> = found.iter().map(|(p, _)| p.clone()).collect();
    let names = places::names_of(c, keyring, &place_ids)?;
    let facilities = rolls(found, &names)?;
    let entry = Entry::new(&who.principal, "detention.detained_read")
        .target(target.0, &target.1)
        .detail("on", on.to_string())
        .detail("results", facilities.iter().map(|f| f.persons.len()).sum::<usize>());
    let case_reference = reference(c, &case_id)?;
    let case_id = Uuid::parse_str(&case_id).map_err(|_| Error::Integrity)?;
    Ok((DetainedOn { case_id, case_reference, on, facilities }, entry))
}

/// The people found, facility by facility (by name), certainly held before possibly.
fn rolls(
    found: Vec<(String, DetainedPerson)>,
    names: &std::collections::HashMap<String, String>,
) -> Result<Vec<FacilityRoll>> {
    let mut by_place: std::collections::BTreeMap<String, Vec<DetainedPerson>> = Default::default();
    for (place, person) in found {
        by_place.entry(place).or_default().push(person);
    }
    let mut out = Vec::new();
    for (place, mut persons) in by_place {
        persons.sort_by(|a, b| {
            (a.presence != Presence::Certainly, &a.pseudonym)
                .cmp(&(b.presence != Presence::Certainly, &b.pseudonym))
        });
        // A person listed once per facility: certainly, if any of their stays says so.
        let mut seen = std::collections::HashSet::new();
        persons.retain(|p| seen.insert(p.person_id));
        out.push(FacilityRoll {
            place_id: Uuid::parse_str(&place).map_err(|_| Error::Integrity)?,
            place_name: names.get(&place).cloned().ok_or(Error::NotFound)?,
            certainly: persons.iter().filter(|p| p.presence == Presence::Certainly).count(),
            possibly: persons.iter().filter(|p| p.presence == Presence::Possibly).count(),
            persons,
        });
    }
    out.sort_by(|a, b| a.place_name.cmp(&b.place_name));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(id: u128, pseudonym: &str, presence: Presence) -> DetainedPerson {
        let u = Uuid::from_u128;
        DetainedPerson {
            person_id: u(id),
            pseudonym: pseudonym.into(),
            episode_id: u(100),
            period_id: u(200),
            presence,
        }
    }

    #[test]
    fn rolls_list_each_person_once_certainly_first_by_facility_name() {
        let (a, b) = (Uuid::from_u128(1).to_string(), Uuid::from_u128(2).to_string());
        let names = [(a.clone(), "Zhodino".to_owned()), (b.clone(), "Okrestina".to_owned())].into();
        let found = vec![
            (a.clone(), person(10, "V-2", Presence::Possibly)),
            (a.clone(), person(11, "V-1", Presence::Possibly)),
            (a.clone(), person(10, "V-2", Presence::Certainly)),
            (b.clone(), person(12, "V-3", Presence::Certainly)),
        ];
        let rolls = rolls(found, &names).unwrap();
        assert_eq!(rolls.iter().map(|r| r.place_name.as_str()).collect::<Vec<_>>(), ["Okrestina", "Zhodino"]);
        let z = &rolls[1];
        assert_eq!((z.certainly, z.possibly), (1, 1));
        let who: Vec<_> = z.persons.iter().map(|p| (p.pseudonym.as_str(), p.presence)).collect();
        assert_eq!(who, [("V-2", Presence::Certainly), ("V-1", Presence::Possibly)]);
    }
}
