//! `custodia demo --analysis`: a second fictional case shaped for the analysis views and
//! their benchmark (`benches/analysis.sh`). 1,000 incidents at ten facilities over two
//! years; in each a victim, an officer who carried it out and the officer's company that
//! ordered it, each involvement supported by one to four sealed testimonies (the victim's
//! and some by eyewitnesses and relatives, so that the counts of independent sources
//! differ); a ministry with 50 sub-units (5 directorates of 9 companies) whose commanders
//! change on a date. Recorded through the services like the demo, so everything is sealed
//! and audited.

use futures_util::{StreamExt, TryStreamExt};
use uuid::Uuid;

use super::{DEMO_WRITERS, DemoReport, Prepared, prepare, story};
use crate::access::Allowed;
use crate::auth::Principal;
use crate::backup::Progress;
use crate::cases::incidents::{self, NewIncident, NewInvolvement};
use crate::cases::parse_uuid;
use crate::cases::persons::{self, NewPerson, PersonKind, Sex};
use crate::cases::places::{self, NewPlace};
use crate::cases::testimonies::{self, Completeness};
use crate::cases::units::{self, NewCommander, NewUnit};
use crate::cases::validate::Precision;
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::services::Services;
use crate::store::DbConnection;

pub const INCIDENTS: usize = 1000;
const FACILITIES: usize = 10;
const DIRECTORATES: usize = 5;
const COMPANIES_PER_DIRECTORATE: usize = 9;
const OFFICERS_PER_COMPANY: usize = 2;
/// Witnesses besides the victims, whose accounts support other people's incidents.
const EYEWITNESSES: usize = 300;
const RELATIVES: usize = 200;
/// Every unit's first commander serves until the day before, the second from this day.
const COMMAND_CHANGE: &str = "2021-07-01";
const METHODS: [&str; 6] = [
    "beating_with_batons",
    "stress_positions",
    "kicking",
    "cold_exposure",
    "sleep_deprivation",
    "threats_to_family",
];

/// The places, the companies and their officers.
struct Structure {
    root: Uuid,
    places: Vec<Uuid>,
    companies: Vec<Uuid>,
    officers: Vec<Uuid>,
}

/// Creates the demo accounts if absent and a new demo case shaped for analysis.
pub async fn generate_analysis(state: &Services, progress: &Progress) -> Result<DemoReport> {
    let Prepared { accounts, documenter, investigator, case_id, reference } = prepare(state).await?;
    let now = state.context().clock().now_naive();
    let who = investigator.clone();
    let s = state.context().write(move |c, k| structure(c, k, &who, case_id, now)).await?;

    let total = INCIDENTS + EYEWITNESSES + RELATIVES;
    let bar = progress(total as u64, "witnesses");
    let witnesses: Vec<(Uuid, Uuid)> = futures_util::stream::iter(0..total)
        .map(|i| {
            let who = documenter.clone();
            let bar = bar.clone();
            async move {
                let now = state.context().clock().now_naive();
                let ids = state
                    .context()
                    .write(move |c, k| {
                        let mut w = story::witness(i);
                        let (kind, connection, prefix) = if i < INCIDENTS {
                            (PersonKind::Victim, "victim", "V")
                        } else if i < INCIDENTS + EYEWITNESSES {
                            (PersonKind::Witness, "eyewitness", "W")
                        } else {
                            (PersonKind::Witness, "relative", "R")
                        };
                        w.person.kind = kind;
                        w.person.pseudonym = Some(format!("{prefix}-{:04}", i + 1));
                        let (person, _) = persons::insert(c, k, &who, case_id, &w.person, now)?;
                        let mut input = w.testimony(parse_uuid(&person)?);
                        input.source_connection = connection.into();
                        let t = testimonies::create(
                            c,
                            k,
                            &Allowed::check(who.clone())?,
                            case_id,
                            &input,
                            Completeness::Full,
                            now,
                        )?;
                        testimonies::seal(c, k, &Allowed::check(who.clone())?, t.id, now)?;
                        Ok((parse_uuid(&person)?, t.id))
                    })
                    .await?;
                bar.inc(1);
                Ok::<_, Error>(ids)
            }
        })
        .buffered(DEMO_WRITERS)
        .try_collect()
        .await?;
    bar.finish_and_clear();

    let bar = progress(INCIDENTS as u64, "incidents");
    let (s, witnesses) = (std::sync::Arc::new(s), std::sync::Arc::new(witnesses));
    futures_util::stream::iter(0..INCIDENTS)
        .map(|i| {
            let (who, s, witnesses, bar) = (investigator.clone(), s.clone(), witnesses.clone(), bar.clone());
            async move {
                let now = state.context().clock().now_naive();
                state
                    .context()
                    .write(move |c, k| incident(c, k, &who, case_id, &s, &witnesses, i, now))
                    .await?;
                bar.inc(1);
                Ok::<_, Error>(())
            }
        })
        .buffered(DEMO_WRITERS)
        .try_collect::<()>()
        .await?;
    bar.finish_and_clear();
    Ok(DemoReport { case_id, reference, testimonies: total, root_unit: Some(s.root), accounts })
}

fn structure(
    c: &mut DbConnection,
    k: &Keyring,
    who: &Principal,
    case_id: Uuid,
    now: chrono::NaiveDateTime,
) -> Result<Structure> {
    let mut places = Vec::new();
    for f in 0..FACILITIES {
        let place = NewPlace {
            place_type: "detention_facility".into(),
            name: format!("Демонстрационный изолятор №{} (fictional)", f + 1),
            address: None,
            latitude: None,
            longitude: None,
        };
        places.push(places::create_at(c, k, who, case_id, &place, now)?.id);
    }
    let unit = |name: String, parent_id: Option<Uuid>| NewUnit {
        name,
        description: "DEMO: a fictional unit.".into(),
        parent_id,
    };
    let root = units::create_at(c, k, who, case_id, &unit("Demo Ministry of Interior".into(), None), now)?.id;
    let mut all = vec![root];
    let mut companies = Vec::new();
    for d in 0..DIRECTORATES {
        let directorate = unit(format!("Demo Directorate {}", d + 1), Some(root));
        let directorate = units::create_at(c, k, who, case_id, &directorate, now)?.id;
        all.push(directorate);
        for m in 0..COMPANIES_PER_DIRECTORATE {
            let company = unit(format!("Demo Company {}-{}", d + 1, m + 1), Some(directorate));
            companies.push(units::create_at(c, k, who, case_id, &company, now)?.id);
        }
    }
    all.extend(&companies);
    let perpetrator = |name: String, rank: &str, unit_id: Uuid| NewPerson {
        kind: PersonKind::Perpetrator,
        pseudonym: None,
        sex: Sex::Male,
        names: vec![name],
        aliases: Vec::new(),
        birth_date: None,
        contact: None,
        rank: Some(rank.into()),
        position: None,
        unit_id: Some(unit_id),
        notes: Some("DEMO: a fictional person.".into()),
    };
    for (n, unit) in all.iter().enumerate() {
        for (term, (from, to)) in
            [("2019-01-01", Some("2021-06-30")), (COMMAND_CHANGE, None)].into_iter().enumerate()
        {
            let person = perpetrator(format!("Командир Шаблонов-{}-{}", n + 1, term + 1), "майор", *unit);
            let (person, _) = persons::insert(c, k, who, case_id, &person, now)?;
            let command = NewCommander {
                person_id: parse_uuid(&person)?,
                from: Some(from.into()),
                to: to.map(Into::into),
            };
            units::add_commander_at(c, k, who, *unit, &command, now)?;
        }
    }
    let mut officers = Vec::new();
    for (n, company) in companies.iter().enumerate() {
        for o in 0..OFFICERS_PER_COMPANY {
            let person = perpetrator(format!("Сотрудник Макетов-{}-{}", n + 1, o + 1), "лейтенант", *company);
            officers.push(parse_uuid(&persons::insert(c, k, who, case_id, &person, now)?.0)?);
        }
    }
    Ok(Structure { root, places, companies, officers })
}

/// Incident `i`: its victim is witness `i`; the involvements cite the victim's account
/// and up to three others, alternately an eyewitness's and a relative's.
#[allow(clippy::too_many_arguments)]
fn incident(
    c: &mut DbConnection,
    k: &Keyring,
    who: &Principal,
    case_id: Uuid,
    s: &Structure,
    witnesses: &[(Uuid, Uuid)],
    i: usize,
    now: chrono::NaiveDateTime,
) -> Result<()> {
    let company = i % s.companies.len();
    let officer = s.officers[company * OFFICERS_PER_COMPANY + i % OFFICERS_PER_COMPANY];
    // Two years from 2020-01-01, every seventh day in turn; one in ten known to the month.
    let day = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).ok_or_else(|| Error::internal("date"))?
        + chrono::Days::new((i * 7 % 730) as u64);
    let (start_date, start_precision) = if i % 10 == 9 {
        (day.format("%Y-%m").to_string(), Precision::Month)
    } else {
        (day.format("%Y-%m-%d").to_string(), Precision::Exact)
    };
    let (victim, own) = witnesses[i];
    let input = NewIncident {
        act_type: if i % 5 == 4 { "ill_treatment" } else { "torture" }.into(),
        methods: vec![METHODS[i % METHODS.len()].into(), METHODS[(i / 3 + 1) % METHODS.len()].into()],
        start_date: Some(start_date),
        start_precision,
        end_date: None,
        end_precision: Precision::Unknown,
        place_id: Some(s.places[i % s.places.len()]),
        description: "DEMO (fictional): a detainee was beaten during questioning.".into(),
        victim_ids: vec![victim],
    };
    let incident = parse_uuid(&incidents::insert(c, k, who, case_id, &input, now)?)?;
    let mut cited = vec![own];
    for j in 0..i % 4 {
        let other = if j % 2 == 0 {
            INCIDENTS + (i * 3 + j) % EYEWITNESSES
        } else {
            INCIDENTS + EYEWITNESSES + (i + j) % RELATIVES
        };
        cited.push(witnesses[other].1);
    }
    for t in &cited {
        incidents::link_testimony(c, who, *t, incident, now)?;
    }
    for (person_id, unit_id, role) in
        [(Some(officer), None, "carried_out"), (None, Some(s.companies[company]), "ordered")]
    {
        let involvement =
            NewInvolvement { person_id, unit_id, role: role.into(), testimony_ids: cited.clone() };
        incidents::insert_involvement(c, who, incident, &involvement, now)?;
    }
    Ok(())
}
