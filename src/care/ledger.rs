//! The consent ledger: append-only entries of consent granted, refused or withdrawn, per
//! person, purpose and recipient category. The latest entry for a (person, purpose,
//! recipient) stands; the earlier ones are its history.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::store::DbConnection;
use crate::store::schema::consent_entries;

/// The purposes the export consults (codes of the `consent_purpose` vocabulary; admins
/// may add others, which are recorded and shown but gate nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Share the person's account (testimony) with the recipient.
    ShareAccount,
    /// Name the person to the recipient.
    BeNamed,
    /// Share Istanbul Protocol evaluations of the person.
    ShareMedical,
    /// Share the person's detention history.
    ShareDetention,
}

impl Purpose {
    pub fn code(self) -> &'static str {
        match self {
            Purpose::ShareAccount => "share_account",
            Purpose::BeNamed => "be_named",
            Purpose::ShareMedical => "share_medical",
            Purpose::ShareDetention => "share_detention",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Granted,
    Refused,
    Withdrawn,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Granted => "granted",
            Decision::Refused => "refused",
            Decision::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Decision> {
        match s {
            "granted" => Some(Decision::Granted),
            "refused" => Some(Decision::Refused),
            "withdrawn" => Some(Decision::Withdrawn),
            _ => None,
        }
    }
}

/// The decision that stands for a person, purpose and recipient category (`None`: the
/// ledger says nothing, and whatever consent was recorded with the account decides).
pub fn standing(
    c: &mut DbConnection,
    person_id: &str,
    purpose: Purpose,
    recipient: &str,
) -> Result<Option<Decision>> {
    let latest: Option<String> = consent_entries::table
        .filter(consent_entries::person_id.eq(person_id))
        .filter(consent_entries::purpose.eq(purpose.code()))
        .filter(consent_entries::recipient.eq(recipient))
        .order((consent_entries::created_at.desc(), consent_entries::id.desc()))
        .select(consent_entries::decision)
        .first(c)
        .optional()?;
    Ok(latest.as_deref().and_then(Decision::parse))
}

/// `standing` with the day it was decided (`YYYY-MM-DD`): a later withdrawal recorded
/// with the account itself outweighs an earlier grant in the ledger.
pub fn standing_since(
    c: &mut DbConnection,
    person_id: &str,
    purpose: Purpose,
    recipient: &str,
) -> Result<Option<(Decision, String)>> {
    let latest: Option<(String, String)> = consent_entries::table
        .filter(consent_entries::person_id.eq(person_id))
        .filter(consent_entries::purpose.eq(purpose.code()))
        .filter(consent_entries::recipient.eq(recipient))
        .order((consent_entries::created_at.desc(), consent_entries::id.desc()))
        .select((consent_entries::decision, consent_entries::decided_on))
        .first(c)
        .optional()?;
    Ok(latest.and_then(|(d, on)| Decision::parse(&d).map(|d| (d, on))))
}
