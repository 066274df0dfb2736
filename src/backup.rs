//! Backups: a consistent copy of the SQLite database (`VACUUM INTO`, safe while the
//! service runs) and of the encrypted attachments, with a manifest of SHA-256 digests so
//! a restore can tell a damaged copy. The copy holds only ciphertext and the keyring
//! wrapped under the root key: without the root key (or its shares) it opens nothing.
//! PostgreSQL installations use `pg_dump` (every sensitive column is ciphertext).

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use diesel::RunQueryDsl;
use diesel::sql_types::Text;
use indicatif::ProgressBar;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::Settings;
use crate::error::{Error, Result};
use crate::services::Services;
use crate::store::Backend;

const FORMAT: &str = "custodia-backup-1";
const MANIFEST: &str = "manifest.json";
const DATABASE: &str = "custodia.db";
const BLOBS: &str = "blobs";

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    format: String,
    created_at: chrono::DateTime<chrono::Utc>,
    files: Vec<FileEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEntry {
    path: String,
    size: u64,
    sha256: String,
}

#[derive(Debug)]
pub struct Report {
    pub files: usize,
    pub bytes: u64,
}

/// Shows progress of long work; the CLI passes an indicatif bar factory.
pub type Progress = dyn Fn(u64, &str) -> ProgressBar + Sync;

pub async fn backup(state: &Services, dest: &Path, progress: &Progress) -> Result<Report> {
    let ctx = state.context();
    if !matches!(ctx.db.backend(), Backend::Sqlite { .. }) {
        return Err(Error::BadRequest(
            "PostgreSQL: back up with pg_dump (see docs/operations.md); copy storage.blob_dir (or back up \
             the bucket) beside it"
                .into(),
        ));
    }
    if dest.exists() && fs::read_dir(dest)?.next().is_some() {
        return Err(Error::BadRequest(format!("{} exists and is not empty", dest.display())));
    }
    create_private_dir(dest)?;
    let db_copy = dest.join(DATABASE);
    let target =
        db_copy.to_str().ok_or_else(|| Error::BadRequest("backup path is not UTF-8".into()))?.to_owned();
    // VACUUM INTO writes a transaction-consistent, compacted copy without blocking
    // writers for long, and leaves freed pages (old ciphertext) behind.
    ctx.read(move |c| {
        diesel::sql_query("VACUUM INTO ?").bind::<Text, _>(target).execute(c)?;
        Ok(())
    })
    .await?;

    // Blobs in an S3 bucket are backed up by the store (versioning, replication, its own
    // tools): the copy then holds the database only (docs/operations.md).
    let blob_root = state.attachments.blobs().local_dir().map(Path::to_path_buf).unwrap_or_default();
    let dest_owned = dest.to_path_buf();
    let sources = if blob_root.as_os_str().is_empty() { Vec::new() } else { list_blobs(&blob_root)? };
    let bar = progress(sources.len() as u64, "copying");
    let files = tokio::task::spawn_blocking(move || -> Result<Vec<FileEntry>> {
        let mut files = vec![describe_file(&dest_owned, Path::new(DATABASE))?];
        for rel in sources {
            let to = dest_owned.join(BLOBS).join(&rel);
            if let Some(parent) = to.parent() {
                create_private_dir(parent)?;
            }
            fs::copy(blob_root.join(&rel), &to)?;
            fs::File::open(&to)?.sync_all()?;
            files.push(describe_file(&dest_owned, &Path::new(BLOBS).join(&rel))?);
            bar.inc(1);
        }
        bar.finish_and_clear();
        Ok(files)
    })
    .await??;
    let report = Report { files: files.len(), bytes: files.iter().map(|f| f.size).sum() };
    let manifest = Manifest { format: FORMAT.into(), created_at: ctx.clock().now(), files };
    let json = serde_json::to_vec_pretty(&manifest).map_err(Error::internal)?;
    fs::write(dest.join(MANIFEST), json)?;
    Ok(report)
}

/// Checks every file against the manifest, then copies the database and attachments to
/// where the settings say they live. Refuses to overwrite a database unless `force`.
pub fn restore(settings: &Settings, src: &Path, force: bool, progress: &Progress) -> Result<Report> {
    let Backend::Sqlite { path: db_path } = Backend::from_url(settings.database.url.expose_secret())? else {
        return Err(Error::BadRequest("PostgreSQL: restore with pg_restore (see docs/operations.md)".into()));
    };
    let manifest: Manifest = serde_json::from_slice(&fs::read(src.join(MANIFEST))?)
        .map_err(|_| Error::BadRequest("manifest.json is not a Custodia backup manifest".into()))?;
    if manifest.format != FORMAT {
        return Err(Error::BadRequest(format!("unknown backup format {:?}", manifest.format)));
    }
    let bar = progress(manifest.files.len() as u64, "checking");
    for entry in &manifest.files {
        let rel = safe_relative(&entry.path)?;
        let actual = describe_file(src, &rel)?;
        if actual.sha256 != entry.sha256 || actual.size != entry.size {
            return Err(Error::BadRequest(format!("{} does not match the manifest", entry.path)));
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    if db_path.exists() && !force {
        return Err(Error::BadRequest(format!("{} exists; pass --force to replace it", db_path.display())));
    }
    if let Some(parent) = db_path.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_private_dir(parent)?;
    }
    for suffix in ["-wal", "-shm"] {
        let stale = PathBuf::from(format!("{}{suffix}", db_path.display()));
        if stale.exists() {
            fs::remove_file(stale)?;
        }
    }
    let tmp = db_path.with_extension("restoring");
    fs::copy(src.join(DATABASE), &tmp)?;
    fs::File::open(&tmp)?.sync_all()?;
    fs::rename(&tmp, &db_path)?;
    let blob_dir = &settings.storage.blob_dir;
    for entry in manifest.files.iter().filter(|f| f.path.starts_with(&format!("{BLOBS}/"))) {
        let rel = safe_relative(&entry.path)?;
        let inner = rel.strip_prefix(BLOBS).map_err(|_| Error::BadRequest("bad blob path".into()))?;
        let to = blob_dir.join(inner);
        if let Some(parent) = to.parent() {
            create_private_dir(parent)?;
        }
        fs::copy(src.join(&rel), to)?;
    }
    Ok(Report { files: manifest.files.len(), bytes: manifest.files.iter().map(|f| f.size).sum() })
}

/// Manifest paths come from a file anyone could edit: no absolute paths, no `..`.
fn safe_relative(path: &str) -> Result<PathBuf> {
    let p = PathBuf::from(path);
    let ok = p.components().all(|c| matches!(c, std::path::Component::Normal(_)));
    if ok && !path.is_empty() {
        Ok(p)
    } else {
        Err(Error::BadRequest(format!("unsafe path in manifest: {path:?}")))
    }
}

fn list_blobs(root: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for shard in fs::read_dir(root)? {
        let shard = shard?;
        let name = shard.file_name();
        if name == "tmp" || !shard.file_type()?.is_dir() {
            continue;
        }
        for file in fs::read_dir(shard.path())? {
            let file = file?;
            if file.file_type()?.is_file() {
                out.push(PathBuf::from(&name).join(file.file_name()));
            }
        }
    }
    out.sort();
    Ok(out)
}

fn describe_file(base: &Path, rel: &Path) -> Result<FileEntry> {
    let mut file = fs::File::open(base.join(rel))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    let path = rel.to_str().ok_or_else(|| Error::internal("non-UTF-8 path"))?.replace('\\', "/");
    Ok(FileEntry { path, size, sha256: hex::encode(hasher.finalize()) })
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_paths_cannot_escape_the_backup() {
        assert!(safe_relative("blobs/ab/abcd").is_ok());
        for bad in ["../etc/passwd", "/etc/passwd", "blobs/../../x", ""] {
            assert!(safe_relative(bad).is_err(), "{bad}");
        }
    }
}
