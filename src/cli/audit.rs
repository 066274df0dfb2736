//! `custodia audit verify | prove | pubkey | checkpoint`: the tamper-evident log from the
//! server's side (the outside party's check of a kept checkpoint is `offline`).

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Subcommand;

use super::keys::unlock_here;
use super::{describe, progress_bar};
use crate::config::Settings;
use crate::services::Services;

#[derive(Debug, Subcommand)]
pub(super) enum AuditCommand {
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

pub(super) async fn run(settings: Settings, cmd: AuditCommand) -> anyhow::Result<()> {
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
            let total = state
                .context()
                .read(|c| crate::audit::tree::head(c).map(|(n, _)| n))
                .await
                .map_err(describe)?;
            let bar = progress_bar(total, "verifying");
            let shown = bar.clone();
            let report = state
                .context()
                .read(move |c| {
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
            let now = state.context().clock().now_naive();
            let proof = state
                .context()
                .write_plain(move |c| {
                    let cp =
                        checkpoints::create_at(c, &keyring, now)?.ok_or(crate::error::Error::NotFound)?;
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
                .context()
                .write_plain(move |c| checkpoints::ensure_verifier_key(c, &keyring))
                .await
                .map_err(describe)?;
            println!("{key}");
        }
        AuditCommand::Checkpoint => {
            unlock_here(&state).await?;
            let keyring = state.keys.keyring().map_err(describe)?;
            let now = state.context().clock().now_naive();
            let cp = state
                .context()
                .write_plain(move |c| checkpoints::create_at(c, &keyring, now))
                .await
                .map_err(describe)?;
            match cp {
                Some(cp) => print!("{}", cp.note),
                None => println!("the log is empty"),
            }
        }
    }
    Ok(())
}
