//! The case lead's inbox: a case's submissions from its devices by status, and one
//! submission to review — its answers, its files (to download), its chain of custody so
//! far — with the forms that accept it as a draft or reject it with a reason.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use super::super::auth::see_other;
use super::super::testimony::human_size;
use crate::access::{Allowed, act};
use crate::error::{Error, FieldError, Result};
use crate::intake::SubmissionStatus;
use crate::intake::inbox::{SubmissionSummary, SubmissionView};
use crate::services::Services;
use crate::web::layout::{self, Nav, csrf_field, field, field_message, when};
use crate::web::pages::registry::Pages;
use crate::web::{Ctx, Form};

pub fn routes(r: &mut Pages) {
    r.get("/cases/{id}/intake/submissions", inbox_page);
    r.get("/intake/submissions/{id}", submission_page);
    r.post("/intake/submissions/{id}/accept", accept);
    r.post("/intake/submissions/{id}/reject", reject);
    r.get("/intake/files/{id}/content", crate::http::api::intake::inbox::download);
}

/// Submissions on a page of the inbox.
const PAGE: i64 = 50;

const STATUSES: [SubmissionStatus; 3] =
    [SubmissionStatus::Pending, SubmissionStatus::Accepted, SubmissionStatus::Rejected];

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct InboxQuery {
    status: Option<String>,
    page: Option<i64>,
}

async fn inbox_page(
    services: web::Data<Services>,
    who: Allowed<act::IntakeReview>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    query: web::Query<InboxQuery>,
) -> Result<HttpResponse> {
    let case_id = id.into_inner();
    let status = match query.status.as_deref() {
        None | Some("") => SubmissionStatus::Pending,
        Some(s) => match SubmissionStatus::parse(s) {
            Ok(s) if s != SubmissionStatus::Receiving => s,
            _ => return Err(Error::BadRequest("no such status".into())),
        },
    };
    let page = query.page.unwrap_or(1).clamp(1, 1_000_000);
    let (items, total) = services.intake.inbox(who, case_id, status, (PAGE, (page - 1) * PAGE)).await?;
    let href = |s: SubmissionStatus, p: i64| {
        format!("/cases/{case_id}/intake/submissions?status={}&page={p}", s.as_str())
    };
    let pages = ((total + PAGE - 1) / PAGE).max(1);
    let body = html! {
        p.eyebrow { a href={ "/cases/" (case_id) } { (ctx.t("inbox-back-to-case")) } }
        h1 { (ctx.t("inbox-title")) }
        p.lead { (ctx.t("inbox-intro")) }
        nav.views aria-label=(ctx.t("inbox-statuses")) {
            ul { @for s in STATUSES {
                li { a href=(href(s, 1)) aria-current=[(s == status).then_some("page")] { (ctx.t(status_id(s))) } }
            } }
        }
        section aria-labelledby="submissions-h" {
            h2 #submissions-h { (ctx.t(status_id(status))) " " span.count { (total) } }
            @if items.is_empty() { p.empty { (ctx.t("inbox-none")) } } @else { (table(&ctx, &items)) }
        }
        @if pages > 1 {
            nav.pager aria-label=(ctx.t("inbox-pages")) {
                @if page > 1 { a rel="prev" href=(href(status, page - 1)) { (ctx.t("inbox-previous")) } }
                span { (ctx.ta("inbox-position", &[("page", page.into()), ("pages", pages.into())])) }
                @if page < pages { a rel="next" href=(href(status, page + 1)) { (ctx.t("inbox-next")) } }
            }
        }
    };
    Ok(layout::page(&ctx, "inbox-title", Nav::Cases, body))
}

fn table(ctx: &Ctx, items: &[SubmissionSummary]) -> Markup {
    let cols = ["inbox-received", "inbox-device", "inbox-channel", "inbox-files", "inbox-form"];
    html! {
        table.list #submissions aria-labelledby="submissions-h" {
            thead { tr { @for c in cols { th scope="col" { (ctx.t(c)) } } } }
            tbody { @for s in items {
                tr {
                    td data-label=(ctx.t(cols[0])) { a href={ "/intake/submissions/" (s.id) } { (when(ctx, s.received_at)) } }
                    td data-label=(ctx.t(cols[1])) { (device(ctx, s)) }
                    td data-label=(ctx.t(cols[2])) { (ctx.t(channel_id(&s.channel))) }
                    td data-label=(ctx.t(cols[3])) { (s.files) }
                    td data-label=(ctx.t(cols[4])) { (form(s)) }
                }
            } }
        }
    }
}

fn device(ctx: &Ctx, s: &SubmissionSummary) -> String {
    s.device_label.clone().filter(|l| !l.is_empty()).unwrap_or_else(|| ctx.t("inbox-device-unnamed"))
}

fn form(s: &SubmissionSummary) -> String {
    match (&s.form_id, &s.form_version) {
        (Some(f), Some(v)) => format!("{f} · {v}"),
        (Some(f), None) => f.clone(),
        _ => "—".into(),
    }
}

async fn submission_page(
    services: web::Data<Services>,
    who: Allowed<act::IntakeReview>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let view = services.intake.submission(who, id.into_inner()).await?;
    Ok(review(&ctx, StatusCode::OK, &view, &[], None))
}

async fn accept(
    services: web::Data<Services>,
    who: Allowed<act::IntakeReview>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    _form: Form<NoFields>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    match services.intake.accept(who.clone(), id).await {
        Ok(a) => Ok(see_other(&format!("/testimonies/{}", a.testimony_id))),
        Err(Error::Validation(errors)) => {
            let view = services.intake.submission(who, id).await?;
            Ok(review(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &view, &errors, None))
        }
        Err(Error::Conflict(code)) => {
            let view = services.intake.submission(who, id).await?;
            Ok(review(&ctx, StatusCode::CONFLICT, &view, &[], Some(code)))
        }
        Err(e) => Err(e),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NoFields {}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RejectForm {
    reason: String,
}

async fn reject(
    services: web::Data<Services>,
    who: Allowed<act::IntakeReview>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<RejectForm>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    match services.intake.reject(who.clone(), id, form.0.reason).await {
        Ok(()) => Ok(see_other(&format!("/intake/submissions/{id}"))),
        Err(Error::Validation(errors)) => {
            let view = services.intake.submission(who, id).await?;
            Ok(review(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &view, &errors, None))
        }
        Err(Error::Conflict(code)) => {
            let view = services.intake.submission(who, id).await?;
            Ok(review(&ctx, StatusCode::CONFLICT, &view, &[], Some(code)))
        }
        Err(e) => Err(e),
    }
}

fn review(
    ctx: &Ctx,
    status: StatusCode,
    v: &SubmissionView,
    errors: &[FieldError],
    conflict: Option<&str>,
) -> HttpResponse {
    let s = &v.summary;
    let body = html! {
        p.eyebrow { a href={ "/cases/" (s.case_id) "/intake/submissions" } { (ctx.t("inbox-title")) } }
        h1 { (ctx.t("inbox-submission-title")) }
        @if conflict.is_some() {
            div.alert #decision-refused role="alert" { p { (ctx.t("inbox-already-decided")) } }
        }
        @for e in errors.iter().filter(|e| e.field != "reason") {
            div.alert role="alert" { p { (e.field) ": " (field_message(ctx, e)) } }
        }
        dl.facts {
            dt { (ctx.t("inbox-status")) } dd #submission-status { (ctx.t(status_id(s.status))) }
            dt { (ctx.t("inbox-received")) } dd { (when(ctx, s.received_at)) }
            @if let Some(t) = s.completed_at { dt { (ctx.t("inbox-completed")) } dd { (when(ctx, t)) } }
            dt { (ctx.t("inbox-device")) } dd { (device(ctx, s)) }
            dt { (ctx.t("inbox-channel")) } dd { (ctx.t(channel_id(&s.channel))) }
            dt { (ctx.t("inbox-form")) } dd { (form(s)) }
            @if let Some(t) = s.testimony_id {
                dt { (ctx.t("inbox-testimony")) } dd { a #testimony-link href={ "/testimonies/" (t) } { (ctx.t("inbox-open-draft")) } }
            }
        }
        @if let Some(d) = &v.decision {
            section aria-labelledby="decision-h" {
                h2 #decision-h { (ctx.t("inbox-decision-title")) }
                dl.facts {
                    dt { (ctx.t("inbox-decided-at")) } dd { (when(ctx, d.decided_at)) }
                    @if let Some(r) = &d.reason { dt { (ctx.t("inbox-reason")) } dd #decision-reason { (r) } }
                }
            }
        }
        (answers(ctx, v))
        (files(ctx, v))
        @if s.status == SubmissionStatus::Pending { (decide(ctx, v, errors)) }
        (custody(ctx, v))
    };
    layout::render(ctx, status, "inbox-submission-title", Nav::Cases, body)
}

fn answers(ctx: &Ctx, v: &SubmissionView) -> Markup {
    html! {
        section aria-labelledby="answers-h" {
            h2 #answers-h { (ctx.t("inbox-answers-title")) }
            @if v.fields.is_empty() { p.empty { (ctx.t("inbox-no-answers")) } } @else {
                table.list #answers aria-labelledby="answers-h" {
                    thead { tr { th scope="col" { (ctx.t("inbox-field")) } th scope="col" { (ctx.t("inbox-value")) } } }
                    tbody { @for f in &v.fields {
                        tr {
                            th scope="row" data-label=(ctx.t("inbox-field")) { code { (f.path) } }
                            td data-label=(ctx.t("inbox-value")) { (f.value) }
                        }
                    } }
                }
            }
        }
    }
}

fn files(ctx: &Ctx, v: &SubmissionView) -> Markup {
    let cols =
        ["inbox-file-name", "inbox-file-type", "inbox-file-size", "inbox-file-sha256", "inbox-file-received"];
    html! {
        section aria-labelledby="files-h" {
            h2 #files-h { (ctx.t("inbox-files")) " " span.count { (v.files.len()) } }
            @if v.files.is_empty() { p.empty { (ctx.t("inbox-no-files")) } } @else {
                table.list #files aria-labelledby="files-h" {
                    thead { tr { @for c in cols { th scope="col" { (ctx.t(c)) } } } }
                    tbody { @for f in &v.files {
                        tr {
                            td data-label=(ctx.t(cols[0])) {
                                @if f.available { a href={ "/intake/files/" (f.id) "/content" } download { (f.name) } }
                                @else { (f.name) " " span.hint { "(" (ctx.t("inbox-file-gone")) ")" } }
                            }
                            td data-label=(ctx.t(cols[1])) { (f.media_type) }
                            td data-label=(ctx.t(cols[2])) { (human_size(i64::try_from(f.size).unwrap_or(i64::MAX))) }
                            td data-label=(ctx.t(cols[3])) { code { (f.sha256) } }
                            td data-label=(ctx.t(cols[4])) {
                                (human_size(i64::try_from(f.received_bytes).unwrap_or(i64::MAX)))
                                br; span.hint { "SHA-256 " code { (f.received_sha256) } }
                                br; span.hint { "MD5 " code { (f.received_md5) } }
                            }
                        }
                    } }
                }
            }
        }
    }
}

fn decide(ctx: &Ctx, v: &SubmissionView, errors: &[FieldError]) -> Markup {
    let id = v.summary.id;
    html! {
        section aria-labelledby="decide-h" {
            h2 #decide-h { (ctx.t("inbox-decide-title")) }
            form #accept-form method="post" action={ "/intake/submissions/" (id) "/accept" } {
                (csrf_field(ctx))
                p.hint { (ctx.t("inbox-accept-hint")) }
                button #accept type="submit" { (ctx.t("inbox-accept-button")) }
            }
            form #reject-form method="post" action={ "/intake/submissions/" (id) "/reject" } {
                (csrf_field(ctx))
                (field(ctx, "reason", "inbox-reason", errors, html! {
                    textarea #reason name="reason" rows="4" required aria-describedby="reason-hint" {}
                    p.hint #reason-hint { (ctx.t("inbox-reject-hint")) }
                }))
                button.danger #reject type="submit" { (ctx.t("inbox-reject-button")) }
            }
        }
    }
}

fn custody(ctx: &Ctx, v: &SubmissionView) -> Markup {
    html! {
        section aria-labelledby="custody-h" {
            h2 #custody-h { (ctx.t("inbox-custody-title")) }
            p.hint { (ctx.t("inbox-custody-hint")) }
            table.list #custody aria-labelledby="custody-h" {
                thead { tr {
                    th scope="col" { (ctx.t("inbox-custody-seq")) }
                    th scope="col" { (ctx.t("inbox-custody-at")) }
                    th scope="col" { (ctx.t("inbox-custody-action")) }
                    th scope="col" { (ctx.t("inbox-custody-record")) }
                } }
                tbody { @for e in &v.custody {
                    tr {
                        td data-label=(ctx.t("inbox-custody-seq")) { (e.seq) }
                        td data-label=(ctx.t("inbox-custody-at")) { (when(ctx, e.at.and_utc())) }
                        td data-label=(ctx.t("inbox-custody-action")) { code { (e.action) } }
                        td data-label=(ctx.t("inbox-custody-record")) {
                            (e.target_type.as_deref().unwrap_or("")) " " code { (e.target_id.as_deref().unwrap_or("")) }
                        }
                    }
                } }
            }
        }
    }
}

fn status_id(s: SubmissionStatus) -> &'static str {
    match s {
        SubmissionStatus::Receiving => "inbox-status-receiving",
        SubmissionStatus::Pending => "inbox-status-pending",
        SubmissionStatus::Accepted => "inbox-status-accepted",
        SubmissionStatus::Rejected => "inbox-status-rejected",
    }
}

fn channel_id(channel: &str) -> &'static str {
    match channel {
        "tella" => "inbox-channel-tella",
        _ => "inbox-channel-openrosa",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::{Lang, Tr};

    /// The ids picked by value exist in both languages.
    #[test]
    fn every_label_chosen_by_value_exists() {
        let statuses = [
            SubmissionStatus::Receiving,
            SubmissionStatus::Pending,
            SubmissionStatus::Accepted,
            SubmissionStatus::Rejected,
        ];
        let ids = statuses
            .into_iter()
            .map(status_id)
            .chain(["openrosa", "tella"].map(channel_id))
            .chain(["inbox-received", "inbox-device", "inbox-channel", "inbox-files", "inbox-form"])
            .chain(["inbox-file-name", "inbox-file-type", "inbox-file-size", "inbox-file-sha256"])
            .chain(["inbox-file-received"]);
        for id in ids {
            for lang in Lang::ALL {
                assert_ne!(Tr(lang).t(id), id, "{id} in {}", lang.code());
            }
        }
    }
}
