//! The serialized forms inside a testimony's sealed fields (`content`, `consent`): their
//! own types, apart from the API's, so renaming or documenting an API field cannot
//! change what is stored — nor the digest, which hashes `StoredContent`. A change here
//! is a change of stored format: the golden test below must keep opening the records
//! the previous release wrote.

use serde::{Deserialize, Serialize};

use super::types::{Consent, Content, HowGiven, ShareWith, Span};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StoredShareWith {
    #[serde(default)]
    pub un_bodies: bool,
    #[serde(default)]
    pub international_mechanisms: bool,
    #[serde(default)]
    pub prosecutors: bool,
    #[serde(default)]
    pub ngos: bool,
    #[serde(default)]
    pub media: bool,
    #[serde(default)]
    pub public: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum StoredHowGiven {
    Written,
    OralRecorded,
    OralWitnessed,
    Other,
    NotRecorded,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StoredConsent {
    pub share_with: StoredShareWith,
    pub may_be_named: bool,
    pub given_on: String,
    pub how_given: StoredHowGiven,
    pub text_version: String,
    pub withdrawn_on: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StoredSpan {
    pub start: usize,
    pub end: usize,
}

/// The sealed `content` field. Field order is part of the format: the digest hashes
/// this struct's JSON as serde writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredContent {
    pub account: String,
    pub summary: String,
    pub interviewer: Option<String>,
    pub interpreter: Option<String>,
    pub persons_present: Vec<String>,
    pub interview_place: Option<String>,
    pub identifying_spans: Vec<StoredSpan>,
    pub correction_reason: Option<String>,
}

impl From<ShareWith> for StoredShareWith {
    fn from(s: ShareWith) -> Self {
        let ShareWith { un_bodies, international_mechanisms, prosecutors, ngos, media, public } = s;
        StoredShareWith { un_bodies, international_mechanisms, prosecutors, ngos, media, public }
    }
}

impl From<StoredShareWith> for ShareWith {
    fn from(s: StoredShareWith) -> Self {
        let StoredShareWith { un_bodies, international_mechanisms, prosecutors, ngos, media, public } = s;
        ShareWith { un_bodies, international_mechanisms, prosecutors, ngos, media, public }
    }
}

impl From<HowGiven> for StoredHowGiven {
    fn from(h: HowGiven) -> Self {
        match h {
            HowGiven::Written => StoredHowGiven::Written,
            HowGiven::OralRecorded => StoredHowGiven::OralRecorded,
            HowGiven::OralWitnessed => StoredHowGiven::OralWitnessed,
            HowGiven::Other => StoredHowGiven::Other,
            HowGiven::NotRecorded => StoredHowGiven::NotRecorded,
        }
    }
}

impl From<StoredHowGiven> for HowGiven {
    fn from(h: StoredHowGiven) -> Self {
        match h {
            StoredHowGiven::Written => HowGiven::Written,
            StoredHowGiven::OralRecorded => HowGiven::OralRecorded,
            StoredHowGiven::OralWitnessed => HowGiven::OralWitnessed,
            StoredHowGiven::Other => HowGiven::Other,
            StoredHowGiven::NotRecorded => HowGiven::NotRecorded,
        }
    }
}

impl From<&Consent> for StoredConsent {
    fn from(c: &Consent) -> Self {
        StoredConsent {
            share_with: c.share_with.into(),
            may_be_named: c.may_be_named,
            given_on: c.given_on.clone(),
            how_given: c.how_given.into(),
            text_version: c.text_version.clone(),
            withdrawn_on: c.withdrawn_on.clone(),
        }
    }
}

impl From<StoredConsent> for Consent {
    fn from(c: StoredConsent) -> Self {
        Consent {
            share_with: c.share_with.into(),
            may_be_named: c.may_be_named,
            given_on: c.given_on,
            how_given: c.how_given.into(),
            text_version: c.text_version,
            withdrawn_on: c.withdrawn_on,
        }
    }
}

impl From<Span> for StoredSpan {
    fn from(s: Span) -> Self {
        StoredSpan { start: s.start, end: s.end }
    }
}

impl From<StoredSpan> for Span {
    fn from(s: StoredSpan) -> Self {
        Span { start: s.start, end: s.end }
    }
}

impl From<&Content> for StoredContent {
    fn from(c: &Content) -> Self {
        StoredContent {
            account: c.account.clone(),
            summary: c.summary.clone(),
            interviewer: c.interviewer.clone(),
            interpreter: c.interpreter.clone(),
            persons_present: c.persons_present.clone(),
            interview_place: c.interview_place.clone(),
            identifying_spans: c.identifying_spans.iter().map(|&s| s.into()).collect(),
            correction_reason: c.correction_reason.clone(),
        }
    }
}

impl From<StoredContent> for Content {
    fn from(c: StoredContent) -> Self {
        Content {
            account: c.account,
            summary: c.summary,
            interviewer: c.interviewer,
            interpreter: c.interpreter,
            persons_present: c.persons_present,
            interview_place: c.interview_place,
            identifying_spans: c.identifying_spans.into_iter().map(Span::from).collect(),
            correction_reason: c.correction_reason,
        }
    }
}

/// Opening and sealing the two fields through their stored forms.
pub(crate) mod fields {
    use super::{StoredConsent, StoredContent};
    use crate::cases::sealed::Sealer;
    use crate::cases::testimonies::types::{Consent, Content};
    use crate::error::Result;

    pub const CONTENT: &str = "content";
    pub const CONSENT: &str = "consent";

    pub fn seal_content(sealer: &Sealer, content: &Content) -> Result<Vec<u8>> {
        sealer.seal(CONTENT, &StoredContent::from(content))
    }

    pub fn seal_consent(sealer: &Sealer, consent: &Consent) -> Result<Vec<u8>> {
        sealer.seal(CONSENT, &StoredConsent::from(consent))
    }

    pub fn open_content(sealer: &Sealer, blob: &[u8]) -> Result<Content> {
        Ok(sealer.unseal::<StoredContent>(CONTENT, blob)?.into())
    }

    pub fn open_consent(sealer: &Sealer, blob: &[u8]) -> Result<Consent> {
        Ok(sealer.unseal::<StoredConsent>(CONSENT, blob)?.into())
    }
}

/// Sealed fields as the release before the service layer wrote them (fixture made by
/// that release's code): the stored types must still open them to the same values, and
/// the digest must come out the same.
#[cfg(test)]
mod golden {
    use serde::Deserialize;

    use super::{StoredConsent, StoredContent};
    use crate::cases::testimonies::TABLE;
    use crate::cases::testimonies::digest::digest;
    use crate::cases::testimonies::types::{Consent, Content, HowGiven, Row, ShareWith, Span};
    use crate::crypto::{FieldContext, KeyEntry, KeyKind, Keyring, SecretKey, open_field};

    const FIXTURE: &str = include_str!("../../../tests/fixtures/testimony_sealed_v1.json");
    const ID: &str = "0b7c5a52-3c1e-4b7e-9a55-2f8d6c1e9a01";

    fn root() -> SecretKey {
        SecretKey::from_bytes([0x5a; 32])
    }

    fn content() -> Content {
        Content {
            account: "Меня зовут Иван Петров, меня били в Окрестина.".into(),
            summary: "Beaten at Okrestina".into(),
            interviewer: Some("D. One".into()),
            interpreter: None,
            persons_present: vec!["A. Lawyer".into(), "B. Nurse".into()],
            interview_place: Some("Vilnius".into()),
            identifying_spans: vec![Span { start: 11, end: 22 }],
            correction_reason: Some("dates corrected".into()),
        }
    }

    fn consent() -> Consent {
        Consent {
            share_with: ShareWith { un_bodies: true, prosecutors: true, ..Default::default() },
            may_be_named: false,
            given_on: "2024-03-01".into(),
            how_given: HowGiven::OralRecorded,
            text_version: "v2".into(),
            withdrawn_on: Some("2024-05-02".into()),
        }
    }

    fn row() -> Row {
        Row {
            id: ID.into(),
            case_id: "6f1f8f57-9a57-4a63-8f6e-0e4b1f7e2d10".into(),
            root_id: ID.into(),
            version: 2,
            status: "sealed".into(),
            witness_id: "1d2e3f40-5a6b-4c7d-8e9f-0a1b2c3d4e5f".into(),
            author_id: "9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a".into(),
            interview_date: Some("2024-03-01".into()),
            languages: r#"["ru","be"]"#.into(),
            source_connection: "direct_witness".into(),
            reliability: "high".into(),
            content: vec![],
            consent: vec![],
            digest: None,
            sealed_at: None,
            created_at: chrono::NaiveDateTime::default(),
        }
    }

    #[derive(Deserialize)]
    struct Fixture {
        keyring: Vec<(String, u32, String)>,
        wrapped_dek: String,
        content: String,
        consent: String,
        digest: String,
    }

    #[test]
    fn sealed_fields_of_the_previous_release_still_open() {
        let f: Fixture = serde_json::from_str(FIXTURE).unwrap();
        let entries: Vec<KeyEntry> = f
            .keyring
            .iter()
            .map(|(kind, version, wrapped)| KeyEntry {
                kind: kind.parse::<KeyKind>().unwrap(),
                version: *version,
                wrapped: hex::decode(wrapped).unwrap(),
            })
            .collect();
        let keyring = Keyring::from_entries(&root(), &entries, 1).unwrap();
        let dek = keyring.unwrap_dek(TABLE, ID, &hex::decode(&f.wrapped_dek).unwrap()).unwrap();
        let open = |field: &str, blob: &str| {
            open_field(&dek, &FieldContext::new(TABLE, ID, field), &hex::decode(blob).unwrap()).unwrap()
        };
        let stored: StoredContent = serde_json::from_slice(&open("content", &f.content)).unwrap();
        let content = Content::from(stored);
        let consent =
            Consent::from(serde_json::from_slice::<StoredConsent>(&open("consent", &f.consent)).unwrap());
        assert_eq!(content, self::content());
        assert_eq!(consent, self::consent());
        // The digest of a sealed version is a stored format too: recomputing it must agree.
        assert_eq!(digest(&row(), &content).unwrap(), f.digest);
    }

    #[test]
    fn the_stored_forms_write_what_they_read() {
        let c = StoredContent::from(&content());
        assert_eq!(
            Content::from(serde_json::from_slice::<StoredContent>(&serde_json::to_vec(&c).unwrap()).unwrap()),
            content()
        );
        let k = StoredConsent::from(&consent());
        assert_eq!(
            Consent::from(serde_json::from_slice::<StoredConsent>(&serde_json::to_vec(&k).unwrap()).unwrap()),
            consent()
        );
    }
}
