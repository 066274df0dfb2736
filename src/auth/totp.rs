//! RFC 6238 TOTP second factor: SHA-1, 6 digits, 30-second steps (what every
//! authenticator app speaks), one step of clock skew either way, and no code accepted
//! twice (the last used step is stored).

use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Secret, TOTP};

use crate::error::{Error, Result};

const STEP_SECS: u64 = 30;
const DIGITS: usize = 6;
pub const SECRET_BYTES: usize = 20;

pub fn new_secret() -> Result<zeroize::Zeroizing<Vec<u8>>> {
    let mut secret = zeroize::Zeroizing::new(vec![0u8; SECRET_BYTES]);
    getrandom::fill(&mut secret).map_err(|e| Error::internal(format!("rng: {e}")))?;
    Ok(secret)
}

fn totp(secret: &[u8]) -> Result<TOTP> {
    TOTP::new(Algorithm::SHA1, DIGITS, 0, STEP_SECS, secret.to_vec())
        .map_err(|e| Error::internal(format!("totp: {e}")))
}

/// Checks `code` at `unix_time`; on success returns the step it matched, which must be
/// stored and is refused next time (replay).
pub fn verify(secret: &[u8], code: &str, unix_time: u64, last_step: Option<i64>) -> Result<Option<i64>> {
    let code = code.trim();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let generator = totp(secret)?;
    let current = unix_time / STEP_SECS;
    let mut matched = None;
    // Check every candidate so timing does not reveal which one matched.
    for step in [current.saturating_sub(1), current, current + 1] {
        let expected = generator.generate(step * STEP_SECS);
        if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) {
            matched = Some(step as i64);
        }
    }
    Ok(matched.filter(|step| last_step.is_none_or(|last| *step > last)))
}

/// The code for a time (tests and the enrolment check use it).
pub fn code_at(secret: &[u8], unix_time: u64) -> Result<String> {
    Ok(totp(secret)?.generate(unix_time))
}

/// `otpauth://` URI for authenticator apps (usually shown as a QR code).
pub fn provisioning_uri(secret: &[u8], issuer: &str, username: &str) -> String {
    let b32 = Secret::Raw(secret.to_vec()).to_encoded().to_string();
    let issuer = crate::domain::percent::encode(issuer);
    let account = crate::domain::percent::encode(username);
    format!(
        "otpauth://totp/{issuer}:{account}?secret={b32}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}"
    )
}

pub fn base32(secret: &[u8]) -> String {
    Secret::Raw(secret.to_vec()).to_encoded().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vector() {
        // RFC 6238 appendix B, SHA-1, T = 59 s → 94287082 (8 digits); 6 digits = 287082.
        let secret = b"12345678901234567890";
        assert_eq!(code_at(secret, 59).unwrap(), "287082");
        assert_eq!(code_at(secret, 1_111_111_109).unwrap(), "081804");
    }

    #[test]
    fn accepts_adjacent_steps_and_refuses_replay() {
        let secret = b"12345678901234567890";
        let now = 1_111_111_109;
        let code = code_at(secret, now).unwrap();
        let step = verify(secret, &code, now + 30, None).unwrap().unwrap();
        assert_eq!(verify(secret, &code, now, Some(step)).unwrap(), None, "replay");
        assert_eq!(verify(secret, &code, now + 120, None).unwrap(), None, "too late");
        assert_eq!(verify(secret, "12345", now, None).unwrap(), None);
        assert_eq!(verify(secret, "abcdef", now, None).unwrap(), None);
    }

    #[test]
    fn provisioning_uri_is_escaped() {
        let uri = provisioning_uri(b"12345678901234567890", "Custodia Kyiv", "anna");
        assert!(
            uri.starts_with("otpauth://totp/Custodia%20Kyiv:anna?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
        );
    }
}
