//! What the reads answer: an episode with its parts and computed durations, a person's
//! history, and the people held at a facility on a day.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::durations::{Days, Presence, Status};
use super::model::{ChargeDetails, CustodyDetails, EpisodeDetails, HearingDetails};
use crate::cases::validate::Precision;

/// A custody period with its facility's name and its duration.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CustodyPeriodView {
    pub id: Uuid,
    pub place_id: Uuid,
    pub place_name: String,
    pub facility_type: String,
    pub from_date: Option<String>,
    pub from_precision: Precision,
    pub to_date: Option<String>,
    pub to_precision: Precision,
    pub details: CustodyDetails,
    /// Computed: at least and at most how many days (open ends close at the next
    /// transfer, the release, or today when still held).
    pub days: Days,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChargeView {
    pub id: Uuid,
    pub law_code: String,
    pub filed_on: Option<String>,
    pub details: ChargeDetails,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HearingView {
    pub id: Uuid,
    pub court_place_id: Option<Uuid>,
    pub court_name: Option<String>,
    pub judge_person_id: Option<Uuid>,
    /// The judge's pseudonym, or their name where the reader may see it.
    pub judge_name: Option<String>,
    pub held_on: Option<String>,
    pub held_precision: Precision,
    pub outcome: String,
    pub details: HearingDetails,
}

/// A move from one facility to the next: the next period's start.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TransferView {
    pub from_period_id: Uuid,
    pub to_period_id: Uuid,
    pub from_place_id: Uuid,
    pub to_place_id: Uuid,
    pub on_date: Option<String>,
    pub on_precision: Precision,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EpisodeView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub person_id: Uuid,
    pub person_pseudonym: String,
    pub arrest_date: Option<String>,
    pub arrest_precision: Precision,
    pub arrest_place_id: Option<Uuid>,
    pub arrest_place_name: Option<String>,
    pub arrest_unit_id: Option<Uuid>,
    pub arrest_unit_name: Option<String>,
    pub status: Status,
    pub release_date: Option<String>,
    pub release_precision: Precision,
    pub sentence_kind: Option<String>,
    pub details: EpisodeDetails,
    /// In the order they began.
    pub custody_periods: Vec<CustodyPeriodView>,
    pub transfers: Vec<TransferView>,
    pub charges: Vec<ChargeView>,
    pub hearings: Vec<HearingView>,
    /// Incidents of the case that happened during the episode.
    pub incident_ids: Vec<Uuid>,
    /// Computed: from arrest to release, or to today when still held.
    pub days: Days,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A person's detention history: every episode, oldest first, and the time in all.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DetentionHistory {
    pub person_id: Uuid,
    pub case_id: Uuid,
    pub case_reference: String,
    pub pseudonym: String,
    pub episodes: Vec<EpisodeView>,
    pub days: Days,
    /// The day durations of still-held episodes were counted to.
    pub today: NaiveDate,
}

/// One person at a facility on the day asked: by pseudonym only.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DetainedPerson {
    pub person_id: Uuid,
    pub pseudonym: String,
    pub episode_id: Uuid,
    pub period_id: Uuid,
    /// `certainly` when every date that bounds the stay puts the day inside it,
    /// `possibly` when a partial date only may.
    pub presence: Presence,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FacilityRoll {
    pub place_id: Uuid,
    pub place_name: String,
    pub certainly: usize,
    pub possibly: usize,
    /// Certainly held first, then possibly; by pseudonym.
    pub persons: Vec<DetainedPerson>,
}

/// Who was held where on a day, facility by facility.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DetainedOn {
    pub case_id: Uuid,
    pub case_reference: String,
    pub on: NaiveDate,
    pub facilities: Vec<FacilityRoll>,
}
