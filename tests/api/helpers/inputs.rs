//! Request bodies with sensible defaults, so a test states only what it is about:
//! `NewTestimony::by(&witness).account("…")` is a valid testimony whose consent shares
//! with prosecutors. Each serialises to the JSON the API takes (`.json()` for a test
//! that sends it by hand, e.g. to see it refused).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::PASSWORD;
use super::ids::{PersonId, PlaceId, TestimonyId, UnitId};

/// A reference no other case of any test has: `{prefix}-xxxxxxxx`.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", &uuid::Uuid::new_v4().simple().to_string()[..8])
}

macro_rules! to_json {
    ($($name:ident),*) => {$(
        impl $name {
            /// The body as sent.
            #[allow(dead_code)]
            pub fn json(&self) -> Value {
                serde_json::to_value(self).unwrap()
            }
        }
    )*};
}

to_json!(
    NewCase,
    NewPerson,
    NewTestimony,
    Consent,
    NewIncident,
    NewUnit,
    NewPlace,
    Involvement,
    BundleRequest
);

#[derive(Clone, Debug, Serialize)]
pub struct NewCase {
    pub reference: String,
    pub title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
}

impl NewCase {
    pub fn new(reference: &str, title: &str) -> Self {
        NewCase { reference: reference.into(), title: title.into(), description: String::new() }
    }

    /// A case with a unique reference, for tests that do not look at it.
    pub fn any() -> Self {
        NewCase::new(&unique("T"), "t")
    }

    pub fn description(mut self, text: &str) -> Self {
        self.description = text.into();
        self
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct NewPerson {
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pseudonym: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sex: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rank: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_id: Option<UnitId>,
}

impl NewPerson {
    /// A person of `kind` (witness, victim, perpetrator) with nothing else known.
    pub fn of_kind(kind: &str) -> Self {
        NewPerson {
            kind: kind.into(),
            pseudonym: None,
            sex: None,
            names: Vec::new(),
            aliases: Vec::new(),
            birth_date: None,
            contact: None,
            rank: None,
            unit_id: None,
        }
    }

    pub fn witness() -> Self {
        NewPerson::of_kind("witness")
    }

    pub fn victim() -> Self {
        NewPerson::of_kind("victim")
    }

    pub fn perpetrator() -> Self {
        NewPerson::of_kind("perpetrator")
    }

    /// Adds a name (a person may have several, in any script).
    pub fn named(mut self, name: &str) -> Self {
        self.names.push(name.into());
        self
    }

    pub fn alias(mut self, alias: &str) -> Self {
        self.aliases.push(alias.into());
        self
    }

    pub fn sex(mut self, sex: &str) -> Self {
        self.sex = Some(sex.into());
        self
    }

    pub fn pseudonym(mut self, pseudonym: &str) -> Self {
        self.pseudonym = Some(pseudonym.into());
        self
    }

    pub fn birth_date(mut self, date: &str) -> Self {
        self.birth_date = Some(date.into());
        self
    }

    pub fn contact(mut self, contact: &str) -> Self {
        self.contact = Some(contact.into());
        self
    }

    pub fn rank(mut self, rank: &str) -> Self {
        self.rank = Some(rank.into());
        self
    }

    pub fn in_unit(mut self, unit: &UnitId) -> Self {
        self.unit_id = Some(unit.clone());
        self
    }
}

/// Consent as the witness gave it. By default: shared with prosecutors, not to be
/// named, given in writing on 2021-01-01 to consent text "1".
#[derive(Clone, Debug, Serialize)]
pub struct Consent {
    pub share_with: BTreeMap<String, bool>,
    pub may_be_named: bool,
    pub given_on: String,
    pub how_given: String,
    pub text_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn_on: Option<String>,
}

impl Default for Consent {
    fn default() -> Self {
        Consent::shared_with(&["prosecutors"])
    }
}

impl Consent {
    /// Shared with these recipient categories only (none: `&[]`).
    pub fn shared_with(recipients: &[&str]) -> Self {
        Consent {
            share_with: recipients.iter().map(|r| (r.to_string(), true)).collect(),
            may_be_named: false,
            given_on: "2021-01-01".into(),
            how_given: "written".into(),
            text_version: "1".into(),
            withdrawn_on: None,
        }
    }

    /// The witness may be named to recipients.
    pub fn named(mut self) -> Self {
        self.may_be_named = true;
        self
    }

    pub fn given_on(mut self, date: &str) -> Self {
        self.given_on = date.into();
        self
    }

    pub fn how_given(mut self, how: &str) -> Self {
        self.how_given = how.into();
        self
    }

    pub fn text_version(mut self, version: &str) -> Self {
        self.text_version = version.into();
        self
    }

    pub fn withdrawn_on(mut self, date: &str) -> Self {
        self.withdrawn_on = Some(date.into());
        self
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// A testimony of `witness`; by default a victim's short account with the default
/// consent, and nothing else.
#[derive(Clone, Debug, Serialize)]
pub struct NewTestimony {
    pub witness_id: PersonId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interview_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interview_place: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
    pub source_connection: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reliability: Option<String>,
    pub account: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interviewer: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identifying_spans: Vec<Span>,
    pub consent: Consent,
    /// For a new version only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correction_reason: Option<String>,
}

impl NewTestimony {
    pub fn by(witness: &PersonId) -> Self {
        NewTestimony {
            witness_id: witness.clone(),
            interview_date: None,
            interview_place: None,
            languages: Vec::new(),
            source_connection: "victim".into(),
            reliability: None,
            account: "a".into(),
            summary: String::new(),
            interviewer: None,
            identifying_spans: Vec::new(),
            consent: Consent::default(),
            correction_reason: None,
        }
    }

    pub fn account(mut self, account: &str) -> Self {
        self.account = account.into();
        self
    }

    /// Marks the first mention of `name` in the account (set the account first) as
    /// identifying the witness.
    pub fn marking(mut self, name: &str) -> Self {
        let at = self.account.find(name).unwrap_or_else(|| panic!("{name} is not in the account"));
        let start = self.account[..at].chars().count();
        self.identifying_spans.push(Span { start, end: start + name.chars().count() });
        self
    }

    pub fn consent(mut self, consent: Consent) -> Self {
        self.consent = consent;
        self
    }

    /// ISO 639 codes.
    pub fn languages(mut self, codes: &[&str]) -> Self {
        self.languages = codes.iter().map(|c| c.to_string()).collect();
        self
    }

    pub fn interviewed(mut self, on: &str) -> Self {
        self.interview_date = Some(on.into());
        self
    }

    pub fn interview_place(mut self, place: &str) -> Self {
        self.interview_place = Some(place.into());
        self
    }

    pub fn interviewer(mut self, who: &str) -> Self {
        self.interviewer = Some(who.into());
        self
    }

    pub fn source_connection(mut self, code: &str) -> Self {
        self.source_connection = code.into();
        self
    }

    pub fn reliability(mut self, reliability: &str) -> Self {
        self.reliability = Some(reliability.into());
        self
    }

    pub fn summary(mut self, summary: &str) -> Self {
        self.summary = summary.into();
        self
    }

    /// As a correction (a new version), for `reason`.
    pub fn correcting(mut self, reason: &str) -> Self {
        self.correction_reason = Some(reason.into());
        self
    }
}

/// An incident of an `act_type`; dates, place, methods and victims as given.
#[derive(Clone, Debug, Serialize)]
pub struct NewIncident {
    pub act_type: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_precision: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_precision: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place_id: Option<PlaceId>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub victim_ids: Vec<PersonId>,
}

impl NewIncident {
    pub fn of(act_type: &str) -> Self {
        NewIncident {
            act_type: act_type.into(),
            methods: Vec::new(),
            start_date: None,
            start_precision: None,
            end_date: None,
            end_precision: None,
            place_id: None,
            description: String::new(),
            victim_ids: Vec::new(),
        }
    }

    pub fn methods(mut self, codes: &[&str]) -> Self {
        self.methods = codes.iter().map(|c| c.to_string()).collect();
        self
    }

    /// Began on `date` (`YYYY-MM-DD`, `YYYY-MM`, …) known to `precision`.
    pub fn started(mut self, date: &str, precision: &str) -> Self {
        self.start_date = Some(date.into());
        self.start_precision = Some(precision.into());
        self
    }

    pub fn ended(mut self, date: &str, precision: &str) -> Self {
        self.end_date = Some(date.into());
        self.end_precision = Some(precision.into());
        self
    }

    pub fn end_unknown(mut self) -> Self {
        self.end_precision = Some("unknown".into());
        self
    }

    pub fn at(mut self, place: &PlaceId) -> Self {
        self.place_id = Some(place.clone());
        self
    }

    pub fn description(mut self, text: &str) -> Self {
        self.description = text.into();
        self
    }

    pub fn victim(mut self, person: &PersonId) -> Self {
        self.victim_ids.push(person.clone());
        self
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct NewUnit {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<UnitId>,
}

impl NewUnit {
    pub fn named(name: &str) -> Self {
        NewUnit { name: name.into(), parent_id: None }
    }

    /// Below `parent` in the chain of command.
    pub fn under(mut self, parent: &UnitId) -> Self {
        self.parent_id = Some(parent.clone());
        self
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct NewPlace {
    pub place_type: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

impl NewPlace {
    pub fn new(place_type: &str, name: &str) -> Self {
        NewPlace { place_type: place_type.into(), name: name.into(), address: None }
    }

    pub fn address(mut self, address: &str) -> Self {
        self.address = Some(address.into());
        self
    }
}

/// Who took part in an incident, in what role, and the testimonies that say so.
#[derive(Clone, Debug, Serialize)]
pub struct Involvement {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person_id: Option<PersonId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_id: Option<UnitId>,
    pub role: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub testimony_ids: Vec<TestimonyId>,
}

impl Involvement {
    pub fn person(person: &PersonId, role: &str) -> Self {
        Involvement {
            person_id: Some(person.clone()),
            unit_id: None,
            role: role.into(),
            testimony_ids: Vec::new(),
        }
    }

    /// Supported by `testimony`.
    pub fn citing(mut self, testimony: &TestimonyId) -> Self {
        self.testimony_ids.push(testimony.clone());
        self
    }
}

/// A file as sent: its bytes, and optionally its type and (percent-encoded) name.
#[derive(Clone, Debug)]
pub struct Upload {
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
    pub filename: Option<String>,
}

impl Upload {
    pub fn bytes(bytes: impl Into<Vec<u8>>) -> Self {
        Upload { bytes: bytes.into(), content_type: None, filename: None }
    }

    pub fn content_type(mut self, content_type: &str) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// The `x-filename` header as sent (percent-encoded by the caller).
    pub fn filename(mut self, name: &str) -> Self {
        self.filename = Some(name.into());
        self
    }
}

/// An export for a recipient category, re-authenticated with the test password.
#[derive(Clone, Debug, Serialize)]
pub struct BundleRequest {
    pub recipient: String,
    pub password: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age_recipient: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selection: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub totp_code: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub analysis_annex: bool,
}

impl BundleRequest {
    pub fn to(recipient: &str) -> Self {
        BundleRequest {
            recipient: recipient.into(),
            password: PASSWORD.into(),
            age_recipient: None,
            selection: None,
            totp_code: None,
            analysis_annex: false,
        }
    }

    /// Encrypted to this age X25519 recipient.
    pub fn encrypted_to(mut self, age_recipient: &str) -> Self {
        self.age_recipient = Some(age_recipient.into());
        self
    }

    pub fn selection(mut self, selection: Value) -> Self {
        self.selection = Some(selection);
        self
    }

    pub fn totp(mut self, code: &str) -> Self {
        self.totp_code = Some(code.into());
        self
    }

    /// With the analysis annex (`data/analysis/`).
    pub fn analysis_annex(mut self) -> Self {
        self.analysis_annex = true;
        self
    }
}
