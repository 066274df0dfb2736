//! Domain types that can only be built valid, so invalid values never travel past the
//! HTTP or CLI edge. Pure: no I/O.

pub mod percent;
mod role;
mod user;

pub use role::Role;
pub use user::{NewPassword, Username};
