//! What the blob store holds, whichever it is: the test's folder, or the test's own
//! prefix (`t-<uuid>/`) of the Garage bucket when `CUSTODIA_TEST_S3_ENDPOINT` is set
//! (`.ci/garage.sh start`), so the same tests run on both stores.

use std::io::Read;

use custodia::config::{S3Settings, StorageKind};
use custodia::store::blobs::BlobStore;
use custodia::store::s3::S3Blobs;
use uuid::Uuid;

use super::TestApp;

/// The test bucket's settings with a fresh prefix, when a test object store is set up.
pub fn test_s3() -> Option<S3Settings> {
    let var = |name: &str| std::env::var(format!("CUSTODIA_TEST_S3_{name}")).ok().filter(|v| !v.is_empty());
    let endpoint = var("ENDPOINT")?;
    Some(S3Settings {
        endpoint,
        bucket: var("BUCKET").expect("CUSTODIA_TEST_S3_BUCKET"),
        region: var("REGION").unwrap_or_else(|| "garage".into()),
        prefix: format!("t-{}/", Uuid::new_v4().simple()),
        access_key_id: var("ACCESS_KEY_ID").expect("CUSTODIA_TEST_S3_ACCESS_KEY_ID"),
        secret_access_key: var("SECRET_ACCESS_KEY").expect("CUSTODIA_TEST_S3_SECRET_ACCESS_KEY").into(),
        path_style: true,
        quota_bytes: None,
    })
}

/// The test object store, for the tests about it alone: `None` (the test returns,
/// skipped) when there is none, unless `CUSTODIA_REQUIRE_TOOLS=1` (CI), where it fails.
pub fn require_s3() -> Option<S3Settings> {
    let s3 = test_s3();
    if s3.is_none() {
        assert!(
            std::env::var("CUSTODIA_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "CUSTODIA_TEST_S3_ENDPOINT is unset: start .ci/garage.sh"
        );
        eprintln!("skipped: no CUSTODIA_TEST_S3_ENDPOINT (.ci/garage.sh start)");
    }
    s3
}

/// Garage's data and metadata folder, for the canary scan.
pub fn s3_data_dir() -> Option<std::path::PathBuf> {
    std::env::var_os("CUSTODIA_TEST_S3_DATA_DIR").filter(|v| !v.is_empty()).map(Into::into)
}

impl TestApp {
    /// The app's blob store.
    pub fn blob_store(&self) -> std::sync::Arc<dyn BlobStore> {
        self.state.attachments.blobs().clone()
    }

    /// The same objects through a client of the test's own (S3 only).
    pub fn s3_blobs(&self) -> Option<S3Blobs> {
        let s3 = self.db.s3.as_ref()?;
        (self.blob_store().local_dir().is_none()).then(|| S3Blobs::new(s3).unwrap())
    }

    /// Every committed blob of this test: id and ciphertext.
    pub fn stored_blobs(&self) -> Vec<(Uuid, Vec<u8>)> {
        let store = self.blob_store();
        let mut out: Vec<_> = store
            .list()
            .unwrap()
            .into_iter()
            .map(|(id, _)| {
                let mut bytes = Vec::new();
                store.open_blob(id).unwrap().read_to_end(&mut bytes).unwrap();
                (id, bytes)
            })
            .collect();
        out.sort();
        out
    }

    /// Uploads begun and not finished: files in the folder's `tmp/`, or the bucket's
    /// unfinished multipart uploads under this test's prefix.
    pub fn unfinished_uploads(&self) -> usize {
        match (self.blob_store().local_dir(), self.s3_blobs()) {
            (Some(dir), _) => super::files_under(&dir.join("tmp")).len(),
            (None, Some(s3)) => s3.pending_uploads().unwrap(),
            (None, None) => panic!("a store that is neither"),
        }
    }

    /// Replaces blob `id`'s stored bytes with what `change` makes of them (damage at rest).
    pub fn tamper_blob(&self, id: Uuid, change: impl FnOnce(&mut Vec<u8>)) {
        let (_, mut bytes) = self.stored_blobs().into_iter().find(|(b, _)| *b == id).expect("a stored blob");
        change(&mut bytes);
        match (self.blob_store().local_dir(), self.s3_blobs()) {
            (Some(dir), _) => {
                let name = id.simple().to_string();
                std::fs::write(dir.join(&name[..2]).join(&name), bytes).unwrap();
            }
            (None, Some(s3)) => s3.copy_in(id, &mut &bytes[..]).unwrap(),
            (None, None) => panic!("a store that is neither"),
        }
    }

    /// The id of the only stored blob.
    pub fn only_blob(&self) -> Uuid {
        let blobs = self.stored_blobs();
        assert_eq!(blobs.len(), 1, "{:?}", blobs.iter().map(|b| b.0).collect::<Vec<_>>());
        blobs[0].0
    }

    /// Whether this app stores in the folder (the tests about the disk pin it).
    pub fn stores_in_folder(&self) -> bool {
        self.state.attachments.blobs().local_dir().is_some()
    }
}

/// For the tests about the object store: the test bucket (under the test's prefix)
/// whatever `CUSTODIA_TEST_STORE` says. Call after [`require_s3`].
pub fn on_s3(settings: &mut custodia::config::Settings) {
    assert!(settings.storage.s3.is_some(), "a test bucket (require_s3 first)");
    settings.storage.kind = StorageKind::S3;
}

/// For tests that are about the folder itself (disk full, file modes, a mount going
/// away): keeps `kind = folder` whatever the environment says.
pub fn pin_folder(settings: &mut custodia::config::Settings) {
    settings.storage.kind = StorageKind::Folder;
}

impl TestApp {
    /// Every file this test's data may sit in, with its bytes: the test's folder
    /// (database, WAL, key file, blobs), and — when it stores in the test bucket — every
    /// file of Garage's data and metadata written since the test began (data blocks and
    /// the metadata database; older files cannot hold this test's bytes, and scanning
    /// every earlier test's blocks again would make the suite crawl).
    pub fn bytes_at_rest(&self) -> Vec<(std::path::PathBuf, Vec<u8>)> {
        let mut files = super::files_under(self.db.dir.path());
        if !self.stores_in_folder()
            && let Some(garage) = s3_data_dir()
        {
            let since = self.db.created;
            let recent = |p: &std::path::PathBuf| {
                std::fs::metadata(p).and_then(|m| m.modified()).is_ok_and(|t| t >= since)
            };
            let written: Vec<_> = super::files_under(&garage).into_iter().filter(recent).collect();
            assert!(!written.is_empty(), "Garage wrote nothing under {}", garage.display());
            files.extend(written);
        }
        // Garage may remove a file (another test's object) between listing and reading.
        files.into_iter().filter_map(|p| std::fs::read(&p).ok().map(|b| (p, b))).collect()
    }
}

/// Whether the suite keeps its blobs in the test bucket: when there is one, unless
/// `CUSTODIA_TEST_STORE=folder` (CI's SQLite half runs on the folder, and only the tests
/// about the object store itself use the bucket).
pub fn suite_on_s3() -> bool {
    test_s3().is_some() && std::env::var("CUSTODIA_TEST_STORE").as_deref() != Ok("folder")
}

/// The environment a spawned `custodia` needs to use the same store as `db`'s tests:
/// the test bucket's settings when the suite runs on it (nothing otherwise).
pub fn store_env(db: &super::TestDb) -> Vec<(&'static str, String)> {
    match &db.s3 {
        Some(s3) if suite_on_s3() => s3_env(s3),
        _ => Vec::new(),
    }
}

/// The environment naming bucket `s3` for a spawned `custodia`.
pub fn s3_env(s3: &S3Settings) -> Vec<(&'static str, String)> {
    use secrecy::ExposeSecret;
    vec![
        ("CUSTODIA__STORAGE__KIND", "s3".into()),
        ("CUSTODIA__STORAGE__S3__ENDPOINT", s3.endpoint.clone()),
        ("CUSTODIA__STORAGE__S3__BUCKET", s3.bucket.clone()),
        ("CUSTODIA__STORAGE__S3__REGION", s3.region.clone()),
        ("CUSTODIA__STORAGE__S3__PREFIX", s3.prefix.clone()),
        ("CUSTODIA__STORAGE__S3__ACCESS_KEY_ID", s3.access_key_id.clone()),
        ("CUSTODIA__STORAGE__S3__SECRET_ACCESS_KEY", s3.secret_access_key.expose_secret().to_owned()),
    ]
}
