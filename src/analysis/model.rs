//! What the analysis views produce: plain data, serialised as the API's JSON and drawn
//! by `draw` as SVG. Everything here is built from clear columns (ids, codes, dates,
//! pseudonyms) plus the names of units and places, which the service unseals.

use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

use crate::cases::validate::Precision;

/// A date as recorded: the day, month or year it names, and how precisely it is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PartialDate {
    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY`, as the precision says.
    pub date: String,
    pub precision: Precision,
}

/// The days a partial date can mean: a day for an exact date, the whole month or year
/// for those precisions, a day marked `estimated` for an estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DaySpan {
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub estimated: bool,
}

// ---------------------------------------------------------------------------------------
// Corroboration
// ---------------------------------------------------------------------------------------

/// Who a link is about: a person (by pseudonym) or a unit (by name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subject {
    Person { id: Uuid, pseudonym: String },
    Unit { id: Uuid, name: String },
}

/// Whether a testimony supports a link or, as an investigator marked it, contradicts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stance {
    Supports,
    Contradicts,
}

impl Stance {
    pub fn as_str(self) -> &'static str {
        match self {
            Stance::Supports => "supports",
            Stance::Contradicts => "contradicts",
        }
    }

    pub fn parse(s: &str) -> Stance {
        if s == "contradicts" { Stance::Contradicts } else { Stance::Supports }
    }
}

/// One sealed testimony cited for a link (drafts are not evidence yet and are left out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Source {
    /// The testimony (its first version's id, which every version shares).
    pub testimony_id: Uuid,
    pub witness_id: Uuid,
    pub witness_pseudonym: String,
    /// HURIDOCS source connection code: `victim`, `eyewitness`, `relative`, …
    pub source_connection: String,
    pub reliability: String,
    /// Whether the witness saw or suffered it (victim, eyewitness, medical professional)
    /// rather than heard of it.
    pub first_hand: bool,
    pub stance: Stance,
}

/// How well a link is supported, strongest first (the order sorting uses).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    /// Two or more independent sources and no contradicting account.
    Corroborated,
    /// One independent source that saw or suffered it.
    SingleSource,
    /// Only second-hand accounts (relatives, lawyers, others).
    HearsayOnly,
    /// An investigator marked at least one account as contradicting it.
    Contradicted,
    /// No sealed testimony supports it.
    Unsupported,
}

impl Strength {
    pub const ALL: [Strength; 5] = [
        Strength::Corroborated,
        Strength::SingleSource,
        Strength::HearsayOnly,
        Strength::Contradicted,
        Strength::Unsupported,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Strength::Corroborated => "corroborated",
            Strength::SingleSource => "single_source",
            Strength::HearsayOnly => "hearsay_only",
            Strength::Contradicted => "contradicted",
            Strength::Unsupported => "unsupported",
        }
    }
}

/// One involvement (a person or unit × an incident × the part played) and the
/// testimonies behind it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Link {
    pub involvement_id: Uuid,
    pub case_id: Uuid,
    pub incident_id: Uuid,
    pub act_type: String,
    pub incident_date: Option<PartialDate>,
    pub subject: Subject,
    /// HURIDOCS degree of involvement: `carried_out`, `ordered`, …
    pub role: String,
    pub sources: Vec<Source>,
    /// Independent sources, counted as `docs/analysis.md` explains.
    pub independent: u32,
    /// Distinct witnesses with a first-hand sealed account supporting it.
    pub first_hand: u32,
    /// Distinct witnesses with a second-hand sealed account supporting it.
    pub second_hand: u32,
    /// Distinct witnesses whose account an investigator marked as contradicting it.
    pub contradicting: u32,
    pub strength: Strength,
}

/// The corroboration table of a scope, strongest links first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Corroboration {
    pub links: Vec<Link>,
    /// Links per strength, before any filter.
    pub totals: Vec<StrengthCount>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StrengthCount {
    pub strength: Strength,
    pub links: u32,
}

// ---------------------------------------------------------------------------------------
// Chain of command
// ---------------------------------------------------------------------------------------

/// A commander of a unit for a period (either end may be open).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CommandPeriod {
    pub person_id: Uuid,
    pub pseudonym: String,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Incidents of this unit or the units below it (their own or their members') whose
    /// dates fall wholly within the period.
    pub incidents: Vec<Uuid>,
    /// Incidents whose partial dates overlap the period's edge: possibly within it.
    pub possibly: Vec<Uuid>,
}

/// One unit of the hierarchy.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CommandNode {
    pub unit_id: Uuid,
    pub name: String,
    /// `None` for the top of the picture.
    pub parent_id: Option<Uuid>,
    /// 0 for the top of the picture.
    pub depth: u32,
    pub commanders: Vec<CommandPeriod>,
    /// Incidents the unit or its own members were involved in.
    pub own_incidents: Vec<Uuid>,
    /// Distinct incidents of the unit and everything below it.
    pub rolled_up: u32,
}

/// What an incident named in a picture is: its act and its (start) date.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IncidentRef {
    pub incident_id: Uuid,
    pub act_type: String,
    pub date: Option<PartialDate>,
}

/// A unit's hierarchy, in depth-first order (a parent before its children).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CommandTree {
    pub root: Uuid,
    pub nodes: Vec<CommandNode>,
    /// Every incident the nodes name, oldest first.
    pub incidents: Vec<IncidentRef>,
    /// Units whose recorded parent is missing (a cut hierarchy): drawn at the top.
    pub cut: Vec<Uuid>,
}

/// One incident attributed to a commander through a command period.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Attributed {
    pub incident_id: Uuid,
    pub act_type: String,
    pub incident_date: Option<PartialDate>,
    /// The unit through which it is attributed (the commanded unit or one below it).
    pub unit_id: Uuid,
    pub unit_name: String,
    /// `false` when the incident's partial date only overlaps the period.
    pub certain: bool,
}

/// For a commander: the incidents of the units below them during their command.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Responsibility {
    pub person_id: Uuid,
    pub pseudonym: String,
    pub periods: Vec<ResponsibilityPeriod>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResponsibilityPeriod {
    pub unit_id: Uuid,
    pub unit_name: String,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub incidents: Vec<Attributed>,
}

// ---------------------------------------------------------------------------------------
// Timeline
// ---------------------------------------------------------------------------------------

/// An incident on a lane.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Bar {
    pub incident_id: Uuid,
    pub act_type: String,
    pub start: PartialDate,
    pub end: Option<PartialDate>,
    /// The days drawn: from the first day `start` can mean to the last day `end` (or
    /// `start`) can mean.
    pub span: DaySpan,
    /// A detention (arrest, arbitrary or incommunicado detention), drawn as a band.
    pub detention: bool,
}

/// A testimony taken, on the date of its interview.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Mark {
    pub testimony_id: Uuid,
    pub date: NaiveDate,
    /// The incidents it describes that are on this timeline.
    pub incidents: Vec<Uuid>,
}

/// A strip of the timeline: a facility, a unit, or everything else.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Lane {
    /// A place or unit id; `None` for incidents with neither.
    pub id: Option<Uuid>,
    pub label: String,
    pub bars: Vec<Bar>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LaneBy {
    Place,
    Unit,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Timeline {
    /// The period shown: the one asked for, or the span of the dated incidents.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub lane_by: LaneBy,
    pub lanes: Vec<Lane>,
    pub marks: Vec<Mark>,
    /// Incidents in scope with no date, which no timeline can place.
    pub undated: u32,
}

// ---------------------------------------------------------------------------------------
// Patterns
// ---------------------------------------------------------------------------------------

/// A count, or nothing when it is withheld under the small-count rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Cell {
    /// A code, a week (`2020-W33`) or an id.
    pub key: String,
    pub label: String,
    /// `None`: between 1 and `min_count - 1`, or withheld so that it cannot be worked
    /// out from the others and a total.
    pub count: Option<u32>,
}

/// One small multiple: counts of incidents and of victims along one dimension.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Series {
    /// `week`, `facility`, `act_type`, `method`, `unit`.
    pub dimension: String,
    pub incidents: Vec<Cell>,
    pub victims: Vec<Cell>,
}

/// Incidents per method (rows) and facility (columns): a method recurring across
/// facilities is a pattern.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Matrix {
    pub rows: Vec<Cell>,
    pub columns: Vec<Cell>,
    /// `cells[row][column]`.
    pub cells: Vec<Vec<Option<u32>>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Patterns {
    /// Counts from 1 to `min_count - 1` are withheld (see `docs/analysis.md`).
    pub min_count: u32,
    pub incidents: Option<u32>,
    pub victims: Option<u32>,
    pub series: Vec<Series>,
    pub method_by_facility: Matrix,
}

// ---------------------------------------------------------------------------------------
// Places
// ---------------------------------------------------------------------------------------

/// A place with coordinates, and how many incidents in scope happened there.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MapPoint {
    pub place_id: Uuid,
    pub case_id: Uuid,
    pub name: String,
    pub place_type: String,
    pub latitude: f64,
    pub longitude: f64,
    pub incidents: u32,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlaceMap {
    pub points: Vec<MapPoint>,
    /// Places in scope without coordinates.
    pub without_coordinates: u32,
}
