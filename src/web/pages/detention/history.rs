//! A person's detention history: the picture, each episode's facts and its custody
//! periods, transfers, charges and hearings as tables, and — for those who may write in
//! the case — the forms that add and remove each part. A refused form is shown again
//! with its errors beside it (422).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, PreEscaped, html};
use uuid::Uuid;

use super::{date, days};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::analysis::draw::Language;
use crate::cases::RecordChoices;
use crate::cases::incidents::IncidentView;
use crate::detention::draw::{self, Words};
use crate::detention::views::EpisodeView;
use crate::detention::{DetentionHistory, durations::Status};
use crate::error::{FieldError, Result};
use crate::services::Services;
use crate::web::Ctx;
use crate::web::i18n::Lang;
use crate::web::layout::{self, Nav, csrf_field, field_with_id, form_errors};
use crate::web::pages::cases::person_label;
use crate::web::pages::names;
use crate::web::pages::records::{Labels, term_label};

/// Which form a refusal belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Which {
    Episode,
    EpisodeEdit(Uuid),
    Period(Uuid),
    Charge(Uuid),
    Hearing(Uuid),
    Incident(Uuid),
}

/// Everything the page shows: the history, the labels, and what the forms offer (only
/// for those who may write in the case).
pub(super) struct Screen {
    history: DetentionHistory,
    labels: Labels,
    choices: Option<(RecordChoices, Vec<IncidentView>)>,
}

pub(super) async fn load(services: &Services, who: Allowed<act::CaseRead>, person: Uuid) -> Result<Screen> {
    let labels = Labels::from(services.cases.terms(&who).await?);
    let history = services.detention.history(who.clone(), person).await?;
    let choices = match Allowed::<act::RecordWrite>::check(who.principal.clone()) {
        Ok(write) => match services.records.choices(write, history.case_id).await {
            Ok(ch) => {
                let (incidents, _) = services.records.list_incidents(who, history.case_id, (200, 0)).await?;
                Some((ch, incidents))
            }
            Err(_) => None,
        },
        Err(_) => None,
    };
    Ok(Screen { history, labels, choices })
}

pub(super) async fn page(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let screen = load(&services, who, id.into_inner()).await?;
    Ok(render(&ctx, &screen, None))
}

fn language(ctx: &Ctx) -> Language {
    match ctx.lang() {
        Lang::En => Language::En,
        Lang::Ru => Language::Ru,
    }
}

pub(super) fn render(ctx: &Ctx, s: &Screen, failed: Option<(Which, &[FieldError])>) -> HttpResponse {
    let h = &s.history;
    let errors_for = |w: Which| match failed {
        Some((f, e)) if f == w => e,
        _ => &[],
    };
    let desc = ctx.ta("dt-picture-desc", &[("pseudonym", h.pseudonym.clone().into())]);
    let svg = draw::history(
        h,
        &Words {
            language: language(ctx),
            title: &ctx.t("dt-picture-title"),
            desc: &desc,
            hearings: &ctx.t("dt-hearings"),
            empty: &ctx.t("dt-none"),
        },
    );
    let body = html! {
        (names::crumb(h.case_id, &h.case_reference, &ctx.t("dt-title")))
        h1 { (ctx.t("dt-title")) ": " (h.pseudonym) }
        p.lead { (ctx.t("dt-intro")) }
        p { a href={ "/persons/" (h.person_id) } { (ctx.t("dt-back-to-person")) } " · "
            a href={ "/cases/" (h.case_id) "/detained" } { (ctx.t("dt-detained-title")) } }
        dl.facts {
            dt { (ctx.t("dt-total")) } dd #total-days { (days(ctx, h.days)) }
            dt { (ctx.t("dt-episodes")) } dd { (h.episodes.len()) }
        }
        p.hint { (ctx.ta("dt-counting-rule", &[("today", ctx.lang().date(&h.today.to_string()).into())])) }
        @if !h.episodes.is_empty() {
            figure.picture {
                (PreEscaped(svg))
                figcaption { (ctx.t("dt-picture-caption")) }
            }
        } @else {
            p.empty { (ctx.t("dt-none")) }
        }
        @for (n, e) in h.episodes.iter().enumerate() {
            (episode(ctx, s, n, e, &errors_for))
        }
        @if let Some((ch, _)) = &s.choices {
            (episode_form(ctx, &s.labels, ch, h.person_id, errors_for(Which::Episode), None))
        }
    };
    let status = if failed.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    layout::render(ctx, status, "dt-title", Nav::Cases, body)
}

fn status_label(ctx: &Ctx, s: Status) -> String {
    ctx.t(match s {
        Status::InCustody => "dt-status-in-custody",
        Status::Released => "dt-status-released",
        Status::Unknown => "dt-status-unknown",
    })
}

/// A small form that removes one part: a button, the part's id hidden.
fn remove(ctx: &Ctx, action: &str, name: &str, id: Uuid) -> Markup {
    html! {
        form.inline method="post" action=(action) {
            (csrf_field(ctx))
            input type="hidden" name=(name) value=(id);
            button.secondary.small type="submit" { (ctx.t("dt-remove")) }
        }
    }
}

fn episode<'a>(
    ctx: &Ctx,
    s: &Screen,
    n: usize,
    e: &EpisodeView,
    errors_for: &dyn Fn(Which) -> &'a [FieldError],
) -> Markup {
    let lang = ctx.lang();
    let labels = &s.labels;
    let writer = s.choices.is_some();
    let base = format!("/detentions/{}", e.id);
    html! {
        section.card.episode id={ "episode-" (e.id) } aria-labelledby={ "ep-h-" (e.id) } {
            h2 id={ "ep-h-" (e.id) } { (ctx.ta("dt-episode-n", &[("n", (n + 1).into())])) " · " (status_label(ctx, e.status)) }
            dl.facts {
                dt { (ctx.t("dt-arrest")) } dd { (date(ctx, e.arrest_date.as_deref(), e.arrest_precision)) }
                @if let (Some(id), Some(name)) = (e.arrest_place_id, &e.arrest_place_name) {
                    dt { (ctx.t("dt-arrest-place")) } dd { a href={ "/places/" (id) } { (name) } }
                }
                @if let (Some(id), Some(name)) = (e.arrest_unit_id, &e.arrest_unit_name) {
                    dt { (ctx.t("dt-arrest-unit")) } dd { a href={ "/units/" (id) } { (name) } }
                }
                dt { (ctx.t("dt-release")) } dd { (date(ctx, e.release_date.as_deref(), e.release_precision)) }
                dt { (ctx.t("dt-time")) } dd.episode-days { (days(ctx, e.days)) }
                @if let Some(kind) = &e.sentence_kind {
                    dt { (ctx.t("dt-sentence")) }
                    dd { (labels.of(lang, "sentence_kind", kind))
                        @if let Some(d) = e.details.sentence_days { ", " (ctx.ta("dt-days", &[("n", d.into())])) } }
                }
                @for (label, text) in [("dt-grounds", &e.details.grounds_given), ("dt-release-circumstances", &e.details.release_circumstances),
                                       ("dt-sentence-words", &e.details.sentence), ("notes", &e.details.notes)] {
                    @if !text.trim().is_empty() { dt { (ctx.t(label)) } dd.sealed { (text) } }
                }
            }
            h3 { (ctx.t("dt-periods")) }
            @if e.custody_periods.is_empty() { p.empty { (ctx.t("dt-periods-none")) } } @else {
                div.scroll { table.list.periods {
                    thead { tr {
                        th scope="col" { (ctx.t("dt-facility")) } th scope="col" { (ctx.t("dt-facility-type")) }
                        th scope="col" { (ctx.t("dt-from")) } th scope="col" { (ctx.t("dt-to")) }
                        th scope="col" { (ctx.t("dt-time")) } th scope="col" { (ctx.t("dt-conditions")) }
                        @if writer { th scope="col" { span.visually-hidden { (ctx.t("dt-remove")) } } }
                    } }
                    tbody { @for p in &e.custody_periods { tr {
                        td data-label=(ctx.t("dt-facility")) { a href={ "/places/" (p.place_id) } { (p.place_name) } }
                        td data-label=(ctx.t("dt-facility-type")) { (labels.of(lang, "facility_type", &p.facility_type)) }
                        td data-label=(ctx.t("dt-from")) { (date(ctx, p.from_date.as_deref(), p.from_precision)) }
                        td data-label=(ctx.t("dt-to")) { @if p.to_date.is_some() { (date(ctx, p.to_date.as_deref(), p.to_precision)) } @else { "…" } }
                        td data-label=(ctx.t("dt-time")) { (days(ctx, p.days)) }
                        td data-label=(ctx.t("dt-conditions")) { (p.details.conditions) @if !p.details.transfer_reason.is_empty() { br; em { (p.details.transfer_reason) } } }
                        @if writer { td { (remove(ctx, &format!("{base}/custody-periods/remove"), "period_id", p.id)) } }
                    } } }
                } }
                @if !e.transfers.is_empty() {
                    p.hint { (ctx.ta("dt-transfers", &[("n", e.transfers.len().into())])) }
                }
            }
            h3 { (ctx.t("dt-charges")) }
            @if e.charges.is_empty() { p.empty { (ctx.t("dt-charges-none")) } } @else {
                ul.plain.charges { @for c in &e.charges { li {
                    (labels.of(lang, "law_code", &c.law_code)) ", " (ctx.t("dt-article")) " " (c.details.article)
                    @if let Some(f) = &c.filed_on { " · " (ctx.t("dt-filed")) " " (f) }
                    @if !c.details.description.is_empty() { " — " (c.details.description) }
                    @if writer { " " (remove(ctx, &format!("{base}/charges/remove"), "charge_id", c.id)) }
                } } }
            }
            h3 { (ctx.t("dt-hearings")) }
            @if e.hearings.is_empty() { p.empty { (ctx.t("dt-hearings-none")) } } @else {
                div.scroll { table.list.hearings {
                    thead { tr {
                        th scope="col" { (ctx.t("dt-held-on")) } th scope="col" { (ctx.t("dt-court")) }
                        th scope="col" { (ctx.t("dt-judge")) } th scope="col" { (ctx.t("dt-outcome")) }
                        th scope="col" { (ctx.t("notes")) }
                        @if writer { th scope="col" { span.visually-hidden { (ctx.t("dt-remove")) } } }
                    } }
                    tbody { @for hr in &e.hearings { tr {
                        td data-label=(ctx.t("dt-held-on")) { (date(ctx, hr.held_on.as_deref(), hr.held_precision)) }
                        td data-label=(ctx.t("dt-court")) { @if let (Some(id), Some(n)) = (hr.court_place_id, &hr.court_name) { a href={ "/places/" (id) } { (n) } } }
                        td data-label=(ctx.t("dt-judge")) { @if let (Some(id), Some(n)) = (hr.judge_person_id, &hr.judge_name) { a href={ "/persons/" (id) } { (n) } } }
                        td data-label=(ctx.t("dt-outcome")) { (labels.of(lang, "hearing_outcome", &hr.outcome)) }
                        td data-label=(ctx.t("notes")) { (hr.details.notes) }
                        @if writer { td { (remove(ctx, &format!("{base}/hearings/remove"), "hearing_id", hr.id)) } }
                    } } }
                } }
            }
            h3 { (ctx.t("dt-incidents")) }
            @if e.incident_ids.is_empty() { p.empty { (ctx.t("dt-incidents-none")) } } @else {
                ul.plain { @for i in &e.incident_ids { li {
                    a href={ "/incidents/" (i) } { (incident_label(ctx, labels, s, *i)) }
                    @if writer { " " (remove(ctx, &format!("{base}/incidents/remove"), "incident_id", *i)) }
                } } }
            }
            @if let Some((ch, incidents)) = &s.choices {
                (episode_form(ctx, labels, ch, e.person_id, errors_for(Which::EpisodeEdit(e.id)), Some(e)))
                (part_forms(ctx, labels, ch, incidents, e.id, errors_for))
                form.inline method="post" action={ (base) "/delete" } {
                    (csrf_field(ctx))
                    button.danger type="submit" { (ctx.t("dt-delete-episode")) }
                }
            }
        }
    }
}

fn incident_label(ctx: &Ctx, labels: &Labels, s: &Screen, id: Uuid) -> String {
    let found = s.choices.as_ref().and_then(|(_, list)| list.iter().find(|i| i.id == id));
    match found {
        Some(i) => {
            let kind = labels.of(ctx.lang(), "act_type", &i.act_type);
            match &i.start_date {
                Some(d) => format!("{kind}, {d}"),
                None => kind,
            }
        }
        None => ctx.t("incident"),
    }
}

fn text_input(
    ctx: &Ctx,
    form: &str,
    name: &str,
    label: &str,
    errors: &[FieldError],
    hint: bool,
    value: &str,
) -> Markup {
    let id = format!("{form}-{}", name.replace('.', "-"));
    field_with_id(
        ctx,
        name,
        &id,
        label,
        errors,
        html! {
            input id=(id) name=(name) type="text" autocomplete="off" value=(value);
            @if hint { p.hint { (ctx.t("partial-date-hint")) } }
        },
    )
}

fn area(ctx: &Ctx, form: &str, name: &str, label: &str, errors: &[FieldError], value: &str) -> Markup {
    let id = format!("{form}-{}", name.replace('.', "-"));
    field_with_id(ctx, name, &id, label, errors, html! { textarea id=(id) name=(name) rows="2" { (value) } })
}

fn select(
    ctx: &Ctx,
    form: &str,
    name: &str,
    label: &str,
    errors: &[FieldError],
    options: &[(String, String)],
    selected: &str,
) -> Markup {
    let id = format!("{form}-{name}");
    field_with_id(
        ctx,
        name,
        &id,
        label,
        errors,
        html! {
            select id=(id) name=(name) {
                @for (value, text) in options { option value=(value) selected[value == selected] { (text) } }
            }
        },
    )
}

/// The options with a first, empty one: the field may be left unset.
fn with_empty(options: &[(String, String)]) -> Vec<(String, String)> {
    std::iter::once((String::new(), "—".to_owned())).chain(options.iter().cloned()).collect()
}

fn terms(labels: &Labels, lang: Lang, vocabulary: &str) -> Vec<(String, String)> {
    labels.terms(vocabulary).map(|t| (t.code.clone(), term_label(lang, t).to_owned())).collect()
}

fn places(ch: &RecordChoices) -> Vec<(String, String)> {
    ch.places.iter().map(|p| (p.id.to_string(), p.name.clone())).collect()
}

/// The form recording an episode, or (with `existing`) changing one, filled in with it.
fn episode_form(
    ctx: &Ctx,
    labels: &Labels,
    ch: &RecordChoices,
    person: Uuid,
    errors: &[FieldError],
    existing: Option<&EpisodeView>,
) -> Markup {
    let lang = ctx.lang();
    let short = existing.map(|e| format!("e{}", e.id.simple())).unwrap_or_else(|| "ne".to_owned());
    let f = short.as_str();
    let v = |name: &str| -> String {
        let Some(e) = existing else { return String::new() };
        let id = |u: Option<Uuid>| u.map(|u| u.to_string()).unwrap_or_default();
        match name {
            "arrest_date" => e.arrest_date.clone().unwrap_or_default(),
            "arrest_place_id" => id(e.arrest_place_id),
            "arrest_unit_id" => id(e.arrest_unit_id),
            "status" => e.status.as_str().to_owned(),
            "release_date" => e.release_date.clone().unwrap_or_default(),
            "sentence_kind" => e.sentence_kind.clone().unwrap_or_default(),
            "details.sentence_days" => e.details.sentence_days.map(|d| d.to_string()).unwrap_or_default(),
            "details.grounds_given" => e.details.grounds_given.clone(),
            "details.sentence" => e.details.sentence.clone(),
            "details.release_circumstances" => e.details.release_circumstances.clone(),
            "details.notes" => e.details.notes.clone(),
            _ => String::new(),
        }
    };
    let (action, heading, button, form_id) = match existing {
        Some(e) => (format!("/detentions/{}", e.id), "dt-edit-episode", "dt-save", format!("edit-{}", e.id)),
        None => (format!("/persons/{person}/detentions"), "dt-new-episode", "add", "episode-form".to_owned()),
    };
    let units: Vec<(String, String)> = ch.units.iter().map(|u| (u.id.to_string(), u.name.clone())).collect();
    let statuses: Vec<(String, String)> =
        [("in_custody", Status::InCustody), ("released", Status::Released), ("unknown", Status::Unknown)]
            .into_iter()
            .map(|(code, s)| (code.to_owned(), status_label(ctx, s)))
            .collect();
    let body = html! {
            (form_errors(ctx, errors, &["arrest_date", "arrest_place_id", "arrest_unit_id", "status", "release_date", "sentence_kind", "details"]))
            form id=(form_id) method="post" action=(action) {
                (csrf_field(ctx))
                (text_input(ctx, f, "arrest_date", "dt-arrest", errors, true, &v("arrest_date")))
                (select(ctx, f, "arrest_place_id", "dt-arrest-place", errors, &with_empty(&places(ch)), &v("arrest_place_id")))
                (select(ctx, f, "arrest_unit_id", "dt-arrest-unit", errors, &with_empty(&units), &v("arrest_unit_id")))
                (select(ctx, f, "status", "dt-status", errors, &statuses, &v("status")))
                (text_input(ctx, f, "release_date", "dt-release", errors, true, &v("release_date")))
                p.hint { (ctx.t("dt-release-hint")) }
                (select(ctx, f, "sentence_kind", "dt-sentence", errors, &with_empty(&terms(labels, lang, "sentence_kind")), &v("sentence_kind")))
                (text_input(ctx, f, "details.sentence_days", "dt-sentence-days", errors, false, &v("details.sentence_days")))
                (area(ctx, f, "details.grounds_given", "dt-grounds", errors, &v("details.grounds_given")))
                (area(ctx, f, "details.sentence", "dt-sentence-words", errors, &v("details.sentence")))
                (area(ctx, f, "details.release_circumstances", "dt-release-circumstances", errors, &v("details.release_circumstances")))
                (area(ctx, f, "details.notes", "notes", errors, &v("details.notes")))
                button type="submit" { (ctx.t(button)) }
            }
    };
    match existing {
        Some(_) => html! { details.add open[!errors.is_empty()] { summary { (ctx.t(heading)) } (body) } },
        None => html! {
            section.card aria-labelledby="new-episode-h" { h2 #new-episode-h { (ctx.t(heading)) } (body) }
        },
    }
}

fn part_forms<'a>(
    ctx: &Ctx,
    labels: &Labels,
    ch: &RecordChoices,
    incidents: &[IncidentView],
    episode: Uuid,
    errors_for: &dyn Fn(Which) -> &'a [FieldError],
) -> Markup {
    let lang = ctx.lang();
    let base = format!("/detentions/{episode}");
    let short = episode.simple().to_string();
    let (pf, cf, hf, inf) =
        (format!("p{short}"), format!("c{short}"), format!("h{short}"), format!("i{short}"));
    let (pe, ce, he, ie) = (
        errors_for(Which::Period(episode)),
        errors_for(Which::Charge(episode)),
        errors_for(Which::Hearing(episode)),
        errors_for(Which::Incident(episode)),
    );
    let people: Vec<(String, String)> =
        ch.people.iter().map(|p| (p.id.to_string(), person_label(p))).collect();
    let incident_options: Vec<(String, String)> = incidents
        .iter()
        .map(|i| {
            let kind = labels.of(lang, "act_type", &i.act_type);
            (i.id.to_string(), i.start_date.as_ref().map(|d| format!("{kind}, {d}")).unwrap_or(kind))
        })
        .collect();
    let open = |e: &[FieldError]| !e.is_empty();
    html! {
        details.add open[open(pe)] {
            summary { (ctx.t("dt-add-period")) }
            (form_errors(ctx, pe, &["place_id", "facility_type", "from_date", "to_date", "details"]))
            form.period-form method="post" action={ (base) "/custody-periods" } {
                (csrf_field(ctx))
                (select(ctx, &pf, "place_id", "dt-facility", pe, &places(ch), ""))
                (select(ctx, &pf, "facility_type", "dt-facility-type", pe, &terms(labels, lang, "facility_type"), ""))
                (text_input(ctx, &pf, "from_date", "dt-from", pe, true, ""))
                (text_input(ctx, &pf, "to_date", "dt-to", pe, true, ""))
                (area(ctx, &pf, "details.conditions", "dt-conditions", pe, ""))
                (area(ctx, &pf, "details.transfer_reason", "dt-transfer-reason", pe, ""))
                (area(ctx, &pf, "details.notes", "notes", pe, ""))
                button type="submit" { (ctx.t("add")) }
            }
        }
        details.add open[open(ce)] {
            summary { (ctx.t("dt-add-charge")) }
            (form_errors(ctx, ce, &["law_code", "filed_on", "details"]))
            form.charge-form method="post" action={ (base) "/charges" } {
                (csrf_field(ctx))
                (select(ctx, &cf, "law_code", "dt-law-code", ce, &terms(labels, lang, "law_code"), ""))
                (text_input(ctx, &cf, "details.article", "dt-article", ce, false, ""))
                p.hint { (ctx.t("dt-article-hint")) }
                (text_input(ctx, &cf, "filed_on", "dt-filed", ce, true, ""))
                (area(ctx, &cf, "details.description", "dt-charge-description", ce, ""))
                button type="submit" { (ctx.t("add")) }
            }
        }
        details.add open[open(he)] {
            summary { (ctx.t("dt-add-hearing")) }
            (form_errors(ctx, he, &["court_place_id", "judge_person_id", "held_on", "outcome", "details"]))
            form.hearing-form method="post" action={ (base) "/hearings" } {
                (csrf_field(ctx))
                (text_input(ctx, &hf, "held_on", "dt-held-on", he, true, ""))
                (select(ctx, &hf, "court_place_id", "dt-court", he, &with_empty(&places(ch)), ""))
                (select(ctx, &hf, "judge_person_id", "dt-judge", he, &with_empty(&people), ""))
                (select(ctx, &hf, "outcome", "dt-outcome", he, &terms(labels, lang, "hearing_outcome"), ""))
                (area(ctx, &hf, "details.notes", "notes", he, ""))
                button type="submit" { (ctx.t("add")) }
            }
        }
        @if !incident_options.is_empty() {
            details.add open[open(ie)] {
                summary { (ctx.t("dt-link-incident")) }
                (form_errors(ctx, ie, &["incident_id"]))
                form.incident-form method="post" action={ (base) "/incidents" } {
                    (csrf_field(ctx))
                    (select(ctx, &inf, "incident_id", "incident", ie, &incident_options, ""))
                    button type="submit" { (ctx.t("dt-link")) }
                }
            }
        }
    }
}
