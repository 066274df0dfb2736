//! ODK's encrypted forms (getodk docs, "Encrypted forms"): a form carries the case's RSA
//! public key (`<submission base64RsaPublicKey="…"/>`); the phone encrypts each finalised
//! submission and its media under a fresh AES-256 key, wraps that key with the public key,
//! and signs the whole. Custodia unwraps with the case's private key (sealed under the
//! keyring), decodes every file while it streams into the attachment pipeline, and checks
//! the signature before the submission is complete. Phone, network and proxies never see
//! plaintext.
//!
//! What ODK Collect, Briefcase, Central and Enketo agree on (each read, none copied):
//! - the wrapped key and the signature: RSA-OAEP with SHA-256, and MGF1 with SHA-256 as
//!   well — Collect and Briefcase name `RSA/NONE/OAEPWithSHA256AndMGF1Padding` from
//!   Bouncy Castle, which uses the OAEP hash for MGF1; Central unpads so; Enketo asks
//!   node-forge for MGF1-SHA-1 under a key forge ignores, so it too uses SHA-256. Java's
//!   own provider would use MGF1-SHA-1 for the same name, so that is accepted as well
//!   (`keys`).
//! - each file: AES-256 in CFB-128 with PKCS#5 padding, its IV the MD5 of the instance id
//!   (UTF-8) followed by the key, with byte `i mod 16` incremented before the `i`th file
//!   (cumulatively), media in the manifest's order, then the XML (`decode`).
//! - the signature: RSA-OAEP over the MD5 of the lines form id, version (if any), wrapped
//!   key, instance id, then `name::md5` for each media file and the XML — the names
//!   without `.enc`, the MD5s of the decrypted contents in 32 hex digits — each line
//!   ending in `\n` (`signature`).
//!
//! - `keys`: the case key pair and unwrapping a submission's key.
//! - `manifest`: the plain `submission.xml` of an encrypted submission.
//! - `decode`: a file's AES-CFB decoding as the attachment pipeline's [`Decode`].
//! - `signature`: the signature check.
//! - `xform`: the public key set in a form.

mod decode;
mod keys;
mod manifest;
mod signature;
mod xform;

use zeroize::Zeroizing;

use crate::attachments::Decode;
use crate::error::{Error, Result};

pub use keys::TABLE as KEYS;
pub use manifest::Manifest;
pub use xform::with_public_key;

/// An encrypted submission's symmetric key, unwrapped, with its decrypted signature:
/// decodes its files and checks the signature.
pub struct SubmissionKey {
    key: Zeroizing<[u8; 32]>,
    /// The MD5 the phone signed (the signature, decrypted).
    signed: [u8; 16],
}

impl std::fmt::Debug for SubmissionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SubmissionKey(..)")
    }
}

impl SubmissionKey {
    /// The decoder of the file the manifest names `name` (a media file or the XML, by
    /// its encrypted name `x.jpg.enc`). A name the manifest does not list is a 400.
    pub fn decoder(&self, manifest: &Manifest, name: &str) -> Result<Box<dyn Decode>> {
        let index = manifest.file_index(name).ok_or_else(|| {
            Error::BadRequest("the encrypted submission's manifest does not name this file".into())
        })?;
        let iv = decode::iv(&manifest.instance_id, &self.key, index);
        Ok(Box::new(decode::CfbDecoder::new(&self.key, &iv)?))
    }

    /// Checks the manifest's signature against the MD5s (hex) of the files' decrypted
    /// contents, by name (encrypted `x.jpg.enc` or plain `x.jpg`). A file the manifest
    /// names that is missing, or a mismatch, is a 400 (a tampered submission).
    pub fn verify(&self, manifest: &Manifest, content_md5: &[(String, String)]) -> Result<()> {
        signature::verify(manifest, content_md5, &self.signed)
    }
}
