//! The composition root of the service layer: every service, built once from settings
//! and handed to the edges (HTTP handlers, pages, the CLI). Nothing here knows HTTP.
//!
//! Each service owns its transactions (through `Context`) and takes the caller's proof
//! of authorisation (`access::Allowed<A>`); settings reach it as typed values.

use std::path::PathBuf;
use std::sync::Arc;

use secrecy::ExposeSecret;

use crate::analysis::Analysis;
use crate::attachments::{self, Attachments};
use crate::audit::{Actor, AuditLog};
use crate::auth::service::Auth;
use crate::care::Care;
use crate::cases::{Cases, Records, Testimonies};
use crate::catalog::Catalog;
use crate::clock::Clock;
use crate::config::{Settings, StorageKind, StorageSettings};
use crate::context::Context;
use crate::detention::Detention;
use crate::error::{Error, Result};
use crate::export::{BundleSettings, Bundles};
use crate::import::Imports;
use crate::intake::Intake;
use crate::keys::{Keys, NewRoot};
use crate::medical::Medical;
use crate::search::Search;
use crate::store::blobs::{BlobStore, FsBlobs};
use crate::store::s3::S3Blobs;
use crate::store::{Db, migrate};

/// What the admin's status page and `GET /api/v1/system/status` show.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SystemStatus {
    pub version: &'static str,
    pub database_backend: &'static str,
    pub pending_migrations: usize,
    pub users: i64,
    /// This node's name (`[cluster] node_id`): which node of several answered.
    pub node_id: String,
    /// Whether this node holds its keys (each node is sealed and unsealed on its own).
    pub sealed: bool,
    /// The keyring's generation this node holds (bumped by every rotation, retirement or
    /// change of root); none while sealed.
    pub key_generation: Option<i64>,
    /// An emergency seal of the whole cluster stands (from the seal until an unseal).
    pub cluster_sealed: bool,
}

#[derive(Debug)]
pub struct Services {
    pub auth: Arc<Auth>,
    pub keys: Arc<Keys>,
    pub cases: Cases,
    pub records: Records,
    pub testimonies: Testimonies,
    pub attachments: Attachments,
    pub search: Search,
    pub bundles: Bundles,
    pub imports: Imports,
    pub intake: Intake,
    pub analysis: Analysis,
    pub care: Care,
    pub detention: Detention,
    pub catalog: Catalog,
    pub medical: Medical,
    pub audit: AuditLog,
    context: Context,
    node_id: String,
}

impl Services {
    /// Opens the database, applies migrations when configured (always useful for SQLite,
    /// where nobody runs a separate migration step), loads the keys and builds the
    /// services. On a fresh installation with `keys.auto_init`, creates the keyring and a
    /// key file.
    pub async fn open(settings: &Settings, may_auto_init: bool) -> Result<Self> {
        Self::open_with_clock(settings, may_auto_init, Clock::system()).await
    }

    pub async fn open_with_clock(settings: &Settings, may_auto_init: bool, clock: Clock) -> Result<Self> {
        let db = Db::connect(&settings.database)?;
        if settings.database.auto_migrate {
            let applied = migrate::run_pending(&mut *db.get()?)?;
            if !applied.is_empty() {
                tracing::info!(count = applied.len(), "applied database migrations");
            }
        } else if migrate::pending_count(&mut *db.get()?)? > 0 {
            return Err(Error::internal("the database needs migrating: run `custodia migrate`"));
        }
        if settings.weak_password_hashing() {
            tracing::warn!("argon2 parameters are below OWASP's minimum: acceptable for tests only");
        }
        let local_blobs =
            (settings.storage.kind == StorageKind::Folder).then(|| settings.storage.blob_dir.clone());
        let data =
            local_blobs.into_iter().chain(sqlite_file(settings.database.url.expose_secret())).collect();
        let node_id = crate::cluster::node_id(&settings.cluster);
        let keys = Keys::open(db.clone(), settings.keys.clone()).await?;
        let keys = Arc::new(keys.with_clock(clock.clone()).with_data_at(data).with_node_id(node_id.clone()));
        if !keys.is_initialised() && settings.keys.auto_init && may_auto_init {
            keys.init(Actor::default(), NewRoot::File).await?;
            tracing::info!(path = %settings.keys.key_file.display(), "created the keyring and its root key file");
        }
        let blobs = open_blobs(&settings.storage).await?;
        let context = Context::new(db.clone(), keys.clone(), clock);
        let auth = Arc::new(Auth::new(context.clone(), settings.auth.clone())?);
        let attachments = Attachments::new(
            context.clone(),
            blobs.clone(),
            attachments::Limits {
                max_bytes: settings.storage.max_attachment_bytes,
                idle_timeout: std::time::Duration::from_secs(settings.server.upload_idle_timeout_secs),
                reserve_free_bytes: settings.storage.reserve_free_bytes,
            },
        );
        Ok(Services {
            auth: auth.clone(),
            keys,
            cases: Cases::new(context.clone()),
            records: Records::new(context.clone()),
            testimonies: Testimonies::new(context.clone(), blobs.clone()),
            attachments: attachments.clone(),
            intake: Intake::new(context.clone(), attachments, auth.passwords().clone()),
            search: Search::new(context.clone()),
            bundles: Bundles::new(
                context.clone(),
                auth.clone(),
                blobs.clone(),
                BundleSettings {
                    organisation: settings.export.organisation.clone(),
                    reserve_free_bytes: settings.storage.reserve_free_bytes,
                    min_count: settings.analysis.min_count,
                    node_id: node_id.clone(),
                    job_lease_secs: settings.cluster.job_lease_secs,
                },
            ),
            imports: Imports::new(
                context.clone(),
                blobs.clone(),
                settings.storage.max_import_bytes,
                settings.storage.max_attachment_bytes,
            ),
            analysis: Analysis::new(context.clone(), settings.analysis.min_count),
            care: Care::new(context.clone()),
            detention: Detention::new(context.clone()),
            catalog: Catalog::new(context.clone()),
            medical: Medical::new(context.clone()),
            audit: AuditLog::new(context.clone()),
            context,
            node_id,
        })
    }

    pub fn context(&self) -> &Context {
        &self.context
    }

    /// This node's name among the nodes on one database.
    pub fn node_id(&self) -> &str {
        &self.node_id
    }

    /// One round of the node's periodic look at the database (startup's poll): the
    /// cluster's emergency seal first, then keyring changes other nodes made, queued
    /// export builds, and login failures out of their window. Each part is tried even if
    /// one before it failed; the first error is returned.
    pub async fn poll(&self) -> Result<()> {
        let sealed = self.keys.follow_cluster_seal().await.map(drop);
        let reloaded = self.keys.reload_if_changed().await.map(drop);
        let built = self.bundles.run_pending().await.map(drop);
        let pruned = self.auth.prune_failures().await.map(drop);
        sealed.and(reloaded).and(built).and(pruned)
    }

    /// Readiness: the database answers (`Unavailable` if not) and the keys are loaded
    /// (`Sealed` if not).
    pub async fn ready(&self) -> Result<()> {
        if !self.context.db.is_reachable().await {
            return Err(Error::Unavailable);
        }
        if self.keys.is_sealed() {
            return Err(Error::Sealed);
        }
        Ok(())
    }

    /// Version, database backend, migrations not yet applied, and accounts.
    pub async fn status(&self) -> Result<SystemStatus> {
        let pending = self.context.read(migrate::pending_count).await?;
        Ok(SystemStatus {
            version: env!("CARGO_PKG_VERSION"),
            database_backend: self.context.db.backend().name(),
            pending_migrations: pending,
            users: self.auth.count_users().await?,
            node_id: self.node_id.clone(),
            sealed: self.keys.is_sealed(),
            key_generation: self.keys.generation(),
            cluster_sealed: self.keys.cluster_seal_standing().await?,
        })
    }
}

/// The configured blob store, checked (an S3 bucket reachable with these credentials)
/// and cleared of uploads a crash left unfinished.
async fn open_blobs(storage: &StorageSettings) -> Result<Arc<dyn BlobStore>> {
    let blobs: Arc<dyn BlobStore> = match (storage.kind, &storage.s3) {
        (StorageKind::S3, Some(s3)) => {
            let store = S3Blobs::new(s3)?;
            let checked = store.clone();
            tokio::task::spawn_blocking(move || checked.check()).await??;
            Arc::new(store)
        }
        (StorageKind::S3, None) => {
            return Err(Error::Storage("storage.kind = \"s3\" needs [storage.s3]".into()));
        }
        (StorageKind::Folder, _) => Arc::new(FsBlobs::open(&storage.blob_dir)?),
    };
    let cleaning = blobs.clone();
    let abandoned = tokio::task::spawn_blocking(move || cleaning.clean_tmp()).await??;
    if abandoned > 0 {
        tracing::warn!(abandoned, "removed unfinished attachment uploads");
    }
    Ok(blobs)
}

fn sqlite_file(url: &str) -> Option<PathBuf> {
    let path = url.strip_prefix("sqlite://")?;
    Some(PathBuf::from(path.split('?').next().unwrap_or(path)))
}
