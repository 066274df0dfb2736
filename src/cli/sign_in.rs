//! Signing in on the command line as a staff member (the lawyer exporting a bundle, the
//! lead importing records): the password from a prompt or the first line of standard
//! input, never an argument; a second factor's code asked for as the password is.

use std::io::{self, BufRead, IsTerminal};

use anyhow::{Context, bail};
use secrecy::{ExposeSecret, SecretString};

use crate::access::Principal;
use crate::error::Error;
use crate::services::Services;

/// Who signs in, and how their secrets arrive.
#[derive(Debug, Clone, clap::Args)]
pub struct SignInArgs {
    /// The account to act as; its password is asked for.
    #[arg(long)]
    pub username: String,
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

/// Signs in; the session's principal and the password (bundles ask for it again). `to`
/// says what for, in the message when a second factor must be set up first.
pub async fn sign_in(
    state: &Services,
    args: &SignInArgs,
    to: &str,
) -> anyhow::Result<(Principal, SecretString)> {
    let password = read_password(&args.username, args.password_stdin)?;
    let mut code = args.totp_code.clone();
    let mut attempt = state.auth.login(&args.username, password.clone(), code.clone(), None).await;
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
            "{} must set up a second factor before {to} (their role requires one): sign in on the \
             web pages, which lead to it (or POST /api/v1/auth/totp/enrol), then run this again with --totp",
            args.username
        );
    }
    let (who, _) = state.auth.authenticate(session.token.expose_secret()).await?;
    Ok((who, password))
}
