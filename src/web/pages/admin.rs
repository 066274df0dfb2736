//! The administrator's screens: system status, users and their roles, each role's
//! second-factor rule, case membership (by reference only: admins read no case content)
//! and the keys. Every handler names its permission and calls the same service as the
//! API; every change is a small POST form that answers with a redirect (POST, then GET).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use secrecy::SecretString;
use serde::Deserialize;
use uuid::Uuid;

use super::auth::see_other;
use crate::audit::Actor;
use crate::auth::policy::act;
use crate::auth::service::{RolePolicy, UserView};
use crate::cases::case::{self as cases, CaseView, Member, MemberRole, NewMember};
use crate::domain::Role;
use crate::error::{Error, FieldError, Result};
use crate::http::extract::Allowed;
use crate::keys::{KeyStatus, RootSource};
use crate::startup::AppState;
use crate::web::layout::{self, Nav, csrf_field, field, form_errors, notice};
use crate::web::{Ctx, Form};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin").get(overview))
        .service(web::resource("/admin/users").get(users_page).post(create_user))
        .service(web::resource("/admin/users/new").get(new_user_page))
        .service(web::resource("/admin/users/{id}").get(user_page))
        .service(web::resource("/admin/users/{id}/disable").post(disable_user))
        .service(web::resource("/admin/users/{id}/enable").post(enable_user))
        .service(web::resource("/admin/users/{id}/password").post(reset_password))
        .service(web::resource("/admin/users/{id}/role").post(change_role))
        .service(web::resource("/admin/roles").get(roles_page))
        .service(web::resource("/admin/roles/{role}").post(set_role_policy))
        .service(web::resource("/admin/cases").get(cases_page))
        .service(web::resource("/admin/cases/{id}/members").get(members_page).post(add_member))
        .service(web::resource("/admin/cases/{id}/members/{user_id}/remove").post(remove_member))
        .service(web::resource("/admin/keys").get(keys_page))
        .service(web::resource("/admin/keys/rotate").post(rotate))
        .service(web::resource("/admin/keys/rewrap").post(rewrap))
        .service(web::resource("/admin/keys/seal").post(seal))
        .service(web::resource("/admin/keys/unseal").post(unseal));
}

/// Rows per page of the user and case lists.
const PAGE: i64 = 100;
/// Record keys per transaction of a rewrap started from the keys page.
const REWRAP_BATCH: i64 = 1000;
/// Users offered when adding a case member (the field also takes any username typed).
const MEMBER_CHOICES: i64 = 500;

/// `?page=` of a list and `?done=` after a change (a code, never data).
#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    page: Option<i64>,
    done: Option<String>,
}

impl ListQuery {
    fn page(&self) -> i64 {
        self.page.unwrap_or(1).clamp(1, 1_000_000)
    }
}

#[derive(Debug, Deserialize)]
struct NoFields {}

/// What a redirect after a change says on the page it lands on.
fn done_notice(ctx: &Ctx, done: Option<&str>) -> Option<Markup> {
    let id = match done? {
        "user-created" => "admin-done-user-created",
        "disabled" => "admin-done-disabled",
        "enabled" => "admin-done-enabled",
        "password" => "admin-done-password",
        "role" => "admin-done-role",
        "policy" => "admin-done-policy",
        "member-added" => "admin-done-member-added",
        "member-removed" => "admin-done-member-removed",
        "rotated" => "admin-done-rotated",
        "sealed" => "admin-done-sealed",
        "unsealed" => "admin-done-unsealed",
        _ => return None,
    };
    Some(notice(ctx.t(id)))
}

fn alert(text: String) -> Markup {
    html! { div.alert role="alert" { p { (text) } } }
}

/// Previous/next links of a paged list; `href` makes the link to a page.
pub(super) fn pager(ctx: &Ctx, page: i64, size: i64, total: i64, href: impl Fn(i64) -> String) -> Markup {
    let pages = ((total + size - 1) / size).max(1);
    html! {
        @if pages > 1 {
            nav.pager aria-label=(ctx.t("admin-pager-label")) {
                @if page > 1 { a rel="prev" href=(href(page - 1)) { (ctx.t("admin-pager-previous")) } }
                span { (ctx.ta("admin-pager-position", &[("page", page.into()), ("pages", pages.into())])) }
                @if page < pages { a rel="next" href=(href(page + 1)) { (ctx.t("admin-pager-next")) } }
            }
        }
    }
}

fn role_label(ctx: &Ctx, role: Role) -> String {
    ctx.t(&format!("role-{}", role.as_str()))
}

fn role_options(ctx: &Ctx, selected: Option<Role>, roles: &[Role]) -> Markup {
    html! {
        @for r in roles {
            option value=(r.as_str()) selected[selected == Some(*r)] { (role_label(ctx, *r)) }
        }
    }
}

fn parse_role(raw: &str) -> Result<Role> {
    raw.parse::<Role>().map_err(|_| Error::field("role", "unknown", "not a role"))
}

// ---- Overview ------------------------------------------------------------------------

async fn overview(
    state: web::Data<AppState>,
    _who: Allowed<act::SystemStatus>,
    ctx: Ctx,
) -> Result<HttpResponse> {
    let (pending, users) = state
        .db
        .run(|c| Ok((crate::store::migrate::pending_count(c)?, crate::auth::service::count_users(c)?)))
        .await?;
    let sections = [
        ("/admin/users", "admin-users-title", "admin-users-about"),
        ("/admin/roles", "admin-roles-title", "admin-roles-about"),
        ("/admin/cases", "admin-cases-title", "admin-cases-about"),
        ("/admin/keys", "admin-keys-title", "admin-keys-about"),
    ];
    let body = html! {
        h1 { (ctx.t("admin-title")) }
        section aria-labelledby="status-h" {
            h2 #status-h { (ctx.t("admin-status-title")) }
            dl.facts {
                dt { (ctx.t("admin-status-version")) } dd { (env!("CARGO_PKG_VERSION")) }
                dt { (ctx.t("admin-status-database")) } dd { (state.db.backend().name()) }
                dt { (ctx.t("admin-status-migrations")) }
                dd {
                    @if pending == 0 { (ctx.t("admin-status-migrations-none")) }
                    @else { strong { (ctx.ta("admin-status-migrations-pending", &[("count", pending.into())])) } }
                }
                dt { (ctx.t("admin-status-users")) } dd { (users) }
            }
        }
        section aria-labelledby="sections-h" {
            h2 #sections-h { (ctx.t("admin-sections-title")) }
            ul.plain {
                @for (href, title, about) in sections {
                    li { a href=(href) { (ctx.t(title)) } br; span.hint { (ctx.t(about)) } }
                }
            }
        }
    };
    Ok(layout::page(&ctx, "admin-title", Nav::Admin, body))
}

// ---- Users ---------------------------------------------------------------------------

async fn users_page(
    state: web::Data<AppState>,
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
                    td { a href={ "/admin/users/" (u.id) } { (u.username) } }
                    td { (role_label(&ctx, u.role)) }
                    td { @if u.totp_enabled { (ctx.t("second-factor-on")) } @else { (ctx.t("second-factor-off")) } }
                    td { (user_state(&ctx, u)) }
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
                select #role name="role" aria-describedby="role-hint" { (role_options(ctx, Some(role), &Role::ALL)) }
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
    state: web::Data<AppState>,
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
    state: web::Data<AppState>,
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
                    select #role name="role" aria-describedby="role-hint" { (role_options(ctx, Some(u.role), &Role::ALL)) }
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
                form method="post" action={ (base) "/disable" } {
                    (csrf_field(ctx))
                    button.danger type="submit" { (ctx.t("admin-disable")) }
                }
            }
        }
    };
    layout::render(ctx, status, "admin-user-title", Nav::Admin, body)
}

/// A refused change to a user, shown on their page.
async fn refused(state: &AppState, ctx: &Ctx, id: Uuid, me: Uuid, e: Error) -> Result<HttpResponse> {
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

async fn disable_user(
    state: web::Data<AppState>,
    who: Allowed<act::UserDisable>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    _form: Form<NoFields>,
) -> Result<HttpResponse> {
    set_disabled(state, who.principal, ctx, id.into_inner(), true).await
}

async fn enable_user(
    state: web::Data<AppState>,
    who: Allowed<act::UserDisable>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    _form: Form<NoFields>,
) -> Result<HttpResponse> {
    set_disabled(state, who.principal, ctx, id.into_inner(), false).await
}

async fn set_disabled(
    state: web::Data<AppState>,
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
    state: web::Data<AppState>,
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
    state: web::Data<AppState>,
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

// ---- Role policies -------------------------------------------------------------------

async fn roles_page(
    state: web::Data<AppState>,
    _who: Allowed<act::RolePolicyRead>,
    ctx: Ctx,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse> {
    let policies = state.auth.role_policies().await?;
    let body = html! {
        p.eyebrow { a href="/admin" { (ctx.t("admin-title")) } }
        h1 { (ctx.t("admin-roles-title")) }
        @if let Some(n) = done_notice(&ctx, q.done.as_deref()) { (n) }
        p.lead { (ctx.t("admin-roles-lead")) }
        table.list {
            caption.visually-hidden { (ctx.t("admin-roles-title")) }
            thead { tr {
                th scope="col" { (ctx.t("role")) }
                th scope="col" { (ctx.t("admin-totp-required")) }
                th scope="col" { span.visually-hidden { (ctx.t("admin-actions")) } }
            } }
            tbody { @for policy in &policies { (policy_row(&ctx, policy)) } }
        }
    };
    Ok(layout::page(&ctx, "admin-roles-title", Nav::Admin, body))
}

fn policy_row(ctx: &Ctx, p: &RolePolicy) -> Markup {
    let role = role_label(ctx, p.role);
    html! {
        tr {
            th scope="row" { (role) }
            td { @if p.totp_required { strong { (ctx.t("admin-yes")) } } @else { (ctx.t("admin-no")) } }
            td {
                form method="post" action={ "/admin/roles/" (p.role.as_str()) } {
                    (csrf_field(ctx))
                    input type="hidden" name="totp_required" value=(if p.totp_required { "no" } else { "yes" });
                    button.secondary type="submit" {
                        @if p.totp_required { (ctx.t("admin-totp-stop")) } @else { (ctx.t("admin-totp-require")) }
                        span.visually-hidden { " — " (role) }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
struct PolicyForm {
    #[serde(default)]
    totp_required: String,
}

async fn set_role_policy(
    state: web::Data<AppState>,
    who: Allowed<act::RolePolicyUpdate>,
    role: web::Path<Role>,
    form: Form<PolicyForm>,
) -> Result<HttpResponse> {
    let required = match form.0.totp_required.as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(Error::field("totp_required", "unknown", "yes or no")),
    };
    state.auth.set_role_policy(Actor::from(&who.principal), role.into_inner(), required).await?;
    Ok(see_other("/admin/roles?done=policy"))
}

// ---- Cases and their members ---------------------------------------------------------

async fn cases_page(
    state: web::Data<AppState>,
    who: Allowed<act::CaseManage>,
    ctx: Ctx,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse> {
    let (p, page) = (who.principal, q.page());
    let (items, total) = state.tx(move |c, k| cases::list(c, k, &p, PAGE, (page - 1) * PAGE)).await?;
    let body = html! {
        p.eyebrow { a href="/admin" { (ctx.t("admin-title")) } }
        h1 { (ctx.t("admin-cases-title")) }
        p.lead { (ctx.t("admin-cases-lead")) }
        @if items.is_empty() {
            p.empty { (ctx.t("admin-cases-none")) }
        } @else {
            table.list {
                caption.visually-hidden { (ctx.t("admin-cases-title")) }
                thead { tr {
                    th scope="col" { (ctx.t("case-reference")) }
                    th scope="col" { (ctx.t("case-status")) }
                    th scope="col" { (ctx.t("admin-case-opened")) }
                    th scope="col" { span.visually-hidden { (ctx.t("admin-actions")) } }
                } }
                tbody { @for case in &items {
                    tr {
                        th scope="row" { (case.reference) }
                        td { (status_label(&ctx, case)) }
                        td { (layout::when(&ctx, case.created_at)) }
                        td { a href={ "/admin/cases/" (case.id) "/members" } {
                            (ctx.t("admin-members-manage")) span.visually-hidden { " — " (case.reference) }
                        } }
                    }
                } }
            }
            (pager(&ctx, page, PAGE, total, |p| format!("/admin/cases?page={p}")))
        }
    };
    Ok(layout::page(&ctx, "admin-cases-title", Nav::Admin, body))
}

fn status_label(ctx: &Ctx, case: &CaseView) -> String {
    ctx.t(match case.status {
        cases::CaseStatus::Open => "case-status-open",
        cases::CaseStatus::Closed => "case-status-closed",
        cases::CaseStatus::Archived => "case-status-archived",
    })
}

fn member_role_label(ctx: &Ctx, role: MemberRole) -> String {
    ctx.t(match role {
        MemberRole::Lead => "case-role-lead",
        MemberRole::Member => "case-role-member",
    })
}

/// What the members page shows: the case by its clear fields, its members, and the
/// users who could be added.
struct Membership {
    case: CaseView,
    members: Vec<Member>,
    candidates: Vec<UserView>,
}

async fn membership(state: &AppState, p: crate::auth::Principal, id: Uuid) -> Result<Membership> {
    let (case, members) =
        state.db.transaction(move |c| Ok((cases::get_clear(c, id)?, cases::members(c, &p, id)?))).await?;
    let (users, _) = state.auth.list_users(MEMBER_CHOICES, 0).await?;
    let candidates = users
        .into_iter()
        .filter(|u| !u.disabled && cases::can_be_member(u.role))
        .filter(|u| !members.iter().any(|m| m.user_id == u.id))
        .collect();
    Ok(Membership { case, members, candidates })
}

#[derive(Debug, Default, Deserialize)]
struct MemberForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    role: String,
}

async fn members_page(
    state: web::Data<AppState>,
    who: Allowed<act::CaseManage>,
    _users: Allowed<act::UserList>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse> {
    let m = membership(&state, who.principal, id.into_inner()).await?;
    let done = done_notice(&ctx, q.done.as_deref());
    Ok(members_view(&ctx, &m, done, &MemberForm::default(), &[]))
}

fn members_view(
    ctx: &Ctx,
    m: &Membership,
    message: Option<Markup>,
    f: &MemberForm,
    errors: &[FieldError],
) -> HttpResponse {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let base = format!("/admin/cases/{}/members", m.case.id);
    let chosen = if f.role == "lead" { MemberRole::Lead } else { MemberRole::Member };
    let body = html! {
        p.eyebrow { a href="/admin/cases" { (ctx.t("admin-cases-title")) } }
        h1 { (ctx.ta("admin-members-heading", &[("reference", m.case.reference.as_str().into())])) }
        @if let Some(n) = message { (n) }
        @if m.members.is_empty() {
            p.empty { (ctx.t("admin-members-none")) }
        } @else {
            table.list {
                caption.visually-hidden { (ctx.t("admin-members-title")) }
                thead { tr {
                    th scope="col" { (ctx.t("username")) }
                    th scope="col" { (ctx.t("admin-member-role")) }
                    th scope="col" { (ctx.t("admin-member-added")) }
                    th scope="col" { span.visually-hidden { (ctx.t("admin-actions")) } }
                } }
                tbody { @for member in &m.members {
                    tr {
                        th scope="row" { (member.username) }
                        td { (member_role_label(ctx, member.role)) }
                        td { (layout::when(ctx, member.added_at)) }
                        td { div.actions {
                            form method="post" action=(base) {
                                (csrf_field(ctx))
                                input type="hidden" name="username" value=(member.username);
                                @match member.role {
                                    MemberRole::Lead => {
                                        input type="hidden" name="role" value="member";
                                        button.secondary type="submit" { (ctx.t("admin-member-make-member"))
                                            span.visually-hidden { " — " (member.username) } }
                                    }
                                    MemberRole::Member => {
                                        input type="hidden" name="role" value="lead";
                                        button.secondary type="submit" { (ctx.t("admin-member-make-lead"))
                                            span.visually-hidden { " — " (member.username) } }
                                    }
                                }
                            }
                            form method="post" action={ (base) "/" (member.user_id) "/remove" } {
                                (csrf_field(ctx))
                                button.danger type="submit" { (ctx.t("admin-member-remove"))
                                    span.visually-hidden { " — " (member.username) } }
                            }
                        } }
                    }
                } }
            }
        }
        section.card aria-labelledby="add-h" {
            h2 #add-h { (ctx.t("admin-member-add-title")) }
            p.hint { (ctx.t("admin-member-add-hint")) }
            (form_errors(ctx, errors, &["username", "role"]))
            form method="post" action=(base) autocomplete="off" {
                (csrf_field(ctx))
                (field(ctx, "username", "username", errors, html! {
                    input #username name="username" type="text" required list="member-candidates"
                        autocapitalize="none" spellcheck="false" value=(f.username);
                    datalist #member-candidates {
                        @for u in &m.candidates { option value=(u.username) { (role_label(ctx, u.role)) } }
                    }
                }))
                (field(ctx, "role", "admin-member-role", errors, html! {
                    select #role name="role" {
                        option value="member" selected[chosen == MemberRole::Member] { (ctx.t("case-role-member")) }
                        option value="lead" selected[chosen == MemberRole::Lead] { (ctx.t("case-role-lead")) }
                    }
                }))
                button type="submit" { (ctx.t("admin-member-add")) }
            }
        }
    };
    layout::render(ctx, status, "admin-members-title", Nav::Admin, body)
}

async fn add_member(
    state: web::Data<AppState>,
    who: Allowed<act::CaseManage>,
    _users: Allowed<act::UserList>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<MemberForm>,
) -> Result<HttpResponse> {
    let (p, id, f) = (who.principal, id.into_inner(), form.0);
    let role = match f.role.as_str() {
        "lead" => MemberRole::Lead,
        "member" => MemberRole::Member,
        _ => return Err(Error::field("role", "unknown", "lead or member")),
    };
    let actor = Actor::from(&p);
    let added = match state.auth.find_user_id(&f.username).await {
        Ok(user_id) => {
            let input = NewMember { user_id, role };
            state.db.transaction(move |c| cases::add_member(c, actor, id, &input)).await.map(drop)
        }
        Err(Error::NotFound) => Err(Error::field("username", "unknown_user", "no such user")),
        Err(e) => Err(e),
    };
    match added {
        Ok(()) => Ok(see_other(&format!("/admin/cases/{id}/members?done=member-added"))),
        Err(Error::Validation(errors)) => {
            // The service names the user by id; the form by name.
            let errors: Vec<FieldError> = errors
                .into_iter()
                .map(|e| if e.field == "user_id" { FieldError { field: "username".into(), ..e } } else { e })
                .collect();
            let m = membership(&state, p, id).await?;
            let f = MemberForm { username: f.username.chars().take(64).collect(), role: f.role };
            Ok(members_view(&ctx, &m, None, &f, &errors))
        }
        Err(e) => Err(e),
    }
}

async fn remove_member(
    state: web::Data<AppState>,
    who: Allowed<act::CaseManage>,
    path: web::Path<(Uuid, Uuid)>,
    _form: Form<NoFields>,
) -> Result<HttpResponse> {
    let actor = Actor::from(&who.principal);
    let (case_id, user_id) = path.into_inner();
    state.db.transaction(move |c| cases::remove_member(c, actor, case_id, user_id)).await?;
    Ok(see_other(&format!("/admin/cases/{case_id}/members?done=member-removed")))
}

// ---- Keys ----------------------------------------------------------------------------

async fn keys_page(
    state: web::Data<AppState>,
    _who: Allowed<act::KeyManage>,
    ctx: Ctx,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse> {
    let status = state.keys.status().await?;
    let done = done_notice(&ctx, q.done.as_deref());
    Ok(keys_view(&ctx, StatusCode::OK, &status, state.keys.rewrap_running(), done, &[]))
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
    rewrapping: bool,
    message: Option<Markup>,
    errors: &[FieldError],
) -> HttpResponse {
    let remaining = s.records_not_on_primary.unwrap_or(0);
    let body = html! {
        p.eyebrow { a href="/admin" { (ctx.t("admin-title")) } }
        h1 { (ctx.t("admin-keys-title")) }
        @if let Some(m) = message { (m) }
        div.warn role="note" {
            p { strong { (ctx.t("admin-keys-warning-title")) } }
            p { (ctx.t("admin-keys-warning")) }
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
    state: web::Data<AppState>,
    who: Allowed<act::KeyManage>,
    _form: Form<NoFields>,
) -> Result<HttpResponse> {
    state.keys.rotate(Actor::from(&who.principal)).await?;
    Ok(see_other("/admin/keys?done=rotated"))
}

async fn rewrap(
    state: web::Data<AppState>,
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
    state: web::Data<AppState>,
    who: Allowed<act::KeyManage>,
    ctx: Ctx,
    form: Form<SealForm>,
) -> Result<HttpResponse> {
    if form.0.confirm.as_deref() != Some("yes") {
        let status = state.keys.status().await?;
        let errors = [FieldError::new("confirm", "required", "confirm to seal")];
        let running = state.keys.rewrap_running();
        return Ok(keys_view(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &status, running, None, &errors));
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
    state: web::Data<AppState>,
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
    let running = state.keys.rewrap_running();
    Ok(keys_view(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &status, running, None, &errors))
}
