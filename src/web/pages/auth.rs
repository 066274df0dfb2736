//! Signing in and out, the quick exit, the language switch and one's own account.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use maud::html;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::access::Allowed;
use crate::access::policy::act;
use crate::auth::service::{Account, LoginSession, TotpEnrolment};
use crate::error::{Error, Result};
use crate::http::Edge;
use crate::http::extract::client_ip;
use crate::services::Services;
use crate::web::layout::{self, Nav, csrf_field, notice};
use crate::web::pages::registry::Pages;
use crate::web::session;
use crate::web::{Ctx, Form, PublicForm};

pub fn routes(r: &mut Pages) {
    r.public_get("/login", login_page);
    r.public_post("/login", login);
    r.post("/logout", logout);
    r.public_post("/exit", exit);
    r.post("/lock", lock);
    r.post("/keepalive", keepalive);
    r.public_get("/language/{code}", language);
    r.get("/account", account);
    r.post("/account/password", change_password);
    r.post("/account/totp", totp_begin);
    r.post("/account/totp/confirm", totp_confirm);
}

#[derive(Deserialize)]
struct LoginNotice {
    ended: Option<u8>,
    locked: Option<u8>,
    /// Set by the page's script only once the draft's save really succeeded.
    saved: Option<u8>,
    out: Option<u8>,
    /// Where to go back to after signing in (a local path).
    next: Option<String>,
}

/// What the sign-in form carries through: where to go back to, and a form kept from
/// an ended session (sealed: see `auth::kept`).
#[derive(Default)]
pub struct Carry {
    pub next: Option<String>,
    pub kept: Option<String>,
}

/// A path on this site (never an open redirect).
fn local_path(p: &str) -> bool {
    p.starts_with('/') && !p.starts_with("//") && !p.contains('\\')
}

async fn login_page(ctx: Ctx, q: web::Query<LoginNotice>) -> HttpResponse {
    if ctx.who.is_some() {
        return see_other("/");
    }
    let q = q.into_inner();
    let message = if q.locked.is_some() && q.saved.is_some() {
        Some(ctx.t("login-locked-saved"))
    } else if q.locked.is_some() {
        Some(ctx.t("login-locked"))
    } else if q.ended.is_some() {
        Some(ctx.t("login-session-ended"))
    } else if q.out.is_some() {
        Some(ctx.t("login-signed-out"))
    } else {
        None
    };
    let carry = Carry { next: q.next.filter(|n| local_path(n)), kept: None };
    login_form(&ctx, StatusCode::OK, "", message, None, &carry)
}

/// The sign-in page holding a form posted after its session ended (`kept`, sealed), or
/// saying truthfully that it could not be kept.
pub fn kept_page(ctx: &Ctx, kept: Option<String>, minutes: u32) -> HttpResponse {
    let message = match &kept {
        Some(_) => ctx.ta("login-form-kept", &[("minutes", minutes.into())]),
        None => ctx.t("login-form-not-kept"),
    };
    login_form(ctx, StatusCode::UNAUTHORIZED, "", Some(message), None, &Carry { next: None, kept })
}

fn login_form(
    ctx: &Ctx,
    status: StatusCode,
    username: &str,
    info: Option<String>,
    error: Option<String>,
    carry: &Carry,
) -> HttpResponse {
    let body = html! {
        section.narrow {
            h1 { (ctx.t("sign-in")) }
            @if let Some(i) = info { (notice(i)) }
            @if let Some(e) = &error { div.alert role="alert" { p { (e) } } }
            form method="post" action="/login" autocomplete="off" {
                @if let Some(n) = &carry.next { input type="hidden" name="next" value=(n); }
                @if let Some(k) = &carry.kept { input #kept type="hidden" name="kept" value=(k); }
                div.field {
                    label for="username" { (ctx.t("username")) }
                    input #username name="username" type="text" required autocomplete="username"
                        autocapitalize="none" spellcheck="false" value=(username) autofocus;
                }
                div.field {
                    label for="password" { (ctx.t("password")) }
                    input #password name="password" type="password" required autocomplete="current-password";
                }
                div.field {
                    label for="totp" { (ctx.t("totp-code")) }
                    input #totp name="totp" type="text" inputmode="numeric" pattern="[0-9]{6}" maxlength="6"
                        autocomplete="one-time-code" aria-describedby="totp-hint";
                    p.hint #totp-hint { (ctx.t("totp-hint")) }
                }
                button type="submit" { (ctx.t("sign-in")) }
            }
        }
    };
    layout::render(ctx, status, "sign-in", Nav::None, body)
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    totp: Option<String>,
    next: Option<String>,
    kept: Option<String>,
}

/// Every sign-in mints a new session token (the old cookie, if any, is replaced), so
/// a session id planted before sign-in is worthless after it.
async fn login(
    state: web::Data<Services>,
    edge: web::Data<Edge>,
    req: HttpRequest,
    ctx: Ctx,
    form: PublicForm<LoginForm>,
) -> Result<HttpResponse> {
    let f = form.0;
    let totp = f.totp.filter(|t| !t.trim().is_empty());
    let client = client_ip(&req, edge.trust_forwarded_for);
    let username = f.username.chars().take(64).collect::<String>();
    let carry = Carry { next: f.next.filter(|n| local_path(n)), kept: f.kept.filter(|k| !k.is_empty()) };
    match state.auth.login(&f.username, SecretString::from(f.password), totp, client).await {
        Ok(s) => {
            let target = if s.second_factor_enrolment_required {
                "/account".to_owned()
            } else {
                let back = carry.next.clone().unwrap_or_else(|| "/".into());
                match &carry.kept {
                    Some(k) => restore(&state, &s, k).await.unwrap_or(back),
                    None => back,
                }
            };
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, target))
                .cookie(session::session_cookie(s.token.expose_secret(), edge.behind_tls))
                .finish())
        }
        Err(
            e @ (Error::InvalidCredentials
            | Error::TotpRequired
            | Error::TotpInvalid
            | Error::RateLimited { .. }),
        ) => {
            let (status, id) = match e {
                Error::InvalidCredentials => (StatusCode::UNAUTHORIZED, "login-invalid"),
                Error::TotpRequired => (StatusCode::UNAUTHORIZED, "login-totp-required"),
                Error::TotpInvalid => (StatusCode::UNAUTHORIZED, "login-totp-invalid"),
                _ => (StatusCode::TOO_MANY_REQUESTS, "login-rate-limited"),
            };
            Ok(login_form(&ctx, status, &username, None, Some(ctx.t(id)), &carry))
        }
        Err(e) => Err(e),
    }
}

/// Saves a form kept from an ended session, if it is this user's and not expired;
/// returns the page of the draft it went to. Someone else signing in gets nothing.
async fn restore(state: &Services, s: &LoginSession, kept: &str) -> Option<String> {
    let form = state.auth.open_kept(s.user.id, kept)?;
    let (principal, _) = state.auth.authenticate(s.token.expose_secret()).await.ok()?;
    match super::testimony::replay(state, principal, &form.action, form.body.as_bytes()).await {
        Ok(page) => Some(page),
        Err(e) => {
            tracing::warn!(error = %e, "a form kept over a sign-in could not be saved");
            None
        }
    }
}

#[derive(Deserialize)]
struct Empty {}

/// Typing keeps the session alive: the page's script posts here (at most every 20 s)
/// while the documenter types, even when no draft is due to be saved.
async fn keepalive(_who: Allowed<act::SelfManage>, _form: Form<Empty>) -> HttpResponse {
    HttpResponse::NoContent().finish()
}

async fn logout(
    state: web::Data<Services>,
    edge: web::Data<Edge>,
    who: Allowed<act::SelfManage>,
    _form: Form<Empty>,
) -> Result<HttpResponse> {
    state.auth.logout(&who.principal).await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/login?out=1"))
        .cookie(session::removal_cookie(edge.behind_tls))
        .finish())
}

/// The idle lock (sent by the page's script once the draft is saved): ends the session.
/// The cookie stays until the next page removes it: should the draft's save have
/// failed, the script posts the form next, and the sign-in page keeps it for the user
/// whose (now ended) session the cookie names.
async fn lock(
    state: web::Data<Services>,
    who: Allowed<act::SelfManage>,
    _form: Form<Empty>,
) -> Result<HttpResponse> {
    state.auth.logout(&who.principal).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
struct ExitForm {
    csrf: Option<String>,
}

/// The quick exit must work even when the page is stale (an old CSRF token, a session
/// already ended): the session is ended when the token proves the request is ours,
/// and the browser is always told to forget everything of this site and leave.
/// `form-action 'self'` forbids redirecting a form to another site, so the page
/// leaves by a meta refresh instead.
async fn exit(
    state: web::Data<Services>,
    edge: web::Data<Edge>,
    req: HttpRequest,
    ctx: Ctx,
    body: web::Bytes,
) -> HttpResponse {
    let form: Option<ExitForm> = serde_html_form::from_bytes(&body).ok();
    let csrf = form.and_then(|f| f.csrf);
    if session::check_csrf(&req, csrf.as_deref()).is_ok()
        && let Some(p) = &ctx.who
        && let Err(e) = state.auth.logout(p).await
    {
        tracing::warn!(error = %e, "quick exit: the session could not be ended");
    }
    let page = html! {
        (maud::DOCTYPE)
        html {
            head {
                meta charset="utf-8";
                meta http-equiv="refresh" content={ "0;url=" (ctx.exit_url) };
                title { "…" }
            }
            body {}
        }
    };
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Clear-Site-Data", "\"cache\", \"cookies\", \"storage\""))
        .cookie(session::removal_cookie(edge.behind_tls))
        .body(page.into_string())
}

#[derive(Deserialize)]
struct Back {
    back: Option<String>,
}

/// Switches the interface language and goes back to the page it was chosen on (a
/// local path only: never an open redirect).
async fn language(code: web::Path<String>, q: web::Query<Back>) -> Result<HttpResponse> {
    let lang = crate::web::i18n::Lang::from_code(&code).ok_or(Error::NotFound)?;
    let back = q.back.as_deref().filter(|b| local_path(b)).unwrap_or("/");
    let cookie = Cookie::build("lang", lang.code())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::days(365))
        .finish();
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, back.to_owned())).cookie(cookie).finish())
}

async fn account(
    state: web::Data<Services>,
    who: Allowed<act::SelfManage>,
    ctx: Ctx,
) -> Result<HttpResponse> {
    let account = state.auth.account(&who.principal).await?;
    Ok(account_page(&ctx, &account, None, None))
}

fn account_page(
    ctx: &Ctx,
    account: &Account,
    enrolment: Option<&TotpEnrolment>,
    message: Option<(bool, String)>,
) -> HttpResponse {
    let (me, must_enrol) = (&account.user, account.must_enrol);
    let body = html! {
        h1 { (ctx.t("account-title")) }
        @if let Some((ok, text)) = message {
            @if ok { (notice(text)) } @else { div.alert role="alert" { p { (text) } } }
        }
        dl.facts {
            dt { (ctx.t("username")) } dd { (me.username) }
            dt { (ctx.t("role")) } dd { (ctx.t(&format!("role-{}", me.role.as_str()))) }
            dt { (ctx.t("second-factor")) }
            dd { @if me.totp_enabled { (ctx.t("second-factor-on")) } @else { (ctx.t("second-factor-off")) } }
        }
        @if must_enrol {
            div.alert #enrol-first role="alert" { p { (ctx.t("totp-enrol-required")) } }
        }
        @if !me.totp_enabled {
            section {
                h2 { (ctx.t("totp-enrol-title")) }
                @if let Some(e) = enrolment {
                    p { (ctx.t("totp-enrol-secret")) }
                    p { code.secret { (e.secret_base32) } }
                    form method="post" action="/account/totp/confirm" {
                        (csrf_field(ctx))
                        div.field {
                            label for="code" { (ctx.t("totp-code")) }
                            input #code name="code" type="text" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" required autocomplete="one-time-code";
                        }
                        button type="submit" { (ctx.t("totp-confirm")) }
                    }
                } @else {
                    p { (ctx.t("totp-enrol-why")) }
                    form method="post" action="/account/totp" {
                        (csrf_field(ctx))
                        button type="submit" { (ctx.t("totp-enrol-start")) }
                    }
                }
            }
        }
        section {
            h2 { (ctx.t("password-change-title")) }
            form method="post" action="/account/password" autocomplete="off" {
                (csrf_field(ctx))
                div.field {
                    label for="current" { (ctx.t("password-current")) }
                    input #current name="current" type="password" required autocomplete="current-password";
                }
                div.field {
                    label for="new" { (ctx.t("password-new")) }
                    input #new name="new" type="password" required minlength="12" autocomplete="new-password" aria-describedby="new-hint";
                    p.hint #new-hint { (ctx.t("password-hint")) }
                }
                button type="submit" { (ctx.t("password-change")) }
            }
        }
    };
    layout::page(ctx, "account-title", Nav::None, body)
}

#[derive(Deserialize)]
struct PasswordForm {
    current: String,
    new: String,
}

async fn change_password(
    state: web::Data<Services>,
    who: Allowed<act::SelfManage>,
    ctx: Ctx,
    form: Form<PasswordForm>,
) -> Result<HttpResponse> {
    let f = form.0;
    let result = state
        .auth
        .change_own_password(&who.principal, SecretString::from(f.current), SecretString::from(f.new))
        .await;
    let message = match result {
        Ok(()) => (true, ctx.t("password-changed")),
        Err(Error::InvalidCredentials) => (false, ctx.t("password-current-wrong")),
        Err(Error::Validation(errors)) => {
            (false, errors.iter().map(|e| layout::field_message(&ctx, e)).collect::<Vec<_>>().join(" "))
        }
        Err(e) => return Err(e),
    };
    let account = state.auth.account(&who.principal).await?;
    Ok(account_page(&ctx, &account, None, Some(message)))
}

async fn totp_begin(
    state: web::Data<Services>,
    who: Allowed<act::SelfManage>,
    ctx: Ctx,
    _form: Form<Empty>,
) -> Result<HttpResponse> {
    let enrolment = state.auth.totp_begin(&who.principal).await?;
    let account = state.auth.account(&who.principal).await?;
    Ok(account_page(&ctx, &account, Some(&enrolment), None))
}

#[derive(Deserialize)]
struct CodeForm {
    code: String,
}

async fn totp_confirm(
    state: web::Data<Services>,
    who: Allowed<act::SelfManage>,
    ctx: Ctx,
    form: Form<CodeForm>,
) -> Result<HttpResponse> {
    let message = match state.auth.totp_confirm(&who.principal, form.0.code.trim()).await {
        Ok(()) => (true, ctx.t("totp-enrolled")),
        Err(Error::TotpInvalid) => (false, ctx.t("login-totp-invalid")),
        Err(e) => return Err(e),
    };
    let account = state.auth.account(&who.principal).await?;
    Ok(account_page(&ctx, &account, None, Some(message)))
}

pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location.to_owned())).finish()
}
