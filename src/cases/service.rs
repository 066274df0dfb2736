//! Cases, their members and the controlled vocabularies.

use uuid::Uuid;

use super::case::{self as cases, CaseUpdate, CaseView, Member, NewCase, NewMember};
use super::incidents::{self, IncidentView};
use super::persons::{self, PersonView};
use super::places::{self, PlaceView};
use super::testimonies::{self, TestimonySummary};
use super::units::{self, UnitRef};
use super::vocab::{self, NewTerm, Term};
use crate::access::membership;
use crate::access::policy::Action;
use crate::access::{ActionMarker, Allowed, act};
use crate::audit::Actor;
use crate::context::Context;
use crate::error::Result;

#[derive(Debug, Clone)]
pub struct Cases {
    ctx: Context,
}

/// Everything a member sees of a case on one page: its accounts, incidents, people,
/// units and places (a first page of each, with totals), in one transaction.
#[derive(Debug)]
pub struct CaseOverview {
    pub case: CaseView,
    pub testimonies: (Vec<TestimonySummary>, i64),
    pub incidents: (Vec<IncidentView>, i64),
    pub persons: (Vec<PersonView>, i64),
    pub units: (Vec<UnitRef>, i64),
    pub places: (Vec<PlaceView>, i64),
    pub terms: Vec<Term>,
    /// Which of the asked actions the reader may take here (a case lead may do more
    /// than their role alone).
    pub may: Vec<Action>,
}

/// A case as an admin managing its membership sees it: clear fields and members.
#[derive(Debug)]
pub struct Membership {
    pub case: CaseView,
    pub members: Vec<Member>,
}

impl Cases {
    pub fn new(ctx: Context) -> Self {
        Cases { ctx }
    }

    /// Opens a case; a non-admin creator becomes its lead.
    pub async fn create(&self, who: Allowed<act::CaseCreate>, input: NewCase) -> Result<CaseView> {
        let now = self.ctx.clock.now_naive();
        self.ctx.write(move |c, k| cases::create_at(c, k, &who.principal, &input, now)).await
    }

    /// The caller's cases (admins: every case, by reference and status only).
    pub async fn list(&self, who: Allowed<act::CaseList>, page: (i64, i64)) -> Result<(Vec<CaseView>, i64)> {
        let (limit, offset) = page;
        self.ctx.write(move |c, k| cases::list(c, k, &who.principal, limit, offset)).await
    }

    pub async fn get(&self, who: Allowed<act::CaseRead>, id: Uuid) -> Result<CaseView> {
        self.ctx.write(move |c, k| cases::get(c, k, &who.principal, id)).await
    }

    pub async fn update(
        &self,
        who: Allowed<act::CaseUpdate>,
        id: Uuid,
        input: CaseUpdate,
    ) -> Result<CaseView> {
        let now = self.ctx.clock.now_naive();
        self.ctx.write(move |c, k| cases::update_at(c, k, &who.principal, id, &input, now)).await
    }

    /// The case page: the case and a first page of each kind of record, and which of
    /// `actions` the reader may take in it (to show controls; each is checked again).
    pub async fn overview(
        &self,
        who: Allowed<act::CaseRead>,
        id: Uuid,
        first: i64,
        actions: Vec<Action>,
    ) -> Result<CaseOverview> {
        self.ctx
            .write(move |c, k| {
                let p = &who.principal;
                Ok(CaseOverview {
                    case: cases::get(c, k, p, id)?,
                    testimonies: testimonies::list(c, p, id, (first, 0))?,
                    incidents: incidents::list(c, k, p, id, (first, 0))?,
                    persons: persons::list(c, k, p, id, None, (first, 0))?,
                    units: units::list(c, k, p, id, (first, 0))?,
                    places: places::list(c, k, p, id, (first, 0))?,
                    terms: vocab::list(c, None)?,
                    may: actions
                        .into_iter()
                        .filter(|a| membership::authorize(c, p, &id.to_string(), *a).is_ok())
                        .collect(),
                })
            })
            .await
    }

    /// Who is in the case: admins for any case, others for their own cases only.
    pub async fn members(&self, who: Allowed<act::CaseMembersRead>, id: Uuid) -> Result<Vec<Member>> {
        self.ctx.write_plain(move |c| cases::members(c, &who.principal, id)).await
    }

    /// A case's clear fields and its members, for the admin managing them.
    pub async fn membership(&self, who: Allowed<act::CaseManage>, id: Uuid) -> Result<Membership> {
        self.ctx
            .write_plain(move |c| {
                Ok(Membership {
                    case: cases::get_clear(c, id)?,
                    members: cases::members(c, &who.principal, id)?,
                })
            })
            .await
    }

    /// Adds a member or changes their role; returns every member.
    pub async fn add_member(
        &self,
        who: Allowed<act::CaseManage>,
        id: Uuid,
        input: NewMember,
    ) -> Result<Vec<Member>> {
        let actor = Actor::from(&who.principal);
        let now = self.ctx.clock.now_naive();
        self.ctx.write_plain(move |c| cases::add_member_at(c, actor, id, &input, now)).await
    }

    pub async fn remove_member(&self, who: Allowed<act::CaseManage>, id: Uuid, user_id: Uuid) -> Result<()> {
        let actor = Actor::from(&who.principal);
        self.ctx.write_plain(move |c| cases::remove_member(c, actor, id, user_id)).await
    }

    /// Terms of the controlled vocabularies (one, or all).
    pub async fn vocabulary(
        &self,
        _who: Allowed<act::VocabularyRead>,
        name: Option<String>,
    ) -> Result<Vec<Term>> {
        if let Some(name) = &name {
            crate::rules::VOCABULARY
                .check("vocabulary", name)
                .map_err(|e| crate::error::Error::Validation(vec![e]))?;
        }
        self.ctx.read(move |c| vocab::list(c, name.as_deref())).await
    }

    /// Every term, for labelling a page whose caller was allowed `A` (the vocabularies
    /// are no secret: every role may read them).
    pub async fn terms<A: ActionMarker>(&self, _who: &Allowed<A>) -> Result<Vec<Term>> {
        self.ctx.read(|c| vocab::list(c, None)).await
    }

    pub async fn add_term(
        &self,
        who: Allowed<act::VocabularyManage>,
        vocabulary: String,
        input: NewTerm,
    ) -> Result<Term> {
        let actor = Actor::from(&who.principal);
        let now = self.ctx.clock.now_naive();
        self.ctx.write_plain(move |c| vocab::add_at(c, actor, &vocabulary, &input, now)).await
    }
}
