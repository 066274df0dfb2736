//! Failed logins counted in the database, so every node sees every other node's: one row
//! per failure, named by an HMAC of the account name or client address under a key
//! derived from the keyring (neither is stored), pruned once out of the window.
//! The same window as `throttle`: a subject is locked while its last `max` failures all
//! fall within the window, until the oldest of them leaves it.

use std::net::IpAddr;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use hmac::{KeyInit, Mac};
use sha2::Sha256;
use uuid::Uuid;

use crate::crypto::Keyring;
use crate::error::Result;
use crate::store::DbConnection;
use crate::store::schema::login_failures;

/// What failures are counted against, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject(Vec<u8>);

impl Subject {
    pub fn account(keyring: &Keyring, name: &str) -> Self {
        Self::of(keyring, "account", name)
    }

    pub fn address(keyring: &Keyring, ip: IpAddr) -> Self {
        Self::of(keyring, "address", &ip.to_string())
    }

    fn of(keyring: &Keyring, kind: &str, value: &str) -> Self {
        let key = keyring.blind_index_key("login-throttle");
        // HMAC takes keys of any length; a 32-byte key cannot be refused.
        let Ok(mut mac) = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(key.expose()) else {
            return Subject(Vec::new());
        };
        mac.update(kind.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        Subject(mac.finalize().into_bytes().to_vec())
    }
}

/// `Some(wait)` while `subject` has used up its `max` failures in the window.
pub fn locked_for(
    c: &mut DbConnection,
    subject: &Subject,
    max: u32,
    window: TimeDelta,
    now: NaiveDateTime,
) -> Result<Option<TimeDelta>> {
    let max = max.max(1);
    let times: Vec<NaiveDateTime> = login_failures::table
        .filter(login_failures::subject.eq(&subject.0))
        .filter(login_failures::failed_at.gt(now - window))
        .order(login_failures::failed_at.desc())
        .limit(i64::from(max))
        .select(login_failures::failed_at)
        .load(c)?;
    if times.len() < max as usize {
        return Ok(None);
    }
    Ok(times.last().map(|oldest| (*oldest + window - now).max(TimeDelta::zero())))
}

pub fn record(c: &mut DbConnection, subject: &Subject, now: NaiveDateTime) -> Result<()> {
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::id.eq(Uuid::new_v4().to_string()),
            login_failures::subject.eq(&subject.0),
            login_failures::failed_at.eq(now),
        ))
        .execute(c)?;
    Ok(())
}

pub fn clear(c: &mut DbConnection, subject: &Subject) -> Result<()> {
    diesel::delete(login_failures::table.filter(login_failures::subject.eq(&subject.0))).execute(c)?;
    Ok(())
}

/// Forgets failures that left the window. Returns how many.
pub fn prune(c: &mut DbConnection, window: TimeDelta, now: NaiveDateTime) -> Result<usize> {
    Ok(diesel::delete(login_failures::table.filter(login_failures::failed_at.le(now - window))).execute(c)?)
}
