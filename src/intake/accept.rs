//! Accepting a submission: in one transaction it becomes a draft testimony of the case
//! under its own id, written by the lead who accepts it, with the person and the incident
//! its form names (created and linked) and its files as the draft's attachments under
//! their own ids. Nothing is moved or re-encrypted: the files' content is already the
//! attachment pipeline's ciphertext bound to `('attachments', id)` under a key stored
//! under that id, so the intake entries naming those ids head the new records' chains of
//! custody. The draft is never sealed here: sealing is the lead's own act, later.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Intake;
use super::inbox::{Stored, authorized, complete_files, parse};
use super::mapping::{self, Mapped};
use super::receive::SubmissionStatus;
use crate::access::{Allowed, act};
use crate::audit::{self, Entry};
use crate::auth::Principal;
use crate::cases::attachments::TABLE as ATTACHMENTS;
use crate::cases::incidents::{self, NewIncident};
use crate::cases::persons::{self, NewPerson, PersonKind};
use crate::cases::sealed::Sealer;
use crate::cases::testimonies::{self, Consent, HowGiven, Reliability, ShareWith, TestimonyInput};
use crate::cases::validate::Precision;
use crate::cases::vocab;
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::{attachments, intake_files, intake_submissions};

/// What accepting made.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = IntakeAccepted)]
pub struct Accepted {
    /// The draft: the submission's own id.
    pub testimony_id: Uuid,
    /// The draft's witness: the person the form named when a victim or witness, else
    /// one recorded for the account, known by a pseudonym until the lead names them.
    pub witness_id: Uuid,
    /// The person the form named, when it named one.
    pub person_id: Option<Uuid>,
    pub incident_id: Option<Uuid>,
    /// The draft's attachments: the submission's files' own ids.
    pub attachment_ids: Vec<Uuid>,
}

/// An attachment's sealed metadata, as `cases::attachments` writes and reads it.
#[derive(Debug, Serialize, Deserialize)]
struct AttachmentMeta {
    filename: String,
    sha256: String,
}

impl Intake {
    /// Accepts a pending submission into its case as a draft (the case lead). Audited
    /// (`intake.accept`, naming the testimony and each attachment). A submission already
    /// decided is `Conflict`.
    pub async fn accept(&self, who: Allowed<act::IntakeReview>, id: Uuid) -> Result<Accepted> {
        let now = self.ctx.clock.now_naive();
        self.ctx.write(move |c, k| accept_in(c, k, &who, id, now)).await
    }
}

fn accept_in(
    c: &mut DbConnection,
    k: &Keyring,
    who: &Allowed<act::IntakeReview>,
    id: Uuid,
    now: NaiveDateTime,
) -> Result<Accepted> {
    let s = authorized(c, who, id)?;
    if s.status != SubmissionStatus::Pending {
        return Err(Error::Conflict("submission_decided"));
    }
    // A Tella report waits in the inbox while its files arrive: accepting it now would
    // leave the rest of a file behind.
    let arriving: i64 = intake_files::table
        .filter(intake_files::submission_id.eq(id.to_string()))
        .filter(intake_files::status.ne("complete"))
        .count()
        .get_result(c)?;
    if arriving > 0 {
        return Err(Error::Conflict("file_still_arriving"));
    }
    let p = &who.principal;
    let case_id = parse(&s.case_id)?;
    let content = s.content(c, k)?;
    let mut mapped = mapping::map(content.kind, &mapping::fields(&content)?);
    let files = complete_files(c, k, id)?;
    if mapped.account.trim().is_empty() && files.is_empty() {
        return Err(Error::field("account", "required", "the submission has neither an account nor files"));
    }
    if let Some(i) = &mapped.incident
        && vocab::check(c, "act_type", &i.act_type, "act_type")?.is_some()
    {
        mapped.drop_incident();
    }
    let (witness_id, person_id) = people(c, k, p, case_id, &mapped, now)?;
    let input = draft_input(&mapped, witness_id);
    let draft = Allowed::<act::TestimonyDraft>::check(p.clone())?;
    testimonies::create_draft_as(c, k, &draft, (case_id, id), &input, now)?;
    let incident_id = match &mapped.incident {
        Some(i) => {
            let victims = match (&mapped.person, person_id) {
                (Some(m), Some(person)) if m.kind == PersonKind::Victim => vec![person],
                _ => Vec::new(),
            };
            let (start_date, start_precision) = match &i.date {
                Some((d, precision)) => (Some(d.clone()), *precision),
                None => (None, Precision::Unknown),
            };
            let incident = NewIncident {
                act_type: i.act_type.clone(),
                methods: Vec::new(),
                start_date,
                start_precision,
                end_date: None,
                end_precision: Precision::Unknown,
                place_id: None,
                description: i.description_text(),
                victim_ids: victims,
            };
            let incident = parse(&incidents::insert(c, k, p, case_id, &incident, now)?)?;
            incidents::link_testimony(c, p, id, incident, now)?;
            Some(incident)
        }
        None => None,
    };
    let mut attachment_ids = Vec::new();
    for f in files {
        let fid = f.id.to_string();
        // The key is the one the file was stored under; only the row is new.
        let sealer = Sealer::open(c, k, ATTACHMENTS, &fid)?;
        let meta = AttachmentMeta { filename: f.filename, sha256: f.sha256.clone() };
        diesel::insert_into(attachments::table)
            .values((
                attachments::id.eq(&fid),
                attachments::case_id.eq(&s.case_id),
                attachments::testimony_id.eq(Some(id.to_string())),
                attachments::incident_id.eq(None::<String>),
                attachments::evaluation_id.eq(None::<String>),
                attachments::blob_id.eq(&f.blob),
                attachments::media_type.eq(&f.media_type),
                attachments::size.eq(f.size),
                attachments::meta.eq(sealer.seal("meta", &meta)?),
                attachments::uploaded_by.eq(&s.device_id),
                attachments::created_at.eq(now),
            ))
            .execute(c)?;
        audit::append(
            c,
            &Entry::new(p, "intake.accept")
                .target("attachment", &fid)
                .detail("testimony", id.to_string())
                .detail("size", f.size)
                .detail("sha256", f.sha256),
        )?;
        attachment_ids.push(f.id);
    }
    decide(c, p, &s, now)?;
    let mut entry = Entry::new(p, "intake.accept")
        .target("testimony", id)
        .detail("case", s.case_id.as_str())
        .detail("attachments", attachment_ids.len())
        .detail("witness", witness_id.to_string());
    if let Some(person) = person_id {
        entry = entry.detail("person", person.to_string());
    }
    if let Some(incident) = incident_id {
        entry = entry.detail("incident", incident.to_string());
    }
    audit::append(c, &entry)?;
    Ok(Accepted { testimony_id: id, witness_id, person_id, incident_id, attachment_ids })
}

/// The person the form names (created), and the draft's witness: that person when a
/// victim or witness, else a witness recorded for the account with no name yet.
fn people(
    c: &mut DbConnection,
    k: &Keyring,
    p: &Principal,
    case_id: Uuid,
    mapped: &Mapped,
    now: NaiveDateTime,
) -> Result<(Uuid, Option<Uuid>)> {
    let new = |kind: PersonKind, names: Vec<String>, sex| NewPerson {
        kind,
        pseudonym: None,
        sex,
        names,
        aliases: Vec::new(),
        birth_date: None,
        contact: None,
        rank: None,
        position: None,
        unit_id: None,
        notes: None,
    };
    let person = match &mapped.person {
        Some(m) => {
            let names = m.name.iter().cloned().collect();
            Some((parse(&persons::insert(c, k, p, case_id, &new(m.kind, names, m.sex), now)?.0)?, m.kind))
        }
        None => None,
    };
    let witness = match person {
        Some((id, kind)) if kind.is_protected() => id,
        _ => parse(
            &persons::insert(
                c,
                k,
                p,
                case_id,
                &new(PersonKind::Witness, Vec::new(), Default::default()),
                now,
            )?
            .0,
        )?,
    };
    Ok((witness, person.map(|(id, _)| id)))
}

/// The draft's input: what the form gave, with consent still to be recorded by the lead
/// (a phone's "yes" is kept among the other answers, not taken for a recorded consent).
fn draft_input(mapped: &Mapped, witness_id: Uuid) -> TestimonyInput {
    TestimonyInput {
        witness_id,
        interview_date: mapped.interview_date.clone(),
        interview_place: mapped.interview_place.clone(),
        languages: mapped.languages.clone(),
        source_connection: String::new(),
        reliability: Reliability::Unknown,
        account: mapped.account_text(),
        summary: String::new(),
        interviewer: None,
        interpreter: None,
        persons_present: Vec::new(),
        identifying_spans: Vec::new(),
        consent: Consent {
            share_with: ShareWith::default(),
            may_be_named: false,
            given_on: String::new(),
            how_given: HowGiven::NotRecorded,
            text_version: String::new(),
            withdrawn_on: None,
        },
    }
}

/// Marks the submission decided by `p` (accepted: the draft has its id).
fn decide(c: &mut DbConnection, p: &Principal, s: &Stored, now: NaiveDateTime) -> Result<()> {
    let id = s.id.to_string();
    let n = diesel::update(intake_submissions::table.find(&id))
        .filter(intake_submissions::status.eq(SubmissionStatus::Pending.as_str()))
        .set((
            intake_submissions::status.eq(SubmissionStatus::Accepted.as_str()),
            intake_submissions::decided_by.eq(p.user_id.to_string()),
            intake_submissions::decided_at.eq(now),
            intake_submissions::testimony_id.eq(&id),
        ))
        .execute(c)?;
    if n != 1 {
        return Err(Error::Conflict("submission_decided"));
    }
    Ok(())
}
