//! Testimonies: a witness's account with its interview details and consent. A draft is
//! editable by its author; sealing records the SHA-256 of the canonical content and
//! makes it immutable; a correction is a new version, sealed at once, and every version
//! stays readable. Readers who may not know the witness see the pseudonym, in the
//! metadata and in place of every span of the account the documenter marked as
//! identifying.
//!
//! `types` (what the API and pages exchange), `stored` (the forms inside sealed fields),
//! `lifecycle` (draft, seal, correct, discard), `withdraw` (consent withdrawn), `read`
//! (audited reads and lists), `digest`, `redact` (what readers and the search index see),
//! `screens` (what a page needs in one transaction), and `Testimonies`, the service over
//! them.

mod digest;
mod lifecycle;
mod read;
mod redact;
mod screens;
mod stored;
mod types;
mod withdraw;

use std::sync::Arc;

use uuid::Uuid;

pub use lifecycle::{correct, create, create_draft_as, create_sealed, discard, seal, update};
pub(crate) use read::sealed_versions;
/// One version as a reader may see it, unaudited: for a use case that audits its reads
/// once (the export of a case's records).
pub(crate) use read::view;
pub use read::{get, list, load};
pub use redact::{redact, searchable_text_of};
pub use screens::{FormChoices, TestimonyPage};
pub(crate) use types::Content;
pub use types::{
    Completeness, Consent, Correction, DraftForm, HowGiven, Reliability, Row, ShareWith, Span, Status,
    TestimonyInput, TestimonySummary, TestimonyView, VersionRef, Withdrawal, WitnessChoice, WitnessRef,
};
pub use withdraw::withdraw_consent;

use crate::access::membership::{self, RecordTable};
use crate::access::{Allowed, act};
use crate::cases::incidents::{self, IncidentView};
use crate::context::Context;
use crate::error::Result;
use crate::store::blobs::BlobStore;

pub(crate) const TABLE: &str = "testimonies";

/// Testimonies as a service: drafts, sealing, versions, consent, audited reads, and the
/// use cases of the documenter's screens. Each method takes the proof of the action it
/// checks and chooses its transaction.
#[derive(Debug, Clone)]
pub struct Testimonies {
    ctx: Context,
    /// Where a discarded draft's attachments are removed from.
    blobs: Arc<dyn BlobStore>,
}

impl Testimonies {
    pub fn new(ctx: Context, blobs: Arc<dyn BlobStore>) -> Self {
        Testimonies { ctx, blobs }
    }

    /// Records a complete testimony as a draft.
    pub async fn create(
        &self,
        who: Allowed<act::TestimonyDraft>,
        case_id: Uuid,
        input: TestimonyInput,
    ) -> Result<TestimonyView> {
        let now = self.ctx.clock().now_naive();
        let pseudonym = if input.identifying_spans.is_empty() {
            String::new()
        } else {
            // A guess the transaction checks; a witness not found is refused there.
            let witness = input.witness_id.to_string();
            self.ctx
                .read(move |c| Ok(crate::cases::persons::load(c, &witness)?.pseudonym))
                .await
                .unwrap_or_default()
        };
        let ahead = redact::prepare(&*self.ctx.keys.keyring()?, case_id, &input, &pseudonym)?;
        self.ctx
            .write(move |c, k| {
                lifecycle::create_ahead(c, k, &who, case_id, &input, Completeness::Full, now, Some(ahead))
            })
            .await
    }

    /// Replaces a draft with a complete one (its author only).
    pub async fn update(
        &self,
        who: Allowed<act::TestimonyDraft>,
        id: Uuid,
        input: TestimonyInput,
    ) -> Result<TestimonyView> {
        self.ctx.write(move |c, k| lifecycle::update(c, k, &who, id, &input, Completeness::Full)).await
    }

    /// Discards a draft (its author only). Returns the attachment blobs to delete now
    /// that the rows and keys are gone.
    /// Discards a draft: its row and key go in one audited transaction (crypto-shredding
    /// every copy of its ciphertext), then its attachments' files.
    pub async fn discard(&self, who: Allowed<act::TestimonyDraft>, id: Uuid) -> Result<()> {
        let blobs = self.ctx.write_plain(move |c| lifecycle::discard(c, &who, id)).await?;
        for blob in blobs {
            self.blobs.delete(blob)?;
        }
        Ok(())
    }

    pub async fn seal(&self, who: Allowed<act::TestimonySeal>, id: Uuid) -> Result<TestimonyView> {
        let now = self.ctx.clock().now_naive();
        self.ctx.write(move |c, k| lifecycle::seal(c, k, &who, id, now)).await
    }

    pub async fn correct(
        &self,
        who: Allowed<act::TestimonyCorrect>,
        id: Uuid,
        input: Correction,
    ) -> Result<TestimonyView> {
        let now = self.ctx.clock().now_naive();
        self.ctx.write(move |c, k| lifecycle::correct(c, k, &who, id, &input, now)).await
    }

    pub async fn withdraw_consent(
        &self,
        who: Allowed<act::ConsentWithdraw>,
        id: Uuid,
        input: Withdrawal,
    ) -> Result<TestimonyView> {
        self.ctx.write(move |c, k| withdraw_consent(c, k, &who, id, &input)).await
    }

    /// One version, read on a snapshot and released once the read is audited.
    pub async fn get(&self, who: Allowed<act::CaseRead>, id: Uuid) -> Result<TestimonyView> {
        let reader = who.principal.clone();
        self.ctx
            .audited_read(
                move |c, k| read::find(c, k, &reader, id),
                move |c, _, v| {
                    read::record_read(c, &who.principal, &v)?;
                    Ok(v)
                },
            )
            .await
    }

    /// The latest version of every account in a case, a page of them, and how many.
    pub async fn list(
        &self,
        who: Allowed<act::CaseRead>,
        case_id: Uuid,
        page: (i64, i64),
    ) -> Result<(Vec<TestimonySummary>, i64)> {
        self.ctx.write_plain(move |c| read::list(c, &who.principal, case_id, page)).await
    }

    /// The new testimony form's first save: a new witness (when one was typed) and the
    /// draft, in one transaction, as far as it was typed.
    pub async fn draft_new(
        &self,
        who: Allowed<act::TestimonyDraft>,
        case_id: Uuid,
        form: DraftForm,
    ) -> Result<TestimonyView> {
        let now = self.ctx.clock().now_naive();
        self.ctx.write(move |c, k| lifecycle::create_from_form(c, k, &who, case_id, &form, now)).await
    }

    /// A draft saved from its form (Save draft, or the autosave), as far as it was typed.
    pub async fn autosave(
        &self,
        who: Allowed<act::TestimonyDraft>,
        id: Uuid,
        form: DraftForm,
    ) -> Result<TestimonyView> {
        let now = self.ctx.clock().now_naive();
        self.ctx.write(move |c, k| lifecycle::update_from_form(c, k, &who, id, &form, now)).await
    }

    /// A correction from the correction form: one authorisation, then the form judged.
    pub async fn correct_form(
        &self,
        who: Allowed<act::TestimonyCorrect>,
        id: Uuid,
        form: DraftForm,
        correction_reason: String,
    ) -> Result<TestimonyView> {
        let now = self.ctx.clock().now_naive();
        self.ctx
            .write(move |c, k| lifecycle::correct_from_form(c, k, &who, id, &form, correction_reason, now))
            .await
    }

    /// The choices of a new testimony's form in a case.
    pub async fn new_form(&self, who: Allowed<act::TestimonyDraft>, case_id: Uuid) -> Result<FormChoices> {
        self.ctx
            .write(move |c, k| {
                membership::authorize_for(c, &who, &case_id.to_string())?;
                screens::form_choices(c, k, &who.principal, case_id)
            })
            .await
    }

    /// A testimony (audited) and its form's choices: the form shown again with its
    /// errors, or the correction form.
    pub async fn form_of(
        &self,
        who: Allowed<act::CaseRead>,
        id: Uuid,
    ) -> Result<(TestimonyView, FormChoices)> {
        self.ctx
            .write(move |c, k| {
                let t = read::get(c, k, &who.principal, id)?;
                let d = screens::form_choices(c, k, &who.principal, t.case_id)?;
                Ok((t, d))
            })
            .await
    }

    /// The correction form of a testimony: for those who may correct it.
    pub async fn correction_form(
        &self,
        who: Allowed<act::TestimonyCorrect>,
        id: Uuid,
    ) -> Result<(TestimonyView, FormChoices)> {
        self.ctx
            .write(move |c, k| {
                membership::authorize_record_for(c, &who, RecordTable::Testimony, &id.to_string())?;
                let t = read::get(c, k, &who.principal, id)?;
                let d = screens::form_choices(c, k, &who.principal, t.case_id)?;
                Ok((t, d))
            })
            .await
    }

    /// The testimony to be sealed, for the page that asks before sealing.
    pub async fn seal_preview(&self, who: Allowed<act::TestimonySeal>, id: Uuid) -> Result<TestimonyView> {
        self.ctx
            .write(move |c, k| {
                membership::authorize_record_for(c, &who, RecordTable::Testimony, &id.to_string())?;
                read::get(c, k, &who.principal, id)
            })
            .await
    }

    /// Links the testimony to an incident it describes (same case).
    pub async fn link_incident(
        &self,
        who: Allowed<act::TestimonyLink>,
        id: Uuid,
        incident: Uuid,
    ) -> Result<IncidentView> {
        let now = self.ctx.clock().now_naive();
        self.ctx
            .write(move |c, k| incidents::link_testimony_at(c, k, &who.principal, id, incident, now))
            .await
    }

    /// The testimony page.
    pub async fn page(&self, who: Allowed<act::CaseRead>, id: Uuid) -> Result<TestimonyPage> {
        self.ctx.write(move |c, k| screens::page(c, k, &who.principal, id)).await
    }
}
