//! The case lead's devices: each a `users` row (role `intake`, a generated name and
//! password) and its `intake_devices` row with the sealed label the lead gave it ("Anna's
//! phone"). The password is shown once, when made or re-made, and kept only as its
//! argon2 hash; revoking disables the account and ends its sessions in one transaction.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::membership as access;
use crate::access::{Allowed, act};
use crate::audit::{self, Audited, Entry};
use crate::cases::sealed::Sealer;
use crate::crypto::Keyring;
use crate::domain::Role;
use crate::error::{Error, Result};
use crate::intake::Intake;
use crate::store::DbConnection;
use crate::store::schema::{intake_devices, sessions, users};

/// The sealed-field table of a device's label.
pub const DEVICES: &str = "intake_devices";

/// Characters of a generated password: lower-case letters and digits without the ones
/// read alike (l/1, o/0), so it can be typed from a screen; 32 of them, 5 bits each.
const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";
/// 24 characters: 120 bits, beyond guessing even without the throttle.
const PASSWORD_CHARS: usize = 24;
/// The random part of a device's account name.
const NAME_CHARS: usize = 10;

/// `POST …/intake/devices`: who carries the phone, as the lead will recognise it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDevice {
    /// Sealed; shown only to the case lead ("Anna's phone").
    pub label: String,
}

/// A device as its case lead sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeviceView {
    /// The device account's id.
    pub id: Uuid,
    pub case_id: Uuid,
    /// The generated account name the app signs in with.
    pub username: String,
    pub label: String,
    pub created_at: DateTime<Utc>,
    /// When the device last sent anything.
    pub last_seen_at: Option<DateTime<Utc>>,
    /// Set once revoked: its account can no longer sign in.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A device just made (or re-keyed) and its password, which is never shown again.
#[derive(Debug)]
pub struct NewDeviceCredentials {
    pub device: DeviceView,
    pub password: SecretString,
}

#[derive(Debug, Queryable)]
struct Row {
    user_id: String,
    case_id: String,
    label: Vec<u8>,
    created_at: NaiveDateTime,
    revoked_at: Option<NaiveDateTime>,
    last_seen_at: Option<NaiveDateTime>,
    username: String,
}

type RowColumns = (
    intake_devices::user_id,
    intake_devices::case_id,
    intake_devices::label,
    intake_devices::created_at,
    intake_devices::revoked_at,
    intake_devices::last_seen_at,
    users::username,
);

const ROW: RowColumns = (
    intake_devices::user_id,
    intake_devices::case_id,
    intake_devices::label,
    intake_devices::created_at,
    intake_devices::revoked_at,
    intake_devices::last_seen_at,
    users::username,
);

impl Row {
    fn view(self, c: &mut DbConnection, k: &Keyring) -> Result<DeviceView> {
        let label: String = Sealer::open(c, k, DEVICES, &self.user_id)?.unseal("label", &self.label)?;
        Ok(DeviceView {
            id: Uuid::parse_str(&self.user_id).map_err(|_| Error::Integrity)?,
            case_id: Uuid::parse_str(&self.case_id).map_err(|_| Error::Integrity)?,
            username: self.username,
            label,
            created_at: self.created_at.and_utc(),
            last_seen_at: self.last_seen_at.map(|t| t.and_utc()),
            revoked_at: self.revoked_at.map(|t| t.and_utc()),
        })
    }
}

/// `n` characters drawn uniformly from `ALPHABET` (32 divides 256: no bias).
fn random_chars(n: usize) -> Result<String> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|e| Error::internal(format!("rng: {e}")))?;
    let out = bytes.iter().map(|b| char::from(ALPHABET[usize::from(b % 32)])).collect();
    bytes.fill(0);
    Ok(out)
}

fn new_password() -> Result<SecretString> {
    Ok(SecretString::from(random_chars(PASSWORD_CHARS)?))
}

fn load(c: &mut DbConnection, id: Uuid) -> Result<Row> {
    intake_devices::table
        .inner_join(users::table.on(users::id.eq(intake_devices::user_id)))
        .filter(intake_devices::user_id.eq(id.to_string()))
        .select(ROW)
        .first::<Row>(c)
        .optional()?
        .ok_or(Error::NotFound)
}

/// The device, once the caller is known to manage its case (`NotFound` otherwise, as
/// for any record of a case one cannot see).
fn load_managed(c: &mut DbConnection, who: &Allowed<act::IntakeManage>, id: Uuid) -> Result<Row> {
    let row = load(c, id)?;
    access::authorize_for(c, who, &row.case_id)?;
    Ok(row)
}

fn end_sessions(c: &mut DbConnection, user: &str, now: NaiveDateTime) -> Result<()> {
    diesel::update(sessions::table)
        .filter(sessions::user_id.eq(user))
        .filter(sessions::revoked_at.is_null())
        .set(sessions::revoked_at.eq(now))
        .execute(c)?;
    crate::auth::revocation::bump(c)
}

impl Intake {
    /// Makes a device account for a case: its `users` row (role intake, a generated name
    /// and password, hashed as people's are) and its device row with the sealed label,
    /// in one transaction, audited `intake.device_create`. The password is returned once.
    pub async fn create_device(
        &self,
        who: Allowed<act::IntakeManage>,
        case_id: Uuid,
        input: NewDevice,
    ) -> Result<NewDeviceCredentials> {
        let label = input.label;
        crate::rules::LABEL.check("label", &label).map_err(|e| Error::Validation(vec![e]))?;
        // Refused before any hashing work for a case the caller does not lead.
        self.may_manage(&who, case_id).await?;
        let password = new_password()?;
        let hash = self.passwords.hash(password.clone()).await?;
        let username = format!("device-{}", random_chars(NAME_CHARS)?);
        let id = Uuid::new_v4();
        let now = self.ctx.clock.now_naive();
        let device = self
            .ctx
            .write(move |c, k| {
                let case = case_id.to_string();
                access::authorize_for(c, &who, &case)?;
                let user = id.to_string();
                diesel::insert_into(users::table)
                    .values((
                        users::id.eq(&user),
                        users::username.eq(&username),
                        users::password_hash.eq(hash),
                        users::role.eq(Role::Intake.as_str()),
                        users::disabled.eq(false),
                        users::totp_enabled.eq(false),
                        users::created_at.eq(now),
                        users::updated_at.eq(now),
                    ))
                    .execute(c)?;
                let sealer = Sealer::create(c, k, DEVICES, &user)?;
                diesel::insert_into(intake_devices::table)
                    .values((
                        intake_devices::user_id.eq(&user),
                        intake_devices::case_id.eq(&case),
                        intake_devices::label.eq(sealer.seal("label", &label)?),
                        intake_devices::created_by.eq(who.principal.user_id.to_string()),
                        intake_devices::created_at.eq(now),
                    ))
                    .execute(c)?;
                audit::append(
                    c,
                    &Entry::new(&who.principal, "intake.device_create")
                        .target("user", id)
                        .detail("case_id", case),
                )?;
                load(c, id)?.view(c, k)
            })
            .await?;
        Ok(NewDeviceCredentials { device, password })
    }

    /// Whether the caller manages this case's devices and forms (the case lead):
    /// `NotFound` for a case they cannot see, `Forbidden` for a member who is not its lead.
    pub async fn may_manage(&self, who: &Allowed<act::IntakeManage>, case_id: Uuid) -> Result<()> {
        let who = who.clone();
        self.ctx
            .read(move |c| {
                access::authorize_for(c, &who, &case_id.to_string())?;
                Ok(())
            })
            .await
    }

    /// A case's devices, revoked ones too, newest first: an audited read (the labels
    /// are sealed), `intake.device_list`.
    pub async fn list_devices(
        &self,
        who: Allowed<act::IntakeManage>,
        case_id: Uuid,
    ) -> Result<Vec<DeviceView>> {
        self.ctx
            .audited(move |c, k| {
                let case = case_id.to_string();
                access::authorize_for(c, &who, &case)?;
                let rows = intake_devices::table
                    .inner_join(users::table.on(users::id.eq(intake_devices::user_id)))
                    .filter(intake_devices::case_id.eq(&case))
                    .order((intake_devices::created_at.desc(), intake_devices::user_id.asc()))
                    .select(ROW)
                    .load::<Row>(c)?;
                let devices = rows.into_iter().map(|r| r.view(c, k)).collect::<Result<Vec<_>>>()?;
                let entry = Entry::new(&who.principal, "intake.device_list")
                    .target("case", &case)
                    .detail("count", devices.len());
                Ok(Audited { value: devices, entry })
            })
            .await
    }

    /// One device of a case the caller manages (audited `intake.device_read`).
    pub async fn get_device(&self, who: Allowed<act::IntakeManage>, id: Uuid) -> Result<DeviceView> {
        self.ctx
            .audited(move |c, k| {
                let row = load_managed(c, &who, id)?;
                let entry = Entry::new(&who.principal, "intake.device_read")
                    .target("user", id)
                    .detail("case_id", row.case_id.clone());
                Ok(Audited { value: row.view(c, k)?, entry })
            })
            .await
    }

    /// Revokes a device: the revocation time is set, its account disabled and its
    /// sessions (a Tella token) ended, in one transaction, audited
    /// `intake.device_revoke`. Revoking a revoked device is `Conflict`.
    pub async fn revoke_device(&self, who: Allowed<act::IntakeManage>, id: Uuid) -> Result<DeviceView> {
        let now = self.ctx.clock.now_naive();
        self.ctx
            .write(move |c, k| {
                let row = load_managed(c, &who, id)?;
                if row.revoked_at.is_some() {
                    return Err(Error::Conflict("device_revoked"));
                }
                let user = id.to_string();
                diesel::update(intake_devices::table.find(&user))
                    .set(intake_devices::revoked_at.eq(now))
                    .execute(c)?;
                diesel::update(users::table.find(&user))
                    .set((users::disabled.eq(true), users::updated_at.eq(now)))
                    .execute(c)?;
                end_sessions(c, &user, now)?;
                audit::append(
                    c,
                    &Entry::new(&who.principal, "intake.device_revoke")
                        .target("user", id)
                        .detail("case_id", row.case_id.clone()),
                )?;
                load(c, id)?.view(c, k)
            })
            .await
    }

    /// A new password for a device that is not revoked (its settings code was lost or
    /// shown to someone): the old one and its sessions stop working. Audited
    /// `intake.device_reset`; the password is returned once.
    pub async fn reset_device(
        &self,
        who: Allowed<act::IntakeManage>,
        id: Uuid,
    ) -> Result<NewDeviceCredentials> {
        // Authorised before any hashing work.
        self.get_device_unaudited(&who, id).await?;
        let password = new_password()?;
        let hash = self.passwords.hash(password.clone()).await?;
        let now = self.ctx.clock.now_naive();
        let device = self
            .ctx
            .write(move |c, k| {
                let row = load_managed(c, &who, id)?;
                if row.revoked_at.is_some() {
                    return Err(Error::Conflict("device_revoked"));
                }
                let user = id.to_string();
                diesel::update(users::table.find(&user))
                    .set((users::password_hash.eq(hash), users::updated_at.eq(now)))
                    .execute(c)?;
                end_sessions(c, &user, now)?;
                audit::append(
                    c,
                    &Entry::new(&who.principal, "intake.device_reset")
                        .target("user", id)
                        .detail("case_id", row.case_id.clone()),
                )?;
                row.view(c, k)
            })
            .await?;
        Ok(NewDeviceCredentials { device, password })
    }

    /// Only the authorisation of `load_managed`: nothing sealed is opened.
    async fn get_device_unaudited(&self, who: &Allowed<act::IntakeManage>, id: Uuid) -> Result<()> {
        let who = who.clone();
        self.ctx.read(move |c| load_managed(c, &who, id).map(drop)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_use_the_alphabet_and_length() {
        let a = random_chars(PASSWORD_CHARS).unwrap();
        let b = random_chars(PASSWORD_CHARS).unwrap();
        assert_eq!(a.chars().count(), 24);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| ALPHABET.contains(&c)), "{a}");
        assert!(crate::rules::USERNAME.matches(&format!("device-{}", random_chars(NAME_CHARS).unwrap())));
    }
}
