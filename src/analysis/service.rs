//! The analysis views as use cases: authorise the scope (a case the caller reads, or a
//! person, unit or place in one), load its facts, compute, and record one audit entry
//! per view naming the scope, in the same transaction as the read.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::corroboration::{self, Order};
use super::facts::{self, Facts};
use super::model::{
    CommandTree, Corroboration, LaneBy, Link, Patterns, PlaceMap, Responsibility, Stance, Strength, Timeline,
};
use super::timeline::Period;
use super::{command, names, patterns, places, timeline};
use crate::access::membership::{self as access, RecordTable};
use crate::access::{Allowed, act};
use crate::audit::{self, Audited, Entry};
use crate::cases::vocab::{self, Term};
use crate::context::Context;
use crate::error::{Error, FieldError, Result};
use crate::store::DbConnection;
use crate::store::schema::{cases, involvement_evidence, involvements, testimonies, units};

#[derive(Debug, Clone)]
pub struct Analysis {
    ctx: Context,
    min_count: u32,
}

/// What the corroboration table shows.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CorroborationQuery {
    /// Only links of this strength.
    pub strength: Option<Strength>,
    /// `strongest` (the default), `weakest` or `date`.
    pub order: Option<Order>,
}

/// Which incidents a timeline shows, and over which period.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TimelineQuery {
    /// The first day shown.
    pub from: Option<NaiveDate>,
    /// The last day shown (not before `from`).
    pub to: Option<NaiveDate>,
    /// A strip per `place` (the default) or per `unit`.
    pub lanes: Option<LaneBy>,
    /// Only incidents at this place.
    pub place_id: Option<Uuid>,
    /// Only incidents of this unit, its members and the units below it.
    pub unit_id: Option<Uuid>,
    /// Only incidents this person suffered, took part in or testified about.
    pub person_id: Option<Uuid>,
}

/// A person's links and, for a commander, the incidents of the units they commanded.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Linkage {
    pub person_id: Uuid,
    pub case_id: Uuid,
    pub pseudonym: String,
    pub links: Vec<Link>,
    pub responsibility: Responsibility,
    /// For a perpetrator: persons recorded under one of the same whole names as
    /// perpetrators in the caller's other cases (a lead to check, not a proven identity).
    pub namesakes: Vec<Namesake>,
    /// The namesakes' links, each with its own case.
    pub elsewhere: Vec<Link>,
}

/// The same name, recorded in another case.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Namesake {
    pub person_id: Uuid,
    pub case_id: Uuid,
    pub case_reference: String,
    pub pseudonym: String,
}

/// What a page around a view needs besides it: the case's reference and the labels of
/// the vocabularies.
#[derive(Debug)]
pub struct Frame {
    pub case_id: Uuid,
    pub case_reference: String,
    pub terms: Vec<Term>,
}

/// A view and its frame.
#[derive(Debug)]
pub struct Framed<T> {
    pub view: T,
    pub frame: Frame,
}

impl Analysis {
    pub fn new(ctx: Context, min_count: u32) -> Self {
        Analysis { ctx, min_count: min_count.max(1) }
    }

    pub fn min_count(&self) -> u32 {
        self.min_count
    }

    /// The corroboration table of a case.
    pub async fn corroboration(
        &self,
        who: Allowed<act::CaseRead>,
        case_id: Uuid,
        q: CorroborationQuery,
    ) -> Result<Framed<Corroboration>> {
        self.ctx
            .audited(move |c, k| {
                let case = case_id.to_string();
                access::authorize_for(c, &who, &case)?;
                let cases = [case.clone()];
                let facts = facts::load(c, &cases)?;
                let units = names::units(c, k, &cases)?;
                let links = corroboration::links(&facts, &units, |_| true, q.order.unwrap_or_default())?;
                let view = corroboration::table(links, q.strength);
                let entry = Entry::new(&who.principal, "analysis.corroboration")
                    .target("case", &case)
                    .detail("links", view.links.len());
                Ok(Audited { value: Framed { view, frame: frame(c, &case)? }, entry })
            })
            .await
    }

    /// A person's links with their corroboration and, for a commander, the incidents of
    /// the units below them during their command.
    pub async fn linkage(&self, who: Allowed<act::CaseRead>, person_id: Uuid) -> Result<Framed<Linkage>> {
        self.ctx
            .audited(move |c, k| {
                let person = person_id.to_string();
                let (case, _) = access::authorize_record_for(c, &who, RecordTable::Person, &person)?;
                let cases = [case.clone()];
                let facts = facts::load(c, &cases)?;
                let units = names::units(c, k, &cases)?;
                let pseudonym =
                    facts.persons.get(&person).map(|p| p.pseudonym.clone()).ok_or(Error::NotFound)?;
                let links = corroboration::links(
                    &facts,
                    &units,
                    |i| i.person_id.as_deref() == Some(&person),
                    Order::Strongest,
                )?;
                let responsibility = command::responsibility(&facts, &person, pseudonym.clone(), &units)?;
                let (namesakes, elsewhere) = elsewhere(c, k, &who, &person, &case)?;
                let entry = Entry::new(&who.principal, "analysis.linkage")
                    .target("person", &person)
                    .detail("links", links.len())
                    .detail("namesakes", namesakes.len());
                let view = Linkage {
                    person_id,
                    case_id: parse(&case)?,
                    pseudonym,
                    links,
                    responsibility,
                    namesakes,
                    elsewhere,
                };
                Ok(Audited { value: Framed { view, frame: frame(c, &case)? }, entry })
            })
            .await
    }

    /// The hierarchy below a unit, with commanders over time and incidents rolled up.
    pub async fn command(&self, who: Allowed<act::CaseRead>, unit_id: Uuid) -> Result<Framed<CommandTree>> {
        self.ctx
            .audited(move |c, k| {
                let unit = unit_id.to_string();
                let (case, _) = access::authorize_record_for(c, &who, RecordTable::Unit, &unit)?;
                let cases = [case.clone()];
                let facts = facts::load(c, &cases)?;
                let units = names::units(c, k, &cases)?;
                let view = command::tree(&facts, &unit, &units)?;
                let entry = Entry::new(&who.principal, "analysis.command")
                    .target("unit", &unit)
                    .detail("units", view.nodes.len());
                Ok(Audited { value: Framed { view, frame: frame(c, &case)? }, entry })
            })
            .await
    }

    /// Incidents of a case (or of a place, unit or person in it) over time.
    pub async fn timeline(
        &self,
        who: Allowed<act::CaseRead>,
        case_id: Uuid,
        q: TimelineQuery,
        unplaced: String,
    ) -> Result<Framed<Timeline>> {
        let period = period(&q)?;
        self.ctx
            .audited(move |c, k| {
                let case = case_id.to_string();
                access::authorize_for(c, &who, &case)?;
                let cases = [case.clone()];
                let facts = facts::load(c, &cases)?;
                let scope = Scope::of(&facts, &q)?;
                let lane_by = q.lanes.unwrap_or(LaneBy::Place);
                let labels: HashMap<String, String> = match lane_by {
                    LaneBy::Place => {
                        names::places(c, k, &cases)?.into_iter().map(|(id, p)| (id, p.name)).collect()
                    }
                    LaneBy::Unit => names::units(c, k, &cases)?,
                };
                let view =
                    timeline::timeline(&facts, |i| scope.keeps(&i.id), lane_by, period, &labels, &unplaced)?;
                let entry = Entry::new(&who.principal, "analysis.timeline")
                    .target("case", &case)
                    .detail("scope", scope.code())
                    .detail("lanes", view.lanes.len());
                Ok(Audited { value: Framed { view, frame: frame(c, &case)? }, entry })
            })
            .await
    }

    /// Pattern counts of a case, small counts withheld.
    pub async fn patterns(&self, who: Allowed<act::CaseRead>, case_id: Uuid) -> Result<Framed<Patterns>> {
        let min_count = self.min_count;
        self.ctx
            .audited(move |c, k| {
                let case = case_id.to_string();
                access::authorize_for(c, &who, &case)?;
                let cases = [case.clone()];
                let view = counts(c, k, &cases, min_count)?;
                let entry = Entry::new(&who.principal, "analysis.patterns").target("case", &case);
                Ok(Audited { value: Framed { view, frame: frame(c, &case)? }, entry })
            })
            .await
    }

    /// Pattern counts across every case the caller belongs to and may read.
    pub async fn patterns_of_mine(&self, who: Allowed<act::Search>) -> Result<Patterns> {
        let min_count = self.min_count;
        self.ctx
            .audited(move |c, k| {
                let mine: Vec<String> = access::cases_of(c, who.principal.user_id)?
                    .into_iter()
                    .filter(|case| {
                        access::authorize(c, &who.principal, case, crate::access::policy::Action::CaseRead)
                            .is_ok()
                    })
                    .collect();
                let value = counts(c, k, &mine, min_count)?;
                let entry = Entry::new(&who.principal, "analysis.patterns").detail("cases", mine.len());
                Ok(Audited { value, entry })
            })
            .await
    }

    /// The places of a case with coordinates, sized by incidents.
    pub async fn places(&self, who: Allowed<act::CaseRead>, case_id: Uuid) -> Result<Framed<PlaceMap>> {
        self.ctx
            .audited(move |c, k| {
                let case = case_id.to_string();
                access::authorize_for(c, &who, &case)?;
                let cases = [case.clone()];
                let facts = facts::load(c, &cases)?;
                let located = names::places(c, k, &cases)?;
                let view = places::map(&facts, &located, |_| true)?;
                let entry = Entry::new(&who.principal, "analysis.places")
                    .target("case", &case)
                    .detail("places", view.points.len());
                Ok(Audited { value: Framed { view, frame: frame(c, &case)? }, entry })
            })
            .await
    }

    /// The units at the top of a case's hierarchies (no parent in the case), by name:
    /// where the chain-of-command pictures start. Audited as `analysis.units`.
    pub async fn top_units(
        &self,
        who: Allowed<act::CaseRead>,
        case_id: Uuid,
    ) -> Result<Framed<Vec<(Uuid, String)>>> {
        self.ctx
            .audited(move |c, k| {
                let case = case_id.to_string();
                access::authorize_for(c, &who, &case)?;
                let rows: Vec<(String, Option<String>)> = units::table
                    .filter(units::case_id.eq(&case))
                    .select((units::id, units::parent_id))
                    .load(c)?;
                let ids: BTreeSet<&str> = rows.iter().map(|(id, _)| id.as_str()).collect();
                let names = names::units(c, k, std::slice::from_ref(&case))?;
                let mut top = rows
                    .iter()
                    .filter(|(_, parent)| parent.as_deref().is_none_or(|p| !ids.contains(p)))
                    .map(|(id, _)| Ok((parse(id)?, names.get(id).cloned().unwrap_or_default())))
                    .collect::<Result<Vec<_>>>()?;
                top.sort_by(|a, b| a.1.cmp(&b.1));
                let entry = Entry::new(&who.principal, "analysis.units")
                    .target("case", &case)
                    .detail("units", top.len());
                Ok(Audited { value: Framed { view: top, frame: frame(c, &case)? }, entry })
            })
            .await
    }

    /// Whether the caller may mark accounts in the case (an investigator member, or its
    /// lead): asked to offer the forms. Reads nothing sensitive, so it is not audited.
    pub async fn may_link(&self, who: &Allowed<act::CaseLink>, case_id: Uuid) -> bool {
        let (who, case) = (who.clone(), case_id.to_string());
        self.ctx.read(move |c| access::authorize_for(c, &who, &case).map(|_| ())).await.is_ok()
    }

    /// Marks a testimony as supporting or contradicting an involvement; cites it there
    /// if it was not yet.
    pub async fn set_stance(
        &self,
        who: Allowed<act::CaseLink>,
        involvement_id: Uuid,
        testimony_id: Uuid,
        stance: Stance,
    ) -> Result<()> {
        self.ctx
            .write_plain(move |c| {
                let involvement = involvement_id.to_string();
                let incident: String = involvements::table
                    .find(&involvement)
                    .select(involvements::incident_id)
                    .first(c)
                    .optional()?
                    .ok_or(Error::NotFound)?;
                let (case, _) = access::authorize_record_for(c, &who, RecordTable::Incident, &incident)?;
                let root: String = testimonies::table
                    .find(testimony_id.to_string())
                    .filter(testimonies::case_id.eq(&case))
                    .select(testimonies::root_id)
                    .first(c)
                    .optional()?
                    .ok_or_else(|| {
                        Error::Validation(vec![FieldError::new(
                            "testimony_id",
                            "not_in_case",
                            "no testimony of this case has this id",
                        )])
                    })?;
                let changed = diesel::update(involvement_evidence::table.find((&involvement, &root)))
                    .set(involvement_evidence::stance.eq(stance.as_str()))
                    .execute(c)?;
                if changed == 0 {
                    diesel::insert_into(involvement_evidence::table)
                        .values((
                            involvement_evidence::involvement_id.eq(&involvement),
                            involvement_evidence::testimony_root_id.eq(&root),
                            involvement_evidence::stance.eq(stance.as_str()),
                        ))
                        .execute(c)?;
                }
                audit::append(
                    c,
                    &Entry::new(&who.principal, "involvement.evidence_stance")
                        .target("involvement", &involvement)
                        .detail("testimony_id", root)
                        .detail("stance", stance.as_str()),
                )?;
                Ok(())
            })
            .await
    }
}

/// A perpetrator's namesakes in the caller's other cases, and their links.
fn elsewhere(
    c: &mut DbConnection,
    k: &crate::crypto::Keyring,
    who: &Allowed<act::CaseRead>,
    person: &str,
    case: &str,
) -> Result<(Vec<Namesake>, Vec<Link>)> {
    let row = crate::cases::persons::load(c, person)?;
    if row.kind != PERPETRATOR {
        return Ok((Vec::new(), Vec::new()));
    }
    let others: Vec<String> = access::cases_of(c, who.principal.user_id)?
        .into_iter()
        .filter(|other| other != case && access::authorize_for(c, who, other).is_ok())
        .collect();
    if others.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let names = crate::cases::persons::all_names_of(c, k, &row)?;
    let mut by_case: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (id, other) in crate::search::persons::namesakes(c, k, &who.principal, &others, &names)? {
        by_case.entry(other).or_default().insert(id);
    }
    let (mut namesakes, mut links) = (Vec::new(), Vec::new());
    for (other, ids) in by_case {
        let cases = [other.clone()];
        let facts = facts::load(c, &cases)?;
        let units = names::units(c, k, &cases)?;
        let reference: String = cases::table.find(&other).select(cases::reference).first(c)?;
        for id in &ids {
            let Some(p) = facts.persons.get(id).filter(|p| p.kind == PERPETRATOR) else { continue };
            namesakes.push(Namesake {
                person_id: parse(id)?,
                case_id: parse(&other)?,
                case_reference: reference.clone(),
                pseudonym: p.pseudonym.clone(),
            });
            let mine = |i: &facts::Involvement| i.person_id.as_ref() == Some(id);
            links.extend(corroboration::links(&facts, &units, mine, Order::Strongest)?);
        }
    }
    Ok((namesakes, links))
}

const PERPETRATOR: &str = "perpetrator";

fn parse(id: &str) -> Result<Uuid> {
    crate::cases::parse_uuid(id)
}

fn frame(c: &mut DbConnection, case: &str) -> Result<Frame> {
    let case_reference: String = cases::table.find(case).select(cases::reference).first(c)?;
    Ok(Frame { case_id: parse(case)?, case_reference, terms: vocab::list(c, None)? })
}

fn counts(c: &mut DbConnection, k: &crate::crypto::Keyring, cases: &[String], min: u32) -> Result<Patterns> {
    let raw = patterns::load(c, cases)?;
    let mut labels: HashMap<String, String> = names::units(c, k, cases)?;
    labels.extend(names::places(c, k, cases)?.into_iter().map(|(id, p)| (id, p.name)));
    Ok(patterns::compute(&raw, &labels, min))
}

/// The period of a timeline query: the end not before the start.
fn period(q: &TimelineQuery) -> Result<Period> {
    match (q.from, q.to) {
        (Some(f), Some(t)) if t < f => Err(Error::Validation(vec![FieldError::new(
            "to",
            "before_from",
            "the period ends before it starts",
        )])),
        (from, to) => Ok(Period { from, to }),
    }
}

/// The incidents a timeline is narrowed to.
enum Scope {
    Case,
    Some(&'static str, BTreeSet<String>),
}

impl Scope {
    /// A place, unit or person named in the query must be of the case: `NotFound`
    /// otherwise, as for any record of another case.
    fn of(facts: &Facts, q: &TimelineQuery) -> Result<Scope> {
        let mut scope = Scope::Case;
        if let Some(place) = q.place_id.map(|p| p.to_string()) {
            if !facts.places.iter().any(|(id, ..)| *id == place) {
                return Err(Error::NotFound);
            }
            let ids = facts.incidents.iter().filter(|i| i.place_id.as_deref() == Some(&place));
            scope = scope.narrow("place", ids.map(|i| i.id.clone()).collect());
        }
        if let Some(unit) = q.unit_id.map(|u| u.to_string()) {
            if !facts.units.iter().any(|(id, _)| *id == unit) {
                return Err(Error::NotFound);
            }
            let tree = command::tree(facts, &unit, &HashMap::new())?;
            let mut ids = BTreeSet::new();
            for node in &tree.nodes {
                ids.extend(node.own_incidents.iter().map(Uuid::to_string));
            }
            scope = scope.narrow("unit", ids);
        }
        if let Some(person) = q.person_id.map(|p| p.to_string()) {
            if !facts.persons.contains_key(&person) {
                return Err(Error::NotFound);
            }
            scope = scope.narrow("person", person_incidents(facts, &person));
        }
        Ok(scope)
    }

    fn narrow(self, code: &'static str, ids: BTreeSet<String>) -> Scope {
        match self {
            Scope::Case => Scope::Some(code, ids),
            Scope::Some(_, had) => Scope::Some("combined", had.intersection(&ids).cloned().collect()),
        }
    }

    fn keeps(&self, incident: &str) -> bool {
        match self {
            Scope::Case => true,
            Scope::Some(_, ids) => ids.contains(incident),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Scope::Case => "case",
            Scope::Some(code, _) => code,
        }
    }
}

fn person_incidents(facts: &Facts, person: &str) -> BTreeSet<String> {
    let mut ids: BTreeSet<String> =
        facts.victims.iter().filter(|(_, p)| p == person).map(|(i, _)| i.clone()).collect();
    ids.extend(
        facts
            .involvements
            .iter()
            .filter(|i| i.person_id.as_deref() == Some(person))
            .map(|i| i.incident_id.clone()),
    );
    let roots: BTreeSet<&str> =
        facts.testimonies.values().filter(|t| t.witness_id == person).map(|t| t.root_id.as_str()).collect();
    ids.extend(
        facts.testimony_incidents.iter().filter(|(r, _)| roots.contains(r.as_str())).map(|(_, i)| i.clone()),
    );
    ids
}
