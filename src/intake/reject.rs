//! Rejecting a submission: the lead's reason is sealed with it, its files' content is
//! destroyed (keys shredded in the transaction, blobs deleted once it commits), and what
//! is left is the record that something arrived and was refused: the rows, the files'
//! names and hashes, and the custody entries.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::Intake;
use super::files::shred_contents;
use super::inbox::{Decision, authorized};
use super::receive::{SUBMISSIONS, SubmissionStatus};
use crate::access::{Allowed, act};
use crate::audit::{self, Entry};
use crate::cases::sealed::Sealer;
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::{intake_files, intake_submissions};

impl Intake {
    /// Rejects a pending submission with a reason (the case lead). Audited
    /// (`intake.reject`); a submission already decided is `Conflict`.
    pub async fn reject(&self, who: Allowed<act::IntakeReview>, id: Uuid, reason: String) -> Result<()> {
        let now = self.ctx.clock.now_naive();
        let blobs = self.ctx.write(move |c, k| reject_in(c, k, &who, id, &reason, now)).await?;
        for blob in blobs {
            self.attachments.blobs().delete(blob)?;
        }
        Ok(())
    }
}

fn reject_in(
    c: &mut DbConnection,
    k: &Keyring,
    who: &Allowed<act::IntakeReview>,
    id: Uuid,
    reason: &str,
    now: NaiveDateTime,
) -> Result<Vec<Uuid>> {
    let s = authorized(c, who, id)?;
    crate::rules::INTAKE_REJECT_REASON.check("reason", reason).map_err(|e| Error::Validation(vec![e]))?;
    if s.status != SubmissionStatus::Pending {
        return Err(Error::Conflict("submission_decided"));
    }
    let sid = id.to_string();
    let (files, blobs) = shred_contents(c, id)?;
    // The file rows stay, as a record of what arrived, with no content.
    for file in &files {
        diesel::update(intake_files::table.find(file))
            .set(intake_files::blob_id.eq(None::<String>))
            .execute(c)?;
    }
    let decision = Decision { reason: Some(reason.trim().to_owned()) };
    let sealed = Sealer::open(c, k, SUBMISSIONS, &sid)?.seal("decision", &decision)?;
    let n = diesel::update(intake_submissions::table.find(&sid))
        .filter(intake_submissions::status.eq(SubmissionStatus::Pending.as_str()))
        .set((
            intake_submissions::status.eq(SubmissionStatus::Rejected.as_str()),
            intake_submissions::decided_by.eq(who.principal.user_id.to_string()),
            intake_submissions::decided_at.eq(now),
            intake_submissions::decision.eq(sealed),
        ))
        .execute(c)?;
    if n != 1 {
        return Err(Error::Conflict("submission_decided"));
    }
    audit::append(
        c,
        &Entry::new(&who.principal, "intake.reject")
            .target("testimony", id)
            .detail("case", s.case_id.as_str())
            .detail("files_destroyed", blobs.len()),
    )?;
    Ok(blobs)
}
