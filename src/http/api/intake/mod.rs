//! Field intake's endpoints: the protocols phones speak.

pub mod tella;

use crate::http::registry::Registry;

/// Field intake's operations, registered like the rest of `/api/v1`.
pub fn operations(r: &mut Registry) {
    tella::operations(r);
}
