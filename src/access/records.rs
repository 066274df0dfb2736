//! Rules about single records, beside the role table: pure functions of who the caller
//! is and what the record says, so the exhaustive matrix test can walk them.

use super::policy::{Action, CaseRole};
use crate::error::{Error, Result};

/// What a testimony's own rules ask of the caller, on top of the role table and
/// membership of its case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestimonyRule {
    /// Only whoever wrote it: a draft is its author's work in progress.
    Author,
    /// Its author, or the lead of its case.
    AuthorOrLead,
    /// Whoever the table and membership let in.
    Anyone,
}

/// The record rule for `action` on an existing testimony.
pub fn testimony_rule(action: Action) -> TestimonyRule {
    match action {
        // Changing or discarding a draft.
        Action::TestimonyDraft => TestimonyRule::Author,
        Action::TestimonySeal | Action::ConsentWithdraw => TestimonyRule::AuthorOrLead,
        _ => TestimonyRule::Anyone,
    }
}

/// May a member of the case (in `case_role`), who is or is not the testimony's
/// author, take `action` on it? Asked after the role table and membership said yes.
pub fn may_act_on_testimony(action: Action, case_role: CaseRole, is_author: bool) -> Result<()> {
    let ok = match testimony_rule(action) {
        TestimonyRule::Author => is_author,
        TestimonyRule::AuthorOrLead => is_author || case_role == CaseRole::Lead,
        TestimonyRule::Anyone => true,
    };
    if ok { Ok(()) } else { Err(Error::Forbidden) }
}

/// Does a reader see who gave a testimony (the witness's names, the account without
/// redactions)? The case lead and the author do; anyone else as the witness's own
/// record allows (`may_know_witness`).
pub fn identity_shown(case_role: CaseRole, is_author: bool, may_know_witness: bool) -> bool {
    case_role == CaseRole::Lead || is_author || may_know_witness
}

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
    use crate::access::policy::authorize_in_case;
    use crate::domain::Role;

    /// What may be done to a testimony, written out by hand as a second statement of
    /// the table, the lead's extras and the record rules together: Ok, Forbidden, or
    /// NotFound (outsiders, and roles that never read case content).
    fn expected(role: Role, membership: Option<CaseRole>, author: bool, action: Action) -> &'static str {
        let Some(case_role) = membership else { return "not_found" };
        if matches!(role, Role::Admin | Role::Auditor | Role::Intake) {
            return "not_found";
        }
        let lead = case_role == CaseRole::Lead;
        let by_role = match action {
            Action::CaseRead => true,
            Action::TestimonyDraft
            | Action::TestimonySeal
            | Action::TestimonyCorrect
            | Action::ConsentWithdraw
            | Action::AttachmentUpload => role == Role::Documenter || lead,
            Action::TestimonyLink => matches!(role, Role::Documenter | Role::Investigator) || lead,
            _ => unreachable!(),
        };
        let by_record = match action {
            Action::TestimonyDraft => author,
            Action::TestimonySeal | Action::ConsentWithdraw => author || lead,
            _ => true,
        };
        if by_role && by_record { "ok" } else { "forbidden" }
    }

    fn outcome(r: Result<()>) -> &'static str {
        match r {
            Ok(()) => "ok",
            Err(Error::Forbidden) => "forbidden",
            Err(Error::NotFound) => "not_found",
            Err(_) => "other",
        }
    }

    #[test]
    fn every_role_case_role_and_authorship_against_every_testimony_action() {
        let actions = [
            Action::CaseRead,
            Action::TestimonyDraft,
            Action::TestimonySeal,
            Action::TestimonyCorrect,
            Action::ConsentWithdraw,
            Action::AttachmentUpload,
            Action::TestimonyLink,
        ];
        let mut walked = 0;
        for role in Role::ALL {
            for membership in [None, Some(CaseRole::Member), Some(CaseRole::Lead)] {
                for author in [false, true] {
                    for action in actions {
                        let got = authorize_in_case(role, action, membership).and_then(|()| {
                            may_act_on_testimony(action, membership.unwrap_or(CaseRole::Member), author)
                        });
                        assert_eq!(
                            outcome(got),
                            expected(role, membership, author, action),
                            "{role} × {membership:?} × author {author} × {}",
                            action.code()
                        );
                        walked += 1;
                    }
                }
            }
        }
        assert_eq!(walked, Role::ALL.len() * 3 * 2 * actions.len());
    }

    #[test]
    fn only_the_lead_the_author_or_whom_the_witness_record_allows_see_the_identity() {
        for case_role in [CaseRole::Member, CaseRole::Lead] {
            for author in [false, true] {
                for may_know in [false, true] {
                    let want = case_role == CaseRole::Lead || author || may_know;
                    assert_eq!(identity_shown(case_role, author, may_know), want);
                }
            }
        }
    }

    /// Every global role × case role × authorship × kind of person, against the rule
    /// written out by hand. A reader who is not let into the case's content at all
    /// (auditors, admins, lawyers' writes…) never reaches the rule: `authorize_in_case`
    /// refuses first, and the matrix says so.
    #[test]
    fn who_may_know_a_witness_matrix() {
        for role in Role::ALL {
            for case_role in [CaseRole::Member, CaseRole::Lead] {
                let reads = authorize_in_case(role, Action::CaseRead, Some(case_role)).is_ok();
                assert_eq!(
                    reads,
                    !matches!(role, Role::Admin | Role::Auditor | Role::Intake),
                    "{role} reads the case"
                );
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
