//! Settings: the built-in defaults (`config/default.toml`, compiled in), then the files
//! of a configuration folder when there is one (`default.toml`, `<env>.toml`), then an
//! explicit `--config` file, then `CUSTODIA__SECTION__KEY` environment variables. An
//! installed binary therefore runs with no `config/` folder at all. Unknown keys are
//! rejected so a typo never silently falls back to a default; secrets are
//! `SecretString` so Debug output never shows them.

use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::domain::Role;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// What was read, in order (stated at start-up): "built-in defaults", then files.
    #[serde(skip)]
    pub sources: Vec<String>,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub keys: KeySettings,
    pub storage: StorageSettings,
    pub audit: AuditSettings,
    pub cluster: ClusterSettings,
    pub export: ExportSettings,
    pub analysis: AnalysisSettings,
    pub web: WebSettings,
    pub log: LogSettings,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    pub public_url: String,
    pub workers: usize,
    pub max_json_bytes: usize,
    pub client_request_timeout_secs: u64,
    /// An upload whose body sends nothing for this long is dropped (408), so slow
    /// clients cannot hold the threads that write files.
    pub upload_idle_timeout_secs: u64,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
}

impl ServerSettings {
    /// HSTS and Secure cookies only make sense when users reach us over TLS.
    pub fn behind_tls(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// May carry a password (PostgreSQL), hence secret.
    pub url: SecretString,
    pub pool_size: u32,
    pub connect_timeout_secs: u64,
    pub auto_migrate: bool,
    pub sqlite_busy_timeout_ms: u32,
    pub sqlite_synchronous: SqliteSynchronous,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SqliteSynchronous {
    Full,
    Normal,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    pub session_idle_minutes: i64,
    pub session_absolute_minutes: i64,
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
    pub max_failures_per_account: u32,
    pub max_failures_per_address: u32,
    pub failure_window_minutes: i64,
    pub totp_issuer: String,
    /// Roles that must sign in with a second factor, whatever the per-role rule an admin
    /// sets; a member without one may only enrol it. Admins and lawyers unless turned off
    /// (`[]`, or an empty `CUSTODIA__AUTH__REQUIRE_SECOND_FACTOR`).
    #[serde(default = "second_factor_roles", deserialize_with = "role_list")]
    pub require_second_factor: Vec<Role>,
}

fn second_factor_roles() -> Vec<Role> {
    vec![Role::Admin, Role::Lawyer]
}

/// A list of roles; empty items are skipped, so an empty environment variable (which
/// arrives as one empty item) means none.
fn role_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Role>, D::Error> {
    let items = Vec::<String>::deserialize(d)?;
    items
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<Role>().map_err(serde::de::Error::custom))
        .collect()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySettings {
    /// Root key file, for keyrings set up with `--source file`.
    pub key_file: PathBuf,
    /// Environment variable holding the base64 root key, for `--source env`.
    pub env_var: String,
    /// On first start with no keyring, create one with a new key file (simple installs).
    pub auto_init: bool,
    /// argon2id cost of a root passphrase, set when the passphrase is chosen.
    pub passphrase_memory_kib: u32,
    pub passphrase_iterations: u32,
    /// How often a running service looks for keyring changes made by the CLI.
    pub reload_interval_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageSettings {
    /// Where attachment and bundle ciphertext goes: this machine's `blob_dir`, or an
    /// S3-compatible bucket (`[storage.s3]`) that several nodes can share.
    #[serde(default)]
    pub kind: StorageKind,
    /// Encrypted attachments, one file each, named by random id (`kind = "folder"`).
    pub blob_dir: PathBuf,
    /// Largest attachment accepted, in bytes.
    pub max_attachment_bytes: u64,
    /// Largest file an import accepts, in bytes (it streams; a spreadsheet's sheets are
    /// read whole, within a bound of their own).
    pub max_import_bytes: u64,
    /// Free space kept on the blob store's disk: work that would eat into it (an
    /// evidence bundle) is refused with 507 before it starts.
    pub reserve_free_bytes: u64,
    /// The bucket, when `kind = "s3"`.
    #[serde(default)]
    pub s3: Option<S3Settings>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageKind {
    #[default]
    Folder,
    S3,
}

/// An S3-compatible bucket (AWS S3, Garage, MinIO, Ceph RGW, Backblaze B2).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Settings {
    /// `https://s3.example.org` or, for a store on loopback, `http://127.0.0.1:3900`.
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    /// Put before every key (`blobs/<id>` follows), so installations can share a
    /// bucket: letters, digits and `-_./` only, ending in `/` when not empty.
    #[serde(default)]
    pub prefix: String,
    pub access_key_id: String,
    /// Also from `CUSTODIA__STORAGE__S3__SECRET_ACCESS_KEY`.
    pub secret_access_key: SecretString,
    /// `https://endpoint/bucket/key` (Garage, MinIO) rather than
    /// `https://bucket.endpoint/key` (AWS).
    #[serde(default = "yes")]
    pub path_style: bool,
    /// Bytes the objects may take in all; without it the bucket counts as unbounded.
    #[serde(default)]
    pub quota_bytes: Option<u64>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportSettings {
    /// Named as `Source-Organization` in every evidence bundle.
    pub organisation: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisSettings {
    /// Pattern counts from 1 to `min_count - 1` are withheld, so that an aggregate
    /// cannot single out a witness (`docs/analysis.md`).
    pub min_count: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSettings {
    /// Where the quick-exit control sends the browser: a neutral page.
    pub exit_url: String,
    /// Minutes without keyboard or pointer activity before a page locks itself (the
    /// draft being written is saved first). 0 turns the lock off.
    pub idle_lock_minutes: u32,
    /// The same in seconds, overriding the minutes when set (tests).
    #[serde(default)]
    pub idle_lock_seconds: Option<u32>,
    /// How long the sign-in page keeps (sealed) a form posted after its session ended.
    #[serde(default = "default_kept_form_minutes")]
    pub kept_form_minutes: u32,
}

fn default_kept_form_minutes() -> u32 {
    15
}

impl WebSettings {
    /// The idle lock in seconds; 0 when off.
    pub fn idle_lock_secs(&self) -> u32 {
        self.idle_lock_seconds.unwrap_or(self.idle_lock_minutes.saturating_mul(60))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSettings {
    /// This node's name; empty: the host name and a random suffix (`cluster::node_id`).
    pub node_id: String,
    /// Seconds between the node's looks at the database (jobs, the emergency seal).
    pub poll_interval_secs: u64,
    /// Seconds an export build stays claimed without a renewal.
    pub job_lease_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSettings {
    /// How often the service signs a checkpoint of the audit log when it has grown.
    pub checkpoint_interval_secs: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    pub level: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Load(#[from] config::ConfigError),
    #[error("configuration: {0}")]
    Invalid(String),
}

/// The defaults every installation starts from, compiled into the binary.
pub const BUILT_IN_DEFAULTS: &str = include_str!("../config/default.toml");

/// Where settings come from, beyond the built-in defaults.
#[derive(Debug, Clone)]
pub struct Sources<'a> {
    /// A folder of `default.toml` and `<env>.toml`. `required`: it was named explicitly
    /// (a flag or `CUSTODIA_CONFIG_DIR`), so its absence is an error rather than a quiet
    /// fall-back to defaults that would open another database.
    pub dir: Option<(&'a Path, bool)>,
    /// The environment file to layer over the defaults (`<env>.toml`).
    pub environment: &'a str,
    /// One more file, required, over the folder's (`--config`).
    pub file: Option<&'a Path>,
    /// Read `CUSTODIA__…` variables (tests turn this off).
    pub use_env: bool,
}

impl Settings {
    /// A configuration folder's files over the built-in defaults, then the environment.
    pub fn load(dir: &Path, environment: &str) -> Result<Self, ConfigError> {
        Self::load_with(dir, environment, true)
    }

    /// `use_env = false` lets tests ignore whatever `CUSTODIA__*` the developer exported.
    pub fn load_with(dir: &Path, environment: &str, use_env: bool) -> Result<Self, ConfigError> {
        Self::load_from(&Sources { dir: Some((dir, false)), environment, file: None, use_env })
    }

    pub fn load_from(sources: &Sources<'_>) -> Result<Self, ConfigError> {
        let environment = sources.environment;
        if !environment.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(ConfigError::Invalid(format!(
                "environment name {environment:?} may only contain letters, digits, '-' and '_'"
            )));
        }
        let mut read = vec!["built-in defaults".to_owned()];
        let mut builder = config::Config::builder()
            .add_source(config::File::from_str(BUILT_IN_DEFAULTS, config::FileFormat::Toml));
        if let Some((dir, required)) = sources.dir {
            if dir.is_dir() {
                for name in ["default.toml".to_owned(), format!("{environment}.toml")] {
                    let path = dir.join(name);
                    if path.is_file() {
                        read.push(shown(&path));
                        builder = builder.add_source(config::File::from(path).required(true));
                    }
                }
            } else if required {
                return Err(ConfigError::Invalid(format!("configuration folder {} not found", shown(dir))));
            }
        }
        if let Some(file) = sources.file {
            if !file.is_file() {
                return Err(ConfigError::Invalid(format!("configuration file {} not found", shown(file))));
            }
            read.push(shown(file));
            builder =
                builder.add_source(config::File::from(file).format(config::FileFormat::Toml).required(true));
        }
        if sources.use_env {
            builder = builder.add_source(
                config::Environment::with_prefix("CUSTODIA")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true)
                    .list_separator(",")
                    .with_list_parse_key("auth.require_second_factor"),
            );
        }
        let mut settings: Settings = builder.build()?.try_deserialize()?;
        settings.validate()?;
        settings.sources = read;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let a = &self.auth;
        // OWASP's floor for argon2id; the test environment is the one exception, and it
        // marks itself by its file name, so production cannot drift below by accident.
        if a.argon2_memory_kib < 8 || a.argon2_iterations < 1 || a.argon2_parallelism < 1 {
            return Err(ConfigError::Invalid("argon2 parameters out of range".into()));
        }
        if a.session_idle_minutes <= 0 || a.session_absolute_minutes < a.session_idle_minutes {
            return Err(ConfigError::Invalid(
                "auth.session_absolute_minutes must be >= session_idle_minutes > 0".into(),
            ));
        }
        if a.max_failures_per_account == 0 || a.max_failures_per_address == 0 {
            return Err(ConfigError::Invalid("auth.max_failures_* must be at least 1".into()));
        }
        if self.database.pool_size == 0 {
            return Err(ConfigError::Invalid("database.pool_size must be at least 1".into()));
        }
        crate::store::Backend::from_url(self.database.url.expose_secret())
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        if self.storage.kind == StorageKind::S3 {
            let Some(s3) = &self.storage.s3 else {
                return Err(ConfigError::Invalid(
                    "storage.kind = \"s3\" needs a [storage.s3] section".into(),
                ));
            };
            let prefix_ok = s3.prefix.chars().all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
                && (s3.prefix.is_empty() || s3.prefix.ends_with('/'));
            if !prefix_ok {
                return Err(ConfigError::Invalid(
                    "storage.s3.prefix: letters, digits and -_./ only, ending in /".into(),
                ));
            }
            if s3.bucket.is_empty() || s3.access_key_id.is_empty() || s3.region.is_empty() {
                return Err(ConfigError::Invalid(
                    "storage.s3: bucket, region and access_key_id are needed".into(),
                ));
            }
        }
        Ok(())
    }

    /// Where this installation reads and writes, as absolute paths: stated at start-up,
    /// so a binary started from an unexpected folder says where its data really is.
    pub fn where_things_are(&self) -> String {
        let database = match crate::store::Backend::from_url(self.database.url.expose_secret()) {
            Ok(crate::store::Backend::Sqlite { path }) => format!("SQLite {}", shown(&path)),
            Ok(crate::store::Backend::Postgres) => "PostgreSQL (database.url)".to_owned(),
            Err(_) => "unknown".to_owned(),
        };
        let attachments = match (&self.storage.kind, &self.storage.s3) {
            (StorageKind::S3, Some(s3)) => {
                format!("bucket {} at {} (prefix {:?})", s3.bucket, s3.endpoint, s3.prefix)
            }
            _ => shown(&self.storage.blob_dir),
        };
        format!(
            "Settings: {}\nData: database {database}\n      attachments {attachments}\n      root key file {} \
             (when the keyring uses one)\n",
            self.sources.join(", "),
            shown(&self.keys.key_file),
        )
    }

    /// Below OWASP's minimum for argon2id (m=19 MiB, t=2, p=1)?
    pub fn weak_password_hashing(&self) -> bool {
        self.auth.argon2_memory_kib < 19456 || self.auth.argon2_iterations < 2
    }
}

/// A path as a person should read it at start-up: absolute, so an installed binary
/// started from an unexpected folder says where it is really reading and writing.
pub fn shown(path: &Path) -> String {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()).display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config")
    }

    #[test]
    fn defaults_load_and_meet_owasp_minimum() {
        let s = Settings::load_with(&dir(), "development", false).unwrap();
        assert!(!s.weak_password_hashing());
        assert_eq!(s.database.sqlite_synchronous, SqliteSynchronous::Full);
    }

    #[test]
    fn debug_output_redacts_the_database_url() {
        let s = Settings::load_with(&dir(), "development", false).unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("custodia.db"), "{shown}");
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::copy(dir().join("default.toml"), tmp.path().join("default.toml")).unwrap();
        std::fs::write(tmp.path().join("typo.toml"), "[server]\nprot = 1\n").unwrap();
        let err = Settings::load_with(tmp.path(), "typo", false).unwrap_err();
        assert!(err.to_string().contains("prot"), "{err}");
    }

    fn from(dir: Option<(&Path, bool)>, file: Option<&Path>) -> Result<Settings, ConfigError> {
        Settings::load_from(&Sources { dir, environment: "production", file, use_env: false })
    }

    #[test]
    fn an_installed_binary_needs_no_config_folder() {
        let empty = tempfile::tempdir().unwrap();
        let s = from(Some((&empty.path().join("config"), false)), None).unwrap();
        assert_eq!(s.sources, ["built-in defaults"]);
        assert_eq!(s.server.port, 8080);
        assert!(!s.weak_password_hashing());
        assert!(s.where_things_are().contains(&shown(Path::new("data/blobs"))), "{}", s.where_things_are());
    }

    #[test]
    fn files_layer_over_the_built_in_defaults_and_a_named_one_must_exist() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("production.toml"), "[server]\nport = 9001\n").unwrap();
        let extra = tmp.path().join("site.toml");
        std::fs::write(&extra, "[export]\norganisation = \"Правозащитный центр\"\n").unwrap();
        let s = from(Some((tmp.path(), true)), Some(&extra)).unwrap();
        assert_eq!((s.server.port, s.export.organisation.as_str()), (9001, "Правозащитный центр"));
        assert_eq!(s.sources.len(), 3, "{:?}", s.sources);
        assert!(s.sources[1].ends_with("production.toml") && Path::new(&s.sources[1]).is_absolute());
        // A folder or file named on purpose but missing is an error, never a quiet
        // fall-back to defaults (which would open another database).
        assert!(from(Some((&tmp.path().join("nope"), true)), None).is_err());
        assert!(from(None, Some(&tmp.path().join("nope.toml"))).is_err());
    }

    #[test]
    fn the_test_environment_still_lowers_argon2() {
        let s = Settings::load_with(&dir(), "test", false).unwrap();
        assert!(s.weak_password_hashing());
    }

    #[test]
    fn admins_and_lawyers_need_a_second_factor_unless_turned_off() {
        for env in ["development", "production"] {
            let s = Settings::load_with(&dir(), env, false).unwrap();
            assert_eq!(s.auth.require_second_factor, vec![Role::Admin, Role::Lawyer], "{env}");
        }
        // Also when a configuration file predates the setting.
        let tmp = tempfile::tempdir().unwrap();
        let defaults = std::fs::read_to_string(dir().join("default.toml")).unwrap();
        let old: String = defaults
            .lines()
            .filter(|l| !l.starts_with("require_second_factor"))
            .collect::<Vec<_>>()
            .join("\n");
        std::fs::write(tmp.path().join("default.toml"), old).unwrap();
        let s = Settings::load_with(tmp.path(), "none", false).unwrap();
        assert_eq!(s.auth.require_second_factor, vec![Role::Admin, Role::Lawyer]);
        std::fs::write(tmp.path().join("off.toml"), "[auth]\nrequire_second_factor = []\n").unwrap();
        assert!(Settings::load_with(tmp.path(), "off", false).unwrap().auth.require_second_factor.is_empty());
        std::fs::write(tmp.path().join("typo.toml"), "[auth]\nrequire_second_factor = [\"admn\"]\n").unwrap();
        assert!(Settings::load_with(tmp.path(), "typo", false).is_err());
    }

    #[test]
    fn environment_names_cannot_escape_the_config_dir() {
        assert!(Settings::load_with(&dir(), "../etc/passwd", false).is_err());
    }
}
