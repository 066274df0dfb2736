//! The organisation's export key: Ed25519 in minisign's format, so a recipient checks a
//! bundle with the standard `minisign` tool. Made on first use; the secret key is sealed
//! under the keyring like any record, so signing needs an unsealed service.

use std::io::Cursor;

use diesel::prelude::*;
use minisign::{KeyPair, PublicKey, SecretKey, SignatureBox};
use zeroize::Zeroizing;

use crate::crypto::{FieldContext, Keyring, open_field, seal_field};
use crate::error::{Error, Result};
use crate::keys::store as key_store;
use crate::store::schema::export_signer;
use crate::store::{DbConnection, now};

const TABLE: &str = "export_signer";
const ID: &str = "1";

fn context() -> FieldContext<'static> {
    FieldContext::new(TABLE, ID, "secret_key")
}

fn minisign_error(e: minisign::PError) -> Error {
    Error::internal(format!("minisign: {e}"))
}

pub struct ExportSigner {
    pk: PublicKey,
    sk: SecretKey,
}

impl ExportSigner {
    /// The public key file as `minisign -G` writes it.
    pub fn public_key_file(&self) -> String {
        public_key_file(&self.pk)
    }

    /// A minisign signature (prehashed, `ED`) with a trusted comment, which the
    /// signature covers.
    pub fn sign(&self, data: &[u8], trusted_comment: &str) -> Result<String> {
        let untrusted = "signature from the Custodia export key";
        let sig = minisign::sign(
            Some(&self.pk),
            &self.sk,
            Cursor::new(data),
            Some(trusted_comment),
            Some(untrusted),
        )
        .map_err(minisign_error)?;
        Ok(sig.into_string())
    }
}

pub fn public_key_file(pk: &PublicKey) -> String {
    let id: String = pk.keynum().iter().rev().map(|b| format!("{b:02X}")).collect();
    format!("untrusted comment: minisign public key {id}\n{}\n", pk.to_base64())
}

/// Parses a public key given as the file's text, its base64 line, or a path to it.
pub fn parse_public_key(text: &str) -> std::result::Result<PublicKey, String> {
    let text = text.trim();
    let line = text.lines().map(str::trim).rfind(|l| !l.is_empty() && !l.starts_with("untrusted comment:"));
    let line = line.ok_or("empty public key")?;
    PublicKey::from_base64(line).map_err(|e| format!("not a minisign public key: {e}"))
}

/// Verifies a minisign signature; returns the trusted comment.
pub fn verify(pk: &PublicKey, data: &[u8], signature: &str) -> std::result::Result<String, String> {
    let sig = SignatureBox::from_string(signature).map_err(|e| format!("malformed signature: {e}"))?;
    minisign::verify(pk, &sig, Cursor::new(data), true, false, false).map_err(|e| e.to_string())?;
    sig.trusted_comment().map_err(|e| e.to_string())
}

/// The stored public key, if an export has been signed yet.
pub fn stored_public_key(c: &mut DbConnection) -> Result<Option<String>> {
    Ok(export_signer::table.find(1_i64).select(export_signer::public_key).first(c).optional()?)
}

/// Loads the export key, creating it on first use. Call in a write transaction.
pub fn load_or_create(c: &mut DbConnection, keyring: &Keyring) -> Result<ExportSigner> {
    let row: Option<(String, Vec<u8>)> = export_signer::table
        .find(1_i64)
        .select((export_signer::public_key, export_signer::sealed_secret))
        .first(c)
        .optional()?;
    if let Some((public, sealed)) = row {
        let dek = key_store::record_key(c, keyring, TABLE, ID)?;
        let bytes = open_field(&dek, &context(), &sealed)?;
        let sk = SecretKey::from_bytes(&bytes).map_err(|_| Error::Integrity)?;
        let pk = PublicKey::from_base64(&public).map_err(|_| Error::Integrity)?;
        if PublicKey::from_secret_key(&sk).map_err(|_| Error::Integrity)?.to_base64() != public {
            return Err(Error::Integrity);
        }
        return Ok(ExportSigner { pk, sk });
    }
    let KeyPair { pk, sk } = KeyPair::generate_unencrypted_keypair().map_err(minisign_error)?;
    let secret = Zeroizing::new(sk.to_bytes());
    let dek = key_store::create_record_key(c, keyring, TABLE, ID)?;
    let sealed = seal_field(&dek, keyring.primary_version(), &context(), &secret)?;
    diesel::insert_into(export_signer::table)
        .values((
            export_signer::id.eq(1_i64),
            export_signer::public_key.eq(pk.to_base64()),
            export_signer::sealed_secret.eq(sealed),
            export_signer::created_at.eq(now()),
        ))
        .execute(c)?;
    Ok(ExportSigner { pk, sk })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_and_tampering_is_caught() {
        let KeyPair { pk, sk } = KeyPair::generate_unencrypted_keypair().unwrap();
        let signer = ExportSigner { pk: pk.clone(), sk };
        let sig = signer.sign(b"tag manifest", "bundle:1 time:2026-11-27T00:00:00Z").unwrap();
        assert_eq!(verify(&pk, b"tag manifest", &sig).unwrap(), "bundle:1 time:2026-11-27T00:00:00Z");
        assert!(verify(&pk, b"tag manifesT", &sig).is_err());
        let file = signer.public_key_file();
        assert!(file.starts_with("untrusted comment: minisign public key "));
        assert_eq!(parse_public_key(&file).unwrap().to_base64(), pk.to_base64());
        let other = KeyPair::generate_unencrypted_keypair().unwrap().pk;
        assert!(verify(&other, b"tag manifest", &sig).is_err());
    }
}
