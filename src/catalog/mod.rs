//! Court-ready metadata of the items a bundle exports (docs/evidence-bundles.md,
//! "Court-ready metadata"): a stable evidence reference number per page, the links of a
//! translation or transcript to its original, and each item's confidentiality level.
//!
//! - `pages`: how many pages an item counts for (the documented rule);
//! - `references`: the page numbers of an item, given once per case and kept;
//! - `relations`: translations and transcripts pointing at their originals;
//! - `Catalog`: the service the edges call (`evidence.catalog`).

pub mod pages;
pub mod references;
pub mod relations;
mod service;

pub use service::{
    Catalog, CatalogItem, ConfidentialitySet, SetConfidentiality, SetOriginal, TestimonyOriginals,
};

use serde::{Deserialize, Serialize};

/// What kind of record an exported item is. Evaluations and detention histories are
/// exported by their own collectors; the catalog treats every kind alike.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceItemKind {
    Testimony,
    Attachment,
    Evaluation,
    Detention,
}

impl EvidenceItemKind {
    pub const ALL: [EvidenceItemKind; 4] = [
        EvidenceItemKind::Testimony,
        EvidenceItemKind::Attachment,
        EvidenceItemKind::Evaluation,
        EvidenceItemKind::Detention,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceItemKind::Testimony => "testimony",
            EvidenceItemKind::Attachment => "attachment",
            EvidenceItemKind::Evaluation => "evaluation",
            EvidenceItemKind::Detention => "detention",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The level an item of this kind has unless a lawyer set another: medical data is
    /// strictly confidential, everything else confidential (a testimony may be public by
    /// its witness's consent: `testimony_default`).
    pub fn default_confidentiality(self) -> Confidentiality {
        match self {
            EvidenceItemKind::Evaluation => Confidentiality::StrictlyConfidential,
            _ => Confidentiality::Confidential,
        }
    }
}

/// An item's confidentiality level, after the ICC's practice of classifying filings and
/// evidence as public, confidential or under seal (docs/evidence-bundles.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Confidentiality {
    Public,
    Confidential,
    StrictlyConfidential,
}

impl Confidentiality {
    pub const ALL: [Confidentiality; 3] =
        [Confidentiality::Public, Confidentiality::Confidential, Confidentiality::StrictlyConfidential];

    pub fn as_str(self) -> &'static str {
        match self {
            Confidentiality::Public => "public",
            Confidentiality::Confidential => "confidential",
            Confidentiality::StrictlyConfidential => "strictly_confidential",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A testimony's level unless a lawyer set another: public only when its witness's
/// consent covers the public and lets them be named; otherwise confidential.
pub fn testimony_default(shared_with_public: bool, may_be_named: bool) -> Confidentiality {
    if shared_with_public && may_be_named { Confidentiality::Public } else { Confidentiality::Confidential }
}

/// How an item derives from its original.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemRelation {
    /// The same content in another language.
    Translation,
    /// The written form of a recording.
    Transcript,
}

impl ItemRelation {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemRelation::Translation => "translation",
            ItemRelation::Transcript => "transcript",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [ItemRelation::Translation, ItemRelation::Transcript].into_iter().find(|k| k.as_str() == s)
    }
}
