//! Key custody: whether the service holds its keys (unsealed) or not (sealed), how the
//! root key is supplied, and the key operations (init, unseal, seal, rotate, rewrap,
//! retire, change of root). Every operation is audited in its transaction.
//! Calls `crypto`, `store` and `audit`; services ask it for the current `Keyring`.

mod cluster_seal;
pub mod placement;
mod rewrap;
pub mod root;
pub mod store;

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use zeroize::Zeroizing;

pub use self::placement::Beside;
pub use self::root::RootSource;
use self::store::{Meta, RootSetup};
use crate::audit::{self, Actor, Entry, Outcome};
use crate::clock::Clock;
use crate::config::KeySettings;
use crate::crypto::{self, KdfParams, Keyring, SecretKey};
use crate::error::{Error, Result};
use crate::store::{Db, DbConnection};

enum State {
    Uninitialised,
    Sealed { shares: Vec<Zeroizing<String>> },
    Unsealed { root: SecretKey, keyring: Arc<Keyring>, generation: i64, source: RootSource },
}

/// What an admin sees of the keys: never a key.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KeyStatus {
    pub initialised: bool,
    pub sealed: bool,
    pub root_source: Option<RootSource>,
    /// Shares: how many are needed, and how many have been entered so far.
    pub share_threshold: Option<u8>,
    pub shares_received: usize,
    pub primary_version: Option<u32>,
    pub versions: Vec<u32>,
    /// Record keys still wrapped under an older KEK (rewrap moves them).
    pub records_not_on_primary: Option<i64>,
}

/// How a new root key is to be supplied (at init, or when changing it).
pub enum NewRoot {
    File,
    Env,
    Passphrase(SecretString),
    Shares { count: u8, threshold: u8, trustees: Vec<String> },
}

/// What the operator must keep after an init or a root change.
pub enum RootHandover {
    KeyFile(std::path::PathBuf),
    /// Base64 root key for the environment variable: shown once.
    EnvKey(Zeroizing<String>),
    Passphrase,
    /// One per trustee; age-armored when a trustee key was given.
    Shares(Vec<Zeroizing<String>>),
}

pub struct Keys {
    db: Db,
    settings: KeySettings,
    state: RwLock<State>,
    /// A background rewrap (`start_rewrap`) is running.
    rewrapping: AtomicBool,
    /// The cluster seal epoch this node has acted on (`cluster_seal`).
    seal_epoch: AtomicI64,
    /// This node's name, in the audit entries of seals.
    node_id: String,
    /// Stamps the keyring's rows.
    clock: Clock,
    /// Where the data lives (the SQLite file, the attachments' folder), to tell whether
    /// the root key file sits beside it.
    data: Vec<std::path::PathBuf>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys").field("sealed", &self.is_sealed()).finish()
    }
}

impl Keys {
    /// Loads the custody state. File and environment roots are opened at once; a
    /// passphrase or shares leave the service sealed until someone unseals it.
    pub async fn open(db: Db, settings: KeySettings) -> Result<Self> {
        let keys = Keys {
            db,
            settings,
            state: RwLock::new(State::Uninitialised),
            rewrapping: AtomicBool::new(false),
            seal_epoch: AtomicI64::new(0),
            node_id: String::new(),
            clock: Clock::system(),
            data: Vec::new(),
        };
        let meta = keys.db.run(store::load_meta).await?;
        // A node starting while the cluster's emergency seal stands stays sealed.
        let (epoch, standing) = keys.db.run(cluster_seal::seal_state).await?;
        keys.seal_epoch.store(epoch, Ordering::Release);
        if let Some(meta) = meta {
            if meta.root_source.opens_at_start() && !standing {
                let root = keys.read_stored_root(meta.root_source)?;
                keys.unseal_with_root(root).await?;
            } else {
                keys.set_state(State::Sealed { shares: Vec::new() });
            }
        }
        Ok(keys)
    }

    /// The clock that stamps the keyring's rows (the services' clock).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Where the data this keyring opens lives: the SQLite database file (none on
    /// PostgreSQL) and the attachments' folder.
    pub fn with_data_at(mut self, data: Vec<std::path::PathBuf>) -> Self {
        self.data = data;
        self
    }

    /// Why a copy of the data would take the root key file along (`placement`); only
    /// for a key kept in a file: a passphrase or trustee shares never sit on the disk.
    pub fn key_file_beside_data(&self, status: &KeyStatus) -> Vec<Beside> {
        if status.root_source != Some(RootSource::File) {
            return Vec::new();
        }
        placement::key_file_beside_data(&self.settings.key_file, &self.data)
    }

    fn read_stored_root(&self, source: RootSource) -> Result<SecretKey> {
        match source {
            RootSource::File => root::read_key_file(&self.settings.key_file),
            RootSource::Env => root::read_env(&self.settings.env_var),
            RootSource::Passphrase | RootSource::Shares => Err(Error::Sealed),
        }
    }

    fn set_state(&self, state: State) {
        *self.state.write().unwrap_or_else(|p| p.into_inner()) = state;
    }

    pub fn is_sealed(&self) -> bool {
        !matches!(*self.state.read().unwrap_or_else(|p| p.into_inner()), State::Unsealed { .. })
    }

    pub fn is_initialised(&self) -> bool {
        !matches!(*self.state.read().unwrap_or_else(|p| p.into_inner()), State::Uninitialised)
    }

    /// The keyring for one operation. Callers keep the `Arc` for the whole operation so
    /// a concurrent rotation cannot change keys under them.
    pub fn keyring(&self) -> Result<Arc<Keyring>> {
        match &*self.state.read().unwrap_or_else(|p| p.into_inner()) {
            State::Unsealed { keyring, .. } => Ok(keyring.clone()),
            State::Sealed { .. } => Err(Error::Sealed),
            State::Uninitialised => Err(Error::NotInitialised),
        }
    }

    fn root(&self) -> Result<(SecretKey, RootSource)> {
        match &*self.state.read().unwrap_or_else(|p| p.into_inner()) {
            State::Unsealed { root, source, .. } => Ok((root.clone(), *source)),
            State::Sealed { .. } => Err(Error::Sealed),
            State::Uninitialised => Err(Error::NotInitialised),
        }
    }

    pub async fn status(&self) -> Result<KeyStatus> {
        let meta = self.db.run(store::load_meta).await?;
        let (sealed, shares_received, versions) = {
            let state = self.state.read().unwrap_or_else(|p| p.into_inner());
            match &*state {
                State::Unsealed { keyring, .. } => (false, 0, keyring.versions()),
                State::Sealed { shares, .. } => (true, shares.len(), Vec::new()),
                State::Uninitialised => (true, 0, Vec::new()),
            }
        };
        let records_not_on_primary = match (&meta, sealed) {
            (Some(m), false) => {
                let primary = m.primary_version;
                Some(self.db.run(move |c| store::count_not_on(c, primary)).await?)
            }
            _ => None,
        };
        Ok(KeyStatus {
            initialised: meta.is_some(),
            sealed,
            root_source: meta.as_ref().map(|m| m.root_source),
            share_threshold: meta.as_ref().and_then(|m| m.share_threshold),
            shares_received,
            primary_version: meta.as_ref().filter(|_| !sealed).map(|m| m.primary_version),
            versions,
            records_not_on_primary,
        })
    }

    async fn unseal_with_root(&self, root_key: SecretKey) -> Result<()> {
        let probe = root_key.clone();
        let (keyring, generation, source) = self
            .db
            .run(move |c| {
                let meta = store::load_meta(c)?.ok_or(Error::NotInitialised)?;
                let keyring = store::load_keyring(c, &probe, &meta)?;
                Ok((keyring, meta.generation, meta.root_source))
            })
            .await?;
        self.set_state(State::Unsealed { root: root_key, keyring: Arc::new(keyring), generation, source });
        Ok(())
    }

    /// Unseal with the passphrase. A wrong one is audited and answered `WrongKey`.
    pub async fn unseal_passphrase(&self, actor: Actor, passphrase: SecretString) -> Result<KeyStatus> {
        let meta = self.sealed_meta(RootSource::Passphrase).await?;
        let params = meta.kdf_params.clone().ok_or(Error::Integrity)?;
        let root = tokio::task::spawn_blocking(move || {
            crypto::derive_from_passphrase(passphrase.expose_secret().as_bytes(), &params)
        })
        .await??;
        self.finish_unseal(actor, root, &meta).await
    }

    /// Adds one trustee share; when enough have arrived, reconstructs the root and
    /// unseals. Shares may come from different admins, one request each.
    pub async fn unseal_share(&self, actor: Actor, share: SecretString) -> Result<KeyStatus> {
        let meta = self.sealed_meta(RootSource::Shares).await?;
        let threshold = usize::from(meta.share_threshold.ok_or(Error::Integrity)?);
        let collected = {
            let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
            let State::Sealed { shares, .. } = &mut *state else {
                return Err(Error::Conflict("not_sealed"));
            };
            shares.push(Zeroizing::new(share.expose_secret().trim().to_owned()));
            if shares.len() < threshold { None } else { Some(std::mem::take(shares)) }
        };
        let Some(collected) = collected else {
            let status = self.status().await?;
            let entry = Entry::new(actor, "unseal.share").detail("received", status.shares_received);
            self.db.transaction(move |c| audit::append(c, &entry).map(drop)).await?;
            return Ok(status);
        };
        let texts: Vec<&str> = collected.iter().map(|s| s.as_str()).collect();
        match crypto::combine(&texts) {
            Ok(root) => self.finish_unseal(actor, root, &meta).await,
            Err(e) => {
                self.audit_failed_unseal(actor, "invalid_shares").await?;
                Err(e.into())
            }
        }
    }

    /// Unseal a key-file or environment installation after an emergency seal, by
    /// reading the root key from where it is kept.
    pub async fn unseal_stored(&self, actor: Actor) -> Result<KeyStatus> {
        if !self.is_sealed() {
            return Err(Error::Conflict("not_sealed"));
        }
        let meta = self.db.run(store::load_meta).await?.ok_or(Error::NotInitialised)?;
        if !meta.root_source.opens_at_start() {
            return Err(Error::BadRequest(format!(
                "this keyring is opened with a {}",
                meta.root_source.as_str()
            )));
        }
        let root = self.read_stored_root(meta.root_source)?;
        self.finish_unseal(actor, root, &meta).await
    }

    async fn sealed_meta(&self, expected: RootSource) -> Result<Meta> {
        if !self.is_sealed() {
            return Err(Error::Conflict("not_sealed"));
        }
        let meta = self.db.run(store::load_meta).await?.ok_or(Error::NotInitialised)?;
        if meta.root_source != expected {
            return Err(Error::BadRequest(format!(
                "this keyring is opened with {}, not {}",
                meta.root_source.as_str(),
                expected.as_str()
            )));
        }
        Ok(meta)
    }

    async fn finish_unseal(&self, actor: Actor, root_key: SecretKey, meta: &Meta) -> Result<KeyStatus> {
        if crypto::verify_key_check(&root_key, &meta.key_check).is_err() {
            self.audit_failed_unseal(actor, "wrong_key").await?;
            return Err(Error::WrongKey);
        }
        self.unseal_with_root(root_key).await?;
        let entry = Entry::new(actor, "unseal")
            .detail("source", meta.root_source.as_str())
            .detail("node", self.node_id.clone());
        let now = self.clock.now_naive();
        let epoch = self
            .db
            .transaction(move |c| {
                audit::append(c, &entry)?;
                cluster_seal::lift(c, now)
            })
            .await?;
        self.seal_epoch.fetch_max(epoch, Ordering::AcqRel);
        tracing::info!("keys unsealed");
        self.status().await
    }

    async fn audit_failed_unseal(&self, actor: Actor, reason: &'static str) -> Result<()> {
        let entry = Entry::new(actor, "unseal").outcome(Outcome::Failure).detail("reason", reason);
        self.db.transaction(move |c| audit::append(c, &entry).map(drop)).await
    }

    /// The emergency button: drop every key from memory at once, and raise the
    /// cluster's seal so every other node's poll seals that node too (`cluster_seal`). File
    /// and environment installations stay sealed until unsealed (empty-body unseal).
    pub async fn seal(&self, actor: Actor) -> Result<()> {
        match &*self.state.read().unwrap_or_else(|p| p.into_inner()) {
            State::Unsealed { .. } => {}
            State::Sealed { .. } => return Err(Error::Conflict("already_sealed")),
            State::Uninitialised => return Err(Error::NotInitialised),
        }
        self.seal_cluster(actor).await
    }

    /// A new primary KEK; older ones keep opening existing records until rewrapped.
    pub async fn rotate(&self, actor: Actor) -> Result<u32> {
        // Another node may have changed the keyring since this one last looked.
        self.reload_if_changed().await?;
        let held = self.generation();
        let (root_key, source) = self.root()?;
        let meta = self.db.run(store::load_meta).await?.ok_or(Error::NotInitialised)?;
        let mut keyring = (*self.keyring()?).clone();
        let version = keyring.rotate()?;
        let setup = unchanged_root(&meta, source);
        let persisted = keyring.clone();
        let now = self.clock.now_naive();
        let generation = self
            .db
            .transaction(move |c| {
                store::claim_generation(c, held)?;
                let generation = store::save_keyring(c, &root_key, &persisted, &setup, now)?;
                audit::append(c, &Entry::new(actor, "key.rotate").detail("primary_version", version))?;
                Ok(generation)
            })
            .await?;
        self.replace_keyring(keyring, generation);
        Ok(version)
    }

    fn replace_keyring(&self, keyring: Keyring, new_generation: i64) {
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        if let State::Unsealed { keyring: current, generation, .. } = &mut *state {
            *current = Arc::new(keyring);
            *generation = new_generation;
        }
    }

    /// Destroys an old KEK. Refused for the primary and while any record uses it.
    pub async fn retire(&self, actor: Actor, version: u32) -> Result<()> {
        self.reload_if_changed().await?;
        let held = self.generation();
        let (root_key, source) = self.root()?;
        let meta = self.db.run(store::load_meta).await?.ok_or(Error::NotInitialised)?;
        let mut keyring = (*self.keyring()?).clone();
        if !keyring.versions().contains(&version) {
            return Err(Error::NotFound);
        }
        keyring.remove(version)?;
        let setup = unchanged_root(&meta, source);
        let persisted = keyring.clone();
        let now = self.clock.now_naive();
        let generation = self
            .db
            .transaction(move |c| {
                store::claim_generation(c, held)?;
                let in_use = store::count_using(c, version)?;
                if in_use > 0 {
                    return Err(Error::Conflict("key_version_in_use"));
                }
                let generation = store::save_keyring(c, &root_key, &persisted, &setup, now)?;
                audit::append(c, &Entry::new(actor, "key.retire").detail("version", version))?;
                Ok(generation)
            })
            .await?;
        self.replace_keyring(keyring, generation);
        Ok(())
    }

    /// Creates the keyring on a fresh database. Returns what the operator must keep.
    pub async fn init(&self, actor: Actor, new_root: NewRoot) -> Result<RootHandover> {
        if self.db.run(store::load_meta).await?.is_some() {
            return Err(Error::Conflict("already_initialised"));
        }
        self.install_root(actor, Keyring::generate(), new_root, "key.init").await
    }

    /// Replaces the root key (new passphrase, new shares, or a key file); only the
    /// keyring is rewrapped, no record is touched.
    pub async fn change_root(&self, actor: Actor, new_root: NewRoot) -> Result<RootHandover> {
        let keyring = (*self.keyring()?).clone();
        self.install_root(actor, keyring, new_root, "key.root_change").await
    }

    async fn install_root(
        &self,
        actor: Actor,
        keyring: Keyring,
        new_root: NewRoot,
        action: &'static str,
    ) -> Result<RootHandover> {
        let root_key = SecretKey::generate();
        let (setup, handover) = match new_root {
            NewRoot::File => {
                root::create_key_file(&self.settings.key_file, &root_key)?;
                let setup = RootSetup { source: RootSource::File, kdf_params: None, shares: None };
                (setup, RootHandover::KeyFile(self.settings.key_file.clone()))
            }
            NewRoot::Env => {
                let setup = RootSetup { source: RootSource::Env, kdf_params: None, shares: None };
                (setup, RootHandover::EnvKey(root_key.to_base64()))
            }
            NewRoot::Passphrase(passphrase) => {
                return self.install_passphrase(actor, keyring, passphrase, action).await;
            }
            NewRoot::Shares { count, threshold, trustees } => {
                if !trustees.is_empty() && trustees.len() != usize::from(count) {
                    return Err(Error::BadRequest(format!(
                        "{} trustee keys for {count} shares",
                        trustees.len()
                    )));
                }
                let shares = crypto::split(&root_key, count, threshold)?;
                let texts = if trustees.is_empty() {
                    shares.iter().map(|s| Zeroizing::new(s.as_str().to_owned())).collect()
                } else {
                    shares
                        .iter()
                        .zip(&trustees)
                        .map(|(s, t)| crypto::encrypt_share_to(s.as_str(), t).map(Zeroizing::new))
                        .collect::<Result<Vec<_>, _>>()?
                };
                let setup = RootSetup {
                    source: RootSource::Shares,
                    kdf_params: None,
                    shares: Some((threshold, count)),
                };
                (setup, RootHandover::Shares(texts))
            }
        };
        self.persist_root(actor, keyring, root_key, setup, action).await?;
        Ok(handover)
    }

    async fn install_passphrase(
        &self,
        actor: Actor,
        keyring: Keyring,
        passphrase: SecretString,
        action: &'static str,
    ) -> Result<RootHandover> {
        if passphrase.expose_secret().chars().count() < 16 {
            return Err(Error::field("passphrase", "too_short", "at least 16 characters"));
        }
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|e| Error::internal(format!("rng: {e}")))?;
        let params = KdfParams {
            m_cost_kib: self.settings.passphrase_memory_kib,
            t_cost: self.settings.passphrase_iterations,
            p_cost: 1,
            salt,
        };
        let derive = params.clone();
        let root_key = tokio::task::spawn_blocking(move || {
            crypto::derive_from_passphrase(passphrase.expose_secret().as_bytes(), &derive)
        })
        .await??;
        let setup = RootSetup { source: RootSource::Passphrase, kdf_params: Some(params), shares: None };
        self.persist_root(actor, keyring, root_key, setup, action).await?;
        Ok(RootHandover::Passphrase)
    }

    async fn persist_root(
        &self,
        actor: Actor,
        keyring: Keyring,
        root_key: SecretKey,
        setup: RootSetup,
        action: &'static str,
    ) -> Result<()> {
        let (stored_root, stored_ring, source) = (root_key.clone(), keyring.clone(), setup.source);
        let now = self.clock.now_naive();
        let generation = self
            .db
            .transaction(move |c| {
                let generation = store::save_keyring(c, &stored_root, &stored_ring, &setup, now)?;
                audit::append(c, &Entry::new(actor, action).detail("source", setup.source.as_str()))?;
                Ok(generation)
            })
            .await?;
        self.set_state(State::Unsealed { root: root_key, keyring: Arc::new(keyring), generation, source });
        Ok(())
    }

    /// Picks up keyring changes another process (the CLI) made. If the root itself was
    /// changed elsewhere, the keys held here are dropped: unseal again.
    pub async fn reload_if_changed(&self) -> Result<bool> {
        let held = match &*self.state.read().unwrap_or_else(|p| p.into_inner()) {
            State::Unsealed { generation, .. } => *generation,
            _ => return Ok(false),
        };
        let Some(current) = self.db.run(store::generation).await? else { return Ok(false) };
        if current == held {
            return Ok(false);
        }
        let (root_key, source) = self.root()?;
        let probe = root_key.clone();
        let loaded = self.db.run(move |c| load_current(c, &probe)).await?;
        self.apply_reload(root_key, source, loaded);
        Ok(true)
    }

    /// The keyring for one transaction, current as of its start: when another node has
    /// changed the keyring (a rotation, a retirement), it is reloaded here and now, so a
    /// record written under a key version this node had not seen yet opens at once and
    /// writes move to the new primary. Costs one read of the generation per transaction.
    pub fn keyring_for(&self, c: &mut DbConnection) -> Result<Arc<Keyring>> {
        let (keyring, held) = match &*self.state.read().unwrap_or_else(|p| p.into_inner()) {
            State::Unsealed { keyring, generation, .. } => (keyring.clone(), *generation),
            State::Sealed { .. } => return Err(Error::Sealed),
            State::Uninitialised => return Err(Error::NotInitialised),
        };
        if store::generation(c)?.is_none_or(|current| current == held) {
            return Ok(keyring);
        }
        let (root_key, source) = self.root()?;
        let loaded = load_current(c, &root_key)?;
        self.apply_reload(root_key, source, loaded);
        self.keyring()
    }

    fn apply_reload(&self, root_key: SecretKey, source: RootSource, loaded: Loaded) {
        match loaded {
            (Ok(keyring), generation, new_source) if new_source == source || source.opens_at_start() => {
                self.set_state(State::Unsealed {
                    root: root_key,
                    keyring: Arc::new(keyring),
                    generation,
                    source: new_source,
                });
                tracing::info!(generation, "keyring reloaded");
            }
            _ => {
                self.set_state(State::Sealed { shares: Vec::new() });
                tracing::warn!("root key changed by another process: sealed; unseal again");
            }
        }
    }

    /// The keyring generation this node holds; none while sealed.
    pub fn generation(&self) -> Option<i64> {
        match &*self.state.read().unwrap_or_else(|p| p.into_inner()) {
            State::Unsealed { generation, .. } => Some(*generation),
            _ => None,
        }
    }
}

/// The keyring as stored, opened with `root` (or why not), its generation and source.
type Loaded = (Result<Keyring>, i64, RootSource);

fn load_current(c: &mut DbConnection, root: &SecretKey) -> Result<Loaded> {
    let meta = store::load_meta(c)?.ok_or(Error::NotInitialised)?;
    Ok((store::load_keyring(c, root, &meta), meta.generation, meta.root_source))
}

/// The root set-up as it stands, for writes that change only the keyring.
fn unchanged_root(meta: &Meta, source: RootSource) -> RootSetup {
    RootSetup {
        source,
        kdf_params: meta.kdf_params.clone(),
        shares: meta.share_threshold.zip(meta.share_count),
    }
}
