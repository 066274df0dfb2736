//! Cases, their members, and the controlled vocabularies.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use uuid::Uuid;

use super::{Page, PageQuery};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::cases::case::{CaseUpdate, CaseView, Member, NewCase, NewMember};
use crate::cases::vocab::{NewTerm, Term};
use crate::error::Result;
use crate::http::json::JsonObject;
use crate::http::problem::Problem;
use crate::services::Services;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VocabularyQuery {
    /// One vocabulary: act_type, torture_method, source_connection, involvement_role,
    /// place_type.
    pub vocabulary: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Terms of the controlled vocabularies with English and Russian labels.
#[utoipa::path(get, operation_id = "list_vocabulary_terms", path = "/api/v1/vocabularies", tag = "cases", params(VocabularyQuery),
    responses((status = 200, body = Page<Term>)), security(("bearer" = [])))]
pub async fn vocabularies(
    services: web::Data<Services>,
    who: Allowed<act::VocabularyRead>,
    q: web::Query<VocabularyQuery>,
) -> Result<web::Json<Page<Term>>> {
    let q = q.into_inner();
    let page = PageQuery { limit: q.limit, offset: q.offset }.resolve()?;
    let terms = services.cases.vocabulary(who, q.vocabulary).await.map_err(super::as_query_error)?;
    Ok(web::Json(Page::slice(terms, page)))
}

/// Add a term to a vocabulary.
#[utoipa::path(post, operation_id = "add_vocabulary_term", path = "/api/v1/vocabularies/{vocabulary}", tag = "cases", params(("vocabulary" = String, Path)),
    request_body = NewTerm,
    responses((status = 201, body = Term), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn add_term(
    services: web::Data<Services>,
    who: Allowed<act::VocabularyManage>,
    vocabulary: web::Path<String>,
    body: JsonObject<NewTerm>,
) -> Result<HttpResponse> {
    let term = services.cases.add_term(who, vocabulary.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(term))
}

/// Open a case; a non-admin creator becomes its lead.
#[utoipa::path(post, operation_id = "create_case", path = "/api/v1/cases", tag = "cases", request_body = NewCase,
    responses((status = 201, body = CaseView), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn create(
    services: web::Data<Services>,
    who: Allowed<act::CaseCreate>,
    body: JsonObject<NewCase>,
) -> Result<HttpResponse> {
    let case = services.cases.create(who, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(case))
}

/// The caller's cases (admins: every case, by reference and status only).
#[utoipa::path(get, operation_id = "list_cases", path = "/api/v1/cases", tag = "cases", params(PageQuery),
    responses((status = 200, body = Page<CaseView>)), security(("bearer" = [])))]
pub async fn list(
    services: web::Data<Services>,
    who: Allowed<act::CaseList>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<CaseView>>> {
    let (limit, offset) = page.resolve()?;
    let (items, total) = services.cases.list(who, (limit, offset)).await?;
    Ok(web::Json(Page { items, total, limit, offset }))
}

/// One case (members only; others get 404).
#[utoipa::path(get, operation_id = "get_case", path = "/api/v1/cases/{id}", tag = "cases", params(("id" = Uuid, Path)),
    responses((status = 200, body = CaseView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn read(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    id: web::Path<Uuid>,
) -> Result<web::Json<CaseView>> {
    Ok(web::Json(services.cases.get(who, id.into_inner()).await?))
}

/// Change title, description or status (the case lead).
#[utoipa::path(patch, operation_id = "update_case", path = "/api/v1/cases/{id}", tag = "cases", params(("id" = Uuid, Path)), request_body = CaseUpdate,
    responses((status = 200, body = CaseView), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update(
    services: web::Data<Services>,
    who: Allowed<act::CaseUpdate>,
    id: web::Path<Uuid>,
    body: JsonObject<CaseUpdate>,
) -> Result<web::Json<CaseView>> {
    Ok(web::Json(services.cases.update(who, id.into_inner(), body.into_inner()).await?))
}

/// Who is in the case: admins (who manage membership) for any case, others for their own
/// cases only. Names and roles, no content.
#[utoipa::path(get, operation_id = "list_case_members", path = "/api/v1/cases/{id}/members", tag = "cases", params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, body = Page<Member>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn members(
    services: web::Data<Services>,
    who: Allowed<act::CaseMembersRead>,
    id: web::Path<Uuid>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<Member>>> {
    let page = page.resolve()?;
    Ok(web::Json(Page::slice(services.cases.members(who, id.into_inner()).await?, page)))
}

/// Add a member or change their role in the case.
#[utoipa::path(post, operation_id = "add_case_member", path = "/api/v1/cases/{id}/members", tag = "cases", params(("id" = Uuid, Path)), request_body = NewMember,
    responses((status = 200, body = Page<Member>, description = "Every member (the first page of the list)"),
        (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn add_member(
    services: web::Data<Services>,
    who: Allowed<act::CaseManage>,
    id: web::Path<Uuid>,
    body: JsonObject<NewMember>,
) -> Result<web::Json<Page<Member>>> {
    let members = services.cases.add_member(who, id.into_inner(), body.into_inner()).await?;
    Ok(web::Json(Page::slice(members, (PageQuery::MAX_LIMIT, 0))))
}

/// Remove a member from the case.
#[utoipa::path(delete, operation_id = "remove_case_member", path = "/api/v1/cases/{id}/members/{user_id}", tag = "cases",
    params(("id" = Uuid, Path), ("user_id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn remove_member(
    services: web::Data<Services>,
    who: Allowed<act::CaseManage>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse> {
    let (case_id, user_id) = path.into_inner();
    services.cases.remove_member(who, case_id, user_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
