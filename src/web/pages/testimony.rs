//! The documenter's screens: a guided form that follows the interview, the testimony
//! page (read, edit the draft with autosave, attach files, seal, correct, withdraw
//! consent, link to incidents).

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use super::auth::see_other;
use super::cases::person_label;
use crate::access::Allowed;
use crate::access::membership::{self as access, RecordTable};
use crate::access::policy::{self, act};
use crate::auth::Action;
use crate::cases::incidents::{self, IncidentView};
use crate::cases::persons::{self, PersonKind, PersonView};
use crate::cases::testimonies::{
    self, Completeness, Consent, Correction, HowGiven, Reliability, ShareWith, Status, TestimonyInput,
    TestimonyView, Withdrawal,
};
use crate::cases::vocab::{self, Term};
use crate::cases::{attachments, case as cases};
use crate::error::{Error, FieldError, Result};
use crate::http::api::testimonies::{clean_filename, clean_media_type, store_upload};
use crate::services::Services;
use crate::web::i18n::Lang;
use crate::web::layout::{self, Nav, csrf_field, field, form_errors, notice, when};
use crate::web::{Ctx, Form, languages, marking, session};

// Saving drafts as they are typed, and forms kept over a sign-in: a child module, so
// it shares the form's private parts without widening them.
#[path = "testimony_drafts.rs"]
mod drafts;
use drafts::create_draft;
pub use drafts::{keeps_form, replay};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/cases/{id}/testimonies/new").get(new_page).post(create))
        .service(web::resource("/cases/{id}/testimonies/autosave").post(drafts::autosave_new))
        .service(web::resource("/testimonies/{id}").get(show))
        .service(web::resource("/testimonies/{id}/edit").post(edit))
        .service(web::resource("/testimonies/{id}/autosave").post(autosave))
        .service(web::resource("/testimonies/{id}/seal").get(seal_page).post(seal))
        .service(web::resource("/testimonies/{id}/attachments").post(upload))
        .service(web::resource("/testimonies/{id}/link").post(link))
        .service(web::resource("/testimonies/{id}/withdraw").post(withdraw))
        .service(web::resource("/testimonies/{id}/correct").get(correct_page).post(correct))
        // The same handler as the API's: streamed, range-capable, audited.
        .service(web::resource("/attachments/{id}/content").get(crate::http::api::testimonies::download));
}

/// The recipient categories a witness may agree to, in the order the form asks.
const SHARE: [&str; 6] = ["un_bodies", "international_mechanisms", "prosecutors", "ngos", "media", "public"];
const HOW_GIVEN: [&str; 4] = ["written", "oral_recorded", "oral_witnessed", "other"];
const RELIABILITY: [&str; 4] = ["unknown", "high", "medium", "low"];
/// The page's script saves a draft this long after the last keystroke, and at least
/// this often while it changes; the hint under the form states both.
const AUTOSAVE_DELAY_SECS: u32 = 3;
const AUTOSAVE_EVERY_SECS: u32 = 15;

/// The form as typed: every field a string, so a half-filled form can be shown again
/// exactly as it was, with errors next to the fields.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TestimonyForm {
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
    correction_reason: String,
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

    fn of(t: &TestimonyView) -> TestimonyForm {
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

/// The wire code of a unit enum (`"oral_recorded"`), via its serde name.
fn enum_code<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// What the form needs from the case: its possible witnesses and the vocabulary.
struct FormData {
    case_id: Uuid,
    witnesses: Vec<PersonView>,
    connections: Vec<Term>,
}

fn form_data(
    c: &mut crate::store::DbConnection,
    k: &crate::crypto::Keyring,
    p: &crate::auth::Principal,
    case_id: Uuid,
) -> Result<FormData> {
    let mut witnesses = persons::list(c, k, p, case_id, Some(PersonKind::Witness), (500, 0))?.0;
    witnesses.extend(persons::list(c, k, p, case_id, Some(PersonKind::Victim), (500, 0))?.0);
    witnesses.sort_by(|a, b| a.pseudonym.cmp(&b.pseudonym));
    Ok(FormData { case_id, witnesses, connections: vocab::list(c, Some("source_connection"))? })
}

fn label(lang: Lang, t: &Term) -> &str {
    match lang {
        Lang::En => &t.label_en,
        Lang::Ru => &t.label_ru,
    }
}

enum FormMode {
    New,
    Edit(Uuid),
    Correct(Uuid),
}

fn testimony_form(
    ctx: &Ctx,
    d: &FormData,
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

fn form_page(ctx: &Ctx, status: StatusCode, title: &str, body: Markup) -> HttpResponse {
    layout::render(ctx, status, title, Nav::Cases, body)
}

async fn new_page(
    state: web::Data<Services>,
    who: Allowed<act::TestimonyDraft>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let (p, case_id) = (who.principal, id.into_inner());
    let d = state
        .tx(move |c, k| {
            access::authorize(c, &p, &case_id.to_string(), Action::TestimonyDraft)?;
            form_data(c, k, &p, case_id)
        })
        .await?;
    let body = html! {
        h1 { (ctx.t("testimony-new")) }
        p.lead { (ctx.t("testimony-new-intro")) }
        (testimony_form(&ctx, &d, &TestimonyForm::default(), &[], FormMode::New))
    };
    Ok(form_page(&ctx, StatusCode::OK, "testimony-new", body))
}

/// Creates the witness (when new) and the draft in one transaction: either both are
/// recorded or neither.
async fn create(
    state: web::Data<Services>,
    who: Allowed<act::TestimonyDraft>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<TestimonyForm>,
) -> Result<HttpResponse> {
    let (p, case_id, f) = (who.principal, id.into_inner(), form.0);
    let f = std::sync::Arc::new(f);
    let attempt = {
        let (p, f) = (p.clone(), f.clone());
        state
            .tx(move |c, k| {
                access::authorize(c, &p, &case_id.to_string(), Action::TestimonyDraft)?;
                create_draft(c, k, &p, case_id, &f)
            })
            .await
    };
    match attempt {
        Ok(t) => Ok(see_other(&format!("/testimonies/{}?saved=1", t.id))),
        Err(Error::Validation(errors)) => {
            let d = state.tx(move |c, k| form_data(c, k, &p, case_id)).await?;
            let body = html! {
                h1 { (ctx.t("testimony-new")) }
                (testimony_form(&ctx, &d, &f, &errors, FormMode::New))
            };
            Ok(form_page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, "testimony-new", body))
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct Done {
    restored: Option<u8>,
    incomplete: Option<u8>,
    saved: Option<u8>,
    sealed: Option<u8>,
    uploaded: Option<u8>,
    linked: Option<u8>,
    withdrawn: Option<u8>,
}

/// Everything the testimony page shows besides the testimony itself.
struct Around {
    t: TestimonyView,
    labels: super::records::Labels,
    case_incidents: Vec<IncidentView>,
    reference: String,
    /// The linked incidents by act, date and place.
    names: crate::cases::labels::Names,
}

async fn show(
    state: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    done: web::Query<Done>,
) -> Result<HttpResponse> {
    let (p, id) = (who.principal, id.into_inner());
    let viewer = p.clone();
    let (a, may_link) = state
        .tx(move |c, k| {
            let t = testimonies::get(c, k, &p, id)?;
            let case = cases::get(c, k, &p, t.case_id)?;
            let may_link =
                crate::access::membership::authorize(c, &p, &t.case_id.to_string(), Action::TestimonyLink)
                    .is_ok();
            let case_incidents =
                if may_link { incidents::list(c, k, &p, t.case_id, (200, 0))?.0 } else { Vec::new() };
            let labels = super::records::Labels::from(crate::cases::vocab::list(c, None)?);
            let want = crate::cases::labels::Wanted { incidents: t.incidents.clone(), ..Default::default() };
            let names = crate::cases::labels::load(c, k, &p, t.case_id, &want)?;
            Ok((Around { t, labels, case_incidents, reference: case.reference, names }, may_link))
        })
        .await?;
    let may_edit = a.t.status == Status::Draft && a.t.author_id == viewer.user_id;
    let form = if may_edit {
        let d = {
            let (p, case_id) = (viewer.clone(), a.t.case_id);
            state.tx(move |c, k| form_data(c, k, &p, case_id)).await?
        };
        Some(testimony_form(&ctx, &d, &TestimonyForm::of(&a.t), &[], FormMode::Edit(a.t.id)))
    } else {
        None
    };
    let d = done.into_inner();
    let message = [
        (d.restored, "draft-restored-notice"),
        (d.incomplete, "draft-incomplete-notice"),
        (d.saved, "draft-saved-notice"),
        (d.sealed, "sealed-notice"),
        (d.uploaded, "uploaded-notice"),
        (d.linked, "linked-notice"),
        (d.withdrawn, "withdrawn-notice"),
    ]
    .into_iter()
    .find_map(|(flag, id)| flag.map(|_| ctx.t(id)));
    let may_document = policy::allowed(viewer.role, Action::TestimonyDraft);
    Ok(layout::page(
        &ctx,
        "testimony-title",
        Nav::Cases,
        testimony_page(&ctx, &a, message, form, may_document, may_link),
    ))
}

fn testimony_page(
    ctx: &Ctx,
    a: &Around,
    message: Option<String>,
    form: Option<Markup>,
    may_document: bool,
    may_link: bool,
) -> Markup {
    let t = &a.t;
    let s = t.consent.share_with;
    let shared: Vec<String> = SHARE
        .iter()
        .zip([s.un_bodies, s.international_mechanisms, s.prosecutors, s.ngos, s.media, s.public])
        .filter(|(_, on)| *on)
        .map(|(c, _)| ctx.t(&format!("share-{c}")))
        .collect();
    html! {
        p.eyebrow { a href={ "/cases/" (t.case_id) } { (a.reference) } }
        div.heading {
            h1 { (ctx.t("testimony-of")) " " (t.witness.pseudonym) }
            div {
                @match t.status {
                    Status::Draft => span.badge.draft { (ctx.t("status-draft")) },
                    Status::Sealed => span.badge.sealed { (ctx.t("status-sealed")) },
                }
                " " (ctx.ta("version-n", &[("n", t.version.into())]))
            }
        }
        @if let Some(m) = message { (notice(m)) }
        @if t.consent.withdrawn_on.is_some() {
            div.warn role="note" { p { (ctx.t("consent-withdrawn-banner")) } }
        }
        dl.facts {
            @if let Some(names) = t.witness.names.as_ref().filter(|n| !n.is_empty()) {
                dt { (ctx.t("witness-names")) } dd { (names.join(", ")) }
            }
            @if let Some(d) = &t.interview_date { dt { (ctx.t("interview-date")) } dd { (ctx.lang().date(d)) } }
            @if let Some(pl) = &t.interview_place { dt { (ctx.t("interview-place")) } dd { (pl) } }
            @if !t.languages.is_empty() {
                dt { (ctx.t("interview-languages")) }
                dd { (t.languages.iter().map(|c| languages::name(ctx.lang(), c)).collect::<Vec<_>>().join(", ")) }
            }
            dt { (ctx.t("source-connection")) } dd { (a.labels.of(ctx.lang(), "source_connection", &t.source_connection)) }
            dt { (ctx.t("consent-shared-with")) }
            dd { @if shared.is_empty() { (ctx.t("consent-nobody")) } @else { (shared.join(", ")) } }
            dt { (ctx.t("consent-may-be-named")) }
            dd { @if t.consent.may_be_named { (ctx.t("yes")) } @else { (ctx.t("no")) } }
            @if let Some(sealed) = t.sealed_at { dt { (ctx.t("sealed-at")) } dd { (when(ctx, sealed)) } }
            @if let Some(digest) = &t.digest { dt { (ctx.t("digest")) } dd { code { (digest) } } }
            @if let Some(r) = &t.correction_reason { dt { (ctx.t("correction-reason")) } dd { (r) } }
        }
        @if form.is_none() {
            h2 { (ctx.t("account")) }
            div.account-text lang=[t.languages.first()] { (t.account) }
            @if !t.summary.is_empty() { h2 { (ctx.t("summary")) } p { (t.summary) } }
        }
        // The author's draft: the account to go on typing comes before the files.
        @if let Some(form) = &form {
            section aria-labelledby="edit-h" {
                h2 #edit-h { (ctx.t("draft-edit")) }
                (form)
            }
        }
        section aria-labelledby="attachments-h" {
            h2 #attachments-h { (ctx.t("attachments")) }
            @if t.attachments.is_empty() { p.empty { (ctx.t("attachments-none")) } }
            ul.plain { @for at in &t.attachments {
                li {
                    a href={ "/attachments/" (at.id) "/content" } download { (at.filename) }
                    " · " (human_size(at.size)) " · " span.hint { "SHA-256 " code { (&at.sha256[..16.min(at.sha256.len())]) "…" } }
                }
            } }
            @if t.status == Status::Draft && form.is_some() {
                form #upload-form method="post" action={ "/testimonies/" (t.id) "/attachments" } enctype="multipart/form-data" data-upload {
                    (csrf_field(ctx))
                    div.field {
                        label for="file" { (ctx.t("attachment-add")) }
                        input #file name="file" type="file" required;
                        p.hint { (ctx.t("attachment-hint")) }
                    }
                    progress hidden value="0" max="1" aria-label=(ctx.t("upload-progress")) {}
                    button.secondary type="submit" { (ctx.t("attachment-upload")) }
                }
            }
        }
        @if form.is_some() {
            section.card aria-labelledby="seal-h" {
                h2 #seal-h { (ctx.t("seal-title")) }
                p { (ctx.t("seal-explain")) }
                // A page of its own asks before sealing: it works without script, and
                // nothing is sealed by one stray click.
                p { a.button #seal href={ "/testimonies/" (t.id) "/seal" } { (ctx.t("seal")) "…" } }
            }
        }
        @if t.status == Status::Sealed && may_document {
            section aria-labelledby="changes-h" {
                h2 #changes-h { (ctx.t("changes-title")) }
                p { a.button.secondary href={ "/testimonies/" (t.id) "/correct" } { (ctx.t("correction-new")) } }
                @if t.consent.withdrawn_on.is_none() {
                    form #withdraw-form method="post" action={ "/testimonies/" (t.id) "/withdraw" } {
                        (csrf_field(ctx))
                        div.field {
                            label for="withdrawn_on" { (ctx.t("consent-withdrawn-on")) }
                            input #withdrawn_on name="withdrawn_on" type="date" required;
                        }
                        button.danger type="submit" { (ctx.t("consent-withdraw")) }
                    }
                }
            }
        }
        @if t.versions.len() > 1 {
            section aria-labelledby="versions-h" {
                h2 #versions-h { (ctx.t("versions")) }
                ul.plain { @for v in &t.versions {
                    li { a href={ "/testimonies/" (v.id) } { (ctx.ta("version-n", &[("n", v.version.into())])) }
                        @if let Some(at) = v.sealed_at { " · " (when(ctx, at)) } }
                } }
            }
        }
        section aria-labelledby="incidents-h" {
            h2 #incidents-h { (ctx.t("incidents-title")) }
            ul.plain { @for i in &t.incidents { li { a href={ "/incidents/" (i) } { (super::names::incident(ctx, &a.labels, &a.names, i)) } } } }
            @if may_link && !a.case_incidents.is_empty() {
                form #link-form method="post" action={ "/testimonies/" (t.id) "/link" } {
                    (csrf_field(ctx))
                    div.field {
                        label for="incident_id" { (ctx.t("link-incident")) }
                        select #incident_id name="incident_id" {
                            @for i in &a.case_incidents {
                                option value=(i.id) { (a.labels.of(ctx.lang(), "act_type", &i.act_type)) @if let Some(d) = &i.start_date { " · " (ctx.lang().date(d)) } }
                            }
                        }
                    }
                    button.secondary type="submit" { (ctx.t("link")) }
                }
            }
            @if may_link {
                (super::testimony_links::new_incident_form(ctx, t.id, &a.labels, &Default::default(), &[]))
            }
        }
    }
}

pub fn human_size(bytes: i64) -> String {
    let b = bytes.max(0) as f64;
    match bytes {
        n if n < 1024 => format!("{n} B"),
        n if n < 1024 * 1024 => format!("{:.1} KiB", b / 1024.0),
        n if n < 1024 * 1024 * 1024 => format!("{:.1} MiB", b / 1048576.0),
        _ => format!("{:.2} GiB", b / 1073741824.0),
    }
}

async fn edit(
    state: web::Data<Services>,
    who: Allowed<act::TestimonyDraft>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<TestimonyForm>,
) -> Result<HttpResponse> {
    let (p, id, f) = (who.principal, id.into_inner(), std::sync::Arc::new(form.0));
    let attempt = {
        let (p, f) = (p.clone(), f.clone());
        state.tx(move |c, k| update_draft(c, k, &p, id, &f)).await
    };
    match attempt {
        Ok(_) => Ok(see_other(&format!("/testimonies/{id}?saved=1"))),
        Err(Error::Validation(errors)) => {
            form_again(&state, &ctx, p, id, &f, &errors, FormMode::Edit(id)).await
        }
        Err(e) => Err(e),
    }
}

/// The form of an existing testimony shown again as it was sent, with its errors.
async fn form_again(
    state: &Services,
    ctx: &Ctx,
    p: crate::auth::Principal,
    id: Uuid,
    f: &TestimonyForm,
    errors: &[FieldError],
    mode: FormMode,
) -> Result<HttpResponse> {
    let title = if matches!(mode, FormMode::Correct(_)) { "correction-new" } else { "draft-edit" };
    let d = state
        .tx(move |c, k| {
            let t = testimonies::get(c, k, &p, id)?;
            form_data(c, k, &p, t.case_id)
        })
        .await?;
    let body = html! {
        h1 { (ctx.t(title)) }
        (testimony_form(ctx, &d, f, errors, mode))
    };
    Ok(form_page(ctx, StatusCode::UNPROCESSABLE_ENTITY, title, body))
}

fn update_draft(
    c: &mut crate::store::DbConnection,
    k: &crate::crypto::Keyring,
    p: &crate::auth::Principal,
    id: Uuid,
    f: &TestimonyForm,
) -> Result<TestimonyView> {
    // Who may change it is decided before what they sent is judged.
    authorize_testimony(c, p, id, Action::TestimonyDraft)?;
    let witness = match f.witness_id.parse::<Uuid>() {
        Ok(w) => w,
        // A new form whose draft (and new witness) autosave created: the names typed
        // since go to that witness.
        Err(_) if f.witness_id == "new" => {
            let w =
                testimonies::load(c, &id.to_string())?.witness_id.parse::<Uuid>().map_err(Error::internal)?;
            let names: Vec<String> = f.new_witness.split(',').filter_map(opt).collect();
            if !names.is_empty() {
                let names = persons::PersonUpdate { names: Some(names), ..Default::default() };
                persons::update(c, k, p, w, &names)?;
            }
            w
        }
        Err(_) => {
            return Err(Error::Validation(vec![FieldError::new(
                "witness_id",
                "invalid",
                "choose a witness",
            )]));
        }
    };
    let input = f.input(witness).map_err(Error::Validation)?;
    testimonies::update_as(c, k, p, id, &input, Completeness::Draft)
}

/// The page's script posts the form here every few seconds while the documenter
/// types, and before the idle lock, so an ended session never costs the account.
async fn autosave(
    state: web::Data<Services>,
    who: Allowed<act::TestimonyDraft>,
    id: web::Path<Uuid>,
    form: Form<TestimonyForm>,
) -> Result<HttpResponse> {
    let (p, id, f) = (who.principal, id.into_inner(), form.0);
    state.tx(move |c, k| update_draft(c, k, &p, id, &f)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
struct Empty {}

/// Whether `p` may take `action` on the testimony `id` (by its case and record-level
/// rules): asked before what a form sent is judged.
pub(super) fn authorize_testimony(
    c: &mut crate::store::DbConnection,
    p: &crate::auth::Principal,
    id: Uuid,
    action: Action,
) -> Result<()> {
    access::authorize_record(c, p, RecordTable::Testimony, &id.to_string(), action).map(drop)
}

/// Asks before sealing, and says that it cannot be undone.
async fn seal_page(
    state: web::Data<Services>,
    who: Allowed<act::TestimonySeal>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let (p, id) = (who.principal, id.into_inner());
    let t = state
        .tx(move |c, k| {
            authorize_testimony(c, &p, id, Action::TestimonySeal)?;
            testimonies::get(c, k, &p, id)
        })
        .await?;
    if t.status != Status::Draft {
        return Ok(see_other(&format!("/testimonies/{id}")));
    }
    let body = html! {
        p.eyebrow { a href={ "/testimonies/" (id) } { (ctx.t("testimony-of")) " " (t.witness.pseudonym) } }
        h1 { (ctx.t("seal-confirm-title")) }
        div.warn role="note" { p { strong { (ctx.t("seal-cannot-undo")) } " " (ctx.t("seal-explain")) } }
        form #seal-form method="post" action={ "/testimonies/" (id) "/seal" } {
            (csrf_field(&ctx))
            div.actions {
                button.danger #seal-confirm type="submit" { (ctx.t("seal-confirm")) }
                a.button.secondary href={ "/testimonies/" (id) } { (ctx.t("seal-back")) }
            }
        }
    };
    Ok(layout::page(&ctx, "seal-confirm-title", Nav::Cases, body))
}

async fn seal(
    state: web::Data<Services>,
    who: Allowed<act::TestimonySeal>,
    id: web::Path<Uuid>,
    _form: Form<Empty>,
) -> Result<HttpResponse> {
    let (p, id) = (who.principal, id.into_inner());
    match state.tx(move |c, k| testimonies::seal(c, k, &p, id)).await {
        Ok(_) => Ok(see_other(&format!("/testimonies/{id}?sealed=1"))),
        // A draft saved as it was typed, not yet complete.
        Err(Error::Validation(_)) => Ok(see_other(&format!("/testimonies/{id}?incomplete=1"))),
        Err(e) => Err(e),
    }
}

/// A multipart form: the `csrf` field first, then the `file`. The file streams into
/// the same encrypted upload path as the API's; nothing is kept unless all of it
/// arrived.
async fn upload(
    state: web::Data<Services>,
    who: Allowed<act::AttachmentUpload>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    mut parts: Multipart,
) -> Result<HttpResponse> {
    let (p, id) = (who.principal, id.into_inner());
    // Authorised before a byte of the form is read.
    let ticket = {
        let p = p.clone();
        state.db.run(move |c| attachments::begin_upload(c, &p, id)).await?
    };
    let bad = |what: &str| Error::BadRequest(format!("the upload form is not as expected: {what}"));
    let mut csrf_ok = false;
    while let Some(part) = parts.next().await {
        let mut part = part.map_err(|_| bad("unreadable"))?;
        let name = part.content_disposition().and_then(|d| d.get_name()).unwrap_or_default().to_owned();
        match name.as_str() {
            "csrf" => {
                let mut value = Vec::new();
                while let Some(chunk) = part.next().await {
                    let chunk = chunk.map_err(|_| bad("unreadable"))?;
                    if value.len() + chunk.len() > 256 {
                        return Err(bad("csrf"));
                    }
                    value.extend_from_slice(&chunk);
                }
                session::check_csrf(&req, std::str::from_utf8(&value).ok())?;
                csrf_ok = true;
            }
            "file" if csrf_ok => {
                let filename =
                    clean_filename(part.content_disposition().and_then(|d| d.get_filename()).unwrap_or(""));
                let media_type = part
                    .content_type()
                    .map(|m| clean_media_type(m.essence_str()))
                    .transpose()?
                    .unwrap_or_else(|| "application/octet-stream".into());
                store_upload(&state, &mut part, None, media_type, filename, p, ticket).await?;
                return Ok(see_other(&format!("/testimonies/{id}?uploaded=1")));
            }
            _ => return Err(if csrf_ok { bad("unexpected field") } else { Error::Forbidden }),
        }
    }
    Err(if csrf_ok { bad("no file") } else { Error::Forbidden })
}

/// Lenient on purpose: who may link is decided before what was sent is judged, so a
/// malformed form from someone not allowed is still refused as not allowed.
#[derive(Deserialize, Default)]
#[serde(default)]
struct LinkForm {
    incident_id: String,
}

async fn link(
    state: web::Data<Services>,
    who: Allowed<act::TestimonyLink>,
    id: web::Path<Uuid>,
    form: Form<LinkForm>,
) -> Result<HttpResponse> {
    let (p, id) = (who.principal, id.into_inner());
    let incident = form.0.incident_id.parse().unwrap_or(Uuid::nil());
    state.tx(move |c, k| incidents::link_testimony(c, k, &p, id, incident)).await?;
    Ok(see_other(&format!("/testimonies/{id}?linked=1")))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WithdrawForm {
    withdrawn_on: String,
}

async fn withdraw(
    state: web::Data<Services>,
    who: Allowed<act::ConsentWithdraw>,
    id: web::Path<Uuid>,
    form: Form<WithdrawForm>,
) -> Result<HttpResponse> {
    let (p, id) = (who.principal, id.into_inner());
    let w = Withdrawal { withdrawn_on: form.0.withdrawn_on };
    state.tx(move |c, k| testimonies::withdraw_consent(c, k, &p, id, &w)).await?;
    Ok(see_other(&format!("/testimonies/{id}?withdrawn=1")))
}

async fn correct_page(
    state: web::Data<Services>,
    who: Allowed<act::TestimonyCorrect>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let (p, id) = (who.principal, id.into_inner());
    let (t, d) = state
        .tx(move |c, k| {
            let t = testimonies::get(c, k, &p, id)?;
            let d = form_data(c, k, &p, t.case_id)?;
            Ok((t, d))
        })
        .await?;
    if t.status != Status::Sealed {
        return Ok(see_other(&format!("/testimonies/{id}")));
    }
    let body = html! {
        h1 { (ctx.t("correction-new")) }
        p.lead { (ctx.t("correction-intro")) }
        (testimony_form(&ctx, &d, &TestimonyForm::of(&t), &[], FormMode::Correct(id)))
    };
    Ok(form_page(&ctx, StatusCode::OK, "correction-new", body))
}

async fn correct(
    state: web::Data<Services>,
    who: Allowed<act::TestimonyCorrect>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<TestimonyForm>,
) -> Result<HttpResponse> {
    let (p, id, f) = (who.principal, id.into_inner(), std::sync::Arc::new(form.0));
    let attempt = {
        let (p, f) = (p.clone(), f.clone());
        state
            .tx(move |c, k| {
                authorize_testimony(c, &p, id, Action::TestimonyCorrect)?;
                let witness = f.witness_id.parse::<Uuid>().map_err(|_| {
                    Error::Validation(vec![FieldError::new("witness_id", "invalid", "choose a witness")])
                })?;
                let testimony = f.input(witness).map_err(Error::Validation)?;
                let correction =
                    Correction { testimony, correction_reason: f.correction_reason.trim().to_owned() };
                testimonies::correct(c, k, &p, id, &correction)
            })
            .await
    };
    match attempt {
        Ok(t) => Ok(see_other(&format!("/testimonies/{}?sealed=1", t.id))),
        Err(Error::Validation(errors)) => {
            form_again(&state, &ctx, p, id, &f, &errors, FormMode::Correct(id)).await
        }
        Err(e) => Err(e),
    }
}
