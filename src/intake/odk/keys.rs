//! A case's key pair for its encrypted forms, in `intake_keys`: RSA-2048, made on first
//! use, the public half stored as the forms carry it (base64 DER SubjectPublicKeyInfo),
//! the private half PKCS#8 DER sealed under the keyring (table `intake_keys`, id = case
//! id). Only a device account of the case makes us use it, in an audited transaction, and
//! every decryption is blinded.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use diesel::prelude::*;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use rsa::{Oaep, PrivateKey};
use sha1::Sha1;
use sha2::Sha256;
use uuid::Uuid;
use zeroize::Zeroizing;

use super::{Manifest, SubmissionKey};
use crate::access::membership;
use crate::access::{Allowed, act};
use crate::audit::{self, Entry};
use crate::cases::sealed::Sealer;
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::intake::{Device, Intake};
use crate::store::DbConnection;
use crate::store::schema::intake_keys;

/// The sealed-field table (and `data_keys` table) of the private keys.
pub const TABLE: &str = "intake_keys";
const FIELD: &str = "private_key";
const BITS: usize = 2048;
/// A 2048-bit key's ciphertexts are 256 bytes; base64 of more is refused before decoding.
const MAX_WRAPPED_B64: usize = 1024;

/// The operating system's generator, as `rsa`'s `rand_core` wants it.
struct OsRng;

impl rsa::rand_core::TryRng for OsRng {
    type Error = std::io::Error;
    fn try_next_u32(&mut self) -> std::result::Result<u32, Self::Error> {
        getrandom::u32().map_err(|e| std::io::Error::other(e.to_string()))
    }
    fn try_next_u64(&mut self) -> std::result::Result<u64, Self::Error> {
        getrandom::u64().map_err(|e| std::io::Error::other(e.to_string()))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> std::result::Result<(), Self::Error> {
        getrandom::fill(dst).map_err(|e| std::io::Error::other(e.to_string()))
    }
}

impl rsa::rand_core::TryCryptoRng for OsRng {}

/// A new key pair: the public half as forms carry it, the private half's PKCS#8 DER.
pub(super) fn generate() -> Result<(String, Zeroizing<Vec<u8>>)> {
    let private = PrivateKey::new(&mut OsRng, BITS).map_err(Error::internal)?;
    let public = private.to_public_key().to_public_key_der().map_err(Error::internal)?;
    let der = private.to_pkcs8_der().map_err(Error::internal)?;
    Ok((STANDARD.encode(public.as_bytes()), Zeroizing::new(der.as_bytes().to_vec())))
}

fn load_private(c: &mut DbConnection, k: &Keyring, case: &str) -> Result<Option<PrivateKey>> {
    let row =
        intake_keys::table.find(case).select(intake_keys::private_key).first::<Vec<u8>>(c).optional()?;
    let Some(sealed) = row else { return Ok(None) };
    let b64: Zeroizing<String> = Zeroizing::new(Sealer::open(c, k, TABLE, case)?.unseal(FIELD, &sealed)?);
    let der = Zeroizing::new(STANDARD.decode(b64.as_bytes()).map_err(|_| Error::Integrity)?);
    Ok(Some(PrivateKey::from_pkcs8_der(&der).map_err(|_| Error::Integrity)?))
}

/// RSA-OAEP with SHA-256, MGF1 with SHA-256 (Bouncy Castle's reading of ODK's
/// `OAEPWithSHA256AndMGF1Padding`, what phones send) or else with SHA-1 (Java's own
/// provider's reading), blinded. `None` when neither unpads.
pub(super) fn oaep_decrypt(key: &PrivateKey, b64: &str) -> Option<Zeroizing<Vec<u8>>> {
    let b64 = b64.trim();
    if b64.len() > MAX_WRAPPED_B64 {
        return None;
    }
    let wrapped: String = b64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let bytes = STANDARD.decode(wrapped).ok()?;
    key.decrypt_blinded(&mut OsRng, Oaep::<Sha256>::new(), &bytes)
        .or_else(|_| key.decrypt_blinded(&mut OsRng, Oaep::<Sha256, Sha1>::new_with_mgf_hash(), &bytes))
        .ok()
        .map(Zeroizing::new)
}

/// The key and the signed digest of a submission, or a 400 naming which part does not
/// unwrap.
pub(super) fn unwrap(private: &PrivateKey, manifest: &Manifest) -> Result<SubmissionKey> {
    let refuse =
        |what: &str| Error::BadRequest(format!("the encrypted submission's {what} does not decrypt"));
    let sym = oaep_decrypt(private, &manifest.encrypted_key).ok_or_else(|| refuse("key"))?;
    let key: [u8; 32] = sym.as_slice().try_into().map_err(|_| refuse("key"))?;
    let digest = oaep_decrypt(private, &manifest.signature).ok_or_else(|| refuse("signature"))?;
    let signed: [u8; 16] = digest.as_slice().try_into().map_err(|_| refuse("signature"))?;
    Ok(SubmissionKey { key: Zeroizing::new(key), signed })
}

impl Intake {
    /// The case's public key for its encrypted forms (base64 SubjectPublicKeyInfo, as
    /// `base64RsaPublicKey` takes it), made on first use. Audited when made.
    pub async fn case_public_key(&self, who: &Allowed<act::IntakeManage>, case: Uuid) -> Result<String> {
        let (reader, id) = (who.clone(), case.to_string());
        let found = self
            .ctx
            .read(move |c| {
                membership::authorize_for(c, &reader, &id)?;
                Ok(intake_keys::table
                    .find(&id)
                    .select(intake_keys::public_key)
                    .first::<String>(c)
                    .optional()?)
            })
            .await?;
        if let Some(public) = found {
            return Ok(public);
        }
        // Made outside the transaction: a prime search should not hold the writer.
        let (public, der) = tokio::task::spawn_blocking(generate)
            .await
            .map_err(|e| Error::internal(format!("key generation task: {e}")))??;
        let (who, id, now) = (who.clone(), case.to_string(), self.ctx.clock.now_naive());
        self.ctx
            .write(move |c, k| {
                membership::authorize_for(c, &who, &id)?;
                // Another request may have made it meanwhile: the first one stands.
                let existing = intake_keys::table
                    .find(&id)
                    .select(intake_keys::public_key)
                    .first::<String>(c)
                    .optional()?;
                if let Some(public) = existing {
                    return Ok(public);
                }
                let sealer = Sealer::create(c, k, TABLE, &id)?;
                let b64 = Zeroizing::new(STANDARD.encode(der.as_slice()));
                diesel::insert_into(intake_keys::table)
                    .values((
                        intake_keys::case_id.eq(&id),
                        intake_keys::public_key.eq(&public),
                        intake_keys::private_key.eq(sealer.seal(FIELD, b64.as_str())?),
                        intake_keys::created_at.eq(now),
                    ))
                    .execute(c)?;
                audit::append(
                    c,
                    &Entry::new(&who.principal, "intake.key_create")
                        .target("case", &id)
                        .detail("algorithm", "rsa-2048"),
                )?;
                Ok(public)
            })
            .await
    }

    /// Unwraps an encrypted submission's key (and its signature) with its case's private
    /// key, in an audited transaction. A key or signature that does not unwrap, or a case
    /// without a key, is a 400.
    pub async fn unwrap_submission_key(&self, device: &Device, manifest: &Manifest) -> Result<SubmissionKey> {
        let (device, manifest) = (device.clone(), manifest.clone());
        self.ctx
            .write(move |c, k| {
                let case = device.case_id.to_string();
                let private = load_private(c, k, &case)?
                    .ok_or_else(|| Error::BadRequest("the case has no key for encrypted forms".into()))?;
                let unwrapped = unwrap(&private, &manifest);
                // The use is recorded whether or not it unwrapped: both are a use of the key.
                audit::append(
                    c,
                    &Entry::new(&device.who.principal, "intake.key_use")
                        .target("case", &case)
                        .detail("files", manifest.media.len() as u64 + 1)
                        .detail("outcome", if unwrapped.is_ok() { "unwrapped" } else { "refused" }),
                )?;
                // Handed out of the transaction so that a refusal's entry commits too.
                Ok(unwrapped)
            })
            .await?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs8::DecodePublicKey;

    fn manifest(key: &str, signature: &str) -> Manifest {
        Manifest {
            form_id: "intake".into(),
            version: None,
            instance_id: "uuid:1".into(),
            encrypted_key: key.into(),
            media: Vec::new(),
            xml_file: "submission.xml.enc".into(),
            signature: signature.into(),
        }
    }

    #[test]
    fn a_key_pair_round_trips_and_unwraps_both_mgf1_readings() {
        let started = std::time::Instant::now();
        let (public, der) = generate().unwrap();
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
        let private = PrivateKey::from_pkcs8_der(&der).unwrap();
        let public = rsa::PublicKey::from_public_key_der(&STANDARD.decode(&public).unwrap()).unwrap();
        assert_eq!(public, private.to_public_key());
        let sym = [5u8; 32];
        let digest = [6u8; 16];
        // Bouncy Castle's reading (MGF1 with SHA-256) and Java's own (MGF1 with SHA-1).
        let bc = |m: &[u8]| STANDARD.encode(public.encrypt(&mut OsRng, Oaep::<Sha256>::new(), m).unwrap());
        let jce = |m: &[u8]| {
            STANDARD.encode(public.encrypt(&mut OsRng, Oaep::<Sha256, Sha1>::new_with_mgf_hash(), m).unwrap())
        };
        for (k, s) in [(bc(&sym), bc(&digest)), (jce(&sym), jce(&digest))] {
            let key = unwrap(&private, &manifest(&k, &s)).unwrap();
            assert_eq!(*key.key, sym);
            assert_eq!(key.signed, digest);
        }
        // A key of the wrong length, a signature that is not one, garbage: all 400s.
        let short = bc(&[5u8; 16]);
        for (k, s) in [(short.as_str(), bc(&digest)), (&bc(&sym), "AAAA".into()), ("not base64", bc(&digest))]
        {
            assert!(matches!(unwrap(&private, &manifest(k, &s)), Err(Error::BadRequest(_))));
        }
    }
}
