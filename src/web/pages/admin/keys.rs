//! The keyring: its state, rotation, rewrapping, sealing and unsealing.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use secrecy::SecretString;
use serde::Deserialize;

use super::{ListQuery, NoFields, done_notice};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::audit::Actor;
use crate::error::{Error, FieldError, Result};
use crate::keys::{Beside, KeyStatus, RootSource};
use crate::services::Services;
use crate::web::layout::{self, Nav, csrf_field, field};
use crate::web::pages::auth::see_other;
use crate::web::pages::registry::Pages;
use crate::web::{Ctx, Form};

pub(super) fn routes(r: &mut Pages) {
    r.get("/admin/keys", keys_page);
    r.post("/admin/keys/rotate", rotate);
    r.post("/admin/keys/rewrap", rewrap);
    r.post("/admin/keys/seal", seal);
    r.post("/admin/keys/unseal", unseal);
}

/// Record keys per transaction of a rewrap started from the keys page.
const REWRAP_BATCH: i64 = 1000;

async fn keys_page(
    state: web::Data<Services>,
    _who: Allowed<act::KeyManage>,
    ctx: Ctx,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse> {
    let status = state.keys.status().await?;
    let done = done_notice(&ctx, q.done.as_deref());
    Ok(keys_view(&ctx, StatusCode::OK, &status, &state, done, &[]))
}

fn root_source_label(ctx: &Ctx, s: RootSource) -> String {
    ctx.t(match s {
        RootSource::File => "admin-root-file",
        RootSource::Env => "admin-root-env",
        RootSource::Passphrase => "admin-root-passphrase",
        RootSource::Shares => "admin-root-shares",
    })
}

fn keys_view(
    ctx: &Ctx,
    code: StatusCode,
    s: &KeyStatus,
    state: &Services,
    message: Option<Markup>,
    errors: &[FieldError],
) -> HttpResponse {
    let rewrapping = state.keys.rewrap_running();
    let beside: Vec<&str> = state
        .keys
        .key_file_beside_data(s)
        .into_iter()
        .map(|b| match b {
            Beside::SameTree => "admin-keys-beside-tree",
            Beside::SameDisk => "admin-keys-beside-disk",
        })
        .collect();
    let remaining = s.records_not_on_primary.unwrap_or(0);
    let body = html! {
        p.eyebrow { a href="/admin" { (ctx.t("admin-title")) } }
        h1 { (ctx.t("admin-keys-title")) }
        @if let Some(m) = message { (m) }
        div.warn role="note" {
            p { strong { (ctx.t("admin-keys-warning-title")) } }
            p { (ctx.t("admin-keys-warning")) }
        }
        @if !beside.is_empty() {
            div.alert #key-beside-data role="alert" {
                p { strong { (ctx.t("admin-keys-beside-title")) } }
                ul { @for reason in &beside { li { (ctx.t(reason)) } } }
                p { (ctx.t("admin-keys-beside-options")) }
                ul {
                    li { code { "custodia keys passphrase" } " — " (ctx.t("admin-keys-option-passphrase")) }
                    li { code { "custodia keys split --shares 5 --threshold 3" } " — " (ctx.t("admin-keys-option-shares")) }
                }
                p { (ctx.t("admin-keys-beside-docs")) " " code { "docs/operations.md" } " (" (ctx.t("admin-keys-beside-docs-section")) ")" }
            }
        }
        dl.facts {
            dt { (ctx.t("admin-keys-state")) }
            dd {
                @if !s.initialised { strong { (ctx.t("admin-keys-uninitialised")) } }
                @else if s.sealed { strong { (ctx.t("admin-keys-sealed")) } }
                @else { (ctx.t("admin-keys-unsealed")) }
            }
            @if let Some(source) = s.root_source {
                dt { (ctx.t("admin-keys-root")) } dd { (root_source_label(ctx, source)) }
            }
            @if let Some(threshold) = s.share_threshold {
                dt { (ctx.t("admin-keys-shares")) }
                dd { (ctx.ta("admin-keys-shares-received", &[("received", s.shares_received.into()), ("threshold", threshold.into())])) }
            }
            @if let Some(v) = s.primary_version {
                dt { (ctx.t("admin-keys-primary")) } dd { (v) }
            }
            @if !s.versions.is_empty() {
                dt { (ctx.t("admin-keys-versions")) }
                dd { (s.versions.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ")) }
            }
            @if let Some(n) = s.records_not_on_primary {
                dt { (ctx.t("admin-keys-not-on-primary")) } dd { (n) }
            }
        }
        @if rewrapping {
            section.card #rewrap-progress data-refresh aria-live="polite" {
                h2 { (ctx.t("admin-rewrap-running-title")) }
                p { (ctx.ta("admin-rewrap-running", &[("remaining", remaining.into())])) }
                progress aria-label=(ctx.t("admin-rewrap-running-title")) {}
                p { a href="/admin/keys" { (ctx.t("admin-refresh")) } }
            }
        }
        @if s.initialised && !s.sealed {
            section.card aria-labelledby="rotate-h" {
                h2 #rotate-h { (ctx.t("admin-rotate-title")) }
                p { (ctx.t("admin-rotate-about")) }
                form method="post" action="/admin/keys/rotate" {
                    (csrf_field(ctx))
                    button type="submit" { (ctx.t("admin-rotate")) }
                }
            }
            section.card aria-labelledby="rewrap-h" {
                h2 #rewrap-h { (ctx.t("admin-rewrap-title")) }
                p { (ctx.t("admin-rewrap-about")) }
                @if rewrapping {
                    p.hint { (ctx.t("admin-rewrap-busy")) }
                } @else if remaining == 0 {
                    p.hint { (ctx.t("admin-rewrap-nothing")) }
                } @else {
                    form method="post" action="/admin/keys/rewrap" {
                        (csrf_field(ctx))
                        button type="submit" { (ctx.ta("admin-rewrap", &[("count", remaining.into())])) }
                    }
                }
            }
            section.card aria-labelledby="seal-h" {
                h2 #seal-h { (ctx.t("admin-seal-title")) }
                div.alert { p { (ctx.t("admin-seal-warning")) } }
                form method="post" action="/admin/keys/seal" {
                    (csrf_field(ctx))
                    div.field.invalid[errors.iter().any(|e| e.field == "confirm")] {
                        div.choice {
                            input #confirm name="confirm" type="checkbox" value="yes" required
                                aria-describedby=[errors.iter().any(|e| e.field == "confirm").then_some("confirm-error")];
                            label for="confirm" { (ctx.t("admin-seal-confirm")) }
                        }
                        @if errors.iter().any(|e| e.field == "confirm") {
                            p.error #confirm-error role="alert" { (ctx.t("admin-seal-confirm-missing")) }
                        }
                    }
                    button.danger type="submit" { (ctx.t("admin-seal")) }
                }
            }
        }
        @if s.initialised && s.sealed {
            (unseal_form(ctx, s, errors))
        }
        @if !s.initialised {
            p { (ctx.t("admin-keys-init-hint")) }
        }
    };
    layout::render(ctx, code, "admin-keys-title", Nav::Admin, body)
}

fn unseal_form(ctx: &Ctx, s: &KeyStatus, errors: &[FieldError]) -> Markup {
    html! {
        section.card aria-labelledby="unseal-h" {
            h2 #unseal-h { (ctx.t("admin-unseal-title")) }
            form method="post" action="/admin/keys/unseal" autocomplete="off" {
                (csrf_field(ctx))
                @match s.root_source {
                    Some(RootSource::Passphrase) => {
                        (field(ctx, "passphrase", "admin-unseal-passphrase", errors, html! {
                            input #passphrase name="passphrase" type="password" required autocomplete="off";
                        }))
                    }
                    Some(RootSource::Shares) => {
                        (field(ctx, "share", "admin-unseal-share", errors, html! {
                            textarea #share name="share" rows="4" required spellcheck="false" aria-describedby="share-hint" {}
                            p.hint #share-hint { (ctx.t("admin-unseal-share-hint")) }
                        }))
                    }
                    _ => {
                        p { (ctx.t("admin-unseal-stored")) }
                        @if let Some(e) = errors.first() {
                            p.error role="alert" { (layout::field_message(ctx, e)) }
                        }
                    }
                }
                button type="submit" { (ctx.t("admin-unseal")) }
            }
        }
    }
}

async fn rotate(
    state: web::Data<Services>,
    who: Allowed<act::KeyManage>,
    _form: Form<NoFields>,
) -> Result<HttpResponse> {
    state.keys.rotate(Actor::from(&who.principal)).await?;
    Ok(see_other("/admin/keys?done=rotated"))
}

async fn rewrap(
    state: web::Data<Services>,
    who: Allowed<act::KeyManage>,
    _form: Form<NoFields>,
) -> Result<HttpResponse> {
    // Already running: the page shows that run's progress.
    state.keys.start_rewrap(Actor::from(&who.principal), REWRAP_BATCH)?;
    Ok(see_other("/admin/keys"))
}

#[derive(Debug, Deserialize)]
struct SealForm {
    confirm: Option<String>,
}

async fn seal(
    state: web::Data<Services>,
    who: Allowed<act::KeyManage>,
    ctx: Ctx,
    form: Form<SealForm>,
) -> Result<HttpResponse> {
    if form.0.confirm.as_deref() != Some("yes") {
        let status = state.keys.status().await?;
        let errors = [FieldError::new("confirm", "required", "confirm to seal")];
        return Ok(keys_view(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &status, &state, None, &errors));
    }
    state.keys.seal(Actor::from(&who.principal)).await?;
    Ok(see_other("/admin/keys?done=sealed"))
}

#[derive(Debug, Deserialize)]
struct UnsealForm {
    passphrase: Option<String>,
    share: Option<String>,
}

async fn unseal(
    state: web::Data<Services>,
    who: Allowed<act::KeyManage>,
    ctx: Ctx,
    form: Form<UnsealForm>,
) -> Result<HttpResponse> {
    let actor = Actor::from(&who.principal);
    let f = form.0;
    let given = |v: Option<String>| v.filter(|s| !s.trim().is_empty()).map(SecretString::from);
    let result = match (given(f.passphrase), given(f.share)) {
        (Some(p), None) => state.keys.unseal_passphrase(actor, p).await,
        (None, Some(s)) => state.keys.unseal_share(actor, s).await,
        (None, None) => state.keys.unseal_stored(actor).await,
        _ => Err(Error::field("passphrase", "one_of", "a passphrase or a share, not both")),
    };
    let field = match state.keys.status().await?.root_source {
        Some(RootSource::Shares) => "share",
        _ => "passphrase",
    };
    let errors = match result {
        Ok(s) if s.sealed => return Ok(see_other("/admin/keys")),
        Ok(_) | Err(Error::Conflict("not_sealed")) => return Ok(see_other("/admin/keys?done=unsealed")),
        Err(Error::WrongKey) => vec![FieldError::new(field, "wrong_key", "does not open the keyring")],
        Err(Error::Validation(errors)) => errors,
        Err(Error::BadRequest(_)) => vec![FieldError::new(field, "invalid", "not for this keyring")],
        Err(e) => return Err(e),
    };
    let status = state.keys.status().await?;
    Ok(keys_view(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &status, &state, None, &errors))
}
