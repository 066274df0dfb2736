//! The sealed parts of a detention history: the free text of each record, and the charge
//! article and sentence length. Dates, codes and the records they point to (person,
//! facility, unit, court, judge) are clear columns, so durations and "who is held where"
//! are computed without decrypting. Articles and sentence lengths are sealed although
//! they are codes and numbers: with published verdicts and the clear dates they would
//! single out a prisoner (docs/threat-model.md).

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
    /// Its length in days, for computing (the kind is the clear `sentence_kind`).
    #[serde(default)]
    pub sentence_days: Option<u32>,
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
    /// The article as the code numbers it ("342", "19.1 part 2").
    pub article: String,
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
