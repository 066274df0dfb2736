//! Field intake's pages: the case lead's inbox of submissions (`inbox`).

mod inbox;

use crate::web::pages::registry::Pages;

pub fn routes(r: &mut Pages) {
    inbox::routes(r);
}
