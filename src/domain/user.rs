use secrecy::{ExposeSecret, SecretString};

use crate::error::FieldError;

/// A login name: 3–64 characters of `a-z 0-9 . _ -`, starting with a letter or digit.
/// Kept narrow so names are safe in logs, URLs and otpauth labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim().to_ascii_lowercase();
        let ok_chars = s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        let ok_start = s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric());
        if !(3..=64).contains(&s.len()) || !ok_chars || !ok_start {
            return Err(FieldError::new(
                field,
                "invalid_username",
                "3 to 64 characters: letters a-z, digits, '.', '_' or '-', starting with a letter or digit",
            ));
        }
        Ok(Username(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password being set. Length-bounded on both sides: long passphrases are welcome,
/// but an unbounded one would let a client make argon2 hash megabytes.
pub struct NewPassword(SecretString);

impl NewPassword {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_BYTES: usize = 1024;

    pub fn parse(field: &str, raw: SecretString) -> Result<Self, FieldError> {
        let s = raw.expose_secret();
        if s.chars().count() < Self::MIN_CHARS {
            return Err(FieldError::new(field, "password_too_short", "at least 12 characters"));
        }
        if s.len() > Self::MAX_BYTES {
            return Err(FieldError::new(field, "password_too_long", "at most 1024 bytes"));
        }
        Ok(NewPassword(raw))
    }

    pub fn secret(&self) -> &SecretString {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_normalised_and_checked() {
        assert_eq!(Username::parse("u", " Anna.K ").unwrap().as_str(), "anna.k");
        for bad in ["ab", "-lead", "a b c", "имя", &"x".repeat(65), "a/b/c"] {
            assert!(Username::parse("u", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_are_bounded() {
        assert!(NewPassword::parse("p", "short".into()).is_err());
        assert!(NewPassword::parse("p", "x".repeat(2000).into()).is_err());
        assert!(NewPassword::parse("p", "correct horse battery".into()).is_ok());
    }
}
