//! The case lead's field intake pages.

mod devices;
mod forms;

use super::registry::Pages;

pub fn routes(r: &mut Pages) {
    devices::routes(r);
    forms::routes(r);
}
