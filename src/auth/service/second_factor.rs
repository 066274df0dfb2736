//! The second factor: enrolling a TOTP app, and which roles must sign in with one (set
//! per role by an admin, or by `auth.require_second_factor`, which cannot be relaxed).

use diesel::prelude::*;

use super::{Auth, RolePolicy, TotpEnrolment, load_user, parse_role};
use crate::access::policy::Principal;
use crate::audit::{self, Actor, Entry};
use crate::auth::{revocation, totp};
use crate::domain::Role;
use crate::error::{Error, Result};
use crate::store::schema::{role_policies, sessions, users};

impl Auth {
    /// Required by configuration (`auth.require_second_factor`), whatever the stored rule.
    pub(super) fn configured(&self, role: Role) -> bool {
        self.settings.require_second_factor.contains(&role)
    }

    /// Must someone in this role sign in with a second factor?
    pub async fn role_requires_totp(&self, role: Role) -> Result<bool> {
        if self.configured(role) {
            return Ok(true);
        }
        self.ctx
            .read(move |c| {
                Ok(role_policies::table
                    .find(role.as_str())
                    .select(role_policies::totp_required)
                    .first::<bool>(c)
                    .optional()?
                    .unwrap_or(false))
            })
            .await
    }

    pub async fn totp_begin(&self, who: &Principal) -> Result<TotpEnrolment> {
        let secret = totp::new_secret()?;
        let enrolment = TotpEnrolment {
            otpauth_uri: totp::provisioning_uri(&secret, &self.settings.totp_issuer, &who.username),
            secret_base32: totp::base32(&secret),
        };
        let id = who.user_id;
        let actor = Actor::from(who);
        let stored = secret.to_vec();
        self.ctx
            .write_plain(move |c| {
                if load_user(c, id)?.totp_enabled {
                    return Err(Error::Conflict("totp_already_enabled"));
                }
                diesel::update(users::table.find(id.to_string()))
                    .set((users::totp_secret.eq(stored), users::totp_last_step.eq(None::<i64>)))
                    .execute(c)?;
                audit::append(c, &Entry::new(actor, "totp.enrol_start").target("user", id))?;
                Ok(())
            })
            .await?;
        Ok(enrolment)
    }

    pub async fn totp_confirm(&self, who: &Principal, code: &str) -> Result<()> {
        let id = who.user_id;
        let session_id = who.session_id.to_string();
        let actor = Actor::from(who);
        let code = code.to_owned();
        let (now, unix_now) = (self.now(), self.unix_now());
        self.ctx
            .write_plain(move |c| {
                let user = load_user(c, id)?;
                let Some(secret) = user.totp_secret.filter(|_| !user.totp_enabled) else {
                    return Err(Error::Conflict("no_pending_totp_enrolment"));
                };
                let Some(step) = totp::verify(&secret, &code, unix_now, None)? else {
                    return Err(Error::TotpInvalid);
                };
                diesel::update(users::table.find(id.to_string()))
                    .set((
                        users::totp_enabled.eq(true),
                        users::totp_last_step.eq(step),
                        users::updated_at.eq(now),
                    ))
                    .execute(c)?;
                diesel::update(sessions::table.find(session_id))
                    .set(sessions::second_factor.eq(true))
                    .execute(c)?;
                // Every node must see the session's second factor at once.
                revocation::bump(c)?;
                audit::append(c, &Entry::new(actor, "totp.enrol").target("user", id))?;
                Ok(())
            })
            .await
    }

    pub async fn role_policies(&self) -> Result<Vec<RolePolicy>> {
        let rows =
            self.ctx
                .read(|c| {
                    Ok(role_policies::table
                        .select((role_policies::role, role_policies::totp_required))
                        .load::<(String, bool)>(c)?)
                })
                .await?;
        let mut policies = rows
            .into_iter()
            .map(|(role, stored)| {
                let role = parse_role(&role)?;
                let required_by_configuration = self.configured(role);
                Ok(RolePolicy {
                    role,
                    totp_required: stored || required_by_configuration,
                    required_by_configuration,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        policies.sort_by_key(|p| Role::ALL.iter().position(|r| *r == p.role));
        Ok(policies)
    }

    /// Roles the configuration or the stored rules leave without a second factor, among
    /// those that must have one on a new installation (admins and lawyers): the admin
    /// pages warn about each.
    pub async fn relaxed_second_factor_roles(&self) -> Result<Vec<Role>> {
        Ok(relaxed_second_factor(&self.role_policies().await?))
    }

    pub async fn set_role_policy(&self, actor: Actor, role: Role, totp_required: bool) -> Result<RolePolicy> {
        // A phone's app answers a password challenge and nothing more: a device is
        // protected by its random password, its one case and revocation instead.
        if role == Role::Intake && totp_required {
            return Err(Error::Conflict("devices_have_no_second_factor"));
        }
        let required_by_configuration = self.configured(role);
        if required_by_configuration && !totp_required {
            return Err(Error::Conflict("second_factor_required_by_configuration"));
        }
        self.ctx
            .write_plain(move |c| {
                diesel::update(role_policies::table.find(role.as_str()))
                    .set(role_policies::totp_required.eq(totp_required))
                    .execute(c)?;
                // Sessions of the role must meet (or are freed from) the rule on every node at once.
                revocation::bump(c)?;
                audit::append(
                    c,
                    &Entry::new(actor, "role_policy.update")
                        .target("role", role.as_str())
                        .detail("totp_required", totp_required),
                )?;
                Ok(RolePolicy { role, totp_required, required_by_configuration })
            })
            .await
    }
}

/// Among `policies`, the roles that must have a second factor on a new installation
/// (admins and lawyers) but are left without one.
pub fn relaxed_second_factor(policies: &[RolePolicy]) -> Vec<Role> {
    policies
        .iter()
        .filter(|p| matches!(p.role, Role::Admin | Role::Lawyer) && !p.totp_required)
        .map(|p| p.role)
        .collect()
}
