//! The testimony form: what it holds as typed, how it reads into an input, and how it
//! is drawn (new, edit with autosave, correction).

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use super::{AUTOSAVE_DELAY_SECS, AUTOSAVE_EVERY_SECS, HOW_GIVEN, RELIABILITY, SHARE};
use crate::cases::testimonies::{
    Consent, DraftForm, FormChoices, HowGiven, Reliability, ShareWith, TestimonyInput, TestimonyView,
    WitnessChoice,
};
use crate::cases::vocab::Term;
use crate::error::FieldError;
use crate::web::i18n::Lang;
use crate::web::layout::{self, Nav, csrf_field, field, form_errors};
use crate::web::pages::cases::person_label;
use crate::web::{Ctx, languages, marking};

/// The form as typed: every field a string, so a half-filled form can be shown again
/// exactly as it was, with errors next to the fields.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct TestimonyForm {
    witness_id: String,
    new_witness: String,
    interview_date: String,
    interview_place: String,
    languages: Vec<String>,
    source_connection: String,
    reliability: String,
    interviewer: String,
    interpreter: String,
    persons_present: String,
    share: Vec<String>,
    may_be_named: Option<String>,
    given_on: String,
    how_given: String,
    text_version: String,
    account: String,
    summary: String,
    pub(super) correction_reason: String,
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

impl TestimonyForm {
    fn input(&self, witness_id: Uuid) -> std::result::Result<TestimonyInput, Vec<FieldError>> {
        let mut errors = Vec::new();
        let how_given = match self.how_given.as_str() {
            "written" => HowGiven::Written,
            "oral_recorded" => HowGiven::OralRecorded,
            "oral_witnessed" => HowGiven::OralWitnessed,
            "other" => HowGiven::Other,
            // A draft may be saved before the consent step is filled in.
            "" | "not_recorded" => HowGiven::NotRecorded,
            _ => {
                errors.push(FieldError::new("consent.how_given", "required", "choose how consent was given"));
                HowGiven::Other
            }
        };
        let reliability = match self.reliability.as_str() {
            "high" => Reliability::High,
            "medium" => Reliability::Medium,
            "low" => Reliability::Low,
            _ => Reliability::Unknown,
        };
        let has = |c: &str| self.share.iter().any(|s| s == c);
        let share_with = ShareWith {
            un_bodies: has("un_bodies"),
            international_mechanisms: has("international_mechanisms"),
            prosecutors: has("prosecutors"),
            ngos: has("ngos"),
            media: has("media"),
            public: has("public"),
        };
        let (account, identifying_spans) = marking::parse(&self.account);
        let mut codes: Vec<String> = Vec::new();
        for typed in self.languages.iter().filter(|l| !l.trim().is_empty()) {
            match languages::parse(typed) {
                Some(code) if !codes.contains(&code) => codes.push(code),
                Some(_) => {}
                None => errors.push(FieldError::new(
                    "languages",
                    "invalid_language",
                    "choose a language from the list, or type an ISO 639 code",
                )),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(TestimonyInput {
            witness_id,
            interview_date: opt(&self.interview_date),
            interview_place: opt(&self.interview_place),
            languages: codes,
            source_connection: self.source_connection.clone(),
            reliability,
            account,
            summary: self.summary.trim().to_owned(),
            interviewer: opt(&self.interviewer),
            interpreter: opt(&self.interpreter),
            persons_present: self.persons_present.lines().filter_map(opt).collect(),
            identifying_spans,
            consent: Consent {
                share_with,
                may_be_named: self.may_be_named.is_some(),
                given_on: self.given_on.trim().to_owned(),
                how_given,
                text_version: opt(&self.text_version).unwrap_or_else(|| "1".into()),
                withdrawn_on: None,
            },
        })
    }

    /// Nothing typed or chosen yet: no draft is made of it.
    fn is_blank(&self) -> bool {
        [
            &self.new_witness,
            &self.interview_date,
            &self.interview_place,
            &self.source_connection,
            &self.interviewer,
            &self.interpreter,
            &self.persons_present,
            &self.given_on,
            &self.how_given,
            &self.account,
            &self.summary,
        ]
        .iter()
        .all(|v| v.trim().is_empty())
            && self.languages.is_empty()
            && self.share.is_empty()
            && self.may_be_named.is_none()
    }

    pub(super) fn of(t: &TestimonyView) -> TestimonyForm {
        let s = t.consent.share_with;
        let share = SHARE
            .iter()
            .zip([s.un_bodies, s.international_mechanisms, s.prosecutors, s.ngos, s.media, s.public])
            .filter(|(_, on)| *on)
            .map(|(c, _)| (*c).to_owned())
            .collect();
        TestimonyForm {
            witness_id: t.witness.id.to_string(),
            new_witness: String::new(),
            interview_date: t.interview_date.clone().unwrap_or_default(),
            interview_place: t.interview_place.clone().unwrap_or_default(),
            languages: t.languages.clone(),
            source_connection: t.source_connection.clone(),
            reliability: enum_code(&t.reliability),
            interviewer: t.interviewer.clone().unwrap_or_default(),
            interpreter: t.interpreter.clone().unwrap_or_default(),
            persons_present: t.persons_present.join("\n"),
            share,
            may_be_named: t.consent.may_be_named.then(|| "on".into()),
            given_on: t.consent.given_on.clone(),
            how_given: enum_code(&t.consent.how_given),
            text_version: t.consent.text_version.clone(),
            account: marking::render(&t.account, &t.identifying_spans),
            summary: t.summary.clone(),
            correction_reason: String::new(),
        }
    }
}

impl TestimonyForm {
    /// The names typed for a new witness.
    fn new_witness_names(&self) -> Vec<String> {
        self.new_witness.split(',').filter_map(opt).collect()
    }

    /// The new testimony form as a draft: a witness chosen from the case, or else a new
    /// one by the names typed.
    pub(super) fn for_new(&self) -> DraftForm {
        let witness = match self.witness_id.parse::<Uuid>() {
            Ok(id) => WitnessChoice::Existing(id),
            Err(_) => WitnessChoice::New(self.new_witness_names()),
        };
        DraftForm { blank: self.is_blank(), witness, input: self.input(Uuid::nil()) }
    }

    /// An existing draft's form. `"new"`: a new form whose draft (and new witness)
    /// autosave created — the names typed since go to that witness.
    pub(super) fn for_edit(&self) -> DraftForm {
        let witness = match self.witness_id.parse::<Uuid>() {
            Ok(id) => WitnessChoice::Existing(id),
            Err(_) if self.witness_id == "new" => WitnessChoice::New(self.new_witness_names()),
            Err(_) => WitnessChoice::Invalid,
        };
        DraftForm { blank: false, witness, input: self.input(Uuid::nil()) }
    }

    /// The correction form: the witness must be one of the case's.
    pub(super) fn for_correction(&self) -> DraftForm {
        let witness = match self.witness_id.parse::<Uuid>() {
            Ok(id) => WitnessChoice::Existing(id),
            Err(_) => WitnessChoice::Invalid,
        };
        DraftForm { blank: false, witness, input: self.input(Uuid::nil()) }
    }
}

/// The wire code of a unit enum (`"oral_recorded"`), via its serde name.
fn enum_code<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn label(lang: Lang, t: &Term) -> &str {
    match lang {
        Lang::En => &t.label_en,
        Lang::Ru => &t.label_ru,
    }
}

pub(super) enum FormMode {
    New,
    Edit(Uuid),
    Correct(Uuid),
}

pub(super) fn testimony_form(
    ctx: &Ctx,
    d: &FormChoices,
    f: &TestimonyForm,
    errors: &[FieldError],
    mode: FormMode,
) -> Markup {
    let (action, autosave) = match mode {
        FormMode::New => (
            format!("/cases/{}/testimonies/new", d.case_id),
            Some(format!("/cases/{}/testimonies/autosave", d.case_id)),
        ),
        FormMode::Edit(id) => {
            (format!("/testimonies/{id}/edit"), Some(format!("/testimonies/{id}/autosave")))
        }
        FormMode::Correct(id) => (format!("/testimonies/{id}/correct"), None),
    };
    let is_new = matches!(mode, FormMode::New);
    let is_correction = matches!(mode, FormMode::Correct(_));
    let known = [
        "witness_id",
        "interview_date",
        "interview_place",
        "languages",
        "source_connection",
        "account",
        "summary",
        "consent",
        "persons_present",
        "interviewer",
        "interpreter",
        "correction_reason",
    ];
    // The account comes first: it is where the documenter types for the length of the
    // interview. What is filled in once (witness, interview, consent) follows.
    let lang = ctx.lang();
    let typed: Vec<&String> = f.languages.iter().filter(|l| !l.trim().is_empty()).collect();
    let language_inputs = (typed.len() + 1).max(2);
    let shown = |v: &str| {
        if crate::cases::validate::language_code(v) { languages::entry(lang, v) } else { v.to_owned() }
    };
    let people_open = !(f.interviewer.is_empty() && f.interpreter.is_empty() && f.persons_present.is_empty())
        || errors
            .iter()
            .any(|e| ["interviewer", "interpreter", "persons_present"].contains(&e.field.as_str()));
    html! {
        (form_errors(ctx, errors, &known))
        form #testimony-form method="post" action=(action) data-autosave=[autosave.as_ref()]
            data-autosave-delay=[autosave.as_ref().map(|_| AUTOSAVE_DELAY_SECS)]
            data-autosave-every=[autosave.as_ref().map(|_| AUTOSAVE_EVERY_SECS)]
            data-unsaved=[autosave.as_ref().map(|_| ctx.t("draft-not-saved"))] {
            (csrf_field(ctx))
            fieldset.step.account-step {
                legend { (ctx.t("step-account")) }
                (field(ctx, "account", "account", errors, html! {
                    div.account-tools {
                        button.secondary #mark-identifying type="button" hidden aria-controls="account" { (ctx.t("account-mark")) }
                    }
                    textarea.account #account name="account" required aria-describedby="account-hint" { (f.account) }
                    p.hint #account-hint { (ctx.t("account-marking-hint")) " " (ctx.t("account-save-hint")) }
                }))
                (field(ctx, "summary", "summary", errors, html! {
                    textarea #summary name="summary" rows="3" { (f.summary) }
                }))
                @if is_correction {
                    (field(ctx, "correction_reason", "correction-reason", errors, html! {
                        textarea #correction_reason name="correction_reason" rows="2" required { (f.correction_reason) }
                    }))
                }
            }
            fieldset.step {
                legend { (ctx.t("step-witness")) }
                @if is_new {
                    (field(ctx, "witness_id", "witness-choose", errors, html! {
                        select #witness_id name="witness_id" {
                            option value="new" selected[f.witness_id.is_empty() || f.witness_id == "new"] { (ctx.t("witness-new")) }
                            @for w in &d.witnesses {
                                option value=(w.id) selected[f.witness_id == w.id.to_string()] { (person_label(w)) }
                            }
                        }
                    }))
                    div.field {
                        label for="new_witness" { (ctx.t("witness-new-names")) }
                        input #new_witness name="new_witness" type="text" value=(f.new_witness) aria-describedby="new_witness-hint" autocomplete="off";
                        p.hint #new_witness-hint { (ctx.t("witness-new-names-hint")) }
                    }
                } @else {
                    input type="hidden" name="witness_id" value=(f.witness_id);
                    p { (ctx.t("witness-fixed")) }
                }
            }
            fieldset.step {
                legend { (ctx.t("step-interview")) }
                (field(ctx, "interview_date", "interview-date", errors, html! {
                    input #interview_date name="interview_date" type="date" value=(f.interview_date);
                }))
                (field(ctx, "interview_place", "interview-place", errors, html! {
                    input #interview_place name="interview_place" type="text" value=(f.interview_place) autocomplete="off";
                }))
                (field(ctx, "languages", "interview-languages", errors, html! {
                    @for n in 0..language_inputs {
                        @let value = typed.get(n).map(|v| shown(v)).unwrap_or_default();
                        @if n == 0 {
                            input.language #languages name="languages" type="text" list="iso639" value=(value) autocomplete="off" aria-describedby="languages-hint";
                        } @else {
                            input.language id={ "languages-" (n + 1) } name="languages" type="text" list="iso639" value=(value) autocomplete="off"
                                aria-label=(ctx.t("language-another")) aria-describedby="languages-hint";
                        }
                    }
                    datalist #iso639 {
                        @for (entry, autonym) in languages::offered(lang) {
                            option value=(entry) label=[autonym] {}
                        }
                    }
                    p.hint #languages-hint { (ctx.t("languages-hint")) }
                }))
                (field(ctx, "source_connection", "source-connection", errors, html! {
                    select #source_connection name="source_connection" required {
                        option value="" { "—" }
                        @for t in &d.connections {
                            option value=(t.code) selected[f.source_connection == t.code] { (label(ctx.lang(), t)) }
                        }
                    }
                }))
                (field(ctx, "reliability", "reliability", errors, html! {
                    select #reliability name="reliability" {
                        @for r in RELIABILITY {
                            option value=(r) selected[f.reliability == r] { (ctx.t(&format!("reliability-{r}"))) }
                        }
                    }
                }))
                details.more open[people_open] {
                    summary { (ctx.t("interview-people")) }
                    (field(ctx, "interviewer", "interviewer", errors, html! {
                        input #interviewer name="interviewer" type="text" value=(f.interviewer) autocomplete="off";
                    }))
                    (field(ctx, "interpreter", "interpreter", errors, html! {
                        input #interpreter name="interpreter" type="text" value=(f.interpreter) autocomplete="off";
                    }))
                    (field(ctx, "persons_present", "persons-present", errors, html! {
                        textarea #persons_present name="persons_present" rows="2" aria-describedby="persons_present-hint" { (f.persons_present) }
                        p.hint #persons_present-hint { (ctx.t("persons-present-hint")) }
                    }))
                }
            }
            fieldset.step {
                legend { (ctx.t("step-consent")) }
                p.hint { (ctx.t("consent-intro")) }
                @for code in SHARE {
                    div.choice {
                        input type="checkbox" name="share" value=(code) id={ "share-" (code) } checked[f.share.iter().any(|s| s == code)]
                            aria-describedby={ "share-" (code) "-explain" };
                        label for={ "share-" (code) } {
                            (ctx.t(&format!("share-{code}")))
                            span.explain id={ "share-" (code) "-explain" } { (ctx.t(&format!("share-{code}-explain"))) }
                        }
                    }
                }
                div.choice {
                    input #may_be_named type="checkbox" name="may_be_named" value="on" checked[f.may_be_named.is_some()] aria-describedby="may_be_named-explain";
                    label for="may_be_named" {
                        (ctx.t("consent-may-be-named"))
                        span.explain #may_be_named-explain { (ctx.t("consent-may-be-named-explain")) }
                    }
                }
                (field(ctx, "consent.given_on", "consent-given-on", errors, html! {
                    input id="consent.given_on" name="given_on" type="date" required value=(f.given_on);
                }))
                (field(ctx, "consent.how_given", "consent-how-given", errors, html! {
                    select id="consent.how_given" name="how_given" required {
                        option value="" { "—" }
                        @for h in HOW_GIVEN {
                            option value=(h) selected[f.how_given == h] { (ctx.t(&format!("how-given-{h}"))) }
                        }
                    }
                }))
                (field(ctx, "consent.text_version", "consent-text-version", errors, html! {
                    input id="consent.text_version" name="text_version" type="text" value=(if f.text_version.is_empty() { "1" } else { &f.text_version });
                }))
            }
            @if autosave.is_some() {
                p.hint #autosave-hint { (ctx.ta("autosave-hint", &[("delay", AUTOSAVE_DELAY_SECS.into()), ("every", AUTOSAVE_EVERY_SECS.into())])) }
            }
            p #autosave-status role="status" aria-live="polite" {}
            @if is_correction {
                button #save-correction type="submit" { (ctx.t("correction-save")) }
            } @else {
                button #save-draft type="submit" { (ctx.t("draft-save")) }
            }
        }
    }
}

pub(super) fn form_page(ctx: &Ctx, status: StatusCode, title: &str, body: Markup) -> HttpResponse {
    layout::render(ctx, status, title, Nav::Cases, body)
}

/// The form of an existing testimony shown again as it was sent, with its errors.
pub(super) fn form_again(
    ctx: &Ctx,
    d: &FormChoices,
    f: &TestimonyForm,
    errors: &[FieldError],
    mode: FormMode,
) -> HttpResponse {
    let title = if matches!(mode, FormMode::Correct(_)) { "correction-new" } else { "draft-edit" };
    let body = html! {
        h1 { (ctx.t(title)) }
        (testimony_form(ctx, d, f, errors, mode))
    };
    form_page(ctx, StatusCode::UNPROCESSABLE_ENTITY, title, body)
}
