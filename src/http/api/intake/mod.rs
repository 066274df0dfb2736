//! Field intake's endpoints: the protocols phones speak, and the case lead's inbox.

pub mod inbox;
pub mod tella;

use crate::http::registry::Registry;

/// Field intake's operations, registered like the rest of `/api/v1`.
pub fn operations(r: &mut Registry) {
    tella::operations(r);
}
