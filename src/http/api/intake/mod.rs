//! `/api/v1` handlers of field intake, one module per resource.

pub mod devices;
