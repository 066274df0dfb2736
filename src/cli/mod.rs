//! The command line: `custodia serve | migrate | user | init | keys | unseal | search |
//! bundle | audit | import | backup | restore | blobs | demo`, one file per group of subcommands. Passwords
//! are read from a prompt or standard input, never from arguments (which other users can
//! see in `ps`); long work shows a progress bar.

mod audit;
mod backup;
mod blobs;
pub mod bundles;
mod demo;
mod import;
mod keys;
mod migrate;
pub mod offline;
mod records_export;
mod search;
mod serve;
pub mod sign_in;
mod unseal;
mod user;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use secrecy::ExposeSecret;

use self::audit::AuditCommand;
use self::keys::{KeysCommand, ShareArgs, SourceArg, unlock_here};
use self::search::SearchCommand;
use self::user::UserCommand;
use crate::config::Settings;
use crate::domain::Role;
use crate::services::Services;

#[derive(Debug, Parser)]
#[command(
    name = "custodia",
    version,
    about = "Encrypted custody of testimonies, turned into verifiable evidence"
)]
pub struct Cli {
    /// Folder holding default.toml and the environment files, layered over the built-in
    /// defaults [default: ./config when it exists; none needed]
    #[arg(long, global = true, env = "CUSTODIA_CONFIG_DIR")]
    config_dir: Option<PathBuf>,
    /// Environment file to layer over the defaults (<config-dir>/<env>.toml).
    #[arg(long = "env", global = true, env = "CUSTODIA_ENV", default_value = "development")]
    environment: String,
    /// A settings file (TOML) layered over the folder's files.
    #[arg(long, global = true, env = "CUSTODIA_CONFIG")]
    config: Option<PathBuf>,
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
    /// Create the keyring on a new installation and choose how its root key is kept.
    Init {
        /// file: a key file (mode 0600) at keys.key_file; env: a key you put in the
        /// keys.env_var environment variable; passphrase: typed at every unseal;
        /// shares: k-of-n trustee shares entered at unseal.
        #[arg(long, value_enum, default_value = "file")]
        source: SourceArg,
        #[command(flatten)]
        shares: ShareArgs,
    },
    /// Key custody: status, rotation, rewrapping, retirement, changing the root key.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Unseal a running service (passphrase or trustee share) through its API.
    Unseal {
        /// The service's address (loopback; run this on the server).
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        /// An admin account to sign in with (its password is asked for).
        #[arg(long)]
        username: String,
    },
    /// The search index: rebuild it.
    #[command(subcommand)]
    Search(SearchCommand),
    /// Evidence bundles: export one, print the export public key, verify one offline.
    #[command(subcommand)]
    Bundle(BundleCommand),
    /// The tamper-evident audit log: verify it, prove an entry, publish its key.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Bring records into a case from a spreadsheet, CSV or another system's export:
    /// plan (a dry run), then apply that plan by its digest (docs/import.md).
    #[command(subcommand)]
    Import(self::import::ImportCommand),
    /// Write a consistent copy of the database and the encrypted attachments to DIR.
    ///
    /// The copy holds no key that opens it: keep the root key (or shares) apart.
    Backup { dir: PathBuf },
    /// Restore a backup written by `custodia backup` (SQLite).
    ///
    /// Every file is checked against the backup's manifest first.
    Restore {
        dir: PathBuf,
        /// Replace an existing database.
        #[arg(long)]
        force: bool,
    },
    /// The attachment store: move the folder's blobs into an S3-compatible bucket.
    #[command(subcommand)]
    Blobs(self::blobs::BlobsCommand),
    /// Fill a fictional, clearly labelled demo case and its demo accounts.
    ///
    /// Witnesses, testimonies in Russian and English, a detention facility, a unit's chain
    /// of command, an incident and an attachment; the accounts demo.documenter,
    /// demo.investigator and demo.lawyer, whose passwords are printed once.
    Demo {
        /// How many witnesses, each with a sealed testimony (1 to 100000; the load test
        /// uses 100000).
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        scale: u32,
        /// Instead, a case shaped for the analysis views and their benchmark: 1,000
        /// incidents with involvements and supporting testimonies, and a unit with 50
        /// sub-units whose commanders change on a date.
        #[arg(long, conflicts_with = "scale")]
        analysis: bool,
    },
}

#[derive(Debug, Subcommand)]
enum BundleCommand {
    /// Export an evidence bundle (signs in as a lawyer or the case lead; the password is
    /// asked for) and write the archive (a tar of the BagIt bag, or its age encryption).
    Export(bundles::ExportArgs),
    /// Print the organisation's export public key (minisign format) to publish.
    Pubkey,
    /// Verify a bundle offline (a bag directory or its .tar): signature, manifests,
    /// Payload-Oxum, attachments and chain-of-custody proofs. Needs no configuration or
    /// database: runs from any folder. Exits 1 on any failure, and 2 when no --pubkey was
    /// given (the bundle is intact, but a key inside it proves nothing about its origin).
    Verify {
        path: PathBuf,
        /// The organisation's minisign public key (file or text), obtained through another
        /// channel than the bundle (their website, a letter, a call).
        #[arg(long)]
        pubkey: Option<String>,
    },
}

impl clap::ValueEnum for Role {
    fn value_variants<'a>() -> &'a [Self] {
        &Role::STAFF
    }
    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}

pub fn run() -> anyhow::Result<std::process::ExitCode> {
    let cli = Cli::parse();
    // A recipient's check: no configuration, database or data folder.
    if let Command::Bundle(BundleCommand::Verify { path, pubkey }) = &cli.command {
        return offline::verify_bundle(path, pubkey.as_deref());
    }
    let settings = load_settings(&cli)?;
    if let Command::Audit(AuditCommand::Verify { checkpoint: Some(note), pubkey: Some(key) }) = &cli.command
        && !offline::has_local_log(settings.database.url.expose_secret())
    {
        return offline::kept_checkpoint(note, key);
    }
    crate::telemetry::init(&settings.log, std::io::stderr);
    run_with(cli, settings).map(|()| std::process::ExitCode::SUCCESS)
}

fn load_settings(cli: &Cli) -> anyhow::Result<Settings> {
    let (dir, required) = match &cli.config_dir {
        Some(dir) => (dir.as_path(), true),
        None => (std::path::Path::new("config"), false),
    };
    Ok(Settings::load_from(&crate::config::Sources {
        dir: Some((dir, required)),
        environment: &cli.environment,
        file: cli.config.as_deref(),
        use_env: true,
    })?)
}

fn run_with(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve => serve::run(settings),
        Command::Migrate => migrate::run(&settings),
        Command::User(cmd) => block_on(user::run(settings, cmd)),
        Command::Init { source, shares } => block_on(keys::init(settings, source, shares)),
        Command::Keys(cmd) => block_on(keys::run(settings, cmd)),
        Command::Unseal { url, username } => unseal::run(&url, &username),
        Command::Audit(cmd) => block_on(audit::run(settings, cmd)),
        Command::Import(cmd) => block_on(async move {
            let state = Services::open(&settings, false).await?;
            unlock_here(&state).await?;
            import::run(&state, cmd).await
        }),
        Command::Search(cmd) => search::run(settings, cmd),
        Command::Bundle(cmd) => bundle(settings, cmd),
        Command::Backup { dir } => backup::backup(settings, &dir),
        Command::Restore { dir, force } => backup::restore(&settings, &dir, force),
        Command::Blobs(cmd) => blobs::run(&settings, cmd),
        Command::Demo { scale, analysis } => demo::run(settings, scale, analysis),
    }
}

/// Runs async work to its end on a runtime of its own (the services need actix's).
fn block_on(work: impl Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(work)
}

/// A progress bar on standard error for long work (rewrap, backup, restore).
fn progress_bar(total: u64, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total);
    let style = indicatif::ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} ({eta})")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(what.to_owned());
    bar
}

fn bundle(settings: Settings, cmd: BundleCommand) -> anyhow::Result<()> {
    use self::bundles as bundle_cli;
    match cmd {
        BundleCommand::Verify { path, pubkey } => {
            offline::verify_bundle(&path, pubkey.as_deref()).map(|_| ())
        }
        BundleCommand::Pubkey => actix_web::rt::System::new().block_on(async move {
            let state = Services::open(&settings, false).await?;
            unlock_here(&state).await?;
            let key = state.context().write(crate::export::job::public_key).await.map_err(describe)?;
            print!("{key}");
            Ok(())
        }),
        BundleCommand::Export(args) => actix_web::rt::System::new().block_on(async move {
            let state = Services::open(&settings, false).await?;
            unlock_here(&state).await?;
            let out = args.out.clone();
            let view = bundle_cli::export(&state, args, progress_bar).await?;
            println!(
                "bundle {} written to {} ({} bytes)\nmanifest SHA-256 {}\narchive SHA-256 {}",
                view.id,
                out.display(),
                view.size.unwrap_or_default(),
                view.manifest_sha256.unwrap_or_default(),
                view.archive_sha256.unwrap_or_default(),
            );
            Ok(())
        }),
    }
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
