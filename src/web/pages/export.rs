//! The lawyer's screens: choose what to export and for whom, see what consent will
//! withhold before anything is made, export with re-authentication, follow the build,
//! download, and read how the recipient verifies the bundle.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use secrecy::SecretString;
use serde::Deserialize;
use uuid::Uuid;

use super::auth::see_other;
use super::testimony::human_size;
use crate::access::Allowed;
use crate::access::policy::act;
use crate::error::{Error, FieldError, Result};
use crate::export::consent::Preview;
use crate::export::job::{BundleInput, BundleStatus};
use crate::export::{ExportPage, Recipient, Selection};
use crate::services::Services;
use crate::web::layout::{self, Nav, csrf_field, field, form_errors, when};
use crate::web::pages::registry::Pages;
use crate::web::{Ctx, Form};

pub fn routes(r: &mut Pages) {
    r.get("/cases/{id}/export", export_page);
    r.post("/cases/{id}/export", export);
    r.post("/cases/{id}/export/preview", preview);
    r.get("/cases/{id}/bundles/{bundle_id}", bundle_page);
    r.post("/cases/{id}/bundles/{bundle_id}/delete", delete);
    // The API's handlers: the same streaming, auditing and permission.
    r.get("/cases/{id}/bundles/{bundle_id}/download", crate::http::api::bundles::download);
    r.get("/bundles/public-key", crate::http::api::bundles::public_key);
}

const RECIPIENTS: [&str; 6] =
    ["prosecutors", "international_mechanisms", "un_bodies", "ngos", "media", "public"];

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ExportForm {
    recipient: String,
    scope: String,
    testimony: Vec<String>,
    age_recipient: String,
    password: String,
    totp: String,
    analysis_annex: bool,
}

impl ExportForm {
    fn recipient(&self) -> std::result::Result<Recipient, FieldError> {
        Recipient::parse(&self.recipient)
            .ok_or_else(|| FieldError::new("recipient", "required", "choose who receives the bundle"))
    }

    fn selection(&self) -> Selection {
        if self.scope == "chosen" {
            Selection {
                testimonies: self.testimony.iter().filter_map(|t| t.parse().ok()).collect(),
                ..Default::default()
            }
        } else {
            Selection::default()
        }
    }
}

async fn export_page(
    services: web::Data<Services>,
    who: Allowed<act::BundleExport>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let cx = services.bundles.export_page(&who, id.into_inner()).await?;
    let form = ExportForm { recipient: "prosecutors".into(), ..Default::default() };
    Ok(page(&ctx, StatusCode::OK, &cx, &form, None, &[]))
}

async fn preview(
    services: web::Data<Services>,
    who: Allowed<act::BundleExport>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<ExportForm>,
) -> Result<HttpResponse> {
    let (case_id, f) = (id.into_inner(), form.0);
    let recipient = match f.recipient() {
        Ok(r) => r,
        Err(e) => {
            let cx = services.bundles.export_page(&who, case_id).await?;
            return Ok(page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &cx, &f, None, &[e]));
        }
    };
    let result = services.bundles.preview(who.clone(), case_id, recipient, f.selection()).await;
    let cx = services.bundles.export_page(&who, case_id).await?;
    match result {
        Ok(pv) => Ok(page(&ctx, StatusCode::OK, &cx, &f, Some(&pv), &[])),
        Err(Error::Validation(errors)) => {
            Ok(page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &cx, &f, None, &errors))
        }
        Err(e) => Err(e),
    }
}

async fn export(
    services: web::Data<Services>,
    who: Allowed<act::BundleExport>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<ExportForm>,
) -> Result<HttpResponse> {
    let (case_id, f) = (id.into_inner(), form.0);
    let errors = match f.recipient() {
        Ok(recipient) => {
            let input = BundleInput {
                recipient,
                selection: f.selection(),
                age_recipient: Some(f.age_recipient.trim().to_owned()).filter(|a| !a.is_empty()),
                password: SecretString::from(f.password.clone()),
                totp_code: Some(f.totp.trim().to_owned()).filter(|t| !t.is_empty()),
                analysis_annex: f.analysis_annex,
            };
            match services.bundles.request(who.clone(), case_id, input).await {
                Ok(view) => return Ok(see_other(&format!("/cases/{case_id}/bundles/{}", view.id))),
                Err(Error::InvalidCredentials) => vec![FieldError::new("password", "wrong_password", "")],
                Err(Error::TotpRequired | Error::TotpInvalid) => vec![FieldError::new("totp", "totp", "")],
                Err(Error::Validation(errors)) => errors,
                Err(Error::InsufficientStorage { .. }) => {
                    vec![FieldError::new("storage", "insufficient_storage", "")]
                }
                Err(e) => return Err(e),
            }
        }
        Err(e) => vec![e],
    };
    let cx = services.bundles.export_page(&who, case_id).await?;
    let status = if errors.iter().any(|e| e.field == "password" || e.field == "totp") {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(page(&ctx, status, &cx, &f, None, &errors))
}

fn recipient_label(ctx: &Ctx, r: &str) -> String {
    ctx.t(&format!("share-{r}"))
}

fn page(
    ctx: &Ctx,
    status: StatusCode,
    cx: &ExportPage,
    f: &ExportForm,
    preview: Option<&Preview>,
    errors: &[FieldError],
) -> HttpResponse {
    let base = format!("/cases/{}", cx.case_id);
    let chosen = f.scope == "chosen";
    let body = html! {
        p.eyebrow { a href=(base) { (cx.reference) } }
        h1 { (ctx.t("export-title")) }
        p.lead { (ctx.t("export-intro")) }
        p { a #catalog-link href={ (base) "/catalog" } { (ctx.t("catalog-export-link")) } }
        (form_errors(ctx, errors, &["recipient", "password", "totp", "age_recipient", "selection"]))
        form #export-form method="post" action={ (base) "/export" } autocomplete="off" {
            (csrf_field(ctx))
            fieldset.step {
                legend { (ctx.t("export-recipient")) }
                (field(ctx, "recipient", "export-recipient-category", errors, html! {
                    select #recipient name="recipient" {
                        @for r in RECIPIENTS { option value=(r) selected[f.recipient == r] { (recipient_label(ctx, r)) } }
                    }
                }))
                (field(ctx, "age_recipient", "export-age", errors, html! {
                    input #age_recipient name="age_recipient" type="text" value=(f.age_recipient) spellcheck="false" placeholder="age1…" aria-describedby="age-hint";
                    p.hint #age-hint { (ctx.t("export-age-hint")) }
                }))
            }
            fieldset.step {
                legend { (ctx.t("export-selection")) }
                div.choice {
                    input #scope-all type="radio" name="scope" value="all" checked[!chosen];
                    label for="scope-all" { (ctx.t("export-whole-case")) }
                }
                div.choice {
                    input #scope-chosen type="radio" name="scope" value="chosen" checked[chosen];
                    label for="scope-chosen" { (ctx.t("export-chosen")) }
                }
                @for t in &cx.sealed {
                    div.choice {
                        input type="checkbox" name="testimony" value=(t.root_id) id={ "t-" (t.root_id) }
                            checked[f.testimony.iter().any(|x| *x == t.root_id.to_string())];
                        label for={ "t-" (t.root_id) } {
                            (t.witness_pseudonym)
                            @if let Some(d) = &t.interview_date { span.explain { (ctx.lang().date(d)) } }
                        }
                    }
                }
                div.choice {
                    input #analysis_annex type="checkbox" name="analysis_annex" value="true" checked[f.analysis_annex] aria-describedby="annex-hint";
                    label for="analysis_annex" { (ctx.t("export-annex")) }
                }
                p.hint #annex-hint { (ctx.t("export-annex-hint")) }
                p { button.secondary #preview type="submit" formaction={ (base) "/export/preview" } { (ctx.t("export-preview")) } }
            }
            @if let Some(pv) = preview { (preview_section(ctx, pv)) }
            fieldset.step {
                legend { (ctx.t("export-confirm")) }
                p.hint { (ctx.t("export-confirm-hint")) }
                (field(ctx, "password", "password", errors, html! {
                    input #password name="password" type="password" autocomplete="current-password";
                }))
                (field(ctx, "totp", "totp-code", errors, html! {
                    input #totp name="totp" type="text" inputmode="numeric" maxlength="6" autocomplete="one-time-code";
                }))
                button #export type="submit" { (ctx.t("export-button")) }
            }
        }
        @if !cx.bundles.is_empty() {
            section aria-labelledby="bundles-h" {
                h2 #bundles-h { (ctx.t("bundles-title")) }
                table.list {
                    thead { tr {
                        th scope="col" { (ctx.t("bundle-made")) }
                        th scope="col" { (ctx.t("export-recipient")) }
                        th scope="col" { (ctx.t("bundle-status")) }
                    } }
                    tbody { @for b in &cx.bundles {
                        tr {
                            td data-label=(ctx.t("bundle-made")) { a href={ (base) "/bundles/" (b.id) } { (when(ctx, b.created_at)) } }
                            td data-label=(ctx.t("export-recipient")) { (recipient_label(ctx, b.recipient.as_str())) }
                            td data-label=(ctx.t("bundle-status")) { (ctx.t(&format!("bundle-status-{}", b.status.as_str()))) }
                        }
                    } }
                }
            }
        }
    };
    layout::render(ctx, status, "export-title", Nav::Cases, body)
}

fn preview_section(ctx: &Ctx, pv: &Preview) -> Markup {
    html! {
        section.card #preview-result aria-labelledby="preview-h" aria-live="polite" {
            h2 #preview-h { (ctx.t("export-preview-title")) }
            @if pv.exported.is_empty() {
                p #preview-nothing { (ctx.ta("export-preview-nothing", &[("withheld", pv.withheld.len().into())])) }
            } @else {
            p { (ctx.ta("export-preview-summary", &[("exported", pv.exported.len().into()), ("withheld", pv.withheld.len().into()),
                ("incidents", pv.incidents.into()), ("perpetrators", pv.perpetrators.into())])) }
            }
            @if !pv.exported.is_empty() {
                h3 { (ctx.t("export-will-go")) }
                ul.plain { @for (pseudonym, _, named) in &pv.exported {
                    li { (pseudonym) " · " @if *named { (ctx.t("export-named")) } @else { (ctx.t("export-pseudonymous")) } }
                } }
            }
            @if !pv.withheld.is_empty() {
                h3 { (ctx.t("export-withheld")) }
                ul.plain { @for (pseudonym, reason) in &pv.withheld {
                    li { (pseudonym) " · " (ctx.t(&format!("withheld-{}", reason.replace('_', "-")))) }
                } }
            }
        }
    }
}

async fn bundle_page(
    services: web::Data<Services>,
    who: Allowed<act::BundleExport>,
    ctx: Ctx,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse> {
    let (case_id, id) = path.into_inner();
    let b = services.bundles.status(who, case_id, id).await?;
    let base = format!("/cases/{case_id}");
    let waiting = b.status.in_progress();
    let body = html! {
        p.eyebrow { a href={ (base) "/export" } { (ctx.t("export-title")) } }
        h1 { (ctx.t("bundle-title")) }
        dl.facts {
            dt { (ctx.t("export-recipient")) } dd { (recipient_label(&ctx, b.recipient.as_str())) }
            dt { (ctx.t("bundle-status")) } dd #bundle-status { (ctx.t(&format!("bundle-status-{}", b.status.as_str()))) }
            dt { (ctx.t("bundle-made")) } dd { (when(&ctx, b.created_at)) }
            @if b.encrypted_to_recipient { dt { (ctx.t("export-age")) } dd { (ctx.t("bundle-encrypted")) } }
            @if let Some(size) = b.size { dt { (ctx.t("bundle-size")) } dd { (human_size(size)) } }
            @if let Some(m) = &b.manifest_sha256 { dt { (ctx.t("bundle-manifest")) } dd { code { (m) } } }
            @if let Some(a) = &b.archive_sha256 { dt { (ctx.t("bundle-archive")) } dd { code { (a) } } }
        }
        @if waiting {
            div data-refresh="1" {
                progress value=(b.progress) max="100" aria-label=(ctx.t("bundle-progress")) { (b.progress) "%" }
                p { (ctx.ta("bundle-building", &[("pct", b.progress.into())])) " " a href="" { (ctx.t("refresh")) } }
            }
        }
        @if b.status == BundleStatus::Failed { div.alert role="alert" { p { (ctx.t("bundle-failed")) } } }
        @if b.status == BundleStatus::Ready {
            p { a.button #download href={ (base) "/bundles/" (b.id) "/download" } download { (ctx.t("bundle-download")) } }
            section aria-labelledby="verify-h" {
                h2 #verify-h { (ctx.t("verify-title")) }
                p { (ctx.t("verify-intro")) }
                p #verify-key-channel { (ctx.t("verify-key-channel")) " "
                    a href="/bundles/public-key" download="export.pub" { (ctx.t("verify-public-key")) } }
                p.hint { (ctx.t("verify-key-inside")) }
                p { (ctx.t("verify-folder")) }
                ol #verify-steps {
                    @for (key, command) in recipient_steps(b.encrypted_to_recipient) {
                        li { (ctx.t(key)) pre { code { (command) } } }
                    }
                }
            }
            form #delete-form method="post" action={ (base) "/bundles/" (b.id) "/delete" } {
                (csrf_field(&ctx))
                p.hint { (ctx.t("bundle-delete-hint")) }
                button.danger type="submit" { (ctx.t("bundle-delete")) }
            }
        }
    };
    Ok(layout::page(&ctx, "bundle-title", Nav::Cases, body))
}

/// What the recipient runs, in the folder holding the downloaded bundle and the
/// organisation's key saved as `export.pub`: the same commands as the marked blocks of
/// docs/evidence-bundles.md, and a test runs both as written in an empty folder.
fn recipient_steps(encrypted: bool) -> Vec<(&'static str, &'static str)> {
    let mut steps = Vec::new();
    if encrypted {
        steps.push((
            "verify-age",
            "age -d -i my-age-key.txt -o custodia-bundle-decrypted.tar custodia-bundle-*.tar.age",
        ));
    }
    steps.extend([
        ("verify-unpack", "tar -xf custodia-bundle-*.tar"),
        ("verify-minisign", "minisign -V -p export.pub -m custodia-bundle-*/tagmanifest-sha256.txt"),
        (
            "verify-manifests",
            "(cd custodia-bundle-*/ && sha256sum -c tagmanifest-sha256.txt manifest-sha256.txt)",
        ),
        ("verify-bagit", "bagit.py --validate custodia-bundle-*/"),
        ("verify-custodia", "custodia bundle verify custodia-bundle-*.tar --pubkey export.pub"),
    ]);
    steps
}

#[derive(Deserialize)]
struct Empty {}

async fn delete(
    services: web::Data<Services>,
    who: Allowed<act::BundleExport>,
    path: web::Path<(Uuid, Uuid)>,
    _form: Form<Empty>,
) -> Result<HttpResponse> {
    let (case_id, id) = path.into_inner();
    services.bundles.delete(who, case_id, id).await?;
    Ok(see_other(&format!("/cases/{case_id}/export")))
}
