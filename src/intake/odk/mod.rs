//! ODK's encrypted forms (getodk docs, "Encrypted forms"): a form carries the case's RSA
//! public key (`<submission base64RsaPublicKey="…"/>`); the phone encrypts each finalised
//! submission and its media under a fresh AES-256 key, wraps that key with the public key,
//! and signs the whole. Custodia unwraps with the case's private key (sealed under the
//! keyring), decodes every file while it streams into the attachment pipeline, and checks
//! the signature before the submission is complete. Phone, network and proxies never see
//! plaintext.
//!
//! The interface the OpenRosa edge uses. (Foundation stubs, replaced by the real
//! implementation: every function refuses until then.)

use uuid::Uuid;

use super::xml::Element;
use super::{Device, Intake};
use crate::access::{Allowed, act};
use crate::attachments::Decode;
use crate::error::{Error, Result};

/// An encrypted submission's manifest: the plain `submission.xml` of an encrypted form
/// (`<data encrypted="yes" …>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub form_id: String,
    pub version: Option<String>,
    pub instance_id: String,
    pub encrypted_key: String,
    /// The encrypted media files' names (`x.jpg.enc`), in the manifest's order.
    pub media: Vec<String>,
    /// The encrypted submission's name (`submission.xml.enc`).
    pub xml_file: String,
    pub signature: String,
}

impl Manifest {
    /// The manifest of an encrypted submission, `None` for a plain submission, or a 400
    /// for an encrypted one that lacks a part.
    pub fn parse(_root: &Element) -> Result<Option<Manifest>> {
        Ok(None)
    }
}

/// An encrypted submission's symmetric key, unwrapped: decodes its files and checks its
/// signature.
pub struct SubmissionKey {
    _private: (),
}

impl std::fmt::Debug for SubmissionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SubmissionKey(..)")
    }
}

impl SubmissionKey {
    /// The decoder of the file the manifest names `name` (a media file or the XML).
    pub fn decoder(&self, _manifest: &Manifest, _name: &str) -> Result<Box<dyn Decode>> {
        Err(unavailable())
    }

    /// Checks the manifest's signature against the files' received MD5s (hex), by name.
    /// A mismatch is a 400 (a tampered submission).
    pub fn verify(&self, _manifest: &Manifest, _received_md5: &[(String, String)]) -> Result<()> {
        Err(unavailable())
    }
}

/// `xform` with `base64_key` set on its `<submission>` element (added when it has none).
pub fn with_public_key(_xform: &str, _base64_key: &str) -> Result<String> {
    Err(unavailable())
}

fn unavailable() -> Error {
    Error::BadRequest("encrypted forms are not available".into())
}

impl Intake {
    /// The case's public key for its encrypted forms (base64 SubjectPublicKeyInfo, as
    /// `base64RsaPublicKey` takes it), made on first use. Audited when made.
    pub async fn case_public_key(&self, _who: &Allowed<act::IntakeManage>, _case: Uuid) -> Result<String> {
        Err(unavailable())
    }

    /// Unwraps an encrypted submission's key with its case's private key. A key that
    /// does not unwrap is a 400.
    pub async fn unwrap_submission_key(
        &self,
        _device: &Device,
        _manifest: &Manifest,
    ) -> Result<SubmissionKey> {
        Err(unavailable())
    }
}
