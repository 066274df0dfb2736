//! Evidence bundles: request (with re-authentication), build in the background (claimed
//! from the queue in the database by this node or any other), list,
//! follow, download, delete; the export page's and the preview's use cases; the export
//! public key. Job timestamps come from the service's clock.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::prelude::*;
use uuid::Uuid;

use super::build::{self, Builder, Progress};
use super::consent::{self, Preview};
use super::job::{self, ARCHIVE_FIELD, BundleInput, BundleView, Download, Order, TABLE};
use super::queue::{self, Claim, Claimed};
use super::{Recipient, Selection};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::attachments::{FileStream, Requester, SealedFile, stream_sealed};
use crate::audit::Actor;
use crate::auth::service::Auth;
use crate::cases::case as cases;
use crate::cases::testimonies::{self, Status, TestimonySummary};
use crate::context::Context;
use crate::crypto::{FieldContext, decrypt_reader};
use crate::error::{Error, Result};
use crate::store::blobs::BlobStore;
use crate::store::schema::bundles;

/// What bundles are made with, from the settings.
#[derive(Debug, Clone)]
pub struct BundleSettings {
    /// `Source-Organization` of every bag.
    pub organisation: String,
    /// Free space on the blob store's disk that a build must leave alone.
    pub reserve_free_bytes: u64,
    /// This node's name on the builds it claims (`[cluster] node_id`).
    pub node_id: String,
    /// Seconds a claimed build stays claimed without a renewal (`[cluster] job_lease_secs`).
    pub job_lease_secs: u64,
    /// What an analysis annex withholds: pattern counts below this (`[analysis] min_count`).
    pub min_count: u32,
}

#[derive(Debug, Clone)]
pub struct Bundles {
    ctx: Context,
    auth: Arc<Auth>,
    blobs: Arc<dyn BlobStore>,
    settings: BundleSettings,
    /// Builds this node's poll has running (the requester's own are not counted).
    running: Arc<AtomicUsize>,
}

/// Builds one node's poll runs at once; more wait in the queue for the next round (or
/// another node).
const MAX_BUILDS_PER_NODE: usize = 2;

/// Whom a claimed build's failure is audited under when its requester cannot be named
/// as a principal any more.
fn claimed_requester(claimed: &Claimed) -> Actor {
    Actor { user_id: claimed.requester(), session_id: None }
}

/// What the export page shows around its form.
pub struct ExportPage {
    pub case_id: Uuid,
    pub reference: String,
    /// The case's sealed accounts, by witness pseudonym, to choose from.
    pub sealed: Vec<TestimonySummary>,
    pub bundles: Vec<BundleView>,
}

impl Bundles {
    pub fn new(ctx: Context, auth: Arc<Auth>, blobs: Arc<dyn BlobStore>, settings: BundleSettings) -> Self {
        Bundles { ctx, auth, blobs, settings, running: Arc::new(AtomicUsize::new(0)) }
    }

    fn builder(&self) -> Builder<'_> {
        Builder {
            ctx: &self.ctx,
            blobs: &self.blobs,
            organisation: &self.settings.organisation,
            reserve_free_bytes: self.settings.reserve_free_bytes,
            min_count: self.settings.min_count.max(1),
        }
    }

    /// Re-authenticates the requester (password, and a fresh one-time code when enrolled),
    /// queues the export and starts building it here at once (another node's poll takes it
    /// over if this one dies). The API and the pages both come through here.
    pub async fn request(
        &self,
        who: Allowed<act::BundleExport>,
        case_id: Uuid,
        input: BundleInput,
    ) -> Result<BundleView> {
        self.auth.reauthenticate(&who.principal, input.password.clone(), input.totp_code.clone()).await?;
        let (view, order) = self.queue(&who, case_id, input).await?;
        if let Some(claim) = self.claim(order.id).await? {
            let worker = self.clone();
            tokio::task::spawn_local(async move {
                // The outcome is recorded on the bundle and in the audit log.
                let _ = worker.build(&who, order, &claim, worker.progress(&claim)).await;
            });
        }
        Ok(view)
    }

    /// Checks and queues an export for a requester who has just proved who they are
    /// (`request`, or the command line's own sign-in). Claim it with `claim`, then `build`.
    pub async fn queue(
        &self,
        who: &Allowed<act::BundleExport>,
        case_id: Uuid,
        input: BundleInput,
    ) -> Result<(BundleView, Order)> {
        let available = self.blobs.available_bytes()?.saturating_sub(self.settings.reserve_free_bytes);
        let now = self.ctx.clock.now_naive();
        let who = who.clone();
        self.ctx.write(move |c, k| job::request(c, k, &who, case_id, (&input, available), now)).await
    }

    /// Claims a queued bundle for this node; `None` if another node already has it.
    pub async fn claim(&self, id: Uuid) -> Result<Option<Claim>> {
        let (node, lease, now) = (self.settings.node_id.clone(), self.lease(), self.ctx.clock.now_naive());
        let claimed = self.ctx.write_plain(move |c| queue::claim(c, id, &node, now, lease)).await?;
        Ok(claimed.map(|c| c.claim))
    }

    /// Builds a claimed bundle to the end, renewing the claim's lease meanwhile; on
    /// failure marks it failed (audited) and leaves no blob behind. `progress` hears the
    /// percent written.
    pub async fn build(
        &self,
        who: &Allowed<act::BundleExport>,
        order: Order,
        claim: &Claim,
        progress: Progress,
    ) -> Result<BundleView> {
        let renewing = self.renew_while_building(claim.clone());
        let built = build::build(&self.builder(), who, order, claim, progress).await;
        renewing.abort();
        built
    }

    /// One round of this node's poll: claims the oldest claimable build (queued, or its
    /// node dead) and builds it in the background. Returns whether one was claimed.
    pub async fn run_pending(&self) -> Result<bool> {
        if self.ctx.keys.is_sealed() || self.running.load(Ordering::Acquire) >= MAX_BUILDS_PER_NODE {
            return Ok(false);
        }
        let (node, lease, now) = (self.settings.node_id.clone(), self.lease(), self.ctx.clock.now_naive());
        let Some(claimed) = self.ctx.write_plain(move |c| queue::claim_next(c, &node, now, lease)).await?
        else {
            return Ok(false);
        };
        self.running.fetch_add(1, Ordering::AcqRel);
        let worker = self.clone();
        tokio::spawn(async move {
            if let Err(e) = worker.build_claimed(claimed).await {
                crate::error::event_at!(e.log_level(), error = %e, "queued evidence bundle not built");
            }
            worker.running.fetch_sub(1, Ordering::AcqRel);
        });
        Ok(true)
    }

    /// Builds a build claimed from the queue, as its requester (checked again).
    pub async fn build_claimed(&self, claimed: Claimed) -> Result<BundleView> {
        let claim = claimed.claim.clone();
        let requester = claimed_requester(&claimed);
        let opened = self.ctx.write(move |c, k| queue::open(c, k, &claimed)).await?;
        match opened {
            Ok((who, order)) => self.build(&who, order, &claim, self.progress(&claim)).await,
            Err(code) => {
                let now = self.ctx.clock.now_naive();
                let held = claim.clone();
                self.ctx.write_plain(move |c| queue::fail(c, &held, requester, code, now)).await?;
                Err(Error::Conflict(code))
            }
        }
    }

    /// At a node's start: the builds it claimed before it stopped go back to the queue.
    pub async fn release_own(&self) -> Result<usize> {
        let node = self.settings.node_id.clone();
        self.ctx.write_plain(move |c| queue::release_own(c, &node)).await
    }

    fn lease(&self) -> chrono::TimeDelta {
        chrono::TimeDelta::seconds(self.settings.job_lease_secs.max(1) as i64)
    }

    /// Writes the percent written on the bundle (from the writing thread).
    fn progress(&self, claim: &Claim) -> Progress {
        let db = self.ctx.db.clone();
        let bundle = claim.bundle;
        Arc::new(move |pct| {
            if let Ok(mut c) = db.get() {
                let _ = diesel::update(bundles::table.find(bundle.to_string()))
                    .set(bundles::progress.eq(i32::from(pct)))
                    .execute(&mut *c);
            }
        })
    }

    /// Renews the claim's lease every third of it until aborted, so a live build is never
    /// taken over, and a dead node's build is after one lease.
    fn renew_while_building(&self, claim: Claim) -> tokio::task::JoinHandle<()> {
        let (ctx, lease) = (self.ctx.clone(), self.lease());
        let every = std::time::Duration::from_secs((self.settings.job_lease_secs / 3).max(1));
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                let until = ctx.clock.now_naive() + lease;
                let held = claim.clone();
                match ctx.write_plain(move |c| queue::renew(c, &held, until)).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(bundle = %claim.bundle, "evidence bundle claim lost to another node");
                        break;
                    }
                    Err(e) => tracing::warn!(error = %e, "could not renew an evidence bundle's lease"),
                }
            }
        })
    }

    /// The bundles of a case, newest first.
    pub async fn list(&self, who: Allowed<act::BundleExport>, case_id: Uuid) -> Result<Vec<BundleView>> {
        self.ctx.read(move |c| job::list(c, &who, case_id)).await
    }

    /// A bundle's status and progress.
    pub async fn status(
        &self,
        who: Allowed<act::BundleExport>,
        case_id: Uuid,
        id: Uuid,
    ) -> Result<BundleView> {
        self.ctx.read(move |c| job::status(c, &who, case_id, id)).await
    }

    /// What a download of a ready bundle needs: its name, size, key and checksum, and the
    /// stored (encrypted) archive. Not audited: call `record_download` once the start of
    /// the transfer checked out, so no entry states a download of a damaged archive.
    /// A ready bundle, streamed: opened, its first segment authenticated, then its
    /// download recorded (so no entry states a download of an archive found damaged).
    pub async fn download(
        &self,
        who: &Allowed<act::BundleExport>,
        case_id: Uuid,
        id: Uuid,
    ) -> Result<BundleFetch> {
        let keyring = self.ctx.keys.keyring()?;
        let allowed = who.clone();
        let d = self.ctx.read(move |c| job::open_download(c, &keyring, &allowed, case_id, id)).await?;
        let file = SealedFile {
            blob_id: d.blob_id,
            dek: d.dek,
            table: job::TABLE,
            record: id.to_string(),
            field: job::ARCHIVE_FIELD,
            range: None,
            expected_sha: d.archive_sha256,
        };
        let requester = Requester { actor: Actor::from(&who.principal), kind: "bundle", id };
        let body = match stream_sealed(&self.ctx, &self.blobs, requester, file).await {
            Ok(body) => body,
            Err(e) => return Ok(BundleFetch::Failed(e)),
        };
        self.record_download(who, case_id, id).await?;
        Ok(BundleFetch::Ready(BundleDownload {
            body,
            size: d.size,
            filename: d.filename,
            encrypted_to_recipient: d.encrypted_to_recipient,
        }))
    }

    /// Records that a bundle's transfer started (authorised again: the key was read in an
    /// earlier transaction).
    pub async fn record_download(
        &self,
        who: &Allowed<act::BundleExport>,
        case_id: Uuid,
        id: Uuid,
    ) -> Result<()> {
        let who = who.clone();
        self.ctx.write_plain(move |c| job::record_download(c, &who, case_id, id)).await
    }

    /// Decrypts a ready bundle into `out` and checks it against its recorded SHA-256
    /// (`Error::Integrity` if it differs), then records the download. Unrecorded, the file
    /// must not be kept: the caller removes it on any error.
    pub async fn save(
        &self,
        who: &Allowed<act::BundleExport>,
        case_id: Uuid,
        id: Uuid,
        out: std::fs::File,
    ) -> Result<()> {
        let keyring = self.ctx.keys.keyring()?;
        let allowed = who.clone();
        let d: Download =
            self.ctx.read(move |c| job::open_download(c, &keyring, &allowed, case_id, id)).await?;
        let blob = self.blobs.open_blob(d.blob_id)?;
        let record = id.to_string();
        let ctx = FieldContext::new(TABLE, &record, ARCHIVE_FIELD);
        let (_, sha) = decrypt_reader(&d.dek, &ctx, io::BufReader::new(blob), io::BufWriter::new(out))?;
        if hex::encode(sha) != d.archive_sha256 {
            return Err(Error::Integrity);
        }
        self.record_download(who, case_id, id).await
    }

    /// Deletes a ready or failed bundle: its key destroyed and its status `deleted` in one
    /// audited transaction, then the stored archive removed.
    pub async fn delete(&self, who: Allowed<act::BundleExport>, case_id: Uuid, id: Uuid) -> Result<()> {
        if let Some(blob) = self.ctx.write_plain(move |c| job::delete(c, &who, case_id, id)).await? {
            self.blobs.delete(blob)?;
        }
        Ok(())
    }

    /// The organisation's export public key (minisign), made on first use.
    pub async fn public_key(&self, _who: Allowed<act::BundleKeyRead>) -> Result<String> {
        self.ctx.write(job::public_key).await
    }

    /// What an export would contain, before it is made (audited like a read: it decrypts
    /// every account in scope to apply consent).
    pub async fn preview(
        &self,
        who: Allowed<act::BundleExport>,
        case_id: Uuid,
        recipient: Recipient,
        selection: Selection,
    ) -> Result<Preview> {
        self.ctx.write(move |c, k| consent::preview(c, k, &who, case_id, (recipient, &selection))).await
    }

    /// The export page: the case's reference, its sealed accounts and its bundles.
    pub async fn export_page(&self, who: &Allowed<act::BundleExport>, case_id: Uuid) -> Result<ExportPage> {
        let who = who.clone();
        self.ctx
            .write(move |c, k| {
                let bundles = job::list(c, &who, case_id)?;
                let p = &who.principal;
                let case = cases::get(c, k, p, case_id)?;
                let mut sealed: Vec<TestimonySummary> = testimonies::list(c, p, case_id, (500, 0))?
                    .0
                    .into_iter()
                    .filter(|t| t.status == Status::Sealed)
                    .collect();
                sealed.sort_by(|a, b| a.witness_pseudonym.cmp(&b.witness_pseudonym));
                Ok(ExportPage { case_id, reference: case.reference, sealed, bundles })
            })
            .await
    }
}

/// What `Bundles::download` found.
pub enum BundleFetch {
    Ready(BundleDownload),
    /// The archive could not be opened or is damaged at its start. Already audited,
    /// naming the bundle, so the edge must not audit it again.
    Failed(crate::error::Error),
}

pub struct BundleDownload {
    pub body: FileStream,
    pub size: u64,
    pub filename: String,
    pub encrypted_to_recipient: bool,
}
