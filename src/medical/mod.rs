//! Istanbul Protocol evaluations (2022 edition, annex IV): a clinician's medical and/or
//! psychological evaluation of a person who alleges torture or ill-treatment, linked to
//! the incidents alleged. Versioned and sealed like testimonies (a sealed version never
//! changes; a correction is a new version), and readable only by the role allowed
//! medical data (`medical.read`).
//!
//! `model` (the sections), `types` (what the API exchanges), `validate`, `stored`
//! (access, rows, digest, views), `lifecycle` (draft, seal, correct, links), `read`,
//! `files` (photographs and tests through the attachment service), `diagram` (the body
//! diagram), `text` and `bundle` (what an evidence bundle carries), and `Medical`, the
//! service over them.

pub mod bundle;
pub mod diagram;
pub mod files;
mod lifecycle;
pub mod model;
mod read;
mod screens;
mod stored;
pub mod text;
pub mod types;
mod validate;

use uuid::Uuid;

pub use bundle::{ExportedEvaluation, ExportedFile, exported};
pub use screens::{EvaluationPage, FormChoices, Terms};
pub use types::{
    EvaluationCorrection, EvaluationInput, EvaluationStatus, EvaluationSummary, EvaluationVersionRef,
    EvaluationView,
};

use crate::access::{Allowed, act};
use crate::analysis::draw::Language;
use crate::audit::{self, Entry};
use crate::context::Context;
use crate::error::Result;

pub(crate) const TABLE: &str = "evaluations";

/// Evaluations as a service. Each method takes the proof of the action it checks
/// (`medical.write` or `medical.read`), checks case membership, and chooses its
/// transaction; every read of content is audited in the transaction of the read.
#[derive(Debug, Clone)]
pub struct Medical {
    ctx: Context,
}

impl Medical {
    pub fn new(ctx: Context) -> Self {
        Medical { ctx }
    }

    /// A draft evaluation of a person (a victim or witness).
    pub async fn create(
        &self,
        who: Allowed<act::MedicalWrite>,
        person_id: Uuid,
        input: EvaluationInput,
    ) -> Result<EvaluationView> {
        let now = self.ctx.clock().now_naive();
        self.ctx.write(move |c, k| lifecycle::create(c, k, &who, person_id, &input, now)).await
    }

    /// Replaces a draft (its clinician only).
    pub async fn update(
        &self,
        who: Allowed<act::MedicalWrite>,
        id: Uuid,
        input: EvaluationInput,
    ) -> Result<EvaluationView> {
        let now = self.ctx.clock().now_naive();
        self.ctx.write(move |c, k| lifecycle::update(c, k, &who, id, &input, now)).await
    }

    pub async fn seal(&self, who: Allowed<act::MedicalWrite>, id: Uuid) -> Result<EvaluationView> {
        let now = self.ctx.clock().now_naive();
        self.ctx.write(move |c, k| lifecycle::seal(c, k, &who, id, now)).await
    }

    pub async fn correct(
        &self,
        who: Allowed<act::MedicalWrite>,
        id: Uuid,
        input: EvaluationCorrection,
    ) -> Result<EvaluationView> {
        let now = self.ctx.clock().now_naive();
        self.ctx.write(move |c, k| lifecycle::correct(c, k, &who, id, &input, now)).await
    }

    pub async fn link_incident(
        &self,
        who: Allowed<act::MedicalWrite>,
        id: Uuid,
        incident: Uuid,
    ) -> Result<EvaluationView> {
        let now = self.ctx.clock().now_naive();
        self.ctx.write(move |c, k| lifecycle::link_incident(c, k, &who, id, incident, now)).await
    }

    pub async fn unlink_incident(
        &self,
        who: Allowed<act::MedicalWrite>,
        id: Uuid,
        incident: Uuid,
    ) -> Result<EvaluationView> {
        self.ctx.write(move |c, k| lifecycle::unlink_incident(c, k, &who, id, incident)).await
    }

    /// One version, read on a snapshot and released once the read is audited.
    pub async fn get(&self, who: Allowed<act::MedicalRead>, id: Uuid) -> Result<EvaluationView> {
        let finder = who.clone();
        self.ctx
            .audited_read(
                move |c, k| read::find(c, k, &finder, id),
                move |c, _, v| {
                    read::record_read(c, &who, &v)?;
                    Ok(v)
                },
            )
            .await
    }

    /// The body diagram of one version, in `language`. Audited as a read.
    pub async fn body_svg(
        &self,
        who: Allowed<act::MedicalRead>,
        id: Uuid,
        language: Language,
    ) -> Result<String> {
        self.ctx
            .write(move |c, k| {
                let (row, _) = stored::authorize(c, &who, &id.to_string())?;
                let content = stored::open_content(c, k, &row)?;
                let labels = bundle::labels(c, language)?;
                audit::append(
                    c,
                    &Entry::new(&who.principal, "evaluation.read")
                        .target("evaluation", &row.id)
                        .detail("as", "diagram"),
                )?;
                Ok(diagram::draw(&content, &diagram::Words { language, labels }))
            })
            .await
    }

    /// A person's evaluations, latest version of each (clear fields only). Audited.
    pub async fn list_for_person(
        &self,
        who: Allowed<act::MedicalRead>,
        person_id: Uuid,
    ) -> Result<Vec<EvaluationSummary>> {
        self.ctx.write_plain(move |c| read::list_for_person(c, &who, person_id)).await
    }

    /// A case's evaluations, latest version of each (clear fields only). Audited.
    pub async fn list_for_case(
        &self,
        who: Allowed<act::MedicalRead>,
        case_id: Uuid,
    ) -> Result<Vec<EvaluationSummary>> {
        self.ctx.write_plain(move |c| read::list_for_case(c, &who, case_id)).await
    }

    /// Is `attachment` a file of evaluation `id` that `who` may read? Checked before the
    /// attachment service streams it.
    pub async fn check_file(&self, who: Allowed<act::MedicalRead>, id: Uuid, attachment: Uuid) -> Result<()> {
        self.ctx.read(move |c| files::check_belongs(c, &who, id, attachment)).await
    }
}
