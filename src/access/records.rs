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
        if matches!(role, Role::Admin | Role::Auditor) {
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
}
