//! The administrator's screens: system status, users and their roles, each role's
//! second-factor rule, case membership (by reference only: admins read no case content)
//! and the keys. Every handler names its permission and calls the same service as the
//! API; every change is a small POST form that answers with a redirect (POST, then GET).

mod keys;
mod members;
mod roles;
mod users;

use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use crate::access::Allowed;
use crate::access::policy::act;
use crate::domain::Role;
use crate::error::{Error, Result};
use crate::services::Services;
use crate::web::Ctx;
use crate::web::layout::{self, Nav, notice};
use crate::web::pages::registry::Pages;

pub fn routes(r: &mut Pages) {
    r.get("/admin", overview);
    users::routes(r);
    roles::routes(r);
    members::routes(r);
    keys::routes(r);
}

/// Rows per page of the user and case lists.
const PAGE: i64 = 100;

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

/// Two-factor sign-in is off for roles that should have it (admins, lawyers): said
/// on the overview and the roles page, with the way back.
fn second_factor_warning(ctx: &Ctx, relaxed: &[Role]) -> Markup {
    let roles = relaxed.iter().map(|r| role_label(ctx, *r)).collect::<Vec<_>>().join(", ");
    html! {
        @if !relaxed.is_empty() {
            div.alert #second-factor-off role="alert" {
                p { strong { (ctx.ta("admin-totp-off-title", &[("roles", roles.as_str().into())])) } }
                p { (ctx.t("admin-totp-off")) " " a href="/admin/roles" { (ctx.t("admin-roles-title")) } }
            }
        }
    }
}

fn parse_role(raw: &str) -> Result<Role> {
    raw.parse::<Role>().map_err(|_| Error::field("role", "unknown", "not a role"))
}

// ---- Overview ------------------------------------------------------------------------

async fn overview(
    state: web::Data<Services>,
    _who: Allowed<act::SystemStatus>,
    ctx: Ctx,
) -> Result<HttpResponse> {
    let status = state.status().await?;
    let (pending, users) = (status.pending_migrations, status.users);
    let relaxed = state.auth.relaxed_second_factor_roles().await?;
    let sections = [
        ("/admin/users", "admin-users-title", "admin-users-about"),
        ("/admin/roles", "admin-roles-title", "admin-roles-about"),
        ("/admin/cases", "admin-cases-title", "admin-cases-about"),
        ("/admin/keys", "admin-keys-title", "admin-keys-about"),
    ];
    let body = html! {
        h1 { (ctx.t("admin-title")) }
        (second_factor_warning(&ctx, &relaxed))
        section aria-labelledby="status-h" {
            h2 #status-h { (ctx.t("admin-status-title")) }
            dl.facts {
                dt { (ctx.t("admin-status-version")) } dd { (env!("CARGO_PKG_VERSION")) }
                dt { (ctx.t("admin-status-database")) } dd { (status.database_backend) }
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
