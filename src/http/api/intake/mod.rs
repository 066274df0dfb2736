//! `/api/v1` handlers of field intake.

pub mod inbox;
