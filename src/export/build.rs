//! Building a queued bundle in the background: a fresh signed audit checkpoint, the
//! records collected in one transaction, the bag streamed through the recipient's age
//! key (if given) and our own STREAM encryption into the blob store, then marked ready
//! together with the audit entry that records its manifest digest. Any failure leaves
//! no blob and a `failed` bundle; a build whose claim was lost (`queue`) writes nothing.
//! Times come from the caller's clock.

use std::io::{self, Write};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::Recipient;
use super::bag::{BagWriter, EXPORT_KEY_FILE, TagSummary};
use super::collect::{self, Plan};
use super::job::{ARCHIVE_FIELD, BundleStatus, BundleView, HEADROOM, Order, Row, TABLE, view};
use super::queue::{self, Claim};
use super::signer::{self, ExportSigner};
use crate::access::Allowed;
use crate::access::membership as access;
use crate::access::policy::act;
use crate::audit::{self, Actor, Entry, checkpoints};
use crate::clock::Clock;
use crate::context::Context;
use crate::crypto::{DecryptingReader, Dek, FieldContext};
use crate::error::{Error, Result};
use crate::keys::store as key_store;
use crate::store::blobs::BlobStore;
use crate::store::schema::bundles;

/// What a build needs besides the order: the database, keys and clock, the blob store,
/// the organisation named in the bag, and the free space to leave alone.
pub struct Builder<'a> {
    pub ctx: &'a Context,
    pub blobs: &'a std::sync::Arc<dyn BlobStore>,
    pub organisation: &'a str,
    pub reserve_free_bytes: u64,
    /// The analysis annex's minimum count (`[analysis] min_count`).
    pub min_count: u32,
}

impl Builder<'_> {
    fn available(&self) -> Result<u64> {
        Ok(self.blobs.available_bytes()?.saturating_sub(self.reserve_free_bytes))
    }

    fn clock(&self) -> &Clock {
        &self.ctx.clock
    }
}

/// Progress of a build, in percent; called from the thread that writes the archive.
pub type Progress = Arc<dyn Fn(u8) + Send + Sync>;

/// Builds a claimed bundle to the end; on failure marks it failed (audited) and leaves
/// no blob behind. Writes nothing once the claim is lost (another node builds it).
pub async fn build(
    b: &Builder<'_>,
    who: &Allowed<act::BundleExport>,
    order: Order,
    claim: &Claim,
    progress: Progress,
) -> Result<BundleView> {
    let id = order.id;
    match run(b, who, order, claim, progress).await {
        Ok(v) => Ok(v),
        Err(e) => {
            let code = failure_code(&e);
            // Access revoked or the service sealed while the job waited is nobody's fault;
            // storage, keys or altered data are an operator's.
            crate::error::event_at!(e.log_level(), error = %e, bundle = %id, "evidence bundle failed");
            let actor = Actor::from(&who.principal);
            let now = b.clock().now_naive();
            let held = claim.clone();
            let marked = b.ctx.write_plain(move |c| queue::fail(c, &held, actor, code, now)).await;
            if let Err(e) = marked {
                tracing::error!(error = %e, "could not record the failed bundle");
            }
            Err(e)
        }
    }
}

fn failure_code(e: &Error) -> &'static str {
    match e {
        Error::InsufficientStorage { .. } | Error::DiskFull => "insufficient_storage",
        Error::Storage(_) => "storage_unavailable",
        Error::StoreUnavailable(_) => "object_store_unavailable",
        Error::Integrity => "integrity_error",
        Error::Sealed => "sealed",
        Error::Unavailable => "database_unavailable",
        Error::NotFound | Error::Forbidden => "access_revoked",
        _ => "internal",
    }
}

async fn run(
    b: &Builder<'_>,
    who: &Allowed<act::BundleExport>,
    order: Order,
    claim: &Claim,
    progress: Progress,
) -> Result<BundleView> {
    let id = order.id;
    let allowed = who.clone();
    let case_id = order.case_id.clone();
    let recipient = order.recipient;
    let selection = order.selection.clone();
    let encrypted = order.age_recipient.is_some();
    let analysis_annex = order.analysis_annex.then_some(b.min_count);
    let at = b.clock().now_naive();
    let started = at.and_utc();
    let (plan, export_signer, dek) = b
        .ctx
        .write(move |c, k| {
            // Access may have been revoked while the job waited.
            access::authorize_for(c, &allowed, &case_id)?;
            let p = &allowed.principal;
            let checkpoint =
                checkpoints::create_at(c, k, at)?.ok_or_else(|| Error::internal("empty audit log"))?;
            let log_key = checkpoints::ensure_verifier_key(c, k)?;
            let plan = collect::collect(
                c,
                k,
                &collect::Request {
                    bundle_id: id,
                    case_id: &case_id,
                    recipient,
                    selection: &selection,
                    who: p,
                    encrypted_to_recipient: encrypted,
                    now: started,
                    checkpoint: &checkpoint,
                    log_key: &log_key,
                    analysis_annex,
                },
            )?;
            let export_signer = signer::load_or_create(c, k)?;
            let dek = key_store::record_key(c, k, TABLE, &id.to_string())?;
            Ok((plan, export_signer, dek))
        })
        .await?;
    let needed = plan.payload_bytes() + plan.payload_bytes() / 50 + HEADROOM;
    let available = b.available()?;
    if needed > available {
        return Err(Error::InsufficientStorage { needed, available });
    }
    let blobs = b.blobs.clone();
    let meta = BagMeta {
        organisation: b.organisation.to_owned(),
        recipient,
        bundle_id: id,
        exported_by: who.principal.username.clone(),
        now: b.clock().now(),
    };
    let age_recipient = order.age_recipient;
    let written = tokio::task::spawn_blocking(move || {
        write_archive(&*blobs, &dek, &plan, &export_signer, &meta, age_recipient.as_ref(), &progress)
            .map(|w| (w, plan.counts.clone()))
    })
    .await
    .map_err(|_| Error::internal("bundle writer panicked"))?;
    let (written, counts) = written?;
    let p = who.principal.clone();
    let blob_id = written.blob_id;
    let now = b.clock().now_naive();
    let held = claim.clone();
    let finished = b
        .ctx
        .write_plain(move |c| {
            // Still ours? (The lease may have run out and another node taken the build.)
            queue::hold(c, &held)?;
            diesel::update(bundles::table.find(id.to_string()))
                .set((
                    bundles::status.eq(BundleStatus::Ready.as_str()),
                    bundles::progress.eq(100),
                    bundles::blob_id.eq(written.blob_id.to_string()),
                    bundles::size.eq(written.size as i64),
                    bundles::manifest_sha256.eq(&written.tags.manifest_sha256),
                    bundles::archive_sha256.eq(hex::encode(written.sha256)),
                    bundles::finished_at.eq(now),
                ))
                .execute(c)?;
            let row: Row = bundles::table.find(id.to_string()).select(Row::as_select()).first(c)?;
            audit::append(
                c,
                &Entry::new(&p, "bundle.export")
                    .target("bundle", id)
                    .detail("case_id", row.case_id.clone())
                    .detail("recipient", recipient.as_str())
                    .detail("manifest_sha256", written.tags.manifest_sha256.clone())
                    .detail("archive_sha256", hex::encode(written.sha256))
                    .detail("size", written.size)
                    .detail("testimonies", counts.testimonies)
                    .detail("withheld", counts.withheld_testimonies)
                    .detail("analysis_annex", analysis_annex.is_some()),
            )?;
            view(row)
        })
        .await;
    if finished.is_err() {
        let _ = b.blobs.delete(blob_id);
    }
    finished
}

struct BagMeta {
    organisation: String,
    recipient: Recipient,
    bundle_id: Uuid,
    exported_by: String,
    /// The bagging date and the signature's time.
    now: DateTime<Utc>,
}

struct Written {
    blob_id: Uuid,
    size: u64,
    sha256: [u8; 32],
    tags: TagSummary,
}

/// Counts what passes through, for progress.
struct Counting<W> {
    inner: W,
    written: u64,
    total: u64,
    last: u8,
    progress: Progress,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        let pct = (self.written.saturating_mul(100) / self.total.max(1)).min(99) as u8;
        if pct > self.last {
            self.last = pct;
            (self.progress)(pct);
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn write_archive(
    blobs: &dyn BlobStore,
    dek: &Dek,
    plan: &Plan,
    export_signer: &ExportSigner,
    meta: &BagMeta,
    age_recipient: Option<&age::x25519::Recipient>,
    progress: &Progress,
) -> Result<Written> {
    let id = meta.bundle_id.to_string();
    let ctx = FieldContext::new(TABLE, &id, ARCHIVE_FIELD);
    let out = blobs.create_encrypted(dek, &ctx)?;
    let (out, tags) = match age_recipient {
        Some(r) => {
            let encryptor = age::Encryptor::with_recipients(std::iter::once(r as &dyn age::Recipient))
                .map_err(|e| Error::internal(format!("age: {e}")))?;
            let sink = encryptor.wrap_output(out)?;
            let (sink, tags) = write_bag(counting(sink, plan, progress), blobs, plan, export_signer, meta)?;
            (sink.inner.finish()?, tags)
        }
        None => {
            let (sink, tags) = write_bag(counting(out, plan, progress), blobs, plan, export_signer, meta)?;
            (sink.inner, tags)
        }
    };
    let (blob_id, size, sha256) = out.finish()?;
    Ok(Written { blob_id, size, sha256, tags })
}

fn counting<W: Write>(inner: W, plan: &Plan, progress: &Progress) -> Counting<W> {
    Counting { inner, written: 0, total: plan.payload_bytes(), last: 0, progress: progress.clone() }
}

fn write_bag<W: Write>(
    out: W,
    blobs: &dyn BlobStore,
    plan: &Plan,
    export_signer: &ExportSigner,
    meta: &BagMeta,
) -> Result<(W, TagSummary)> {
    let now = meta.now;
    let name = format!("custodia-bundle-{}", meta.bundle_id);
    let mut bag = BagWriter::new(out, &name, now.timestamp().max(0) as u64);
    for (path, bytes) in &plan.files {
        bag.payload_bytes(path, bytes)?;
    }
    for a in &plan.attachments {
        let file = blobs.open_blob(a.blob_id)?;
        let ctx = FieldContext::new(crate::cases::attachments::TABLE, &a.attachment_id, "content");
        let reader = DecryptingReader::new(&a.dek, &ctx, io::BufReader::new(file));
        let digest = bag.payload_stream(&a.path, a.size, reader)?;
        if hex::encode(digest.sha256) != a.sha256 {
            return Err(Error::Integrity);
        }
    }
    let c = &plan.counts;
    let annex_dir = format!("{}/", super::annex::DIR);
    let annex = if plan.files.iter().any(|(p, _)| p.starts_with(&annex_dir)) {
        " With the organisation's analysis of these records in data/analysis/ (see its README.txt)."
    } else {
        ""
    };
    let description = format!(
        "Case {}: {} ({}, {}), {}, {}, {}; for {}; {} withheld for lack of consent. Exported by {}.{annex}",
        plan.case_reference,
        counted(c.testimonies, "testimony", "testimonies"),
        counted(c.versions, "sealed version", "sealed versions"),
        counted(c.attachments, "attachment", "attachments"),
        counted(c.incidents, "incident", "incidents"),
        counted(c.perpetrators, "perpetrator", "perpetrators"),
        counted(c.units, "unit", "units"),
        meta.recipient.label(),
        counted(c.withheld_testimonies, "account", "accounts"),
        meta.exported_by,
    );
    let public_key = export_signer.public_key_file();
    let info = [
        ("Source-Organization", meta.organisation.clone()),
        ("Bagging-Date", now.format("%Y-%m-%d").to_string()),
        ("External-Identifier", format!("{}/{}", plan.case_reference, meta.bundle_id)),
        ("External-Description", description),
        ("Bag-Software-Agent", format!("custodia {}", env!("CARGO_PKG_VERSION"))),
        ("Custodia-Recipient", meta.recipient.as_str().to_owned()),
    ];
    let tags = bag.write_tags(&info, &[(EXPORT_KEY_FILE, public_key.as_bytes())])?;
    let comment = format!(
        "custodia bundle {} case {} time {} manifest-sha256 {}",
        meta.bundle_id,
        plan.case_reference,
        now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        tags.manifest_sha256
    );
    let signature = export_signer.sign(tags.tagmanifest.as_bytes(), &comment)?;
    let out = bag.finish(&tags.tagmanifest, &signature)?;
    Ok((out, tags))
}

/// "1 incident", "2 incidents": bag-info.txt is read by people.
fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
