//! Persons, units, places and incidents of a case: record, change, list, read (audited).
//! Reads go through `Context::audited_read` (the find, then its audit record); changes
//! through one write transaction each.

use uuid::Uuid;

use super::incidents::{self, IncidentView, NewIncident, NewInvolvement};
use super::persons::{self, NewPerson, PersonKind, PersonUpdate, PersonView};
use super::places::{self, NewPlace, PlaceView};
use super::units::{self, NewCommander, NewUnit, UnitRef, UnitView};
use crate::access::{Allowed, act};
use crate::context::Context;
use crate::error::Result;

/// A page of records and the total.
pub type Page<T> = (Vec<T>, i64);

#[derive(Debug, Clone)]
pub struct Records {
    pub(super) ctx: Context,
}

impl Records {
    pub fn new(ctx: Context) -> Self {
        Records { ctx }
    }

    pub async fn create_person(
        &self,
        who: Allowed<act::RecordWrite>,
        case_id: Uuid,
        input: NewPerson,
    ) -> Result<PersonView> {
        let now = self.ctx.clock.now_naive();
        self.ctx.write(move |c, k| persons::create_at(c, k, &who.principal, case_id, &input, now)).await
    }

    pub async fn list_persons(
        &self,
        who: Allowed<act::CaseRead>,
        case_id: Uuid,
        kind: Option<PersonKind>,
        page: (i64, i64),
    ) -> Result<Page<PersonView>> {
        self.ctx.audited(move |c, k| persons::read_page(c, k, &who.principal, case_id, kind, page)).await
    }

    pub async fn person(&self, who: Allowed<act::CaseRead>, id: Uuid) -> Result<PersonView> {
        self.ctx.audited(move |c, k| persons::read(c, k, &who.principal, id)).await
    }

    pub async fn update_person(
        &self,
        who: Allowed<act::RecordWrite>,
        id: Uuid,
        input: PersonUpdate,
    ) -> Result<PersonView> {
        let now = self.ctx.clock.now_naive();
        self.ctx.write(move |c, k| persons::update_at(c, k, &who.principal, id, &input, now)).await
    }

    pub async fn create_unit(
        &self,
        who: Allowed<act::RecordWrite>,
        case_id: Uuid,
        input: NewUnit,
    ) -> Result<UnitView> {
        let now = self.ctx.clock.now_naive();
        self.ctx.write(move |c, k| units::create_at(c, k, &who.principal, case_id, &input, now)).await
    }

    pub async fn list_units(
        &self,
        who: Allowed<act::CaseRead>,
        case_id: Uuid,
        page: (i64, i64),
    ) -> Result<Page<UnitRef>> {
        self.ctx.audited(move |c, k| units::read_page(c, k, &who.principal, case_id, page)).await
    }

    pub async fn unit(&self, who: Allowed<act::CaseRead>, id: Uuid) -> Result<UnitView> {
        self.ctx.audited(move |c, k| units::read(c, k, &who.principal, id)).await
    }

    pub async fn update_unit(
        &self,
        who: Allowed<act::RecordWrite>,
        id: Uuid,
        input: NewUnit,
    ) -> Result<UnitView> {
        self.ctx.write(move |c, k| units::update(c, k, &who.principal, id, &input)).await
    }

    pub async fn add_commander(
        &self,
        who: Allowed<act::CaseLink>,
        unit: Uuid,
        input: NewCommander,
    ) -> Result<UnitView> {
        let now = self.ctx.clock.now_naive();
        self.ctx.write(move |c, k| units::add_commander_at(c, k, &who.principal, unit, &input, now)).await
    }

    pub async fn create_place(
        &self,
        who: Allowed<act::RecordWrite>,
        case_id: Uuid,
        input: NewPlace,
    ) -> Result<PlaceView> {
        let now = self.ctx.clock.now_naive();
        self.ctx.write(move |c, k| places::create_at(c, k, &who.principal, case_id, &input, now)).await
    }

    pub async fn list_places(
        &self,
        who: Allowed<act::CaseRead>,
        case_id: Uuid,
        page: (i64, i64),
    ) -> Result<Page<PlaceView>> {
        self.ctx.audited(move |c, k| places::read_page(c, k, &who.principal, case_id, page)).await
    }

    pub async fn place(&self, who: Allowed<act::CaseRead>, id: Uuid) -> Result<PlaceView> {
        self.ctx.audited(move |c, k| places::read(c, k, &who.principal, id)).await
    }

    pub async fn update_place(
        &self,
        who: Allowed<act::RecordWrite>,
        id: Uuid,
        input: NewPlace,
    ) -> Result<PlaceView> {
        self.ctx.write(move |c, k| places::update(c, k, &who.principal, id, &input)).await
    }

    pub async fn create_incident(
        &self,
        who: Allowed<act::RecordWrite>,
        case_id: Uuid,
        input: NewIncident,
    ) -> Result<IncidentView> {
        let now = self.ctx.clock.now_naive();
        self.ctx.write(move |c, k| incidents::create_at(c, k, &who.principal, case_id, &input, now)).await
    }

    pub async fn list_incidents(
        &self,
        who: Allowed<act::CaseRead>,
        case_id: Uuid,
        page: (i64, i64),
    ) -> Result<Page<IncidentView>> {
        self.ctx.audited(move |c, k| incidents::read_page(c, k, &who.principal, case_id, page)).await
    }

    pub async fn incident(&self, who: Allowed<act::CaseRead>, id: Uuid) -> Result<IncidentView> {
        self.ctx.audited(move |c, k| incidents::read(c, k, &who.principal, id)).await
    }

    pub async fn update_incident(
        &self,
        who: Allowed<act::RecordWrite>,
        id: Uuid,
        input: NewIncident,
    ) -> Result<IncidentView> {
        let now = self.ctx.clock.now_naive();
        self.ctx.write(move |c, k| incidents::update_at(c, k, &who.principal, id, &input, now)).await
    }

    pub async fn add_involvement(
        &self,
        who: Allowed<act::CaseLink>,
        incident: Uuid,
        input: NewInvolvement,
    ) -> Result<IncidentView> {
        let now = self.ctx.clock.now_naive();
        self.ctx
            .write(move |c, k| incidents::add_involvement_at(c, k, &who.principal, incident, &input, now))
            .await
    }
}
