//! Evidence bundle export throughput: a case with GIB of attachments (default 1 GiB, in
//! 64 MiB files) exported for prosecutors — decrypt each attachment, hash it (SHA-256 and
//! SHA-512), tar it, and encrypt the archive into the blob store — next to plain
//! `sha256sum` over the same plaintext files in the same run.
//!
//! `cargo bench --bench export -- [GIB]`; `CUSTODIA_BENCH_POSTGRES_URL` for PostgreSQL.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use custodia::access::{Allowed, act};
use custodia::attachments::NewFile;
use custodia::audit::Actor;
use custodia::cases::{persons, testimonies};
use custodia::config::Settings;
use custodia::domain::Role;
use custodia::export::job::BundleInput;
use custodia::export::{Recipient, Selection};
use custodia::services::Services;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

const FILE: usize = 64 * 1024 * 1024;
const PASSWORD: &str = "correct horse battery staple";

fn main() -> anyhow::Result<()> {
    let gib: f64 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(1.0);
    let files = ((gib * 1024.0 * 1024.0 * 1024.0) as usize).div_ceil(FILE).max(1);
    actix_web::rt::System::new().block_on(run(files))
}

async fn run(files: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let config = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config");
    let mut settings = Settings::load_with(&config, "test", false)?;
    let url = std::env::var("CUSTODIA_BENCH_POSTGRES_URL")
        .unwrap_or_else(|_| format!("sqlite://{}", dir.path().join("bench.db").display()));
    settings.database.url = SecretString::from(url.clone());
    settings.keys.key_file = dir.path().join("root.key");
    settings.storage.blob_dir = dir.path().join("blobs");
    settings.storage.reserve_free_bytes = 0;
    let state = Services::open(&settings, true).await?;
    state
        .auth
        .create_user(Actor::default(), "bench.documenter", SecretString::from(PASSWORD), Role::Documenter)
        .await?;
    let session = state.auth.login("bench.documenter", SecretString::from(PASSWORD), None, None).await?;
    let (who, _) = state.auth.authenticate(session.token.expose_secret()).await?;

    let input = serde_json::from_value(json!({"reference": "BENCH-1", "title": "export benchmark"}))?;
    let case_id = state.cases.create(Allowed::check(who.clone())?, input).await?.id;
    let plain = dir.path().join("plain");
    std::fs::create_dir_all(&plain)?;
    let mut data = vec![0u8; FILE];
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    for i in 0..files {
        for b in data.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
        std::fs::File::create(plain.join(format!("{i}.bin")))?.write_all(&data)?;
        let w: persons::NewPerson = serde_json::from_value(
            json!({"kind": "witness", "names": [format!("Witness {i}")], "sex": "unknown"}),
        )?;
        let witness = state.records.create_person(Allowed::check(who.clone())?, case_id, w).await?;
        let t: testimonies::TestimonyInput = serde_json::from_value(json!({
            "witness_id": witness.id, "source_connection": "victim", "account": "Account for the benchmark.",
            "consent": {"share_with": {"prosecutors": true}, "may_be_named": false, "given_on": "2021-01-01",
                        "how_given": "written", "text_version": "1"}
        }))?;
        let tid = state.testimonies.create(Allowed::check(who.clone())?, case_id, t).await?.id;
        let file = NewFile {
            media_type: "application/octet-stream".into(),
            filename: format!("{i}.bin"),
            declared_len: Some(data.len() as u64),
        };
        let body = futures_util::stream::iter([Ok::<_, std::convert::Infallible>(
            bytes::Bytes::copy_from_slice(&data),
        )]);
        state.attachments.upload_to_testimony(Allowed::check(who.clone())?, tid, file, body).await?;
        state.testimonies.seal(Allowed::check(who.clone())?, tid).await?;
    }
    let total = (files * FILE) as f64;
    let mib = total / (1024.0 * 1024.0);

    // Baseline: sha256sum over the same plaintext, same run, same (warm) page cache.
    let started = Instant::now();
    let out = Command::new("sha256sum")
        .args(std::fs::read_dir(&plain)?.map(|e| e.map(|e| e.path())).collect::<Result<Vec<_>, _>>()?)
        .output()?;
    anyhow::ensure!(out.status.success(), "sha256sum failed");
    let baseline = started.elapsed().as_secs_f64();

    let input = BundleInput {
        recipient: Recipient::Prosecutors,
        selection: Selection::default(),
        age_recipient: None,
        password: SecretString::from(PASSWORD),
        totp_code: None,
        analysis_annex: false,
    };
    let started = Instant::now();
    let allowed = Allowed::<act::BundleExport>::check(who.clone())?;
    let (_, order) = state.bundles.queue(&allowed, case_id, input).await?;
    let claim = state.bundles.claim(order.id).await?.ok_or_else(|| anyhow::anyhow!("claimed elsewhere"))?;
    let view = state.bundles.build(&allowed, order, &claim, Arc::new(|_| {})).await?;
    let export = started.elapsed().as_secs_f64();
    let backend = if url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" };
    println!("export of a case with {files} attachments of 64 MiB ({mib:.0} MiB), {backend}");
    println!(
        "bundle export (decrypt, SHA-256 + SHA-512, tar, encrypt, fsync): {export:.2} s = {:.0} MiB/s; archive {} bytes",
        mib / export,
        view.size.unwrap_or_default()
    );
    println!("sha256sum over the same files: {baseline:.2} s = {:.0} MiB/s", mib / baseline);
    println!("export takes {:.1}× the time of sha256sum", export / baseline);
    Ok(())
}
