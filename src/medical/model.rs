//! What an evaluation holds, section by section as annex IV of the Istanbul Protocol
//! (2022) lays it out. The whole of it is sealed in `evaluations.content`; only the
//! person, the kind, the examination date and the digest are clear.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Medical, psychological, or both (clear: it says which role of clinician wrote it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EvaluationKind {
    Medical,
    Psychological,
    MedicalPsychological,
}

impl EvaluationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EvaluationKind::Medical => "medical",
            EvaluationKind::Psychological => "psychological",
            EvaluationKind::MedicalPsychological => "medical_psychological",
        }
    }
}

/// The Protocol's degrees of consistency (2022 edition, paragraph 418; paragraph 187 of
/// the 2004 edition), weakest first;
/// the codes of the `consistency` vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Consistency {
    /// The lesion could not have been caused by the trauma described.
    NotConsistent,
    /// The lesion could have been caused by the trauma described, but it is non-specific
    /// and there are many other possible causes.
    Consistent,
    /// The lesion could have been caused by the trauma described, and there are few other
    /// possible causes.
    HighlyConsistent,
    /// This is an appearance that is usually found with this type of trauma, but there are
    /// other possible causes.
    TypicalOf,
    /// This appearance could not have been caused in any way other than that described.
    DiagnosticOf,
}

impl Consistency {
    pub fn as_str(self) -> &'static str {
        match self {
            Consistency::NotConsistent => "not_consistent",
            Consistency::Consistent => "consistent",
            Consistency::HighlyConsistent => "highly_consistent",
            Consistency::TypicalOf => "typical_of",
            Consistency::DiagnosticOf => "diagnostic_of",
        }
    }
}

/// Section I: who asked, who was there, and under what constraints the examination
/// took place (restraints and the presence of officials are what a court weighs first).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseInformation {
    #[serde(default)]
    pub requested_by: String,
    #[serde(default)]
    pub request_reference: String,
    #[serde(default)]
    pub reason: String,
    /// Where the examination took place (free text: a clinic, a place of detention).
    #[serde(default)]
    pub place_of_examination: String,
    #[serde(default)]
    pub duration_minutes: Option<u32>,
    #[serde(default)]
    pub interpreter: String,
    /// Informed consent to the examination was obtained.
    #[serde(default)]
    pub informed_consent: bool,
    #[serde(default)]
    pub persons_present: Vec<String>,
    /// How the person was restrained during the examination; empty when not restrained.
    #[serde(default)]
    pub restraints: String,
    /// Restrictions on the evaluation (e.g. officials present, time limited, no
    /// photographs allowed); empty when conducted without restriction.
    #[serde(default)]
    pub restrictions: String,
}

/// Section II: the clinician's qualifications, as a court will test them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Clinician {
    pub name: String,
    #[serde(default)]
    pub qualifications: String,
    #[serde(default)]
    pub experience: String,
}

/// One place of detention in the person's account (section V): when, the conditions,
/// what happened there and the methods alleged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllegedPlace {
    /// A place record of the same case, when there is one.
    #[serde(default)]
    pub place_id: Option<Uuid>,
    #[serde(default)]
    pub description: String,
    /// The chronology as told ("from the evening of 9 August to 12 August").
    #[serde(default)]
    pub period: String,
    #[serde(default)]
    pub conditions: String,
    #[serde(default)]
    pub narrative: String,
    /// `torture_method` codes alleged at this place.
    #[serde(default)]
    pub methods: Vec<String>,
}

/// Section V: the allegations of torture and ill-treatment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Allegations {
    #[serde(default)]
    pub summary: String,
    /// Circumstances of arrest.
    #[serde(default)]
    pub arrest: String,
    /// The places of detention in order.
    #[serde(default)]
    pub places: Vec<AllegedPlace>,
}

/// Section VII: the examination of one body system (`body_system` code).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemExamination {
    pub system: String,
    #[serde(default)]
    pub findings: String,
}

/// Section VIII: the psychological history and examination.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Psychological {
    #[serde(default)]
    pub methods_of_assessment: String,
    #[serde(default)]
    pub current_complaints: String,
    #[serde(default)]
    pub post_torture_history: String,
    #[serde(default)]
    pub pre_torture_history: String,
    #[serde(default)]
    pub past_psychiatric_history: String,
    #[serde(default)]
    pub substance_use: String,
    #[serde(default)]
    pub mental_status: String,
    #[serde(default)]
    pub social_functioning: String,
    #[serde(default)]
    pub testing: String,
    /// Diagnoses, with the classification used (ICD-11, DSM-5-TR).
    #[serde(default)]
    pub diagnoses: String,
}

/// One finding (a lesion, a symptom, a psychological sign), the alleged methods it is
/// assessed against, and the degree of consistency with them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// A short label the body marks refer to ("F1").
    pub label: String,
    /// `body_system` code, or `psychological`.
    pub system: String,
    pub description: String,
    /// `torture_method` codes, each one alleged in section V.
    pub methods: Vec<String>,
    pub consistency: Consistency,
}

/// Front or back outline of the body diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BodyView {
    Front,
    Back,
}

/// A mark on the body diagram: a region (`body_region` code) on one view, the finding
/// it shows, and optionally a point within the outline (0..1 from the top left).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BodyMark {
    pub view: BodyView,
    pub region: String,
    /// The `label` of a finding of this evaluation.
    pub finding: String,
    #[serde(default)]
    pub x: Option<f32>,
    #[serde(default)]
    pub y: Option<f32>,
}

/// Sections XII and XIII: the interpretation and the clinician's conclusions, with the
/// overall opinion on all the evidence together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Conclusions {
    #[serde(default)]
    pub physical_interpretation: String,
    #[serde(default)]
    pub psychological_interpretation: String,
    /// The overall opinion on the consistency of all the evidence with the allegations.
    pub overall_opinion: Consistency,
    #[serde(default)]
    pub statement: String,
    #[serde(default)]
    pub recommendations: String,
}

/// Everything the clinician wrote: sealed as one field, digested at sealing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluationContent {
    /// ISO 639 code of the language the evaluation is written in (empty when not said).
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub case_information: CaseInformation,
    pub clinician: Clinician,
    /// Section IV: general information, past medical history, psychosocial history.
    #[serde(default)]
    pub background: String,
    #[serde(default)]
    pub allegations: Allegations,
    /// Section VI: physical symptoms and disabilities, acute and chronic.
    #[serde(default)]
    pub physical_symptoms: String,
    /// Section VII: general appearance, then each body system examined.
    #[serde(default)]
    pub general_appearance: String,
    #[serde(default)]
    pub examination: Vec<SystemExamination>,
    #[serde(default)]
    pub psychological: Option<Psychological>,
    /// Sections X and XI as text; the photographs and test results themselves are
    /// attachments of the evaluation.
    #[serde(default)]
    pub diagnostic_tests: String,
    #[serde(default)]
    pub consultations: String,
    #[serde(default)]
    pub findings: Vec<Finding>,
    #[serde(default)]
    pub body_marks: Vec<BodyMark>,
    pub conclusions: Conclusions,
    /// Why a correction was made (empty on a first version).
    #[serde(default)]
    pub correction_reason: String,
}
