//! The sealed parts of a detention history: the free text of each record. Dates, codes
//! and the records they point to (person, facility, unit, court, judge) are clear
//! columns, so durations and "who is held where" are computed without decrypting.

use serde::{Deserialize, Serialize};

/// `detention_episodes.details`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EpisodeDetails {
    /// The grounds the authorities gave at arrest, as told.
    #[serde(default)]
    pub grounds_given: String,
    #[serde(default)]
    pub release_circumstances: String,
    /// The sentence as pronounced, in words.
    #[serde(default)]
    pub sentence: String,
    #[serde(default)]
    pub notes: String,
}

/// `custody_periods.details`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustodyDetails {
    #[serde(default)]
    pub conditions: String,
    /// Why the person was moved here from the previous facility.
    #[serde(default)]
    pub transfer_reason: String,
    #[serde(default)]
    pub notes: String,
}

/// `charges.details`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChargeDetails {
    #[serde(default)]
    pub description: String,
}

/// `hearings.details`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HearingDetails {
    #[serde(default)]
    pub notes: String,
}
