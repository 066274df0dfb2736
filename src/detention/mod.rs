//! Detention histories, for arbitrary-detention and political-prisoner monitoring: per
//! person, episodes of deprivation of liberty from arrest to release, each with its
//! custody periods at facilities, charges, hearings and sentence, and the incidents
//! that happened during it. Dates, codes and the records pointed to are clear columns
//! (durations and "who is held where" are computed without keys); the free text is
//! sealed per record. Writes take `record.write`, reads `case.read`, in the case of the
//! person; every write and every read of sealed details is audited in its transaction.
//! Knows nothing of HTTP.

mod access;
pub mod bundle;
mod charges;
mod custody;
pub mod draw;
pub mod durations;
mod episodes;
mod hearings;
mod incidents;
pub mod inputs;
mod load;
pub mod model;
mod reading;
pub mod views;

use chrono::NaiveDate;
use uuid::Uuid;

pub use inputs::{NewCharge, NewCustodyPeriod, NewEpisode, NewHearing};
pub use reading::Scope;
pub use views::{DetainedOn, DetentionHistory, EpisodeView};

use crate::access::{Allowed, act};
use crate::audit;
use crate::context::Context;
use crate::error::Result;

#[derive(Debug, Clone)]
pub struct Detention {
    ctx: Context,
}

impl Detention {
    pub fn new(ctx: Context) -> Self {
        Detention { ctx }
    }

    /// Today by the service's clock: still-held episodes run to it.
    pub fn today(&self) -> NaiveDate {
        self.ctx.clock.now_naive().date()
    }

    /// Runs a write that returns the episode changed, and answers its view (the
    /// change's audit entry covers what the writer sees of it).
    async fn write<F>(&self, who: &Allowed<act::RecordWrite>, f: F) -> Result<EpisodeView>
    where
        F: FnOnce(&mut crate::store::DbConnection, &crate::crypto::Keyring) -> Result<String>
            + Send
            + 'static,
    {
        let today = self.today();
        let principal = who.principal.clone();
        self.ctx
            .write(move |c, k| {
                let id = f(c, k)?;
                reading::view(c, k, &principal, &id, today)
            })
            .await
    }

    pub async fn create(
        &self,
        who: Allowed<act::RecordWrite>,
        person_id: Uuid,
        input: NewEpisode,
    ) -> Result<EpisodeView> {
        let now = self.ctx.clock.now_naive();
        let w = who.clone();
        self.write(&who, move |c, k| episodes::create(c, k, &w, person_id, &input, now)).await
    }

    pub async fn update(
        &self,
        who: Allowed<act::RecordWrite>,
        id: Uuid,
        input: NewEpisode,
    ) -> Result<EpisodeView> {
        let now = self.ctx.clock.now_naive();
        let w = who.clone();
        self.write(&who, move |c, k| episodes::update(c, k, &w, id, &input, now)).await
    }

    /// Deletes an episode and all its parts (their keys shredded): the person whose
    /// history it was.
    pub async fn delete(&self, who: Allowed<act::RecordWrite>, id: Uuid) -> Result<Uuid> {
        let person = self.ctx.write_plain(move |c| episodes::delete(c, &who, id)).await?;
        Uuid::parse_str(&person).map_err(|_| crate::error::Error::Integrity)
    }

    pub async fn add_period(
        &self,
        who: Allowed<act::RecordWrite>,
        episode: Uuid,
        input: NewCustodyPeriod,
    ) -> Result<EpisodeView> {
        let now = self.ctx.clock.now_naive();
        let w = who.clone();
        self.write(&who, move |c, k| custody::add(c, k, &w, episode, &input, now)).await
    }

    pub async fn update_period(
        &self,
        who: Allowed<act::RecordWrite>,
        ids: (Uuid, Uuid),
        input: NewCustodyPeriod,
    ) -> Result<EpisodeView> {
        let w = who.clone();
        self.write(&who, move |c, k| custody::update(c, k, &w, ids, &input)).await
    }

    pub async fn remove_period(
        &self,
        who: Allowed<act::RecordWrite>,
        ids: (Uuid, Uuid),
    ) -> Result<EpisodeView> {
        let w = who.clone();
        self.write(&who, move |c, _| custody::remove(c, &w, ids)).await
    }

    pub async fn add_charge(
        &self,
        who: Allowed<act::RecordWrite>,
        episode: Uuid,
        input: NewCharge,
    ) -> Result<EpisodeView> {
        let now = self.ctx.clock.now_naive();
        let w = who.clone();
        self.write(&who, move |c, k| charges::add(c, k, &w, episode, &input, now)).await
    }

    pub async fn update_charge(
        &self,
        who: Allowed<act::RecordWrite>,
        ids: (Uuid, Uuid),
        input: NewCharge,
    ) -> Result<EpisodeView> {
        let w = who.clone();
        self.write(&who, move |c, k| charges::update(c, k, &w, ids, &input)).await
    }

    pub async fn remove_charge(
        &self,
        who: Allowed<act::RecordWrite>,
        ids: (Uuid, Uuid),
    ) -> Result<EpisodeView> {
        let w = who.clone();
        self.write(&who, move |c, _| charges::remove(c, &w, ids)).await
    }

    pub async fn add_hearing(
        &self,
        who: Allowed<act::RecordWrite>,
        episode: Uuid,
        input: NewHearing,
    ) -> Result<EpisodeView> {
        let now = self.ctx.clock.now_naive();
        let w = who.clone();
        self.write(&who, move |c, k| hearings::add(c, k, &w, episode, &input, now)).await
    }

    pub async fn update_hearing(
        &self,
        who: Allowed<act::RecordWrite>,
        ids: (Uuid, Uuid),
        input: NewHearing,
    ) -> Result<EpisodeView> {
        let w = who.clone();
        self.write(&who, move |c, k| hearings::update(c, k, &w, ids, &input)).await
    }

    pub async fn remove_hearing(
        &self,
        who: Allowed<act::RecordWrite>,
        ids: (Uuid, Uuid),
    ) -> Result<EpisodeView> {
        let w = who.clone();
        self.write(&who, move |c, _| hearings::remove(c, &w, ids)).await
    }

    pub async fn link_incident(
        &self,
        who: Allowed<act::RecordWrite>,
        ids: (Uuid, Uuid),
    ) -> Result<EpisodeView> {
        let now = self.ctx.clock.now_naive();
        let w = who.clone();
        self.write(&who, move |c, _| incidents::link(c, &w, ids, now)).await
    }

    pub async fn unlink_incident(
        &self,
        who: Allowed<act::RecordWrite>,
        ids: (Uuid, Uuid),
    ) -> Result<EpisodeView> {
        let w = who.clone();
        self.write(&who, move |c, _| incidents::unlink(c, &w, ids)).await
    }

    /// One episode with its sealed details: audited as `detention.read`.
    pub async fn episode(&self, who: Allowed<act::CaseRead>, id: Uuid) -> Result<EpisodeView> {
        let today = self.today();
        self.ctx.audited_read(move |c, k| reading::episode(c, k, &who, id, today), record).await
    }

    /// A person's history: audited as `detention.list`.
    pub async fn history(&self, who: Allowed<act::CaseRead>, person: Uuid) -> Result<DetentionHistory> {
        let today = self.today();
        self.ctx.audited_read(move |c, k| reading::history(c, k, &who, person, today), record).await
    }

    /// Who was held at each facility of a case (or at one facility) on a day, by
    /// pseudonym, certainly or possibly: audited as `detention.detained_read`.
    pub async fn detained(
        &self,
        who: Allowed<act::CaseRead>,
        scope: Scope,
        on: Option<NaiveDate>,
    ) -> Result<DetainedOn> {
        let today = self.today();
        let on = on.unwrap_or(today);
        self.ctx.audited_read(move |c, k| reading::detained(c, k, &who, scope, on, today), record).await
    }
}

fn record<T>(
    c: &mut crate::store::DbConnection,
    _: &crate::crypto::Keyring,
    (value, entry): reading::Audited<T>,
) -> Result<T> {
    audit::append(c, &entry)?;
    Ok(value)
}
