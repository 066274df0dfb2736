//! Device accounts (role `intake`): a phone's app sends its account's name and password
//! with every request (HTTP Basic over TLS, as OpenRosa clients do), or signs in once for
//! a bearer token (Tella). Either way it is the same throttled, audited check as a
//! person's sign-in, and a revoked device is a disabled account.

use std::net::IpAddr;

use chrono::Duration;
use diesel::prelude::*;
use secrecy::SecretString;
use uuid::Uuid;

use super::{Auth, parse_id};
use crate::access::Principal;
use crate::audit::{self, Actor, Entry};
use crate::auth::session;
use crate::domain::Role;
use crate::error::{Error, Result};
use crate::store::schema::sessions;

impl Auth {
    /// The device account a name and password stand for, or `InvalidCredentials`
    /// (counted towards throttling like a failed sign-in). A person's account is refused
    /// here as a device's is on the login page. The principal has no session.
    pub async fn verify_device(
        &self,
        username: &str,
        password: SecretString,
        client: Option<IpAddr>,
    ) -> Result<Principal> {
        let (key, row) = self.check_password(username, password, client).await?;
        let user_id = parse_id(&row.id)?;
        if row.role != Role::Intake.as_str() {
            self.fail_login(&key, client, Some(user_id), "not_a_device").await?;
            return Err(Error::InvalidCredentials);
        }
        Ok(Principal {
            user_id,
            session_id: Uuid::nil(),
            username: row.username,
            role: Role::Intake,
            second_factor: false,
        })
    }

    /// A bearer token for a verified device (Tella's login): an ordinary session, so
    /// revoking the device (disabling its account) ends it on the next request.
    pub async fn device_session(&self, device: &Principal) -> Result<(SecretString, Principal)> {
        if device.role != Role::Intake {
            return Err(Error::Forbidden);
        }
        let (token, token_hash) = session::new_token()?;
        let session_id = Uuid::new_v4();
        let now = self.now();
        let expires_at = now + Duration::minutes(self.settings.session_absolute_minutes);
        let user_id = device.user_id;
        self.ctx
            .write_plain(move |c| {
                diesel::insert_into(sessions::table)
                    .values((
                        sessions::id.eq(session_id.to_string()),
                        sessions::token_hash.eq(token_hash.to_vec()),
                        sessions::user_id.eq(user_id.to_string()),
                        sessions::second_factor.eq(false),
                        sessions::created_at.eq(now),
                        sessions::last_seen_at.eq(now),
                        sessions::expires_at.eq(expires_at),
                    ))
                    .execute(c)?;
                let actor = Actor { user_id: Some(user_id), session_id: Some(session_id) };
                audit::append(c, &Entry::new(actor, "login").detail("device", true))?;
                Ok(())
            })
            .await?;
        Ok((token, Principal { session_id, ..device.clone() }))
    }
}
