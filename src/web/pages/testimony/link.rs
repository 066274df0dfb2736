//! Linking a testimony to an incident it describes, from its page.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use uuid::Uuid;

use crate::access::{Allowed, act};
use crate::error::Result;
use crate::services::Services;
use crate::web::Form;
use crate::web::pages::auth::see_other;

/// Lenient on purpose: who may link is decided before what was sent is judged, so a
/// malformed form from someone not allowed is still refused as not allowed.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct LinkForm {
    incident_id: String,
}

pub(super) async fn link(
    state: web::Data<Services>,
    who: Allowed<act::TestimonyLink>,
    id: web::Path<Uuid>,
    form: Form<LinkForm>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let incident = form.0.incident_id.parse().unwrap_or(Uuid::nil());
    state.testimonies.link_incident(who, id, incident).await?;
    Ok(see_other(&format!("/testimonies/{id}?linked=1")))
}
