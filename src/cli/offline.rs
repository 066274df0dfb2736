//! Checks an outside party runs on their own machine, from any folder: verifying an
//! evidence bundle, and checking a kept audit checkpoint against the published key. They
//! read no configuration and open no database, so they create nothing where they run.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use crate::audit::checkpoint::NoteVerifier;
use crate::export::verify::Outcome;

/// Reads a key argument: the key text itself, or a file holding it.
pub fn read_key(arg: &str) -> anyhow::Result<String> {
    let path = Path::new(arg);
    if path.is_file() {
        return std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()));
    }
    Ok(arg.to_owned())
}

/// `custodia bundle verify`: 0 when the bundle is intact and signed by the key given;
/// 1 when anything fails; 2 when it is intact but no key was given, so its origin is
/// unknown (a key carried inside the bundle proves nothing about who made it).
pub fn verify_bundle(path: &Path, pubkey: Option<&str>) -> anyhow::Result<ExitCode> {
    let key = pubkey.map(read_key).transpose()?;
    let report = crate::export::verify::verify_path(path, key.as_deref())
        .with_context(|| format!("reading {}", path.display()))?;
    print!("{}", report.render());
    Ok(match report.outcome() {
        Outcome::Verified => ExitCode::SUCCESS,
        Outcome::Failed => ExitCode::from(1),
        Outcome::OriginUnknown => ExitCode::from(2),
    })
}

/// What a kept checkpoint says, once its signature verifies with the published key.
#[derive(Debug)]
pub struct KeptCheckpoint {
    pub signer: String,
    pub size: u64,
    pub root: String,
}

/// Checks a signed checkpoint note against the audit log's published verifier key.
pub fn check_checkpoint(note: &str, key: &str) -> anyhow::Result<KeptCheckpoint> {
    let verifier = NoteVerifier::parse(key.trim())
        .map_err(|e| anyhow::anyhow!("not an audit log key (custodia-audit/…+…+…): {e}"))?;
    let cp = verifier
        .verify(note)
        .map_err(|e| anyhow::anyhow!("the checkpoint's signature does not verify with this key: {e}"))?;
    Ok(KeptCheckpoint { signer: verifier.name().to_owned(), size: cp.size, root: hex::encode(cp.root) })
}

/// An outside party's check of a checkpoint they kept: its signature, with the key the
/// organisation published. Comparing it with the log itself needs the server.
pub fn kept_checkpoint(note: &Path, key: &str) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(note).with_context(|| format!("reading {}", note.display()))?;
    let key = read_key(key)?;
    let cp = check_checkpoint(&text, &key)?;
    println!("ok: checkpoint signed by {}: {} entries, root {}", cp.signer, cp.size, cp.root);
    println!(
        "no audit log on this machine: only the signature was checked. On the server, the same \
         command also checks that the log still contains this checkpoint."
    );
    Ok(ExitCode::SUCCESS)
}

/// Is there an audit log on this machine to compare a kept checkpoint with? A SQLite
/// database that does not exist is not opened (opening would create it); a PostgreSQL
/// URL is a configured server.
pub fn has_local_log(database_url: &str) -> bool {
    match crate::store::Backend::from_url(database_url) {
        Ok(crate::store::Backend::Sqlite { path }) => path.is_file(),
        Ok(crate::store::Backend::Postgres) => true,
        Err(_) => false,
    }
}
