//! Use cases of identity, one file each: `login` (log in and out, re-authentication),
//! `verify` (a bearer token → its principal, on every request), `users` (accounts and their roles),
//! `second_factor` (enrolling TOTP, each role's rule for it), `events` (entries the edge
//! records outside any other transaction: a denied request, a failure that rolled its
//! own back, a form kept over an ended session). Every change is audited in its
//! transaction; every decision by time reads the clock of the service's `Context`.

use std::net::IpAddr;
use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use secrecy::SecretString;
use serde::Serialize;
use uuid::Uuid;

use super::password::Passwords;
use super::throttle::Throttle;
use super::verified::SessionCache;
use crate::config::AuthSettings;
use crate::context::Context;
use crate::domain::Role;
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::{self, sessions};

mod devices;
mod events;
mod login;
mod second_factor;
mod throttling;
mod users;
mod verify;

#[cfg(test)]
mod tests;

pub use events::KeptFor;
pub use second_factor::relaxed_second_factor;
pub use verify::Session;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schema::users)]
struct UserRow {
    id: String,
    username: String,
    password_hash: String,
    role: String,
    disabled: bool,
    totp_secret: Option<Vec<u8>>,
    totp_enabled: bool,
    totp_last_step: Option<i64>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
struct SessionRow {
    id: String,
    user_id: String,
    second_factor: bool,
    last_seen_at: NaiveDateTime,
    expires_at: NaiveDateTime,
    revoked_at: Option<NaiveDateTime>,
}

/// A user as the API shows it: never the hash or the TOTP secret.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub username: String,
    pub role: Role,
    pub disabled: bool,
    pub totp_enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<UserRow> for UserView {
    type Error = Error;
    fn try_from(row: UserRow) -> Result<Self> {
        Ok(UserView {
            id: parse_id(&row.id)?,
            username: row.username,
            role: parse_role(&row.role)?,
            disabled: row.disabled,
            totp_enabled: row.totp_enabled,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

fn parse_id(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|_| Error::internal("stored id is not a UUID"))
}

fn parse_role(s: &str) -> Result<Role> {
    s.parse().map_err(|_| Error::internal("stored role is unknown"))
}

/// One's own account as its page shows it.
#[derive(Debug)]
pub struct Account {
    pub user: UserView,
    /// The role requires a second factor this user has not enrolled yet.
    pub must_enrol: bool,
}

#[derive(Debug)]
pub struct LoginSession {
    pub token: SecretString,
    pub expires_at: DateTime<Utc>,
    pub user: UserView,
    /// The role requires a second factor this user has not enrolled yet: the session
    /// may only enrol one.
    pub second_factor_enrolment_required: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TotpEnrolment {
    /// For authenticator apps (show as a QR code).
    pub otpauth_uri: String,
    /// The same secret for typing in by hand.
    pub secret_base32: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RolePolicy {
    pub role: Role,
    /// Whether the role must sign in with a second factor (set here, or by configuration).
    pub totp_required: bool,
    /// Required by `auth.require_second_factor`: the rule cannot be relaxed from here.
    pub required_by_configuration: bool,
}

/// Identity use cases, shared by HTTP handlers and the CLI.
#[derive(Debug)]
pub struct Auth {
    ctx: Context,
    settings: AuthSettings,
    passwords: Passwords,
    accounts: Throttle<String>,
    addresses: Throttle<IpAddr>,
    /// Sessions this node verified, valid while the revocation counter stands.
    verified: Arc<SessionCache>,
}

/// How many verified sessions a node keeps: far more than the people of one
/// installation, and small (a few hundred bytes each).
const VERIFIED_SESSIONS: usize = 10_000;

impl Auth {
    pub fn new(ctx: Context, settings: AuthSettings) -> Result<Self> {
        let window = TimeDelta::minutes(settings.failure_window_minutes.max(1));
        Ok(Auth {
            passwords: Passwords::new(&settings)?,
            accounts: Throttle::new(settings.max_failures_per_account, window),
            addresses: Throttle::new(settings.max_failures_per_address, window),
            verified: Arc::new(SessionCache::new(VERIFIED_SESSIONS)),
            ctx,
            settings,
        })
    }

    /// The password hasher, shared with the intake service, which makes device accounts.
    pub fn passwords(&self) -> &Passwords {
        &self.passwords
    }

    /// Now, at the precision the database keeps.
    fn now(&self) -> NaiveDateTime {
        self.ctx.clock.now_naive()
    }

    /// Now in seconds since the epoch, for TOTP steps.
    fn unix_now(&self) -> u64 {
        self.ctx.clock.now().timestamp().max(0) as u64
    }
}

fn load_user(c: &mut DbConnection, id: Uuid) -> Result<UserRow> {
    Ok(schema::users::table.find(id.to_string()).select(UserRow::as_select()).first(c)?)
}

fn revoke_sessions(c: &mut DbConnection, user: Uuid, keep: Option<Uuid>, now: NaiveDateTime) -> Result<()> {
    let keep = keep.map(|k| k.to_string()).unwrap_or_default();
    diesel::update(sessions::table)
        .filter(sessions::user_id.eq(user.to_string()))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::id.ne(keep))
        .set(sessions::revoked_at.eq(now))
        .execute(c)?;
    super::revocation::bump(c)
}

/// Refuses to leave the installation without an active admin.
fn ensure_another_admin(c: &mut DbConnection, leaving: Uuid) -> Result<()> {
    let others = schema::users::table
        .filter(schema::users::role.eq(Role::Admin.as_str()))
        .filter(schema::users::disabled.eq(false))
        .filter(schema::users::id.ne(leaving.to_string()))
        .count()
        .get_result::<i64>(c)?;
    if others == 0 { Err(Error::Conflict("last_admin")) } else { Ok(()) }
}

pub fn count_users(c: &mut DbConnection) -> Result<i64> {
    Ok(schema::users::table.count().get_result(c)?)
}
