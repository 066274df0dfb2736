//! Who may do what: one table of `(action, roles allowed)`. An action missing from a
//! role's row is denied; an endpoint that names no action is not reachable with a
//! session at all (the HTTP layer's `Allowed<A>` extractor is the only way in).
//!
//! Case-scoped actions need more than a global role: the caller must also be a member
//! of the case (`authorize_in_case`). Nobody reads a case's content by global role alone.

use uuid::Uuid;

use crate::domain::Role;
use crate::error::{Error, Result};

/// Whether an action is about the whole installation or about one case's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    Case,
}

/// Implemented by one marker type per action (in `act`), so a handler names its action
/// in its signature: `Allowed<act::UserCreate>`.
pub trait ActionMarker {
    const ACTION: Action;
}

macro_rules! policy {
    ($( $(#[$doc:meta])* $name:ident = $code:literal, $scope:ident, [$($role:ident),*]; )*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action { $( $(#[$doc])* $name, )* }

        impl Action {
            pub const ALL: &'static [Action] = &[ $( Action::$name, )* ];

            /// Stable code, used in audit entries and problem documents.
            pub fn code(self) -> &'static str {
                match self { $( Action::$name => $code, )* }
            }

            pub fn scope(self) -> Scope {
                match self { $( Action::$name => Scope::$scope, )* }
            }

            /// The roles the table grants this action to.
            pub fn roles(self) -> &'static [Role] {
                match self { $( Action::$name => &[ $( Role::$role, )* ], )* }
            }
        }

        /// One zero-sized marker per action, for `Allowed<act::X>`.
        pub mod act {
            $(
                #[derive(Debug)]
                pub struct $name;
                impl super::ActionMarker for $name {
                    const ACTION: super::Action = super::Action::$name;
                }
            )*
        }
    };
}

policy! {
    /// Read one's own profile, log out, change one's own password, enrol a second factor.
    SelfManage = "self.manage", Global, [Admin, Documenter, Investigator, Lawyer, Auditor, Clinician];
    UserCreate = "user.create", Global, [Admin];
    UserList = "user.list", Global, [Admin];
    UserRead = "user.read", Global, [Admin];
    UserDisable = "user.disable", Global, [Admin];
    UserResetPassword = "user.reset_password", Global, [Admin];
    UserChangeRole = "user.change_role", Global, [Admin];
    RolePolicyRead = "role_policy.read", Global, [Admin];
    RolePolicyUpdate = "role_policy.update", Global, [Admin];
    SystemStatus = "system.status", Global, [Admin];
    /// Rotate, rewrap, seal and unseal keys.
    KeyManage = "key.manage", Global, [Admin];
    /// The whole access log. Admins manage the system but are themselves audited.
    AuditRead = "audit.read", Global, [Auditor];
    /// The signed tree head and consistency proofs: they reveal only how many entries the
    /// log holds, and every staff member who keeps one makes silent rewriting harder.
    AuditCheckpoint = "audit.checkpoint", Global, [Admin, Documenter, Investigator, Lawyer, Auditor, Clinician];
    /// The controlled vocabularies (act types, torture methods, …) and their labels.
    VocabularyRead = "vocabulary.read", Global, [Admin, Documenter, Investigator, Lawyer, Auditor, Clinician];
    VocabularyManage = "vocabulary.manage", Global, [Admin];
    /// Open a new case; a non-admin creator becomes its lead.
    CaseCreate = "case.create", Global, [Admin, Documenter, Investigator];
    /// List cases: one's own (with titles), or for admins every case by reference only.
    CaseList = "case.list", Global, [Admin, Documenter, Investigator, Lawyer, Clinician];
    /// Search across the caller's own cases (results never come from other cases).
    Search = "search", Global, [Documenter, Investigator, Lawyer];
    /// Add and remove case members. Grants no access to the content.
    CaseManage = "case.manage", Global, [Admin];
    /// Read a case's content: its testimonies, persons, incidents and attachments.
    CaseRead = "case.read", Case, [Documenter, Investigator, Lawyer, Clinician];
    /// Change a case's title, description and status (its lead).
    CaseUpdate = "case.update", Case, [];
    /// Record persons, units, places and incidents in a case.
    RecordWrite = "record.write", Case, [Documenter, Investigator];
    /// Start a testimony in a case, and change or discard one's own drafts.
    TestimonyDraft = "testimony.draft", Case, [Documenter];
    /// Seal a draft (its author, or the case lead): it never changes again.
    TestimonySeal = "testimony.seal", Case, [Documenter];
    /// Correct a sealed testimony with a new sealed version.
    TestimonyCorrect = "testimony.correct", Case, [Documenter];
    /// Record that a witness withdrew consent (the testimony's author, or the case lead).
    ConsentWithdraw = "testimony.withdraw_consent", Case, [Documenter];
    /// Attach files (photos, audio, medical reports) to a testimony.
    AttachmentUpload = "attachment.upload", Case, [Documenter];
    /// Link testimonies to incidents, perpetrators and places.
    CaseLink = "case.link", Case, [Investigator];
    /// Link a testimony to the incidents it describes: the documenter who took it knows
    /// best what it is about, and the investigator checks it.
    TestimonyLink = "testimony.link", Case, [Documenter, Investigator];
    BundleExport = "bundle.export", Case, [Lawyer];
    /// Import records into a case from a spreadsheet or another system's export, and
    /// export its records as a spreadsheet (the case lead).
    CaseImport = "case.import", Case, [];
    BundleKeyRead = "bundle.key_read", Global, [Admin, Documenter, Investigator, Lawyer, Auditor, Clinician];
    /// See who is in a case (usernames and case roles, no content): admins, who manage
    /// membership, for every case; everyone else only for cases they belong to.
    CaseMembersRead = "case.members_read", Global, [Admin, Documenter, Investigator, Lawyer, Clinician];
    /// Read Istanbul Protocol evaluations: medical data, for clinicians alone. A lawyer's
    /// bundle carries them only where the person's consent covers medical data.
    MedicalRead = "medical.read", Case, [Clinician];
    /// Draft, seal and correct evaluations, and attach their photographs and tests.
    MedicalWrite = "medical.write", Case, [Clinician];
    /// Keep the consent ledger and the care of witnesses: consent per purpose and
    /// recipient, contact and feedback preferences, feedback given, referrals.
    ConsentRecord = "consent.record", Case, [Documenter];
    /// Before an interview: has this person already given testimony in a case the caller
    /// may see? Yes with the case and its lead, never the account.
    PriorInterviews = "person.prior_interviews", Global, [Documenter, Investigator];
    /// Court-ready metadata: translations and transcripts linked to their originals,
    /// confidentiality levels of items.
    EvidenceCatalog = "evidence.catalog", Case, [Documenter, Investigator, Lawyer];
    /// Send a submission from a phone (ODK Collect, Tella): the one thing a device
    /// account does. Its case is the one the device was made for (`intake_devices`), checked
    /// by the intake service on every request; it never becomes a member of the case.
    IntakeSubmit = "intake.submit", Global, [Intake];
    /// Make and revoke a case's device accounts, and publish its forms (the case lead).
    IntakeManage = "intake.manage", Case, [];
    /// Review what the devices sent: accept a submission into the case as a draft, or
    /// reject it with a reason (the case lead).
    IntakeReview = "intake.review", Case, [];
}

/// A member's role within one case. A lead may also link records and export bundles
/// for that case whatever their global role allows elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseRole {
    Lead,
    Member,
}

const LEAD_EXTRAS: &[Action] = &[
    Action::CaseRead,
    Action::CaseUpdate,
    Action::RecordWrite,
    Action::TestimonyDraft,
    Action::TestimonySeal,
    Action::TestimonyCorrect,
    Action::ConsentWithdraw,
    Action::AttachmentUpload,
    Action::CaseLink,
    Action::BundleExport,
    Action::TestimonyLink,
    Action::CaseImport,
    Action::ConsentRecord,
    Action::EvidenceCatalog,
    Action::IntakeManage,
    Action::IntakeReview,
];

/// The caller, as the session and its user stand for this request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: Uuid,
    pub session_id: Uuid,
    pub username: String,
    pub role: Role,
    /// True once this session passed (or enrolled) a TOTP code.
    pub second_factor: bool,
}

/// The global table: may this role perform this action at all?
pub fn allowed(role: Role, action: Action) -> bool {
    action.roles().contains(&role)
}

/// The hook for case content: a case-scoped action needs membership of that case (the
/// caller looks it up and passes it in). Outsiders get `NotFound`, so a case's
/// existence is not revealed to them.
pub fn authorize_in_case(role: Role, action: Action, membership: Option<CaseRole>) -> Result<()> {
    let Some(case_role) = membership else {
        return Err(Error::NotFound);
    };
    // Auditors and admins read no content, whatever their membership says; nor do device
    // accounts, which are never members (a row added by mistake grants them nothing).
    if matches!(role, Role::Auditor | Role::Admin | Role::Intake) {
        return Err(Error::NotFound);
    }
    let lead_may = case_role == CaseRole::Lead && LEAD_EXTRAS.contains(&action);
    if allowed(role, action) || lead_may { Ok(()) } else { Err(Error::Forbidden) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// The expected matrix, written out by hand as a second statement of the policy:
    /// a change to the table must be made here too, on purpose.
    fn expected(role: Role) -> &'static [&'static str] {
        match role {
            Role::Admin => &[
                "self.manage",
                "user.create",
                "user.list",
                "user.read",
                "user.disable",
                "user.reset_password",
                "user.change_role",
                "role_policy.read",
                "role_policy.update",
                "system.status",
                "key.manage",
                "audit.checkpoint",
                "bundle.key_read",
                "vocabulary.read",
                "vocabulary.manage",
                "case.create",
                "case.list",
                "case.manage",
                "case.members_read",
            ],
            Role::Documenter => &[
                "self.manage",
                "search",
                "case.read",
                "testimony.draft",
                "testimony.seal",
                "testimony.correct",
                "testimony.withdraw_consent",
                "attachment.upload",
                "audit.checkpoint",
                "bundle.key_read",
                "vocabulary.read",
                "case.create",
                "case.list",
                "record.write",
                "case.members_read",
                "testimony.link",
                "consent.record",
                "person.prior_interviews",
                "evidence.catalog",
            ],
            Role::Investigator => &[
                "self.manage",
                "search",
                "case.read",
                "case.link",
                "audit.checkpoint",
                "bundle.key_read",
                "vocabulary.read",
                "case.create",
                "case.list",
                "record.write",
                "case.members_read",
                "testimony.link",
                "person.prior_interviews",
                "evidence.catalog",
            ],
            Role::Lawyer => &[
                "self.manage",
                "search",
                "case.read",
                "bundle.export",
                "audit.checkpoint",
                "bundle.key_read",
                "vocabulary.read",
                "case.list",
                "case.members_read",
                "evidence.catalog",
            ],
            Role::Auditor => {
                &["self.manage", "audit.read", "audit.checkpoint", "bundle.key_read", "vocabulary.read"]
            }
            Role::Clinician => &[
                "self.manage",
                "case.read",
                "medical.read",
                "medical.write",
                "audit.checkpoint",
                "bundle.key_read",
                "vocabulary.read",
                "case.list",
                "case.members_read",
            ],
            Role::Intake => &["intake.submit"],
        }
    }

    #[test]
    fn every_role_against_every_action_matches_the_expected_matrix() {
        for role in Role::ALL {
            let want: HashSet<&str> = expected(role).iter().copied().collect();
            for &action in Action::ALL {
                assert_eq!(allowed(role, action), want.contains(action.code()), "{role} × {}", action.code());
            }
            let known: HashSet<&str> = Action::ALL.iter().map(|a| a.code()).collect();
            assert!(want.is_subset(&known), "expected matrix names an unknown action for {role}");
        }
    }

    #[test]
    fn action_codes_are_unique() {
        let codes: HashSet<&str> = Action::ALL.iter().map(|a| a.code()).collect();
        assert_eq!(codes.len(), Action::ALL.len());
    }

    #[test]
    fn admins_manage_users_but_never_read_case_content() {
        assert!(allowed(Role::Admin, Action::UserCreate));
        for &action in Action::ALL.iter().filter(|a| a.scope() == Scope::Case) {
            assert!(!allowed(Role::Admin, action), "{}", action.code());
            for membership in [None, Some(CaseRole::Member), Some(CaseRole::Lead)] {
                assert!(authorize_in_case(Role::Admin, action, membership).is_err());
            }
        }
    }

    #[test]
    fn case_content_needs_membership_and_outsiders_see_not_found() {
        let outsider = authorize_in_case(Role::Investigator, Action::CaseRead, None);
        assert!(matches!(outsider, Err(Error::NotFound)));
        assert!(authorize_in_case(Role::Investigator, Action::CaseRead, Some(CaseRole::Member)).is_ok());
        assert!(matches!(
            authorize_in_case(Role::Documenter, Action::BundleExport, Some(CaseRole::Member)),
            Err(Error::Forbidden)
        ));
        assert!(authorize_in_case(Role::Documenter, Action::BundleExport, Some(CaseRole::Lead)).is_ok());
        assert!(authorize_in_case(Role::Auditor, Action::CaseRead, Some(CaseRole::Lead)).is_err());
    }
}
