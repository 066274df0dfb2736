//! Building a bundle: requested (audited, checked, queued) in one transaction, then
//! built in the background — a fresh signed audit checkpoint, the records collected in
//! one transaction, the bag streamed through the recipient's age key (if given) and
//! our own STREAM encryption into the blob store — then marked ready together with the
//! audit entry that records its manifest digest. Any failure leaves no blob and a
//! `failed` bundle; an interrupted build is marked failed at the next start.

use std::io::{self, Write};
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::bag::{BagWriter, EXPORT_KEY_FILE, TagSummary};
use super::collect::{self, Plan};
use super::signer::{self, ExportSigner};
use super::{Recipient, Selection};
use crate::access::membership as access;
use crate::access::policy::Action;
use crate::audit::{self, Entry, Outcome, checkpoints};
use crate::auth::Principal;
use crate::cases::sealed::Sealer;
use crate::crypto::{DecryptingReader, Dek, FieldContext, Keyring};
use crate::error::{Error, Result};
use crate::keys::store as key_store;
use crate::services::Services;
use crate::store::blobs::BlobStore;
use crate::store::schema::{attachments, bundles, testimonies};
use crate::store::{DbConnection, now};

pub const TABLE: &str = "bundles";
/// The field the stored archive's STREAM ciphertext is bound to.
pub const ARCHIVE_FIELD: &str = "archive";
const MAX_SELECTED: usize = 10_000;
/// Tar headers, JSON files and STREAM tags on top of the attachments (a generous bound;
/// the build re-checks with the exact payload size).
const HEADROOM: u64 = 16 * 1024 * 1024;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BundleInput {
    pub recipient: Recipient,
    #[serde(default)]
    pub selection: Selection,
    /// An age X25519 recipient (`age1…`): the archive is then encrypted to it.
    pub age_recipient: Option<String>,
    /// Re-authentication: the caller's password.
    #[schema(value_type = String, format = Password)]
    pub password: SecretString,
    /// Re-authentication: a fresh one-time code, when a second factor is enrolled.
    pub totp_code: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct SealedRequest {
    selection: Selection,
    age_recipient: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BundleView {
    pub id: Uuid,
    pub case_id: Uuid,
    /// `queued`, `building`, `ready`, `failed` or `deleted`.
    pub status: String,
    /// Percent of the payload written.
    pub progress: i32,
    pub recipient: Recipient,
    pub encrypted_to_recipient: bool,
    pub requested_by: Uuid,
    /// Bytes of the archive as downloaded.
    pub size: Option<i64>,
    /// SHA-256 of `manifest-sha256.txt`, as recorded in the export's audit entry.
    pub manifest_sha256: Option<String>,
    /// SHA-256 of the archive as downloaded.
    pub archive_sha256: Option<String>,
    /// Why a build failed (a problem code).
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = bundles)]
struct Row {
    id: String,
    case_id: String,
    requested_by: String,
    recipient: String,
    status: String,
    progress: i32,
    encrypted_to_recipient: bool,
    blob_id: Option<String>,
    size: Option<i64>,
    manifest_sha256: Option<String>,
    archive_sha256: Option<String>,
    error: Option<String>,
    created_at: chrono::NaiveDateTime,
    finished_at: Option<chrono::NaiveDateTime>,
}

fn view(row: Row) -> Result<BundleView> {
    Ok(BundleView {
        id: crate::cases::parse_uuid(&row.id)?,
        case_id: crate::cases::parse_uuid(&row.case_id)?,
        status: row.status,
        progress: row.progress,
        recipient: Recipient::parse(&row.recipient).ok_or(Error::Integrity)?,
        encrypted_to_recipient: row.encrypted_to_recipient,
        requested_by: crate::cases::parse_uuid(&row.requested_by)?,
        size: row.size,
        manifest_sha256: row.manifest_sha256,
        archive_sha256: row.archive_sha256,
        error: row.error,
        created_at: row.created_at.and_utc(),
        finished_at: row.finished_at.map(|t| t.and_utc()),
    })
}

fn load(c: &mut DbConnection, case_id: &str, id: &str) -> Result<Row> {
    Ok(bundles::table.find(id).filter(bundles::case_id.eq(case_id)).select(Row::as_select()).first(c)?)
}

/// What the background build needs.
pub struct Order {
    pub id: Uuid,
    pub case_id: String,
    pub recipient: Recipient,
    pub selection: Selection,
    pub age_recipient: Option<age::x25519::Recipient>,
}

/// Re-authenticates the requester (password, and a fresh one-time code when enrolled),
/// queues the export and starts building it in the background. The API and the pages
/// both come through here.
pub async fn start(
    state: &actix_web::web::Data<Services>,
    who: Principal,
    case_id: Uuid,
    input: BundleInput,
) -> Result<BundleView> {
    state.auth.reauthenticate(&who, input.password.clone(), input.totp_code.clone()).await?;
    let available = state.blobs.available_bytes()?.saturating_sub(state.reserve_free_bytes);
    let requester = who.clone();
    let (view, order) = state.tx(move |c, k| request(c, k, &requester, case_id, &input, available)).await?;
    let db = state.db.clone();
    let bundle = view.id;
    let progress: Progress = Arc::new(move |pct| {
        if let Ok(mut c) = db.get() {
            let _ = diesel::update(bundles::table.find(bundle.to_string()))
                .set(bundles::progress.eq(i32::from(pct)))
                .execute(&mut *c);
        }
    });
    let worker = state.clone();
    actix_web::rt::spawn(async move {
        // The outcome is recorded on the bundle and in the audit log.
        let _ = build(&worker, who, order, progress).await;
    });
    Ok(view)
}

/// Checks and queues an export. The caller has re-authenticated the principal.
pub fn request(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    case_id: Uuid,
    input: &BundleInput,
    available: u64,
) -> Result<(BundleView, Order)> {
    let case_id = case_id.to_string();
    access::authorize(c, who, &case_id, Action::BundleExport)?;
    let age_recipient = match input.age_recipient.as_deref().map(str::trim) {
        Some(text) => Some(age::x25519::Recipient::from_str(text).map_err(|_| {
            Error::field("age_recipient", "invalid_age_recipient", "not an age X25519 recipient (age1…)")
        })?),
        None => None,
    };
    if input.selection.record_count() > MAX_SELECTED {
        return Err(Error::field("selection", "too_many", format!("at most {MAX_SELECTED} records")));
    }
    let scope = collect::resolve(c, &case_id, &input.selection)?;
    let roots: Vec<String> = scope.roots.iter().cloned().collect();
    // Summed here: SUM of a BIGINT is NUMERIC on PostgreSQL and BIGINT on SQLite.
    let sizes: Vec<i64> = attachments::table
        .inner_join(testimonies::table.on(attachments::testimony_id.eq(testimonies::id.nullable())))
        .filter(testimonies::root_id.eq_any(&roots))
        .select(attachments::size)
        .load(c)?;
    let needed = sizes.iter().map(|s| (*s).max(0) as u64).sum::<u64>() + HEADROOM;
    if needed > available {
        return Err(Error::InsufficientStorage { needed, available });
    }
    let id = Uuid::new_v4();
    let sealer = Sealer::create(c, keyring, TABLE, &id.to_string())?;
    let sealed =
        SealedRequest { selection: input.selection.clone(), age_recipient: input.age_recipient.clone() };
    diesel::insert_into(bundles::table)
        .values((
            bundles::id.eq(id.to_string()),
            bundles::case_id.eq(&case_id),
            bundles::requested_by.eq(who.user_id.to_string()),
            bundles::recipient.eq(input.recipient.as_str()),
            bundles::status.eq("queued"),
            bundles::progress.eq(0),
            bundles::request.eq(sealer.seal("request", &sealed)?),
            bundles::encrypted_to_recipient.eq(age_recipient.is_some()),
            bundles::created_at.eq(now()),
        ))
        .execute(c)?;
    audit::append(
        c,
        &Entry::new(who, "bundle.request")
            .target("bundle", id)
            .detail("case_id", case_id.clone())
            .detail("recipient", input.recipient.as_str())
            .detail("encrypted_to_recipient", age_recipient.is_some())
            .detail("whole_case", input.selection.is_whole_case()),
    )?;
    let v = view(load(c, &case_id, &id.to_string())?)?;
    let order =
        Order { id, case_id, recipient: input.recipient, selection: input.selection.clone(), age_recipient };
    Ok((v, order))
}

/// Progress of a build, in percent; called from the thread that writes the archive.
pub type Progress = Arc<dyn Fn(u8) + Send + Sync>;

/// Builds a queued bundle to the end; on failure marks it failed (audited) and leaves
/// no blob behind.
pub async fn build(state: &Services, who: Principal, order: Order, progress: Progress) -> Result<BundleView> {
    let id = order.id;
    let case_id = order.case_id.clone();
    match run(state, &who, order, progress).await {
        Ok(v) => Ok(v),
        Err(e) => {
            let code = failure_code(&e);
            tracing::error!(error = %e, bundle = %id, "evidence bundle failed");
            let p = who.clone();
            let marked = state
                .db
                .transaction(move |c| {
                    diesel::update(bundles::table.find(id.to_string()))
                        .set((
                            bundles::status.eq("failed"),
                            bundles::error.eq(code),
                            bundles::finished_at.eq(now()),
                        ))
                        .execute(c)?;
                    audit::append(
                        c,
                        &Entry::new(&p, "bundle.export")
                            .target("bundle", id)
                            .outcome(Outcome::Failure)
                            .detail("case_id", case_id)
                            .detail("reason", code),
                    )?;
                    Ok(())
                })
                .await;
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
        Error::Integrity => "integrity_error",
        Error::Sealed => "sealed",
        Error::Unavailable => "database_unavailable",
        Error::NotFound | Error::Forbidden => "access_revoked",
        _ => "internal",
    }
}

async fn run(state: &Services, who: &Principal, order: Order, progress: Progress) -> Result<BundleView> {
    let id = order.id;
    let p = who.clone();
    let case_id = order.case_id.clone();
    let recipient = order.recipient;
    let selection = order.selection.clone();
    let encrypted = order.age_recipient.is_some();
    let (plan, export_signer, dek) = state
        .tx(move |c, k| {
            // Access may have been revoked while the job waited.
            access::authorize(c, &p, &case_id, Action::BundleExport)?;
            diesel::update(bundles::table.find(id.to_string()))
                .set(bundles::status.eq("building"))
                .execute(c)?;
            let checkpoint = checkpoints::create(c, k)?.ok_or_else(|| Error::internal("empty audit log"))?;
            let log_key = checkpoints::ensure_verifier_key(c, k)?;
            let plan = collect::collect(
                c,
                k,
                &collect::Request {
                    bundle_id: id,
                    case_id: &case_id,
                    recipient,
                    selection: &selection,
                    who: &p,
                    encrypted_to_recipient: encrypted,
                    checkpoint: &checkpoint,
                    log_key: &log_key,
                },
            )?;
            let export_signer = signer::load_or_create(c, k)?;
            let dek = key_store::record_key(c, k, TABLE, &id.to_string())?;
            Ok((plan, export_signer, dek))
        })
        .await?;
    let needed = plan.payload_bytes() + plan.payload_bytes() / 50 + HEADROOM;
    let available = state.blobs.available_bytes()?.saturating_sub(state.reserve_free_bytes);
    if needed > available {
        return Err(Error::InsufficientStorage { needed, available });
    }
    let blobs = state.blobs.clone();
    let meta = BagMeta {
        organisation: state.organisation.clone(),
        recipient,
        bundle_id: id,
        exported_by: who.username.clone(),
    };
    let age_recipient = order.age_recipient;
    let written = actix_web::rt::task::spawn_blocking(move || {
        write_archive(&*blobs, &dek, &plan, &export_signer, &meta, age_recipient.as_ref(), &progress)
            .map(|w| (w, plan.counts.clone()))
    })
    .await
    .map_err(|_| Error::internal("bundle writer panicked"))?;
    let (written, counts) = written?;
    let p = who.clone();
    let blob_id = written.blob_id;
    let finished = state
        .db
        .transaction(move |c| {
            diesel::update(bundles::table.find(id.to_string()))
                .set((
                    bundles::status.eq("ready"),
                    bundles::progress.eq(100),
                    bundles::blob_id.eq(written.blob_id.to_string()),
                    bundles::size.eq(written.size as i64),
                    bundles::manifest_sha256.eq(&written.tags.manifest_sha256),
                    bundles::archive_sha256.eq(hex::encode(written.sha256)),
                    bundles::finished_at.eq(now()),
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
                    .detail("withheld", counts.withheld_testimonies),
            )?;
            view(row)
        })
        .await;
    if finished.is_err() {
        let _ = state.blobs.delete(blob_id);
    }
    finished
}

struct BagMeta {
    organisation: String,
    recipient: Recipient,
    bundle_id: Uuid,
    exported_by: String,
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
    let now = Utc::now();
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
    let description = format!(
        "Case {}: {} ({}, {}), {}, {}, {}; for {}; {} withheld for lack of consent. Exported by {}.",
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

pub fn list(c: &mut DbConnection, who: &Principal, case_id: Uuid) -> Result<Vec<BundleView>> {
    let case_id = case_id.to_string();
    access::authorize(c, who, &case_id, Action::BundleExport)?;
    let rows: Vec<Row> = bundles::table
        .filter(bundles::case_id.eq(&case_id))
        .order(bundles::created_at.desc())
        .limit(200)
        .select(Row::as_select())
        .load(c)?;
    rows.into_iter().map(view).collect()
}

pub fn status(c: &mut DbConnection, who: &Principal, case_id: Uuid, id: Uuid) -> Result<BundleView> {
    let case_id = case_id.to_string();
    access::authorize(c, who, &case_id, Action::BundleExport)?;
    view(load(c, &case_id, &id.to_string())?)
}

/// What a download needs; audited here.
pub struct Download {
    pub blob_id: Uuid,
    pub dek: Dek,
    pub size: u64,
    pub archive_sha256: String,
    pub filename: String,
    pub encrypted_to_recipient: bool,
}

/// What a download of a ready bundle needs: its blob, key and name. Not audited: the
/// download is recorded by `record_download` once its start has been checked, so no
/// entry states a download of an archive that turned out damaged.
pub fn open_download(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    case_id: Uuid,
    id: Uuid,
) -> Result<Download> {
    let case = case_id.to_string();
    access::authorize(c, who, &case, Action::BundleExport)?;
    let row = load(c, &case, &id.to_string())?;
    let (Some(blob), Some(size), Some(sha)) = (&row.blob_id, row.size, &row.archive_sha256) else {
        return Err(Error::Conflict("bundle_not_ready"));
    };
    let reference: String = crate::store::schema::cases::table
        .find(&case)
        .select(crate::store::schema::cases::reference)
        .first(c)?;
    let dek = key_store::record_key(c, keyring, TABLE, &row.id)?;
    let safe: String = reference
        .chars()
        .map(|ch| if ch.is_ascii_alphanumeric() || ch == '-' { ch } else { '_' })
        .take(40)
        .collect();
    let short = &row.id[..8];
    let filename = if row.encrypted_to_recipient {
        format!("custodia-bundle-{safe}-{short}.tar.age")
    } else {
        format!("custodia-bundle-{safe}-{short}.tar")
    };
    Ok(Download {
        blob_id: Uuid::parse_str(blob).map_err(|_| Error::Integrity)?,
        dek,
        size: size.max(0) as u64,
        archive_sha256: sha.clone(),
        filename,
        encrypted_to_recipient: row.encrypted_to_recipient,
    })
}

/// Records that a bundle's transfer started (its first segment checked out), in its own
/// transaction before the first byte leaves; authorised again, as the key was read
/// in an earlier one.
pub fn record_download(c: &mut DbConnection, who: &Principal, case_id: Uuid, id: Uuid) -> Result<()> {
    let case = case_id.to_string();
    access::authorize(c, who, &case, Action::BundleExport)?;
    audit::append(c, &Entry::new(who, "bundle.download").target("bundle", id).detail("case_id", case))?;
    Ok(())
}

/// Deletes a ready or failed bundle: its key is destroyed with the row's status set to
/// `deleted` (the history stays), in one audited transaction. Returns the blob to remove
/// once that has committed.
pub fn delete(c: &mut DbConnection, who: &Principal, case_id: Uuid, id: Uuid) -> Result<Option<Uuid>> {
    let case = case_id.to_string();
    access::authorize(c, who, &case, Action::BundleExport)?;
    let row = load(c, &case, &id.to_string())?;
    if matches!(row.status.as_str(), "queued" | "building") {
        return Err(Error::Conflict("bundle_in_progress"));
    }
    if row.status == "deleted" {
        return Ok(None);
    }
    key_store::shred(c, TABLE, &row.id)?;
    diesel::update(bundles::table.find(&row.id))
        .set((bundles::status.eq("deleted"), bundles::blob_id.eq(None::<String>)))
        .execute(c)?;
    audit::append(c, &Entry::new(who, "bundle.delete").target("bundle", id).detail("case_id", case))?;
    row.blob_id.as_deref().map(|b| Uuid::parse_str(b).map_err(|_| Error::Integrity)).transpose()
}

/// Marks builds that a stop interrupted as failed (their partial files are already
/// gone: unfinished blobs are removed at start).
pub fn fail_interrupted(c: &mut DbConnection) -> Result<usize> {
    Ok(diesel::update(bundles::table.filter(bundles::status.eq_any(["queued", "building"])))
        .set((bundles::status.eq("failed"), bundles::error.eq("interrupted"), bundles::finished_at.eq(now())))
        .execute(c)?)
}

/// The public export key file, creating the key on first use.
pub fn public_key(c: &mut DbConnection, keyring: &Keyring) -> Result<String> {
    Ok(signer::load_or_create(c, keyring)?.public_key_file())
}

/// "1 incident", "2 incidents": bag-info.txt is read by people.
fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
