//! Accounts: creating, listing, disabling, password resets and role changes, and a
//! user's change of their own password. A change that alters what a user may do ends
//! their sessions in the same transaction; the last active admin cannot be removed.

use diesel::prelude::*;
use secrecy::SecretString;
use uuid::Uuid;

use super::{
    Account, Auth, UserRow, UserView, count_users, ensure_another_admin, load_user, parse_id, revoke_sessions,
};
use crate::access::Principal;
use crate::audit::{self, Actor, Entry};
use crate::domain::{NewPassword, Role, Username};
use crate::error::{Error, FieldError, Result};
use crate::store::schema::users;

impl Auth {
    pub async fn me(&self, who: &Principal) -> Result<UserView> {
        self.get_user(who.user_id).await
    }

    /// One's own account, and whether its role still waits for a second factor.
    pub async fn account(&self, who: &Principal) -> Result<Account> {
        let user = self.me(who).await?;
        let must_enrol = !user.totp_enabled && self.role_requires_totp(user.role).await?;
        Ok(Account { user, must_enrol })
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
        let now = self.now();
        let row = self
            .ctx
            .write_plain(move |c| {
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
            .ctx
            .read(move |c| {
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
        self.ctx.read(move |c| load_user(c, id)).await?.try_into()
    }

    pub async fn find_user_id(&self, username: &str) -> Result<Uuid> {
        let name = username.trim().to_ascii_lowercase();
        let id = self
            .ctx
            .read(move |c| {
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
        let now = self.now();
        self.ctx
            .write_plain(move |c| {
                let before = load_user(c, id)?;
                if disabled && before.role == Role::Admin.as_str() {
                    ensure_another_admin(c, id)?;
                }
                diesel::update(users::table.find(id.to_string()))
                    .set((users::disabled.eq(disabled), users::updated_at.eq(now)))
                    .execute(c)?;
                if disabled {
                    revoke_sessions(c, id, None, now)?;
                } else {
                    // What the account's sessions show of it changed (`GET /auth/me`).
                    crate::auth::revocation::bump(c)?;
                }
                audit::append(c, &Entry::new(actor, action).target("user", id))?;
                load_user(c, id)
            })
            .await?
            .try_into()
    }

    pub async fn reset_password(&self, actor: Actor, id: Uuid, password: SecretString) -> Result<UserView> {
        // One's own password changes with the current one (`POST /auth/password`): a
        // stolen admin session must not be able to take the account over.
        if actor.user_id == Some(id) {
            return Err(Error::Conflict("use_own_password_change"));
        }
        let password = NewPassword::parse("password", password).map_err(|e| Error::Validation(vec![e]))?;
        // Look the user up first so an unknown id is a 404 before any hashing work.
        self.get_user(id).await?;
        let hash = self.passwords.hash(password.secret().clone()).await?;
        let now = self.now();
        self.ctx
            .write_plain(move |c| {
                diesel::update(users::table.find(id.to_string()))
                    .set((users::password_hash.eq(hash), users::updated_at.eq(now)))
                    .execute(c)?;
                revoke_sessions(c, id, None, now)?;
                audit::append(c, &Entry::new(actor, "user.password_reset").target("user", id))?;
                load_user(c, id)
            })
            .await?
            .try_into()
    }

    pub async fn change_role(&self, actor: Actor, id: Uuid, role: Role) -> Result<UserView> {
        // A role change ends the account's sessions: an admin would sign themself out,
        // or demote themself by a slip.
        if actor.user_id == Some(id) {
            return Err(Error::Conflict("cannot_change_own_role"));
        }
        let now = self.now();
        self.ctx
            .write_plain(move |c| {
                let before = load_user(c, id)?;
                if before.role == Role::Admin.as_str() && role != Role::Admin {
                    ensure_another_admin(c, id)?;
                }
                diesel::update(users::table.find(id.to_string()))
                    .set((users::role.eq(role.as_str()), users::updated_at.eq(now)))
                    .execute(c)?;
                // A new role starts from a fresh login, with that role's second-factor rule.
                revoke_sessions(c, id, None, now)?;
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
        let stored = self.ctx.read(move |c| load_user(c, id)).await?.password_hash;
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
        let now = self.now();
        self.ctx
            .write_plain(move |c| {
                diesel::update(users::table.find(id.to_string()))
                    .set((users::password_hash.eq(hash), users::updated_at.eq(now)))
                    .execute(c)?;
                revoke_sessions(c, id, Some(keep), now)?;
                audit::append(c, &Entry::new(actor, "password.change").target("user", id))?;
                Ok(())
            })
            .await
    }

    /// How many accounts there are (the status page, the first start's hint).
    pub async fn count_users(&self) -> Result<i64> {
        self.ctx.read(count_users).await
    }
}
