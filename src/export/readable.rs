//! `testimony.txt`: an account as plain text, for readers without a JSON viewer. Fields
//! left empty are left out rather than printed blank.

use serde_json::Value;

/// A value as text, or None when it is absent or blank (left out of `testimony.txt`).
fn present(v: &Value) -> Option<String> {
    match v {
        Value::String(t) if !t.trim().is_empty() => Some(t.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(present).collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        }
        _ => None,
    }
}

/// `label: value` lines for the fields that have a value; empty ones are left out
/// rather than printed blank.
fn facts(out: &mut String, fields: &[(&str, &Value)]) {
    for (label, value) in fields {
        if let Some(text) = present(value) {
            out.push_str(&format!("{label}: {text}\n"));
        }
    }
}

/// A plain-text rendering of an account for readers without a JSON viewer.
pub fn testimony_text(doc: &Value) -> String {
    let mut out = String::new();
    let witness = &doc["witness"];
    let pseudonym = present(&witness["pseudonym"]).unwrap_or_default();
    let who = match present(&witness["names"]) {
        Some(names) => format!("{names} ({pseudonym})"),
        None => pseudonym,
    };
    out.push_str(&format!("Testimony {}\n", present(&doc["root_id"]).unwrap_or_default()));
    facts(&mut out, &[("Case", &doc["case_reference"])]);
    out.push_str(&format!("Witness: {who}\n"));
    let consent = &doc["consent"];
    if consent.is_object() {
        let named = if consent["may_be_named"].as_bool() == Some(true) { "yes" } else { "no" };
        facts(
            &mut out,
            &[
                ("Consent given", &consent["given_on"]),
                ("How consent was given", &consent["how_given"]),
                ("Consent text version", &consent["text_version"]),
                ("Consent withdrawn", &consent["withdrawn_on"]),
            ],
        );
        out.push_str(&format!("May be named: {named}\n"));
    }
    for v in doc["versions"].as_array().into_iter().flatten() {
        out.push_str(&format!("\n=== Version {} ===\n", v["version"]));
        facts(
            &mut out,
            &[
                ("Sealed", &v["sealed_at"]),
                ("SHA-256 at sealing", &v["digest_sha256"]),
                ("Interview date", &v["interview_date"]),
                ("Interview place", &v["interview_place"]),
                ("Languages", &v["languages"]),
                ("Interviewer", &v["interviewer"]),
                ("Interpreter", &v["interpreter"]),
                ("Persons present", &v["persons_present"]),
                ("Source", &v["source_connection"]),
                ("Reliability", &v["reliability"]),
                ("Correction", &v["correction_reason"]),
            ],
        );
        if let Some(account) = present(&v["account"]) {
            out.push_str(&format!("\n{account}\n"));
        }
        if let Some(summary) = present(&v["summary"]) {
            out.push_str(&format!("\nSummary: {summary}\n"));
        }
        for a in v["attachments"].as_array().into_iter().flatten() {
            out.push_str(&format!(
                "Attachment: {} ({} bytes, SHA-256 {})\n",
                present(&a["file"]).unwrap_or_default(),
                a["size"],
                present(&a["sha256"]).unwrap_or_default()
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_readable_text_leaves_empty_fields_out() {
        let doc = json!({
            "root_id": "r1", "case_reference": "BY-1", "witness": {"pseudonym": "W-0001", "names": null},
            "consent": {"given_on": "2021-03-01", "how_given": "", "text_version": null, "may_be_named": false},
            "versions": [{"version": 1, "sealed_at": "2021-03-02T10:00:00Z", "digest_sha256": "ab",
                "interview_date": "2021-03-01", "interview_place": null, "languages": ["ru"],
                "interviewer": "", "interpreter": " ", "persons_present": [], "account": "Меня зовут [W-0001].",
                "summary": "", "attachments": []}],
        });
        let text = testimony_text(&doc);
        assert!(text.contains("Witness: W-0001\n") && text.contains("Languages: ru\n"), "{text}");
        assert!(text.contains("Меня зовут [W-0001]."), "{text}");
        for empty in
            ["Interviewer", "Interpreter", "Interview place", "Summary", "Persons present", "How consent"]
        {
            assert!(!text.contains(empty), "{empty} printed empty:\n{text}");
        }
        assert!(!text.lines().any(|l| l.trim_end().ends_with(':')), "{text}");
    }
}
