//! The case lead's devices for field intake: the case's devices (revoke, new password),
//! the form that adds one, and the page shown once after it is made: the server URL,
//! the account name and password as text, ODK Collect's settings QR code (drawn here as
//! SVG, no script) and Tella's project URL. That page answers the POST itself, so the
//! password is in no URL and, like every page, it is never cached.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, PreEscaped, html};
use qrcode::QrCode;
use qrcode::render::svg;
use secrecy::ExposeSecret;
use serde::Deserialize;
use uuid::Uuid;

use crate::access::{Allowed, act};
use crate::error::{Error, FieldError, Result};
use crate::http::Edge;
use crate::intake::devices::{Connection, DeviceView, NewDevice, NewDeviceCredentials};
use crate::services::Services;
use crate::web::layout::{self, Nav, csrf_field, field, form_errors, notice, when};
use crate::web::pages::auth::see_other;
use crate::web::pages::registry::Pages;
use crate::web::{Ctx, Form};

pub(super) fn routes(r: &mut Pages) {
    r.get("/cases/{id}/intake/devices", devices_page);
    r.post("/cases/{id}/intake/devices", create);
    r.post("/intake/devices/{id}/revoke", revoke);
    r.post("/intake/devices/{id}/password", reset);
}

/// `?done=` after a change (a code, never data).
#[derive(Debug, Default, Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct NewDeviceForm {
    #[serde(default)]
    label: String,
}

#[derive(Debug, Deserialize)]
struct NoFields {}

async fn devices_page(
    services: web::Data<Services>,
    who: Allowed<act::IntakeManage>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    q: web::Query<DoneQuery>,
) -> Result<HttpResponse> {
    let case_id = id.into_inner();
    let devices = services.intake.list_devices(who, case_id).await?;
    let done = (q.done.as_deref() == Some("revoked")).then(|| notice(ctx.t("idev-done-revoked")));
    Ok(render_devices(&ctx, StatusCode::OK, case_id, &devices, done, "", &[]))
}

fn render_devices(
    ctx: &Ctx,
    status: StatusCode,
    case_id: Uuid,
    devices: &[DeviceView],
    message: Option<Markup>,
    label: &str,
    errors: &[FieldError],
) -> HttpResponse {
    let body = html! {
        p.eyebrow { a href={ "/cases/" (case_id) } { (ctx.t("idev-back-to-case")) } }
        h1 { (ctx.t("idev-title")) }
        p.lead { (ctx.t("idev-intro")) }
        @if let Some(m) = message { (m) }
        section aria-labelledby="add-h" {
            h2 #add-h { (ctx.t("idev-add-title")) }
            (form_errors(ctx, errors, &["label"]))
            form #device-form method="post" action={ "/cases/" (case_id) "/intake/devices" } autocomplete="off" {
                (csrf_field(ctx))
                (field(ctx, "label", "idev-label", errors, html! {
                    input #label name="label" type="text" required maxlength="200" value=(label)
                        aria-describedby="label-hint";
                    p.hint #label-hint { (ctx.t("idev-label-hint")) }
                }))
                button #add-device type="submit" { (ctx.t("idev-add-button")) }
            }
        }
        section aria-labelledby="devices-h" {
            h2 #devices-h { (ctx.t("idev-list-title")) }
            @if devices.is_empty() { p.empty { (ctx.t("idev-none")) } } @else { (devices_table(ctx, devices)) }
        }
        p { a #intake-forms-link href={ "/cases/" (case_id) "/intake/forms" } { (ctx.t("iform-title")) } }
    };
    layout::render(ctx, status, "idev-title", Nav::Cases, body)
}

fn devices_table(ctx: &Ctx, devices: &[DeviceView]) -> Markup {
    let cols =
        ["idev-col-label", "idev-col-username", "idev-col-created", "idev-col-last-seen", "idev-col-state"];
    html! {
        table.list #devices aria-labelledby="devices-h" {
            thead { tr { @for c in cols { th scope="col" { (ctx.t(c)) } } th scope="col" { span.visually-hidden { (ctx.t("idev-col-actions")) } } } }
            tbody { @for d in devices {
                tr {
                    td data-label=(ctx.t(cols[0])) { (d.label) }
                    td data-label=(ctx.t(cols[1])) { code { (d.username) } }
                    td data-label=(ctx.t(cols[2])) { (when(ctx, d.created_at)) }
                    td data-label=(ctx.t(cols[3])) { @match d.last_seen_at { Some(t) => (when(ctx, t)), None => (ctx.t("idev-never")) } }
                    td data-label=(ctx.t(cols[4])) { @match d.revoked_at {
                        Some(t) => { span.badge.draft { (ctx.t("idev-revoked")) } " " (when(ctx, t)) },
                        None => span.badge.sealed { (ctx.t("idev-active")) },
                    } }
                    td { @if d.revoked_at.is_none() { div.actions {
                        form method="post" action={ "/intake/devices/" (d.id) "/revoke" } {
                            (csrf_field(ctx))
                            button.danger type="submit" { (ctx.t("idev-revoke-button")) }
                        }
                        form method="post" action={ "/intake/devices/" (d.id) "/password" } {
                            (csrf_field(ctx))
                            button.secondary type="submit" { (ctx.t("idev-reset-button")) }
                        }
                    } } }
                }
            } }
        }
    }
}

/// Makes the device and answers with its connection page (shown this once).
async fn create(
    services: web::Data<Services>,
    edge: web::Data<Edge>,
    who: Allowed<act::IntakeManage>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<NewDeviceForm>,
) -> Result<HttpResponse> {
    let case_id = id.into_inner();
    let label = form.0.label;
    let lister = who.clone();
    match services.intake.create_device(who, case_id, NewDevice { label: label.clone() }).await {
        Ok(made) => connection_page(&ctx, &edge.public_url, made),
        Err(Error::Validation(errors)) => {
            let devices = services.intake.list_devices(lister, case_id).await?;
            let shown: String = label.chars().take(200).collect();
            Ok(render_devices(
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                case_id,
                &devices,
                None,
                &shown,
                &errors,
            ))
        }
        Err(e) => Err(e),
    }
}

async fn revoke(
    services: web::Data<Services>,
    who: Allowed<act::IntakeManage>,
    id: web::Path<Uuid>,
    _form: Form<NoFields>,
) -> Result<HttpResponse> {
    let device = services.intake.revoke_device(who, id.into_inner()).await?;
    Ok(see_other(&format!("/cases/{}/intake/devices?done=revoked", device.case_id)))
}

/// A new password for a device, shown as a new device's is.
async fn reset(
    services: web::Data<Services>,
    edge: web::Data<Edge>,
    who: Allowed<act::IntakeManage>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    _form: Form<NoFields>,
) -> Result<HttpResponse> {
    let made = services.intake.reset_device(who, id.into_inner()).await?;
    connection_page(&ctx, &edge.public_url, made)
}

/// What the phone needs, shown once: for ODK Collect the settings QR code with the
/// same settings as text beside it; for Tella the project URL, name and password (Tella
/// reads no settings code).
fn connection_page(ctx: &Ctx, public_url: &str, made: NewDeviceCredentials) -> Result<HttpResponse> {
    let case_id = made.device.case_id;
    let conn = Connection::new(public_url, case_id, made.device.username.clone(), made.password);
    let qr = qr_svg(&conn.collect_settings()?)?;
    let password = conn.password.expose_secret();
    let account = html! {
        dt { (ctx.t("idev-username")) } dd { code.secret #username { (conn.username) } }
        dt { (ctx.t("idev-password")) } dd { code.secret #password { (password) } }
    };
    let body = html! {
        p.eyebrow { a href={ "/cases/" (case_id) "/intake/devices" } { (ctx.t("idev-back-to-devices")) } }
        h1 { (ctx.t("idev-created-title")) }
        p { strong { (made.device.label) } }
        div.alert role="alert" { p { (ctx.t("idev-created-once")) } }
        section aria-labelledby="odk-h" {
            h2 #odk-h { (ctx.t("idev-odk-title")) }
            p { (ctx.t("idev-odk-steps")) }
            div.columns {
                figure.picture #collect-qr role="img" aria-label=(ctx.t("idev-qr-label")) { (PreEscaped(qr)) }
                div {
                    p.hint { (ctx.t("idev-qr-text")) }
                    dl.facts #collect-settings {
                        dt { (ctx.t("idev-server-url")) } dd { code.secret #server-url { (conn.openrosa_url) } }
                        (account)
                    }
                }
            }
        }
        section aria-labelledby="tella-h" {
            h2 #tella-h { (ctx.t("idev-tella-title")) }
            p { (ctx.t("idev-tella-steps")) }
            dl.facts #tella-settings {
                dt { (ctx.t("idev-project-url")) } dd { code.secret #project-url { (conn.tella_url) } }
                (account)
            }
        }
        p { a.button href={ "/cases/" (case_id) "/intake/devices" } { (ctx.t("idev-done-button")) } }
    };
    Ok(layout::page(ctx, "idev-created-title", Nav::Cases, body))
}

/// The QR code of `content` as an inline SVG element (the renderer's XML declaration
/// dropped: it has no place inside HTML).
pub fn qr_svg(content: &str) -> Result<String> {
    let code = QrCode::new(content.as_bytes()).map_err(|e| Error::internal(format!("QR code: {e}")))?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(264, 264)
        .dark_color(svg::Color("#000"))
        .light_color(svg::Color("#fff"))
        .build();
    let start = image.find("<svg").ok_or_else(|| Error::internal("QR code: no svg element"))?;
    Ok(image[start..].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_code_is_an_svg_element() {
        let svg = qr_svg("eJyrVkrLz1eyUkpKLFKqBQAdegQ0").unwrap();
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""), "{svg}");
        assert!(svg.ends_with("</svg>"));
        assert!(!svg.contains("<?xml"));
    }
}
