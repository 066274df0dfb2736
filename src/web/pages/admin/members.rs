//! Cases by reference and their members (admins read no case content).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use super::{ListQuery, NoFields, PAGE, done_notice, pager, role_label};
use crate::audit::Actor;
use crate::auth::policy::act;
use crate::auth::service::UserView;
use crate::cases::case::{self as cases, CaseView, Member, MemberRole, NewMember};
use crate::error::{Error, FieldError, Result};
use crate::http::extract::Allowed;
use crate::startup::AppState;
use crate::web::layout::{self, Nav, csrf_field, field, form_errors};
use crate::web::pages::auth::see_other;
use crate::web::{Ctx, Form};

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/cases").get(cases_page))
        .service(web::resource("/admin/cases/{id}/members").get(members_page).post(add_member))
        .service(web::resource("/admin/cases/{id}/members/{user_id}/remove").post(remove_member));
}

/// Users offered when adding a case member.
const MEMBER_CHOICES: i64 = 500;

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
