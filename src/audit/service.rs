//! The access log for auditors: entries, proofs, checkpoints, custody of a record.

use crate::context::Context;

#[derive(Debug, Clone)]
pub struct AuditLog {
    #[allow(dead_code)] // used as handlers move onto services (issue 17)
    ctx: Context,
}

impl AuditLog {
    pub fn new(ctx: Context) -> Self {
        AuditLog { ctx }
    }
}
