//! Evidence bundles: request, build in the background, list, download, delete.

use crate::context::Context;

#[derive(Debug, Clone)]
pub struct Bundles {
    #[allow(dead_code)] // used as handlers move onto services (issue 17)
    ctx: Context,
}

impl Bundles {
    pub fn new(ctx: Context) -> Self {
        Bundles { ctx }
    }
}
