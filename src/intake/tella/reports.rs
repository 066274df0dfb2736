//! A device's project (its one case) and its reports. A report is a submission opened
//! when the app creates it, and it goes to the case lead's inbox at once: Tella's apps
//! never say a report is finished, they only upload its files, which keep arriving while
//! it waits there (the lead cannot accept it while one is still arriving).

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::project_slug;
use crate::audit::{self, Entry};
use crate::cases::sealed::Sealer;
use crate::error::{Error, Result};
use crate::intake::receive::{Content, ContentKind, owned_submission, receiving_in};
use crate::intake::{Channel, Device, Intake, SubmissionStatus};
use crate::keys::store as key_store;
use crate::store::schema::intake_submissions;

/// The sealed-field table of a report's title and description while it is open.
pub const DRAFTS: &str = "intake_tella_drafts";

/// Longest title and description accepted (characters).
pub const MAX_TITLE: usize = 500;
pub const MAX_DESCRIPTION: usize = 50_000;

/// A device's project: its case, named by its slug.
#[derive(Debug, Clone)]
pub struct Project {
    pub id: Uuid,
    pub slug: String,
}

/// What the app sends to create a report.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub title: String,
    pub description: String,
}

/// A report as created.
#[derive(Debug, Clone)]
pub struct Report {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub created_at: chrono::NaiveDateTime,
}

/// The report's document: what the inbox reads as the account.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Draft {
    title: String,
    description: String,
}

impl Intake {
    /// The project of this slug, if it is the device's own case; any other is `NotFound`
    /// (a device learns nothing of other cases).
    pub fn tella_project(&self, device: &Device, slug: &str) -> Result<Project> {
        let own = project_slug(device.case_id);
        if slug != own {
            return Err(Error::NotFound);
        }
        Ok(Project { id: device.case_id, slug: own })
    }

    /// Creates a report in the device's project: a submission opened as `receiving`,
    /// its title and description sealed until it is closed (audited `intake.report`).
    pub async fn tella_create_report(
        &self,
        device: &Device,
        project: Uuid,
        report: NewReport,
    ) -> Result<Report> {
        if project != device.case_id {
            return Err(Error::NotFound);
        }
        check_text("title", &report.title, MAX_TITLE)?;
        check_text("description", &report.description, MAX_DESCRIPTION)?;
        // Tella's app sends no id of its own for a report: each creation is a new one.
        let opened = self.open_submission(device, Channel::Tella, &Uuid::new_v4().to_string()).await?;
        let (who, id, now) = (device.clone(), opened.id, self.ctx.clock.now_naive());
        let draft = Draft { title: report.title.clone(), description: report.description.clone() };
        self.ctx
            .write(move |c, k| {
                receiving_in(c, &who, id)?;
                let sealer = Sealer::create(c, k, DRAFTS, &id.to_string())?;
                diesel::update(intake_submissions::table.find(id.to_string()))
                    .set(intake_submissions::content.eq(sealer.seal("draft", &draft)?))
                    .execute(c)?;
                audit::append(
                    c,
                    &Entry::new(&who.who.principal, "intake.report")
                        .target("testimony", id)
                        .detail("title_chars", draft.title.chars().count())
                        .detail("description_chars", draft.description.chars().count()),
                )?;
                Ok(())
            })
            .await?;
        self.tella_close_report(device, id).await?;
        Ok(Report { id, title: report.title, description: report.description, created_at: now })
    }

    /// Puts a report in the case lead's inbox: its title and description become the
    /// submission's content. Done when the report is created; asked again (Custodia's own
    /// `close`), a report still waiting there is left as it is, one already decided is
    /// `Conflict`, another device's `NotFound`.
    pub async fn tella_close_report(&self, device: &Device, report: Uuid) -> Result<()> {
        let who = device.clone();
        let draft = self
            .ctx
            .write(move |c, k| {
                match owned_submission(c, &who, report)? {
                    SubmissionStatus::Receiving => {}
                    SubmissionStatus::Pending => return Ok(None),
                    _ => return Err(Error::Conflict("the case lead has already decided on this report")),
                }
                let sealed: Option<Vec<u8>> = intake_submissions::table
                    .find(report.to_string())
                    .select(intake_submissions::content)
                    .first(c)?;
                let sealed = sealed.ok_or(Error::Integrity)?;
                let draft: Draft =
                    Sealer::open(c, k, DRAFTS, &report.to_string())?.unseal("draft", &sealed)?;
                Ok(Some(draft))
            })
            .await?;
        let Some(draft) = draft else { return Ok(()) };
        let document = serde_json::to_string(&draft).map_err(Error::internal)?;
        let content = Content {
            kind: ContentKind::TellaReport,
            received_sha256: hex::encode(Sha256::digest(document.as_bytes())),
            document,
            form: None,
        };
        self.complete(device, report, content, None).await?;
        // The content is sealed under the submission's own key now; the draft's goes.
        self.ctx.write_plain(move |c| key_store::shred(c, DRAFTS, &report.to_string()).map(drop)).await
    }
}

fn check_text(field: &'static str, text: &str, max: usize) -> Result<()> {
    if text.chars().count() > max {
        return Err(Error::BadRequest(format!("{field} is longer than {max} characters")));
    }
    Ok(())
}
