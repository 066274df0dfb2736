//! The command line: `custodia serve | migrate | user …`. Passwords are read from a
//! prompt or standard input, never from arguments (which other users can see in `ps`).

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use secrecy::{ExposeSecret, SecretString};

use crate::audit::Actor;
use crate::config::Settings;
use crate::domain::Role;
use crate::startup::{Application, open_state};
use crate::store::{Db, migrate};

#[derive(Debug, Parser)]
#[command(
    name = "custodia",
    version,
    about = "Encrypted custody of testimonies, turned into verifiable evidence"
)]
pub struct Cli {
    /// Folder holding default.toml and the environment files.
    #[arg(long, global = true, env = "CUSTODIA_CONFIG_DIR", default_value = "config")]
    config_dir: PathBuf,
    /// Environment file to layer over the defaults (config/<env>.toml).
    #[arg(long = "env", global = true, env = "CUSTODIA_ENV", default_value = "development")]
    environment: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP service (applies migrations first when database.auto_migrate is on).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage staff accounts.
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Debug, Subcommand)]
enum UserCommand {
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

impl clap::ValueEnum for Role {
    fn value_variants<'a>() -> &'a [Self] {
        &Role::ALL
    }
    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}

pub fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load(&cli.config_dir, &cli.environment)?;
    crate::telemetry::init(&settings.log, std::io::stderr);
    match cli.command {
        Command::Serve => serve(settings),
        Command::Migrate => {
            let db = Db::connect(&settings.database)?;
            let applied = migrate::run_pending(&mut *db.get()?)?;
            println!("applied {} migration(s)", applied.len());
            for version in applied {
                println!("  {version}");
            }
            Ok(())
        }
        Command::User(cmd) => actix_web::rt::System::new().block_on(user(settings, cmd)),
    }
}

fn serve(settings: Settings) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(&settings)?;
        let users = app.state().db.run(crate::auth::service::count_users).await?;
        eprintln!("Custodia is listening on http://{}:{}", settings.server.host, app.port());
        if users == 0 {
            eprintln!(
                "No accounts yet. Create the first admin in another terminal:\n    \
                 cargo run --release -- user add admin --role admin"
            );
        }
        app.run_until_stopped().await.context("server stopped with an error")
    })
}

async fn user(settings: Settings, cmd: UserCommand) -> anyhow::Result<()> {
    let state = open_state(&settings)?;
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

/// Service errors as a person reads them on a terminal.
fn describe(e: crate::error::Error) -> anyhow::Error {
    use crate::error::Error as E;
    match e {
        E::Validation(errors) => anyhow::anyhow!(
            "{}",
            errors.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ")
        ),
        E::NotFound => anyhow::anyhow!("no such account"),
        E::Conflict(reason) => anyhow::anyhow!("refused: {}", reason.replace('_', " ")),
        other => anyhow::anyhow!("{other}"),
    }
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
