//! The frame of every page and the small pieces forms are built from. Page titles are
//! generic on purpose: they end up in browser history and window lists, so they never
//! name a person, a case or a place.

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::Ctx;
use super::assets;
use super::i18n::Lang;
use crate::access::policy;
use crate::auth::Action;
use crate::error::FieldError;

/// The sections of the header's navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    None,
    Cases,
    Search,
    Audit,
    Admin,
}

fn may(ctx: &Ctx, action: Action) -> bool {
    ctx.who.as_ref().is_some_and(|p| policy::allowed(p.role, action))
}

pub fn page(ctx: &Ctx, title_id: &str, nav: Nav, body: Markup) -> HttpResponse {
    render(ctx, StatusCode::OK, title_id, nav, body)
}

pub fn render(ctx: &Ctx, status: StatusCode, title_id: &str, nav: Nav, body: Markup) -> HttpResponse {
    let title = format!("{} · Custodia", ctx.t(title_id));
    let markup = html! {
        (DOCTYPE)
        html lang=(ctx.lang().code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="same-origin";
                title { (title) }
                link rel="stylesheet" href=(assets::stylesheet());
                script src=(assets::script()) defer {}
            }
            body data-idle-lock-secs=(if ctx.who.is_some() { ctx.idle_lock_secs } else { 0 })
                 data-exit-url=(ctx.exit_url) data-csrf=(ctx.csrf)
                 data-saving=(ctx.t("draft-saving")) data-saved=(ctx.t("draft-saved")) {
                a.skip href="#main" { (ctx.t("skip-to-content")) }
                header.top {
                    a.brand href="/" { "Custodia" }
                    // Right after the name: on a phone it stays on the first row.
                    (exit_control(ctx))
                    @if ctx.who.is_some() {
                        nav aria-label=(ctx.t("nav-label")) {
                            ul {
                                @if may(ctx, Action::CaseList) { (nav_item(ctx, "/", "nav-cases", nav == Nav::Cases)) }
                                @if may(ctx, Action::Search) { (nav_item(ctx, "/search", "nav-search", nav == Nav::Search)) }
                                @if may(ctx, Action::AuditRead) { (nav_item(ctx, "/audit", "nav-audit", nav == Nav::Audit)) }
                                @if may(ctx, Action::UserList) { (nav_item(ctx, "/admin", "nav-admin", nav == Nav::Admin)) }
                            }
                        }
                    }
                    div.tools {
                        (language_switch(ctx))
                        @if let Some(who) = &ctx.who {
                            a.account href="/account" { (who.username) }
                            form method="post" action="/logout" {
                                (csrf_field(ctx))
                                button.link type="submit" { (ctx.t("sign-out")) }
                            }
                        }
                    }
                }
                main #main tabindex="-1" { (body) }
                footer {
                    p { (ctx.t("footer-exit-hint")) }
                }
            }
        }
    };
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(markup.into_string())
}

fn nav_item(ctx: &Ctx, href: &str, id: &str, current: bool) -> Markup {
    html! {
        li { a href=(href) aria-current=[current.then_some("page")] { (ctx.t(id)) } }
    }
}

fn language_switch(ctx: &Ctx) -> Markup {
    html! {
        div.lang role="group" aria-label=(ctx.t("language")) {
            @for lang in Lang::ALL {
                @if lang == ctx.lang() {
                    span aria-current="true" { (lang_name(lang)) }
                } @else {
                    a href={ "/language/" (lang.code()) } hreflang=(lang.code()) lang=(lang.code()) { (lang_name(lang)) }
                }
            }
        }
    }
}

fn lang_name(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "English",
        Lang::Ru => "Русский",
    }
}

/// Always visible, first in the tab order after the skip link's target: one press
/// ends the session and leaves for a neutral page.
fn exit_control(ctx: &Ctx) -> Markup {
    html! {
        @if ctx.who.is_some() {
            form.exit method="post" action="/exit" {
                (csrf_field(ctx))
                button.exit type="submit" title=(ctx.t("exit-title")) { (ctx.t("exit")) }
            }
        } @else {
            a.exit.button href=(ctx.exit_url) rel="noreferrer" title=(ctx.t("exit-title")) { (ctx.t("exit")) }
        }
    }
}

pub fn csrf_field(ctx: &Ctx) -> Markup {
    html! { input type="hidden" name="csrf" value=(ctx.csrf); }
}

/// A labelled control with its error (if any) right under it, tied together for
/// screen readers.
pub fn field(ctx: &Ctx, name: &str, label_id: &str, errors: &[FieldError], control: Markup) -> Markup {
    field_with_id(ctx, name, name, label_id, errors, control)
}

/// As `field`, for a control whose id differs from its name (two forms on one page
/// with a field of the same name: ids stay unique, labels still point at their field).
pub fn field_with_id(
    ctx: &Ctx,
    name: &str,
    id: &str,
    label_id: &str,
    errors: &[FieldError],
    control: Markup,
) -> Markup {
    let error = errors.iter().find(|e| e.field == name || e.field.starts_with(&format!("{name}.")));
    html! {
        div.field.invalid[error.is_some()] {
            label for=(id) { (ctx.t(label_id)) }
            (control)
            @if let Some(e) = error {
                p.error id={ (id) "-error" } role="alert" { (field_message(ctx, e)) }
            }
        }
    }
}

/// Validation messages in the reader's language where we have one for the code.
pub fn field_message(ctx: &Ctx, e: &FieldError) -> String {
    let id = format!("error-{}", e.code.replace('_', "-"));
    let text = ctx.tr.t(&id);
    if text == id { e.message.clone() } else { text }
}

/// Errors that belong to no one field, listed above the form.
pub fn form_errors(ctx: &Ctx, errors: &[FieldError], known: &[&str]) -> Markup {
    let other: Vec<&FieldError> = errors
        .iter()
        .filter(|e| !known.iter().any(|k| e.field == *k || e.field.starts_with(&format!("{k}."))))
        .collect();
    html! {
        @if !errors.is_empty() {
            div.alert role="alert" {
                p { (ctx.t("form-has-errors")) }
                @if !other.is_empty() {
                    ul { @for e in other { li { (e.field) ": " (field_message(ctx, e)) } } }
                }
            }
        }
    }
}

pub fn notice(text: String) -> Markup {
    html! { div.notice role="status" { (text) } }
}

pub fn error_page(ctx: &Ctx, status: StatusCode) -> HttpResponse {
    let (title, text) = match status.as_u16() {
        400 | 422 => ("error-bad-request-title", "error-bad-request"),
        403 => ("error-forbidden-title", "error-forbidden"),
        404 => ("error-not-found-title", "error-not-found"),
        409 => ("error-conflict-title", "error-conflict"),
        413 => ("error-too-large-title", "error-too-large"),
        429 => ("error-rate-limited-title", "error-rate-limited"),
        503 => ("error-unavailable-title", "error-unavailable"),
        507 => ("error-storage-title", "error-storage"),
        _ => ("error-internal-title", "error-internal"),
    };
    let body = html! {
        h1 { (ctx.t(title)) }
        p { (ctx.t(text)) }
        p { a href="/" { (ctx.t("back-home")) } }
    };
    render(ctx, status, title, Nav::None, body)
}

/// A timestamp in the reader's language, machine-readable too.
pub fn when(ctx: &Ctx, t: chrono::DateTime<chrono::Utc>) -> Markup {
    html! { time datetime=(t.to_rfc3339()) { (ctx.lang().datetime(t)) } }
}

/// Pre-rendered markup from our own constant strings only.
pub fn raw(s: &'static str) -> PreEscaped<&'static str> {
    PreEscaped(s)
}
