//! The documenter's screens: a guided form that follows the interview, the testimony
//! page (read, edit the draft with autosave, attach files, seal, correct, withdraw
//! consent, link to incidents). One file per screen; each handler makes one call to the
//! testimonies service.

mod consent;
mod correct;
mod drafts;
mod form;
mod link;
mod seal;
mod upload;
mod view;

use actix_web::web;
use serde::Deserialize;

pub use drafts::{keeps_form, replay};
pub use view::human_size;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/cases/{id}/testimonies/new").get(drafts::new_page).post(drafts::create))
        .service(web::resource("/cases/{id}/testimonies/autosave").post(drafts::autosave_new))
        .service(web::resource("/testimonies/{id}").get(view::show))
        .service(web::resource("/testimonies/{id}/edit").post(drafts::edit))
        .service(web::resource("/testimonies/{id}/autosave").post(drafts::autosave))
        .service(web::resource("/testimonies/{id}/seal").get(seal::seal_page).post(seal::seal))
        .service(web::resource("/testimonies/{id}/attachments").post(upload::upload))
        .service(web::resource("/testimonies/{id}/link").post(link::link))
        .service(web::resource("/testimonies/{id}/withdraw").post(consent::withdraw))
        .service(web::resource("/testimonies/{id}/correct").get(correct::correct_page).post(correct::correct))
        // The same handler as the API's: streamed, range-capable, audited.
        .service(web::resource("/attachments/{id}/content").get(crate::http::api::attachments::download));
}

/// The recipient categories a witness may agree to, in the order the form asks.
const SHARE: [&str; 6] = ["un_bodies", "international_mechanisms", "prosecutors", "ngos", "media", "public"];
const HOW_GIVEN: [&str; 4] = ["written", "oral_recorded", "oral_witnessed", "other"];
const RELIABILITY: [&str; 4] = ["unknown", "high", "medium", "low"];
/// The page's script saves a draft this long after the last keystroke, and at least
/// this often while it changes; the hint under the form states both.
const AUTOSAVE_DELAY_SECS: u32 = 3;
const AUTOSAVE_EVERY_SECS: u32 = 15;

#[derive(Deserialize)]
pub(super) struct Empty {}
