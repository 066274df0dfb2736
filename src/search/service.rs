//! Search across the caller's cases (audited, terms sealed).

use crate::context::Context;

#[derive(Debug, Clone)]
pub struct Search {
    #[allow(dead_code)] // used as handlers move onto services (issue 17)
    ctx: Context,
}

impl Search {
    pub fn new(ctx: Context) -> Self {
        Search { ctx }
    }
}
