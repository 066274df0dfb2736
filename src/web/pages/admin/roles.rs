//! Each role's second-factor rule.

use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use super::{ListQuery, done_notice, role_label, second_factor_warning};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::audit::Actor;
use crate::auth::service::RolePolicy;
use crate::domain::Role;
use crate::error::{Error, Result};
use crate::services::Services;
use crate::web::layout::{self, Nav, csrf_field};
use crate::web::pages::auth::see_other;
use crate::web::pages::registry::Pages;
use crate::web::{Ctx, Form};

pub(super) fn routes(r: &mut Pages) {
    r.get("/admin/roles", roles_page);
    r.post("/admin/roles/{role}", set_role_policy);
}

async fn roles_page(
    state: web::Data<Services>,
    _who: Allowed<act::RolePolicyRead>,
    ctx: Ctx,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse> {
    let policies = state.auth.role_policies().await?;
    let relaxed = crate::auth::service::relaxed_second_factor(&policies);
    let body = html! {
        p.eyebrow { a href="/admin" { (ctx.t("admin-title")) } }
        h1 { (ctx.t("admin-roles-title")) }
        @if let Some(n) = done_notice(&ctx, q.done.as_deref()) { (n) }
        (second_factor_warning(&ctx, &relaxed))
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
            td data-label=(ctx.t("admin-totp-required")) { @if p.totp_required { strong { (ctx.t("admin-yes")) } } @else { (ctx.t("admin-no")) } }
            @if p.required_by_configuration {
                td data-label=(ctx.t("admin-actions")) { span.hint { (ctx.t("admin-totp-by-configuration")) } }
            } @else { td data-label=(ctx.t("admin-actions")) {
                form method="post" action={ "/admin/roles/" (p.role.as_str()) } {
                    (csrf_field(ctx))
                    input type="hidden" name="totp_required" value=(if p.totp_required { "no" } else { "yes" });
                    button.secondary type="submit" {
                        @if p.totp_required { (ctx.t("admin-totp-stop")) } @else { (ctx.t("admin-totp-require")) }
                        span.visually-hidden { " — " (role) }
                    }
                }
            } }
        }
    }
}

#[derive(Debug, Deserialize)]
struct PolicyForm {
    #[serde(default)]
    totp_required: String,
}

async fn set_role_policy(
    state: web::Data<Services>,
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
