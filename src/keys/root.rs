//! Where the root key comes from: a key file or an environment variable (opened at
//! start), or a passphrase or k-of-n trustee shares (entered at unseal). Also the MAC that
//! pins the keyring's primary version to the root key.

use std::io::Write;
use std::path::Path;
use std::str::FromStr;

use hmac::{KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::crypto::SecretKey;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RootSource {
    File,
    Env,
    Passphrase,
    Shares,
}

impl RootSource {
    pub fn as_str(self) -> &'static str {
        match self {
            RootSource::File => "file",
            RootSource::Env => "env",
            RootSource::Passphrase => "passphrase",
            RootSource::Shares => "shares",
        }
    }

    /// File and environment keys are at hand when the service starts; a passphrase or
    /// shares must be entered, so those installations start sealed.
    pub fn opens_at_start(self) -> bool {
        matches!(self, RootSource::File | RootSource::Env)
    }
}

impl FromStr for RootSource {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "file" => Ok(RootSource::File),
            "env" => Ok(RootSource::Env),
            "passphrase" => Ok(RootSource::Passphrase),
            "shares" => Ok(RootSource::Shares),
            _ => Err(Error::internal("unknown root key source")),
        }
    }
}

pub fn read_key_file(path: &Path) -> Result<SecretKey> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| Error::internal(format!("root key file {}: {e}", path.display())))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(Error::internal(format!(
                "root key file {} is readable by other users (mode {:o}); chmod 600 it",
                path.display(),
                mode & 0o777
            )));
        }
    }
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(path)
            .map_err(|e| Error::internal(format!("root key file {}: {e}", path.display())))?,
    );
    SecretKey::from_base64(text.trim())
        .map_err(|_| Error::internal("root key file does not hold a base64 key"))
}

/// Writes a new key file, mode 0600, refusing to overwrite one.
pub fn create_key_file(path: &Path, key: &SecretKey) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| Error::internal(format!("cannot create root key file {}: {e}", path.display())))?;
    let text = key.to_base64();
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()?;
    Ok(())
}

pub fn read_env(var: &str) -> Result<SecretKey> {
    let text = zeroize::Zeroizing::new(
        std::env::var(var).map_err(|_| Error::internal(format!("environment variable {var} is not set")))?,
    );
    SecretKey::from_base64(text.trim())
        .map_err(|_| Error::internal(format!("{var} does not hold a base64 key")))
}

type HmacSha256 = hmac::Hmac<Sha256>;

/// Binds the primary KEK version to the root key: whoever can write the database but
/// lacks the root key cannot point new records at an older, perhaps leaked, KEK.
pub fn primary_mac(root: &SecretKey, version: u32) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail for a 32-byte key.
    let Ok(mut mac) = <HmacSha256 as KeyInit>::new_from_slice(root.expose()) else {
        return [0; 32];
    };
    mac.update(b"custodia/keyring-primary/v1");
    mac.update(&version.to_be_bytes());
    mac.finalize().into_bytes().into()
}

pub fn verify_primary_mac(root: &SecretKey, version: u32, stored: &[u8]) -> Result<()> {
    if bool::from(primary_mac(root, version).as_slice().ct_eq(stored)) {
        Ok(())
    } else {
        Err(Error::Integrity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_files_are_private_and_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/root.key");
        let key = SecretKey::generate();
        create_key_file(&path, &key).unwrap();
        assert_eq!(read_key_file(&path).unwrap(), key);
        assert!(create_key_file(&path, &key).is_err(), "never overwrites");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(read_key_file(&path).is_err(), "world-readable key refused");
        }
    }

    #[test]
    fn the_primary_mac_pins_the_version_to_the_root() {
        let root = SecretKey::generate();
        let mac = primary_mac(&root, 3);
        assert!(verify_primary_mac(&root, 3, &mac).is_ok());
        assert!(verify_primary_mac(&root, 2, &mac).is_err());
        assert!(verify_primary_mac(&SecretKey::generate(), 3, &mac).is_err());
    }
}
