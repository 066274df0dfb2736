//! Persons, units, places and incidents of a case: record, change, list, read (audited).

use crate::context::Context;

#[derive(Debug, Clone)]
pub struct Records {
    #[allow(dead_code)] // used as handlers move onto services (issue 17)
    ctx: Context,
}

impl Records {
    pub fn new(ctx: Context) -> Self {
        Records { ctx }
    }
}
