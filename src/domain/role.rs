use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A user's one global role. What each may do is `access::policy`'s business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Documenter,
    Investigator,
    Lawyer,
    Auditor,
    /// A physician or psychologist who writes Istanbul Protocol evaluations: the one role
    /// that reads medical data.
    Clinician,
    /// A phone's account for field intake (ODK Collect, Tella): it submits to one case
    /// and can do nothing else, not even read what it sent.
    Intake,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::Documenter,
        Role::Investigator,
        Role::Lawyer,
        Role::Auditor,
        Role::Clinician,
        Role::Intake,
    ];

    /// The roles of people, which an admin gives: device accounts are made by a case's
    /// lead on the intake pages, never chosen in the user form.
    pub const STAFF: [Role; 6] =
        [Role::Admin, Role::Documenter, Role::Investigator, Role::Lawyer, Role::Auditor, Role::Clinician];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Documenter => "documenter",
            Role::Investigator => "investigator",
            Role::Lawyer => "lawyer",
            Role::Auditor => "auditor",
            Role::Clinician => "clinician",
            Role::Intake => "intake",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error(
    "unknown role {0:?}; expected one of admin, documenter, investigator, lawyer, auditor, clinician, intake"
)]
pub struct UnknownRole(String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.chars().take(32).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_code() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("root".parse::<Role>().is_err());
    }
}
