//! Reading testimonies: one version as the reader may see it (audited), the latest
//! version of every account in a case (metadata only), and every sealed version of an
//! account for evidence bundles.

use diesel::prelude::*;
use uuid::Uuid;

use super::TABLE;
use super::redact::redact;
use super::stored::fields;
use super::types::{Consent, Content, Row, Status, TestimonySummary, TestimonyView, VersionRef, WitnessRef};
use crate::access::membership::{self as access, RecordTable};
use crate::access::policy::{Action, CaseRole};
use crate::access::records;
use crate::audit::{self, Entry};
use crate::auth::Principal;
use crate::cases::sealed::Sealer;
use crate::cases::{attachments, parse_uuid, persons};
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::{testimonies, testimony_incidents};

type VersionRow = (String, i32, String, Option<String>, Option<chrono::NaiveDateTime>);
type SummaryRow =
    (String, String, i32, String, String, Option<String>, String, String, Option<chrono::NaiveDateTime>);

pub fn load(c: &mut DbConnection, id: &str) -> Result<Row> {
    Ok(testimonies::table.find(id).select(Row::as_select()).first(c)?)
}

/// One version as `who` may see it, opening its sealed fields.
pub(crate) fn view(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    role: CaseRole,
    id: &str,
) -> Result<TestimonyView> {
    let row = load(c, id)?;
    let sealer = Sealer::open(c, keyring, TABLE, id)?;
    let content = fields::open_content(&sealer, &row.content)?;
    let consent = fields::open_consent(&sealer, &row.consent)?;
    view_of(c, keyring, who, role, row, content, consent)
}

/// One version as `who` may see it, from its row and the sealed fields already in hand
/// (just written, or just opened): nothing is decrypted twice.
pub(crate) fn view_of(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    role: CaseRole,
    row: Row,
    content: Content,
    consent: Consent,
) -> Result<TestimonyView> {
    let witness = persons::load(c, &row.witness_id)?;
    let shown = records::identity_shown(
        role,
        row.author_id == who.user_id.to_string(),
        persons::may_see_identity(&witness, who, role),
    );
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
    let attachments = attachments::list_for_testimony(c, keyring, &row.id)?;
    Ok(TestimonyView {
        id: parse_uuid(&row.id)?,
        root_id: parse_uuid(&row.root_id)?,
        version: row.version,
        status: row.status(),
        case_id: parse_uuid(&row.case_id)?,
        witness: WitnessRef { id: parse_uuid(&witness.id)?, pseudonym: witness.pseudonym.clone(), names },
        author_id: parse_uuid(&row.author_id)?,
        interview_date: row.interview_date,
        interview_place: content.interview_place,
        languages: serde_json::from_str(&row.languages).map_err(|_| Error::Integrity)?,
        source_connection: row.source_connection,
        reliability: super::types::Reliability::parse(&row.reliability),
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
        incidents: incidents.iter().map(|i| parse_uuid(i)).collect::<Result<_>>()?,
        attachments,
        versions: versions
            .into_iter()
            .map(|(vid, version, st, digest, sealed_at)| {
                Ok(VersionRef {
                    id: parse_uuid(&vid)?,
                    version,
                    status: Status::parse(&st),
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

/// One version as `who` may see it. Reads only: release it only after `record_read`.
pub(crate) fn find(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    id: Uuid,
) -> Result<TestimonyView> {
    let id = id.to_string();
    let (_, role) = access::authorize_record(c, who, RecordTable::Testimony, &id, Action::CaseRead)?;
    view(c, keyring, who, role, &id)
}

pub(crate) fn record_read(c: &mut DbConnection, who: &Principal, v: &TestimonyView) -> Result<()> {
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
    use crate::store::schema::persons as persons_t;
    let case_id = case_id.to_string();
    access::authorize(c, who, &case_id, Action::CaseRead)?;
    let rows: Vec<SummaryRow> = testimonies::table
        .inner_join(persons_t::table.on(persons_t::id.eq(testimonies::witness_id)))
        .filter(testimonies::case_id.eq(&case_id))
        .order((testimonies::root_id.asc(), testimonies::version.desc()))
        .limit(10_000)
        .select((
            testimonies::id,
            testimonies::root_id,
            testimonies::version,
            testimonies::status,
            persons_t::pseudonym,
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
            id: parse_uuid(&id)?,
            root_id: parse_uuid(&root)?,
            version,
            status: Status::parse(&st),
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

/// Every sealed version of an account, oldest first, with its content and consent (for
/// evidence bundles; the caller audits).
pub(crate) fn sealed_versions(
    c: &mut DbConnection,
    keyring: &Keyring,
    root_id: &str,
) -> Result<Vec<(Row, Content, Consent)>> {
    let rows: Vec<Row> = testimonies::table
        .filter(testimonies::root_id.eq(root_id))
        .filter(testimonies::status.eq(Status::Sealed.as_str()))
        .order(testimonies::version.asc())
        .select(Row::as_select())
        .load(c)?;
    rows.into_iter()
        .map(|row| {
            let sealer = Sealer::open(c, keyring, TABLE, &row.id)?;
            let content = fields::open_content(&sealer, &row.content)?;
            let consent = fields::open_consent(&sealer, &row.consent)?;
            Ok((row, content, consent))
        })
        .collect()
}
