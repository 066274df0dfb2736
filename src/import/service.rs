//! `Imports`, the service: plan an upload, apply a plan by its digest (resuming where a
//! crash stopped it), read an import, list a case's. Only a case's lead imports (the
//! `case.import` action): an import writes many records at once, in their name.

use std::io::{ErrorKind, Read};
use std::sync::Arc;

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::apply::{self, Progress};
use super::convert::Terms;
use super::fields::Kind;
use super::issue::{Issue, Location};
use super::keys::{self, Digester};
use super::mapping::Mapping;
use super::plan::{self, Existing, Plan};
use super::record::{self, FILE_FIELD, ImportView, Source, StoredFile, TABLE};
use super::sheet_out::MAPPING_NAME;
use super::source::{Files, Origin, Workbook};
use crate::access::membership as access;
use crate::access::{Allowed, act};
use crate::audit::{self, Entry};
use crate::cases::vocab;
use crate::context::Context;
use crate::crypto::{Dek, FieldContext};
use crate::error::{Error, Result};
use crate::keys::store as key_store;
use crate::store::blobs::BlobStore;

#[derive(Debug, Clone)]
pub struct Imports {
    pub(super) ctx: Context,
    pub(super) blobs: Arc<dyn BlobStore>,
    /// The largest file accepted.
    pub max_bytes: u64,
    /// The largest attachment a sheet may name (`storage.max_attachment_bytes`).
    pub max_file_bytes: u64,
}

/// A file to import, as it arrives.
pub struct Upload {
    pub filename: String,
    pub body: Box<dyn Read + Send>,
    /// Attachments from elsewhere than the file itself (a folder, on the command line).
    pub files: Option<Files>,
}

impl Imports {
    pub fn new(ctx: Context, blobs: Arc<dyn BlobStore>, max_bytes: u64, max_file_bytes: u64) -> Self {
        Imports { ctx, blobs, max_bytes, max_file_bytes }
    }

    /// Whether the caller may import into the case, asked before a byte of the upload is
    /// read (nothing is read or written, so nothing is audited).
    pub async fn may_import(&self, who: &Allowed<act::CaseImport>, case_id: Uuid) -> Result<()> {
        let (who, case) = (who.clone(), case_id.to_string());
        self.ctx.read(move |c| access::authorize_for(c, &who, &case).map(|_| ())).await
    }

    /// Stores the file (encrypted, under the import's own key), plans the import against
    /// the case as it stands, and records the import with its plan: `planned` when it
    /// may be applied, `refused` when it found issues. Writes no case record. Audited
    /// with the file's SHA-256.
    pub async fn plan(
        &self,
        who: Allowed<act::CaseImport>,
        case_id: Uuid,
        mapping: String,
        upload: Upload,
    ) -> Result<ImportView> {
        let case = case_id.to_string();
        let check = who.clone();
        self.ctx.read(move |c| access::authorize_for(c, &check, &case).map(|_| ())).await?;
        let id = Uuid::new_v4().to_string();
        let keyring = self.ctx.keys.keyring()?;
        let dek = Dek::generate();
        let (blob_id, size, sha) = self.store(&id, &dek, upload.body).await?;
        let file_sha256 = hex::encode(sha);
        let origin: Arc<dyn Origin> = Arc::new(StoredFile {
            blobs: self.blobs.clone(),
            blob_id,
            dek: dek.clone(),
            import_id: id.clone(),
            name: upload.filename.clone(),
            size,
        });
        let case = case_id.to_string();
        let (terms, existing, case_state) = self
            .ctx
            .read(move |c| {
                let terms = vocab::list(c, None)?;
                let known = keys::known(c, &case)?;
                let ids = |kind: Kind| -> Vec<String> {
                    known.iter().filter(|((k, _), _)| *k == kind).map(|(_, v)| v.record_id.clone()).collect()
                };
                let person_kinds = keys::person_kinds(c, &ids(Kind::Person))?;
                let sealed_roots = keys::sealed_roots(c, &ids(Kind::Testimony))?;
                let pseudonyms = keys::pseudonyms(c, &case)?;
                let record_ids = keys::record_ids(c, &case)?;
                let state = keys::case_state(c, &case)?;
                Ok((terms, Existing { known, person_kinds, sealed_roots, pseudonyms, record_ids }, state))
            })
            .await?;
        let digester = Digester::new(&keyring, &case_id.to_string());
        let mapping_text = mapping.clone();
        let extra_files = upload.files;
        let plan = tokio::task::spawn_blocking(move || {
            plan_file(origin, extra_files, &mapping_text, &terms, &digester, &existing)
        })
        .await
        .map_err(|e| Error::internal(format!("import plan task: {e}")))?;
        let digest = plan_digest(&file_sha256, &mapping, &case_state);
        let source = Source { filename: upload.filename, mapping };
        let now = self.ctx.clock.now_naive();
        let principal = who.principal.clone();
        let total = |f: fn(&plan::Count) -> u64| plan.counts.iter().map(f).sum::<u64>();
        let counts = [
            ("create", total(|c| c.create)),
            ("update", total(|c| c.update)),
            ("correct", total(|c| c.correct)),
            ("unchanged", total(|c| c.unchanged)),
        ];
        let result = self
            .ctx
            .write(move |c, k| {
                let case = case_id.to_string();
                access::authorize_for(c, &who, &case)?;
                key_store::store_record_key(c, k, TABLE, &id, &dek)?;
                record::insert(
                    c,
                    k,
                    &record::New {
                        id: &id,
                        case_id: &case,
                        created_by: &principal.user_id.to_string(),
                        blob_id,
                        file_size: size,
                        file_sha256: &file_sha256,
                        source: &source,
                        plan: &plan,
                        digest: &digest,
                        case_state: &case_state,
                        now,
                    },
                )?;
                audit::append(
                    c,
                    &Entry::new(&principal, "import.plan")
                        .target("import", &id)
                        .detail("case_id", case.clone())
                        .detail("file_sha256", file_sha256.clone())
                        .detail("size", size)
                        .detail("digest", digest.clone())
                        .detail("issues", plan.issues_total)
                        .detail("create", counts[0].1)
                        .detail("update", counts[1].1)
                        .detail("correct", counts[2].1)
                        .detail("unchanged", counts[3].1),
                )?;
                let row = record::load(c, &id)?;
                let mut view = record::view(c, k, &row)?;
                view.plan = plan;
                Ok(view)
            })
            .await;
        if result.is_err() {
            let _ = self.blobs.delete(blob_id);
        }
        result
    }

    /// Applies an import's plan, named by its digest; `files`, when the command line names
    /// a folder of attachments (otherwise they come from the uploaded ZIP). A `planned` import is first checked
    /// against the case: if the case changed since planning, it is refused (plan again).
    /// An import that stopped part way (`applying`, `failed`) resumes where it stopped:
    /// every batch committed whole with its progress, and records already made are found
    /// by their external id, so nothing is made twice.
    pub async fn apply(
        &self,
        who: Allowed<act::CaseImport>,
        id: Uuid,
        digest: String,
        files: Option<Files>,
        progress: Arc<dyn Fn(Progress) + Send + Sync>,
    ) -> Result<ImportView> {
        apply::run(self, who, id, digest, files, progress).await
    }

    /// One import with its plan. Audited: the plan names records of the case.
    pub async fn get(&self, who: Allowed<act::CaseImport>, id: Uuid) -> Result<ImportView> {
        self.ctx
            .write(move |c, k| {
                let row = record::load(c, &id.to_string())?;
                access::authorize_for(c, &who, &row.case_id)?;
                let view = record::view(c, k, &row)?;
                audit::append(c, &Entry::new(&who.principal, "import.read").target("import", &row.id))?;
                Ok(view)
            })
            .await
    }

    /// A case's imports, newest first, without their plans' steps.
    pub async fn list(&self, who: Allowed<act::CaseImport>, case_id: Uuid) -> Result<Vec<ImportView>> {
        self.ctx
            .write(move |c, k| {
                let case = case_id.to_string();
                access::authorize_for(c, &who, &case)?;
                let rows = record::of_case(c, &case)?;
                let mut out = Vec::new();
                for row in &rows {
                    let mut v = record::view(c, k, row)?;
                    v.plan.steps.clear();
                    v.plan.issues.clear();
                    out.push(v);
                }
                audit::append(c, &Entry::new(&who.principal, "import.list").detail("case_id", case))?;
                Ok(out)
            })
            .await
    }

    /// Encrypts the upload into a new blob, refusing it past the size limit.
    async fn store(&self, id: &str, dek: &Dek, body: Box<dyn Read + Send>) -> Result<(Uuid, u64, [u8; 32])> {
        let (blobs, dek, id, max) = (self.blobs.clone(), dek.clone(), id.to_owned(), self.max_bytes);
        tokio::task::spawn_blocking(move || {
            let ctx = FieldContext::new(TABLE, &id, FILE_FIELD);
            let mut writer = blobs.create_encrypted(&dek, &ctx)?;
            let mut body = Arriving { inner: body.take(max + 1), failed: None };
            let copied = match std::io::copy(&mut body, &mut writer) {
                Ok(n) => n,
                Err(e) => {
                    return Err(match body.failed {
                        Some(ErrorKind::TimedOut) => Error::Stalled,
                        Some(_) => Error::BadRequest("the upload was interrupted".into()),
                        None => e.into(),
                    });
                }
            };
            if copied > max {
                return Err(Error::TooLarge { limit: max });
            }
            writer.finish()
        })
        .await
        .map_err(|e| Error::internal(format!("import upload task: {e}")))?
    }
}

/// The upload as it arrives, remembering whether a failure was the sender's (a stall, a
/// cut connection: the client's problem) rather than the store's.
struct Arriving<R> {
    inner: R,
    failed: Option<ErrorKind>,
}

impl<R: Read> Read for Arriving<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf).inspect_err(|e| self.failed = Some(e.kind()))
    }
}

/// SHA-256 over the file, the mapping and the case's state: what apply must name.
fn plan_digest(file_sha256: &str, mapping: &str, case_state: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"custodia-import-plan-v1\n");
    h.update(file_sha256.as_bytes());
    h.update(b"\n");
    h.update(Sha256::digest(mapping.as_bytes()));
    h.update(case_state.as_bytes());
    hex::encode(h.finalize())
}

/// Reads the mapping and the file and plans; what stops it early is the plan's issues.
pub(super) fn plan_file(
    origin: Arc<dyn Origin>,
    extra_files: Option<Files>,
    mapping: &str,
    terms: &[vocab::Term],
    digester: &Digester,
    existing: &Existing,
) -> Plan {
    let opened = open(origin, mapping, terms);
    let (book, checked, terms) = match opened {
        Ok(x) => x,
        Err(issues) => return Plan::refused(issues),
    };
    let files = extra_files.unwrap_or_else(|| book.files());
    plan::plan(&book, &files, &checked, &terms, digester, existing)
}

/// The mapping parsed and checked against the opened file, with the vocabularies.
pub(super) fn open(
    origin: Arc<dyn Origin>,
    mapping: &str,
    terms: &[vocab::Term],
) -> std::result::Result<(Workbook, super::mapping::Checked, Terms), Vec<Issue>> {
    let embedded;
    let mapping = if mapping.trim().is_empty() {
        embedded = embedded_mapping(origin.clone()).map_err(|i| vec![i])?;
        embedded.as_str()
    } else {
        mapping
    };
    let mapping = Mapping::parse(mapping).map_err(|i| vec![i])?;
    let options = mapping.read_options().map_err(|i| vec![i])?;
    let terms = Terms::new(terms, &mapping.values)?;
    let book = Workbook::open(origin, &options).map_err(|i| vec![i])?;
    let checked = mapping.check(&book)?;
    Ok((book, checked, terms))
}

/// The mapping a file exported by Custodia carries (`sheet_out`): the ZIP's
/// `mapping.toml`, or the workbook's `mapping.toml` sheet, one line per row under its
/// header. Used when no mapping is given.
fn embedded_mapping(origin: Arc<dyn Origin>) -> std::result::Result<String, Issue> {
    let none = || {
        Issue::new(
            Location::sheet("mapping"),
            "invalid_mapping",
            "no mapping was given, and the file carries none: give one (docs/import.md)",
        )
    };
    let book = Workbook::open(origin, &Default::default()).map_err(|_| none())?;
    if book.sheets().iter().any(|s| s.name == MAPPING_NAME) {
        let mut lines = Vec::new();
        for row in book.rows(MAPPING_NAME)? {
            lines.push(row?.cells.into_iter().next().unwrap_or_default());
        }
        return Ok(lines.join("\n"));
    }
    let mut text = String::new();
    let file = book.files().open(MAPPING_NAME, &Location::file()).map_err(|_| none())?;
    file.take(MAX_EMBEDDED_MAPPING).read_to_string(&mut text).map_err(|_| none())?;
    Ok(text)
}

/// The longest mapping read from inside a file.
const MAX_EMBEDDED_MAPPING: u64 = 256 * 1024;
