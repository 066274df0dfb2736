//! Incidents of a case over time: a strip per facility or unit, partial dates drawn over
//! the days they can mean, testimonies as marks. A GET form chooses the period and the
//! strips; a bad period shows the form again with what is wrong.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use super::{Labels, day, draw_with, partial, period, picture, scroll, views_nav};
use crate::access::Allowed;
use crate::access::policy::act;
use crate::analysis::model::{LaneBy, Timeline};
use crate::analysis::{Frame, TimelineQuery, draw};
use crate::error::{Error, FieldError, Result};
use crate::services::Services;
use crate::web::Ctx;
use crate::web::layout::{self, Nav, field, form_errors};
use crate::web::pages::names;

/// The form as typed; empty fields are left out.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct PeriodForm {
    from: String,
    to: String,
    lanes: String,
    place_id: String,
    unit_id: String,
    person_id: String,
}

fn some(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// A record named in the query that is no id is no record of the case: 404.
fn id(s: &str) -> Result<Option<Uuid>> {
    some(s).map(|s| s.parse().map_err(|_| Error::NotFound)).transpose()
}

/// A day typed into a date field (`YYYY-MM-DD`); what is not one is named in `errors`.
fn date(field: &str, typed: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    let typed = some(typed)?;
    let day = NaiveDate::parse_from_str(&typed, "%Y-%m-%d").ok();
    if day.is_none() {
        errors.push(FieldError::new(field, "invalid_date", "expected YYYY-MM-DD"));
    }
    day
}

impl PeriodForm {
    fn lane_by(&self) -> LaneBy {
        if self.lanes == "unit" { LaneBy::Unit } else { LaneBy::Place }
    }

    /// The query, or what is wrong with the dates typed (the service judges the period).
    fn query(&self) -> Result<std::result::Result<TimelineQuery, Vec<FieldError>>> {
        let mut errors = Vec::new();
        let (from, to) = (date("from", &self.from, &mut errors), date("to", &self.to, &mut errors));
        let q = TimelineQuery {
            from,
            to,
            lanes: Some(self.lane_by()),
            place_id: id(&self.place_id)?,
            unit_id: id(&self.unit_id)?,
            person_id: id(&self.person_id)?,
        };
        Ok(if errors.is_empty() { Ok(q) } else { Err(errors) })
    }
}

pub(super) async fn page(
    services: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    q: web::Query<PeriodForm>,
) -> Result<HttpResponse> {
    let (case, f) = (id.into_inner(), q.into_inner());
    let asked = f.query()?;
    let errors = match asked {
        Ok(asked) => match services.analysis.timeline(who, case, asked, ctx.t("an-no-lane")).await {
            Ok(framed) => {
                return Ok(render(&ctx, StatusCode::OK, case, &f, &[], Some((&framed.view, framed.frame))));
            }
            Err(Error::Validation(errors)) => errors,
            Err(e) => return Err(e),
        },
        Err(errors) => errors,
    };
    // A bad period: the form again with what is wrong, before anything is read (as the
    // API judges the period before the case).
    Ok(render(&ctx, StatusCode::UNPROCESSABLE_ENTITY, case, &f, &errors, None))
}

fn render(
    ctx: &Ctx,
    status: StatusCode,
    case: Uuid,
    f: &PeriodForm,
    errors: &[FieldError],
    shown_in: Option<(&Timeline, Frame)>,
) -> HttpResponse {
    let body = html! {
        @match &shown_in {
            Some((_, frame)) => (names::crumb(case, &frame.case_reference, &ctx.t("an-timeline-title"))),
            None => (names::crumb(case, &ctx.t("an-the-case"), &ctx.t("an-timeline-title"))),
        }
        h1 { (ctx.t("an-timeline-title")) }
        (views_nav(ctx, case, "timeline"))
        p.lead { (ctx.t("an-timeline-intro")) }
        (period_form(ctx, case, f, errors))
        @if let Some((t, frame)) = shown_in { (shown(ctx, &Labels::from(frame.terms), t)) }
    };
    layout::render(ctx, status, "an-timeline-title", Nav::Cases, body)
}

fn period_form(ctx: &Ctx, case: Uuid, f: &PeriodForm, errors: &[FieldError]) -> Markup {
    let unit = f.lane_by() == LaneBy::Unit;
    html! {
        (form_errors(ctx, errors, &["from", "to"]))
        form.filters #timeline-form method="get" action={ "/cases/" (case) "/timeline" } {
            (field(ctx, "from", "an-from", errors, html! {
                input #from name="from" type="date" value=(f.from) aria-invalid=[errors.iter().any(|e| e.field == "from").then_some("true")];
            }))
            (field(ctx, "to", "an-to", errors, html! {
                input #to name="to" type="date" value=(f.to) aria-invalid=[errors.iter().any(|e| e.field == "to").then_some("true")];
            }))
            div.field {
                label for="lanes" { (ctx.t("an-lanes")) }
                select #lanes name="lanes" {
                    option value="place" selected[!unit] { (ctx.t("an-lanes-place")) }
                    option value="unit" selected[unit] { (ctx.t("an-lanes-unit")) }
                }
            }
            @for (name, value) in [("place_id", &f.place_id), ("unit_id", &f.unit_id), ("person_id", &f.person_id)] {
                @if let Some(v) = some(value) { input type="hidden" name=(name) value=(v); }
            }
            div.field { button type="submit" { (ctx.t("an-show")) } }
        }
    }
}

fn shown(ctx: &Ctx, labels: &Labels, t: &Timeline) -> Markup {
    let lang = ctx.lang();
    let svg = draw_with(ctx, labels, |w| draw::timeline(t, w));
    let bars: usize = t.lanes.iter().map(|l| l.bars.len()).sum();
    let lane_h = ctx.t(if t.lane_by == LaneBy::Unit { "unit" } else { "place" });
    html! {
        p #timeline-period { (ctx.ta("an-period-shown", &[("period", period(ctx, t.from, t.to).into())])) }
        (picture(svg, &ctx.t("an-timeline-caption")))
        @if t.undated > 0 { p #undated { (ctx.ta("an-undated-n", &[("n", t.undated.into())])) } }
        section aria-labelledby="bars-h" {
            h2 #bars-h { (ctx.t("incidents-title")) " " span.count { (bars) } }
            @if bars == 0 { p.empty { (ctx.t("an-timeline-empty")) } } @else {
                (scroll(html! {
                    table.list.wide #timeline-table {
                        caption.visually-hidden { (ctx.t("incidents-title")) }
                        thead { tr {
                            th scope="col" { (lane_h) }
                            th scope="col" { (ctx.t("incident")) }
                            th scope="col" { (ctx.t("an-start")) }
                            th scope="col" { (ctx.t("an-end")) }
                            th scope="col" { (ctx.t("an-days-drawn")) }
                        } }
                        tbody { @for (lane, b) in t.lanes.iter().flat_map(|l| l.bars.iter().map(move |b| (l, b))).take(MAX_ROWS) {
                            tr {
                                td data-label=(lane_h) { @match lane.id {
                                    Some(id) if t.lane_by == LaneBy::Unit => a href={ "/units/" (id) } { (lane.label) },
                                    Some(id) => a href={ "/places/" (id) } { (lane.label) },
                                    None => span.empty { (lane.label) },
                                } }
                                td data-label=(ctx.t("incident")) { a href={ "/incidents/" (b.incident_id) } { (labels.of(lang, "act_type", &b.act_type)) }
                                    @if b.detention { " " span.kind { (ctx.t("an-detention")) } } }
                                td data-label=(ctx.t("an-start")) { (partial(ctx, Some(&b.start))) }
                                td data-label=(ctx.t("an-end")) { @if let Some(e) = &b.end { (partial(ctx, Some(e))) } @else { "—" } }
                                td data-label=(ctx.t("an-days-drawn")) { (day(ctx, b.span.first)) " – " (day(ctx, b.span.last))
                                    @if b.span.estimated { " " span.kind { (ctx.t("an-estimated")) } } }
                            }
                        } }
                    }
                }))
                (cut_short(ctx, bars))
            }
        }
        @if !t.marks.is_empty() {
            details.more {
                summary { (ctx.t("an-marks")) " " span.count { (t.marks.len()) } }
                (scroll(html! {
                    table.list.wide #marks-table {
                        thead { tr {
                            th scope="col" { (ctx.t("testimony-interview-date")) }
                            th scope="col" { (ctx.t("an-testimony")) }
                            th scope="col" { (ctx.t("an-incidents-described")) }
                        } }
                        tbody { @for m in t.marks.iter().take(MAX_ROWS) {
                            tr {
                                td data-label=(ctx.t("testimony-interview-date")) { (day(ctx, m.date)) }
                                td data-label=(ctx.t("an-testimony")) { a href={ "/testimonies/" (m.testimony_id) } { (ctx.t("an-open-testimony")) } }
                                td data-label=(ctx.t("an-incidents-described")) class="num" { (m.incidents.len()) }
                            }
                        } }
                    }
                }))
                (cut_short(ctx, t.marks.len()))
            }
        }
    }
}

/// Rows a table on this page shows at most: a busy case's whole timeline would make a
/// page no browser opens (the picture and the API hold everything; a period narrows it).
const MAX_ROWS: usize = 1000;

fn cut_short(ctx: &Ctx, total: usize) -> Markup {
    html! {
        @if total > MAX_ROWS {
            p.hint { (ctx.ta("an-table-cut", &[("shown", MAX_ROWS.into()), ("total", total.into())])) }
        }
    }
}
