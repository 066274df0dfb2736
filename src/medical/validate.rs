//! Is an evaluation well-formed? Every error names the field by its path in the
//! request (`content.findings[0].methods[1]`), all of them at once, before anything is
//! written. The rule a court weighs most: a finding is assessed only against methods the
//! person alleged (section V), never against one the clinician supplied.

use std::collections::HashSet;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::model::EvaluationContent;
use crate::access::membership::{RecordTable, case_of};
use crate::cases::validate::{Checks, language_code};
use crate::error::{Error, FieldError, Result};
use crate::rules::{self, Items, Text};
use crate::store::DbConnection;
use crate::store::schema::vocabulary_terms;

/// A line of a name or reference.
static LINE: Text = Text { max_chars: 500, required: false, single_line: true };
/// A section of the evaluation: as long as a long account may need.
static SECTION: Text = Text { max_chars: 100_000, required: false, single_line: false };
static FINDING_LABEL: Text = Text { max_chars: 20, required: true, single_line: true };
static PLACES: Items = Items { max: 100 };
static SYSTEMS: Items = Items { max: 50 };
static FINDINGS: Items = Items { max: 500 };
static MARKS: Items = Items { max: 1000 };
static INCIDENTS: Items = Items { max: 500 };
/// A finding may be psychological rather than of a body system.
pub const PSYCHOLOGICAL: &str = "psychological";

/// The codes of one vocabulary.
pub(crate) fn codes(c: &mut DbConnection, vocabulary: &str) -> Result<HashSet<String>> {
    Ok(vocabulary_terms::table
        .filter(vocabulary_terms::vocabulary.eq(vocabulary))
        .select(vocabulary_terms::code)
        .load::<String>(c)?
        .into_iter()
        .collect())
}

/// Checks the whole of an evaluation for the case it belongs to; `today` bounds the
/// examination date.
pub(crate) fn check(
    c: &mut DbConnection,
    case_id: &str,
    examined_on: Option<&str>,
    content: &EvaluationContent,
    incident_ids: &[uuid::Uuid],
    today: NaiveDate,
) -> Result<()> {
    let mut checks = Checks::default();
    if let Some(d) = examined_on
        && let Some(day) = checks.check(rules::DATE.check("examined_on", d))
        && day > today
    {
        checks.0.push(FieldError::new("examined_on", "in_future", "must not be after today"));
    }
    texts(&mut checks, content);
    if !content.language.is_empty() && !language_code(&content.language) {
        checks.0.push(FieldError::new("content.language", "invalid_language", "an ISO 639-1 or 639-3 code"));
    }
    let ci = &content.case_information;
    checks.check(
        rules::PERSONS_PRESENT.check("content.case_information.persons_present", ci.persons_present.len()),
    );
    for (i, p) in ci.persons_present.iter().enumerate() {
        checks.check(LINE.check(&format!("content.case_information.persons_present[{i}]"), p));
    }
    if ci.duration_minutes.is_some_and(|m| m > 24 * 60) {
        checks.0.push(FieldError::new(
            "content.case_information.duration_minutes",
            "out_of_range",
            "at most 1440 minutes",
        ));
    }
    let methods = codes(c, "torture_method")?;
    let systems = codes(c, "body_system")?;
    let regions = codes(c, "body_region")?;
    let alleged = allegations(c, &mut checks, case_id, content, &methods)?;
    checks.check(SYSTEMS.check("content.examination", content.examination.len()));
    for (i, e) in content.examination.iter().enumerate() {
        if !systems.contains(&e.system) {
            checks.0.push(unknown(&format!("content.examination[{i}].system"), "body_system"));
        }
        checks.check(SECTION.check(&format!("content.examination[{i}].findings"), &e.findings));
    }
    let labels = findings(&mut checks, content, &alleged, &systems);
    marks(&mut checks, content, &labels, &regions);
    checks.check(INCIDENTS.check("incident_ids", incident_ids.len()));
    for (i, incident) in incident_ids.iter().enumerate() {
        if !in_case(c, RecordTable::Incident, &incident.to_string(), case_id)? {
            checks.0.push(not_in_case(&format!("incident_ids[{i}]")));
        }
    }
    checks.finish()
}

fn texts(checks: &mut Checks, content: &EvaluationContent) {
    let ci = &content.case_information;
    let cl = &content.clinician;
    let lines = [
        ("content.case_information.requested_by", &ci.requested_by),
        ("content.case_information.request_reference", &ci.request_reference),
        ("content.case_information.place_of_examination", &ci.place_of_examination),
        ("content.case_information.interpreter", &ci.interpreter),
        ("content.clinician.qualifications", &cl.qualifications),
    ];
    for (field, value) in lines {
        checks.check(LINE.check(field, value));
    }
    checks.check(rules::NAME.check("content.clinician.name", &cl.name));
    let co = &content.conclusions;
    let mut blocks = vec![
        ("content.case_information.reason", &ci.reason),
        ("content.case_information.restraints", &ci.restraints),
        ("content.case_information.restrictions", &ci.restrictions),
        ("content.clinician.experience", &cl.experience),
        ("content.background", &content.background),
        ("content.allegations.summary", &content.allegations.summary),
        ("content.allegations.arrest", &content.allegations.arrest),
        ("content.physical_symptoms", &content.physical_symptoms),
        ("content.general_appearance", &content.general_appearance),
        ("content.diagnostic_tests", &content.diagnostic_tests),
        ("content.consultations", &content.consultations),
        ("content.conclusions.physical_interpretation", &co.physical_interpretation),
        ("content.conclusions.psychological_interpretation", &co.psychological_interpretation),
        ("content.conclusions.statement", &co.statement),
        ("content.conclusions.recommendations", &co.recommendations),
    ];
    if let Some(p) = &content.psychological {
        blocks.extend([
            ("content.psychological.methods_of_assessment", &p.methods_of_assessment),
            ("content.psychological.current_complaints", &p.current_complaints),
            ("content.psychological.post_torture_history", &p.post_torture_history),
            ("content.psychological.pre_torture_history", &p.pre_torture_history),
            ("content.psychological.past_psychiatric_history", &p.past_psychiatric_history),
            ("content.psychological.substance_use", &p.substance_use),
            ("content.psychological.mental_status", &p.mental_status),
            ("content.psychological.social_functioning", &p.social_functioning),
            ("content.psychological.testing", &p.testing),
            ("content.psychological.diagnoses", &p.diagnoses),
        ]);
    }
    for (field, value) in blocks {
        checks.check(SECTION.check(field, value));
    }
}

/// The places of section V; returns every method alleged at any of them.
fn allegations(
    c: &mut DbConnection,
    checks: &mut Checks,
    case_id: &str,
    content: &EvaluationContent,
    methods: &HashSet<String>,
) -> Result<HashSet<String>> {
    let places = &content.allegations.places;
    checks.check(PLACES.check("content.allegations.places", places.len()));
    let mut alleged = HashSet::new();
    for (i, p) in places.iter().enumerate() {
        let at = format!("content.allegations.places[{i}]");
        if let Some(place) = p.place_id
            && !in_case(c, RecordTable::Place, &place.to_string(), case_id)?
        {
            checks.0.push(not_in_case(&format!("{at}.place_id")));
        }
        checks.check(LINE.check(&format!("{at}.period"), &p.period));
        for (field, value) in
            [("description", &p.description), ("conditions", &p.conditions), ("narrative", &p.narrative)]
        {
            checks.check(SECTION.check(&format!("{at}.{field}"), value));
        }
        checks.check(rules::METHODS.check(&format!("{at}.methods"), p.methods.len()));
        for (j, m) in p.methods.iter().enumerate() {
            if methods.contains(m) {
                alleged.insert(m.clone());
            } else {
                checks.0.push(unknown(&format!("{at}.methods[{j}]"), "torture_method"));
            }
        }
    }
    Ok(alleged)
}

/// The findings: labels unique, systems known, methods alleged. Returns the labels.
fn findings<'a>(
    checks: &mut Checks,
    content: &'a EvaluationContent,
    alleged: &HashSet<String>,
    systems: &HashSet<String>,
) -> HashSet<&'a str> {
    checks.check(FINDINGS.check("content.findings", content.findings.len()));
    let mut labels = HashSet::new();
    for (i, f) in content.findings.iter().enumerate() {
        let at = format!("content.findings[{i}]");
        if checks.check(FINDING_LABEL.check(&format!("{at}.label"), &f.label)).is_some()
            && !labels.insert(f.label.as_str())
        {
            checks.0.push(FieldError::new(
                format!("{at}.label"),
                "duplicate",
                "another finding has this label",
            ));
        }
        if f.system != PSYCHOLOGICAL && !systems.contains(&f.system) {
            checks.0.push(unknown(&format!("{at}.system"), "body_system"));
        }
        checks.check(SECTION.check(&format!("{at}.description"), &f.description));
        checks.check(rules::METHODS.check(&format!("{at}.methods"), f.methods.len()));
        for (j, m) in f.methods.iter().enumerate() {
            if !alleged.contains(m) {
                checks.0.push(FieldError::new(
                    format!("{at}.methods[{j}]"),
                    "not_alleged",
                    "not a method alleged in content.allegations.places[].methods",
                ));
            }
        }
    }
    labels
}

fn marks(
    checks: &mut Checks,
    content: &EvaluationContent,
    labels: &HashSet<&str>,
    regions: &HashSet<String>,
) {
    checks.check(MARKS.check("content.body_marks", content.body_marks.len()));
    for (i, m) in content.body_marks.iter().enumerate() {
        let at = format!("content.body_marks[{i}]");
        if !regions.contains(&m.region) {
            checks.0.push(unknown(&format!("{at}.region"), "body_region"));
        }
        if !labels.contains(m.finding.as_str()) {
            checks.0.push(FieldError::new(
                format!("{at}.finding"),
                "unknown_finding",
                "not the label of a finding",
            ));
        }
        for (axis, v) in [("x", m.x), ("y", m.y)] {
            if v.is_some_and(|v| !v.is_finite() || !(0.0..=1.0).contains(&v)) {
                checks.0.push(FieldError::new(
                    format!("{at}.{axis}"),
                    "out_of_range",
                    "a number from 0 to 1",
                ));
            }
        }
        if m.x.is_some() != m.y.is_some() {
            let missing = if m.x.is_none() { "x" } else { "y" };
            checks.0.push(FieldError::new(
                format!("{at}.{missing}"),
                "required",
                "give both x and y, or neither",
            ));
        }
    }
}

fn in_case(c: &mut DbConnection, table: RecordTable, id: &str, case_id: &str) -> Result<bool> {
    match case_of(c, table, id) {
        Ok(other) => Ok(other == case_id),
        Err(Error::NotFound) => Ok(false),
        Err(e) => Err(e),
    }
}

fn not_in_case(field: &str) -> FieldError {
    FieldError::new(field, "not_in_case", "no such record in this case")
}

fn unknown(field: &str, vocabulary: &str) -> FieldError {
    FieldError::new(field, "unknown_code", format!("not a term of the {vocabulary} vocabulary"))
}
