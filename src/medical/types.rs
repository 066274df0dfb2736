//! What the API and pages exchange about evaluations, and the row as stored.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::model::{EvaluationContent, EvaluationKind};
use crate::cases::attachments::AttachmentView;
use crate::store::schema::evaluations;

/// A new evaluation, or a draft's replacement.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluationInput {
    pub kind: EvaluationKind,
    /// The day of the examination, `YYYY-MM-DD`, not in the future.
    #[serde(default)]
    pub examined_on: Option<String>,
    pub content: EvaluationContent,
    /// Incidents of the same case the evaluation is about.
    #[serde(default)]
    pub incident_ids: Vec<Uuid>,
}

/// A correction of a sealed evaluation: its whole new content and why.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluationCorrection {
    pub kind: EvaluationKind,
    #[serde(default)]
    pub examined_on: Option<String>,
    pub content: EvaluationContent,
    pub correction_reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EvaluationStatus {
    Draft,
    Sealed,
}

impl EvaluationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EvaluationStatus::Draft => "draft",
            EvaluationStatus::Sealed => "sealed",
        }
    }

    pub fn parse(s: &str) -> Self {
        if s == "sealed" { EvaluationStatus::Sealed } else { EvaluationStatus::Draft }
    }
}

/// One version of an evaluation among its others.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvaluationVersionRef {
    pub id: Uuid,
    pub version: i32,
    pub status: EvaluationStatus,
    pub digest: Option<String>,
    pub sealed_at: Option<DateTime<Utc>>,
}

/// One version of an evaluation, whole: for clinicians of the case.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvaluationView {
    pub id: Uuid,
    pub root_id: Uuid,
    pub version: i32,
    pub status: EvaluationStatus,
    pub case_id: Uuid,
    pub person_id: Uuid,
    pub kind: EvaluationKind,
    pub examined_on: Option<String>,
    pub clinician_id: Uuid,
    pub clinician_username: String,
    pub content: EvaluationContent,
    /// SHA-256 of the canonical content, recorded at sealing; none on a draft.
    pub digest: Option<String>,
    pub sealed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub incident_ids: Vec<Uuid>,
    /// Every version of this evaluation, first to last.
    pub versions: Vec<EvaluationVersionRef>,
    /// Photographs and diagnostic tests of every version.
    pub attachments: Vec<AttachmentView>,
}

/// The clear fields of an evaluation's latest version, for lists.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvaluationSummary {
    pub id: Uuid,
    pub root_id: Uuid,
    pub version: i32,
    pub status: EvaluationStatus,
    pub person_id: Uuid,
    pub kind: EvaluationKind,
    pub examined_on: Option<String>,
    pub clinician_username: String,
    pub digest: Option<String>,
    pub sealed_at: Option<DateTime<Utc>>,
    pub incident_ids: Vec<Uuid>,
}

/// One row of `evaluations`, as stored (the content still sealed).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = evaluations)]
pub struct Row {
    pub id: String,
    pub case_id: String,
    pub root_id: String,
    pub version: i32,
    pub status: String,
    pub person_id: String,
    pub kind: String,
    pub clinician_id: String,
    pub examined_on: Option<String>,
    pub content: Vec<u8>,
    pub digest: Option<String>,
    pub sealed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Row {
    pub fn status(&self) -> EvaluationStatus {
        EvaluationStatus::parse(&self.status)
    }

    pub fn kind(&self) -> EvaluationKind {
        match self.kind.as_str() {
            "psychological" => EvaluationKind::Psychological,
            "medical_psychological" => EvaluationKind::MedicalPsychological,
            _ => EvaluationKind::Medical,
        }
    }
}
