//! Evidence bundles: a BagIt bag of what a lawyer hands a prosecutor, a UN body or an
//! international mechanism, checkable without trusting Custodia — payload manifests,
//! a tag manifest signed with the organisation's minisign key, the chain of custody of
//! every record with Merkle proofs against a signed audit checkpoint — and sharing
//! only what each witness consented to.
//!
//! - `selection`: a selection resolved to the records it covers;
//! - `consent`: which accounts go to a recipient and who may be named (and the preview);
//! - `scrub`: withheld names replaced in free text (pure);
//! - `collect`: every payload file rendered, each exported version audited (reads the DB);
//! - `annex`: the analysis annex, from what the bundle holds (optional);
//! - `index`, `documents`: the evidence index (`data/index.csv`) with reference numbers;
//! - `bag`: BagIt written straight into a tar stream (pure);
//! - `signer`: the export key (minisign);
//! - `job`: a bundle's life in the database (requested, listed, downloaded, deleted);
//! - `build`: the build in the background, stored encrypted until downloaded;
//! - `verify`: the offline verifier behind `custodia bundle verify`;
//! - `Bundles`: the service the edges call.
//!
//! See docs/evidence-bundles.md for the format and how a recipient checks it.

pub mod annex;
pub mod bag;
pub mod build;
pub mod collect;
pub mod consent;
mod court_records;
pub mod documents;
pub mod index;
pub mod job;
pub mod queue;
pub mod readable;
mod scrub;
pub mod selection;
mod service;
pub mod signer;
pub mod verify;

pub use service::{BundleDownload, BundleFetch, BundleSettings, Bundles, ExportPage};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::cases::testimonies::ShareWith;

/// Who a bundle is for: the categories a witness consents to share with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    UnBodies,
    InternationalMechanisms,
    Prosecutors,
    Ngos,
    Media,
    Public,
}

impl Recipient {
    pub fn covered_by(self, consent: &ShareWith) -> bool {
        match self {
            Recipient::UnBodies => consent.un_bodies,
            Recipient::InternationalMechanisms => consent.international_mechanisms,
            Recipient::Prosecutors => consent.prosecutors,
            Recipient::Ngos => consent.ngos,
            Recipient::Media => consent.media,
            Recipient::Public => consent.public,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Recipient::UnBodies => "un_bodies",
            Recipient::InternationalMechanisms => "international_mechanisms",
            Recipient::Prosecutors => "prosecutors",
            Recipient::Ngos => "ngos",
            Recipient::Media => "media",
            Recipient::Public => "public",
        }
    }

    pub fn parse(s: &str) -> Option<Recipient> {
        [
            Recipient::UnBodies,
            Recipient::InternationalMechanisms,
            Recipient::Prosecutors,
            Recipient::Ngos,
            Recipient::Media,
            Recipient::Public,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Recipient::UnBodies => "UN bodies",
            Recipient::InternationalMechanisms => "international investigative mechanisms",
            Recipient::Prosecutors => "prosecutors",
            Recipient::Ngos => "partner NGOs",
            Recipient::Media => "the media",
            Recipient::Public => "the public",
        }
    }
}

/// What to export. All empty means the whole case.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    /// Testimony ids (any version; the whole account goes).
    #[serde(default)]
    pub testimonies: Vec<Uuid>,
    #[serde(default)]
    pub incidents: Vec<Uuid>,
    /// Person ids of perpetrators: their incidents and the accounts describing them.
    #[serde(default)]
    pub perpetrators: Vec<Uuid>,
}

impl Selection {
    pub fn is_whole_case(&self) -> bool {
        self.testimonies.is_empty() && self.incidents.is_empty() && self.perpetrators.is_empty()
    }

    pub fn record_count(&self) -> usize {
        self.testimonies.len() + self.incidents.len() + self.perpetrators.len()
    }
}
