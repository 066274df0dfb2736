//! One imported record written through the same use-case functions the API and the
//! pages call — so every check, every seal, every index entry and every audit entry is
//! the one a hand-entered record gets — inside the caller's batch transaction. Links are
//! resolved here, by external id, to the records this import or an earlier one made.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::convert::{Item, Value};
use super::fields::Kind;
use super::keys::{self, Digester};
use crate::access::{Allowed, Principal, act};
use crate::audit::{self, Entry};
use crate::cases::incidents::{self, NewIncident, NewInvolvement};
use crate::cases::persons::{self, NewPerson, PersonKind, PersonUpdate};
use crate::cases::places::{self, NewPlace};
use crate::cases::testimonies::{
    self, Completeness, Consent, Correction, HowGiven, ShareWith, Span, TestimonyInput,
};
use crate::cases::units::{self, NewCommander, NewUnit};
use crate::cases::validate::Precision;
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::{
    involvement_evidence, involvements, testimonies as t, unit_commanders, units as u,
};

/// Where and as whom a batch writes.
pub struct Writer<'a> {
    pub who: &'a Principal,
    pub case_id: Uuid,
    pub import_id: &'a str,
    pub digester: &'a Digester,
    pub now: NaiveDateTime,
}

/// What became of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    Created,
    Updated,
    Unchanged,
}

impl Writer<'_> {
    fn case(&self) -> String {
        self.case_id.to_string()
    }

    /// The record an external id of `kind` became (here or in an earlier import).
    fn resolve(&self, c: &mut DbConnection, kind: Kind, key: &str) -> Result<Uuid> {
        let found = keys::find(c, &self.case(), kind, &self.digester.key(kind, key))?;
        let Some(k) = found else {
            // The plan checked every link; the case changed under the import since.
            return Err(Error::Conflict("import_link_missing"));
        };
        Uuid::parse_str(&k.record_id).map_err(|_| keys::corrupt())
    }

    /// As `resolve`, as the record id's text.
    pub fn resolve_key(&self, c: &mut DbConnection, kind: Kind, key: &str) -> Result<String> {
        self.resolve(c, kind, key).map(|id| id.to_string())
    }

    fn resolve_opt(
        &self,
        c: &mut DbConnection,
        item: &Item,
        field: &str,
        kind: Kind,
    ) -> Result<Option<Uuid>> {
        item.text(field).map(|key| self.resolve(c, kind, key)).transpose()
    }

    fn resolve_all(&self, c: &mut DbConnection, item: &Item, field: &str, kind: Kind) -> Result<Vec<Uuid>> {
        item.list(field).iter().map(|key| self.resolve(c, kind, key)).collect()
    }

    /// Creates or updates the record of `item` (phases other than the unit links).
    pub fn write(&self, c: &mut DbConnection, keyring: &Keyring, item: &Item) -> Result<Done> {
        let key = self.digester.key(item.kind, &item.key);
        let values = self.digester.values(item);
        let known = keys::find(c, &self.case(), item.kind, &key)?;
        let (record, done) = match known {
            Some(k) if k.values_digest == values => return Ok(Done::Unchanged),
            Some(k) => {
                let id = Uuid::parse_str(&k.record_id).map_err(|_| keys::corrupt())?;
                (self.update(c, keyring, item, id)?, Done::Updated)
            }
            None => (self.create(c, keyring, item)?, Done::Created),
        };
        keys::remember(
            c,
            &self.case(),
            item.kind,
            &key,
            &record.to_string(),
            &values,
            self.import_id,
            self.now,
        )?;
        Ok(done)
    }

    fn create(&self, c: &mut DbConnection, keyring: &Keyring, item: &Item) -> Result<Uuid> {
        let (who, case, now) = (self.who, self.case_id, self.now);
        Ok(match item.kind {
            Kind::Unit => {
                let input = NewUnit {
                    name: text(item, "name"),
                    description: text(item, "description"),
                    parent_id: None,
                };
                units::create_at(c, keyring, who, case, &input, now)?.id
            }
            Kind::Place => places::create_at(c, keyring, who, case, &place(item), now)?.id,
            Kind::Person => {
                let input = NewPerson {
                    kind: PersonKind::parse(&text(item, "kind")),
                    pseudonym: opt(item, "pseudonym"),
                    sex: parse(item, "sex")?.unwrap_or_default(),
                    names: item.list("names").to_vec(),
                    aliases: item.list("aliases").to_vec(),
                    birth_date: opt(item, "birth_date"),
                    contact: opt(item, "contact"),
                    rank: opt(item, "rank"),
                    position: opt(item, "position"),
                    unit_id: self.resolve_opt(c, item, "unit", Kind::Unit)?,
                    notes: opt(item, "notes"),
                };
                let (id, _) = persons::insert(c, keyring, who, case, &input, now)?;
                Uuid::parse_str(&id).map_err(|_| keys::corrupt())?
            }
            Kind::Incident => {
                let input = self.incident(c, item)?;
                let id = incidents::insert(c, keyring, who, case, &input, now)?;
                let id = Uuid::parse_str(&id).map_err(|_| keys::corrupt())?;
                self.perpetrators(c, item, id)?;
                id
            }
            Kind::Testimony => self.create_testimony(c, keyring, item)?,
            Kind::Involvement => self.create_involvement(c, item)?,
            Kind::Attachment => return Err(Error::internal("attachments are written by their own phase")),
        })
    }

    fn update(&self, c: &mut DbConnection, keyring: &Keyring, item: &Item, id: Uuid) -> Result<Uuid> {
        let (who, now) = (self.who, self.now);
        match item.kind {
            Kind::Unit => {
                let parent: Option<String> = u::table.find(id.to_string()).select(u::parent_id).first(c)?;
                let parent_id =
                    parent.as_deref().map(Uuid::parse_str).transpose().map_err(|_| keys::corrupt())?;
                let input =
                    NewUnit { name: text(item, "name"), description: text(item, "description"), parent_id };
                units::update(c, keyring, who, id, &input)?;
            }
            Kind::Place => {
                places::update(c, keyring, who, id, &place(item))?;
            }
            Kind::Person => {
                let input = PersonUpdate {
                    sex: parse(item, "sex")?,
                    names: item.get("names").map(|_| item.list("names").to_vec()),
                    aliases: item.get("aliases").map(|_| item.list("aliases").to_vec()),
                    birth_date: opt(item, "birth_date"),
                    contact: opt(item, "contact"),
                    rank: opt(item, "rank"),
                    position: opt(item, "position"),
                    notes: opt(item, "notes"),
                    unit_id: self.resolve_opt(c, item, "unit", Kind::Unit)?,
                };
                persons::update_at(c, keyring, who, id, &input, now)?;
            }
            Kind::Incident => {
                let input = self.incident(c, item)?;
                incidents::update_at(c, keyring, who, id, &input, now)?;
                self.perpetrators(c, item, id)?;
            }
            Kind::Testimony => self.update_testimony(c, keyring, item, id)?,
            Kind::Involvement => self.add_evidence(c, item, id)?,
            Kind::Attachment => return Err(Error::internal("attachments are written by their own phase")),
        }
        Ok(id)
    }

    /// A unit's place in the chain of command and its commander, once every unit and
    /// person exists. Idempotent: a parent already set or a commander already recorded
    /// is left as it is.
    pub fn link_unit(&self, c: &mut DbConnection, keyring: &Keyring, item: &Item) -> Result<Done> {
        let id = self.resolve(c, Kind::Unit, &item.key)?;
        let mut done = Done::Unchanged;
        if let Some(parent) = self.resolve_opt(c, item, "parent", Kind::Unit)? {
            let current: Option<String> = u::table.find(id.to_string()).select(u::parent_id).first(c)?;
            if current.as_deref() != Some(&parent.to_string()) {
                let input = NewUnit {
                    name: text(item, "name"),
                    description: text(item, "description"),
                    parent_id: Some(parent),
                };
                units::update(c, keyring, self.who, id, &input)?;
                done = Done::Updated;
            }
        }
        if let Some(person) = self.resolve_opt(c, item, "commander", Kind::Person)? {
            let (from, to) = (opt(item, "commander_from"), opt(item, "commander_to"));
            let periods: Vec<(Option<String>, Option<String>)> = unit_commanders::table
                .filter(unit_commanders::unit_id.eq(id.to_string()))
                .filter(unit_commanders::person_id.eq(person.to_string()))
                .select((unit_commanders::from_date, unit_commanders::to_date))
                .load(c)?;
            if !periods.contains(&(from.clone(), to.clone())) {
                let input = NewCommander { person_id: person, from, to };
                units::add_commander_at(c, keyring, self.who, id, &input, self.now)?;
                done = Done::Updated;
            }
        }
        Ok(done)
    }

    fn incident(&self, c: &mut DbConnection, item: &Item) -> Result<NewIncident> {
        let (start_date, start_precision) = partial(item, "start");
        let (end_date, end_precision) = partial(item, "end");
        Ok(NewIncident {
            act_type: text(item, "act_type"),
            methods: item.list("methods").to_vec(),
            start_date,
            start_precision,
            end_date,
            end_precision,
            place_id: self.resolve_opt(c, item, "place", Kind::Place)?,
            description: text(item, "description"),
            victim_ids: self.resolve_all(c, item, "victims", Kind::Person)?,
        })
    }

    /// The persons and units an incident's row names as perpetrators, each an involvement
    /// in the role given (carried out unless said); one already recorded is not repeated,
    /// and none is taken away.
    fn perpetrators(&self, c: &mut DbConnection, item: &Item, incident: Uuid) -> Result<()> {
        let role = item.text("perpetrator_role").unwrap_or("carried_out").to_owned();
        let persons = self.resolve_all(c, item, "perpetrators", Kind::Person)?;
        let units = self.resolve_all(c, item, "perpetrator_units", Kind::Unit)?;
        let wanted =
            persons.into_iter().map(|p| (Some(p), None)).chain(units.into_iter().map(|u| (None, Some(u))));
        for (person_id, unit_id) in wanted {
            let there: Vec<(Option<String>, Option<String>)> = involvements::table
                .filter(involvements::incident_id.eq(incident.to_string()))
                .filter(involvements::role.eq(&role))
                .select((involvements::person_id, involvements::unit_id))
                .load(c)?;
            if there.contains(&(person_id.map(|p| p.to_string()), unit_id.map(|u| u.to_string()))) {
                continue;
            }
            let input = NewInvolvement { person_id, unit_id, role: role.clone(), testimony_ids: Vec::new() };
            incidents::insert_involvement(c, self.who, incident, &input, self.now)?;
        }
        Ok(())
    }

    fn testimony(&self, c: &mut DbConnection, item: &Item) -> Result<TestimonyInput> {
        let share = item.list("consent_share_with");
        let has = |r: &str| share.iter().any(|s| s == r);
        let consent = Consent {
            share_with: ShareWith {
                un_bodies: has("un_bodies"),
                international_mechanisms: has("international_mechanisms"),
                prosecutors: has("prosecutors"),
                ngos: has("ngos"),
                media: has("media"),
                public: has("public"),
            },
            may_be_named: item.text("consent_may_be_named") == Some("yes"),
            given_on: text(item, "consent_given_on"),
            how_given: parse::<HowGiven>(item, "consent_how_given")?.unwrap_or(HowGiven::NotRecorded),
            text_version: text(item, "consent_text_version"),
            withdrawn_on: None,
        };
        Ok(TestimonyInput {
            witness_id: self.resolve(c, Kind::Person, &text(item, "witness"))?,
            interview_date: opt(item, "interview_date"),
            interview_place: opt(item, "interview_place"),
            languages: item.list("languages").to_vec(),
            source_connection: text(item, "source_connection"),
            reliability: parse(item, "reliability")?.unwrap_or_default(),
            account: text(item, "account"),
            summary: text(item, "summary"),
            interviewer: opt(item, "interviewer"),
            interpreter: opt(item, "interpreter"),
            persons_present: item.list("persons_present").to_vec(),
            identifying_spans: spans(item),
            consent,
        })
    }

    fn create_testimony(&self, c: &mut DbConnection, keyring: &Keyring, item: &Item) -> Result<Uuid> {
        let input = self.testimony(c, item)?;
        let draft = Allowed::<act::TestimonyDraft>::check(self.who.clone())?;
        let id = if item.seal {
            let seal = Allowed::<act::TestimonySeal>::check(self.who.clone())?;
            testimonies::create_sealed(c, keyring, (&draft, &seal), self.case_id, &input, self.now)?
        } else {
            testimonies::create(c, keyring, &draft, self.case_id, &input, Completeness::Draft, self.now)?.id
        };
        self.link_incidents(c, item, id)?;
        Ok(id)
    }

    /// A sealed account changes only by a new sealed version (reason "import"); a draft
    /// is replaced, and sealed when the mapping says so.
    fn update_testimony(
        &self,
        c: &mut DbConnection,
        keyring: &Keyring,
        item: &Item,
        root: Uuid,
    ) -> Result<()> {
        let input = self.testimony(c, item)?;
        let latest: (String, String) = t::table
            .filter(t::root_id.eq(root.to_string()))
            .order(t::version.desc())
            .select((t::id, t::status))
            .first(c)?;
        let latest_id = Uuid::parse_str(&latest.0).map_err(|_| keys::corrupt())?;
        if latest.1 == "sealed" {
            let correct = Allowed::<act::TestimonyCorrect>::check(self.who.clone())?;
            let correction = Correction { testimony: input, correction_reason: "import".to_owned() };
            testimonies::correct(c, keyring, &correct, latest_id, &correction, self.now)?;
        } else {
            let completeness = if item.seal { Completeness::Full } else { Completeness::Draft };
            let draft = Allowed::<act::TestimonyDraft>::check(self.who.clone())?;
            testimonies::update(c, keyring, &draft, latest_id, &input, completeness)?;
            if item.seal {
                let seal = Allowed::<act::TestimonySeal>::check(self.who.clone())?;
                testimonies::seal(c, keyring, &seal, latest_id, self.now)?;
            }
        }
        self.link_incidents(c, item, root)
    }

    fn link_incidents(&self, c: &mut DbConnection, item: &Item, testimony: Uuid) -> Result<()> {
        for incident in self.resolve_all(c, item, "incidents", Kind::Incident)? {
            incidents::link_testimony(c, self.who, testimony, incident, self.now)?;
        }
        Ok(())
    }

    fn create_involvement(&self, c: &mut DbConnection, item: &Item) -> Result<Uuid> {
        let incident = self.resolve(c, Kind::Incident, &text(item, "incident"))?;
        let input = NewInvolvement {
            person_id: self.resolve_opt(c, item, "person", Kind::Person)?,
            unit_id: self.resolve_opt(c, item, "unit", Kind::Unit)?,
            role: text(item, "role"),
            testimony_ids: self.resolve_all(c, item, "testimonies", Kind::Testimony)?,
        };
        let id = incidents::insert_involvement(c, self.who, incident, &input, self.now)?;
        Uuid::parse_str(&id).map_err(|_| keys::corrupt())
    }

    /// Supporting testimonies named now and not before are added; none is taken away
    /// (an investigator may have added them by hand).
    fn add_evidence(&self, c: &mut DbConnection, item: &Item, id: Uuid) -> Result<()> {
        let incident: String =
            involvements::table.find(id.to_string()).select(involvements::incident_id).first(c)?;
        let mut added = 0;
        for testimony in self.resolve_all(c, item, "testimonies", Kind::Testimony)? {
            let root: String = t::table.find(testimony.to_string()).select(t::root_id).first(c)?;
            let there: i64 =
                involvement_evidence::table.find((id.to_string(), &root)).count().get_result(c)?;
            if there == 0 {
                diesel::insert_into(involvement_evidence::table)
                    .values((
                        involvement_evidence::involvement_id.eq(id.to_string()),
                        involvement_evidence::testimony_root_id.eq(&root),
                    ))
                    .execute(c)?;
                added += 1;
            }
        }
        if added > 0 {
            audit::append(
                c,
                &Entry::new(self.who, "incident.involvement_evidence_add")
                    .target("incident", &incident)
                    .detail("involvement_id", id.to_string())
                    .detail("added", added),
            )?;
        }
        Ok(())
    }
}

fn text(item: &Item, field: &str) -> String {
    item.text(field).unwrap_or_default().to_owned()
}

fn opt(item: &Item, field: &str) -> Option<String> {
    item.text(field).map(str::to_owned)
}

/// A code of a fixed list, into its type (the plan checked it is one of the codes).
fn parse<T: serde::de::DeserializeOwned>(item: &Item, field: &str) -> Result<Option<T>> {
    item.text(field)
        .map(|code| serde_json::from_value(serde_json::Value::String(code.to_owned())))
        .transpose()
        .map_err(|_| Error::field(field, "invalid", "not one of the allowed values"))
}

/// `12-20` cells as spans (the plan checked their form; the service checks them against
/// the account).
fn spans(item: &Item) -> Vec<Span> {
    item.list("identifying_spans")
        .iter()
        .filter_map(|s| {
            let (a, b) = s.split_once('-')?;
            Some(Span { start: a.trim().parse().ok()?, end: b.trim().parse().ok()? })
        })
        .collect()
}

fn partial(item: &Item, field: &str) -> (Option<String>, Precision) {
    match item.get(field) {
        Some(Value::Date { date, precision }) => (Some(date.clone()), Precision::parse(precision)),
        _ => (None, Precision::Unknown),
    }
}

fn place(item: &Item) -> NewPlace {
    let number = |f: &str| match item.get(f) {
        Some(Value::Number(n)) => Some(*n),
        _ => None,
    };
    let pair: Vec<f64> = item.list("coordinates").iter().filter_map(|n| n.parse().ok()).collect();
    NewPlace {
        place_type: text(item, "place_type"),
        name: text(item, "name"),
        address: opt(item, "address"),
        latitude: number("latitude").or(pair.first().copied()),
        longitude: number("longitude").or(pair.get(1).copied()),
    }
}
