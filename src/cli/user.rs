//! `custodia user add | disable | enable | list`. Passwords are read from a prompt or
//! standard input, never from arguments (which other users can see in `ps`).

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use clap::Subcommand;
use secrecy::{ExposeSecret, SecretString};

use super::describe;
use crate::audit::Actor;
use crate::config::Settings;
use crate::domain::Role;
use crate::services::Services;

#[derive(Debug, Subcommand)]
pub(super) enum UserCommand {
    /// Create an account. The password is asked for (or read from standard input).
    Add {
        username: String,
        /// admin, documenter, investigator, lawyer or auditor.
        #[arg(long)]
        role: Role,
        /// Read the password from the first line of standard input instead of a prompt.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account and end its sessions at once.
    Disable { username: String },
    /// Enable a disabled account.
    Enable { username: String },
    /// List accounts.
    List,
}

pub(super) async fn run(settings: Settings, cmd: UserCommand) -> anyhow::Result<()> {
    let state = Services::open(&settings, false).await?;
    let auth = &state.auth;
    match cmd {
        UserCommand::Add { username, role, password_stdin } => {
            let password = read_new_password(password_stdin)?;
            let user =
                auth.create_user(Actor::default(), &username, password, role).await.map_err(describe)?;
            println!("created {} ({}) with id {}", user.username, user.role, user.id);
        }
        UserCommand::Disable { username } => {
            let id = auth.find_user_id(&username).await.map_err(describe)?;
            auth.set_disabled(Actor::default(), id, true).await.map_err(describe)?;
            println!("disabled {username}; their sessions have ended");
        }
        UserCommand::Enable { username } => {
            let id = auth.find_user_id(&username).await.map_err(describe)?;
            auth.set_disabled(Actor::default(), id, false).await.map_err(describe)?;
            println!("enabled {username}");
        }
        UserCommand::List => {
            let (users, total) = auth.list_users(10_000, 0).await.map_err(describe)?;
            println!("{:<24} {:<13} {:<9} {:<5} id", "username", "role", "status", "totp");
            for u in users {
                let status = if u.disabled { "disabled" } else { "active" };
                let totp = if u.totp_enabled { "yes" } else { "no" };
                println!("{:<24} {:<13} {:<9} {:<5} {}", u.username, u.role.as_str(), status, totp, u.id);
            }
            println!("{total} account(s)");
        }
    }
    Ok(())
}

fn read_new_password(from_stdin: bool) -> anyhow::Result<SecretString> {
    let stdin = std::io::stdin();
    if from_stdin || !stdin.is_terminal() {
        let mut line = String::new();
        stdin.lock().read_line(&mut line).context("reading the password from standard input")?;
        let password = line.trim_end_matches(['\r', '\n']).to_owned();
        line.clear();
        return Ok(SecretString::from(password));
    }
    let first = SecretString::from(rpassword::prompt_password("Password (12 characters or more): ")?);
    let second = SecretString::from(rpassword::prompt_password("Repeat the password: ")?);
    if first.expose_secret() != second.expose_secret() {
        bail!("the passwords do not match");
    }
    Ok(first)
}
