//! What the care of witnesses takes and shows: ledger entries, contact and feedback
//! preferences, feedback given, referrals, reminders and the prior-interview answer.
//! The forms inside sealed fields are the `*Sealed` structs, apart from the API's.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::ledger::Decision;
use crate::export::Recipient;

/// How consent was given (the ledger's own list: a draft's "not recorded" has no place here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsentGiven {
    Written,
    OralRecorded,
    OralWitnessed,
    Other,
}

impl ConsentGiven {
    pub const ALL: [ConsentGiven; 4] =
        [ConsentGiven::Written, ConsentGiven::OralRecorded, ConsentGiven::OralWitnessed, ConsentGiven::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            ConsentGiven::Written => "written",
            ConsentGiven::OralRecorded => "oral_recorded",
            ConsentGiven::OralWitnessed => "oral_witnessed",
            ConsentGiven::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<ConsentGiven> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

/// A decision to record in a person's consent ledger.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConsentEntry {
    /// A code of the `consent_purpose` vocabulary (`share_account`, `be_named`, …).
    pub purpose: String,
    /// Who the decision is about sharing with.
    #[schema(value_type = Recipient)]
    pub recipient: String,
    pub decision: Decision,
    /// The day the person decided; not in the future.
    pub decided_on: NaiveDate,
    /// ISO 639 code of the language it was explained in.
    pub language: String,
    pub how_given: ConsentGiven,
    /// What was explained to the person (sealed).
    pub explained: String,
    /// Version of the consent text read or shown (sealed).
    #[serde(default)]
    pub text_version: String,
    #[serde(default)]
    pub notes: String,
}

/// The sealed part of a ledger entry.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct ConsentSealed {
    pub explained: String,
    pub text_version: String,
    pub notes: String,
}

/// One entry of a consent ledger, as recorded.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConsentEntry {
    pub id: Uuid,
    pub purpose: String,
    #[schema(value_type = Recipient)]
    pub recipient: String,
    pub decision: Decision,
    pub decided_on: String,
    pub language: String,
    pub how_given: String,
    pub explained: String,
    pub text_version: String,
    pub notes: String,
    pub recorded_by: Uuid,
    pub recorded_at: DateTime<Utc>,
}

/// The decision that stands for one purpose and recipient: the latest entry.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StandingDecision {
    pub purpose: String,
    #[schema(value_type = Recipient)]
    pub recipient: String,
    pub decision: Decision,
    pub decided_on: String,
    pub entry_id: Uuid,
}

/// A person's consent ledger: the standing decision per purpose × recipient, and every
/// entry, newest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConsentLedger {
    pub person_id: Uuid,
    pub case_id: Uuid,
    pub case_reference: String,
    pub pseudonym: String,
    pub standing: Vec<StandingDecision>,
    pub history: Vec<ConsentEntry>,
}

/// What the witness wants to be told, and how often.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackWish {
    #[serde(default)]
    pub what: String,
    #[serde(default)]
    pub how_often: String,
}

/// How and when a witness wants to be contacted and kept informed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CarePreferences {
    /// How to reach the person (sealed).
    #[serde(default)]
    pub channels: String,
    /// When it is safe to contact them (sealed).
    #[serde(default)]
    pub safe_times: String,
    /// ISO 639 code of the language they want to be spoken to in, or empty.
    #[serde(default)]
    pub language: String,
    /// May the organisation contact them at all?
    #[serde(default)]
    pub may_contact: bool,
    #[serde(default)]
    pub feedback: FeedbackWish,
    #[serde(default)]
    pub notes: String,
    /// When the witness is next owed news of the case (a reminder on the case page).
    #[serde(default)]
    pub feedback_due: Option<NaiveDate>,
}

/// Feedback given to the witness: what they were told, and when news is next due.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFeedback {
    /// Not in the future.
    pub given_on: NaiveDate,
    /// What the witness was told (sealed).
    pub summary: String,
    /// The next `feedback_due`; none clears the reminder.
    #[serde(default)]
    pub next_due: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FeedbackGiven {
    pub id: Uuid,
    pub given_on: String,
    pub summary: String,
    pub recorded_at: DateTime<Utc>,
}

/// Where a referral stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum ReferralStatus {
    #[default]
    Made,
    Accepted,
    Completed,
    Declined,
    NoContact,
}

impl ReferralStatus {
    pub const ALL: [ReferralStatus; 5] = [
        ReferralStatus::Made,
        ReferralStatus::Accepted,
        ReferralStatus::Completed,
        ReferralStatus::Declined,
        ReferralStatus::NoContact,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReferralStatus::Made => "made",
            ReferralStatus::Accepted => "accepted",
            ReferralStatus::Completed => "completed",
            ReferralStatus::Declined => "declined",
            ReferralStatus::NoContact => "no_contact",
        }
    }

    pub fn parse(s: &str) -> Option<ReferralStatus> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Still waiting for something: a follow-up date of an open referral is a reminder.
    pub fn is_open(self) -> bool {
        matches!(self, ReferralStatus::Made | ReferralStatus::Accepted)
    }
}

/// A referral made for the person (medical, psychological, legal…).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReferral {
    /// A code of the `referral_kind` vocabulary.
    pub kind: String,
    /// Not in the future.
    pub made_on: NaiveDate,
    #[serde(default)]
    pub status: ReferralStatus,
    /// When to check on it; not before `made_on`.
    #[serde(default)]
    pub follow_up_on: Option<NaiveDate>,
    /// To whom (sealed).
    pub referred_to: String,
    /// Why (sealed).
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub outcome: String,
}

/// A referral's new status, follow-up date and outcome.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralUpdate {
    pub status: ReferralStatus,
    #[serde(default)]
    pub follow_up_on: Option<NaiveDate>,
    /// Replaces the recorded outcome (sealed).
    #[serde(default)]
    pub outcome: String,
}

/// The sealed part of a referral.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct ReferralSealed {
    pub referred_to: String,
    pub reason: String,
    pub outcome: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Referral {
    pub id: Uuid,
    pub person_id: Uuid,
    pub kind: String,
    pub made_on: String,
    pub status: ReferralStatus,
    pub follow_up_on: Option<String>,
    pub referred_to: String,
    pub reason: String,
    pub outcome: String,
    pub updated_at: DateTime<Utc>,
}

/// Everything about reaching and caring for one person.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CareRecord {
    pub person_id: Uuid,
    pub case_id: Uuid,
    pub case_reference: String,
    pub pseudonym: String,
    /// None until preferences are first recorded.
    pub preferences: Option<CarePreferences>,
    /// Newest first.
    pub feedback: Vec<FeedbackGiven>,
    /// Newest first.
    pub referrals: Vec<Referral>,
}

/// A person owed news of the case.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FeedbackReminder {
    pub person_id: Uuid,
    pub pseudonym: String,
    /// The day news fell due.
    pub due: String,
}

/// An open referral whose follow-up day has come.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FollowUpReminder {
    pub referral_id: Uuid,
    /// The referral's kind (`referral_kind` vocabulary).
    pub kind: String,
    pub person_id: Uuid,
    pub pseudonym: String,
    /// The follow-up day.
    pub due: String,
}

/// What falls due in a case today or earlier, oldest first.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Reminders {
    pub feedback_due: Vec<FeedbackReminder>,
    pub referral_follow_up_due: Vec<FollowUpReminder>,
}

/// A name to check before an interview: carried in the body, never in a URL.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorInterviewQuery {
    /// The person's name, in any script and any order of its parts.
    pub name: String,
}

/// A case where a person of that name gave testimony, and whom to ask.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PriorInterviewMatch {
    pub case_reference: String,
    /// The usernames of the case's leads.
    pub leads: Vec<String>,
}

/// Yes or no, with the cases to ask about; never the account or the person's record.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PriorInterviews {
    pub interviewed_before: bool,
    pub matches: Vec<PriorInterviewMatch>,
}
