//! Cases, their members and the controlled vocabularies.

use crate::context::Context;

#[derive(Debug, Clone)]
pub struct Cases {
    #[allow(dead_code)] // used as handlers move onto services (issue 17)
    ctx: Context,
}

impl Cases {
    pub fn new(ctx: Context) -> Self {
        Cases { ctx }
    }
}
