//! Testimonies: a witness's account with its interview details and consent. A draft is
//! editable by its author; sealing records the SHA-256 of the canonical content and
//! makes it immutable; a correction is a new version, sealed at once, and every version
//! stays readable. Readers who may not know the witness see the pseudonym, in the
//! metadata and in place of every span of the account the documenter marked as
//! identifying.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::persons::{self, PersonKind};
use super::sealed::Sealer;
use super::validate::{self, Checks};
use super::vocab;
use crate::access::membership::{self as access, RecordTable};
use crate::access::policy::{Action, CaseRole};
use crate::audit::{self, Entry};
use crate::auth::Principal;
use crate::crypto::Keyring;
use crate::error::{Error, FieldError, Result};
use crate::store::schema::{testimonies, testimony_incidents};
use crate::store::{DbConnection, now};

pub(crate) const TABLE: &str = "testimonies";

/// Who the witness agreed the account may be shared with (the recipient categories of
/// evidence bundles).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareWith {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HowGiven {
    Written,
    OralRecorded,
    OralWitnessed,
    Other,
    /// Not recorded yet: only in a draft saved before the consent step was filled in;
    /// a testimony cannot be created through the API or sealed with it.
    NotRecorded,
}

/// The witness's consent. A living record: withdrawing it is audited and blocks new
/// exports, but does not alter the sealed account (it is not part of the digest).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    pub share_with: ShareWith,
    /// May the witness be named to recipients?
    pub may_be_named: bool,
    /// `YYYY-MM-DD`.
    pub given_on: String,
    pub how_given: HowGiven,
    /// Version of the consent text the witness was read or shown.
    pub text_version: String,
    /// `YYYY-MM-DD`; set when consent is withdrawn.
    pub withdrawn_on: Option<String>,
}

/// Characters `start..end` (Unicode scalar values, end exclusive) of the account that
/// identify the witness: replaced by the pseudonym for readers and recipients who may
/// not know who the witness is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum Reliability {
    High,
    Medium,
    Low,
    #[default]
    Unknown,
}

impl Reliability {
    fn as_str(self) -> &'static str {
        match self {
            Reliability::High => "high",
            Reliability::Medium => "medium",
            Reliability::Low => "low",
            Reliability::Unknown => "unknown",
        }
    }

    fn parse(s: &str) -> Reliability {
        match s {
            "high" => Reliability::High,
            "medium" => Reliability::Medium,
            "low" => Reliability::Low,
            _ => Reliability::Unknown,
        }
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestimonyInput {
    /// A victim or witness of the same case.
    pub witness_id: Uuid,
    /// `YYYY-MM-DD`.
    pub interview_date: Option<String>,
    pub interview_place: Option<String>,
    /// ISO 639 codes, e.g. `["ru", "be"]`.
    #[serde(default)]
    pub languages: Vec<String>,
    /// A `source_connection` vocabulary code (HURIDOCS MT19).
    pub source_connection: String,
    #[serde(default)]
    pub reliability: Reliability,
    /// The account itself.
    pub account: String,
    #[serde(default)]
    pub summary: String,
    pub interviewer: Option<String>,
    pub interpreter: Option<String>,
    #[serde(default)]
    pub persons_present: Vec<String>,
    #[serde(default)]
    pub identifying_spans: Vec<Span>,
    pub consent: Consent,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    #[serde(flatten)]
    pub testimony: TestimonyInput,
    /// Why the account is corrected.
    pub correction_reason: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Content {
    pub account: String,
    pub summary: String,
    pub interviewer: Option<String>,
    pub interpreter: Option<String>,
    pub persons_present: Vec<String>,
    pub interview_place: Option<String>,
    pub identifying_spans: Vec<Span>,
    pub correction_reason: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WitnessRef {
    pub id: Uuid,
    pub pseudonym: String,
    /// Only for the case lead, the author and whoever recorded the witness.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub names: Option<Vec<String>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VersionRef {
    pub id: Uuid,
    pub version: i32,
    pub status: Status,
    pub digest: Option<String>,
    pub sealed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = TestimonyStatus)]
pub enum Status {
    Draft,
    Sealed,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TestimonyView {
    pub id: Uuid,
    pub root_id: Uuid,
    pub version: i32,
    pub status: Status,
    pub case_id: Uuid,
    pub witness: WitnessRef,
    pub author_id: Uuid,
    pub interview_date: Option<String>,
    pub interview_place: Option<String>,
    pub languages: Vec<String>,
    pub source_connection: String,
    pub reliability: Reliability,
    /// With identifying spans replaced by `[pseudonym]` unless the reader may know the
    /// witness (`identity_shown`).
    pub account: String,
    pub summary: String,
    pub interviewer: Option<String>,
    pub interpreter: Option<String>,
    pub persons_present: Vec<String>,
    pub identifying_spans: Vec<Span>,
    pub identity_shown: bool,
    pub consent: Consent,
    pub correction_reason: Option<String>,
    /// SHA-256 (hex) of the canonical content, recorded when sealed.
    pub digest: Option<String>,
    pub sealed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Incidents this account describes (linked to any version).
    pub incidents: Vec<Uuid>,
    pub attachments: Vec<super::attachments::AttachmentView>,
    pub versions: Vec<VersionRef>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TestimonySummary {
    pub id: Uuid,
    pub root_id: Uuid,
    pub version: i32,
    pub status: Status,
    pub witness_pseudonym: String,
    pub interview_date: Option<String>,
    pub languages: Vec<String>,
    pub source_connection: String,
    pub sealed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = testimonies)]
pub struct Row {
    pub id: String,
    pub case_id: String,
    pub root_id: String,
    pub version: i32,
    pub status: String,
    pub witness_id: String,
    pub author_id: String,
    pub interview_date: Option<String>,
    pub languages: String,
    pub source_connection: String,
    pub reliability: String,
    pub content: Vec<u8>,
    pub consent: Vec<u8>,
    pub digest: Option<String>,
    pub sealed_at: Option<chrono::NaiveDateTime>,
    pub created_at: chrono::NaiveDateTime,
}

type VersionRow = (String, i32, String, Option<String>, Option<chrono::NaiveDateTime>);
type SummaryRow =
    (String, String, i32, String, String, Option<String>, String, String, Option<chrono::NaiveDateTime>);

pub fn load(c: &mut DbConnection, id: &str) -> Result<Row> {
    Ok(testimonies::table.find(id).select(Row::as_select()).first(c)?)
}

fn status(s: &str) -> Status {
    if s == "sealed" { Status::Sealed } else { Status::Draft }
}

/// How much a testimony must hold to be stored: everything, or (a draft saved as the
/// documenter types) whatever was typed so far, each part still well-formed. Sealing
/// asks for everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    Full,
    Draft,
}

fn check(
    c: &mut DbConnection,
    case_id: &str,
    input: &TestimonyInput,
    completeness: Completeness,
) -> Result<()> {
    let full = completeness == Completeness::Full;
    let mut checks = Checks::default();
    checks.check(validate::text("account", &input.account, 1_000_000, full));
    checks.check(validate::text("summary", &input.summary, 20_000, false));
    checks.check(validate::languages("languages", &input.languages));
    if let Some(d) = &input.interview_date {
        checks.check(validate::date("interview_date", d));
    }
    for (field, value) in [
        ("interview_place", &input.interview_place),
        ("interviewer", &input.interviewer),
        ("interpreter", &input.interpreter),
    ] {
        if let Some(v) = value {
            checks.check(validate::text(field, v, 500, false));
        }
    }
    if input.persons_present.len() > 50 {
        checks.0.push(FieldError::new("persons_present", "too_many", "at most 50"));
    }
    let chars = input.account.chars().count();
    let mut spans = input.identifying_spans.clone();
    spans.sort_by_key(|s| s.start);
    let spans_ok = spans.len() <= 1000
        && spans.iter().all(|s| s.start < s.end && s.end <= chars)
        && spans.windows(2).all(|w| w[0].end <= w[1].start);
    if !spans_ok {
        checks.0.push(FieldError::new(
            "identifying_spans",
            "invalid_span",
            "spans must lie within the account, start before they end, and not overlap",
        ));
    }
    let given = if full || !input.consent.given_on.is_empty() {
        checks.check(validate::date("consent.given_on", &input.consent.given_on))
    } else {
        None
    };
    if full && input.consent.how_given == HowGiven::NotRecorded {
        checks.0.push(FieldError::new("consent.how_given", "required", "choose how consent was given"));
    }
    if let Some(w) = &input.consent.withdrawn_on
        && let (Some(w), Some(g)) = (checks.check(validate::date("consent.withdrawn_on", w)), given)
        && w < g
    {
        checks.0.push(FieldError::new("consent.withdrawn_on", "before_given", "must not be before given_on"));
    }
    checks.check(validate::text("consent.text_version", &input.consent.text_version, 100, full));
    if (full || !input.source_connection.is_empty())
        && let Some(e) = vocab::check(c, "source_connection", &input.source_connection, "source_connection")?
    {
        checks.0.push(e);
    }
    checks.finish()?;
    let witness = persons::load(c, &input.witness_id.to_string());
    match witness {
        Ok(w) if w.case_id == case_id && PersonKind::parse(&w.kind).is_protected() => Ok(()),
        Ok(w) if w.case_id == case_id => {
            Err(Error::field("witness_id", "not_a_witness", "the witness must be a victim or witness"))
        }
        Ok(_) | Err(Error::NotFound) => {
            Err(Error::field("witness_id", "not_in_case", "no such person in this case"))
        }
        Err(e) => Err(e),
    }
}

fn content_of(input: &TestimonyInput, correction_reason: Option<String>) -> Content {
    Content {
        account: input.account.clone(),
        summary: input.summary.clone(),
        interviewer: input.interviewer.clone(),
        interpreter: input.interpreter.clone(),
        persons_present: input.persons_present.clone(),
        interview_place: input.interview_place.clone(),
        identifying_spans: input.identifying_spans.clone(),
        correction_reason,
    }
}

/// SHA-256 over the canonical content: a JSON object with fixed key order holding
/// every field of the account and its metadata (not the consent, which may change).
fn digest(row: &Row, content: &Content) -> Result<String> {
    #[derive(Serialize)]
    struct Canonical<'a> {
        v: u8,
        case_id: &'a str,
        root_id: &'a str,
        version: i32,
        witness_id: &'a str,
        author_id: &'a str,
        interview_date: Option<&'a str>,
        languages: &'a str,
        source_connection: &'a str,
        reliability: &'a str,
        content: &'a Content,
    }
    let canonical = Canonical {
        v: 1,
        case_id: &row.case_id,
        root_id: &row.root_id,
        version: row.version,
        witness_id: &row.witness_id,
        author_id: &row.author_id,
        interview_date: row.interview_date.as_deref(),
        languages: &row.languages,
        source_connection: &row.source_connection,
        reliability: &row.reliability,
        content,
    };
    let bytes = zeroize::Zeroizing::new(serde_json::to_vec(&canonical).map_err(Error::internal)?);
    Ok(hex::encode(Sha256::digest(&bytes)))
}

#[allow(clippy::too_many_arguments)]
fn insert(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    case_id: &str,
    id: &str,
    root_id: &str,
    version: i32,
    input: &TestimonyInput,
    correction_reason: Option<String>,
) -> Result<Content> {
    let sealer = Sealer::create(c, keyring, TABLE, id)?;
    let content = content_of(input, correction_reason);
    diesel::insert_into(testimonies::table)
        .values((
            testimonies::id.eq(id),
            testimonies::case_id.eq(case_id),
            testimonies::root_id.eq(root_id),
            testimonies::version.eq(version),
            testimonies::status.eq("draft"),
            testimonies::witness_id.eq(input.witness_id.to_string()),
            testimonies::author_id.eq(who.user_id.to_string()),
            testimonies::interview_date.eq(&input.interview_date),
            testimonies::languages.eq(serde_json::to_string(&input.languages).map_err(Error::internal)?),
            testimonies::source_connection.eq(&input.source_connection),
            testimonies::reliability.eq(input.reliability.as_str()),
            testimonies::content.eq(sealer.seal("content", &content)?),
            testimonies::consent.eq(sealer.seal("consent", &input.consent)?),
            testimonies::created_at.eq(now()),
        ))
        .execute(c)?;
    Ok(content)
}

pub fn create(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    case_id: Uuid,
    input: &TestimonyInput,
) -> Result<TestimonyView> {
    create_as(c, keyring, who, case_id, input, Completeness::Full)
}

/// Creates a draft, complete or (the pages' autosave) only as far as it was typed.
pub fn create_as(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    case_id: Uuid,
    input: &TestimonyInput,
    completeness: Completeness,
) -> Result<TestimonyView> {
    let case_id = case_id.to_string();
    let role = access::authorize(c, who, &case_id, Action::TestimonyDraft)?;
    check(c, &case_id, input, completeness)?;
    let id = Uuid::new_v4().to_string();
    let content = insert(c, keyring, who, &case_id, &id, &id, 1, input, None)?;
    reindex(c, keyring, &case_id, &id, input.witness_id, &content)?;
    audit::append(
        c,
        &Entry::new(who, "testimony.create").target("testimony", &id).detail("case_id", case_id),
    )?;
    view(c, keyring, who, role, &id)
}

/// A draft the caller wrote: only its author edits or discards it, only while a draft.
fn own_draft(c: &mut DbConnection, who: &Principal, id: &str) -> Result<(String, CaseRole, Row)> {
    let (case_id, role) =
        access::authorize_record(c, who, RecordTable::Testimony, id, Action::TestimonyDraft)?;
    let row = load(c, id)?;
    if row.author_id != who.user_id.to_string() {
        return Err(Error::Forbidden);
    }
    if row.status != "draft" {
        return Err(Error::Conflict("testimony_sealed"));
    }
    Ok((case_id, role, row))
}

/// Replaces a draft's content. Only its author, only while it is a draft.
pub fn update(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    id: Uuid,
    input: &TestimonyInput,
) -> Result<TestimonyView> {
    update_as(c, keyring, who, id, input, Completeness::Full)
}

/// Replaces a draft's content, complete or only as far as it was typed.
pub fn update_as(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    id: Uuid,
    input: &TestimonyInput,
    completeness: Completeness,
) -> Result<TestimonyView> {
    let id = id.to_string();
    let (case_id, role, _) = own_draft(c, who, &id)?;
    check(c, &case_id, input, completeness)?;
    let sealer = Sealer::open(c, keyring, TABLE, &id)?;
    let content = content_of(input, None);
    diesel::update(testimonies::table.find(&id))
        .filter(testimonies::status.eq("draft"))
        .set((
            testimonies::witness_id.eq(input.witness_id.to_string()),
            testimonies::interview_date.eq(&input.interview_date),
            testimonies::languages.eq(serde_json::to_string(&input.languages).map_err(Error::internal)?),
            testimonies::source_connection.eq(&input.source_connection),
            testimonies::reliability.eq(input.reliability.as_str()),
            testimonies::content.eq(sealer.seal("content", &content)?),
            testimonies::consent.eq(sealer.seal("consent", &input.consent)?),
        ))
        .execute(c)?;
    reindex(c, keyring, &case_id, &id, input.witness_id, &content)?;
    audit::append(c, &Entry::new(who, "testimony.update").target("testimony", &id))?;
    view(c, keyring, who, role, &id)
}

fn seal_row(c: &mut DbConnection, keyring: &Keyring, id: &str) -> Result<String> {
    let row = load(c, id)?;
    let sealer = Sealer::open(c, keyring, TABLE, id)?;
    let content: Content = sealer.unseal("content", &row.content)?;
    // A draft saved as it was typed may lack what a testimony needs: sealed, it
    // could never be completed.
    let consent: Consent = sealer.unseal("consent", &row.consent)?;
    let mut missing = Vec::new();
    if content.account.trim().is_empty() {
        missing.push(FieldError::new("account", "required", "must not be empty"));
    }
    if row.source_connection.is_empty() {
        missing.push(FieldError::new("source_connection", "required", "must not be empty"));
    }
    if validate::date("consent.given_on", &consent.given_on).is_err() {
        missing.push(FieldError::new("consent.given_on", "required", "the date consent was given"));
    }
    if consent.how_given == HowGiven::NotRecorded {
        missing.push(FieldError::new("consent.how_given", "required", "choose how consent was given"));
    }
    if !missing.is_empty() {
        return Err(Error::Validation(missing));
    }
    let digest = digest(&row, &content)?;
    let changed = diesel::update(testimonies::table.find(id))
        .filter(testimonies::status.eq("draft"))
        .set((
            testimonies::status.eq("sealed"),
            testimonies::digest.eq(&digest),
            testimonies::sealed_at.eq(now()),
        ))
        .execute(c)?;
    if changed == 0 {
        return Err(Error::Conflict("testimony_sealed"));
    }
    Ok(digest)
}

/// Seals a draft: records its digest; from now on it never changes.
pub fn seal(c: &mut DbConnection, keyring: &Keyring, who: &Principal, id: Uuid) -> Result<TestimonyView> {
    let id = id.to_string();
    let (_, role) = access::authorize_record(c, who, RecordTable::Testimony, &id, Action::TestimonySeal)?;
    let row = load(c, &id)?;
    if row.author_id != who.user_id.to_string() && role != CaseRole::Lead {
        return Err(Error::Forbidden);
    }
    let digest = seal_row(c, keyring, &id)?;
    audit::append(c, &Entry::new(who, "testimony.seal").target("testimony", &id).detail("digest", digest))?;
    view(c, keyring, who, role, &id)
}

/// A correction: a new version of the account, sealed at once; earlier versions stay.
pub fn correct(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    id: Uuid,
    input: &Correction,
) -> Result<TestimonyView> {
    let id = id.to_string();
    let (case_id, role) =
        access::authorize_record(c, who, RecordTable::Testimony, &id, Action::TestimonyCorrect)?;
    let row = load(c, &id)?;
    validate::text("correction_reason", &input.correction_reason, 5000, true)
        .map_err(|e| Error::Validation(vec![e]))?;
    check(c, &case_id, &input.testimony, Completeness::Full)?;
    let latest: Option<(i32, String)> = testimonies::table
        .filter(testimonies::root_id.eq(&row.root_id))
        .order(testimonies::version.desc())
        .select((testimonies::version, testimonies::status))
        .first(c)
        .optional()?;
    let Some((latest_version, latest_status)) = latest else { return Err(Error::NotFound) };
    if latest_status != "sealed" {
        return Err(Error::Conflict("latest_version_is_a_draft"));
    }
    let new_id = Uuid::new_v4().to_string();
    let content = insert(
        c,
        keyring,
        who,
        &case_id,
        &new_id,
        &row.root_id,
        latest_version + 1,
        &input.testimony,
        Some(input.correction_reason.clone()),
    )?;
    let digest = seal_row(c, keyring, &new_id)?;
    reindex(c, keyring, &case_id, &new_id, input.testimony.witness_id, &content)?;
    audit::append(
        c,
        &Entry::new(who, "testimony.version")
            .target("testimony", &new_id)
            .detail("root_id", row.root_id.clone())
            .detail("version", latest_version + 1)
            .detail("digest", digest),
    )?;
    view(c, keyring, who, role, &new_id)
}

/// Discards a draft (its author only): the row goes and its data key is destroyed
/// (crypto-shredding), as are its attachments' keys and rows. Returns the blob ids to
/// delete once the transaction has committed. A sealed testimony is never deleted.
pub fn discard(c: &mut DbConnection, who: &Principal, id: Uuid) -> Result<Vec<Uuid>> {
    use crate::store::schema::attachments;
    let id = id.to_string();
    let (_, _, row) = own_draft(c, who, &id)?;
    let files: Vec<(String, String)> = attachments::table
        .filter(attachments::testimony_id.eq(&id))
        .select((attachments::id, attachments::blob_id))
        .load(c)?;
    for (attachment, _) in &files {
        crate::keys::store::shred(c, super::attachments::TABLE, attachment)?;
    }
    diesel::delete(attachments::table.filter(attachments::testimony_id.eq(&id))).execute(c)?;
    if row.version == 1 {
        diesel::delete(
            testimony_incidents::table.filter(testimony_incidents::testimony_root_id.eq(&row.root_id)),
        )
        .execute(c)?;
        diesel::delete(
            crate::store::schema::involvement_evidence::table
                .filter(crate::store::schema::involvement_evidence::testimony_root_id.eq(&row.root_id)),
        )
        .execute(c)?;
    }
    diesel::delete(testimonies::table.find(&id)).execute(c)?;
    crate::keys::store::shred(c, TABLE, &id)?;
    crate::search::index::remove(c, crate::search::index::Index::Testimonies, &id)?;
    audit::append(
        c,
        &Entry::new(who, "testimony.discard").target("testimony", &id).detail("attachments", files.len()),
    )?;
    files.iter().map(|(_, blob)| Uuid::parse_str(blob).map_err(|_| Error::Integrity)).collect()
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Withdrawal {
    /// `YYYY-MM-DD`.
    pub withdrawn_on: String,
}

/// Records the withdrawal of consent on every version of the account.
pub fn withdraw_consent(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    id: Uuid,
    input: &Withdrawal,
) -> Result<TestimonyView> {
    let id = id.to_string();
    let (_, role) = access::authorize_record(c, who, RecordTable::Testimony, &id, Action::ConsentWithdraw)?;
    let row = load(c, &id)?;
    if row.author_id != who.user_id.to_string() && role != CaseRole::Lead {
        return Err(Error::Forbidden);
    }
    validate::date("withdrawn_on", &input.withdrawn_on).map_err(|e| Error::Validation(vec![e]))?;
    let versions: Vec<(String, Vec<u8>)> = testimonies::table
        .filter(testimonies::root_id.eq(&row.root_id))
        .select((testimonies::id, testimonies::consent))
        .load(c)?;
    for (vid, blob) in versions {
        let sealer = Sealer::open(c, keyring, TABLE, &vid)?;
        let mut consent: Consent = sealer.unseal("consent", &blob)?;
        consent.withdrawn_on = Some(input.withdrawn_on.clone());
        diesel::update(testimonies::table.find(&vid))
            .set(testimonies::consent.eq(sealer.seal("consent", &consent)?))
            .execute(c)?;
    }
    audit::append(c, &Entry::new(who, "consent.withdraw").target("testimony", &row.root_id))?;
    view(c, keyring, who, role, &id)
}

/// Every sealed version of an account, oldest first, with its content and consent (for
/// evidence bundles; the caller audits).
pub(crate) fn sealed_versions(
    c: &mut DbConnection,
    keyring: &Keyring,
    root_id: &str,
) -> Result<Vec<(Row, Content, Consent)>> {
    let rows: Vec<Row> = testimonies::table
        .filter(testimonies::root_id.eq(root_id))
        .filter(testimonies::status.eq("sealed"))
        .order(testimonies::version.asc())
        .select(Row::as_select())
        .load(c)?;
    rows.into_iter()
        .map(|row| {
            let sealer = Sealer::open(c, keyring, TABLE, &row.id)?;
            let content: Content = sealer.unseal("content", &row.content)?;
            let consent: Consent = sealer.unseal("consent", &row.consent)?;
            Ok((row, content, consent))
        })
        .collect()
}

/// The parts of a testimony the search index covers: account, identifying spans, summary.
pub fn searchable_parts(
    c: &mut DbConnection,
    keyring: &Keyring,
    row: &Row,
) -> Result<(String, Vec<Span>, String)> {
    let content: Content = Sealer::open(c, keyring, TABLE, &row.id)?.unseal("content", &row.content)?;
    Ok((content.account, content.identifying_spans, content.summary))
}

/// Keeps the blind index in step with a testimony version (same transaction), from the
/// content just written rather than reading and decrypting it back.
fn reindex(
    c: &mut DbConnection,
    keyring: &Keyring,
    case_id: &str,
    id: &str,
    witness: Uuid,
    content: &Content,
) -> Result<()> {
    let witness = persons::load(c, &witness.to_string())?;
    let text = crate::search::query::searchable_text(
        &content.account,
        &content.identifying_spans,
        &witness.pseudonym,
        &content.summary,
    );
    crate::search::index::index_testimony(c, keyring, case_id, id, &text)
}

/// The account as a reader who may not know the witness sees it.
pub fn redact(account: &str, spans: &[Span], pseudonym: &str) -> String {
    let mut spans = spans.to_vec();
    spans.sort_by_key(|s| s.start);
    let mut out = String::with_capacity(account.len());
    let mut spans = spans.iter().peekable();
    let mut skipping_until = None;
    for (i, ch) in account.chars().enumerate() {
        if let Some(end) = skipping_until {
            if i < end {
                continue;
            }
            skipping_until = None;
        }
        if let Some(span) = spans.peek()
            && span.start == i
        {
            out.push_str(&format!("[{pseudonym}]"));
            skipping_until = Some(span.end);
            spans.next();
            continue;
        }
        out.push(ch);
    }
    out
}

pub(crate) fn view(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    role: CaseRole,
    id: &str,
) -> Result<TestimonyView> {
    let row = load(c, id)?;
    let sealer = Sealer::open(c, keyring, TABLE, id)?;
    let content: Content = sealer.unseal("content", &row.content)?;
    let consent: Consent = sealer.unseal("consent", &row.consent)?;
    let witness = persons::load(c, &row.witness_id)?;
    let shown = role == CaseRole::Lead
        || row.author_id == who.user_id.to_string()
        || persons::may_see_identity(&witness, who, role);
    let names = if shown { Some(persons::names_of(c, keyring, &witness)?) } else { None };
    let account = if shown {
        content.account.clone()
    } else {
        redact(&content.account, &content.identifying_spans, &witness.pseudonym)
    };
    let incidents: Vec<String> = testimony_incidents::table
        .filter(testimony_incidents::testimony_root_id.eq(&row.root_id))
        .select(testimony_incidents::incident_id)
        .load(c)?;
    let versions: Vec<VersionRow> = testimonies::table
        .filter(testimonies::root_id.eq(&row.root_id))
        .order(testimonies::version.asc())
        .select((
            testimonies::id,
            testimonies::version,
            testimonies::status,
            testimonies::digest,
            testimonies::sealed_at,
        ))
        .load(c)?;
    let attachments = super::attachments::list_for_testimony(c, keyring, id)?;
    Ok(TestimonyView {
        id: super::parse_uuid(&row.id)?,
        root_id: super::parse_uuid(&row.root_id)?,
        version: row.version,
        status: status(&row.status),
        case_id: super::parse_uuid(&row.case_id)?,
        witness: WitnessRef {
            id: super::parse_uuid(&witness.id)?,
            pseudonym: witness.pseudonym.clone(),
            names,
        },
        author_id: super::parse_uuid(&row.author_id)?,
        interview_date: row.interview_date,
        interview_place: content.interview_place,
        languages: serde_json::from_str(&row.languages).map_err(|_| Error::Integrity)?,
        source_connection: row.source_connection,
        reliability: Reliability::parse(&row.reliability),
        account,
        summary: content.summary,
        interviewer: content.interviewer,
        interpreter: content.interpreter,
        persons_present: content.persons_present,
        identifying_spans: content.identifying_spans,
        identity_shown: shown,
        consent,
        correction_reason: content.correction_reason,
        digest: row.digest,
        sealed_at: row.sealed_at.map(|t| t.and_utc()),
        created_at: row.created_at.and_utc(),
        incidents: incidents.iter().map(|i| super::parse_uuid(i)).collect::<Result<_>>()?,
        attachments,
        versions: versions
            .into_iter()
            .map(|(vid, version, st, digest, sealed_at)| {
                Ok(VersionRef {
                    id: super::parse_uuid(&vid)?,
                    version,
                    status: status(&st),
                    digest,
                    sealed_at: sealed_at.map(|t| t.and_utc()),
                })
            })
            .collect::<Result<_>>()?,
    })
}

/// Reads one version; every read is audited in the same transaction.
pub fn get(c: &mut DbConnection, keyring: &Keyring, who: &Principal, id: Uuid) -> Result<TestimonyView> {
    let v = find(c, keyring, who, id)?;
    record_read(c, who, &v)?;
    Ok(v)
}

/// `get` for a request: read on a snapshot, released once the read is audited
/// (`Services::audited_read`).
pub async fn audited(state: &crate::services::Services, who: Principal, id: Uuid) -> Result<TestimonyView> {
    let reader = who.clone();
    state
        .audited_read(
            move |c, k| find(c, k, &reader, id),
            move |c, _, v| {
                record_read(c, &who, &v)?;
                Ok(v)
            },
        )
        .await
}

/// One version as `who` may see it. Reads only: release it only after `record_read`.
fn find(c: &mut DbConnection, keyring: &Keyring, who: &Principal, id: Uuid) -> Result<TestimonyView> {
    let id = id.to_string();
    let (_, role) = access::authorize_record(c, who, RecordTable::Testimony, &id, Action::CaseRead)?;
    view(c, keyring, who, role, &id)
}

fn record_read(c: &mut DbConnection, who: &Principal, v: &TestimonyView) -> Result<()> {
    audit::append(
        c,
        &Entry::new(who, "testimony.read")
            .target("testimony", v.id.to_string())
            .detail("identity_shown", v.identity_shown),
    )?;
    Ok(())
}

/// The latest version of every account in a case (metadata only: nothing is decrypted).
pub fn list(
    c: &mut DbConnection,
    who: &Principal,
    case_id: Uuid,
    (limit, offset): (i64, i64),
) -> Result<(Vec<TestimonySummary>, i64)> {
    let case_id = case_id.to_string();
    access::authorize(c, who, &case_id, Action::CaseRead)?;
    let rows: Vec<SummaryRow> = testimonies::table
        .inner_join(
            crate::store::schema::persons::table
                .on(crate::store::schema::persons::id.eq(testimonies::witness_id)),
        )
        .filter(testimonies::case_id.eq(&case_id))
        .order((testimonies::root_id.asc(), testimonies::version.desc()))
        .limit(10_000)
        .select((
            testimonies::id,
            testimonies::root_id,
            testimonies::version,
            testimonies::status,
            crate::store::schema::persons::pseudonym,
            testimonies::interview_date,
            testimonies::languages,
            testimonies::source_connection,
            testimonies::sealed_at,
        ))
        .load(c)?;
    let mut out: Vec<TestimonySummary> = Vec::new();
    for (id, root, version, st, pseudonym, date, languages, source, sealed_at) in rows {
        if out.last().is_some_and(|t: &TestimonySummary| t.root_id.to_string() == root) {
            continue;
        }
        out.push(TestimonySummary {
            id: super::parse_uuid(&id)?,
            root_id: super::parse_uuid(&root)?,
            version,
            status: status(&st),
            witness_pseudonym: pseudonym,
            interview_date: date,
            languages: serde_json::from_str(&languages).map_err(|_| Error::Integrity)?,
            source_connection: source,
            sealed_at: sealed_at.map(|t| t.and_utc()),
        });
    }
    // Versions are folded in memory (newest per account), so paging happens after.
    let total = out.len() as i64;
    let page: Vec<TestimonySummary> = out.into_iter().skip(offset as usize).take(limit as usize).collect();
    audit::append(
        c,
        &Entry::new(who, "testimony.list").target("case", &case_id).detail("results", page.len()),
    )?;
    Ok((page, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifying_spans_become_the_pseudonym() {
        let account = "Меня зовут Иван Петров, меня били в Окрестина.";
        let start = account.chars().position(|c| c == 'И').unwrap();
        let spans = [Span { start, end: start + "Иван Петров".chars().count() }];
        assert_eq!(redact(account, &spans, "W-0031"), "Меня зовут [W-0031], меня били в Окрестина.");
        assert_eq!(redact(account, &[], "W-0031"), account);
    }
}

/// Testimonies as a service: drafts, sealing, versions, consent, audited reads.
#[derive(Debug, Clone)]
pub struct Testimonies {
    #[allow(dead_code)] // used as handlers move onto services (issue 17)
    ctx: crate::context::Context,
}

impl Testimonies {
    pub fn new(ctx: crate::context::Context) -> Self {
        Testimonies { ctx }
    }
}

/// Sealed fields as the release before issue 17 wrote them: the fixture must still open.
#[cfg(test)]
mod golden {
    use super::*;
    use crate::crypto::{FieldContext, KeyEntry, KeyKind, SecretKey, open_field, seal_field};

    const FIXTURE: &str = include_str!("../../tests/fixtures/testimony_sealed_v1.json");
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

    #[derive(Deserialize, Serialize)]
    struct Fixture {
        keyring: Vec<(String, u32, String)>,
        wrapped_dek: String,
        content: String,
        consent: String,
        digest: String,
    }

    /// Run once with `--ignored` to print a fresh fixture (only ever from the release
    /// whose format it pins).
    #[test]
    #[ignore]
    fn print_fixture() {
        let keyring = Keyring::generate();
        let entries = keyring
            .to_entries(&root())
            .into_iter()
            .map(|e| (e.kind.as_str().to_owned(), e.version, hex::encode(e.wrapped)))
            .collect();
        let dek = crate::crypto::Dek::generate();
        let seal = |field: &str, plain: Vec<u8>| {
            hex::encode(seal_field(&dek, 1, &FieldContext::new(TABLE, ID, field), &plain).unwrap())
        };
        let fixture = Fixture {
            keyring: entries,
            wrapped_dek: hex::encode(keyring.wrap_dek(TABLE, ID, &dek)),
            content: seal("content", serde_json::to_vec(&content()).unwrap()),
            consent: seal("consent", serde_json::to_vec(&consent()).unwrap()),
            digest: digest(&row(), &content()).unwrap(),
        };
        println!("{}", serde_json::to_string_pretty(&fixture).unwrap());
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
        let content: Content = serde_json::from_slice(&open("content", &f.content)).unwrap();
        let consent: Consent = serde_json::from_slice(&open("consent", &f.consent)).unwrap();
        assert_eq!(serde_json::to_value(&content).unwrap(), serde_json::to_value(self::content()).unwrap());
        assert_eq!(serde_json::to_value(&consent).unwrap(), serde_json::to_value(self::consent()).unwrap());
        // The digest of a sealed version is a stored format too: recomputing it must agree.
        assert_eq!(digest(&row(), &content).unwrap(), f.digest);
    }
}
