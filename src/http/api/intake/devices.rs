//! A case's device accounts (the case lead's): list, make one (its password answered
//! once), revoke one, give one a new password.

use actix_web::{HttpResponse, web};
use secrecy::ExposeSecret;
use serde::Serialize;
use uuid::Uuid;

use crate::access::{Allowed, act};
use crate::error::Result;
use crate::http::api::{Page, PageQuery};
use crate::http::json::JsonObject;
use crate::http::problem::Problem;
use crate::intake::devices::{DeviceView, NewDevice, NewDeviceCredentials};
use crate::services::Services;

/// A device just made, or given a new password: the only answer that carries it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeviceCreated {
    pub device: DeviceView,
    /// Shown once, never stored: put it on the phone now (the device's page shows it
    /// with ODK Collect's settings QR code).
    pub password: String,
}

impl From<NewDeviceCredentials> for DeviceCreated {
    fn from(c: NewDeviceCredentials) -> Self {
        DeviceCreated { password: c.password.expose_secret().to_owned(), device: c.device }
    }
}

/// The case's devices, revoked ones too, newest first. Only the case lead. Audited as
/// `intake.device_list` (the labels are sealed).
#[utoipa::path(get, operation_id = "list_intake_devices", path = "/api/v1/cases/{id}/intake/devices", tag = "intake",
    params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, body = Page<DeviceView>), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn list(
    services: web::Data<Services>,
    who: Allowed<act::IntakeManage>,
    id: web::Path<Uuid>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<DeviceView>>> {
    let page = page.resolve()?;
    Ok(web::Json(Page::slice(services.intake.list_devices(who, id.into_inner()).await?, page)))
}

/// Make a device account for the case: a generated account name and password (answered
/// once, kept only as a hash) that may do nothing but submit to this case, with the
/// label the lead gives it (sealed). Only the case lead. Audited as
/// `intake.device_create`.
#[utoipa::path(post, operation_id = "create_intake_device", path = "/api/v1/cases/{id}/intake/devices", tag = "intake",
    params(("id" = Uuid, Path)), request_body = NewDevice,
    responses((status = 201, body = DeviceCreated), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create(
    services: web::Data<Services>,
    who: Allowed<act::IntakeManage>,
    id: web::Path<Uuid>,
    body: JsonObject<NewDevice>,
) -> Result<HttpResponse> {
    let made = services.intake.create_device(who, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(DeviceCreated::from(made)))
}

/// Revoke a device (a lost or taken phone): its account is disabled and its sessions
/// end at once; what it sent stays. 409 if it is revoked already. Only its case's lead.
/// Audited as `intake.device_revoke`.
#[utoipa::path(post, operation_id = "revoke_intake_device", path = "/api/v1/intake/devices/{id}/revoke", tag = "intake",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = DeviceView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn revoke(
    services: web::Data<Services>,
    who: Allowed<act::IntakeManage>,
    id: web::Path<Uuid>,
) -> Result<web::Json<DeviceView>> {
    Ok(web::Json(services.intake.revoke_device(who, id.into_inner()).await?))
}

/// Give a device a new password (answered once) when its settings were lost or seen by
/// someone else: the old one and its sessions stop working. 409 for a revoked device.
/// Only its case's lead. Audited as `intake.device_reset`.
#[utoipa::path(post, operation_id = "reset_intake_device", path = "/api/v1/intake/devices/{id}/password", tag = "intake",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = DeviceCreated), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn reset(
    services: web::Data<Services>,
    who: Allowed<act::IntakeManage>,
    id: web::Path<Uuid>,
) -> Result<web::Json<DeviceCreated>> {
    Ok(web::Json(services.intake.reset_device(who, id.into_inner()).await?.into()))
}
