//! Use cases of identity: log in and out, resolve a bearer token to a principal, manage
//! users; the second factor and each role's rule for it are in `second_factor`. Every
//! change is audited in its transaction.

use std::net::IpAddr;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use secrecy::SecretString;
use serde::Serialize;
use uuid::Uuid;

use super::password::Passwords;
use super::session;
use super::throttle::Throttle;
use super::totp;
use crate::access::Principal;
use crate::audit::{self, Actor, Entry, Outcome};
use crate::config::AuthSettings;
use crate::domain::{NewPassword, Role, Username};
use crate::error::{Error, FieldError, Result};
use crate::store::schema::{role_policies, sessions, users};
use crate::store::{Db, DbConnection, now};

mod second_factor;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
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
    db: Db,
    settings: AuthSettings,
    passwords: Passwords,
    accounts: Throttle<String>,
    addresses: Throttle<IpAddr>,
}

impl Auth {
    pub fn new(db: Db, settings: AuthSettings) -> Result<Self> {
        let window = StdDuration::from_secs(settings.failure_window_minutes.max(1) as u64 * 60);
        Ok(Auth {
            passwords: Passwords::new(&settings)?,
            accounts: Throttle::new(settings.max_failures_per_account, window),
            addresses: Throttle::new(settings.max_failures_per_address, window),
            db,
            settings,
        })
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub async fn login(
        &self,
        username: &str,
        password: SecretString,
        totp_code: Option<String>,
        client: Option<IpAddr>,
    ) -> Result<LoginSession> {
        // Throttle on what was typed, known account or not, so lockouts do not reveal
        // which usernames exist.
        let key: String = username.trim().to_ascii_lowercase().chars().take(64).collect();
        let started = Instant::now();
        let locked = [
            self.accounts.locked_for(&key, started),
            client.and_then(|ip| self.addresses.locked_for(&ip, started)),
        ];
        if let Some(wait) = locked.into_iter().flatten().max() {
            tracing::warn!("login refused: too many failures");
            return Err(Error::RateLimited { retry_after_secs: wait.as_secs().max(1) });
        }

        let lookup = key.clone();
        let row = self
            .db
            .run(move |c| {
                Ok(users::table
                    .filter(users::username.eq(lookup))
                    .select(UserRow::as_select())
                    .first(c)
                    .optional()?)
            })
            .await?;
        let verified =
            self.passwords.verify(password.clone(), row.as_ref().map(|r| r.password_hash.clone())).await?;

        let row = match row {
            Some(row) if verified && !row.disabled => row,
            other => {
                let reason = match &other {
                    Some(r) if r.disabled => "user_disabled",
                    Some(_) => "wrong_password",
                    None => "unknown_user",
                };
                let user_id = other.as_ref().and_then(|r| Uuid::parse_str(&r.id).ok());
                self.fail_login(&key, client, user_id, reason).await?;
                return Err(Error::InvalidCredentials);
            }
        };
        let user_id = parse_id(&row.id)?;
        let role = parse_role(&row.role)?;

        let totp_required = self.role_requires_totp(role).await?;
        let mut new_step = None;
        if row.totp_enabled {
            let Some(code) = totp_code else {
                return Err(Error::TotpRequired);
            };
            let secret = row.totp_secret.clone().unwrap_or_default();
            match totp::verify(&secret, &code, unix_now(), row.totp_last_step)? {
                Some(step) => new_step = Some(step),
                None => {
                    self.fail_login(&key, client, Some(user_id), "totp_invalid").await?;
                    return Err(Error::TotpInvalid);
                }
            }
        }
        let second_factor = row.totp_enabled;

        let rehash = if self.passwords.needs_rehash(&row.password_hash) {
            Some(self.passwords.hash(password).await?)
        } else {
            None
        };

        let (token, token_hash) = session::new_token()?;
        let session_id = Uuid::new_v4();
        let now = now();
        let expires_at = now + Duration::minutes(self.settings.session_absolute_minutes);
        let id = row.id.clone();
        self.db
            .transaction(move |c| {
                if let Some(step) = new_step {
                    // Conditional update: two concurrent logins cannot both use one code.
                    let claimed = diesel::update(users::table.find(&id))
                        .filter(users::totp_last_step.is_null().or(users::totp_last_step.lt(step)))
                        .set(users::totp_last_step.eq(step))
                        .execute(c)?;
                    if claimed == 0 {
                        return Err(Error::TotpInvalid);
                    }
                }
                if let Some(hash) = rehash {
                    diesel::update(users::table.find(&id)).set(users::password_hash.eq(hash)).execute(c)?;
                }
                diesel::insert_into(sessions::table)
                    .values((
                        sessions::id.eq(session_id.to_string()),
                        sessions::token_hash.eq(token_hash.to_vec()),
                        sessions::user_id.eq(&id),
                        sessions::second_factor.eq(second_factor),
                        sessions::created_at.eq(now),
                        sessions::last_seen_at.eq(now),
                        sessions::expires_at.eq(expires_at),
                    ))
                    .execute(c)?;
                let actor = Actor { user_id: Some(user_id), session_id: Some(session_id) };
                audit::append(c, &Entry::new(actor, "login").detail("second_factor", second_factor))?;
                Ok(())
            })
            .await?;
        self.accounts.clear(&key);
        Ok(LoginSession {
            token,
            expires_at: expires_at.and_utc(),
            user: row.try_into()?,
            second_factor_enrolment_required: totp_required && !second_factor,
        })
    }

    /// Asks a signed-in user to prove again who they are before a grave action (an
    /// evidence export): the password, and the second factor if enrolled. Failures
    /// count towards the same lockout as failed logins.
    pub async fn reauthenticate(
        &self,
        who: &Principal,
        password: SecretString,
        totp_code: Option<String>,
    ) -> Result<()> {
        let key: String = who.username.to_ascii_lowercase();
        if let Some(wait) = self.accounts.locked_for(&key, Instant::now()) {
            return Err(Error::RateLimited { retry_after_secs: wait.as_secs().max(1) });
        }
        let id = who.user_id.to_string();
        let row =
            self.db.run(move |c| Ok(users::table.find(id).select(UserRow::as_select()).first(c)?)).await?;
        let verified = self.passwords.verify(password, Some(row.password_hash.clone())).await?;
        if !verified || row.disabled {
            self.fail_login(&key, None, Some(who.user_id), "reauthentication_failed").await?;
            return Err(Error::InvalidCredentials);
        }
        if row.totp_enabled {
            let Some(code) = totp_code else { return Err(Error::TotpRequired) };
            let secret = row.totp_secret.clone().unwrap_or_default();
            let Some(step) = totp::verify(&secret, &code, unix_now(), row.totp_last_step)? else {
                self.fail_login(&key, None, Some(who.user_id), "totp_invalid").await?;
                return Err(Error::TotpInvalid);
            };
            let id = row.id.clone();
            self.db
                .transaction(move |c| {
                    let claimed = diesel::update(users::table.find(&id))
                        .filter(users::totp_last_step.is_null().or(users::totp_last_step.lt(step)))
                        .set(users::totp_last_step.eq(step))
                        .execute(c)?;
                    if claimed == 0 { Err(Error::TotpInvalid) } else { Ok(()) }
                })
                .await?;
        }
        self.accounts.clear(&key);
        Ok(())
    }

    async fn fail_login(
        &self,
        key: &str,
        client: Option<IpAddr>,
        user_id: Option<Uuid>,
        reason: &'static str,
    ) -> Result<()> {
        let now = Instant::now();
        self.accounts.record_failure(&key.to_owned(), now);
        if let Some(ip) = client {
            self.addresses.record_failure(&ip, now);
        }
        let entry = Entry::new(Actor { user_id, session_id: None }, "login_failed")
            .outcome(Outcome::Failure)
            .detail("reason", reason);
        let entry = match user_id {
            Some(id) => entry.target("user", id),
            None => entry,
        };
        self.db.transaction(move |c| audit::append(c, &entry).map(drop)).await
    }

    /// Resolves a bearer token to the principal it stands for, or `Unauthenticated`.
    /// Returns whether the role demands a second factor the session lacks.
    pub async fn authenticate(&self, token: &str) -> Result<(Principal, bool)> {
        let hash = session::hash_token(token).to_vec();
        let idle = Duration::minutes(self.settings.session_idle_minutes);
        let (principal, stored_rule, touch) = self
            .db
            .run(move |c| {
                let found = sessions::table
                    .inner_join(users::table)
                    .inner_join(role_policies::table.on(role_policies::role.eq(users::role)))
                    .filter(sessions::token_hash.eq(hash))
                    .select((
                        SessionRow::as_select(),
                        users::username,
                        users::role,
                        users::disabled,
                        role_policies::totp_required,
                    ))
                    .first::<(SessionRow, String, String, bool, bool)>(c)
                    .optional()?;
                let Some((s, username, role, disabled, totp_required)) = found else {
                    return Err(Error::Unauthenticated);
                };
                let now = now();
                if disabled
                    || !session::is_live(now, s.last_seen_at, s.expires_at, s.revoked_at.is_some(), idle)
                {
                    return Err(Error::Unauthenticated);
                }
                let touch = session::needs_touch(now, s.last_seen_at, idle).then(|| s.id.clone());
                let principal = Principal {
                    user_id: parse_id(&s.user_id)?,
                    session_id: parse_id(&s.id)?,
                    username,
                    role: parse_role(&role)?,
                    second_factor: s.second_factor,
                };
                Ok((principal, totp_required, touch))
            })
            .await?;
        // A write, so it queues for the writer like every other (on SQLite, a write
        // outside the queue would wait on the file lock holding a pooled connection).
        if let Some(id) = touch {
            let now = now();
            self.db
                .transaction(move |c| {
                    diesel::update(sessions::table.find(&id))
                        .set(sessions::last_seen_at.eq(now))
                        .execute(c)?;
                    Ok(())
                })
                .await?;
        }
        let enrolment_pending = (stored_rule || self.configured(principal.role)) && !principal.second_factor;
        Ok((principal, enrolment_pending))
    }

    /// Whose session a token was, whether or not it is still live: (user, session), for
    /// a user not disabled and a session not past its absolute lifetime by more than
    /// `grace`. Only to keep a form posted after the session ended for the same user.
    pub async fn session_owner(&self, token: &str, grace: Duration) -> Result<Option<(Uuid, Uuid)>> {
        let hash = session::hash_token(token).to_vec();
        self.db
            .run(move |c| {
                let found = sessions::table
                    .inner_join(users::table)
                    .filter(sessions::token_hash.eq(hash))
                    .select((sessions::id, sessions::user_id, sessions::expires_at, users::disabled))
                    .first::<(String, String, NaiveDateTime, bool)>(c)
                    .optional()?;
                Ok(match found {
                    Some((id, user, expires, false)) if now() < expires + grace => {
                        Some((parse_id(&user)?, parse_id(&id)?))
                    }
                    _ => None,
                })
            })
            .await
    }

    pub async fn logout(&self, who: &Principal) -> Result<()> {
        let actor = Actor::from(who);
        let session_id = who.session_id.to_string();
        self.db
            .transaction(move |c| {
                diesel::update(sessions::table.find(session_id))
                    .set(sessions::revoked_at.eq(now()))
                    .execute(c)?;
                audit::append(c, &Entry::new(actor, "logout"))?;
                Ok(())
            })
            .await
    }

    /// Records an attempt the policy refused, so abuse of an account shows in the log.
    pub async fn record_denied(&self, who: &Principal, action: &'static str) -> Result<()> {
        let entry = Entry::new(who, "access_denied").outcome(Outcome::Denied).detail("action", action);
        self.db.transaction(move |c| audit::append(c, &entry).map(drop)).await
    }

    pub async fn me(&self, who: &Principal) -> Result<UserView> {
        self.get_user(who.user_id).await
    }

    pub async fn create_user(
        &self,
        actor: Actor,
        username: &str,
        password: SecretString,
        role: Role,
    ) -> Result<UserView> {
        let username = Username::parse("username", username);
        let password = NewPassword::parse("password", password);
        let (username, password) = match (username, password) {
            (Ok(u), Ok(p)) => (u, p),
            (u, p) => return Err(Error::Validation([u.err(), p.err()].into_iter().flatten().collect())),
        };
        let hash = self.passwords.hash(password.secret().clone()).await?;
        let id = Uuid::new_v4();
        let now = now();
        let row = self
            .db
            .transaction(move |c| {
                let taken = users::table
                    .filter(users::username.eq(username.as_str()))
                    .count()
                    .get_result::<i64>(c)?;
                if taken > 0 {
                    return Err(Error::Conflict("username_taken"));
                }
                diesel::insert_into(users::table)
                    .values((
                        users::id.eq(id.to_string()),
                        users::username.eq(username.as_str()),
                        users::password_hash.eq(hash),
                        users::role.eq(role.as_str()),
                        users::disabled.eq(false),
                        users::totp_enabled.eq(false),
                        users::created_at.eq(now),
                        users::updated_at.eq(now),
                    ))
                    .execute(c)?;
                audit::append(
                    c,
                    &Entry::new(actor, "user.create").target("user", id).detail("role", role.as_str()),
                )?;
                load_user(c, id)
            })
            .await?;
        row.try_into()
    }

    pub async fn list_users(&self, limit: i64, offset: i64) -> Result<(Vec<UserView>, i64)> {
        let (rows, total) = self
            .db
            .run(move |c| {
                let rows = users::table
                    .order(users::username.asc())
                    .limit(limit)
                    .offset(offset)
                    .select(UserRow::as_select())
                    .load(c)?;
                let total = users::table.count().get_result::<i64>(c)?;
                Ok((rows, total))
            })
            .await?;
        let users = rows.into_iter().map(UserView::try_from).collect::<Result<_>>()?;
        Ok((users, total))
    }

    pub async fn get_user(&self, id: Uuid) -> Result<UserView> {
        self.db.run(move |c| load_user(c, id)).await?.try_into()
    }

    pub async fn find_user_id(&self, username: &str) -> Result<Uuid> {
        let name = username.trim().to_ascii_lowercase();
        let id = self
            .db
            .run(move |c| {
                Ok(users::table.filter(users::username.eq(name)).select(users::id).first::<String>(c)?)
            })
            .await?;
        parse_id(&id)
    }

    pub async fn set_disabled(&self, actor: Actor, id: Uuid, disabled: bool) -> Result<UserView> {
        if disabled && actor.user_id == Some(id) {
            return Err(Error::Conflict("cannot_disable_self"));
        }
        let action = if disabled { "user.disable" } else { "user.enable" };
        self.db
            .transaction(move |c| {
                let before = load_user(c, id)?;
                if disabled && before.role == Role::Admin.as_str() {
                    ensure_another_admin(c, id)?;
                }
                diesel::update(users::table.find(id.to_string()))
                    .set((users::disabled.eq(disabled), users::updated_at.eq(now())))
                    .execute(c)?;
                if disabled {
                    revoke_sessions(c, id, None)?;
                }
                audit::append(c, &Entry::new(actor, action).target("user", id))?;
                load_user(c, id)
            })
            .await?
            .try_into()
    }

    pub async fn reset_password(&self, actor: Actor, id: Uuid, password: SecretString) -> Result<UserView> {
        let password = NewPassword::parse("password", password).map_err(|e| Error::Validation(vec![e]))?;
        // Look the user up first so an unknown id is a 404 before any hashing work.
        self.get_user(id).await?;
        let hash = self.passwords.hash(password.secret().clone()).await?;
        self.db
            .transaction(move |c| {
                diesel::update(users::table.find(id.to_string()))
                    .set((users::password_hash.eq(hash), users::updated_at.eq(now())))
                    .execute(c)?;
                revoke_sessions(c, id, None)?;
                audit::append(c, &Entry::new(actor, "user.password_reset").target("user", id))?;
                load_user(c, id)
            })
            .await?
            .try_into()
    }

    pub async fn change_role(&self, actor: Actor, id: Uuid, role: Role) -> Result<UserView> {
        self.db
            .transaction(move |c| {
                let before = load_user(c, id)?;
                if before.role == Role::Admin.as_str() && role != Role::Admin {
                    ensure_another_admin(c, id)?;
                }
                diesel::update(users::table.find(id.to_string()))
                    .set((users::role.eq(role.as_str()), users::updated_at.eq(now())))
                    .execute(c)?;
                // A new role starts from a fresh login, with that role's second-factor rule.
                revoke_sessions(c, id, None)?;
                audit::append(
                    c,
                    &Entry::new(actor, "user.role_change")
                        .target("user", id)
                        .detail("from", before.role.clone())
                        .detail("to", role.as_str()),
                )?;
                load_user(c, id)
            })
            .await?
            .try_into()
    }

    pub async fn change_own_password(
        &self,
        who: &Principal,
        current: SecretString,
        new: SecretString,
    ) -> Result<()> {
        let new = NewPassword::parse("new_password", new).map_err(|e| Error::Validation(vec![e]))?;
        let id = who.user_id;
        let stored = self.db.run(move |c| load_user(c, id)).await?.password_hash;
        if !self.passwords.verify(current, Some(stored)).await? {
            return Err(Error::Validation(vec![FieldError::new(
                "current_password",
                "wrong_password",
                "the current password is not correct",
            )]));
        }
        let hash = self.passwords.hash(new.secret().clone()).await?;
        let actor = Actor::from(who);
        let keep = who.session_id;
        self.db
            .transaction(move |c| {
                diesel::update(users::table.find(id.to_string()))
                    .set((users::password_hash.eq(hash), users::updated_at.eq(now())))
                    .execute(c)?;
                revoke_sessions(c, id, Some(keep))?;
                audit::append(c, &Entry::new(actor, "password.change").target("user", id))?;
                Ok(())
            })
            .await
    }
}

fn load_user(c: &mut DbConnection, id: Uuid) -> Result<UserRow> {
    Ok(users::table.find(id.to_string()).select(UserRow::as_select()).first(c)?)
}

fn revoke_sessions(c: &mut DbConnection, user: Uuid, keep: Option<Uuid>) -> Result<()> {
    let keep = keep.map(|k| k.to_string()).unwrap_or_default();
    diesel::update(sessions::table)
        .filter(sessions::user_id.eq(user.to_string()))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::id.ne(keep))
        .set(sessions::revoked_at.eq(now()))
        .execute(c)?;
    Ok(())
}

/// Refuses to leave the installation without an active admin.
fn ensure_another_admin(c: &mut DbConnection, leaving: Uuid) -> Result<()> {
    let others = users::table
        .filter(users::role.eq(Role::Admin.as_str()))
        .filter(users::disabled.eq(false))
        .filter(users::id.ne(leaving.to_string()))
        .count()
        .get_result::<i64>(c)?;
    if others == 0 { Err(Error::Conflict("last_admin")) } else { Ok(()) }
}

fn unix_now() -> u64 {
    Utc::now().timestamp().max(0) as u64
}

pub fn count_users(c: &mut DbConnection) -> Result<i64> {
    Ok(users::table.count().get_result(c)?)
}
