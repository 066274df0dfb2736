//! A testimony's life: a draft (created, changed and discarded by its author only),
//! sealed (its digest recorded; never changed again), corrected (a new version, sealed
//! at once; every version stays readable), and its consent withdrawn (on every version,
//! without touching the sealed account). Each function checks the action its proof
//! names, then the testimony's own rules (`access::records`), and appends its audit
//! entry in the caller's transaction; its view is built from what was just written.
//! (Withdrawing consent is `withdraw`.)

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::TABLE;
use super::digest::digest;
use super::read::{load, view_of};
use super::redact::{Ahead, searchable_text};
use super::stored::fields;
use super::types::{
    Completeness, Consent, Content, Correction, DraftForm, HowGiven, Row, Status, TestimonyInput,
    TestimonyView, WitnessChoice,
};
use crate::access::membership::{self as access, RecordTable};
use crate::access::policy::{Action, CaseRole, act};
use crate::access::{Allowed, records};
use crate::audit::{self, Entry};
use crate::auth::Principal;
use crate::cases::persons::{self, NewPerson, PersonKind};
use crate::cases::sealed::Sealer;
use crate::cases::validate::{self, Checks};
use crate::cases::vocab;
use crate::crypto::Keyring;
use crate::error::{Error, FieldError, Result};
use crate::rules;
use crate::search::index::Prepared;
use crate::store::DbConnection;
use crate::store::schema::{testimonies, testimony_incidents};

/// Is everything a testimony holds well-formed (and, for `Full`, present)? The witness
/// must be a victim or witness of the same case.
fn check(
    c: &mut DbConnection,
    case_id: &str,
    input: &TestimonyInput,
    completeness: Completeness,
) -> Result<()> {
    let full = completeness == Completeness::Full;
    let mut checks = Checks::default();
    checks.check(rules::ACCOUNT.check_as("account", &input.account, full));
    checks.check(rules::SUMMARY.check("summary", &input.summary));
    checks.check(validate::languages("languages", &input.languages));
    if let Some(d) = &input.interview_date {
        checks.check(rules::DATE.check("interview_date", d));
    }
    for (field, value) in [
        ("interview_place", &input.interview_place),
        ("interviewer", &input.interviewer),
        ("interpreter", &input.interpreter),
    ] {
        if let Some(v) = value {
            checks.check(rules::INTERVIEW_DETAIL.check(field, v));
        }
    }
    checks.check(rules::PERSONS_PRESENT.check("persons_present", input.persons_present.len()));
    let chars = input.account.chars().count();
    let mut spans = input.identifying_spans.clone();
    spans.sort_by_key(|s| s.start);
    let spans_ok = rules::SPANS.check("identifying_spans", spans.len()).is_ok()
        && spans.iter().all(|s| s.start < s.end && s.end <= chars)
        && spans.windows(2).all(|w| w[0].end <= w[1].start);
    if !spans_ok {
        checks.0.push(FieldError::new(
            "identifying_spans",
            "invalid_span",
            "spans must lie within the account, start before they end, and not overlap",
        ));
    }
    let given = if full {
        checks.check(rules::DATE.check("consent.given_on", &input.consent.given_on))
    } else {
        checks.check(rules::DATE_OR_EMPTY.check("consent.given_on", &input.consent.given_on)).flatten()
    };
    if full && input.consent.how_given == HowGiven::NotRecorded {
        checks.0.push(FieldError::new("consent.how_given", "required", "choose how consent was given"));
    }
    if let Some(w) = &input.consent.withdrawn_on
        && let (Some(w), Some(g)) = (checks.check(rules::DATE.check("consent.withdrawn_on", w)), given)
        && w < g
    {
        checks.0.push(FieldError::new("consent.withdrawn_on", "before_given", "must not be before given_on"));
    }
    checks.check(rules::CONSENT_TEXT_VERSION.check_as(
        "consent.text_version",
        &input.consent.text_version,
        full,
    ));
    if (full || !input.source_connection.is_empty())
        && let Some(e) = vocab::check(c, "source_connection", &input.source_connection, "source_connection")?
    {
        checks.0.push(e);
    }
    checks.finish()?;
    match persons::load(c, &input.witness_id.to_string()) {
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

/// Where a new version goes, and who writes it.
struct NewVersion<'a> {
    who: &'a Principal,
    case_id: &'a str,
    id: &'a str,
    root_id: &'a str,
    version: i32,
    now: NaiveDateTime,
}

/// Writes a new draft version; returns its row and content as written.
fn insert(
    c: &mut DbConnection,
    keyring: &Keyring,
    at: &NewVersion<'_>,
    input: &TestimonyInput,
    correction_reason: Option<String>,
) -> Result<(Row, Content)> {
    let sealer = Sealer::create(c, keyring, TABLE, at.id)?;
    let content = Content::of(input, correction_reason);
    let row = Row {
        id: at.id.to_owned(),
        case_id: at.case_id.to_owned(),
        root_id: at.root_id.to_owned(),
        version: at.version,
        status: Status::Draft.as_str().to_owned(),
        witness_id: input.witness_id.to_string(),
        author_id: at.who.user_id.to_string(),
        interview_date: input.interview_date.clone(),
        languages: serde_json::to_string(&input.languages).map_err(Error::internal)?,
        source_connection: input.source_connection.clone(),
        reliability: input.reliability.as_str().to_owned(),
        content: fields::seal_content(&sealer, &content)?,
        consent: fields::seal_consent(&sealer, &input.consent)?,
        digest: None,
        sealed_at: None,
        created_at: at.now,
    };
    diesel::insert_into(testimonies::table).values(&row).execute(c)?;
    Ok((row, content))
}

/// Keeps the blind index in step with a testimony version (same transaction), from the
/// content just written rather than reading and decrypting it back; with the entries
/// prepared before the transaction (`prepare`) when they still fit.
fn reindex(
    c: &mut DbConnection,
    keyring: &Keyring,
    row: &Row,
    content: &Content,
    ahead: Option<Prepared>,
) -> Result<()> {
    let witness = persons::load(c, &row.witness_id)?;
    let text = searchable_text(content, &witness.pseudonym);
    crate::search::index::index_testimony_with(c, keyring, ahead, (&row.case_id, &row.id), &text)
}

/// Creates a draft, complete or (the pages' autosave) only as far as it was typed.
pub fn create(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::TestimonyDraft>,
    case_id: Uuid,
    input: &TestimonyInput,
    completeness: Completeness,
    now: NaiveDateTime,
) -> Result<TestimonyView> {
    create_ahead(c, keyring, who, case_id, input, completeness, now, None)
}

/// `create`, with its id and index entries prepared before the transaction (`prepare`).
#[allow(clippy::too_many_arguments)]
pub fn create_ahead(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::TestimonyDraft>,
    case_id: Uuid,
    input: &TestimonyInput,
    completeness: Completeness,
    now: NaiveDateTime,
    ahead: Option<Ahead>,
) -> Result<TestimonyView> {
    let case_id = case_id.to_string();
    let role = access::authorize_for(c, who, &case_id)?;
    let (id, index) = match ahead {
        Some(a) => (a.id, Some(a.index)),
        None => (Uuid::new_v4().to_string(), None),
    };
    create_in(c, keyring, &who.principal, role, (&case_id, &id), input, completeness, now, index)
}

/// A draft under an id chosen before it exists (a field submission's, so the intake
/// entries already naming that id head its chain of custody), as far as it was given.
pub fn create_draft_as(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::TestimonyDraft>,
    (case_id, id): (Uuid, Uuid),
    input: &TestimonyInput,
    now: NaiveDateTime,
) -> Result<TestimonyView> {
    let case_id = case_id.to_string();
    let role = access::authorize_for(c, who, &case_id)?;
    let id = id.to_string();
    create_in(c, keyring, &who.principal, role, (&case_id, &id), input, Completeness::Draft, now, None)
}

#[allow(clippy::too_many_arguments)]
fn create_in(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    role: CaseRole,
    (case_id, id): (&str, &str),
    input: &TestimonyInput,
    completeness: Completeness,
    now: NaiveDateTime,
    ahead: Option<Prepared>,
) -> Result<TestimonyView> {
    check(c, case_id, input, completeness)?;
    let at = NewVersion { who, case_id, id, root_id: id, version: 1, now };
    let (row, content) = insert(c, keyring, &at, input, None)?;
    reindex(c, keyring, &row, &content, ahead)?;
    audit::append(
        c,
        &Entry::new(who, "testimony.create").target("testimony", id).detail("case_id", case_id),
    )?;
    view_of(c, keyring, who, role, row, content, input.consent.clone())
}

/// A testimony recorded whole and sealed at once (an import: the account exists,
/// complete, elsewhere already). The same checks, rows, index entries and audit entries
/// as a draft created and then sealed by its author, without reading back and decrypting
/// what was just written, or building views nobody reads. Its id.
pub fn create_sealed(
    c: &mut DbConnection,
    keyring: &Keyring,
    (draft, seal): (&Allowed<act::TestimonyDraft>, &Allowed<act::TestimonySeal>),
    case_id: Uuid,
    input: &TestimonyInput,
    now: NaiveDateTime,
) -> Result<Uuid> {
    let case_id = case_id.to_string();
    access::authorize_for(c, draft, &case_id)?;
    let role = access::authorize_for(c, seal, &case_id)?;
    // The one who records it is its author, who may seal it.
    records::may_act_on_testimony(Action::TestimonySeal, role, true)?;
    let who = &draft.principal;
    check(c, &case_id, input, Completeness::Full)?;
    let id = Uuid::new_v4().to_string();
    let at = NewVersion { who, case_id: &case_id, id: &id, root_id: &id, version: 1, now };
    let (mut row, content) = insert(c, keyring, &at, input, None)?;
    reindex(c, keyring, &row, &content, None)?;
    audit::append(
        c,
        &Entry::new(who, "testimony.create").target("testimony", &id).detail("case_id", case_id.clone()),
    )?;
    let digest = seal_row(c, &mut row, &content, &input.consent, now)?;
    audit::append(c, &Entry::new(who, "testimony.seal").target("testimony", &id).detail("digest", digest))?;
    Uuid::parse_str(&id).map_err(|_| Error::Integrity)
}

/// The new testimony form's first save (autosave, Save draft, or a form kept over a
/// sign-in): the witness, when new, and the draft, in one transaction — as far as it
/// was typed; sealing asks for the rest.
pub fn create_from_form(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::TestimonyDraft>,
    case_id: Uuid,
    form: &DraftForm,
    now: NaiveDateTime,
) -> Result<TestimonyView> {
    let case = case_id.to_string();
    let role = access::authorize_for(c, who, &case)?;
    if form.blank {
        return Err(Error::field("account", "required", "must not be empty"));
    }
    let witness = match &form.witness {
        WitnessChoice::Existing(id) => *id,
        WitnessChoice::New(names) => {
            let person = NewPerson {
                kind: PersonKind::Witness,
                pseudonym: None,
                sex: Default::default(),
                names: names.clone(),
                aliases: vec![],
                birth_date: None,
                contact: None,
                rank: None,
                position: None,
                unit_id: None,
                notes: None,
            };
            persons::create_at(c, keyring, &who.principal, case_id, &person, now)?.id
        }
        WitnessChoice::Invalid => return Err(choose_a_witness()),
    };
    let input = form.input_for(witness)?;
    let id = Uuid::new_v4().to_string();
    create_in(c, keyring, &who.principal, role, (&case, &id), &input, Completeness::Draft, now, None)
}

fn choose_a_witness() -> Error {
    Error::Validation(vec![FieldError::new("witness_id", "invalid", "choose a witness")])
}

/// Replaces a draft's content, complete or only as far as it was typed. Only its
/// author, only while it is a draft.
pub fn update(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::TestimonyDraft>,
    id: Uuid,
    input: &TestimonyInput,
    completeness: Completeness,
) -> Result<TestimonyView> {
    let id = id.to_string();
    let (case_id, role) = access::authorize_record_for(c, who, RecordTable::Testimony, &id)?;
    update_in(c, keyring, &who.principal, &case_id, role, &id, input, completeness)
}

/// A draft saved from the edit form (or its autosave). Who may change it is decided
/// before what they sent is judged. A new witness whose draft autosave created gets
/// the names typed since.
pub fn update_from_form(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::TestimonyDraft>,
    id: Uuid,
    form: &DraftForm,
    now: NaiveDateTime,
) -> Result<TestimonyView> {
    let sid = id.to_string();
    let (case_id, role) = access::authorize_record_for(c, who, RecordTable::Testimony, &sid)?;
    let witness = match &form.witness {
        WitnessChoice::Existing(w) => *w,
        WitnessChoice::New(names) => {
            let w = load(c, &sid)?.witness_id.parse::<Uuid>().map_err(Error::internal)?;
            if !names.is_empty() {
                let names = persons::PersonUpdate { names: Some(names.clone()), ..Default::default() };
                persons::update_at(c, keyring, &who.principal, w, &names, now)?;
            }
            w
        }
        WitnessChoice::Invalid => return Err(choose_a_witness()),
    };
    let input = form.input_for(witness)?;
    update_in(c, keyring, &who.principal, &case_id, role, &sid, &input, Completeness::Draft)
}

/// The draft `id` as its author may change it: loaded, checked against the record
/// rules, still a draft.
fn own_draft(c: &mut DbConnection, who: &Principal, role: CaseRole, id: &str) -> Result<Row> {
    let row = load(c, id)?;
    records::may_act_on_testimony(Action::TestimonyDraft, role, row.author_id == who.user_id.to_string())?;
    if row.status() != Status::Draft {
        return Err(Error::Conflict("testimony_sealed"));
    }
    Ok(row)
}

#[allow(clippy::too_many_arguments)]
fn update_in(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    case_id: &str,
    role: CaseRole,
    id: &str,
    input: &TestimonyInput,
    completeness: Completeness,
) -> Result<TestimonyView> {
    let mut row = own_draft(c, who, role, id)?;
    check(c, case_id, input, completeness)?;
    let sealer = Sealer::open(c, keyring, TABLE, id)?;
    let content = Content::of(input, None);
    row.witness_id = input.witness_id.to_string();
    row.interview_date = input.interview_date.clone();
    row.languages = serde_json::to_string(&input.languages).map_err(Error::internal)?;
    row.source_connection = input.source_connection.clone();
    row.reliability = input.reliability.as_str().to_owned();
    row.content = fields::seal_content(&sealer, &content)?;
    row.consent = fields::seal_consent(&sealer, &input.consent)?;
    diesel::update(testimonies::table.find(id))
        .filter(testimonies::status.eq(Status::Draft.as_str()))
        .set((
            testimonies::witness_id.eq(&row.witness_id),
            testimonies::interview_date.eq(&row.interview_date),
            testimonies::languages.eq(&row.languages),
            testimonies::source_connection.eq(&row.source_connection),
            testimonies::reliability.eq(&row.reliability),
            testimonies::content.eq(&row.content),
            testimonies::consent.eq(&row.consent),
        ))
        .execute(c)?;
    reindex(c, keyring, &row, &content, None)?;
    audit::append(c, &Entry::new(who, "testimony.update").target("testimony", id))?;
    view_of(c, keyring, who, role, row, content, input.consent.clone())
}

/// Records the digest of a draft whose fields are in hand, and marks it sealed (in the
/// database and in `row`). A draft saved as it was typed may lack what a testimony
/// needs: sealed, it could never be completed.
fn seal_row(
    c: &mut DbConnection,
    row: &mut Row,
    content: &Content,
    consent: &Consent,
    now: NaiveDateTime,
) -> Result<String> {
    let mut missing = Vec::new();
    if content.account.trim().is_empty() {
        missing.push(FieldError::new("account", "required", "must not be empty"));
    }
    if row.source_connection.is_empty() {
        missing.push(FieldError::new("source_connection", "required", "must not be empty"));
    }
    if rules::DATE.check("consent.given_on", &consent.given_on).is_err() {
        missing.push(FieldError::new("consent.given_on", "required", "the date consent was given"));
    }
    if consent.how_given == HowGiven::NotRecorded {
        missing.push(FieldError::new("consent.how_given", "required", "choose how consent was given"));
    }
    if !missing.is_empty() {
        return Err(Error::Validation(missing));
    }
    let digest = digest(row, content)?;
    let changed = diesel::update(testimonies::table.find(&row.id))
        .filter(testimonies::status.eq(Status::Draft.as_str()))
        .set((
            testimonies::status.eq(Status::Sealed.as_str()),
            testimonies::digest.eq(&digest),
            testimonies::sealed_at.eq(now),
        ))
        .execute(c)?;
    if changed == 0 {
        return Err(Error::Conflict("testimony_sealed"));
    }
    row.status = Status::Sealed.as_str().to_owned();
    row.digest = Some(digest.clone());
    row.sealed_at = Some(now);
    Ok(digest)
}

/// Seals a draft (its author, or the case lead): records its digest; from now on it
/// never changes.
pub fn seal(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::TestimonySeal>,
    id: Uuid,
    now: NaiveDateTime,
) -> Result<TestimonyView> {
    let id = id.to_string();
    let (_, role) = access::authorize_record_for(c, who, RecordTable::Testimony, &id)?;
    let p = &who.principal;
    let mut row = load(c, &id)?;
    records::may_act_on_testimony(Action::TestimonySeal, role, row.author_id == p.user_id.to_string())?;
    let sealer = Sealer::open(c, keyring, TABLE, &id)?;
    let content = fields::open_content(&sealer, &row.content)?;
    let consent = fields::open_consent(&sealer, &row.consent)?;
    let digest = seal_row(c, &mut row, &content, &consent, now)?;
    audit::append(c, &Entry::new(p, "testimony.seal").target("testimony", &id).detail("digest", digest))?;
    view_of(c, keyring, p, role, row, content, consent)
}

/// A correction: a new version of the account, sealed at once; earlier versions stay.
pub fn correct(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::TestimonyCorrect>,
    id: Uuid,
    input: &Correction,
    now: NaiveDateTime,
) -> Result<TestimonyView> {
    let id = id.to_string();
    let (case_id, role) = access::authorize_record_for(c, who, RecordTable::Testimony, &id)?;
    correct_in(c, keyring, &who.principal, &case_id, role, &id, input, now)
}

/// A correction from the pages' form: authorised once, before the form is judged.
pub fn correct_from_form(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::TestimonyCorrect>,
    id: Uuid,
    form: &DraftForm,
    correction_reason: String,
    now: NaiveDateTime,
) -> Result<TestimonyView> {
    let sid = id.to_string();
    let (case_id, role) = access::authorize_record_for(c, who, RecordTable::Testimony, &sid)?;
    let WitnessChoice::Existing(witness) = form.witness else { return Err(choose_a_witness()) };
    let testimony = form.input_for(witness)?;
    let correction = Correction { testimony, correction_reason };
    correct_in(c, keyring, &who.principal, &case_id, role, &sid, &correction, now)
}

#[allow(clippy::too_many_arguments)]
fn correct_in(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    case_id: &str,
    role: CaseRole,
    id: &str,
    input: &Correction,
    now: NaiveDateTime,
) -> Result<TestimonyView> {
    let row = load(c, id)?;
    rules::CORRECTION_REASON
        .check("correction_reason", &input.correction_reason)
        .map_err(|e| Error::Validation(vec![e]))?;
    check(c, case_id, &input.testimony, Completeness::Full)?;
    let latest: Option<(i32, String)> = testimonies::table
        .filter(testimonies::root_id.eq(&row.root_id))
        .order(testimonies::version.desc())
        .select((testimonies::version, testimonies::status))
        .first(c)
        .optional()?;
    let Some((latest_version, latest_status)) = latest else { return Err(Error::NotFound) };
    if Status::parse(&latest_status) != Status::Sealed {
        return Err(Error::Conflict("latest_version_is_a_draft"));
    }
    let new_id = Uuid::new_v4().to_string();
    let at =
        NewVersion { who, case_id, id: &new_id, root_id: &row.root_id, version: latest_version + 1, now };
    let reason = Some(input.correction_reason.clone());
    let (mut new_row, content) = insert(c, keyring, &at, &input.testimony, reason)?;
    let digest = seal_row(c, &mut new_row, &content, &input.testimony.consent, now)?;
    reindex(c, keyring, &new_row, &content, None)?;
    audit::append(
        c,
        &Entry::new(who, "testimony.version")
            .target("testimony", &new_id)
            .detail("root_id", row.root_id.clone())
            .detail("version", latest_version + 1)
            .detail("digest", digest),
    )?;
    view_of(c, keyring, who, role, new_row, content, input.testimony.consent.clone())
}

/// Discards a draft (its author only): the row goes and its data key is destroyed
/// (crypto-shredding), as are its attachments' keys and rows. Returns the blob ids to
/// delete once the transaction has committed. A sealed testimony is never deleted.
pub fn discard(c: &mut DbConnection, who: &Allowed<act::TestimonyDraft>, id: Uuid) -> Result<Vec<Uuid>> {
    use crate::store::schema::{attachments, involvement_evidence};
    let id = id.to_string();
    let (_, role) = access::authorize_record_for(c, who, RecordTable::Testimony, &id)?;
    let row = own_draft(c, &who.principal, role, &id)?;
    let files: Vec<(String, String)> = attachments::table
        .filter(attachments::testimony_id.eq(&id))
        .select((attachments::id, attachments::blob_id))
        .load(c)?;
    for (attachment, _) in &files {
        crate::keys::store::shred(c, crate::cases::attachments::TABLE, attachment)?;
    }
    diesel::delete(attachments::table.filter(attachments::testimony_id.eq(&id))).execute(c)?;
    if row.version == 1 {
        diesel::delete(
            testimony_incidents::table.filter(testimony_incidents::testimony_root_id.eq(&row.root_id)),
        )
        .execute(c)?;
        diesel::delete(
            involvement_evidence::table.filter(involvement_evidence::testimony_root_id.eq(&row.root_id)),
        )
        .execute(c)?;
    }
    diesel::delete(testimonies::table.find(&id)).execute(c)?;
    crate::keys::store::shred(c, TABLE, &id)?;
    crate::search::index::remove(c, crate::search::index::Index::Testimonies, &id)?;
    audit::append(
        c,
        &Entry::new(&who.principal, "testimony.discard")
            .target("testimony", &id)
            .detail("attachments", files.len()),
    )?;
    files.iter().map(|(_, blob)| Uuid::parse_str(blob).map_err(|_| Error::Integrity)).collect()
}
