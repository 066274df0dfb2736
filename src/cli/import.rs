//! `custodia import plan | apply`: bring a spreadsheet or another system's export into a
//! case on the server's own machine, signing in as the case lead. `plan` prints (and
//! writes as JSON) what would happen and every problem with its sheet, row and column;
//! `apply` carries out that plan, named by its digest, with a progress bar.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anyhow::{Context, bail};
use uuid::Uuid;

use super::sign_in::{SignInArgs, sign_in};
use crate::access::{Allowed, act};
use crate::import::source::Files;
use crate::import::{ImportView, Progress, Status, Upload};
use crate::services::Services;

#[derive(Debug, clap::Subcommand)]
pub enum ImportCommand {
    /// Read and check every row and say what would be created, updated or left alone;
    /// writes no record. Prints the digest `apply` needs.
    Plan(PlanArgs),
    /// Apply a plan, named by its import id and digest; resumes an apply cut short.
    Apply(ApplyArgs),
    /// Export a case's records as a spreadsheet in this shape, with the mapping that
    /// imports them back.
    Export(super::records_export::ExportArgs),
}

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The case to import into.
    #[arg(long)]
    pub case: Uuid,
    /// The mapping file (TOML; docs/import.md). A file exported by Custodia (`custodia
    /// import export`) carries its own.
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// A folder or ZIP holding the files the sheet names (default: the file itself, when
    /// it is a ZIP).
    #[arg(long)]
    pub files: Option<PathBuf>,
    /// Also write the plan as JSON here: the counts, every problem (up to a thousand) and
    /// the first ten thousand records with their external ids.
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub sign_in: SignInArgs,
    /// The file: CSV, XLSX, ODS, or a ZIP of CSV files and attachments.
    pub file: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    /// The import's id, as `plan` printed it.
    #[arg(long = "import")]
    pub import: Uuid,
    /// The plan's digest, as `plan` printed it.
    #[arg(long)]
    pub digest: String,
    /// The folder or ZIP of files given to `plan`, if any.
    #[arg(long)]
    pub files: Option<PathBuf>,
    #[command(flatten)]
    pub sign_in: SignInArgs,
}

pub async fn run(state: &Services, cmd: ImportCommand) -> anyhow::Result<()> {
    match cmd {
        ImportCommand::Plan(args) => plan(state, args).await,
        ImportCommand::Apply(args) => apply(state, args).await,
        ImportCommand::Export(args) => super::records_export::run(state, args).await,
    }
}

fn files_at(path: Option<PathBuf>) -> anyhow::Result<Option<Files>> {
    let Some(path) = path else { return Ok(None) };
    if path.is_dir() {
        return Ok(Some(Files::dir(path)));
    }
    if path.is_file() {
        let origin = Arc::new(crate::import::source::LocalFile::new(path));
        return Ok(Some(Files::zip(origin, Default::default())));
    }
    bail!("{} is neither a folder nor a ZIP file", path.display())
}

async fn plan(state: &Services, args: PlanArgs) -> anyhow::Result<()> {
    let mapping = match &args.mapping {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("reading the mapping {}", path.display()))?,
        None => String::new(),
    };
    let body = std::fs::File::open(&args.file).with_context(|| format!("opening {}", args.file.display()))?;
    let filename = args.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let files = files_at(args.files)?;
    let (who, _) = sign_in(state, &args.sign_in, "importing").await?;
    let allowed = Allowed::<act::CaseImport>::check(who.clone())?;
    let upload = Upload { filename, body: Box::new(std::io::BufReader::new(body)), files };
    let view = state.imports.plan(allowed, args.case, mapping, upload).await;
    state.auth.logout(&who).await?;
    let view = view?;
    if let Some(out) = &args.out {
        write_private(out, &serde_json::to_vec_pretty(&view)?)?;
    }
    print!("{}", describe(&view));
    if view.status == Status::Refused {
        bail!(
            "the plan found {} problem(s): fix the file or the mapping and plan again",
            view.plan.issues_total
        );
    }
    println!(
        "\nTo apply exactly this plan:\n  custodia import apply --import {} --digest {} --username {}",
        view.id, view.digest, args.sign_in.username
    );
    Ok(())
}

async fn apply(state: &Services, args: ApplyArgs) -> anyhow::Result<()> {
    let files = files_at(args.files)?;
    let (who, _) = sign_in(state, &args.sign_in, "importing").await?;
    let allowed = Allowed::<act::CaseImport>::check(who.clone())?;
    let bar: Arc<Mutex<Option<(String, indicatif::ProgressBar)>>> = Arc::new(Mutex::new(None));
    let shown = bar.clone();
    let progress = Arc::new(move |p: Progress| {
        let Ok(mut slot) = shown.lock() else { return };
        if slot.as_ref().is_none_or(|(phase, _)| phase != p.phase) {
            if let Some((_, old)) = slot.take() {
                old.finish();
            }
            *slot = Some((p.phase.to_owned(), super::progress_bar(p.total, p.phase)));
        }
        if let Some((_, b)) = slot.as_ref() {
            b.set_length(p.total.max(p.done));
            b.set_position(p.done);
        }
    });
    let done = state.imports.apply(allowed, args.import, args.digest, files, progress).await;
    if let Ok(mut slot) = bar.lock()
        && let Some((_, b)) = slot.take()
    {
        b.finish();
    }
    state.auth.logout(&who).await?;
    let view = done.map_err(|e| match e {
        crate::error::Error::Conflict(reason) => anyhow::anyhow!(
            "refused: {}{}",
            reason.replace('_', " "),
            if reason == "case_changed_since_planning" { ": plan again" } else { "" }
        ),
        e => e.into(),
    })?;
    println!("import {} applied ({} rows, file SHA-256 {})", view.id, view.plan.rows, view.file_sha256);
    Ok(())
}

/// The plan as a person reads it: counts per kind, then the problems.
pub fn describe(view: &ImportView) -> String {
    let mut out = format!(
        "import {} of {} ({} bytes, SHA-256 {})\nstatus: {}  rows: {}  digest: {}\n\n",
        view.id,
        view.filename,
        view.file_size,
        view.file_sha256,
        view.status.as_str(),
        view.plan.rows,
        view.digest
    );
    if !view.plan.counts.is_empty() {
        out.push_str(&format!(
            "{:<12} {:>8} {:>8} {:>8} {:>10}\n",
            "kind", "create", "update", "correct", "unchanged"
        ));
        for c in &view.plan.counts {
            let kind = c.kind.map(|k| k.as_str()).unwrap_or("");
            out.push_str(&format!(
                "{kind:<12} {:>8} {:>8} {:>8} {:>10}\n",
                c.create, c.update, c.correct, c.unchanged
            ));
        }
    }
    if view.plan.issues_total > 0 {
        out.push_str(&format!("\n{} problem(s):\n", view.plan.issues_total));
        for i in &view.plan.issues {
            out.push_str(&format!("  {i}\n"));
        }
        let hidden = view.plan.issues_total.saturating_sub(view.plan.issues.len() as u64);
        if hidden > 0 {
            out.push_str(&format!("  … and {hidden} more\n"));
        }
    }
    out
}

fn write_private(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(path).with_context(|| format!("creating {}", path.display()))?;
    f.write_all(bytes)?;
    Ok(())
}
