//! A case's records as sheets in the import's own shape (the reverse of an import): one
//! sheet per kind of record, its headers the field names of `fields::fields(kind)`
//! after an `id` column, so that the mapping `sheet_out::mapping_toml` writes reads the
//! sheets back into another case with every link right.
//!
//! Ids are the records' UUIDs (a testimony's is its root's: the account, not one
//! version), references are the referenced records' UUIDs, lists are joined by the
//! list separator, partial dates are in the text the import reads back with their
//! precision (`2021-03`, `2020`, `~2021-04-15` for an estimate), codes are codes.
//! Involvements and attachments have no id column: the import knows them by their
//! natural identity (incident, person or unit, role; file and what it belongs to), and
//! only ever adds to them, so a UUID would claim an identity the import does not keep.
//!
//! Only the case lead exports (`case.import`), and sees every identity and contact as
//! the lead does. The reads are audited once, in the caller's transaction:
//! `case.records_export` with the case and the rows of each sheet (`counts`, as
//! `["unit:2", "person:3", …]`).

use diesel::prelude::*;
use uuid::Uuid;

use super::fields::Kind;
use crate::access::membership as access;
use crate::access::policy::{Action, CaseRole};
use crate::audit::{self, Entry};
use crate::auth::Principal;
use crate::cases::testimonies::{self, HowGiven, Status, TestimonyView};
use crate::cases::validate::Precision;
use crate::cases::{attachments, incidents, persons, places, units};
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::testimonies as t;

mod sheets;

use sheets::{Draft, Row, separator_for};
pub use sheets::{Sheet, Sheets, headers};

/// The sheet of sealed testimonies is `testimony`; drafts go to their own sheet, imported
/// with `seal = false` (a mapping has one `seal` per sheet).
pub const DRAFT_SHEET: &str = "testimony_draft";

/// Where an attachment's file would be, in a ZIP or folder given to the import: under its
/// own id, so two files of one name never collide. The export holds no file content.
pub const FILES_DIR: &str = "files";

/// Reads are paged so no `IN (…)` list grows past what a backend binds.
const PAGE: i64 = 500;

/// Every record of a case as sheets, read as its lead sees them, and the read audited as
/// one `case.records_export` entry in the caller's transaction.
pub fn case_sheets(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Principal,
    case_id: &str,
) -> Result<Sheets> {
    let role = access::authorize(c, who, case_id, Action::CaseImport)?;
    let case = Uuid::parse_str(case_id).map_err(|_| Error::NotFound)?;
    let mut drafts = vec![
        unit_rows(c, keyring, who, case)?,
        place_rows(c, keyring, who, case)?,
        person_rows(c, keyring, who, case)?,
    ];
    let (incident_sheet, involvements, mut files) = incident_rows(c, keyring, who, case)?;
    drafts.push(incident_sheet);
    let (sealed, draft, testimony_files) = testimony_rows(c, keyring, who, role, case_id)?;
    drafts.push(sealed);
    drafts.push(draft);
    drafts.push(involvements);
    files.rows.extend(testimony_files.rows);
    drafts.push(files);
    let separator = separator_for(&drafts)?;
    let sheets = drafts.into_iter().map(|d| d.finish(separator)).collect::<Result<Vec<_>>>()?;
    let sheets = Sheets { case_id: case_id.to_owned(), list_separator: separator.to_owned(), sheets };
    // Audit details are ids and codes: each count as `sheet:rows`.
    let counts: Vec<String> = sheets.counts().into_iter().map(|(k, n)| format!("{k}:{n}")).collect();
    audit::append(
        c,
        &Entry::new(who, "case.records_export")
            .target("case", case_id)
            .detail("case_id", case_id.to_owned())
            .detail("counts", counts),
    )?;
    Ok(sheets)
}

/// Reads every page of a case's records of one kind.
fn all<V>(
    mut page: impl FnMut(&mut DbConnection, (i64, i64)) -> Result<(Vec<V>, i64)>,
    c: &mut DbConnection,
) -> Result<Vec<V>> {
    let mut out = Vec::new();
    loop {
        let (mut views, total) = page(c, (PAGE, out.len() as i64))?;
        let got = views.len();
        out.append(&mut views);
        if got == 0 || out.len() as i64 >= total {
            return Ok(out);
        }
    }
}

fn unit_rows(c: &mut DbConnection, k: &Keyring, who: &Principal, case: Uuid) -> Result<Draft> {
    let refs = all(|c, p| Ok(units::read_page(c, k, who, case, p)?.value), c)?;
    let mut sheet = Draft::new(Kind::Unit, Kind::Unit.as_str(), None);
    for r in refs {
        let u = units::build_view(c, k, &r.id.to_string())?;
        // One commander per row: the latest (the import records one per unit).
        let commander = u.commanders.last();
        sheet.push(
            Some(u.id.to_string()),
            vec![
                ("name", u.name.into()),
                ("description", u.description.into()),
                ("parent", u.parent_id.into()),
                ("commander", commander.map(|m| m.person_id).into()),
                ("commander_from", commander.and_then(|m| m.from.clone()).into()),
                ("commander_to", commander.and_then(|m| m.to.clone()).into()),
            ],
        );
    }
    Ok(sheet)
}

fn place_rows(c: &mut DbConnection, k: &Keyring, who: &Principal, case: Uuid) -> Result<Draft> {
    let mut sheet = Draft::new(Kind::Place, Kind::Place.as_str(), None);
    for p in all(|c, page| Ok(places::read_page(c, k, who, case, page)?.value), c)? {
        sheet.push(
            Some(p.id.to_string()),
            vec![
                ("place_type", p.place_type.into()),
                ("name", p.name.into()),
                ("address", p.address.into()),
                ("latitude", p.latitude.map(|n| n.to_string()).into()),
                ("longitude", p.longitude.map(|n| n.to_string()).into()),
            ],
        );
    }
    Ok(sheet)
}

fn person_rows(c: &mut DbConnection, k: &Keyring, who: &Principal, case: Uuid) -> Result<Draft> {
    let mut sheet = Draft::new(Kind::Person, Kind::Person.as_str(), None);
    for p in all(|c, page| Ok(persons::read_page(c, k, who, case, None, page)?.value), c)? {
        if !p.identity_shown {
            // The lead sees every identity; a person shown by pseudonym only would come
            // back nameless.
            return Err(Error::Forbidden);
        }
        sheet.push(
            Some(p.id.to_string()),
            vec![
                ("kind", p.kind.as_str().into()),
                ("pseudonym", p.pseudonym.into()),
                ("sex", code(&p.sex).into()),
                ("names", p.names.unwrap_or_default().into()),
                ("aliases", p.aliases.unwrap_or_default().into()),
                ("birth_date", p.birth_date.into()),
                ("contact", p.contact.into()),
                ("rank", p.rank.into()),
                ("position", p.position.into()),
                ("notes", p.notes.into()),
                ("unit", p.unit_id.into()),
            ],
        );
    }
    Ok(sheet)
}

/// Incidents; their involvements (with the supporting testimonies' roots); the files
/// attached to them.
fn incident_rows(
    c: &mut DbConnection,
    k: &Keyring,
    who: &Principal,
    case: Uuid,
) -> Result<(Draft, Draft, Draft)> {
    let mut sheet = Draft::new(Kind::Incident, Kind::Incident.as_str(), None);
    let mut involvements = Draft::new(Kind::Involvement, Kind::Involvement.as_str(), None);
    let mut files = Draft::new(Kind::Attachment, Kind::Attachment.as_str(), None);
    for i in all(|c, page| Ok(incidents::read_page(c, k, who, case, page)?.value), c)? {
        for a in &i.attachments {
            files.push(None, attachment_row(a, "incident", i.id));
        }
        for inv in &i.involvements {
            involvements.push(
                None,
                vec![
                    ("incident", i.id.to_string().into()),
                    ("role", inv.role.as_str().into()),
                    ("person", inv.person_id.into()),
                    ("unit", inv.unit_id.into()),
                    ("testimonies", inv.testimonies.as_slice().into()),
                ],
            );
        }
        sheet.push(
            Some(i.id.to_string()),
            vec![
                ("act_type", i.act_type.into()),
                ("methods", i.methods.into()),
                ("start", partial_date(i.start_date, i.start_precision).into()),
                ("end", partial_date(i.end_date, i.end_precision).into()),
                ("place", i.place_id.into()),
                ("description", i.description.into()),
                ("victims", i.victim_ids.as_slice().into()),
            ],
        );
    }
    Ok((sheet, involvements, files))
}

fn attachment_row(a: &attachments::AttachmentView, target: &'static str, on: Uuid) -> Row {
    vec![
        ("file", format!("{FILES_DIR}/{}/{}", a.id, a.filename).into()),
        (target, on.to_string().into()),
        ("media_type", a.media_type.as_str().into()),
    ]
}

/// A partial date as the import reads it back with its precision: an estimate is an
/// exact day after `~`; an unknown date is no date.
pub fn partial_date(date: Option<String>, precision: Precision) -> String {
    match (date, precision) {
        (None, _) | (_, Precision::Unknown) => String::new(),
        (Some(d), Precision::Estimate) => format!("~{d}"),
        (Some(d), _) => d,
    }
}

/// A fixed list's code, as the type serializes it.
fn code<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// The latest version of every account: sealed ones and drafts apart, and the files of
/// all its versions.
fn testimony_rows(
    c: &mut DbConnection,
    k: &Keyring,
    who: &Principal,
    role: CaseRole,
    case_id: &str,
) -> Result<(Draft, Draft, Draft)> {
    let versions: Vec<(String, String)> = t::table
        .filter(t::case_id.eq(case_id))
        .order((t::root_id.asc(), t::version.desc()))
        .select((t::id, t::root_id))
        .load(c)?;
    let mut sealed = Draft::new(Kind::Testimony, Kind::Testimony.as_str(), Some(true));
    let mut drafts = Draft::new(Kind::Testimony, DRAFT_SHEET, Some(false));
    let mut files = Draft::new(Kind::Attachment, Kind::Attachment.as_str(), None);
    let mut last_root: Option<String> = None;
    for (id, root) in versions {
        if last_root.as_deref() == Some(root.as_str()) {
            continue;
        }
        last_root = Some(root);
        let v = testimonies::view(c, k, who, role, &id)?;
        if !v.identity_shown {
            return Err(Error::Forbidden);
        }
        for version in &v.versions {
            for a in attachments::list_for_testimony(c, k, &version.id.to_string())? {
                files.push(None, attachment_row(&a, "testimony", v.root_id));
            }
        }
        let sheet = if v.status == Status::Sealed { &mut sealed } else { &mut drafts };
        sheet.push(Some(v.root_id.to_string()), testimony_row(v));
    }
    Ok((sealed, drafts, files))
}

fn testimony_row(v: TestimonyView) -> Row {
    let consent = v.consent;
    let share = consent.share_with;
    let shared: Vec<String> = [
        ("un_bodies", share.un_bodies),
        ("international_mechanisms", share.international_mechanisms),
        ("prosecutors", share.prosecutors),
        ("ngos", share.ngos),
        ("media", share.media),
        ("public", share.public),
    ]
    .into_iter()
    .filter(|(_, on)| *on)
    .map(|(c, _)| c.to_owned())
    .collect();
    let spans: Vec<String> = v.identifying_spans.iter().map(|s| format!("{}-{}", s.start, s.end)).collect();
    let how = match consent.how_given {
        HowGiven::NotRecorded => String::new(),
        h => code(&h),
    };
    vec![
        ("witness", v.witness.id.to_string().into()),
        ("account", v.account.into()),
        ("source_connection", v.source_connection.into()),
        ("interview_date", v.interview_date.into()),
        ("interview_place", v.interview_place.into()),
        ("languages", v.languages.into()),
        ("reliability", v.reliability.as_str().into()),
        ("summary", v.summary.into()),
        ("interviewer", v.interviewer.into()),
        ("interpreter", v.interpreter.into()),
        ("persons_present", v.persons_present.into()),
        ("incidents", v.incidents.as_slice().into()),
        ("identifying_spans", spans.into()),
        ("consent_share_with", shared.into()),
        ("consent_may_be_named", if consent.may_be_named { "yes" } else { "no" }.into()),
        ("consent_given_on", consent.given_on.into()),
        ("consent_how_given", how.into()),
        ("consent_text_version", consent.text_version.into()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::fields;

    #[test]
    fn partial_dates_are_written_as_the_import_reads_their_precision() {
        let p = |d: &str, precision| partial_date(Some(d.to_owned()), precision);
        assert_eq!(p("2021-04-15", Precision::Exact), "2021-04-15");
        assert_eq!(p("2021-04-15", Precision::Estimate), "~2021-04-15");
        assert_eq!(p("2021-03", Precision::Month), "2021-03");
        assert_eq!(p("2020", Precision::Year), "2020");
        assert_eq!(partial_date(None, Precision::Unknown), "");
        for (text, precision) in [("~2021-04-15", "estimate"), ("2021-03", "month"), ("2020", "year")] {
            let read = super::super::dates::partial(text, &[]).expect("a date");
            assert_eq!(read.precision.as_str(), precision);
        }
    }

    #[test]
    fn every_sheet_has_the_fields_of_the_table_after_an_id_when_its_kind_needs_one() {
        for kind in Kind::ALL {
            let h = headers(kind);
            let names: Vec<&str> = fields::fields(kind).iter().map(|d| d.name).collect();
            let offset = usize::from(kind.needs_id());
            assert_eq!(h.len(), names.len() + offset);
            assert_eq!(h.first().map(String::as_str) == Some("id"), kind.needs_id());
            assert!(h[offset..].iter().zip(&names).all(|(a, b)| a == b));
        }
    }

    #[test]
    fn a_field_the_table_lacks_is_an_error_never_a_dropped_value() {
        let mut d = Draft::new(Kind::Place, "place", None);
        d.push(Some("x".into()), vec![("nonsense", "v".into())]);
        assert!(d.finish(";").is_err());
    }

    #[test]
    fn the_list_separator_is_one_no_item_holds() {
        let mut d = Draft::new(Kind::Person, "person", None);
        d.push(Some("x".into()), vec![("names", vec!["A; B".to_owned(), "C".to_owned()].into())]);
        let drafts = vec![d];
        assert_eq!(separator_for(&drafts).ok(), Some("|"));
        let sheet = drafts.into_iter().next().map(|d| d.finish("|")).transpose().ok().flatten();
        assert_eq!(sheet.map(|s| s.rows[0][4].clone()), Some("A; B|C".to_owned()));
    }
}
