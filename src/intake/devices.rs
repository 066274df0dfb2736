//! Device accounts: a `users` row with role `intake` plus its `intake_devices` row, which
//! names the one case it submits to. Revoking a device disables its account, so its
//! password and any Tella token stop working on the next request, on every node.
//!
//! - `manage`: the case lead makes, lists, revokes and re-keys a case's devices.
//! - `collect`: what a phone's app is given to connect (ODK Collect's settings code).

mod collect;
mod manage;

pub use collect::{Connection, collect_settings};
pub use manage::{DeviceView, NewDevice, NewDeviceCredentials};

use diesel::prelude::*;
use uuid::Uuid;

use super::Intake;
use crate::access::{Allowed, act};
use crate::error::{Error, Result};
use crate::store::schema::intake_devices;

/// A device account, verified, and the case it submits to.
#[derive(Debug, Clone)]
pub struct Device {
    pub who: Allowed<act::IntakeSubmit>,
    pub case_id: Uuid,
}

impl Intake {
    /// The case a verified device account submits to. A revoked device, or an account
    /// with no device row, is `Unauthenticated` (the protocols' 401).
    pub async fn device(&self, who: Allowed<act::IntakeSubmit>) -> Result<Device> {
        let id = who.principal.user_id.to_string();
        let now = self.ctx.clock.now_naive();
        let case = self
            .ctx
            .read(move |c| {
                Ok(intake_devices::table
                    .find(&id)
                    .filter(intake_devices::revoked_at.is_null())
                    .select(intake_devices::case_id)
                    .first::<String>(c)
                    .optional()?)
            })
            .await?
            .ok_or(Error::Unauthenticated)?;
        let case_id = Uuid::parse_str(&case).map_err(|_| Error::Integrity)?;
        let id = who.principal.user_id.to_string();
        self.ctx
            .write_plain(move |c| {
                diesel::update(intake_devices::table.find(&id))
                    .set(intake_devices::last_seen_at.eq(now))
                    .execute(c)?;
                Ok(())
            })
            .await?;
        Ok(Device { who, case_id })
    }
}
