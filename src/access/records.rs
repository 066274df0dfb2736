//! Rules about single records, beside the role table: pure functions of who the caller
//! is and what the record says, so the exhaustive matrix test can walk them.

use super::policy::CaseRole;

/// What a reader may know of one person of a case they belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disclosure {
    /// Names, aliases and date of birth; without them the pseudonym stands in.
    pub identity: bool,
    /// Contact details, whatever the kind of person.
    pub contact: bool,
}

impl Disclosure {
    /// Identity and contact may be changed only by whoever may see both.
    pub fn may_change_identity(self) -> bool {
        self.identity && self.contact
    }
}

/// Who may know a witness: a victim's or witness's identity (`protected`) is known only
/// to the case lead and to whoever recorded the person; anyone else's identity to every
/// member. Contact details only to those two, whatever the kind.
pub fn person_disclosure(protected: bool, case_role: CaseRole, recorded_it: bool) -> Disclosure {
    let close = case_role == CaseRole::Lead || recorded_it;
    Disclosure { identity: !protected || close, contact: close }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::policy::{Action, authorize_in_case};
    use crate::domain::Role;

    /// Every global role × case role × authorship × kind of person, against the rule
    /// written out by hand. A reader who is not let into the case's content at all
    /// (auditors, admins, lawyers' writes…) never reaches the rule: `authorize_in_case`
    /// refuses first, and the matrix says so.
    #[test]
    fn who_may_know_a_witness_matrix() {
        for role in Role::ALL {
            for case_role in [CaseRole::Member, CaseRole::Lead] {
                let reads = authorize_in_case(role, Action::CaseRead, Some(case_role)).is_ok();
                assert_eq!(reads, !matches!(role, Role::Admin | Role::Auditor), "{role} reads the case");
                for recorded_it in [false, true] {
                    for protected in [false, true] {
                        let d = person_disclosure(protected, case_role, recorded_it);
                        let expected = match (protected, case_role, recorded_it) {
                            // Perpetrators and others: everyone in the case knows who
                            // they are; contact only the lead and the recorder.
                            (false, CaseRole::Member, false) => (true, false),
                            (false, _, _) => (true, true),
                            // Victims and witnesses: the lead and the recorder only.
                            (true, CaseRole::Member, false) => (false, false),
                            (true, _, _) => (true, true),
                        };
                        assert_eq!(
                            (d.identity, d.contact),
                            expected,
                            "{role} as {case_role:?}, recorded {recorded_it}, protected {protected}"
                        );
                        assert_eq!(d.may_change_identity(), expected == (true, true));
                    }
                }
            }
        }
    }
}
