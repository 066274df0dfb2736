//! Secret key types: 32-byte keys kept on the heap (so moves do not leave copies on the
//! stack), wiped on drop, redacted in `Debug`, and compared in constant time. Also the
//! base64 text form used for key files and environment variables.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use subtle::{Choice, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::error::CryptoError;
use super::wire::fill_random;

/// Length in bytes of every symmetric key in this module.
pub const KEY_LEN: usize = 32;

/// A 256-bit secret key.
pub struct SecretKey(Box<[u8; KEY_LEN]>);

impl SecretKey {
    /// A fresh key from the operating system's CSPRNG.
    #[must_use]
    pub fn generate() -> Self {
        let mut key = Self::zeroed();
        fill_random(&mut key.0[..]);
        key
    }

    /// Takes ownership of raw key bytes and wipes the copy that was moved in.
    #[must_use]
    pub fn from_bytes(mut bytes: [u8; KEY_LEN]) -> Self {
        let key = Self(Box::new(bytes));
        bytes.zeroize();
        key
    }

    /// Copies a key out of a slice that must be exactly 32 bytes long.
    pub fn try_from_slice(bytes: &[u8]) -> Result<Self, CryptoError> {
        if bytes.len() != KEY_LEN {
            return Err(CryptoError::Malformed("key must be 32 bytes"));
        }
        let mut key = Self::zeroed();
        key.0.copy_from_slice(bytes);
        Ok(key)
    }

    /// The raw key bytes; keep the borrow short and never copy them into unmanaged memory.
    #[must_use]
    pub fn expose(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// Standard base64 (44 characters) for a key file; the string is wiped on drop.
    #[must_use]
    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(&self.0[..]))
    }

    /// Parses the key-file form. Surrounding whitespace (a trailing newline) is ignored.
    pub fn from_base64(text: &str) -> Result<Self, CryptoError> {
        const MALFORMED: CryptoError = CryptoError::Malformed("key must be 32 bytes of base64");
        let text = text.trim();
        if text.len() != 44 {
            return Err(MALFORMED);
        }
        // A fixed buffer rather than a Vec, so no unwiped heap copy is left behind.
        let mut buf = Zeroizing::new([0u8; 48]);
        let n = STANDARD.decode_slice(text.as_bytes(), &mut buf[..]).map_err(|_| MALFORMED)?;
        if n != KEY_LEN {
            return Err(MALFORMED);
        }
        Self::try_from_slice(&buf[..KEY_LEN])
    }

    /// An all-zero key to derive into in place; callers overwrite it before use.
    pub(super) fn zeroed() -> Self {
        Self(Box::new([0u8; KEY_LEN]))
    }

    pub(super) fn bytes_mut(&mut self) -> &mut [u8; KEY_LEN] {
        &mut self.0
    }
}

impl Clone for SecretKey {
    fn clone(&self) -> Self {
        let mut key = Self::zeroed();
        key.0.copy_from_slice(&self.0[..]);
        key
    }
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl ZeroizeOnDrop for SecretKey {}

impl ConstantTimeEq for SecretKey {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0[..].ct_eq(&other.0[..])
    }
}

impl PartialEq for SecretKey {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl Eq for SecretKey {}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey([redacted])")
    }
}

/// A record's data-encryption key: random per record, stored only wrapped by a KEK.
/// A distinct type so that a KEK or the root key cannot be passed where a DEK belongs.
#[derive(Clone, PartialEq, Eq)]
pub struct Dek(SecretKey);

impl Dek {
    /// A fresh random DEK.
    #[must_use]
    pub fn generate() -> Self {
        Self(SecretKey::generate())
    }

    /// Uses existing key material as a DEK.
    #[must_use]
    pub fn from_key(key: SecretKey) -> Self {
        Self(key)
    }

    /// The underlying key.
    #[must_use]
    pub fn as_key(&self) -> &SecretKey {
        &self.0
    }

    /// The raw key bytes.
    #[must_use]
    pub fn expose(&self) -> &[u8; KEY_LEN] {
        self.0.expose()
    }
}

impl ConstantTimeEq for Dek {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0.ct_eq(&other.0)
    }
}

impl ZeroizeOnDrop for Dek {}

impl std::fmt::Debug for Dek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Dek([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_key_bytes() {
        let key = SecretKey::from_bytes([0xAB; 32]);
        let shown = format!("{key:?} {:?}", Dek::from_key(key.clone()));
        assert_eq!(shown, "SecretKey([redacted]) Dek([redacted])");
    }

    #[test]
    fn generated_keys_differ() {
        assert_ne!(SecretKey::generate(), SecretKey::generate());
        assert_ne!(Dek::generate(), Dek::generate());
    }

    #[test]
    fn key_file_text_round_trips_and_tolerates_a_trailing_newline() {
        let key = SecretKey::generate();
        let text = key.to_base64();
        assert_eq!(text.len(), 44);
        let back = SecretKey::from_base64(&format!("{}\n", text.as_str())).unwrap();
        assert_eq!(back, key);
    }

    #[test]
    fn key_file_text_of_wrong_length_or_alphabet_is_malformed() {
        let too_long = STANDARD.encode([7u8; 33]);
        let too_short = STANDARD.encode([7u8; 31]);
        for bad in [
            "",
            "AAAA",
            "not base64 at all, not base64 at all, not!!!",
            too_long.as_str(),
            too_short.as_str(),
        ] {
            assert!(matches!(SecretKey::from_base64(bad), Err(CryptoError::Malformed(_))));
        }
    }

    #[test]
    fn slices_must_be_exactly_32_bytes() {
        assert!(SecretKey::try_from_slice(&[0; 31]).is_err());
        assert!(SecretKey::try_from_slice(&[0; 33]).is_err());
        assert_eq!(SecretKey::try_from_slice(&[9; 32]).unwrap(), SecretKey::from_bytes([9; 32]));
    }
}
