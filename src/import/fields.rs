//! The kinds of record an import makes and the fields each has: one table, read by the
//! mapping check, the row conversion, the export of a case's records (the same names as
//! columns) and `docs/import.md`.

use serde::{Deserialize, Serialize};

use crate::rules::{self, Items, Text, Token};

/// A kind of record, in the order an import writes them: what a record links to exists
/// before it (units before their members, incidents before the testimonies describing
/// them).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Unit,
    Place,
    Person,
    Incident,
    Testimony,
    Involvement,
    Attachment,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::Unit,
        Kind::Place,
        Kind::Person,
        Kind::Incident,
        Kind::Testimony,
        Kind::Involvement,
        Kind::Attachment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Unit => "unit",
            Kind::Place => "place",
            Kind::Person => "person",
            Kind::Incident => "incident",
            Kind::Testimony => "testimony",
            Kind::Involvement => "involvement",
            Kind::Attachment => "attachment",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Involvements and attachments have a natural identity (incident, person or unit,
    /// role; the file's path and what it is attached to); every other kind needs an id
    /// column.
    pub fn needs_id(self) -> bool {
        !matches!(self, Kind::Involvement | Kind::Attachment)
    }
}

/// How a cell is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text,
    /// One line of text (names, places).
    Line,
    /// Items separated by the list separator.
    List,
    /// `YYYY-MM-DD` (and the mapping's formats): an exact day.
    Date,
    /// A date with a precision: a day, a month, a year, an estimate.
    PartialDate,
    /// A vocabulary code, through `[values.<vocabulary>]`.
    Code(&'static str),
    /// Several codes of one vocabulary.
    Codes(&'static str),
    /// One of a fixed list (`person_kind`, `sex`, …), through `[values.<list>]`.
    Choice(&'static str),
    /// Several of a fixed list.
    Choices(&'static str),
    /// ISO 639 language codes.
    Languages,
    Number,
    /// A latitude and a longitude in one cell: `53.9|27.56` (Uwazi), `53.9, 27.56`.
    Coordinates,
    /// The external id of another record of this kind (in this import or an earlier one).
    Ref(Kind),
    Refs(Kind),
    /// A path among the files that came with the sheet.
    File,
    /// Character ranges of the account, `12-20; 40-48` (start inclusive, end exclusive):
    /// what readers who may not know the witness see replaced by the pseudonym.
    Spans,
}

#[derive(Clone, Copy)]
pub struct FieldDef {
    pub name: &'static str,
    pub ty: FieldType,
    pub required: bool,
    pub about: &'static str,
    /// The service's own limit on the text (each item's, for a list).
    pub text: Option<&'static Text>,
    /// The service's own limit on how many items a list holds.
    pub items: Option<&'static Items>,
    /// The service's own pattern (a pseudonym).
    pub token: Option<&'static Token>,
}

impl std::fmt::Debug for FieldDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FieldDef").field("name", &self.name).field("ty", &self.ty).finish_non_exhaustive()
    }
}

const fn f(name: &'static str, ty: FieldType, about: &'static str) -> FieldDef {
    FieldDef { name, ty, required: false, about, text: None, items: None, token: None }
}

const fn req(name: &'static str, ty: FieldType, about: &'static str) -> FieldDef {
    FieldDef { name, ty, required: true, about, text: None, items: None, token: None }
}

impl FieldDef {
    const fn text(mut self, rule: &'static Text) -> Self {
        self.text = Some(rule);
        self
    }

    const fn items(mut self, rule: &'static Items) -> Self {
        self.items = Some(rule);
        self
    }

    const fn token(mut self, rule: &'static Token) -> Self {
        self.token = Some(rule);
        self
    }
}

use FieldType as T;

const UNIT: &[FieldDef] = &[
    req("name", T::Line, "the unit's name").text(&rules::NAME),
    f("description", T::Text, "").text(&rules::UNIT_DESCRIPTION),
    f("parent", T::Ref(Kind::Unit), "the unit above it in the chain of command"),
    f("commander", T::Ref(Kind::Person), "a commander (a person's id)"),
    f("commander_from", T::Date, "when the commander took command"),
    f("commander_to", T::Date, "when their command ended"),
];

const PLACE: &[FieldDef] = &[
    req("place_type", T::Code("place_type"), "detention facility, street, …"),
    req("name", T::Line, "").text(&rules::NAME),
    f("address", T::Line, "").text(&rules::ADDRESS),
    f("latitude", T::Number, "decimal degrees"),
    f("longitude", T::Number, "decimal degrees"),
    f("coordinates", T::Coordinates, "latitude and longitude in one cell (`53.9|27.56`)"),
];

const PERSON: &[FieldDef] = &[
    req("kind", T::Choice("person_kind"), "victim, witness, perpetrator or other"),
    f("pseudonym", T::Line, "assigned when absent").token(&rules::PSEUDONYM),
    f("sex", T::Choice("sex"), "female, male, other, unknown"),
    f("names", T::List, "names in any script").text(&rules::NAME).items(&rules::NAMES),
    f("aliases", T::List, "").text(&rules::NAME).items(&rules::ALIASES),
    f("birth_date", T::Date, ""),
    f("contact", T::Text, "sealed; shown only to the case lead and the recorder").text(&rules::CONTACT),
    f("rank", T::Line, "").text(&rules::RANK),
    f("position", T::Line, "").text(&rules::POSITION),
    f("notes", T::Text, "").text(&rules::NOTES),
    f("unit", T::Ref(Kind::Unit), "the unit a perpetrator belongs to"),
];

const INCIDENT: &[FieldDef] = &[
    req("act_type", T::Code("act_type"), "what was done"),
    f("methods", T::Codes("torture_method"), "torture methods").items(&rules::METHODS),
    f("start", T::PartialDate, "when it began"),
    f("end", T::PartialDate, "when it ended"),
    f("place", T::Ref(Kind::Place), "where"),
    f("description", T::Text, "").text(&rules::INCIDENT_DESCRIPTION),
    f("victims", T::Refs(Kind::Person), "persons harmed").items(&rules::VICTIMS),
    f(
        "perpetrators",
        T::Refs(Kind::Person),
        "persons involved, each as an involvement (role: perpetrator_role)",
    ),
    f(
        "perpetrator_units",
        T::Refs(Kind::Unit),
        "units involved, each as an involvement (role: perpetrator_role)",
    ),
    f("perpetrator_role", T::Code("involvement_role"), "their part (default carried_out)"),
];

const TESTIMONY: &[FieldDef] = &[
    req("witness", T::Ref(Kind::Person), "who gave the account (a victim or witness)"),
    req("account", T::Text, "the account itself").text(&rules::ACCOUNT),
    req("source_connection", T::Code("source_connection"), "how the witness knows (HURIDOCS)"),
    f("interview_date", T::Date, ""),
    f("interview_place", T::Line, "").text(&rules::INTERVIEW_DETAIL),
    f("languages", T::Languages, "ISO 639 codes").items(&rules::LANGUAGES),
    f("reliability", T::Choice("reliability"), "high, medium, low, unknown"),
    f("summary", T::Text, "").text(&rules::SUMMARY),
    f("interviewer", T::Line, "").text(&rules::INTERVIEW_DETAIL),
    f("interpreter", T::Line, "").text(&rules::INTERVIEW_DETAIL),
    f("persons_present", T::List, "").text(&rules::NAME).items(&rules::PERSONS_PRESENT),
    f("incidents", T::Refs(Kind::Incident), "incidents the account describes"),
    f(
        "identifying_spans",
        T::Spans,
        "characters of the account that identify the witness, `start-end` (end exclusive)",
    )
    .items(&rules::SPANS),
    f(
        "consent_share_with",
        T::Choices("recipient"),
        "un_bodies, international_mechanisms, prosecutors, ngos, media, public",
    ),
    f("consent_may_be_named", T::Choice("yes_no"), "may the witness be named to recipients"),
    f("consent_given_on", T::Date, ""),
    f("consent_how_given", T::Choice("how_given"), "written, oral_recorded, oral_witnessed, other"),
    f("consent_text_version", T::Line, "the version of the consent text read to the witness")
        .text(&rules::CONSENT_TEXT_VERSION),
];

const INVOLVEMENT: &[FieldDef] = &[
    req("incident", T::Ref(Kind::Incident), ""),
    req("role", T::Code("involvement_role"), "carried_out, ordered, present, …"),
    f("person", T::Ref(Kind::Person), "a person (or a unit)"),
    f("unit", T::Ref(Kind::Unit), "a unit (or a person)"),
    f("testimonies", T::Refs(Kind::Testimony), "testimonies supporting it"),
];

const ATTACHMENT: &[FieldDef] = &[
    req("file", T::File, "a path among the files that came with the sheet"),
    f("testimony", T::Ref(Kind::Testimony), "the testimony it belongs to (or an incident)"),
    f("incident", T::Ref(Kind::Incident), "the incident it documents (or a testimony)"),
    f("media_type", T::Line, "told from the file name when absent"),
];

pub fn fields(kind: Kind) -> &'static [FieldDef] {
    match kind {
        Kind::Unit => UNIT,
        Kind::Place => PLACE,
        Kind::Person => PERSON,
        Kind::Incident => INCIDENT,
        Kind::Testimony => TESTIMONY,
        Kind::Involvement => INVOLVEMENT,
        Kind::Attachment => ATTACHMENT,
    }
}

pub fn field(kind: Kind, name: &str) -> Option<&'static FieldDef> {
    fields(kind).iter().find(|d| d.name == name)
}

/// The fixed lists a mapping may translate, with their codes.
pub const CHOICES: &[(&str, &[&str])] = &[
    ("person_kind", &["victim", "witness", "perpetrator", "other"]),
    ("sex", &["female", "male", "other", "unknown"]),
    ("reliability", &["high", "medium", "low", "unknown"]),
    ("how_given", &["written", "oral_recorded", "oral_witnessed", "other"]),
    ("recipient", &["un_bodies", "international_mechanisms", "prosecutors", "ngos", "media", "public"]),
    ("yes_no", &["yes", "no"]),
];

/// The vocabularies a mapping may translate (codes live in the database).
pub const VOCABULARIES: &[&str] =
    &["act_type", "torture_method", "place_type", "involvement_role", "source_connection"];

pub fn choices(list: &str) -> &'static [&'static str] {
    CHOICES.iter().find(|(n, _)| *n == list).map(|(_, c)| *c).unwrap_or(&[])
}

/// Languages: the mapping may translate a sheet's words into ISO 639 codes; English
/// names (`Russian`) and autonyms (`русский`) are read without one.
pub const LANGUAGE: &str = "language";

pub fn is_value_list(name: &str) -> bool {
    VOCABULARIES.contains(&name) || CHOICES.iter().any(|(n, _)| *n == name) || name == LANGUAGE
}
