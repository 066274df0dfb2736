//! Survivor-centred care of witnesses (the Murad Code): the consent ledger per purpose
//! and recipient, contact and feedback preferences, feedback given, referrals and their
//! follow-up, and the prior-interview check that spares a survivor a second interview.
//! Below the edges: the use cases, one per file, and the `Care` service over them.

mod entries;
pub mod ledger;
pub mod model;
mod person;
mod preferences;
pub mod prior;
mod referrals;
mod reminders;
mod service;

pub use service::{Care, CarePage, LedgerPage};
