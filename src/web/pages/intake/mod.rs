//! The case lead's field intake pages: the inbox of submissions (`inbox`), the devices
//! (`devices`) and the forms (`forms`).

mod devices;
mod forms;
mod inbox;

use super::registry::Pages;

pub fn routes(r: &mut Pages) {
    devices::routes(r);
    forms::routes(r);
    inbox::routes(r);
}
