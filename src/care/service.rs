//! `Care`: the consent ledger, preferences, feedback, referrals, reminders and the
//! prior-interview check as services. Each method authorises the person (or referral,
//! or case) for the action its proof names, works in one transaction and appends its
//! audit entry there; reads of sealed fields are released only once audited.

use uuid::Uuid;

use super::model::{
    CarePreferences, CareRecord, ConsentEntry, ConsentLedger, FeedbackGiven, NewConsentEntry, NewFeedback,
    NewReferral, PriorInterviews, Referral, ReferralUpdate, Reminders,
};
use super::person::{self, Subject};
use super::{entries, preferences, prior, referrals, reminders};
use crate::access::membership;
use crate::access::{Action, Allowed, act};
use crate::audit::{self, Audited, Entry};
use crate::cases::vocab::{self, Term};
use crate::context::Context;
use crate::error::Result;

/// What a person's consent page needs: the ledger, the purposes' labels, and whether
/// the reader may record a decision.
#[derive(Debug)]
pub struct LedgerPage {
    pub ledger: ConsentLedger,
    pub terms: Vec<Term>,
    pub may_record: bool,
}

/// What a person's care page needs: the record and the referral kinds' labels.
#[derive(Debug)]
pub struct CarePage {
    pub record: CareRecord,
    pub terms: Vec<Term>,
}

#[derive(Debug, Clone)]
pub struct Care {
    ctx: Context,
}

impl Care {
    pub fn new(ctx: Context) -> Self {
        Care { ctx }
    }

    /// Records a consent decision for a person: a new entry, never a change to one.
    pub async fn record_consent(
        &self,
        who: Allowed<act::ConsentRecord>,
        person_id: Uuid,
        input: NewConsentEntry,
    ) -> Result<ConsentEntry> {
        let now = self.ctx.clock.now_naive();
        self.ctx
            .write(move |c, k| {
                let subject = person::authorize(c, &who, person_id)?;
                let entry = entries::record(c, k, &subject, who.principal.user_id, &input, now)?;
                audit::append(
                    c,
                    &Entry::new(&who.principal, "consent.record")
                        .target("person", &subject.person_id)
                        .detail("entry", entry.id.to_string())
                        .detail("purpose", entry.purpose.clone())
                        .detail("recipient", entry.recipient.clone())
                        .detail("decision", entry.decision.as_str()),
                )?;
                Ok(entry)
            })
            .await
    }

    /// A person's ledger: standing decisions and history. Lawyers read it too.
    pub async fn ledger(&self, who: Allowed<act::CaseRead>, person_id: Uuid) -> Result<ConsentLedger> {
        self.ctx
            .audited(move |c, k| {
                let subject = person::authorize(c, &who, person_id)?;
                let value = entries::ledger(c, k, &subject)?;
                let entry = Entry::new(&who.principal, "consent.read")
                    .target("person", &subject.person_id)
                    .detail("entries", value.history.len());
                Ok(Audited { value, entry })
            })
            .await
    }

    /// The consent page: the ledger (one audited read), its labels, and whether the
    /// reader keeps consent in this case.
    pub async fn ledger_page(&self, who: Allowed<act::CaseRead>, person_id: Uuid) -> Result<LedgerPage> {
        self.ctx
            .audited(move |c, k| {
                let subject = person::authorize(c, &who, person_id)?;
                let ledger = entries::ledger(c, k, &subject)?;
                let may_record =
                    membership::authorize(c, &who.principal, &subject.case_id, Action::ConsentRecord).is_ok();
                let entry = Entry::new(&who.principal, "consent.read")
                    .target("person", &subject.person_id)
                    .detail("entries", ledger.history.len());
                let value =
                    LedgerPage { ledger, terms: vocab::list(c, Some("consent_purpose"))?, may_record };
                Ok(Audited { value, entry })
            })
            .await
    }

    /// The care page: the care record (one audited read) and the referral kinds.
    pub async fn care_page(&self, who: Allowed<act::ConsentRecord>, person_id: Uuid) -> Result<CarePage> {
        self.ctx
            .audited(move |c, k| {
                let subject = person::authorize(c, &who, person_id)?;
                let record = care_record(c, k, &subject)?;
                let entry = Entry::new(&who.principal, "care.read")
                    .target("person", &subject.person_id)
                    .detail("feedback", record.feedback.len())
                    .detail("referrals", record.referrals.len());
                Ok(Audited {
                    value: CarePage { record, terms: vocab::list(c, Some("referral_kind"))? },
                    entry,
                })
            })
            .await
    }

    /// Everything about reaching and caring for a person: preferences, feedback given,
    /// referrals.
    pub async fn care(&self, who: Allowed<act::ConsentRecord>, person_id: Uuid) -> Result<CareRecord> {
        self.ctx
            .audited(move |c, k| {
                let subject = person::authorize(c, &who, person_id)?;
                let value = care_record(c, k, &subject)?;
                let entry = Entry::new(&who.principal, "care.read")
                    .target("person", &subject.person_id)
                    .detail("feedback", value.feedback.len())
                    .detail("referrals", value.referrals.len());
                Ok(Audited { value, entry })
            })
            .await
    }

    /// Replaces a person's contact and feedback preferences.
    pub async fn set_preferences(
        &self,
        who: Allowed<act::ConsentRecord>,
        person_id: Uuid,
        input: CarePreferences,
    ) -> Result<CareRecord> {
        let now = self.ctx.clock.now_naive();
        self.ctx
            .write(move |c, k| {
                let subject = person::authorize(c, &who, person_id)?;
                preferences::save(c, k, &subject, who.principal.user_id, &input, now)?;
                audit::append(
                    c,
                    &Entry::new(&who.principal, "care.update")
                        .target("person", &subject.person_id)
                        .detail("feedback_due", input.feedback_due.is_some()),
                )?;
                care_record(c, k, &subject)
            })
            .await
    }

    /// Records feedback given to a person and when news is next due.
    pub async fn give_feedback(
        &self,
        who: Allowed<act::ConsentRecord>,
        person_id: Uuid,
        input: NewFeedback,
    ) -> Result<FeedbackGiven> {
        let now = self.ctx.clock.now_naive();
        self.ctx
            .write(move |c, k| {
                let subject = person::authorize(c, &who, person_id)?;
                let given = preferences::give_feedback(c, k, &subject, who.principal.user_id, &input, now)?;
                audit::append(
                    c,
                    &Entry::new(&who.principal, "care.feedback")
                        .target("person", &subject.person_id)
                        .detail("feedback", given.id.to_string()),
                )?;
                Ok(given)
            })
            .await
    }

    /// A person's referrals, newest first.
    pub async fn referrals(
        &self,
        who: Allowed<act::ConsentRecord>,
        person_id: Uuid,
    ) -> Result<Vec<Referral>> {
        self.ctx
            .audited(move |c, k| {
                let subject = person::authorize(c, &who, person_id)?;
                let value = referrals::of_person(c, k, &subject)?;
                let entry = Entry::new(&who.principal, "referral.list")
                    .target("person", &subject.person_id)
                    .detail("referrals", value.len());
                Ok(Audited { value, entry })
            })
            .await
    }

    pub async fn add_referral(
        &self,
        who: Allowed<act::ConsentRecord>,
        person_id: Uuid,
        input: NewReferral,
    ) -> Result<Referral> {
        let now = self.ctx.clock.now_naive();
        self.ctx
            .write(move |c, k| {
                let subject = person::authorize(c, &who, person_id)?;
                let referral = referrals::create(c, k, &subject, who.principal.user_id, &input, now)?;
                audit::append(
                    c,
                    &Entry::new(&who.principal, "referral.create")
                        .target("referral", referral.id)
                        .detail("person", subject.person_id.clone())
                        .detail("kind", referral.kind.clone()),
                )?;
                Ok(referral)
            })
            .await
    }

    /// A referral's status, follow-up date and outcome.
    pub async fn update_referral(
        &self,
        who: Allowed<act::ConsentRecord>,
        referral_id: Uuid,
        input: ReferralUpdate,
    ) -> Result<Referral> {
        let now = self.ctx.clock.now_naive();
        self.ctx
            .write(move |c, k| {
                let case = referrals::case_of(c, referral_id)?;
                membership::authorize_for(c, &who, &case)?;
                let referral = referrals::update(c, k, referral_id, &input, now)?;
                audit::append(
                    c,
                    &Entry::new(&who.principal, "referral.update")
                        .target("referral", referral_id)
                        .detail("status", referral.status.as_str()),
                )?;
                Ok(referral)
            })
            .await
    }

    /// What falls due in a case today or earlier: persons owed news, referrals to
    /// follow up. Pseudonyms and dates only, nothing sealed.
    pub async fn reminders(&self, who: Allowed<act::ConsentRecord>, case_id: Uuid) -> Result<Reminders> {
        let today = self.ctx.clock.now_naive().date();
        self.ctx
            .read(move |c| {
                let case = case_id.to_string();
                membership::authorize_for(c, &who, &case)?;
                reminders::due(c, &case, today)
            })
            .await
    }

    /// Has a person of this name given testimony in a case the caller belongs to? The
    /// audit entry holds counts, never the name.
    pub async fn prior_interviews(
        &self,
        who: Allowed<act::PriorInterviews>,
        name: String,
    ) -> Result<PriorInterviews> {
        let now = self.ctx.clock.now_naive();
        self.ctx
            .audited(move |c, k| {
                let found = prior::check(c, k, &who, &name, now)?;
                let entry = Entry::new(&who.principal, "person.prior_interviews")
                    .detail("cases_searched", found.searched)
                    .detail("matches", found.answer.matches.len());
                Ok(Audited { value: found.answer, entry })
            })
            .await
    }
}

fn care_record(
    c: &mut crate::store::DbConnection,
    k: &crate::crypto::Keyring,
    s: &Subject,
) -> Result<CareRecord> {
    Ok(CareRecord {
        person_id: person::uuid(&s.person_id)?,
        case_id: person::uuid(&s.case_id)?,
        case_reference: s.case_reference.clone(),
        pseudonym: s.pseudonym.clone(),
        preferences: preferences::load(c, k, s)?,
        feedback: preferences::feedback(c, k, s)?,
        referrals: referrals::of_person(c, k, s)?,
    })
}
