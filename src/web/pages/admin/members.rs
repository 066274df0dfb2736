//! Cases by reference and their members (admins read no case content).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use super::{ListQuery, PAGE, done_notice, pager, role_label};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::auth::service::UserView;
use crate::cases::case::{self as cases, CaseView, Member, MemberRole, NewMember};
use crate::error::{Error, FieldError, Result};
use crate::services::Services;
use crate::web::layout::{self, Nav, csrf_field, field, form_errors};
use crate::web::pages::auth::see_other;
use crate::web::pages::registry::Pages;
use crate::web::{Ctx, Form};

pub(super) fn routes(r: &mut Pages) {
    r.get("/admin/cases", cases_page);
    r.get_as::<act::CaseManage, _, _, _>("/admin/cases/{id}/members", members_page);
    r.post_as::<act::CaseManage, _, _, _>("/admin/cases/{id}/members", add_member);
    r.get("/admin/cases/{id}/members/{user_id}/remove", confirm_remove);
    r.post("/admin/cases/{id}/members/{user_id}/remove", remove_member);
}

/// Users offered when adding a case member (a list to choose from, never a name to type).
const MEMBER_CHOICES: i64 = 2000;

async fn cases_page(
    services: web::Data<Services>,
    who: Allowed<act::CaseManage>,
    ctx: Ctx,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse> {
    let page = q.page();
    let lister = Allowed::<act::CaseList>::check(who.principal)?;
    let (items, total) = services.cases.list(lister, (PAGE, (page - 1) * PAGE)).await?;
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
                        td data-label=(ctx.t("case-status")) { (status_label(&ctx, case)) }
                        td data-label=(ctx.t("admin-case-opened")) { (layout::when(&ctx, case.created_at)) }
                        td data-label=(ctx.t("admin-actions")) { a href={ "/admin/cases/" (case.id) "/members" } {
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

async fn membership(services: &Services, p: crate::auth::Principal, id: Uuid) -> Result<Membership> {
    let manager = Allowed::<act::CaseManage>::check(p)?;
    let crate::cases::Membership { case, members } = services.cases.membership(manager, id).await?;
    let (users, _) = services.auth.list_users(MEMBER_CHOICES, 0).await?;
    let candidates = users
        .into_iter()
        .filter(|u| !u.disabled && cases::can_be_member(u.role))
        .filter(|u| !members.iter().any(|m| m.user_id == u.id))
        .collect();
    Ok(Membership { case, members, candidates })
}

/// The add form: a user chosen from the list (by id), and their role in the case.
#[derive(Debug, Default, Deserialize)]
struct MemberForm {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    role: String,
}

async fn members_page(
    services: web::Data<Services>,
    who: Allowed<act::CaseManage>,
    _users: Allowed<act::UserList>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse> {
    let m = membership(&services, who.principal, id.into_inner()).await?;
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
                        td data-label=(ctx.t("admin-member-role")) { (member_role_label(ctx, member.role)) }
                        td data-label=(ctx.t("admin-member-added")) { (layout::when(ctx, member.added_at)) }
                        td data-label=(ctx.t("admin-actions")) { div.actions {
                            form method="post" action=(base) {
                                (csrf_field(ctx))
                                input type="hidden" name="user_id" value=(member.user_id);
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
                            // To a confirmation step: removal ends their access at once.
                            a.button.danger href={ (base) "/" (member.user_id) "/remove" } {
                                (ctx.t("admin-member-remove")) "…"
                                span.visually-hidden { " — " (member.username) }
                            }
                        } }
                    }
                } }
            }
        }
        section.card aria-labelledby="add-h" {
            h2 #add-h { (ctx.t("admin-member-add-title")) }
            @if m.candidates.is_empty() {
                p.empty { (ctx.t("admin-member-no-candidates")) " " a href="/admin/users/new" { (ctx.t("admin-user-new")) } }
            } @else {
                p.hint { (ctx.t("admin-member-add-hint")) }
                (form_errors(ctx, errors, &["user_id", "role"]))
                form method="post" action=(base) {
                    (csrf_field(ctx))
                    (field(ctx, "user_id", "admin-member-user", errors, html! {
                        select #user_id name="user_id" required {
                            option value="" { (ctx.t("admin-member-choose")) }
                            @for u in &m.candidates {
                                @let id = u.id.to_string();
                                option value=(id) selected[f.user_id == id] {
                                    (u.username) " — " (role_label(ctx, u.role))
                                }
                            }
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
        }
    };
    layout::render(ctx, status, "admin-members-title", Nav::Admin, body)
}

async fn add_member(
    services: web::Data<Services>,
    who: Allowed<act::CaseManage>,
    _users: Allowed<act::UserList>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<MemberForm>,
) -> Result<HttpResponse> {
    let (p, id, f) = (who.principal.clone(), id.into_inner(), form.0);
    let role = match f.role.as_str() {
        "lead" => MemberRole::Lead,
        "member" => MemberRole::Member,
        _ => return Err(Error::field("role", "unknown", "lead or member")),
    };
    let added = match Uuid::parse_str(f.user_id.trim()) {
        Ok(user_id) => services.cases.add_member(who, id, NewMember { user_id, role }).await.map(drop),
        Err(_) => Err(Error::field("user_id", "required", "choose a user from the list")),
    };
    match added {
        Ok(()) => Ok(see_other(&format!("/admin/cases/{id}/members?done=member-added"))),
        Err(Error::Validation(errors)) => {
            let m = membership(&services, p, id).await?;
            let f = MemberForm { user_id: f.user_id.chars().take(36).collect(), role: f.role };
            Ok(members_view(&ctx, &m, None, &f, &errors))
        }
        Err(e) => Err(e),
    }
}

async fn confirm_remove(
    services: web::Data<Services>,
    who: Allowed<act::CaseManage>,
    ctx: Ctx,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse> {
    let (case_id, user_id) = path.into_inner();
    removal_confirmation(&services, &ctx, who.principal, case_id, user_id).await
}

/// Asks before removing a member: they lose the case at once (what they wrote stays).
async fn removal_confirmation(
    services: &Services,
    ctx: &Ctx,
    p: crate::auth::Principal,
    case_id: Uuid,
    user_id: Uuid,
) -> Result<HttpResponse> {
    let m = membership(services, p, case_id).await?;
    let member = m.members.iter().find(|x| x.user_id == user_id).ok_or(Error::NotFound)?;
    let base = format!("/admin/cases/{case_id}/members");
    let body = html! {
        p.eyebrow { a href=(base) { (ctx.ta("admin-members-heading", &[("reference", m.case.reference.as_str().into())])) } }
        h1 { (ctx.ta("admin-member-remove-confirm-title", &[
            ("username", member.username.as_str().into()),
            ("reference", m.case.reference.as_str().into()),
        ])) }
        div.alert role="alert" { p { (ctx.t("admin-member-remove-confirm")) } }
        form method="post" action={ (base) "/" (user_id) "/remove" } {
            (csrf_field(ctx))
            input type="hidden" name="confirm" value="yes";
            div.actions {
                button.danger type="submit" { (ctx.t("admin-member-remove")) }
                a href=(base) { (ctx.t("admin-cancel")) }
            }
        }
    };
    Ok(layout::render(ctx, StatusCode::OK, "admin-members-title", Nav::Admin, body))
}

#[derive(Debug, Deserialize)]
struct ConfirmForm {
    confirm: Option<String>,
}

async fn remove_member(
    services: web::Data<Services>,
    who: Allowed<act::CaseManage>,
    ctx: Ctx,
    path: web::Path<(Uuid, Uuid)>,
    form: Form<ConfirmForm>,
) -> Result<HttpResponse> {
    let (case_id, user_id) = path.into_inner();
    // Without the confirmation (a form of an older page, a stray request) it only asks.
    if form.0.confirm.as_deref() != Some("yes") {
        return removal_confirmation(&services, &ctx, who.principal, case_id, user_id).await;
    }
    services.cases.remove_member(who, case_id, user_id).await?;
    Ok(see_other(&format!("/admin/cases/{case_id}/members?done=member-removed")))
}
