//! A 1 GiB attachment through each blob store, directly (not over HTTP): encrypt, hash
//! and store from a generated reader, then read back, decrypt and verify to a sink.
//! Reports throughput and this process's peak RSS (VmHWM). One store per run, so each
//! peak is its own: `cargo bench --bench blob_stores -- folder|s3 [SIZE_MIB]`; the S3
//! store is the one `CUSTODIA_TEST_S3_*` names (`.ci/garage.sh start`).
//! `benches/blobs.sh` runs both.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed step should stop a test or bench

use std::io;
use std::sync::Arc;
use std::time::Instant;

use custodia::config::S3Settings;
use custodia::crypto::{Dek, FieldContext, decrypt_reader};
use custodia::store::blobs::{BlobStore, FsBlobs};
use custodia::store::s3::S3Blobs;

#[path = "common/stream.rs"]
mod stream;
use stream::{Generated, peak_rss_mib};

fn s3_from_env() -> S3Settings {
    let var = |name: &str| std::env::var(format!("CUSTODIA_TEST_S3_{name}")).expect(name);
    S3Settings {
        endpoint: var("ENDPOINT"),
        bucket: var("BUCKET"),
        region: var("REGION"),
        prefix: format!("bench-{}/", uuid::Uuid::new_v4().simple()),
        access_key_id: var("ACCESS_KEY_ID"),
        secret_access_key: var("SECRET_ACCESS_KEY").into(),
        path_style: true,
        quota_bytes: None,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let kind = args.first().map(String::as_str).unwrap_or("folder");
    let mib: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1024);
    let size = mib * 1024 * 1024;
    let dir = tempfile::tempdir_in(std::env::var("BENCH_DIR").unwrap_or_else(|_| ".".into())).expect("tmp");
    let store: Arc<dyn BlobStore> = match kind {
        "s3" => {
            let s3 = S3Blobs::new(&s3_from_env()).expect("s3 store");
            s3.check().expect("reachable");
            Arc::new(s3)
        }
        _ => Arc::new(FsBlobs::open(dir.path()).expect("store")),
    };
    let dek = Dek::generate();
    let ctx = FieldContext::new("attachments", "bench", "content");

    let start = Instant::now();
    let (id, len, sha) =
        store.put_encrypted(&dek, &ctx, Generated { left: size, state: 1 }).expect("encrypt");
    let up = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let (n, sha2) =
        decrypt_reader(&dek, &ctx, store.open_blob(id).expect("open"), io::sink()).expect("decrypt");
    let down = start.elapsed().as_secs_f64();
    assert_eq!((n, sha2), (len, sha));
    store.delete(id).expect("delete");
    println!(
        "{kind:>6}: {mib} MiB stored in {up:.2} s ({:.0} MiB/s), read back in {down:.2} s ({:.0} MiB/s); \
         peak RSS {:.1} MiB",
        mib as f64 / up,
        mib as f64 / down,
        peak_rss_mib()
    );
}
