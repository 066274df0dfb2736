//! Logging in and out (a bearer token → its principal is `verify`),
//! re-authentication before a grave action, and whose ended session a token was.
//! Failures count per account and per address, across nodes (`throttling`); expiry, idleness and the
//! throttling window are decided by the service's clock.

use std::net::IpAddr;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use secrecy::SecretString;
use uuid::Uuid;

use super::{Auth, LoginSession, UserRow, parse_id, parse_role};
use crate::access::Principal;
use crate::audit::{self, Actor, Entry, Outcome};
use crate::auth::{failures, revocation, session, totp};
use crate::domain::Role;
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::{sessions, users};

impl Auth {
    pub async fn login(
        &self,
        username: &str,
        password: SecretString,
        totp_code: Option<String>,
        client: Option<IpAddr>,
    ) -> Result<LoginSession> {
        let (key, row) = self.check_password(username, password.clone(), client).await?;
        // A phone's account signs in from its app (`intake`), never here.
        if row.role == Role::Intake.as_str() {
            let user_id = Uuid::parse_str(&row.id).ok();
            self.fail_login(&key, client, user_id, "device_account").await?;
            return Err(Error::InvalidCredentials);
        }
        let user_id = parse_id(&row.id)?;
        let role = parse_role(&row.role)?;

        let totp_required = self.role_requires_totp(role).await?;
        let mut new_step = None;
        if row.totp_enabled {
            let Some(code) = totp_code else {
                return Err(Error::TotpRequired);
            };
            let secret = row.totp_secret.clone().unwrap_or_default();
            match totp::verify(&secret, &code, self.unix_now(), row.totp_last_step)? {
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
        let now = self.now();
        let expires_at = now + Duration::minutes(self.settings.session_absolute_minutes);
        let id = row.id.clone();
        let succeeded = self.account_subject(&key);
        self.ctx
            .write_plain(move |c| {
                if let Some(subject) = &succeeded {
                    failures::clear(c, subject)?;
                }
                if let Some(step) = new_step {
                    claim_totp_step(c, &id, step)?;
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
        if let Some(wait) = self.throttled(&key, None).await? {
            return Err(Error::RateLimited { retry_after_secs: wait.num_seconds().max(1) as u64 });
        }
        let id = who.user_id.to_string();
        let row =
            self.ctx.read(move |c| Ok(users::table.find(id).select(UserRow::as_select()).first(c)?)).await?;
        let verified = self.passwords.verify(password, Some(row.password_hash.clone())).await?;
        if !verified || row.disabled {
            self.fail_login(&key, None, Some(who.user_id), "reauthentication_failed").await?;
            return Err(Error::InvalidCredentials);
        }
        if row.totp_enabled {
            let Some(code) = totp_code else { return Err(Error::TotpRequired) };
            let secret = row.totp_secret.clone().unwrap_or_default();
            let Some(step) = totp::verify(&secret, &code, self.unix_now(), row.totp_last_step)? else {
                self.fail_login(&key, None, Some(who.user_id), "totp_invalid").await?;
                return Err(Error::TotpInvalid);
            };
            let id = row.id.clone();
            self.ctx.write_plain(move |c| claim_totp_step(c, &id, step)).await?;
        }
        self.accounts.clear(&key);
        if let Some(subject) = self.account_subject(&key) {
            self.ctx.write_plain(move |c| failures::clear(c, &subject)).await?;
        }
        Ok(())
    }

    /// The password check every sign-in shares: throttled on what was typed, known
    /// account or not, a failure counted and audited. Returns the throttling key and the
    /// account, which is not disabled.
    pub(super) async fn check_password(
        &self,
        username: &str,
        password: SecretString,
        client: Option<IpAddr>,
    ) -> Result<(String, UserRow)> {
        // Throttle on what was typed, known account or not, so lockouts do not reveal
        // which usernames exist.
        let key: String = username.trim().to_ascii_lowercase().chars().take(64).collect();
        if let Some(wait) = self.throttled(&key, client).await? {
            tracing::warn!("login refused: too many failures");
            return Err(Error::RateLimited { retry_after_secs: wait.num_seconds().max(1) as u64 });
        }

        // What cannot be a username names no account, and is not sent to the database
        // (PostgreSQL refuses a NUL in text outright); the password is still checked
        // against nothing, so the answer and its timing are an unknown user's.
        let lookup = crate::rules::USERNAME.matches(&key).then(|| key.clone());
        let row = match lookup {
            Some(lookup) => {
                self.ctx
                    .read(move |c| {
                        Ok(users::table
                            .filter(users::username.eq(lookup))
                            .select(UserRow::as_select())
                            .first(c)
                            .optional()?)
                    })
                    .await?
            }
            None => None,
        };
        let verified = self.passwords.verify(password, row.as_ref().map(|r| r.password_hash.clone())).await?;

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
        Ok((key, row))
    }

    pub(super) async fn fail_login(
        &self,
        key: &str,
        client: Option<IpAddr>,
        user_id: Option<Uuid>,
        reason: &'static str,
    ) -> Result<()> {
        let counted = self.count_failure(key, client);
        let now = self.ctx.clock.now_naive();
        let entry = Entry::new(Actor { user_id, session_id: None }, "login_failed")
            .outcome(Outcome::Failure)
            .detail("reason", reason);
        let entry = match user_id {
            Some(id) => entry.target("user", id),
            None => entry,
        };
        self.ctx
            .write_plain(move |c| {
                for subject in &counted {
                    failures::record(c, subject, now)?;
                }
                audit::append(c, &entry).map(drop)
            })
            .await
    }

    /// Whose session a token was, whether or not it is still live: (user, session), for
    /// a user not disabled and a session not past its absolute lifetime by more than
    /// `grace`. Only to keep a form posted after the session ended for the same user.
    pub async fn session_owner(&self, token: &str, grace: Duration) -> Result<Option<(Uuid, Uuid)>> {
        let hash = session::hash_token(token).to_vec();
        let now = self.now();
        self.ctx
            .read(move |c| {
                let found = sessions::table
                    .inner_join(users::table)
                    .filter(sessions::token_hash.eq(hash))
                    .select((sessions::id, sessions::user_id, sessions::expires_at, users::disabled))
                    .first::<(String, String, NaiveDateTime, bool)>(c)
                    .optional()?;
                Ok(match found {
                    Some((id, user, expires, false)) if now < expires + grace => {
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
        let now = self.now();
        self.ctx
            .write_plain(move |c| {
                diesel::update(sessions::table.find(session_id))
                    .set(sessions::revoked_at.eq(now))
                    .execute(c)?;
                revocation::bump(c)?;
                audit::append(c, &Entry::new(actor, "logout"))?;
                Ok(())
            })
            .await
    }
}

/// Stores the TOTP step a code matched. Conditional: two concurrent logins cannot both
/// use one code.
fn claim_totp_step(c: &mut DbConnection, user: &str, step: i64) -> Result<()> {
    let claimed = diesel::update(users::table.find(user))
        .filter(users::totp_last_step.is_null().or(users::totp_last_step.lt(step)))
        .set(users::totp_last_step.eq(step))
        .execute(c)?;
    if claimed == 0 { Err(Error::TotpInvalid) } else { Ok(()) }
}
