//! Session tokens: 256 random bits shown once to the client; only their SHA-256 is
//! stored, so a copy of the database cannot be replayed as a login.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, NaiveDateTime};
use secrecy::SecretString;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

const PREFIX: &str = "cst_";

pub fn new_token() -> Result<(SecretString, [u8; 32])> {
    let mut raw = zeroize::Zeroizing::new([0u8; 32]);
    getrandom::fill(raw.as_mut()).map_err(|e| Error::internal(format!("rng: {e}")))?;
    let token = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(&raw[..]));
    let hash = hash_token(&token);
    Ok((SecretString::from(token), hash))
}

/// Malformed tokens still hash; they simply match nothing.
pub fn hash_token(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Is the session still usable at `now`? Pure, so the timeouts are tested directly.
pub fn is_live(
    now: NaiveDateTime,
    last_seen: NaiveDateTime,
    expires_at: NaiveDateTime,
    revoked: bool,
    idle: Duration,
) -> bool {
    !revoked && now < expires_at && now < last_seen + idle
}

/// Writing `last_seen_at` on every request would turn reads into writes, so it is
/// refreshed only once it is this old: a sixth of the idle limit, at most a minute.
/// Finer than the limit at any setting, so a session used more often than its idle
/// limit never lapses (with a fixed minute, a one-minute limit ended a session used
/// every 15 s), and one left alone ends at most this much earlier than the limit.
pub fn touch_granularity(idle: Duration) -> Duration {
    (idle / 6).clamp(Duration::seconds(1), Duration::seconds(60))
}

pub fn needs_touch(now: NaiveDateTime, last_seen: NaiveDateTime, idle: Duration) -> bool {
    now - last_seen >= touch_granularity(idle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn t(secs: i64) -> NaiveDateTime {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap().naive_utc()
    }

    #[test]
    fn tokens_are_random_and_only_hashes_are_kept() {
        use secrecy::ExposeSecret;
        let (a, ha) = new_token().unwrap();
        let (b, hb) = new_token().unwrap();
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert_ne!(ha, hb);
        assert_eq!(hash_token(a.expose_secret()), ha);
        assert_eq!(a.expose_secret().len(), PREFIX.len() + 43);
    }

    #[test]
    fn idle_and_absolute_timeouts_end_a_session() {
        let idle = Duration::minutes(30);
        let expires = t(3600);
        assert!(is_live(t(10), t(0), expires, false, idle));
        assert!(!is_live(t(31 * 60), t(0), expires, false, idle), "idle");
        assert!(!is_live(t(3600), t(3590), expires, false, idle), "absolute");
        assert!(!is_live(t(10), t(0), expires, true, idle), "revoked");
    }

    /// The attack run's finding: with a one-minute idle limit, a token used every 15 s
    /// died with an idle one, because `last_seen` was only refreshed once a minute old.
    #[test]
    fn a_session_used_more_often_than_its_idle_limit_never_lapses() {
        for (idle, every) in
            [(Duration::minutes(1), 15), (Duration::minutes(2), 59), (Duration::minutes(30), 600)]
        {
            let expires = t(24 * 3600);
            let mut last_seen = t(0);
            for step in 1..=40 {
                let now = t(step * every);
                assert!(
                    is_live(now, last_seen, expires, false, idle),
                    "idle {idle}, used every {every} s, step {step}"
                );
                if needs_touch(now, last_seen, idle) {
                    last_seen = now;
                }
            }
            // Left alone, it ends within the idle limit of its last use, give or take the granularity.
            let quiet = last_seen + idle;
            assert!(!is_live(quiet, last_seen, expires, false, idle));
            assert!(touch_granularity(idle) < idle);
        }
    }
}
