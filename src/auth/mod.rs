//! Identity and access: password hashing, sessions, login throttling, TOTP second
//! factors, and the one policy table every endpoint is checked against.
//! Calls `store` and `audit`; knows nothing of HTTP.

pub mod failures;
pub mod kept;
pub mod password;
pub mod revocation;
pub mod service;
pub mod session;
pub mod throttle;
pub mod totp;
pub mod verified;

pub use crate::access::policy::{Action, CaseRole, Principal};
