//! The one error type of the crypto layer.
//! Messages name what went wrong and never carry plaintext, key bytes or share text,
//! so they are safe to log and to map onto HTTP problems.

/// Every failure the crypto layer can report.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum CryptoError {
    /// A tag or key-commitment check failed: the bytes were altered, cut short,
    /// extended, reordered, or belong to another record, field or key.
    #[error("integrity check failed: ciphertext altered, truncated or moved")]
    Integrity,

    /// The blob names a key version that this keyring does not hold (retired or destroyed).
    #[error("key version {0} is not available")]
    KeyUnavailable(u32),

    /// The bytes or text do not have the expected shape.
    #[error("malformed input: {0}")]
    Malformed(&'static str),

    /// A format version or algorithm identifier this build does not know.
    #[error("unsupported format version or algorithm")]
    Unsupported,

    /// The root key does not match the stored key check value.
    #[error("wrong key")]
    WrongKey,

    /// A Shamir share, or the parameters for making shares, were rejected.
    #[error("invalid share: {0}")]
    InvalidShare(&'static str),

    /// Fewer distinct shares than the threshold were given.
    #[error("not enough shares: have {have}, need {need}")]
    NotEnoughShares {
        /// Distinct valid shares supplied.
        have: usize,
        /// The split's threshold.
        need: usize,
    },

    /// Key-derivation parameters are out of the accepted range, or the passphrase is empty.
    #[error("invalid key-derivation parameters")]
    Kdf,

    /// The input exceeds what the format can carry (AES-GCM or segment-counter limits).
    #[error("input too large for this format")]
    TooLarge,

    /// The primary key version cannot be removed while it is primary.
    #[error("the primary key version cannot be removed")]
    PrimaryKeyInUse,
}
