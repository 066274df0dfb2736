//! The use cases behind the record pages: each reads (and audits) everything one screen
//! shows in one transaction, as the pages always did.

use uuid::Uuid;

use super::incidents::{self, IncidentView, NewIncident};
use super::labels::{self, Names, Wanted};
use super::persons::{self, PersonView};
use super::places::{self, PlaceView};
use super::records::Records;
use super::testimonies::{self, TestimonySummary};
use super::units::{self, UnitRef, UnitView};
use super::vocab::{self, Term};
use crate::access::membership::{self, RecordTable};
use crate::access::policy::Action;
use crate::access::{Allowed, act};
use crate::error::Result;

/// As many of a case's records as a form offers to choose from.
const CHOICES: i64 = 500;

#[derive(Debug)]
pub struct PersonPage {
    pub person: PersonView,
    /// The unit the person belongs to, with its chain of command.
    pub unit: Option<UnitView>,
    pub terms: Vec<Term>,
    pub names: Names,
}

#[derive(Debug)]
pub struct UnitPage {
    pub unit: UnitView,
    pub terms: Vec<Term>,
    pub names: Names,
}

/// The incident with what the reader needs to link people and units to it.
#[derive(Debug)]
pub struct IncidentPage {
    pub incident: IncidentView,
    pub terms: Vec<Term>,
    pub names: Names,
    /// Whether the reader may record involvements here.
    pub may_link: bool,
    pub people: Vec<PersonView>,
    pub units: Vec<UnitRef>,
    /// The case's testimonies: to name the ones cited, and to choose from.
    pub testimonies: Vec<TestimonySummary>,
}

#[derive(Debug)]
pub struct PlacePage {
    pub place: PlaceView,
    /// The case's incidents that happened here.
    pub incidents: Vec<IncidentView>,
    pub terms: Vec<Term>,
    pub names: Names,
}

/// What the forms that add records offer to choose from.
#[derive(Debug)]
pub struct RecordChoices {
    pub case_id: Uuid,
    pub reference: String,
    pub terms: Vec<Term>,
    pub units: Vec<UnitRef>,
    pub places: Vec<PlaceView>,
    pub people: Vec<PersonView>,
}

/// The testimonies cited by these involvements, to be named.
fn cited(items: &[incidents::InvolvementSummary]) -> Vec<Uuid> {
    items.iter().flat_map(|i| i.testimonies.iter().copied()).collect()
}

impl Records {
    pub async fn person_page(&self, who: Allowed<act::CaseRead>, id: Uuid) -> Result<PersonPage> {
        self.ctx
            .write(move |c, k| {
                let p = &who.principal;
                let person = persons::get(c, k, p, id)?;
                let unit = person.unit_id.map(|u| units::get(c, k, p, u)).transpose()?;
                let want = Wanted { testimonies: cited(&person.involvements), ..Wanted::default() };
                let names = labels::load(c, k, p, person.case_id, &want)?;
                Ok(PersonPage { person, unit, terms: vocab::list(c, None)?, names })
            })
            .await
    }

    pub async fn unit_page(&self, who: Allowed<act::CaseRead>, id: Uuid) -> Result<UnitPage> {
        self.ctx
            .write(move |c, k| {
                let p = &who.principal;
                let unit = units::get(c, k, p, id)?;
                let want = Wanted {
                    persons: unit
                        .members
                        .iter()
                        .copied()
                        .chain(unit.commanders.iter().map(|m| m.person_id))
                        .collect(),
                    testimonies: cited(&unit.incidents),
                    ..Wanted::default()
                };
                let names = labels::load(c, k, p, unit.case_id, &want)?;
                Ok(UnitPage { unit, terms: vocab::list(c, None)?, names })
            })
            .await
    }

    pub async fn incident_page(&self, who: Allowed<act::CaseRead>, id: Uuid) -> Result<IncidentPage> {
        self.ctx
            .write(move |c, k| {
                let p = &who.principal;
                let incident = incidents::get(c, k, p, id)?;
                let case = incident.case_id;
                let may_link = membership::authorize(c, p, &case.to_string(), Action::CaseLink).is_ok();
                // Units are named in the list of who was involved, whoever reads it.
                let units = units::list(c, k, p, case, (CHOICES, 0))?.0;
                // Who may record an involvement chooses among the case's people and
                // testimonies.
                let (people, testimonies) = if may_link {
                    (
                        persons::list(c, k, p, case, None, (CHOICES, 0))?.0,
                        testimonies::list(c, p, case, (1000, 0))?.0,
                    )
                } else {
                    (Vec::new(), Vec::new())
                };
                let want = Wanted {
                    persons: incident
                        .victim_ids
                        .iter()
                        .copied()
                        .chain(incident.involvements.iter().filter_map(|v| v.person_id))
                        .collect(),
                    testimonies: incident
                        .testimonies
                        .iter()
                        .copied()
                        .chain(incident.involvements.iter().flat_map(|v| v.testimonies.iter().copied()))
                        .collect(),
                    ..Wanted::default()
                };
                let names = labels::load(c, k, p, case, &want)?;
                Ok(IncidentPage {
                    incident,
                    terms: vocab::list(c, None)?,
                    names,
                    may_link,
                    people,
                    units,
                    testimonies,
                })
            })
            .await
    }

    pub async fn place_page(&self, who: Allowed<act::CaseRead>, id: Uuid) -> Result<PlacePage> {
        self.ctx
            .write(move |c, k| {
                let p = &who.principal;
                let place = places::get(c, k, p, id)?;
                let all = incidents::list(c, k, p, place.case_id, (CHOICES, 0))?.0;
                let here = all.into_iter().filter(|i| i.place_id == Some(id)).collect();
                let names = labels::load(c, k, p, place.case_id, &Wanted::default())?;
                Ok(PlacePage { place, incidents: here, terms: vocab::list(c, None)?, names })
            })
            .await
    }

    /// What the forms adding records to a case offer to choose from.
    pub async fn choices(&self, who: Allowed<act::RecordWrite>, case_id: Uuid) -> Result<RecordChoices> {
        self.ctx
            .write(move |c, k| {
                let p = &who.principal;
                membership::authorize_for(c, &who, &case_id.to_string())?;
                Ok(RecordChoices {
                    case_id,
                    reference: labels::load(c, k, p, case_id, &Wanted::default())?.case_reference,
                    terms: vocab::list(c, None)?,
                    units: units::list(c, k, p, case_id, (CHOICES, 0))?.0,
                    places: places::list(c, k, p, case_id, (CHOICES, 0))?.0,
                    people: persons::list(c, k, p, case_id, None, (CHOICES, 0))?.0,
                })
            })
            .await
    }

    /// The vocabulary terms for the form recording an incident from a testimony, once
    /// the caller may link that testimony.
    pub async fn incident_from_testimony_form(
        &self,
        who: Allowed<act::TestimonyLink>,
        testimony: Uuid,
    ) -> Result<Vec<Term>> {
        self.ctx
            .write(move |c, _| {
                membership::authorize_record_for(c, &who, RecordTable::Testimony, &testimony.to_string())?;
                vocab::list(c, None)
            })
            .await
    }

    /// Records an incident in a testimony's case and links the testimony to it, in one
    /// transaction. Who may link is decided before what was sent is judged.
    pub async fn incident_from_testimony(
        &self,
        who: Allowed<act::TestimonyLink>,
        testimony: Uuid,
        input: NewIncident,
    ) -> Result<IncidentView> {
        let now = self.ctx.clock.now_naive();
        self.ctx
            .write(move |c, k| {
                let p = &who.principal;
                let (case_id, _) = membership::authorize_record_for(
                    c,
                    &who,
                    RecordTable::Testimony,
                    &testimony.to_string(),
                )?;
                let incident = incidents::create_at(c, k, p, super::parse_uuid(&case_id)?, &input, now)?;
                incidents::link_testimony_at(c, k, p, testimony, incident.id, now)
            })
            .await
    }
}
