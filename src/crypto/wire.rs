//! Byte-level helpers shared by every format in this module: an unambiguous,
//! length-prefixed encoding for associated data and KDF info strings, and the one
//! place randomness comes from (the operating system's CSPRNG).

use aes_gcm::{AeadInOut, Aes256Gcm, KeyInit};

use super::error::CryptoError;

/// AES-GCM nonce length (96 bits).
pub(super) const NONCE_LEN: usize = 12;
/// AES-GCM tag length.
pub(super) const TAG_LEN: usize = 16;
/// Length of the key commitments stored in field blobs and stream headers.
pub(super) const COMMIT_LEN: usize = 32;

/// AES-256-GCM keyed with `key` (the expanded key schedule is wiped when dropped).
pub(super) fn aes256gcm(key: &[u8; 32]) -> Aes256Gcm {
    Aes256Gcm::new(key.into())
}

/// Encrypts `buf` in place and returns the tag. Fails only past AES-GCM's 64 GiB limit.
pub(super) fn seal_in_place(
    cipher: &Aes256Gcm,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    buf: &mut [u8],
) -> Result<[u8; TAG_LEN], CryptoError> {
    let tag =
        cipher.encrypt_inout_detached(nonce.into(), aad, buf.into()).map_err(|_| CryptoError::TooLarge)?;
    let mut out = [0u8; TAG_LEN];
    out.copy_from_slice(&tag);
    Ok(out)
}

/// Verifies `tag` and only then decrypts `buf` in place; any failure is `Integrity`.
pub(super) fn open_in_place(
    cipher: &Aes256Gcm,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    buf: &mut [u8],
    tag: &[u8],
) -> Result<(), CryptoError> {
    let tag: &[u8; TAG_LEN] = tag.try_into().map_err(|_| CryptoError::Integrity)?;
    cipher
        .decrypt_inout_detached(nonce.into(), aad, buf.into(), tag.into())
        .map_err(|_| CryptoError::Integrity)
}

/// Builds associated data / HKDF info so that no two different field lists encode to the
/// same bytes: variable-length fields carry a length prefix, so ("ab","c") != ("a","bc").
pub(super) struct Transcript(Vec<u8>);

impl Transcript {
    /// Starts with a domain label so that bytes built for one purpose can never be
    /// valid associated data for another.
    pub(super) fn new(label: &str) -> Self {
        let mut t = Self(Vec::with_capacity(96));
        t.put_bytes(label.as_bytes());
        t
    }

    fn put_bytes(&mut self, bytes: &[u8]) {
        // A u64 prefix cannot truncate any length a slice can have.
        self.0.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
        self.0.extend_from_slice(bytes);
    }

    pub(super) fn bytes(mut self, bytes: &[u8]) -> Self {
        self.put_bytes(bytes);
        self
    }

    pub(super) fn str(self, s: &str) -> Self {
        self.bytes(s.as_bytes())
    }

    /// Fixed-width values need no prefix: each label fixes the sequence of field widths.
    pub(super) fn u8(mut self, v: u8) -> Self {
        self.0.push(v);
        self
    }

    pub(super) fn u32(mut self, v: u32) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub(super) fn finish(self) -> Vec<u8> {
        self.0
    }
}

/// Fills `buf` from the OS CSPRNG.
///
/// # Panics
/// Only if the operating system cannot provide randomness at all. Carrying on would mean
/// predictable keys or repeated nonces, which is worse than stopping; on Linux the
/// `getrandom(2)` call does not fail once the kernel pool is initialised.
pub(super) fn fill_random(buf: &mut [u8]) {
    #[allow(clippy::expect_used)]
    getrandom::fill(buf).expect("operating system random number generator failed");
}

/// HKDF-SHA256 straight into `okm`, for outputs of fixed, small length.
pub(super) fn hkdf_sha256(ikm: &[u8], salt: &[u8], info: &[u8], okm: &mut [u8]) {
    let hk = hkdf::Hkdf::<sha2::Sha256>::new(Some(salt), ikm);
    // Provably infallible: every caller asks for at most 96 bytes, far below HKDF-SHA256's
    // 255 * 32 byte limit.
    #[allow(clippy::expect_used)]
    hk.expand(info, okm).expect("HKDF output length is a small compile-time constant");
}

/// Random fixed-size array, for nonces and salts (not secret once written out).
pub(super) fn random_array<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    fill_random(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_prefixes_keep_field_boundaries() {
        let a = Transcript::new("t").str("ab").str("c").finish();
        let b = Transcript::new("t").str("a").str("bc").finish();
        assert_ne!(a, b);
    }

    #[test]
    fn labels_separate_purposes() {
        let a = Transcript::new("dek").str("x").finish();
        let b = Transcript::new("field").str("x").finish();
        assert_ne!(a, b);
    }
}
