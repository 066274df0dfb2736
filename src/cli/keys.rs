//! `custodia init` and `custodia keys …`: creating the keyring, rotating, rewrapping
//! (with a progress bar), retiring, changing the root; and opening the keys in this
//! process (`unlock_here`) for the commands that need them.

use anyhow::bail;
use clap::Subcommand;
use secrecy::{ExposeSecret, SecretString};

use super::{describe, progress_bar};
use crate::audit::Actor;
use crate::config::Settings;
use crate::keys::{NewRoot, RootHandover, RootSource};
use crate::services::Services;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(super) enum SourceArg {
    File,
    Env,
    Passphrase,
    Shares,
}

#[derive(Debug, clap::Args)]
pub(super) struct ShareArgs {
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
pub(super) enum KeysCommand {
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
    /// Emergency seal of every node on this database: each running node drops its keys
    /// within one poll interval (`[cluster] poll_interval_secs`) and is unsealed on its own.
    Seal,
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

pub(super) async fn init(settings: Settings, source: SourceArg, shares: ShareArgs) -> anyhow::Result<()> {
    let state = Services::open(&settings, false).await?;
    let new_root = new_root(source, shares)?;
    let handover = state.keys.init(Actor::default(), new_root).await.map_err(describe)?;
    println!("keyring created");
    print_handover(handover, &settings.keys.env_var);
    Ok(())
}

/// Opens the keys in this process: from the key file or environment, or by asking for
/// the passphrase or enough shares on the terminal.
pub(super) async fn unlock_here(state: &Services) -> anyhow::Result<()> {
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

pub(super) async fn run(settings: Settings, cmd: KeysCommand) -> anyhow::Result<()> {
    let state = Services::open(&settings, false).await?;
    if !matches!(cmd, KeysCommand::Status | KeysCommand::Seal) {
        unlock_here(&state).await?;
    }
    let keys = &state.keys;
    match cmd {
        KeysCommand::Seal => {
            keys.seal_cluster(Actor::default()).await.map_err(describe)?;
            println!("sealed: every node drops its keys at its next poll; unseal each node on its own");
        }
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
