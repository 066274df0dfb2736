//! Users: the list, one user's page, creating, disabling, resetting a password and
//! changing a role.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use secrecy::SecretString;
use serde::Deserialize;
use uuid::Uuid;

use super::{ListQuery, NoFields, PAGE, alert, done_notice, pager, parse_role, role_label, role_options};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::audit::Actor;
use crate::auth::service::UserView;
use crate::domain::Role;
use crate::error::{Error, FieldError, Result};
use crate::services::Services;
use crate::web::layout::{self, Nav, csrf_field, field, form_errors};
use crate::web::pages::auth::see_other;
use crate::web::pages::registry::Pages;
use crate::web::{Ctx, Form};

pub(super) fn routes(r: &mut Pages) {
    r.get("/admin/users", users_page);
    r.post("/admin/users", create_user);
    r.get("/admin/users/new", new_user_page);
    r.get("/admin/users/{id}", user_page);
    r.get("/admin/users/{id}/disable", confirm_disable);
    r.post("/admin/users/{id}/disable", disable_user);
    r.post("/admin/users/{id}/enable", enable_user);
    r.post("/admin/users/{id}/password", reset_password);
    r.post("/admin/users/{id}/role", change_role);
}

async fn users_page(
    state: web::Data<Services>,
    _who: Allowed<act::UserList>,
    ctx: Ctx,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse> {
    let page = q.page();
    let (users, total) = state.auth.list_users(PAGE, (page - 1) * PAGE).await?;
    let body = html! {
        div.heading {
            h1 { (ctx.t("admin-users-title")) }
            a.button href="/admin/users/new" { (ctx.t("admin-user-new")) }
        }
        @if let Some(n) = done_notice(&ctx, q.done.as_deref()) { (n) }
        table.list {
            caption.visually-hidden { (ctx.t("admin-users-title")) }
            thead { tr {
                th scope="col" { (ctx.t("username")) }
                th scope="col" { (ctx.t("role")) }
                th scope="col" { (ctx.t("second-factor")) }
                th scope="col" { (ctx.t("admin-user-state")) }
            } }
            tbody { @for u in &users {
                tr {
                    td data-label=(ctx.t("username")) { a href={ "/admin/users/" (u.id) } { (u.username) } }
                    td data-label=(ctx.t("role")) { (role_label(&ctx, u.role)) }
                    td data-label=(ctx.t("second-factor")) { @if u.totp_enabled { (ctx.t("second-factor-on")) } @else { (ctx.t("second-factor-off")) } }
                    td data-label=(ctx.t("admin-user-state")) { (user_state(&ctx, u)) }
                }
            } }
        }
        (pager(&ctx, page, PAGE, total, |p| format!("/admin/users?page={p}")))
        p { a href="/admin/roles" { (ctx.t("admin-roles-title")) } }
    };
    Ok(layout::page(&ctx, "admin-users-title", Nav::Admin, body))
}

fn user_state(ctx: &Ctx, u: &UserView) -> Markup {
    html! {
        @if u.disabled { span.badge.draft { (ctx.t("admin-user-disabled")) } }
        @else { span.badge.sealed { (ctx.t("admin-user-active")) } }
    }
}

#[derive(Debug, Default, Deserialize)]
struct NewUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

async fn new_user_page(_who: Allowed<act::UserCreate>, ctx: Ctx) -> HttpResponse {
    new_user_form(&ctx, "", Role::Documenter, &[])
}

fn new_user_form(ctx: &Ctx, username: &str, role: Role, errors: &[FieldError]) -> HttpResponse {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let body = html! {
        h1 { (ctx.t("admin-user-new")) }
        (form_errors(ctx, errors, &["username", "role", "password"]))
        form method="post" action="/admin/users" autocomplete="off" {
            (csrf_field(ctx))
            (field(ctx, "username", "username", errors, html! {
                input #username name="username" type="text" required minlength="3" maxlength="64"
                    autocapitalize="none" spellcheck="false" value=(username) aria-describedby="username-hint";
                p.hint #username-hint { (ctx.t("admin-username-hint")) }
            }))
            (field(ctx, "role", "role", errors, html! {
                select #role name="role" aria-describedby="role-hint" { (role_options(ctx, Some(role), &Role::STAFF)) }
                p.hint #role-hint { (ctx.t("admin-role-hint")) }
            }))
            (field(ctx, "password", "admin-initial-password", errors, html! {
                input #password name="password" type="password" required minlength="12" autocomplete="new-password"
                    aria-describedby="password-hint";
                p.hint #password-hint { (ctx.t("admin-initial-password-hint")) }
            }))
            button type="submit" { (ctx.t("admin-user-create")) }
        }
        p { a href="/admin/users" { (ctx.t("admin-back-users")) } }
    };
    layout::render(ctx, status, "admin-user-new", Nav::Admin, body)
}

async fn create_user(
    state: web::Data<Services>,
    who: Allowed<act::UserCreate>,
    ctx: Ctx,
    form: Form<NewUserForm>,
) -> Result<HttpResponse> {
    let f = form.0;
    let username: String = f.username.chars().take(64).collect();
    let Ok(role) = parse_role(&f.role) else {
        return Ok(new_user_form(
            &ctx,
            &username,
            Role::Documenter,
            &[FieldError::new("role", "unknown", "not a role")],
        ));
    };
    let actor = Actor::from(&who.principal);
    match state.auth.create_user(actor, &f.username, SecretString::from(f.password), role).await {
        Ok(user) => Ok(see_other(&format!("/admin/users/{}?done=user-created", user.id))),
        Err(Error::Validation(errors)) => Ok(new_user_form(&ctx, &username, role, &errors)),
        Err(Error::Conflict("username_taken")) => Ok(new_user_form(
            &ctx,
            &username,
            role,
            &[FieldError::new("username", "taken", "another user has this name")],
        )),
        Err(e) => Err(e),
    }
}

async fn user_page(
    state: web::Data<Services>,
    who: Allowed<act::UserRead>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse> {
    let user = state.auth.get_user(id.into_inner()).await?;
    let done = done_notice(&ctx, q.done.as_deref());
    Ok(render_user(&ctx, StatusCode::OK, &user, who.principal.user_id, done, &[]))
}

/// One user's page; `message` is a notice or an alert, `errors` belong to the password.
fn render_user(
    ctx: &Ctx,
    status: StatusCode,
    u: &UserView,
    me: Uuid,
    message: Option<Markup>,
    errors: &[FieldError],
) -> HttpResponse {
    let base = format!("/admin/users/{}", u.id);
    let body = html! {
        p.eyebrow { a href="/admin/users" { (ctx.t("admin-users-title")) } }
        h1 { (u.username) }
        @if let Some(m) = message { (m) }
        dl.facts {
            dt { (ctx.t("role")) } dd { (role_label(ctx, u.role)) }
            dt { (ctx.t("second-factor")) }
            dd { @if u.totp_enabled { (ctx.t("second-factor-on")) } @else { (ctx.t("second-factor-off")) } }
            dt { (ctx.t("admin-user-state")) } dd { (user_state(ctx, u)) }
            dt { (ctx.t("admin-user-created-at")) } dd { (layout::when(ctx, u.created_at)) }
            dt { (ctx.t("admin-user-updated-at")) } dd { (layout::when(ctx, u.updated_at)) }
        }
        section.card aria-labelledby="role-h" {
            h2 #role-h { (ctx.t("admin-role-change-title")) }
            form method="post" action={ (base) "/role" } {
                (csrf_field(ctx))
                (field(ctx, "role", "admin-new-role", &[], html! {
                    select #role name="role" aria-describedby="role-hint" { (role_options(ctx, Some(u.role), &Role::STAFF)) }
                    p.hint #role-hint { (ctx.t("admin-role-change-hint")) }
                }))
                button type="submit" { (ctx.t("admin-role-change")) }
            }
        }
        section.card aria-labelledby="password-h" {
            h2 #password-h { (ctx.t("admin-password-reset-title")) }
            form method="post" action={ (base) "/password" } autocomplete="off" {
                (csrf_field(ctx))
                (field(ctx, "password", "password-new", errors, html! {
                    input #password name="password" type="password" required minlength="12" autocomplete="new-password"
                        aria-describedby="password-hint";
                    p.hint #password-hint { (ctx.t("admin-password-reset-hint")) }
                }))
                button type="submit" { (ctx.t("admin-password-reset")) }
            }
        }
        section.card aria-labelledby="access-h" {
            h2 #access-h { (ctx.t("admin-access-title")) }
            @if u.disabled {
                p { (ctx.t("admin-enable-hint")) }
                form method="post" action={ (base) "/enable" } {
                    (csrf_field(ctx))
                    button type="submit" { (ctx.t("admin-enable")) }
                }
            } @else if u.id == me {
                p.hint { (ctx.t("admin-disable-self")) }
            } @else {
                p { (ctx.t("admin-disable-hint")) }
                // To a confirmation step: a mistaken click locks no one out.
                a.button.danger href={ (base) "/disable" } { (ctx.t("admin-disable")) "…" }
            }
        }
    };
    layout::render(ctx, status, "admin-user-title", Nav::Admin, body)
}

/// A refused change to a user, shown on their page.
async fn refused(state: &Services, ctx: &Ctx, id: Uuid, me: Uuid, e: Error) -> Result<HttpResponse> {
    let (status, message) = match e {
        Error::Conflict("last_admin") => (StatusCode::CONFLICT, "admin-refused-last-admin"),
        Error::Conflict("cannot_disable_self") => (StatusCode::CONFLICT, "admin-disable-self"),
        Error::Validation(errors) => {
            let user = state.auth.get_user(id).await?;
            return Ok(render_user(ctx, StatusCode::UNPROCESSABLE_ENTITY, &user, me, None, &errors));
        }
        e => return Err(e),
    };
    let user = state.auth.get_user(id).await?;
    Ok(render_user(ctx, status, &user, me, Some(alert(ctx.t(message))), &[]))
}

async fn confirm_disable(
    state: web::Data<Services>,
    who: Allowed<act::UserDisable>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let user = state.auth.get_user(id.into_inner()).await?;
    if user.disabled || user.id == who.principal.user_id {
        return Ok(see_other(&format!("/admin/users/{}", user.id)));
    }
    Ok(disable_confirmation(&ctx, &user))
}

/// Asks before disabling: the account's sessions end at once.
fn disable_confirmation(ctx: &Ctx, u: &UserView) -> HttpResponse {
    let base = format!("/admin/users/{}", u.id);
    let body = html! {
        p.eyebrow { a href="/admin/users" { (ctx.t("admin-users-title")) } }
        h1 { (ctx.ta("admin-disable-confirm-title", &[("username", u.username.as_str().into())])) }
        div.alert role="alert" { p { (ctx.t("admin-disable-confirm")) } }
        form method="post" action={ (base) "/disable" } {
            (csrf_field(ctx))
            input type="hidden" name="confirm" value="yes";
            div.actions {
                button.danger type="submit" { (ctx.t("admin-disable")) }
                a href=(base) { (ctx.t("admin-cancel")) }
            }
        }
    };
    layout::render(ctx, StatusCode::OK, "admin-user-title", Nav::Admin, body)
}

#[derive(Debug, Deserialize)]
struct ConfirmForm {
    confirm: Option<String>,
}

async fn disable_user(
    state: web::Data<Services>,
    who: Allowed<act::UserDisable>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<ConfirmForm>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    // Without the confirmation (a form of an older page, a stray request) it only asks.
    if form.0.confirm.as_deref() != Some("yes") {
        let user = state.auth.get_user(id).await?;
        return Ok(disable_confirmation(&ctx, &user));
    }
    set_disabled(state, who.principal, ctx, id, true).await
}

async fn enable_user(
    state: web::Data<Services>,
    who: Allowed<act::UserDisable>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    _form: Form<NoFields>,
) -> Result<HttpResponse> {
    set_disabled(state, who.principal, ctx, id.into_inner(), false).await
}

async fn set_disabled(
    state: web::Data<Services>,
    p: crate::auth::Principal,
    ctx: Ctx,
    id: Uuid,
    disabled: bool,
) -> Result<HttpResponse> {
    match state.auth.set_disabled(Actor::from(&p), id, disabled).await {
        Ok(_) => {
            let done = if disabled { "disabled" } else { "enabled" };
            Ok(see_other(&format!("/admin/users/{id}?done={done}")))
        }
        Err(e) => refused(&state, &ctx, id, p.user_id, e).await,
    }
}

#[derive(Debug, Deserialize)]
struct PasswordForm {
    #[serde(default)]
    password: String,
}

async fn reset_password(
    state: web::Data<Services>,
    who: Allowed<act::UserResetPassword>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<PasswordForm>,
) -> Result<HttpResponse> {
    let (id, p) = (id.into_inner(), who.principal);
    match state.auth.reset_password(Actor::from(&p), id, SecretString::from(form.0.password)).await {
        Ok(_) => Ok(see_other(&format!("/admin/users/{id}?done=password"))),
        Err(e) => refused(&state, &ctx, id, p.user_id, e).await,
    }
}

#[derive(Debug, Deserialize)]
struct RoleForm {
    #[serde(default)]
    role: String,
}

async fn change_role(
    state: web::Data<Services>,
    who: Allowed<act::UserChangeRole>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<RoleForm>,
) -> Result<HttpResponse> {
    let (id, p) = (id.into_inner(), who.principal);
    let role = parse_role(&form.0.role)?;
    match state.auth.change_role(Actor::from(&p), id, role).await {
        Ok(_) => Ok(see_other(&format!("/admin/users/{id}?done=role"))),
        Err(e) => refused(&state, &ctx, id, p.user_id, e).await,
    }
}
