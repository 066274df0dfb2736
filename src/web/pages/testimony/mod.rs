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

use serde::Deserialize;

use crate::web::pages::registry::Pages;

pub use drafts::{keeps_form, replay};
pub use view::human_size;

pub fn routes(r: &mut Pages) {
    r.get("/cases/{id}/testimonies/new", drafts::new_page);
    r.post("/cases/{id}/testimonies/new", drafts::create);
    r.post("/cases/{id}/testimonies/autosave", drafts::autosave_new);
    r.get("/testimonies/{id}", view::show);
    r.post("/testimonies/{id}/edit", drafts::edit);
    r.post("/testimonies/{id}/autosave", drafts::autosave);
    r.get("/testimonies/{id}/seal", seal::seal_page);
    r.post("/testimonies/{id}/seal", seal::seal);
    r.post("/testimonies/{id}/attachments", upload::upload);
    r.post("/testimonies/{id}/link", link::link);
    r.post("/testimonies/{id}/withdraw", consent::withdraw);
    r.get("/testimonies/{id}/correct", correct::correct_page);
    r.post("/testimonies/{id}/correct", correct::correct);
    // The same handler as the API's: streamed, range-capable, audited.
    r.get("/attachments/{id}/content", crate::http::api::attachments::download);
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
