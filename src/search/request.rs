//! What a search asks and what it answers: the request (sent in a body, never a URL),
//! its incident filters, and a hit.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SearchKind {
    #[default]
    Testimonies,
    Persons,
}

/// A search. Sent in a body, not a URL: search words are as sensitive as what they find.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchRequest {
    /// Words (all must match, in any inflection; a capitalised word of the text also
    /// matches in the other script: `Sidorenko` finds `Сидоренко`), "quoted phrases", or
    /// for persons parts of a name (all must be the person's, in any order and script;
    /// whole parts only) or the whole name. May be empty when filters are given (testimonies).
    #[serde(default)]
    pub q: String,
    /// Testimonies only: keep those linked to an incident matching every filter given.
    #[serde(default)]
    pub filters: IncidentFilter,
    #[serde(default)]
    pub kind: SearchKind,
    /// Only this case (one of the caller's).
    pub case_id: Option<Uuid>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Structured filters on the incidents a testimony describes. Dates compare as written
/// (`YYYY-MM-DD`; an incident known only to the month sorts before that month's days).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentFilter {
    /// An `act_type` code.
    pub act_type: Option<String>,
    /// A `torture_method` code.
    pub torture_method: Option<String>,
    /// Incidents that started on or after this date.
    pub from: Option<String>,
    /// Incidents that started on or before this date.
    pub to: Option<String>,
    pub place_id: Option<Uuid>,
    /// A person involved in the incident (any role).
    pub perpetrator_id: Option<Uuid>,
    /// A unit involved, its sub-units, or any of their members.
    pub unit_id: Option<Uuid>,
}

impl IncidentFilter {
    pub(super) fn is_empty(&self) -> bool {
        self.act_type.is_none()
            && self.torture_method.is_none()
            && self.from.is_none()
            && self.to.is_none()
            && self.place_id.is_none()
            && self.perpetrator_id.is_none()
            && self.unit_id.is_none()
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Hit {
    pub kind: SearchKind,
    pub id: Uuid,
    pub case_id: Uuid,
    /// The witness's (testimonies) or the person's pseudonym.
    pub pseudonym: String,
    /// Words around the first match, from the decrypted text as the caller may see it.
    pub snippet: String,
    pub created_at: DateTime<Utc>,
    /// How often the search's words occur in the text (testimonies), or for persons how
    /// many of the record's names match whole plus how many parts each name shares with
    /// the search: results come most matches first, then newest.
    pub matches: u32,
    /// Testimonies: the version found and the interview's (partial) date, so a result is
    /// named as everywhere else (`W-0031 · version 2 · 14 March 2021`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interview_date: Option<String>,
}
