//! A bearer token (or a page's cookie) → the principal it stands for, on every request.
//! One checkout: the revocation counter, then either this node's verified entry for the
//! token (`verified`) or the join of session, account and role policy, which fills it.

use std::sync::Arc;

use chrono::Duration;
use diesel::prelude::*;

use super::{Auth, SessionRow, UserRow, UserView, parse_id, parse_role};
use crate::access::Principal;
use crate::auth::revocation;
use crate::auth::session;
use crate::auth::verified::Verified;
use crate::error::{Error, Result};
use crate::store::schema::{role_policies, sessions, users};

/// A live session as a request sees it.
#[derive(Debug, Clone)]
pub struct Session {
    pub principal: Principal,
    /// The role demands a second factor the session lacks: it may only enrol one.
    pub enrolment_pending: bool,
    /// The account, as `GET /auth/me` shows it.
    pub user: Arc<UserView>,
}

enum Found {
    Cached(Verified),
    /// From the join, with the session to touch if its `last_seen_at` is due.
    Joined(Verified, Option<String>),
}

impl Auth {
    /// Resolves a bearer token to the principal it stands for, or `Unauthenticated`.
    /// Returns whether the role demands a second factor the session lacks.
    pub async fn authenticate(&self, token: &str) -> Result<(Principal, bool)> {
        let found = self.session(token).await?;
        Ok((found.principal, found.enrolment_pending))
    }

    /// As `authenticate`, with the account the session belongs to.
    pub async fn session(&self, token: &str) -> Result<Session> {
        let hash = session::hash_token(token);
        let idle = Duration::minutes(self.settings.session_idle_minutes);
        let now = self.now();
        let cache = self.verified.clone();
        // The common case, a session this node verified recently, needs only the counter:
        // read on this thread where the store allows it (`Db::run_inline`).
        if let Some(Ok(Some(hit))) =
            self.ctx.db.run_inline(|c| Ok(cache.get(revocation::current(c)?, &hash, now, idle)))
        {
            return Ok(self.to_session(hit));
        }
        let (epoch, found) = self
            .ctx
            .read(move |c| {
                // Read before the join: an entry belongs to the counter as it stood
                // before what it verified, so a revocation between the two still drops it.
                let epoch = revocation::current(c)?;
                if let Some(hit) = cache.get(epoch, &hash, now, idle) {
                    return Ok((epoch, Found::Cached(hit)));
                }
                let found = sessions::table
                    .inner_join(users::table)
                    .inner_join(role_policies::table.on(role_policies::role.eq(users::role)))
                    .filter(sessions::token_hash.eq(hash.to_vec()))
                    .select((SessionRow::as_select(), UserRow::as_select(), role_policies::totp_required))
                    .first::<(SessionRow, UserRow, bool)>(c)
                    .optional()?;
                let Some((s, user, stored_rule)) = found else {
                    return Err(Error::Unauthenticated);
                };
                if user.disabled
                    || !session::is_live(now, s.last_seen_at, s.expires_at, s.revoked_at.is_some(), idle)
                {
                    return Err(Error::Unauthenticated);
                }
                let touch = session::needs_touch(now, s.last_seen_at, idle).then(|| s.id.clone());
                let verified = Verified {
                    principal: Principal {
                        user_id: parse_id(&s.user_id)?,
                        session_id: parse_id(&s.id)?,
                        username: user.username.clone(),
                        role: parse_role(&user.role)?,
                        second_factor: s.second_factor,
                    },
                    stored_rule,
                    user: Arc::new(user.try_into()?),
                    last_seen: s.last_seen_at,
                    expires_at: s.expires_at,
                };
                Ok((epoch, Found::Joined(verified, touch)))
            })
            .await?;
        let verified = match found {
            Found::Cached(hit) => hit,
            Found::Joined(mut verified, touch) => {
                // A write, so it queues for the writer like every other (on SQLite, a
                // write outside the queue would wait on the file lock holding a pooled
                // connection).
                if let Some(id) = touch {
                    self.ctx
                        .write_plain(move |c| {
                            diesel::update(sessions::table.find(&id))
                                .set(sessions::last_seen_at.eq(now))
                                .execute(c)?;
                            Ok(())
                        })
                        .await?;
                    verified.last_seen = now;
                }
                self.verified.put(epoch, hash, verified.clone(), now, idle);
                verified
            }
        };
        Ok(self.to_session(verified))
    }

    fn to_session(&self, verified: Verified) -> Session {
        let enrolment_pending = (verified.stored_rule || self.configured(verified.principal.role))
            && !verified.principal.second_factor;
        Session { principal: verified.principal, enrolment_pending, user: verified.user }
    }

    /// How many sessions this node holds verified (bounded; for tests and the status).
    pub fn verified_sessions(&self) -> usize {
        self.verified.len()
    }
}
