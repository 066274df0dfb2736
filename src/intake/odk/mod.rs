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
//!   ending in `\n` (`signature`). The spec calls the signature optional; every client
//!   sends it, and here it is required: it is what makes a swapped or altered file show.
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

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use md5::{Digest, Md5};
    use rsa::pkcs8::DecodePrivateKey;

    use super::*;
    use crate::intake::xml;

    /// Made by tests/fixtures/intake/make_odk_vector.py with tests/client/odk_encrypt.py:
    /// Python's `cryptography` following the spec, not this code.
    const VECTOR: &str = include_str!("../../../tests/fixtures/intake/odk_encrypted.json");

    fn b64(v: &serde_json::Value) -> Vec<u8> {
        STANDARD.decode(v.as_str().unwrap()).unwrap()
    }

    fn decode_all(key: &SubmissionKey, m: &Manifest, name: &str, enc: &[u8]) -> Result<Vec<u8>> {
        let mut d = key.decoder(m, name)?;
        let mut out = Vec::new();
        for piece in enc.chunks(100) {
            d.update(piece, &mut out)?;
        }
        d.finish(&mut out)?;
        Ok(out)
    }

    #[test]
    fn a_submission_encrypted_by_pythons_cryptography_decrypts_and_verifies() {
        let v: serde_json::Value = serde_json::from_str(VECTOR).unwrap();
        let private = rsa::PrivateKey::from_pkcs8_der(&b64(&v["private_key_pkcs8"])).unwrap();
        let root = xml::parse(v["manifest"].as_str().unwrap().as_bytes()).unwrap();
        let m = Manifest::parse(&root).unwrap().unwrap();
        assert_eq!(m.media, ["injury.jpg.enc", "note.m4a.enc"]);
        let key = keys::unwrap(&private, &m).unwrap();
        assert_eq!(hex::encode(*key.key), v["aes_key"].as_str().unwrap());
        for (i, iv) in v["ivs"].as_array().unwrap().iter().enumerate() {
            assert_eq!(hex::encode(decode::iv(&m.instance_id, &key.key, i)), iv.as_str().unwrap());
        }
        let mut md5s = Vec::new();
        for name in m.files() {
            let plain = decode_all(&key, &m, name, &b64(&v["files"][name])).unwrap();
            assert_eq!(plain, b64(&v["plain"][name]), "{name}");
            md5s.push((name.to_owned(), hex::encode(Md5::digest(&plain))));
        }
        key.verify(&m, &md5s).unwrap();

        // A file decoded as another (the wrong IV) does not give its content; a file
        // altered, swapped or missing fails the signature; a name not in the manifest
        // has no decoder.
        let first = b64(&v["files"]["injury.jpg.enc"]);
        assert_ne!(
            decode_all(&key, &m, "note.m4a.enc", &first).ok(),
            Some(b64(&v["plain"]["injury.jpg.enc"]))
        );
        let mut tampered = md5s.clone();
        tampered[0].1 = hex::encode(Md5::digest(b"another photograph"));
        assert!(matches!(key.verify(&m, &tampered), Err(Error::BadRequest(_))));
        tampered = md5s.clone();
        tampered.swap(0, 1);
        tampered[0].0 = "injury.jpg.enc".into();
        tampered[1].0 = "note.m4a.enc".into();
        assert!(matches!(key.verify(&m, &tampered), Err(Error::BadRequest(_))));
        assert!(matches!(key.verify(&m, &md5s[1..]), Err(Error::BadRequest(_))));
        assert!(matches!(key.decoder(&m, "other.jpg.enc"), Err(Error::BadRequest(_))));

        // Another form id or instance id in the manifest: the signature no longer holds.
        let other = Manifest { form_id: "other".into(), ..m.clone() };
        assert!(matches!(key.verify(&other, &md5s), Err(Error::BadRequest(_))));
        let other = Manifest { instance_id: "uuid:other".into(), ..m };
        assert!(matches!(key.verify(&other, &md5s), Err(Error::BadRequest(_))));
    }
}
