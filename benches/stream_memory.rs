//! Peak memory while streaming a 1 GiB attachment through the blob store: encrypt
//! (with SHA-256) from a generated reader into a file, then decrypt and verify it to a
//! sink. Reports throughput and the process's peak RSS (VmHWM), which must stay far
//! below the file size. `cargo bench --bench stream_memory [-- SIZE_MIB]`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed step should stop a test or bench

use std::io;
use std::time::Instant;

use custodia::crypto::{Dek, FieldContext, decrypt_reader};
use custodia::store::blobs::{BlobStore, FsBlobs};

#[path = "common/stream.rs"]
mod stream;
use stream::{Generated, peak_rss_mib};

fn main() {
    let mib: u64 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(1024);
    let size = mib * 1024 * 1024;
    let dir = tempfile::tempdir().expect("tmp");
    let store: std::sync::Arc<dyn BlobStore> = std::sync::Arc::new(FsBlobs::open(dir.path()).expect("store"));
    let dek = Dek::generate();
    let ctx = FieldContext::new("attachments", "bench", "content");
    println!("peak RSS before: {:.1} MiB", peak_rss_mib());

    let start = Instant::now();
    let (id, len, sha) =
        store.put_encrypted(&dek, &ctx, Generated { left: size, state: 1 }).expect("encrypt");
    let secs = start.elapsed().as_secs_f64();
    println!("encrypt + SHA-256 + fsync: {mib} MiB in {secs:.2} s = {:.0} MiB/s", mib as f64 / secs);

    let start = Instant::now();
    let (n, sha2) =
        decrypt_reader(&dek, &ctx, store.open_blob(id).expect("open"), io::sink()).expect("decrypt");
    let secs = start.elapsed().as_secs_f64();
    assert_eq!((n, sha2), (len, sha));
    println!("decrypt + verify:          {mib} MiB in {secs:.2} s = {:.0} MiB/s", mib as f64 / secs);
    println!("peak RSS after: {:.1} MiB (limit 64 MiB)", peak_rss_mib());
}
