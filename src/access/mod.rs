//! Who may do what, in one place: the role × action table (`policy`), the proof a
//! caller passed it (`Allowed<A>`), case membership (`membership`), and the rules about
//! single records — who wrote a draft, who leads a case, who may know a witness —
//! (`records`), all pure functions apart from membership's one query.
//!
//! Handlers obtain an `Allowed<A>` (the HTTP edge's extractor calls `Allowed::check`)
//! and hand it to the service, whose signature names the same `A`: the action a
//! handler was authorised for and the action the service checks cannot differ.

mod allowed;
pub mod membership;
pub mod policy;
pub mod records;

pub use allowed::Allowed;
pub use policy::{Action, ActionMarker, CaseRole, Principal, Scope, act};
