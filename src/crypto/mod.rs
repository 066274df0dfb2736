//! Custodia's cryptographic core: keys, envelope encryption of fields, streaming
//! encryption of attachments, the versioned keyring and the root-key sources.
//! Pure functions over bytes and keys; it depends on nothing else in the crate.
//!
//! How the pieces fit: the root key (key file, passphrase or Shamir shares; checked with
//! [`verify_key_check`]) only seals the [`Keyring`] entries. The keyring's primary KEK
//! wraps each record's random [`Dek`]; the DEK seals the record's fields
//! ([`seal_field`]) and attachments ([`StreamEncryptor`]). Every blob is bound to its
//! table, record and field, and every failure is a [`CryptoError`] safe to log.

mod envelope;
mod error;
mod key;
mod keyring;
mod root;
mod stream;
mod stream_open;
mod wire;

pub use envelope::{
    FIELD_OVERHEAD, FORMAT_VERSION, FieldContext, WRAPPED_DEK_LEN, blob_kek_version, open_field, seal_field,
    unwrap_dek, wrap_dek,
};
pub use error::CryptoError;
pub use key::{Dek, KEY_LEN, SecretKey};
pub use keyring::{KeyEntry, KeyKind, Keyring};
pub use root::{
    KdfParams, ShareText, combine, decrypt_share, derive_from_passphrase, encrypt_share_to, key_check, split,
    verify_key_check,
};
pub use stream::{
    SEGMENT_CIPHERTEXT_LEN, SEGMENT_LEN, STREAM_HEADER_LEN, StreamEncryptor, ciphertext_len, encrypt_reader,
    plaintext_len, segment_of, segment_offset,
};
pub use stream_open::{DecryptingReader, RangeDecryptor, StreamDecryptor, decrypt_reader};
