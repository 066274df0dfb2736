//! An evaluation as plain text (UTF-8), section by section in the order of annex IV:
//! what a bundle carries for reading beside the JSON that is digested.

use std::fmt::Write as _;

use super::model::EvaluationContent;
use super::types::Row;

/// The text of one version; `label` turns a `(vocabulary, code)` into its label.
pub fn render(row: &Row, content: &EvaluationContent, label: &dyn Fn(&str, &str) -> String) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "ISTANBUL PROTOCOL EVALUATION (annex IV)");
    let _ = writeln!(out, "Evaluation: {} (version {} of {})", row.id, row.version, row.root_id);
    let _ = writeln!(out, "Person: {}", row.person_id);
    let _ = writeln!(out, "Kind: {}", row.kind);
    let _ = writeln!(out, "Examined on: {}", row.examined_on.as_deref().unwrap_or("-"));
    let _ = writeln!(out, "Language: {}", if content.language.is_empty() { "-" } else { &content.language });
    if let Some(d) = &row.digest {
        let _ = writeln!(out, "SHA-256 of the canonical content: {d}");
    }
    if let Some(at) = row.sealed_at {
        let _ = writeln!(out, "Sealed at: {}Z", at.format("%Y-%m-%dT%H:%M:%S"));
    }
    if !content.correction_reason.is_empty() {
        section(&mut out, "Reason for this correction", &content.correction_reason);
    }
    let ci = &content.case_information;
    let mut info = String::new();
    for (k, v) in [
        ("Requested by", &ci.requested_by),
        ("Request reference", &ci.request_reference),
        ("Reason", &ci.reason),
        ("Place of examination", &ci.place_of_examination),
        ("Interpreter", &ci.interpreter),
        ("Restraints", &ci.restraints),
        ("Restrictions", &ci.restrictions),
    ] {
        if !v.is_empty() {
            let _ = writeln!(info, "{k}: {v}");
        }
    }
    if let Some(m) = ci.duration_minutes {
        let _ = writeln!(info, "Duration: {m} minutes");
    }
    let _ = writeln!(info, "Informed consent obtained: {}", if ci.informed_consent { "yes" } else { "no" });
    if !ci.persons_present.is_empty() {
        let _ = writeln!(info, "Persons present: {}", ci.persons_present.join("; "));
    }
    section(&mut out, "I. Case information", &info);
    let cl = &content.clinician;
    section(
        &mut out,
        "II. Clinician's qualifications",
        &format!("Name: {}\nQualifications: {}\nExperience: {}", cl.name, cl.qualifications, cl.experience),
    );
    section(&mut out, "IV. Background", &content.background);
    let al = &content.allegations;
    let mut alleg = format!("Summary: {}\nArrest: {}\n", al.summary, al.arrest);
    for (i, p) in al.places.iter().enumerate() {
        let methods: Vec<String> = p.methods.iter().map(|m| label("torture_method", m)).collect();
        let _ = writeln!(
            alleg,
            "Place {}: {}\n  Period: {}\n  Conditions: {}\n  Account: {}\n  Methods alleged: {}",
            i + 1,
            p.description,
            p.period,
            p.conditions,
            p.narrative,
            methods.join("; ")
        );
    }
    section(&mut out, "V. Allegations", &alleg);
    section(&mut out, "VI. Physical symptoms and disabilities", &content.physical_symptoms);
    let mut exam = format!("General appearance: {}\n", content.general_appearance);
    for e in &content.examination {
        let _ = writeln!(exam, "{}: {}", label("body_system", &e.system), e.findings);
    }
    section(&mut out, "VII. Physical examination", &exam);
    if let Some(p) = &content.psychological {
        let mut psy = String::new();
        for (k, v) in [
            ("Methods of assessment", &p.methods_of_assessment),
            ("Current complaints", &p.current_complaints),
            ("Post-torture history", &p.post_torture_history),
            ("Pre-torture history", &p.pre_torture_history),
            ("Past psychiatric history", &p.past_psychiatric_history),
            ("Substance use", &p.substance_use),
            ("Mental status", &p.mental_status),
            ("Social functioning", &p.social_functioning),
            ("Testing", &p.testing),
            ("Diagnoses", &p.diagnoses),
        ] {
            let _ = writeln!(psy, "{k}: {v}");
        }
        section(&mut out, "VIII. Psychological history and examination", &psy);
    }
    section(&mut out, "X. Diagnostic tests", &content.diagnostic_tests);
    section(&mut out, "XI. Consultations", &content.consultations);
    let mut findings = String::new();
    for f in &content.findings {
        let methods: Vec<String> = f.methods.iter().map(|m| label("torture_method", m)).collect();
        let _ = writeln!(
            findings,
            "[{}] {} — {}\n  Methods: {}\n  Degree of consistency: {}",
            f.label,
            label("body_system", &f.system),
            f.description,
            methods.join("; "),
            label("consistency", f.consistency.as_str())
        );
    }
    section(&mut out, "Findings", &findings);
    let mut marks = String::new();
    for m in &content.body_marks {
        let at = match (m.x, m.y) {
            (Some(x), Some(y)) => format!(" at ({x:.3}, {y:.3})"),
            _ => String::new(),
        };
        let view = match m.view {
            super::model::BodyView::Front => "front",
            super::model::BodyView::Back => "back",
        };
        let _ = writeln!(marks, "[{}] {} ({view}){at}", m.finding, label("body_region", &m.region));
    }
    section(&mut out, "Body diagram marks", &marks);
    let co = &content.conclusions;
    section(
        &mut out,
        "XII–XIII. Interpretation and conclusions",
        &format!(
            "Physical interpretation: {}\nPsychological interpretation: {}\nOverall opinion: {}\nStatement: {}\nRecommendations: {}",
            co.physical_interpretation,
            co.psychological_interpretation,
            label("consistency", co.overall_opinion.as_str()),
            co.statement,
            co.recommendations
        ),
    );
    out
}

fn section(out: &mut String, heading: &str, text: &str) {
    let _ = writeln!(out, "\n{heading}\n{}\n{}", "-".repeat(heading.chars().count()), text.trim_end());
}
