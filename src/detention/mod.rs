//! Detention histories, for arbitrary-detention and political-prisoner monitoring: per
//! person, episodes of deprivation of liberty from arrest to release, each with its
//! custody periods at facilities, charges, hearings and sentence, and the incidents
//! that happened during it.

pub mod model;
