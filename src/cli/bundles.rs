//! `custodia bundle export`: export a bundle on the server's own machine, signing in as
//! the lawyer or case lead, with a progress bar (`export::Bundles` does the work; this
//! asks for the password and prints).

use std::fs::OpenOptions;
use std::io::{self, BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

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
    /// The lawyer or case lead exporting; their password is asked for.
    #[arg(long)]
    pub username: String,
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
    /// Where to write the archive (must not exist).
    #[arg(long)]
    pub out: PathBuf,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
    /// A one-time code, when the account has a second factor.
    #[arg(long = "totp")]
    pub totp_code: Option<String>,
}

fn read_password(username: &str, from_stdin: bool) -> anyhow::Result<SecretString> {
    let stdin = io::stdin();
    if from_stdin || !stdin.is_terminal() {
        let mut line = String::new();
        stdin.lock().read_line(&mut line).context("reading the password from standard input")?;
        return Ok(SecretString::from(line.trim_end_matches(['\r', '\n']).to_owned()));
    }
    Ok(SecretString::from(rpassword::prompt_password(format!("Password for {username}: "))?))
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
    let password = read_password(&args.username, args.password_stdin)?;
    let mut code = args.totp_code.clone();
    let mut attempt = state.auth.login(&args.username, password.clone(), code.clone(), None).await;
    // An account with a second factor: ask for the code as for the password.
    if matches!(attempt, Err(Error::TotpRequired)) && code.is_none() && io::stdin().is_terminal() {
        code = Some(rpassword::prompt_password(format!("One-time code for {}: ", args.username))?);
        attempt = state.auth.login(&args.username, password.clone(), code, None).await;
    }
    let session = attempt.map_err(|e| match e {
        Error::TotpRequired => {
            anyhow::anyhow!("sign-in refused: this account has a second factor: pass its code with --totp")
        }
        e => anyhow::anyhow!("sign-in refused: {e}"),
    })?;
    if session.second_factor_enrolment_required {
        let (who, _) = state.auth.authenticate(session.token.expose_secret()).await?;
        state.auth.logout(&who).await?;
        bail!(
            "{} must set up a second factor before exporting (their role requires one): sign in on the \
             web pages, which lead to it (or POST /api/v1/auth/totp/enrol), then run this again with --totp",
            args.username
        );
    }
    let (who, _) = state.auth.authenticate(session.token.expose_secret()).await?;
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
    };
    let allowed = Allowed::<act::BundleExport>::check(who.clone())?;
    let (_, order) = state.bundles.queue(&allowed, args.case, input).await?;
    let bar = progress_bar(100, "bundling");
    let shown = bar.clone();
    let view =
        state.bundles.build(&allowed, order, Arc::new(move |pct| shown.set_position(u64::from(pct)))).await;
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
