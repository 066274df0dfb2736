//! Settings: `config/default.toml`, then `config/<env>.toml`, then `CUSTODIA__SECTION__KEY`
//! environment variables. Unknown keys are rejected so a typo never silently falls back
//! to a default; secrets are `SecretString` so Debug output never shows them.

use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub keys: KeySettings,
    pub storage: StorageSettings,
    pub audit: AuditSettings,
    pub export: ExportSettings,
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
    /// Encrypted attachments, one file each, named by random id.
    pub blob_dir: PathBuf,
    /// Largest attachment accepted, in bytes.
    pub max_attachment_bytes: u64,
    /// Free space kept on the blob store's disk: work that would eat into it (an
    /// evidence bundle) is refused with 507 before it starts.
    pub reserve_free_bytes: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportSettings {
    /// Named as `Source-Organization` in every evidence bundle.
    pub organisation: String,
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

/// Where configuration files live: `CUSTODIA_CONFIG_DIR`, else `./config`.
pub fn default_config_dir() -> PathBuf {
    std::env::var_os("CUSTODIA_CONFIG_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("config"))
}

/// The environment file to layer over the defaults: `CUSTODIA_ENV`, else "development".
pub fn default_environment() -> String {
    std::env::var("CUSTODIA_ENV").unwrap_or_else(|_| "development".to_owned())
}

impl Settings {
    pub fn load(dir: &Path, environment: &str) -> Result<Self, ConfigError> {
        Self::load_with(dir, environment, true)
    }

    /// `use_env = false` lets tests ignore whatever `CUSTODIA__*` the developer exported.
    pub fn load_with(dir: &Path, environment: &str, use_env: bool) -> Result<Self, ConfigError> {
        if !environment.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(ConfigError::Invalid(format!(
                "environment name {environment:?} may only contain letters, digits, '-' and '_'"
            )));
        }
        let mut builder = config::Config::builder()
            .add_source(config::File::from(dir.join("default.toml")).required(true))
            .add_source(config::File::from(dir.join(format!("{environment}.toml"))).required(false));
        if use_env {
            builder = builder.add_source(
                config::Environment::with_prefix("CUSTODIA")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true),
            );
        }
        let settings: Settings = builder.build()?.try_deserialize()?;
        settings.validate()?;
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
        Ok(())
    }

    /// Below OWASP's minimum for argon2id (m=19 MiB, t=2, p=1)?
    pub fn weak_password_hashing(&self) -> bool {
        self.auth.argon2_memory_kib < 19456 || self.auth.argon2_iterations < 2
    }
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

    #[test]
    fn environment_names_cannot_escape_the_config_dir() {
        assert!(Settings::load_with(&dir(), "../etc/passwd", false).is_err());
    }
}
