//! Survivor-centred care of witnesses (the Murad Code): the consent ledger per purpose
//! and recipient, contact and feedback preferences, feedback given, referrals and their
//! follow-up, and the prior-interview check that spares a survivor a second interview.

pub mod ledger;
