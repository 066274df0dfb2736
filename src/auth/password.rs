//! argon2id password hashing, run on the blocking pool with a cap on concurrent hashes:
//! half the cores (at least one), so a burst of logins — or a guessing attack — can
//! neither exhaust memory (each hash holds `m` KiB) nor take the CPU that reads and
//! searches need. Logins beyond the cap wait their turn.

use std::sync::Arc;

use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

use crate::config::AuthSettings;
use crate::error::{Error, Result};

#[derive(Clone)]
pub struct Passwords {
    params: Params,
    permits: Arc<Semaphore>,
    /// Verified against when the account does not exist, so an unknown username costs
    /// the same time as a wrong password.
    dummy_hash: Arc<str>,
}

impl std::fmt::Debug for Passwords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Passwords").field("params", &self.params).finish()
    }
}

impl Passwords {
    pub fn new(settings: &AuthSettings) -> Result<Self> {
        let params = Params::new(
            settings.argon2_memory_kib,
            settings.argon2_iterations,
            settings.argon2_parallelism,
            None,
        )
        .map_err(|e| Error::internal(format!("argon2 parameters: {e}")))?;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let mut this =
            Self { params, permits: Arc::new(Semaphore::new((cores / 2).max(1))), dummy_hash: Arc::from("") };
        this.dummy_hash = Arc::from(this.hash_blocking(&SecretString::from("custodia-dummy-password"))?);
        Ok(this)
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// For the CLI and start-up, which run outside the async runtime.
    pub fn hash_blocking(&self, password: &SecretString) -> Result<String> {
        self.argon2()
            .hash_password(password.expose_secret().as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| Error::internal(format!("argon2: {e}")))
    }

    /// `stored = None` means no such account: the dummy hash is checked instead and the
    /// answer is always false.
    pub fn verify_blocking(&self, password: &SecretString, stored: Option<&str>) -> bool {
        let candidate = password.expose_secret().as_bytes();
        match stored {
            Some(hash) => self.argon2().verify_password(candidate, hash).is_ok(),
            None => {
                let _ = self.argon2().verify_password(candidate, &*self.dummy_hash);
                false
            }
        }
    }

    pub async fn hash(&self, password: SecretString) -> Result<String> {
        let _permit = self.permits.acquire().await.map_err(Error::internal)?;
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.hash_blocking(&password)).await?
    }

    pub async fn verify(&self, password: SecretString, stored: Option<String>) -> Result<bool> {
        let _permit = self.permits.acquire().await.map_err(Error::internal)?;
        let this = self.clone();
        Ok(tokio::task::spawn_blocking(move || this.verify_blocking(&password, stored.as_deref())).await?)
    }

    /// Hashes made with weaker parameters than configured now (e.g. after raising `m`).
    pub fn needs_rehash(&self, stored: &str) -> bool {
        match argon2::PasswordHash::new(stored) {
            Ok(parsed) => Params::try_from(&parsed).map_or(true, |p| {
                p.m_cost() < self.params.m_cost()
                    || p.t_cost() < self.params.t_cost()
                    || p.p_cost() < self.params.p_cost()
            }),
            Err(_) => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> Passwords {
        let settings = AuthSettings {
            session_idle_minutes: 30,
            session_absolute_minutes: 60,
            argon2_memory_kib: 64,
            argon2_iterations: 1,
            argon2_parallelism: 1,
            max_failures_per_account: 5,
            max_failures_per_address: 20,
            failure_window_minutes: 15,
            totp_issuer: "t".into(),
            require_second_factor: Vec::new(),
        };
        Passwords::new(&settings).unwrap()
    }

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let p = cheap();
        let pw = SecretString::from("correct horse battery staple");
        let hash = p.hash_blocking(&pw).unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{hash}");
        assert!(p.verify_blocking(&pw, Some(&hash)));
        assert!(!p.verify_blocking(&SecretString::from("wrong"), Some(&hash)));
        assert!(!p.verify_blocking(&pw, None));
        assert!(!p.verify_blocking(&pw, Some("not a hash")));
        assert!(!p.needs_rehash(&hash));
    }
}
