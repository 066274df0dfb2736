//! What the API and the pages exchange about testimonies: the input of a draft or a
//! correction, the views, and the consent as readers see it. The serialized forms kept
//! inside sealed fields are separate (`stored`), so a change here cannot change them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, FieldError, Result};
use crate::store::schema::testimonies;

/// Who the witness agreed the account may be shared with (the recipient categories of
/// evidence bundles).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareWith {
    #[serde(default)]
    pub un_bodies: bool,
    #[serde(default)]
    pub international_mechanisms: bool,
    #[serde(default)]
    pub prosecutors: bool,
    #[serde(default)]
    pub ngos: bool,
    #[serde(default)]
    pub media: bool,
    #[serde(default)]
    pub public: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HowGiven {
    Written,
    OralRecorded,
    OralWitnessed,
    Other,
    /// Not recorded yet: only in a draft saved before the consent step was filled in;
    /// a testimony cannot be created through the API or sealed with it.
    NotRecorded,
}

/// The witness's consent. A living record: withdrawing it is audited and blocks new
/// exports, but does not alter the sealed account (it is not part of the digest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    pub share_with: ShareWith,
    /// May the witness be named to recipients?
    pub may_be_named: bool,
    /// `YYYY-MM-DD`.
    pub given_on: String,
    pub how_given: HowGiven,
    /// Version of the consent text the witness was read or shown.
    pub text_version: String,
    /// `YYYY-MM-DD`; set when consent is withdrawn.
    pub withdrawn_on: Option<String>,
}

/// Characters `start..end` (Unicode scalar values, end exclusive) of the account that
/// identify the witness: replaced by the pseudonym for readers and recipients who may
/// not know who the witness is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum Reliability {
    High,
    Medium,
    Low,
    #[default]
    Unknown,
}

impl Reliability {
    pub fn as_str(self) -> &'static str {
        match self {
            Reliability::High => "high",
            Reliability::Medium => "medium",
            Reliability::Low => "low",
            Reliability::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Reliability {
        match s {
            "high" => Reliability::High,
            "medium" => Reliability::Medium,
            "low" => Reliability::Low,
            _ => Reliability::Unknown,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = TestimonyStatus)]
pub enum Status {
    Draft,
    Sealed,
}

impl Status {
    /// The code in the `status` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Sealed => "sealed",
        }
    }

    /// A stored status: anything but `"sealed"` is a draft, as it always was read.
    pub fn parse(s: &str) -> Status {
        if s == Status::Sealed.as_str() { Status::Sealed } else { Status::Draft }
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestimonyInput {
    /// A victim or witness of the same case.
    pub witness_id: Uuid,
    /// `YYYY-MM-DD`.
    pub interview_date: Option<String>,
    pub interview_place: Option<String>,
    /// ISO 639 codes, e.g. `["ru", "be"]`.
    #[serde(default)]
    pub languages: Vec<String>,
    /// A `source_connection` vocabulary code (HURIDOCS MT19).
    pub source_connection: String,
    #[serde(default)]
    pub reliability: Reliability,
    /// The account itself.
    pub account: String,
    #[serde(default)]
    pub summary: String,
    pub interviewer: Option<String>,
    pub interpreter: Option<String>,
    #[serde(default)]
    pub persons_present: Vec<String>,
    #[serde(default)]
    pub identifying_spans: Vec<Span>,
    pub consent: Consent,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    #[serde(flatten)]
    pub testimony: TestimonyInput,
    /// Why the account is corrected.
    pub correction_reason: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Withdrawal {
    /// `YYYY-MM-DD`.
    pub withdrawn_on: String,
}

/// A testimony's sealed content once opened (its stored form is `stored::StoredContent`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Content {
    pub account: String,
    pub summary: String,
    pub interviewer: Option<String>,
    pub interpreter: Option<String>,
    pub persons_present: Vec<String>,
    pub interview_place: Option<String>,
    pub identifying_spans: Vec<Span>,
    pub correction_reason: Option<String>,
}

impl Content {
    pub(crate) fn of(input: &TestimonyInput, correction_reason: Option<String>) -> Content {
        Content {
            account: input.account.clone(),
            summary: input.summary.clone(),
            interviewer: input.interviewer.clone(),
            interpreter: input.interpreter.clone(),
            persons_present: input.persons_present.clone(),
            interview_place: input.interview_place.clone(),
            identifying_spans: input.identifying_spans.clone(),
            correction_reason,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WitnessRef {
    pub id: Uuid,
    pub pseudonym: String,
    /// Only for the case lead, the author and whoever recorded the witness.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub names: Option<Vec<String>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VersionRef {
    pub id: Uuid,
    pub version: i32,
    pub status: Status,
    pub digest: Option<String>,
    pub sealed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TestimonyView {
    pub id: Uuid,
    pub root_id: Uuid,
    pub version: i32,
    pub status: Status,
    pub case_id: Uuid,
    pub witness: WitnessRef,
    pub author_id: Uuid,
    pub interview_date: Option<String>,
    pub interview_place: Option<String>,
    pub languages: Vec<String>,
    pub source_connection: String,
    pub reliability: Reliability,
    /// With identifying spans replaced by `[pseudonym]` unless the reader may know the
    /// witness (`identity_shown`).
    pub account: String,
    pub summary: String,
    pub interviewer: Option<String>,
    pub interpreter: Option<String>,
    pub persons_present: Vec<String>,
    pub identifying_spans: Vec<Span>,
    pub identity_shown: bool,
    pub consent: Consent,
    pub correction_reason: Option<String>,
    /// SHA-256 (hex) of the canonical content, recorded when sealed.
    pub digest: Option<String>,
    pub sealed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Incidents this account describes (linked to any version).
    pub incidents: Vec<Uuid>,
    pub attachments: Vec<crate::cases::attachments::AttachmentView>,
    pub versions: Vec<VersionRef>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TestimonySummary {
    pub id: Uuid,
    pub root_id: Uuid,
    pub version: i32,
    pub status: Status,
    pub witness_pseudonym: String,
    pub interview_date: Option<String>,
    pub languages: Vec<String>,
    pub source_connection: String,
    pub sealed_at: Option<DateTime<Utc>>,
}

/// One row of `testimonies`, as stored (sealed fields still sealed).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = testimonies)]
pub struct Row {
    pub id: String,
    pub case_id: String,
    pub root_id: String,
    pub version: i32,
    pub status: String,
    pub witness_id: String,
    pub author_id: String,
    pub interview_date: Option<String>,
    pub languages: String,
    pub source_connection: String,
    pub reliability: String,
    pub content: Vec<u8>,
    pub consent: Vec<u8>,
    pub digest: Option<String>,
    pub sealed_at: Option<chrono::NaiveDateTime>,
    pub created_at: chrono::NaiveDateTime,
}

impl Row {
    pub fn status(&self) -> Status {
        Status::parse(&self.status)
    }
}

/// How much a testimony must hold to be stored: everything, or (a draft saved as the
/// documenter types) whatever was typed so far, each part still well-formed. Sealing
/// asks for everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    Full,
    Draft,
}

/// The witness of a draft saved from the form: one of the case's, or a new witness
/// known so far by the names typed (recorded with the draft, in the same transaction),
/// or a choice the form could not read.
#[derive(Debug, Clone)]
pub enum WitnessChoice {
    Existing(Uuid),
    New(Vec<String>),
    Invalid,
}

/// A draft as the pages send it: the witness chosen, and the rest of the form read into
/// an input (or the errors found reading it), judged only once the caller is allowed.
#[derive(Debug, Clone)]
pub struct DraftForm {
    /// Nothing typed at all: not worth a draft.
    pub blank: bool,
    pub witness: WitnessChoice,
    /// The form read with a nil witness id; the service puts in the witness.
    pub input: std::result::Result<TestimonyInput, Vec<FieldError>>,
}

impl DraftForm {
    pub(crate) fn input_for(&self, witness: Uuid) -> Result<TestimonyInput> {
        let mut input = self.input.clone().map_err(Error::Validation)?;
        input.witness_id = witness;
        Ok(input)
    }
}
