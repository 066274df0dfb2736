//! `custodia import export`: a case's records as a spreadsheet in the import's own shape
//! (XLSX, or a ZIP of CSV files with `mapping.toml`), signing in as the case lead. The
//! file holds the case's records in clear: it is created new, readable by its owner only.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use uuid::Uuid;

use super::sign_in::{SignInArgs, sign_in};
use crate::access::{Allowed, act};
use crate::import::sheet_out::ExportFormat;
use crate::services::Services;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    /// A workbook: a worksheet per kind of record, and the mapping on the last one.
    Xlsx,
    /// A ZIP of CSV files (UTF-8 with a byte-order mark) and `mapping.toml`.
    Zip,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The case to export.
    #[arg(long)]
    pub case: Uuid,
    #[arg(long, value_enum, default_value = "xlsx")]
    pub format: FormatArg,
    /// Where to write it; must not exist yet.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub sign_in: SignInArgs,
}

pub async fn run(state: &Services, args: ExportArgs) -> anyhow::Result<()> {
    if args.out.symlink_metadata().is_ok() {
        bail!("{} already exists: name a new file", args.out.display());
    }
    let format = match args.format {
        FormatArg::Xlsx => ExportFormat::Xlsx,
        FormatArg::Zip => ExportFormat::Zip,
    };
    let (who, _) = sign_in(state, &args.sign_in, "exporting").await?;
    let allowed = Allowed::<act::CaseImport>::check(who.clone());
    let bytes = match allowed {
        Ok(allowed) => state.imports.export(allowed, args.case, format).await,
        Err(e) => Err(e),
    };
    state.auth.logout(&who).await?;
    let bytes = bytes.map_err(|e| match e {
        crate::error::Error::Conflict("cell_too_long_for_xlsx") => {
            anyhow::anyhow!("refused: a value is longer than an XLSX cell holds: export with --format zip")
        }
        e => e.into(),
    })?;
    write_new(&args.out, &bytes)?;
    println!("wrote {} ({} bytes)", args.out.display(), bytes.len());
    Ok(())
}

/// Creates the file (never replacing one), mode 0600, and writes it whole.
fn write_new(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(path).with_context(|| format!("creating {}", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}
