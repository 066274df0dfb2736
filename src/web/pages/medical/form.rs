//! The evaluation form: the sections of annex IV as a plain HTML form. Every control is
//! named by its path in the API's input (`content.findings[0].label`), so the service's
//! field errors land next to their controls. Repeatable rows (places, body systems,
//! findings, body marks) always end with one blank row; "More rows" submits the form to
//! get another without saving. Blank rows are dropped when read.

use maud::{Markup, html};
use serde_json::{Map, Value, json};

use crate::error::{Error, FieldError, Result};
use crate::medical::model::{BodyView, Conclusions, Consistency, EvaluationContent, EvaluationKind};
use crate::medical::{EvaluationCorrection, EvaluationInput, Terms};
use crate::web::Ctx;
use crate::web::i18n::Lang;
use crate::web::layout::{csrf_field, field_message};

/// What a submitted form says.
pub(super) struct Submitted {
    pub kind: EvaluationKind,
    pub examined_on: Option<String>,
    pub content: EvaluationContent,
    pub correction_reason: String,
    /// "More rows" rather than save.
    pub more: bool,
    /// Numbers that did not read as numbers.
    pub errors: Vec<FieldError>,
}

impl Submitted {
    pub fn input(&self) -> EvaluationInput {
        EvaluationInput {
            kind: self.kind,
            examined_on: self.examined_on.clone(),
            content: self.content.clone(),
            incident_ids: vec![],
        }
    }

    pub fn correction(&self) -> EvaluationCorrection {
        EvaluationCorrection {
            kind: self.kind,
            examined_on: self.examined_on.clone(),
            content: self.content.clone(),
            correction_reason: self.correction_reason.clone(),
        }
    }
}

/// Reads the form's pairs. A control that was tampered with (an unknown kind or degree)
/// is a bad request; a number that is not one is a field error.
pub(super) fn read(pairs: &[(String, String)]) -> Result<Submitted> {
    let mut content = Value::Object(Map::new());
    let (mut kind, mut examined_on, mut correction_reason, mut more) =
        (String::new(), None, String::new(), false);
    let mut errors = Vec::new();
    for (key, value) in pairs {
        match key.as_str() {
            "kind" => kind = value.clone(),
            "examined_on" => examined_on = Some(value.trim().to_owned()).filter(|v| !v.is_empty()),
            "correction_reason" => correction_reason = value.clone(),
            "action" => more = value == "more",
            k => {
                if let Some(path) = k.strip_prefix("content.") {
                    set(&mut content, key, path, value, &mut errors);
                }
            }
        }
    }
    tidy(&mut content);
    let kind: EvaluationKind = serde_json::from_value(json!(kind)).map_err(|_| bad())?;
    let content: EvaluationContent = serde_json::from_value(content).map_err(|_| bad())?;
    Ok(Submitted { kind, examined_on, content, correction_reason, more, errors })
}

fn bad() -> Error {
    Error::BadRequest("the form could not be read".into())
}

/// Puts `value` at `path` (`findings[0].methods`) into `root`, typed by the field's name.
fn set(root: &mut Value, key: &str, path: &str, value: &str, errors: &mut Vec<FieldError>) {
    let parts: Vec<&str> = path.split('.').collect();
    set_at(root, &parts, key, value, errors);
}

fn set_at(node: &mut Value, parts: &[&str], key: &str, value: &str, errors: &mut Vec<FieldError>) {
    let Some((part, rest)) = parts.split_first() else { return };
    let (name, index) = match part.split_once('[') {
        Some((name, i)) => (name, i.trim_end_matches(']').parse::<usize>().ok()),
        None => (*part, None),
    };
    let Value::Object(map) = node else { return };
    if let Some(index) = index {
        // Rows beyond any a form could show are ignored, not allocated.
        if index > 1000 || rest.is_empty() {
            return;
        }
        let Value::Array(items) = map.entry(name).or_insert_with(|| json!([])) else { return };
        while items.len() <= index {
            items.push(json!({}));
        }
        return set_at(&mut items[index], rest, key, value, errors);
    }
    if !rest.is_empty() {
        let child = map.entry(name).or_insert_with(|| json!({}));
        return set_at(child, rest, key, value, errors);
    }
    let typed = match name {
        "methods" => {
            if let Value::Array(items) = map.entry(name).or_insert_with(|| json!([])) {
                items.push(json!(value));
            }
            return;
        }
        "persons_present" => {
            json!(value.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>())
        }
        "informed_consent" => json!(true),
        "duration_minutes" | "x" | "y" | "place_id" if value.trim().is_empty() => return,
        "duration_minutes" => match value.trim().parse::<u32>() {
            Ok(n) => json!(n),
            Err(_) => return errors.push(FieldError::new(key, "invalid_number", "a whole number")),
        },
        "x" | "y" => match value.trim().parse::<f32>() {
            Ok(n) if n.is_finite() => json!(n),
            _ => return errors.push(FieldError::new(key, "invalid_number", "a number from 0 to 1")),
        },
        _ => json!(value),
    };
    map.insert(name.to_owned(), typed);
}

/// Drops blank rows, and the psychological section when nothing of it was typed.
fn tidy(content: &mut Value) {
    let Value::Object(map) = content else { return };
    let blank = |row: &Value, keys: &[&str]| {
        keys.iter().all(|k| match row.get(*k) {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.trim().is_empty(),
            Some(Value::Array(a)) => a.is_empty(),
            Some(_) => false,
        })
    };
    let groups: [(&str, &[&str]); 3] = [
        ("examination", &["findings"]),
        ("findings", &["label", "description"]),
        ("body_marks", &["finding", "x", "y"]),
    ];
    for (group, keys) in groups {
        if let Some(Value::Array(rows)) = map.get_mut(group) {
            rows.retain(|r| !blank(r, keys));
            if group == "findings" {
                for r in rows.iter_mut() {
                    if let Value::Object(o) = r {
                        o.entry("methods").or_insert_with(|| json!([]));
                    }
                }
            }
        }
    }
    if let Some(Value::Array(places)) = map.get_mut("allegations").and_then(|a| a.get_mut("places")) {
        places.retain(|r| {
            !blank(r, &["place_id", "description", "period", "conditions", "narrative", "methods"])
        });
    }
    if map.get("psychological").is_some_and(|p| {
        p.as_object().is_some_and(|o| o.values().all(|v| v.as_str().is_some_and(|s| s.trim().is_empty())))
    }) {
        map.remove("psychological");
    }
    map.entry("clinician").or_insert_with(|| json!({"name": ""}));
}

/// A blank evaluation for the new form.
pub(super) fn blank() -> EvaluationContent {
    EvaluationContent {
        language: String::new(),
        case_information: Default::default(),
        clinician: Default::default(),
        background: String::new(),
        allegations: Default::default(),
        physical_symptoms: String::new(),
        general_appearance: String::new(),
        examination: vec![],
        psychological: None,
        diagnostic_tests: String::new(),
        consultations: String::new(),
        findings: vec![],
        body_marks: vec![],
        conclusions: Conclusions {
            physical_interpretation: String::new(),
            psychological_interpretation: String::new(),
            overall_opinion: Consistency::Consistent,
            statement: String::new(),
            recommendations: String::new(),
        },
        correction_reason: String::new(),
    }
}

/// What the form is for.
pub(super) struct FormOf<'a> {
    pub action: String,
    pub kind: EvaluationKind,
    pub examined_on: Option<&'a str>,
    pub content: &'a EvaluationContent,
    /// The correction form asks why.
    pub correction_reason: Option<&'a str>,
    pub errors: &'a [FieldError],
    pub submit: &'static str,
}

struct Draw<'a> {
    ctx: &'a Ctx,
    errors: &'a [FieldError],
    terms: &'a Terms,
    ru: bool,
}

impl Draw<'_> {
    fn error(&self, name: &str) -> Markup {
        let e = self.errors.iter().find(|e| {
            e.field == name
                || e.field.starts_with(&format!("{name}."))
                || e.field.starts_with(&format!("{name}["))
        });
        html! { @if let Some(e) = e { p.error id={ (name) "-error" } role="alert" { (field_message(self.ctx, e)) } } }
    }

    fn invalid(&self, name: &str) -> bool {
        self.errors.iter().any(|e| {
            e.field == name
                || e.field.starts_with(&format!("{name}."))
                || e.field.starts_with(&format!("{name}["))
        })
    }

    fn text(&self, name: &str, label: &str, value: &str) -> Markup {
        html! { div.field.invalid[self.invalid(name)] {
            label for=(name) { (self.ctx.t(label)) }
            input type="text" id=(name) name=(name) value=(value);
            (self.error(name))
        } }
    }

    fn area(&self, name: &str, label: &str, value: &str) -> Markup {
        html! { div.field.invalid[self.invalid(name)] {
            label for=(name) { (self.ctx.t(label)) }
            textarea id=(name) name=(name) rows="3" { (value) }
            (self.error(name))
        } }
    }

    fn select(&self, name: &str, label: &str, options: &[(String, String)], selected: &str) -> Markup {
        html! { div.field.invalid[self.invalid(name)] {
            label for=(name) { (self.ctx.t(label)) }
            select id=(name) name=(name) {
                @for (code, text) in options { option value=(code) selected[code == selected] { (text) } }
            }
            (self.error(name))
        } }
    }

    fn vocab(&self, vocabulary: &str, blank: bool) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = if blank { vec![(String::new(), "—".into())] } else { vec![] };
        out.extend(
            self.terms
                .of(vocabulary)
                .map(|t| (t.code.clone(), if self.ru { t.label_ru.clone() } else { t.label_en.clone() })),
        );
        out
    }

    fn methods(&self, name: &str, label: &str, chosen: &[String]) -> Markup {
        html! { fieldset.field.methods.invalid[self.invalid(name)] {
            legend { (self.ctx.t(label)) }
            @for t in self.terms.of("torture_method") {
                label.check { input type="checkbox" name=(name) value=(t.code) checked[chosen.contains(&t.code)]; " " (if self.ru { &t.label_ru } else { &t.label_en }) }
            }
            (self.error(name))
        } }
    }
}

fn consistency(d: &Draw<'_>) -> Vec<(String, String)> {
    d.vocab("consistency", false)
}

/// The form, for a new evaluation, a draft, or a correction.
pub(super) fn form(ctx: &Ctx, terms: &Terms, f: &FormOf<'_>) -> Markup {
    let d = Draw { ctx, errors: f.errors, terms, ru: ctx.lang() == Lang::Ru };
    let c = f.content;
    let ci = &c.case_information;
    let kinds: Vec<(String, String)> =
        [EvaluationKind::Medical, EvaluationKind::Psychological, EvaluationKind::MedicalPsychological]
            .iter()
            .map(|k| (k.as_str().to_owned(), ctx.t(&format!("ev-kind-{}", k.as_str().replace('_', "-")))))
            .collect();
    let mut systems = d.vocab("body_system", true);
    systems.push(("psychological".into(), ctx.t("ev-psychological-finding")));
    let views =
        vec![("front".to_owned(), ctx.t("ev-view-front")), ("back".to_owned(), ctx.t("ev-view-back"))];
    let psy = c.psychological.clone().unwrap_or_default();
    html! {
        @if !f.errors.is_empty() { div.alert role="alert" { p { (ctx.t("form-has-errors")) } } }
        form #evaluation-form method="post" action=(f.action) {
            (csrf_field(ctx))
            @if let Some(reason) = f.correction_reason {
                (d.area("correction_reason", "ev-correction-reason", reason))
            }
            fieldset { legend { (ctx.t("ev-about")) }
                (d.select("kind", "ev-kind", &kinds, f.kind.as_str()))
                div.field.invalid[d.invalid("examined_on")] {
                    label for="examined_on" { (ctx.t("ev-examined-on")) }
                    input type="date" id="examined_on" name="examined_on" value=(f.examined_on.unwrap_or(""));
                    (d.error("examined_on"))
                }
                (d.text("content.language", "ev-language", &c.language))
            }
            fieldset { legend { (ctx.t("ev-s1")) }
                (d.text("content.case_information.requested_by", "ev-requested-by", &ci.requested_by))
                (d.text("content.case_information.request_reference", "ev-request-reference", &ci.request_reference))
                (d.area("content.case_information.reason", "ev-reason", &ci.reason))
                (d.text("content.case_information.place_of_examination", "ev-place-of-examination", &ci.place_of_examination))
                (d.text("content.case_information.duration_minutes", "ev-duration", &ci.duration_minutes.map(|m| m.to_string()).unwrap_or_default()))
                (d.text("content.case_information.interpreter", "ev-interpreter", &ci.interpreter))
                div.field { label.check { input type="checkbox" name="content.case_information.informed_consent" value="on" checked[ci.informed_consent]; " " (ctx.t("ev-informed-consent")) } }
                (d.area("content.case_information.persons_present", "ev-persons-present", &ci.persons_present.join("\n")))
                (d.area("content.case_information.restraints", "ev-restraints", &ci.restraints))
                (d.area("content.case_information.restrictions", "ev-restrictions", &ci.restrictions))
            }
            fieldset { legend { (ctx.t("ev-s2")) }
                (d.text("content.clinician.name", "ev-clinician-name", &c.clinician.name))
                (d.text("content.clinician.qualifications", "ev-qualifications", &c.clinician.qualifications))
                (d.area("content.clinician.experience", "ev-experience", &c.clinician.experience))
            }
            fieldset { legend { (ctx.t("ev-s4")) } (d.area("content.background", "ev-background", &c.background)) }
            fieldset { legend { (ctx.t("ev-s5")) }
                (d.area("content.allegations.summary", "ev-summary", &c.allegations.summary))
                (d.area("content.allegations.arrest", "ev-arrest", &c.allegations.arrest))
                @for i in 0..=c.allegations.places.len() {
                    @let p = c.allegations.places.get(i).cloned().unwrap_or_default();
                    @let at = format!("content.allegations.places[{i}]");
                    fieldset.row { legend { (ctx.t("ev-place")) " " (i + 1) }
                        @if let Some(id) = p.place_id { input type="hidden" name={ (at) ".place_id" } value=(id); }
                        (d.text(&format!("{at}.description"), "ev-place-description", &p.description))
                        (d.text(&format!("{at}.period"), "ev-period", &p.period))
                        (d.area(&format!("{at}.conditions"), "ev-conditions", &p.conditions))
                        (d.area(&format!("{at}.narrative"), "ev-narrative", &p.narrative))
                        (d.methods(&format!("{at}.methods"), "ev-methods-alleged", &p.methods))
                    }
                }
            }
            fieldset { legend { (ctx.t("ev-s6")) } (d.area("content.physical_symptoms", "ev-physical-symptoms", &c.physical_symptoms)) }
            fieldset { legend { (ctx.t("ev-s7")) }
                (d.area("content.general_appearance", "ev-general-appearance", &c.general_appearance))
                @for i in 0..=c.examination.len() {
                    @let e = c.examination.get(i).cloned().unwrap_or_default();
                    @let at = format!("content.examination[{i}]");
                    fieldset.row { legend { (ctx.t("ev-system")) " " (i + 1) }
                        (d.select(&format!("{at}.system"), "ev-body-system", &d.vocab("body_system", true), &e.system))
                        (d.area(&format!("{at}.findings"), "ev-system-findings", &e.findings))
                    }
                }
            }
            fieldset { legend { (ctx.t("ev-s8")) }
                (d.area("content.psychological.methods_of_assessment", "ev-psy-methods", &psy.methods_of_assessment))
                (d.area("content.psychological.current_complaints", "ev-psy-complaints", &psy.current_complaints))
                (d.area("content.psychological.post_torture_history", "ev-psy-post", &psy.post_torture_history))
                (d.area("content.psychological.pre_torture_history", "ev-psy-pre", &psy.pre_torture_history))
                (d.area("content.psychological.past_psychiatric_history", "ev-psy-past", &psy.past_psychiatric_history))
                (d.area("content.psychological.substance_use", "ev-psy-substance", &psy.substance_use))
                (d.area("content.psychological.mental_status", "ev-psy-mental-status", &psy.mental_status))
                (d.area("content.psychological.social_functioning", "ev-psy-social", &psy.social_functioning))
                (d.area("content.psychological.testing", "ev-psy-testing", &psy.testing))
                (d.area("content.psychological.diagnoses", "ev-psy-diagnoses", &psy.diagnoses))
            }
            fieldset { legend { (ctx.t("ev-s10")) }
                (d.area("content.diagnostic_tests", "ev-diagnostic-tests", &c.diagnostic_tests))
                (d.area("content.consultations", "ev-consultations", &c.consultations))
            }
            fieldset { legend { (ctx.t("ev-findings")) }
                p.hint { (ctx.t("ev-findings-hint")) }
                @for i in 0..=c.findings.len() {
                    @let f = c.findings.get(i);
                    @let at = format!("content.findings[{i}]");
                    fieldset.row { legend { (ctx.t("ev-finding")) " " (i + 1) }
                        (d.text(&format!("{at}.label"), "ev-finding-label", f.map(|f| f.label.as_str()).unwrap_or("")))
                        (d.select(&format!("{at}.system"), "ev-body-system", &systems, f.map(|f| f.system.as_str()).unwrap_or("")))
                        (d.area(&format!("{at}.description"), "ev-finding-description", f.map(|f| f.description.as_str()).unwrap_or("")))
                        (d.methods(&format!("{at}.methods"), "ev-finding-methods", f.map(|f| f.methods.as_slice()).unwrap_or(&[])))
                        (d.select(&format!("{at}.consistency"), "ev-consistency", &consistency(&d), f.map(|f| f.consistency.as_str()).unwrap_or("consistent")))
                    }
                }
            }
            fieldset { legend { (ctx.t("ev-body-marks")) }
                p.hint { (ctx.t("ev-marks-hint")) }
                @for i in 0..=c.body_marks.len() {
                    @let m = c.body_marks.get(i);
                    @let at = format!("content.body_marks[{i}]");
                    fieldset.row { legend { (ctx.t("ev-mark")) " " (i + 1) }
                        (d.text(&format!("{at}.finding"), "ev-mark-finding", m.map(|m| m.finding.as_str()).unwrap_or("")))
                        (d.select(&format!("{at}.view"), "ev-view", &views, m.map(|m| if m.view == BodyView::Back { "back" } else { "front" }).unwrap_or("front")))
                        (d.select(&format!("{at}.region"), "ev-region", &d.vocab("body_region", true), m.map(|m| m.region.as_str()).unwrap_or("")))
                        (d.text(&format!("{at}.x"), "ev-mark-x", &m.and_then(|m| m.x).map(|v| v.to_string()).unwrap_or_default()))
                        (d.text(&format!("{at}.y"), "ev-mark-y", &m.and_then(|m| m.y).map(|v| v.to_string()).unwrap_or_default()))
                    }
                }
            }
            fieldset { legend { (ctx.t("ev-s12")) }
                (d.area("content.conclusions.physical_interpretation", "ev-physical-interpretation", &c.conclusions.physical_interpretation))
                (d.area("content.conclusions.psychological_interpretation", "ev-psychological-interpretation", &c.conclusions.psychological_interpretation))
                (d.select("content.conclusions.overall_opinion", "ev-overall-opinion", &consistency(&d), c.conclusions.overall_opinion.as_str()))
                (d.area("content.conclusions.statement", "ev-statement", &c.conclusions.statement))
                (d.area("content.conclusions.recommendations", "ev-recommendations", &c.conclusions.recommendations))
            }
            div.actions {
                button #evaluation-save type="submit" name="action" value="save" { (ctx.t(f.submit)) }
                button.secondary #evaluation-more type="submit" name="action" value="more" formnovalidate { (ctx.t("ev-more-rows")) }
            }
        }
    }
}
