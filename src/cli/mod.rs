//! The command line: `custodia serve | migrate | user …`. Passwords are read from a
//! prompt or standard input, never from arguments (which other users can see in `ps`).

pub mod bundles;
pub mod offline;

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use secrecy::{ExposeSecret, SecretString};

use crate::audit::Actor;
use crate::config::Settings;
use crate::domain::Role;
use crate::keys::{NewRoot, RootHandover, RootSource};
use crate::services::Services;
use crate::startup::Application;
use crate::store::{Db, migrate};

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
    },
}

#[derive(Debug, Subcommand)]
enum SearchCommand {
    /// Rebuild the blind index from every testimony and person (after a change of the
    /// normaliser). Safe while the service runs.
    Reindex {
        /// Derive new index keys first (after a suspected leak of the old ones).
        #[arg(long)]
        new_key: bool,
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

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Recompute the Merkle tree from every entry and check it against every signed
    /// checkpoint; or, with --checkpoint, check the log still contains a checkpoint an
    /// outside party kept. Exits non-zero on any problem, naming the first bad entry.
    ///
    /// With --checkpoint and --pubkey where there is no database (an outside party's
    /// machine), only the checkpoint's signature is checked, offline.
    Verify {
        /// A signed checkpoint note saved earlier (e.g. from GET /api/v1/audit/checkpoint).
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// The log's public key as published (`custodia audit pubkey`), kept apart from
        /// this server. Without it, the key stored in the database is used.
        #[arg(long)]
        pubkey: Option<String>,
    },
    /// Print entry N with its inclusion proof and the signed checkpoint it proves against
    /// (JSON; docs/audit.md says how to check it by hand).
    Prove {
        #[arg(long)]
        entry: i64,
    },
    /// Print the log's public verifier key (`name+hash+base64`).
    Pubkey,
    /// Sign a checkpoint of the current log now and print it.
    Checkpoint,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum SourceArg {
    File,
    Env,
    Passphrase,
    Shares,
}

#[derive(Debug, clap::Args)]
struct ShareArgs {
    /// Shares: how many to make (n).
    #[arg(long, default_value_t = 5)]
    shares: u8,
    /// Shares: how many are needed to unseal (k).
    #[arg(long, default_value_t = 3)]
    threshold: u8,
    /// Shares: a trustee's age public key (age1…), once per share, in order; each share
    /// is then printed encrypted to its trustee.
    #[arg(long = "trustee")]
    trustees: Vec<String>,
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Sealed or not, root source, key versions, records left to rewrap.
    Status,
    /// Make a new primary key-encryption key.
    Rotate,
    /// Rewrap every record key under the primary KEK, in batches (resumable).
    Rewrap {
        #[arg(long, default_value_t = 500)]
        batch: i64,
    },
    /// Destroy an old key-encryption key (refused while any record uses it).
    Retire { version: u32 },
    /// Replace the root key by k-of-n trustee shares (only the keyring is rewrapped).
    Split {
        #[command(flatten)]
        shares: ShareArgs,
    },
    /// Replace the root key by a passphrase typed at every unseal.
    Passphrase,
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
        Command::Init { source, shares } => {
            actix_web::rt::System::new().block_on(init(settings, source, shares))
        }
        Command::Keys(cmd) => actix_web::rt::System::new().block_on(keys(settings, cmd)),
        Command::Unseal { url, username } => unseal(&url, &username),
        Command::Audit(cmd) => actix_web::rt::System::new().block_on(audit(settings, cmd)),
        Command::Search(SearchCommand::Reindex { new_key }) => {
            actix_web::rt::System::new().block_on(async move {
                let state = Services::open(&settings, false).await?;
                unlock_here(&state).await?;
                let total = state.db.run(crate::search::index::record_count).await.map_err(describe)?;
                let bar = progress_bar(total, "indexing");
                let shown = bar.clone();
                let (testimonies, persons) = state
                    .tx(move |c, k| {
                        crate::search::index::reindex_all(c, k, new_key, &|n| shown.set_position(n))
                    })
                    .await
                    .map_err(describe)?;
                bar.finish_and_clear();
                println!("reindexed {testimonies} testimony versions and {persons} persons");
                Ok(())
            })
        }
        Command::Bundle(cmd) => bundle(settings, cmd),
        Command::Backup { dir } => actix_web::rt::System::new().block_on(async move {
            let state = Services::open(&settings, false).await?;
            let report = crate::backup::backup(&state, &dir, &progress_bar).await.map_err(describe)?;
            println!("backup written to {} ({} files, {} bytes)", dir.display(), report.files, report.bytes);
            println!("it holds no key material: keep the root key or its shares apart from it");
            Ok(())
        }),
        Command::Restore { dir, force } => {
            let report = crate::backup::restore(&settings, &dir, force, &progress_bar).map_err(describe)?;
            println!("restored {} files ({} bytes) from {}", report.files, report.bytes, dir.display());
            Ok(())
        }
        Command::Demo { scale } => actix_web::rt::System::new().block_on(async move {
            let state = Services::open(&settings, false).await?;
            unlock_here(&state).await?;
            let scale = scale as usize;
            // A bar for a handful of witnesses would only flicker.
            let bar = move |total: u64, what: &str| {
                if scale > 20 { progress_bar(total, what) } else { indicatif::ProgressBar::hidden() }
            };
            let report = crate::demo::generate_with_progress(&state, scale, &bar).await.map_err(describe)?;
            println!(
                "demo case {} (id {}) created with {} sealed testimonies: everything in it is fictional",
                report.reference, report.case_id, report.testimonies
            );
            println!("sign in to explore it as:");
            for (username, role, password) in &report.accounts {
                if password.is_empty() {
                    println!("  {username:<20} {role:<13} (existing account, password unchanged)");
                } else {
                    println!("  {username:<20} {role:<13} password: {}", password.as_str());
                }
            }
            if report.accounts.iter().any(|(_, _, password)| !password.is_empty()) {
                println!("these passwords are shown only now and cannot be shown again: note them");
            }
            for (username, role, _) in &report.accounts {
                let role = role.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
                if state.auth.role_requires_totp(role).await.map_err(describe)? {
                    println!(
                        "{username} must set up a second factor (an authenticator app) at the first sign-in: \
                         the pages lead to it; then give its code to `bundle export --totp`"
                    );
                }
            }
            Ok(())
        }),
    }
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

fn new_root(source: SourceArg, shares: ShareArgs) -> anyhow::Result<NewRoot> {
    Ok(match source {
        SourceArg::File => NewRoot::File,
        SourceArg::Env => NewRoot::Env,
        SourceArg::Passphrase => {
            let first =
                SecretString::from(rpassword::prompt_password("New root passphrase (16+ characters): ")?);
            let again = SecretString::from(rpassword::prompt_password("Repeat it: ")?);
            if first.expose_secret() != again.expose_secret() {
                bail!("the passphrases do not match");
            }
            NewRoot::Passphrase(first)
        }
        SourceArg::Shares => {
            NewRoot::Shares { count: shares.shares, threshold: shares.threshold, trustees: shares.trustees }
        }
    })
}

fn print_handover(handover: RootHandover, env_var: &str) {
    match handover {
        RootHandover::KeyFile(path) => {
            println!("root key written to {} (mode 0600)", path.display());
            println!("keep a copy offline: without it nothing in this installation can be read");
        }
        RootHandover::EnvKey(key) => {
            println!("set this in the service's environment, and keep a copy offline:");
            println!("{env_var}={}", key.as_str());
        }
        RootHandover::Passphrase => {
            println!("the root key is now derived from the passphrase; it is asked for at unseal")
        }
        RootHandover::Shares(shares) => {
            println!("give one share to each trustee; any {} of them unseal the service:", shares.len());
            for (i, share) in shares.iter().enumerate() {
                println!("\n--- share {} ---\n{}", i + 1, share.as_str());
            }
        }
    }
}

async fn init(settings: Settings, source: SourceArg, shares: ShareArgs) -> anyhow::Result<()> {
    let state = Services::open(&settings, false).await?;
    let new_root = new_root(source, shares)?;
    let handover = state.keys.init(Actor::default(), new_root).await.map_err(describe)?;
    println!("keyring created");
    print_handover(handover, &settings.keys.env_var);
    Ok(())
}

/// Opens the keys in this process: from the key file or environment, or by asking for
/// the passphrase or enough shares on the terminal.
async fn unlock_here(state: &Services) -> anyhow::Result<()> {
    if !state.keys.is_sealed() {
        return Ok(());
    }
    let status = state.keys.status().await.map_err(describe)?;
    match status.root_source {
        Some(RootSource::Passphrase) => {
            let pass = SecretString::from(rpassword::prompt_password("Root passphrase: ")?);
            state.keys.unseal_passphrase(Actor::default(), pass).await.map_err(describe)?;
        }
        Some(RootSource::Shares) => {
            let need = status.share_threshold.unwrap_or(1);
            for i in 1..=need {
                let share = SecretString::from(rpassword::prompt_password(format!("Share {i} of {need}: "))?);
                state.keys.unseal_share(Actor::default(), share).await.map_err(describe)?;
            }
        }
        _ => bail!("no keyring here: run `custodia init`"),
    }
    Ok(())
}

async fn keys(settings: Settings, cmd: KeysCommand) -> anyhow::Result<()> {
    let state = Services::open(&settings, false).await?;
    if !matches!(cmd, KeysCommand::Status) {
        unlock_here(&state).await?;
    }
    let keys = &state.keys;
    match cmd {
        KeysCommand::Status => {
            let s = keys.status().await.map_err(describe)?;
            println!("{}", serde_json::to_string_pretty(&s)?);
        }
        KeysCommand::Rotate => {
            let version = keys.rotate(Actor::default()).await.map_err(describe)?;
            println!("new primary key-encryption key: version {version}");
            println!("run `custodia keys rewrap` to move existing records onto it");
        }
        KeysCommand::Rewrap { batch } => {
            let remaining = keys.status().await.map_err(describe)?.records_not_on_primary.unwrap_or(0);
            let bar = progress_bar(remaining.max(0) as u64, "rewrapping");
            loop {
                let (done, left) =
                    keys.rewrap_batch(Actor::default(), batch.clamp(1, 10_000)).await.map_err(describe)?;
                bar.inc(done as u64);
                if left == 0 || done == 0 {
                    break;
                }
            }
            bar.finish();
            println!("every record key is under the primary key-encryption key");
        }
        KeysCommand::Retire { version } => {
            keys.retire(Actor::default(), version).await.map_err(describe)?;
            println!("key-encryption key version {version} destroyed");
        }
        KeysCommand::Split { shares } => {
            let handover = keys
                .change_root(Actor::default(), new_root(SourceArg::Shares, shares)?)
                .await
                .map_err(describe)?;
            print_handover(handover, &settings.keys.env_var);
        }
        KeysCommand::Passphrase => {
            let no_shares = ShareArgs { shares: 0, threshold: 0, trustees: Vec::new() };
            let handover = keys
                .change_root(Actor::default(), new_root(SourceArg::Passphrase, no_shares)?)
                .await
                .map_err(describe)?;
            print_handover(handover, &settings.keys.env_var);
        }
    }
    Ok(())
}

async fn audit(settings: Settings, cmd: AuditCommand) -> anyhow::Result<()> {
    use crate::audit::{checkpoints, query, verify};
    let state = Services::open(&settings, false).await?;
    match cmd {
        AuditCommand::Verify { checkpoint, pubkey } => {
            let note = match &checkpoint {
                Some(path) => Some(
                    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
                ),
                None => None,
            };
            let total =
                state.db.run(|c| crate::audit::tree::head(c).map(|(n, _)| n)).await.map_err(describe)?;
            let bar = progress_bar(total, "verifying");
            let shown = bar.clone();
            let report = state
                .db
                .run(move |c| {
                    verify::verify_log(c, pubkey.as_deref(), note.as_deref(), &|n| shown.set_position(n))
                })
                .await
                .map_err(describe)?;
            bar.finish_and_clear();
            if report.used_stored_key {
                eprintln!(
                    "warning: checked against the key stored in the database; pass --pubkey with the published key"
                );
            }
            if report.ok() {
                println!(
                    "ok: {} entries, {} checkpoint(s) verified",
                    report.entries, report.checkpoints_checked
                );
                return Ok(());
            }
            for problem in &report.problems {
                println!("FAIL: {problem}");
            }
            if let Some(first) = report.first_bad_entry {
                println!("first bad entry: {first}");
            }
            bail!("the audit log failed verification");
        }
        AuditCommand::Prove { entry } => {
            unlock_here(&state).await?;
            let keyring = state.keys.keyring().map_err(describe)?;
            let proof = state
                .db
                .transaction(move |c| {
                    let cp = checkpoints::create(c, &keyring)?.ok_or(crate::error::Error::NotFound)?;
                    query::prove(c, entry, &cp)
                })
                .await
                .map_err(describe)?;
            println!("{}", serde_json::to_string_pretty(&proof)?);
        }
        AuditCommand::Pubkey => {
            unlock_here(&state).await?;
            let keyring = state.keys.keyring().map_err(describe)?;
            let key = state
                .db
                .transaction(move |c| checkpoints::ensure_verifier_key(c, &keyring))
                .await
                .map_err(describe)?;
            println!("{key}");
        }
        AuditCommand::Checkpoint => {
            unlock_here(&state).await?;
            let keyring = state.keys.keyring().map_err(describe)?;
            let cp =
                state.db.transaction(move |c| checkpoints::create(c, &keyring)).await.map_err(describe)?;
            match cp {
                Some(cp) => print!("{}", cp.note),
                None => println!("the log is empty"),
            }
        }
    }
    Ok(())
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
            let key = state.tx(crate::export::job::public_key).await.map_err(describe)?;
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

/// Signs in to the running service as an admin and submits the passphrase or a share.
fn unseal(url: &str, username: &str) -> anyhow::Result<()> {
    let base = url.trim_end_matches('/');
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let password = SecretString::from(rpassword::prompt_password(format!("Password for {username}: "))?);
    let sign_in = |totp: Option<&str>| -> anyhow::Result<serde_json::Value> {
        let body =
            serde_json::json!({"username": username, "password": password.expose_secret(), "totp": totp});
        Ok(agent.post(&format!("{base}/api/v1/auth/login")).send_json(body)?.body_mut().read_json()?)
    };
    let mut login = sign_in(None)?;
    if login["type"] == "urn:custodia:problem:totp_required" {
        login = sign_in(Some(&rpassword::prompt_password("One-time code: ")?))?;
    }
    let Some(token) = login["token"].as_str() else {
        bail!("sign-in refused: {}", login["title"].as_str().unwrap_or("unknown error"));
    };
    let auth = format!("Bearer {token}");
    if login["second_factor_enrolment_required"] == true {
        // The role requires a second factor this admin has not set up: do it here.
        let mut res = agent
            .post(&format!("{base}/api/v1/auth/totp/enrol"))
            .header("Authorization", &auth)
            .send_empty()?;
        let enrolment: serde_json::Value = res.body_mut().read_json()?;
        let Some(secret) = enrolment["secret_base32"].as_str() else {
            bail!(
                "could not start the second factor's set-up: {}",
                enrolment["title"].as_str().unwrap_or("unknown error")
            );
        };
        println!("{username} must set up a second factor first. Add this key to an authenticator app:");
        println!("  {secret}");
        println!("  ({})", enrolment["otpauth_uri"].as_str().unwrap_or_default());
        let code = rpassword::prompt_password("The code it shows now: ")?;
        let res = agent
            .post(&format!("{base}/api/v1/auth/totp/confirm"))
            .header("Authorization", &auth)
            .send_json(serde_json::json!({"code": code.trim()}))?;
        if res.status() != 204 {
            bail!("the code was not accepted: run custodia unseal again");
        }
        println!("second factor set up: sign in with a code from now on");
    }
    let mut res = agent.get(&format!("{base}/api/v1/system/keys")).header("Authorization", &auth).call()?;
    let status: serde_json::Value = res.body_mut().read_json()?;
    if status["sealed"] == false {
        println!("the service is not sealed");
        return Ok(());
    }
    let body = match status["root_source"].as_str() {
        Some("passphrase") => {
            serde_json::json!({"passphrase": rpassword::prompt_password("Root passphrase: ")?})
        }
        Some("shares") => serde_json::json!({"share": rpassword::prompt_password("Your share: ")?}),
        _ => serde_json::json!({}),
    };
    let mut res =
        agent.post(&format!("{base}/api/v1/system/unseal")).header("Authorization", &auth).send_json(body)?;
    let answer: serde_json::Value = res.body_mut().read_json()?;
    let _ = agent.post(&format!("{base}/api/v1/auth/logout")).header("Authorization", &auth).send_empty();
    match (answer["sealed"].as_bool(), answer["title"].as_str()) {
        (Some(false), _) => println!("unsealed"),
        (Some(true), _) => {
            println!("share accepted: {} of {} entered", answer["shares_received"], answer["share_threshold"])
        }
        (None, title) => bail!("unseal refused: {}", title.unwrap_or("unknown error")),
    }
    Ok(())
}

fn serve(settings: Settings) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(&settings).await?;
        let users = app.state().db.run(crate::auth::service::count_users).await?;
        eprintln!("Custodia is listening on http://{}:{}", settings.server.host, app.port());
        eprint!("{}", settings.where_things_are());
        if app.state().keys.is_sealed() {
            eprintln!(
                "The keys are sealed: nothing can be read or written until an admin runs\n    \
                 custodia unseal --username <admin>"
            );
        }
        if users == 0 {
            eprintln!(
                "No accounts yet. Create the first admin in another terminal:\n    \
                 custodia user add admin --role admin"
            );
        }
        app.run_until_stopped().await.context("server stopped with an error")
    })
}

async fn user(settings: Settings, cmd: UserCommand) -> anyhow::Result<()> {
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
