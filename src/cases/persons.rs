//! Persons: victims, witnesses and perpetrators of one case. Names, aliases and date of
//! birth are sealed in `identity`, contact details in `contact`, rank and position in
//! `details`. A victim's or witness's identity is shown only to the case lead and to
//! whoever recorded the person; everyone else sees the pseudonym. Contact details are
//! shown only to those two, whatever the kind.

use chrono::NaiveDateTime;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::reading::{self, Audited};
use super::sealed::Sealer;
use super::validate::Checks;
use crate::access::membership::{self as access, RecordTable};
use crate::access::policy::{Action, CaseRole};
use crate::access::records::{Disclosure, person_disclosure};
use crate::audit::{self, Entry};
use crate::auth::Principal;
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::rules;
use crate::store::DbConnection;
use crate::store::schema::{data_keys, persons};

const TABLE: &str = "persons";

use super::pseudonyms::next_pseudonym;
pub(crate) use super::pseudonyms::start_pseudonym_counters;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PersonKind {
    Victim,
    Witness,
    Perpetrator,
    Other,
}

impl PersonKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PersonKind::Victim => "victim",
            PersonKind::Witness => "witness",
            PersonKind::Perpetrator => "perpetrator",
            PersonKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> PersonKind {
        match s {
            "victim" => PersonKind::Victim,
            "witness" => PersonKind::Witness,
            "perpetrator" => PersonKind::Perpetrator,
            _ => PersonKind::Other,
        }
    }

    pub(super) fn pseudonym_prefix(self) -> &'static str {
        match self {
            PersonKind::Victim => "V",
            PersonKind::Witness => "W",
            PersonKind::Perpetrator => "P",
            PersonKind::Other => "X",
        }
    }

    /// Kinds whose identity is withheld from all but the lead and the recorder.
    pub fn is_protected(self) -> bool {
        matches!(self, PersonKind::Victim | PersonKind::Witness)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    Female,
    Male,
    Other,
    #[default]
    Unknown,
}

impl Sex {
    fn as_str(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Other => "other",
            Sex::Unknown => "unknown",
        }
    }

    fn parse(s: &str) -> Sex {
        match s {
            "female" => Sex::Female,
            "male" => Sex::Male,
            "other" => Sex::Other,
            _ => Sex::Unknown,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPerson {
    pub kind: PersonKind,
    /// e.g. `W-0031`; assigned when absent.
    pub pseudonym: Option<String>,
    #[serde(default)]
    pub sex: Sex,
    /// Names in any script.
    #[serde(default)]
    pub names: Vec<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    pub contact: Option<String>,
    pub rank: Option<String>,
    pub position: Option<String>,
    /// A unit of the same case (perpetrators).
    pub unit_id: Option<Uuid>,
    pub notes: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Identity {
    names: Vec<String>,
    aliases: Vec<String>,
    birth_date: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Details {
    rank: Option<String>,
    position: Option<String>,
    notes: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PersonView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: PersonKind,
    pub pseudonym: String,
    pub sex: Sex,
    pub unit_id: Option<Uuid>,
    /// False when the reader may not see who this is: names, aliases and date of birth
    /// are then absent and the pseudonym stands in.
    pub identity_shown: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub names: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aliases: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// The case lead and the recorder only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    pub rank: Option<String>,
    pub position: Option<String>,
    pub notes: Option<String>,
    /// For perpetrators above all: every incident this person was involved in, with the
    /// testimonies supporting it.
    pub involvements: Vec<super::incidents::InvolvementSummary>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = persons)]
pub struct PersonRow {
    pub id: String,
    pub case_id: String,
    pub kind: String,
    pub pseudonym: String,
    pub sex: String,
    pub unit_id: Option<String>,
    pub identity: Vec<u8>,
    pub contact: Option<Vec<u8>>,
    pub details: Vec<u8>,
    pub created_by: String,
    pub created_at: chrono::NaiveDateTime,
}

/// What the reader may know of a person (`access::records::person_disclosure`).
pub fn disclosure(row: &PersonRow, who: &Principal, role: CaseRole) -> Disclosure {
    let protected = PersonKind::parse(&row.kind).is_protected();
    person_disclosure(protected, role, row.created_by == who.user_id.to_string())
}

/// What the reader may see of a person.
pub fn may_see_identity(row: &PersonRow, who: &Principal, role: CaseRole) -> bool {
    disclosure(row, who, role).identity
}

/// A person's names only, for views of other records (a testimony's witness).
pub(crate) fn names_of(c: &mut DbConnection, keyring: &Keyring, row: &PersonRow) -> Result<Vec<String>> {
    let identity: Identity = Sealer::open(c, keyring, TABLE, &row.id)?.unseal("identity", &row.identity)?;
    Ok(identity.names)
}

/// Names and aliases, for search re-checks and the index.
pub fn all_names_of(c: &mut DbConnection, keyring: &Keyring, row: &PersonRow) -> Result<Vec<String>> {
    let identity: Identity = Sealer::open(c, keyring, TABLE, &row.id)?.unseal("identity", &row.identity)?;
    Ok(identity.names.into_iter().chain(identity.aliases).collect())
}

pub fn load(c: &mut DbConnection, id: &str) -> Result<PersonRow> {
    Ok(persons::table.find(id).select(PersonRow::as_select()).first(c)?)
}

pub(crate) fn view(
    c: &mut DbConnection,
    keyring: &Keyring,
    row: PersonRow,
    who: &Principal,
    role: CaseRole,
) -> Result<PersonView> {
    let d = disclosure(&row, who, role);
    view_with(c, keyring, row, d.identity, d.contact)
}

/// A person as a bundle's recipient sees them: identity only when `shown`, contact
/// details never.
pub(crate) fn export_view(
    c: &mut DbConnection,
    keyring: &Keyring,
    row: PersonRow,
    shown: bool,
) -> Result<PersonView> {
    view_with(c, keyring, row, shown, false)
}

fn view_with(
    c: &mut DbConnection,
    keyring: &Keyring,
    row: PersonRow,
    shown: bool,
    contact_shown: bool,
) -> Result<PersonView> {
    let sealer = Sealer::open(c, keyring, TABLE, &row.id)?;
    let involvements = super::incidents::involvements_of(c, std::slice::from_ref(&row.id), &[])?;
    open_view(&sealer, row, shown, contact_shown, involvements)
}

/// A page of persons as `who` may see them: their keys loaded with the rows, and the
/// involvements of the whole page in one query.
fn views_of(
    c: &mut DbConnection,
    keyring: &Keyring,
    rows: Vec<(PersonRow, Option<Vec<u8>>)>,
    who: &Principal,
    role: CaseRole,
) -> Result<Vec<PersonView>> {
    let ids: Vec<String> = rows.iter().map(|(r, _)| r.id.clone()).collect();
    let mut involvements = super::incidents::involvements_by_person(c, &ids)?;
    rows.into_iter()
        .map(|(row, wrapped)| {
            let wrapped = wrapped.ok_or(Error::KeyUnavailable(0))?;
            let sealer = Sealer::from_wrapped(keyring, TABLE, &row.id, &wrapped)?;
            let d = disclosure(&row, who, role);
            let mine = involvements.remove(&row.id).unwrap_or_default();
            open_view(&sealer, row, d.identity, d.contact, mine)
        })
        .collect()
}

fn open_view(
    sealer: &Sealer,
    row: PersonRow,
    shown: bool,
    contact_shown: bool,
    involvements: Vec<super::incidents::InvolvementSummary>,
) -> Result<PersonView> {
    let identity: Option<Identity> =
        if shown { Some(sealer.unseal("identity", &row.identity)?) } else { None };
    let contact: Option<String> = match (&row.contact, contact_shown) {
        (Some(blob), true) => Some(sealer.unseal("contact", blob)?),
        _ => None,
    };
    let details: Details = sealer.unseal("details", &row.details)?;
    Ok(PersonView {
        id: super::parse_uuid(&row.id)?,
        case_id: super::parse_uuid(&row.case_id)?,
        kind: PersonKind::parse(&row.kind),
        pseudonym: row.pseudonym,
        sex: Sex::parse(&row.sex),
        unit_id: row.unit_id.as_deref().map(super::parse_uuid).transpose()?,
        identity_shown: shown,
        names: identity.as_ref().map(|i| i.names.clone()),
        aliases: identity.as_ref().map(|i| i.aliases.clone()),
        birth_date: identity.and_then(|i| i.birth_date),
        contact,
        rank: details.rank,
        position: details.position,
        notes: details.notes,
        involvements,
        created_at: row.created_at.and_utc(),
    })
}

fn check(input: &NewPerson) -> Result<()> {
    let mut checks = Checks::default();
    checks.check(rules::NAMES.check("names", input.names.len()));
    checks.check(rules::ALIASES.check("aliases", input.aliases.len()));
    for n in &input.names {
        checks.check(rules::NAME.check("names", n));
    }
    for n in &input.aliases {
        checks.check(rules::NAME.check("aliases", n));
    }
    if let Some(d) = &input.birth_date {
        checks.check(rules::DATE.check("birth_date", d));
    }
    if let Some(p) = &input.pseudonym {
        checks.check(rules::PSEUDONYM.check("pseudonym", p));
    }
    for (field, value, rule) in [
        ("contact", &input.contact, &rules::CONTACT),
        ("rank", &input.rank, &rules::RANK),
        ("position", &input.position, &rules::POSITION),
        ("notes", &input.notes, &rules::NOTES),
    ] {
        if let Some(v) = value {
            checks.check(rule.check(field, v));
        }
    }
    checks.finish()
}

/// `create` at a time the caller's clock gives.
pub fn create_at(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    case_id: Uuid,
    input: &NewPerson,
    now: NaiveDateTime,
) -> Result<PersonView> {
    let (id, role) = insert(c, keyring, who, case_id, input, now)?;
    let row = load(c, &id)?;
    view(c, keyring, row, who, role)
}

/// Records a person (indexed, audited) without building its view: its id, and the
/// caller's role in the case.
pub fn insert(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    case_id: Uuid,
    input: &NewPerson,
    now: NaiveDateTime,
) -> Result<(String, CaseRole)> {
    let case_id = case_id.to_string();
    let role = access::authorize(c, who, &case_id, Action::RecordWrite)?;
    check(input)?;
    if let Some(unit) = input.unit_id {
        access::same_case(c, RecordTable::Unit, &unit.to_string(), &case_id, "unit_id")?;
    }
    let pseudonym = match &input.pseudonym {
        Some(p) => p.clone(),
        None => next_pseudonym(c, &case_id, input.kind)?,
    };
    let taken: i64 = persons::table
        .filter(persons::case_id.eq(&case_id))
        .filter(persons::pseudonym.eq(&pseudonym))
        .count()
        .get_result(c)?;
    if taken > 0 {
        return Err(Error::field("pseudonym", "taken", "another person in this case has this pseudonym"));
    }
    let id = Uuid::new_v4().to_string();
    let sealer = Sealer::create(c, keyring, TABLE, &id)?;
    let identity = Identity {
        names: input.names.iter().map(|n| n.trim().to_owned()).collect(),
        aliases: input.aliases.iter().map(|n| n.trim().to_owned()).collect(),
        birth_date: input.birth_date.clone(),
    };
    let details =
        Details { rank: input.rank.clone(), position: input.position.clone(), notes: input.notes.clone() };
    let contact = input.contact.as_ref().map(|x| sealer.seal("contact", x)).transpose()?;
    diesel::insert_into(persons::table)
        .values((
            persons::id.eq(&id),
            persons::case_id.eq(&case_id),
            persons::kind.eq(input.kind.as_str()),
            persons::pseudonym.eq(&pseudonym),
            persons::sex.eq(input.sex.as_str()),
            persons::unit_id.eq(input.unit_id.map(|u| u.to_string())),
            persons::identity.eq(sealer.seal("identity", &identity)?),
            persons::contact.eq(contact),
            persons::details.eq(sealer.seal("details", &details)?),
            persons::created_by.eq(who.user_id.to_string()),
            persons::created_at.eq(now),
            persons::updated_at.eq(now),
        ))
        .execute(c)?;
    let indexed: Vec<String> = identity.names.iter().chain(&identity.aliases).cloned().collect();
    crate::search::index::index_person(c, keyring, &case_id, &id, &indexed)?;
    audit::append(
        c,
        &Entry::new(who, "person.create").target("person", &id).detail("case_id", case_id.clone()),
    )?;
    Ok((id, role))
}

/// Reads one person; every read is audited in the same transaction.
pub fn get(c: &mut DbConnection, keyring: &Keyring, who: &Principal, id: Uuid) -> Result<PersonView> {
    read(c, keyring, who, id)?.record(c)
}

pub(crate) fn read(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    id: Uuid,
) -> Result<Audited<PersonView>> {
    let read = reading::one(c, who, reading::PERSON, id, |c, id, role| {
        let row = load(c, id)?;
        view(c, keyring, row, who, role)
    })?;
    let shown = read.value.identity_shown;
    Ok(Audited { entry: read.entry.detail("identity_shown", shown), value: read.value })
}

pub fn list(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    case_id: Uuid,
    kind: Option<PersonKind>,
    page: (i64, i64),
) -> Result<(Vec<PersonView>, i64)> {
    read_page(c, keyring, who, case_id, kind, page)?.record(c)
}

pub(crate) fn read_page(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    case_id: Uuid,
    kind: Option<PersonKind>,
    (limit, offset): (i64, i64),
) -> Result<Audited<(Vec<PersonView>, i64)>> {
    reading::page(c, who, reading::PERSON, case_id, |c, case, role| {
        let query = || {
            let mut q = persons::table.filter(persons::case_id.eq(case.to_owned())).into_boxed();
            if let Some(k) = kind {
                q = q.filter(persons::kind.eq(k.as_str()));
            }
            q
        };
        let total = query().count().get_result(c)?;
        let mut rows = persons::table
            .left_join(
                data_keys::table
                    .on(data_keys::record_table.eq(TABLE).and(data_keys::record_id.eq(persons::id))),
            )
            .filter(persons::case_id.eq(case.to_owned()))
            .select((PersonRow::as_select(), data_keys::wrapped.nullable()))
            .into_boxed();
        if let Some(k) = kind {
            rows = rows.filter(persons::kind.eq(k.as_str()));
        }
        let rows: Vec<(PersonRow, Option<Vec<u8>>)> =
            rows.order(persons::pseudonym.asc()).limit(limit).offset(offset).load(c)?;
        Ok((views_of(c, keyring, rows, who, role)?, total))
    })
}

/// Changes to a person; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonUpdate {
    pub sex: Option<Sex>,
    pub names: Option<Vec<String>>,
    pub aliases: Option<Vec<String>>,
    pub birth_date: Option<String>,
    pub contact: Option<String>,
    pub rank: Option<String>,
    pub position: Option<String>,
    pub notes: Option<String>,
    pub unit_id: Option<Uuid>,
}

/// `update` at a time the caller's clock gives.
pub fn update_at(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    id: Uuid,
    input: &PersonUpdate,
    now: NaiveDateTime,
) -> Result<PersonView> {
    let id = id.to_string();
    let (case_id, role) = access::authorize_record(c, who, RecordTable::Person, &id, Action::RecordWrite)?;
    let row = load(c, &id)?;
    let touches_identity = input.names.is_some()
        || input.aliases.is_some()
        || input.birth_date.is_some()
        || input.contact.is_some();
    if touches_identity && !disclosure(&row, who, role).may_change_identity() {
        return Err(Error::Forbidden);
    }
    let probe = NewPerson {
        kind: PersonKind::parse(&row.kind),
        pseudonym: None,
        sex: input.sex.unwrap_or_default(),
        names: input.names.clone().unwrap_or_default(),
        aliases: input.aliases.clone().unwrap_or_default(),
        birth_date: input.birth_date.clone(),
        contact: input.contact.clone(),
        rank: input.rank.clone(),
        position: input.position.clone(),
        unit_id: input.unit_id,
        notes: input.notes.clone(),
    };
    check(&probe)?;
    if let Some(unit) = input.unit_id {
        access::same_case(c, RecordTable::Unit, &unit.to_string(), &case_id, "unit_id")?;
    }
    let sealer = Sealer::open(c, keyring, TABLE, &id)?;
    let mut identity: Identity = sealer.unseal("identity", &row.identity)?;
    let mut details: Details = sealer.unseal("details", &row.details)?;
    if let Some(n) = &input.names {
        identity.names = n.iter().map(|x| x.trim().to_owned()).collect();
    }
    if let Some(a) = &input.aliases {
        identity.aliases = a.iter().map(|x| x.trim().to_owned()).collect();
    }
    if input.birth_date.is_some() {
        identity.birth_date = input.birth_date.clone();
    }
    for (slot, value) in [
        (&mut details.rank, &input.rank),
        (&mut details.position, &input.position),
        (&mut details.notes, &input.notes),
    ] {
        if value.is_some() {
            slot.clone_from(value);
        }
    }
    let contact = match &input.contact {
        Some(x) => Some(sealer.seal("contact", x)?),
        None => row.contact.clone(),
    };
    diesel::update(persons::table.find(&id))
        .set((
            persons::sex.eq(input.sex.map_or(row.sex.clone(), |s| s.as_str().to_owned())),
            persons::unit_id.eq(input.unit_id.map(|u| u.to_string()).or(row.unit_id.clone())),
            persons::identity.eq(sealer.seal("identity", &identity)?),
            persons::contact.eq(contact),
            persons::details.eq(sealer.seal("details", &details)?),
            persons::updated_at.eq(now),
        ))
        .execute(c)?;
    let indexed: Vec<String> = identity.names.iter().chain(&identity.aliases).cloned().collect();
    crate::search::index::index_person(c, keyring, &case_id, &id, &indexed)?;
    audit::append(c, &Entry::new(who, "person.update").target("person", &id))?;
    let row = load(c, &id)?;
    view(c, keyring, row, who, role)
}
