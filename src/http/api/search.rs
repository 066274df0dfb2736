//! Search across the caller's cases.

use actix_web::web;

use super::{Page, PageQuery};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::error::Result;
use crate::http::json::JsonObject;
use crate::http::problem::Problem;
use crate::search::{Hit, SearchRequest};
use crate::services::Services;

/// Find testimonies by words in any inflection (all must match; "quoted phrases" are
/// checked on the decrypted text; a name matches its spelling in the other script), or
/// persons by any parts of a name in any order and script. Results come only from the
/// caller's cases, most matches first, then newest, with snippets built after decryption.
/// The query travels in the body, never in a URL, and is audited sealed.
#[utoipa::path(post, operation_id = "search", path = "/api/v1/search", tag = "search", request_body = SearchRequest,
    responses((status = 200, body = Page<Hit>), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn search(
    services: web::Data<Services>,
    who: Allowed<act::Search>,
    body: JsonObject<SearchRequest>,
) -> Result<web::Json<Page<Hit>>> {
    let (limit, offset) = PageQuery { limit: body.limit, offset: body.offset }.resolve_in_body()?;
    let (items, total) = services.search.search(who, body.into_inner(), (limit, offset)).await?;
    Ok(web::Json(Page { items, total, limit, offset }))
}
