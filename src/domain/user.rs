use secrecy::{ExposeSecret, SecretString};

use crate::error::FieldError;

/// A login name: 3–64 characters of `a-z 0-9 . _ -`, starting with a letter or digit.
/// Kept narrow so names are safe in logs, URLs and otpauth labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// Checked as sent (a name with spaces around it is refused, as the API document
    /// says), then kept in lower case.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        crate::rules::USERNAME.check(field, raw)?;
        Ok(Username(raw.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password being set. Length-bounded on both sides: long passphrases are welcome,
/// but an unbounded one would let a client make argon2 hash megabytes.
pub struct NewPassword(SecretString);

impl NewPassword {
    pub fn parse(field: &str, raw: SecretString) -> Result<Self, FieldError> {
        crate::rules::PASSWORD.check(field, raw.expose_secret())?;
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
        assert_eq!(Username::parse("u", "Anna.K").unwrap().as_str(), "anna.k");
        for bad in ["ab", "-lead", "a b c", "имя", &"x".repeat(65), "a/b/c", " anna"] {
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
