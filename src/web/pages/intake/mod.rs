//! The case lead's field intake pages.

mod devices;

use super::registry::Pages;

pub fn routes(r: &mut Pages) {
    devices::routes(r);
}
