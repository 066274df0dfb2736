//! Applying a plan: the file is read again, one phase per kind of record in the order
//! links need (units, places, persons, then units' parents and commanders, incidents,
//! testimonies, involvements, files), and written in batches. Each batch commits whole,
//! with the import's progress, so a crash loses at most the batch in flight and apply
//! resumes after the last one committed. A reader thread walks the file and hands
//! batches over a bounded channel: memory holds a batch or two, whatever the file's size.

use std::ops::ControlFlow;
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::convert::Item;
use super::fields::Kind;
use super::files_phase::{self, Wrote};
use super::items::{self, Found};
use super::keys::{self, Digester};
use super::record::{self, ImportView, Status, StoredFile, TABLE};
use super::service::{self, Imports};
use super::source::{Files, Origin};
use super::write::{Done, Writer};
use crate::access::membership as access;
use crate::access::{Allowed, act};
use crate::audit::{self, Entry, Outcome};
use crate::cases::vocab;
use crate::error::{Error, Result};
use crate::keys::store as key_store;

/// Records written per transaction. Big enough that commits are not the cost, small
/// enough that the writer is not held for long (other people are working).
pub const BATCH: usize = 100;

/// The phases, in order; `imports.phase` is an index into this list.
pub const PHASES: [Phase; 8] = [
    Phase::Records(Kind::Unit),
    Phase::Records(Kind::Place),
    Phase::Records(Kind::Person),
    Phase::UnitLinks,
    Phase::Records(Kind::Incident),
    Phase::Records(Kind::Testimony),
    Phase::Records(Kind::Involvement),
    Phase::Records(Kind::Attachment),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Records(Kind),
    /// Units' parents and commanders, once every unit and person exists.
    UnitLinks,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Records(k) => k.as_str(),
            Phase::UnitLinks => "chain of command",
        }
    }

    /// For the audit log.
    pub fn code(self) -> &'static str {
        match self {
            Phase::Records(k) => k.as_str(),
            Phase::UnitLinks => "unit_links",
        }
    }

    fn kind(self) -> Kind {
        match self {
            Phase::Records(k) => k,
            Phase::UnitLinks => Kind::Unit,
        }
    }
}

/// How far apply is, for a progress bar.
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub phase: &'static str,
    pub done: u64,
    /// Records of this phase in the plan.
    pub total: u64,
}

/// Totals of one run of apply.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    created: u64,
    updated: u64,
    unchanged: u64,
}

impl Tally {
    fn add(&mut self, d: Done) {
        match d {
            Done::Created => self.created += 1,
            Done::Updated => self.updated += 1,
            Done::Unchanged => self.unchanged += 1,
        }
    }
}

struct Batch {
    phase: usize,
    /// Where the files a sheet names are (the attachments phase).
    files: Option<Files>,
    /// Records of this phase done once this batch commits.
    done_after: i64,
    items: Vec<Item>,
}

pub(super) async fn run(
    imports: &Imports,
    who: Allowed<act::CaseImport>,
    id: Uuid,
    digest: String,
    extra_files: Option<Files>,
    progress: Arc<dyn Fn(Progress) + Send + Sync>,
) -> Result<ImportView> {
    let ctx = &imports.ctx;
    let import_id = id.to_string();
    let start = {
        let (who, import_id) = (who.clone(), import_id.clone());
        ctx.write(move |c, k| {
            let row = record::load(c, &import_id)?;
            access::authorize_for(c, &who, &row.case_id)?;
            if row.digest != digest.trim() {
                return Err(Error::Conflict("import_digest_mismatch"));
            }
            match row.status() {
                Status::Refused => return Err(Error::Conflict("import_plan_has_issues")),
                Status::Applied => return Err(Error::Conflict("import_already_applied")),
                Status::Planned if keys::case_state(c, &row.case_id)? != row.case_state => {
                    return Err(Error::Conflict("case_changed_since_planning"));
                }
                _ => {}
            }
            let resuming = row.status() != Status::Planned;
            record::set_status(c, &row.id, Status::Applying, None)?;
            audit::append(
                c,
                &Entry::new(&who.principal, "import.apply_start")
                    .target("import", &row.id)
                    .detail("case_id", row.case_id.clone())
                    .detail("digest", row.digest.clone())
                    .detail("resume", resuming)
                    .detail("phase", row.phase)
                    .detail("done", row.done),
            )?;
            let source = record::source(c, k, &row)?;
            let dek = key_store::record_key(c, k, TABLE, &row.id)?;
            let view = record::view(c, k, &row)?;
            let terms = vocab::list(c, None)?;
            Ok((row, source, dek, view, terms))
        })
        .await?
    };
    let (row, source, dek, view, terms) = start;
    let case_id = Uuid::parse_str(&row.case_id).map_err(|_| Error::Integrity)?;
    let totals: Vec<u64> = PHASES
        .iter()
        .map(|p| {
            view.plan
                .counts
                .iter()
                .filter(|c| c.kind == Some(p.kind()))
                .map(|c| c.create + c.update + c.correct + c.unchanged)
                .sum()
        })
        .collect();
    let origin: Arc<dyn Origin> = Arc::new(StoredFile {
        blobs: imports.blobs.clone(),
        blob_id: row.blob()?,
        dek,
        import_id: import_id.clone(),
        name: source.filename.clone(),
        size: row.file_size.max(0) as u64,
    });
    let (tx, mut rx) = mpsc::channel::<std::result::Result<Batch, Error>>(2);
    let (first_phase, first_done) = (row.phase.max(0) as usize, row.done.max(0));
    let mapping = source.mapping.clone();
    let reader = tokio::task::spawn_blocking(move || {
        let opened = service::open(origin, &mapping, &terms);
        let (book, checked, terms) = match opened {
            Ok(x) => x,
            Err(_) => {
                let _ = tx.blocking_send(Err(Error::Conflict("import_file_changed")));
                return;
            }
        };
        let files = extra_files.unwrap_or_else(|| book.files());
        for (index, phase) in PHASES.iter().enumerate().skip(first_phase) {
            let files = (*phase == Phase::Records(Kind::Attachment)).then(|| files.clone());
            let mut skip = if index == first_phase { first_done } else { 0 };
            let mut done = skip;
            let mut batch = Vec::new();
            let mut stopped = false;
            let size = if *phase == Phase::Records(Kind::Attachment) { 1 } else { BATCH };
            items::walk(&book, &checked, &terms, &[phase.kind()], |found| {
                let Found::Item(item) = found else {
                    // The file was planned clean: reading it differently now means it changed.
                    let _ = tx.blocking_send(Err(Error::Conflict("import_file_changed")));
                    stopped = true;
                    return ControlFlow::Break(());
                };
                if skip > 0 {
                    skip -= 1;
                    return ControlFlow::Continue(());
                }
                done += 1;
                batch.push(item);
                if batch.len() >= size {
                    let items = std::mem::take(&mut batch);
                    let next = Batch { phase: index, files: files.clone(), done_after: done, items };
                    if tx.blocking_send(Ok(next)).is_err() {
                        stopped = true;
                        return ControlFlow::Break(());
                    }
                }
                ControlFlow::Continue(())
            });
            if stopped {
                return;
            }
            // The phase's last batch, possibly empty: it records that the phase is over.
            let next = Batch {
                phase: index,
                files: files.clone(),
                done_after: done,
                items: std::mem::take(&mut batch),
            };
            if tx.blocking_send(Ok(next)).is_err() {
                return;
            }
        }
    });
    let mut tally = Tally::default();
    let mut failure = None;
    while let Some(next) = rx.recv().await {
        let batch = match next {
            Ok(b) => b,
            Err(e) => {
                failure = Some(e);
                break;
            }
        };
        let index = batch.phase;
        let phase = PHASES[index];
        let done_after = batch.done_after;
        let outcome = if let (Some(files), Some(item)) = (batch.files.clone(), batch.items.first().cloned()) {
            files_phase::write_file(
                imports,
                &who,
                case_id,
                &import_id,
                item,
                files,
                (index as i64, done_after),
            )
            .await
            .map(|w| match w {
                Wrote::Created => Tally { created: 1, ..Tally::default() },
                Wrote::Unchanged => Tally { unchanged: 1, ..Tally::default() },
            })
        } else {
            write_batch(imports, &who, case_id, &import_id, batch).await
        };
        match outcome {
            Ok(t) => {
                tally.created += t.created;
                tally.updated += t.updated;
                tally.unchanged += t.unchanged;
                progress(Progress { phase: phase.name(), done: done_after as u64, total: totals[index] });
            }
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    drop(rx);
    let _ = reader.await;
    let (who2, id2) = (who.clone(), import_id.clone());
    if let Some(e) = failure {
        let code = error_code(&e).to_owned();
        ctx.write(move |c, _| {
            record::set_status(c, &id2, Status::Failed, Some(&code))?;
            audit::append(
                c,
                &Entry::new(&who2.principal, "import.apply")
                    .target("import", &id2)
                    .outcome(Outcome::Failure)
                    .detail("error", code.clone()),
            )?;
            Ok(())
        })
        .await?;
        return Err(e);
    }
    let now = ctx.clock.now_naive();
    let file_sha256 = row.file_sha256.clone();
    let digest = row.digest.clone();
    ctx.write(move |c, k| {
        record::finish(c, &id2, now)?;
        audit::append(
            c,
            &Entry::new(&who2.principal, "import.apply")
                .target("import", &id2)
                .detail("file_sha256", file_sha256)
                .detail("digest", digest)
                .detail("created", tally.created)
                .detail("updated", tally.updated)
                .detail("unchanged", tally.unchanged),
        )?;
        let row = record::load(c, &id2)?;
        record::view(c, k, &row)
    })
    .await
}

/// One batch of records, its progress and its audit entry, in one transaction.
async fn write_batch(
    imports: &Imports,
    who: &Allowed<act::CaseImport>,
    case_id: Uuid,
    import_id: &str,
    batch: Batch,
) -> Result<Tally> {
    let now = imports.ctx.clock.now_naive();
    let (who, import_id) = (who.clone(), import_id.to_owned());
    imports
        .ctx
        .write(move |c, k| {
            access::authorize_for(c, &who, &case_id.to_string())?;
            let digester = Digester::new(k, &case_id.to_string());
            let writer =
                Writer { who: &who.principal, case_id, import_id: &import_id, digester: &digester, now };
            let phase = PHASES[batch.phase];
            let mut tally = Tally::default();
            for item in &batch.items {
                let done = match phase {
                    Phase::UnitLinks => writer.link_unit(c, k, item)?,
                    Phase::Records(_) => writer.write(c, k, item)?,
                };
                tally.add(done);
            }
            record::set_progress(c, &import_id, batch.phase as i64, batch.done_after)?;
            if !batch.items.is_empty() {
                audit::append(
                    c,
                    &Entry::new(&who.principal, "import.batch")
                        .target("import", &import_id)
                        .detail("phase", phase.code())
                        .detail("records", batch.items.len() as u64)
                        .detail("created", tally.created)
                        .detail("updated", tally.updated),
                )?;
            }
            Ok(tally)
        })
        .await
}

/// What an apply stopped on, as the import record and the audit log keep it: a code,
/// never a message that could carry a value.
fn error_code(e: &Error) -> &'static str {
    match e {
        Error::Conflict(reason) => reason,
        Error::Validation(_) => "validation_error",
        Error::NotFound => "not_found",
        Error::Forbidden => "forbidden",
        Error::Integrity => "integrity_error",
        Error::TooLarge { .. } => "payload_too_large",
        Error::BadRequest(_) => "bad_request",
        _ => "internal",
    }
}
