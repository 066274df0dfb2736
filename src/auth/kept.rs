//! A form posted after its session had ended (the documenter typed on past the idle
//! limit, or the page locked before its draft could be saved) is not thrown away: the
//! sign-in page carries it back, sealed, and it is saved once its author signs in.
//!
//! Nothing is stored on the server and nothing in the browser's storage: the sign-in
//! page holds the sealed form in a hidden field. It is sealed under the keyring with a
//! key of its own, bound (AAD) to its purpose, to the user whose session posted it and
//! to its expiry, so it opens for that user only, only until it expires, and a copy
//! altered in any way does not open at all.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::crypto::{Dek, FieldContext, Keyring, WRAPPED_DEK_LEN, open_field, seal_field};
use crate::error::{Error, Result};

/// The AAD's "table": a kept form is good for nothing else.
const PURPOSE: &str = "kept_form";

/// What was posted, and where.
#[derive(Serialize, Deserialize)]
pub struct KeptForm {
    /// The path the form was posted to.
    pub action: String,
    /// The urlencoded body as sent (its stale CSRF token removed).
    pub body: String,
}

fn record_id(user: Uuid, expires: i64) -> String {
    format!("{user}/{expires}")
}

/// Seals `form` for `user` until `expires`: `<expiry>.<base64 of wrapped key and sealed form>`.
pub fn seal(keyring: &Keyring, user: Uuid, expires: NaiveDateTime, form: &KeptForm) -> Result<String> {
    let expires = expires.and_utc().timestamp();
    let id = record_id(user, expires);
    let dek = Dek::generate();
    let mut blob = keyring.wrap_dek(PURPOSE, &id, &dek);
    let plain = Zeroizing::new(serde_json::to_vec(form).map_err(Error::internal)?);
    let ctx = FieldContext::new(PURPOSE, &id, "form");
    blob.extend_from_slice(&seal_field(&dek, keyring.primary_version(), &ctx, &plain)?);
    Ok(format!("{expires}.{}", URL_SAFE_NO_PAD.encode(blob)))
}

/// Opens a kept form for `user` at `now`: None when it is someone else's, expired,
/// altered or unreadable.
pub fn open(keyring: &Keyring, user: Uuid, now: NaiveDateTime, text: &str) -> Option<KeptForm> {
    let (expires, blob) = text.split_once('.')?;
    let expires: i64 = expires.parse().ok()?;
    if now.and_utc().timestamp() >= expires {
        return None;
    }
    let blob = URL_SAFE_NO_PAD.decode(blob).ok()?;
    if blob.len() < WRAPPED_DEK_LEN {
        return None;
    }
    let (wrapped, sealed) = blob.split_at(WRAPPED_DEK_LEN);
    let id = record_id(user, expires);
    let dek = keyring.unwrap_dek(PURPOSE, &id, wrapped).ok()?;
    let plain = open_field(&dek, &FieldContext::new(PURPOSE, &id, "form"), sealed).ok()?;
    serde_json::from_slice(&plain).ok()
}

/// The body without its `csrf` field (stale; a new one is added when it is replayed).
pub fn without_csrf(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    Some(
        text.split('&').filter(|kv| !kv.starts_with("csrf=") && !kv.is_empty()).collect::<Vec<_>>().join("&"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn t(secs: i64) -> NaiveDateTime {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap().naive_utc()
    }

    #[test]
    fn a_kept_form_opens_for_its_user_only_and_only_until_it_expires() {
        let k = Keyring::generate();
        let (anna, boris) = (Uuid::new_v4(), Uuid::new_v4());
        let form =
            KeptForm { action: "/testimonies/x/edit".into(), body: "account=canary+words+here".into() };
        let text = seal(&k, anna, t(600), &form).unwrap();
        assert!(!text.contains("canary"), "sealed");
        let back = open(&k, anna, t(0), &text).expect("opens for its user");
        assert_eq!(
            (back.action.as_str(), back.body.as_str()),
            ("/testimonies/x/edit", "account=canary+words+here")
        );
        assert!(open(&k, boris, t(0), &text).is_none(), "someone else");
        assert!(open(&k, anna, t(600), &text).is_none(), "expired");
        // A later expiry written over the real one breaks the binding.
        let stretched = text.replacen(
            &t(600).and_utc().timestamp().to_string(),
            &t(6000).and_utc().timestamp().to_string(),
            1,
        );
        assert!(open(&k, anna, t(0), &stretched).is_none(), "expiry is bound");
        assert!(open(&Keyring::generate(), anna, t(0), &text).is_none(), "another keyring");
        assert!(open(&k, anna, t(0), "garbage").is_none());
    }

    #[test]
    fn the_stale_csrf_token_is_dropped() {
        assert_eq!(without_csrf(b"csrf=abc&account=x&csrf=d").as_deref(), Some("account=x"));
    }
}
