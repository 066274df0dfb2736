//! `custodia bundle export`: export a bundle on the server's own machine, signing in as
//! the lawyer or case lead, with a progress bar (`export::Bundles` does the work; this
//! asks for the password and prints).

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use uuid::Uuid;

use super::sign_in::{SignInArgs, sign_in};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::error::Error;
use crate::export::job::{BundleInput, BundleView};
use crate::export::{Recipient, Selection};
use crate::services::Services;

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The case id.
    #[arg(long)]
    pub case: Uuid,
    /// Recipient category: un_bodies, international_mechanisms, prosecutors, ngos, media
    /// or public. Only accounts whose consent covers it are exported.
    #[arg(long)]
    pub recipient: String,
    /// The lawyer or case lead exporting (their password is asked for).
    #[command(flatten)]
    pub sign_in: SignInArgs,
    /// Encrypt the archive to this age recipient (age1…).
    #[arg(long = "age")]
    pub age_recipient: Option<String>,
    /// Export only these testimonies (repeatable); default: the whole case.
    #[arg(long = "testimony")]
    pub testimonies: Vec<Uuid>,
    /// Export these incidents and the accounts that describe them (repeatable).
    #[arg(long = "incident")]
    pub incidents: Vec<Uuid>,
    /// Export these perpetrators' incidents and the accounts that describe them (repeatable).
    #[arg(long = "perpetrator")]
    pub perpetrators: Vec<Uuid>,
    /// Add the analysis annex (data/analysis/): corroboration, timeline, patterns, chain
    /// of command and places of what the bundle holds, as CSV and SVG.
    #[arg(long)]
    pub analysis_annex: bool,
    /// Where to write the archive (must not exist).
    #[arg(long)]
    pub out: PathBuf,
}

pub async fn export(
    state: &Services,
    args: ExportArgs,
    progress_bar: impl Fn(u64, &str) -> indicatif::ProgressBar,
) -> anyhow::Result<BundleView> {
    let Some(recipient) = Recipient::parse(&args.recipient) else {
        bail!(
            "unknown recipient category: use un_bodies, international_mechanisms, prosecutors, ngos, media or public"
        );
    };
    if args.out.exists() {
        bail!("{} exists: choose a new file name", args.out.display());
    }
    let (who, password) = sign_in(state, &args.sign_in, "exporting").await?;
    let input = BundleInput {
        recipient,
        selection: Selection {
            testimonies: args.testimonies,
            incidents: args.incidents,
            perpetrators: args.perpetrators,
        },
        age_recipient: args.age_recipient,
        password,
        totp_code: None,
        analysis_annex: args.analysis_annex,
    };
    let allowed = Allowed::<act::BundleExport>::check(who.clone())?;
    let (_, order) = state.bundles.queue(&allowed, args.case, input).await?;
    // A running node's poll may have claimed it first: it is built there, and listed.
    let claim = state.bundles.claim(order.id).await?.ok_or(Error::Conflict("bundle_claimed_elsewhere"))?;
    let bar = progress_bar(100, "bundling");
    let shown = bar.clone();
    let view = state
        .bundles
        .build(&allowed, order, &claim, Arc::new(move |pct| shown.set_position(u64::from(pct))))
        .await;
    bar.finish_and_clear();
    let view = view?;
    save(state, &allowed, (args.case, view.id), &args.out).await?;
    state.auth.logout(&who).await?;
    Ok(view)
}

/// Writes the archive to a new file, decrypted and checked; the download is recorded
/// once it is, and a file whose download could not be recorded is not kept.
async fn save(
    state: &Services,
    who: &Allowed<act::BundleExport>,
    (case, id): (Uuid, Uuid),
    out: &Path,
) -> anyhow::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(out).with_context(|| format!("creating {}", out.display()))?;
    match state.bundles.save(who, case, id, file).await {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(out);
            match e {
                Error::Integrity => bail!("the stored bundle failed its integrity check"),
                e => Err(e.into()),
            }
        }
    }
}
