//! The case lead's import screens: a case's imports and the form that plans a new one
//! (a mapping and a file), then the plan as tables (what each kind of record would
//! become, every problem and where it is, the records one by one) and the form that
//! applies exactly that plan.

use std::sync::Arc;

use actix_multipart::{Field, Multipart};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use super::auth::see_other;
use super::testimony::human_size;
use crate::access::{Allowed, act};
use crate::attachments::clean_filename;
use crate::error::{Error, Result};
use crate::http::api::imports::MAX_MAPPING_BYTES;
use crate::http::stream_reader;
use crate::import::fields::Kind;
use crate::import::plan::{Action, Count};
use crate::import::{ImportView, Status, Upload};
use crate::services::Services;
use crate::web::layout::{self, Nav, csrf_field, field, when};
use crate::web::pages::registry::Pages;
use crate::web::{Ctx, Form, session};

pub fn routes(r: &mut Pages) {
    r.get("/cases/{id}/imports", imports_page);
    r.post("/cases/{id}/imports", plan);
    r.get("/imports/{id}", import_page);
    r.post("/imports/{id}/apply", apply);
}

/// Records of a plan listed on its page; the counts cover all of them.
const STEPS_SHOWN: usize = 500;

async fn imports_page(
    services: web::Data<Services>,
    who: Allowed<act::CaseImport>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let case_id = id.into_inner();
    let imports = services.imports.list(who, case_id).await?;
    let body = html! {
        p.eyebrow { a href={ "/cases/" (case_id) } { (ctx.t("import-back-to-case")) } }
        h1 { (ctx.t("imports-title")) }
        p.lead { (ctx.t("imports-intro")) }
        form #import-form method="post" action={ "/cases/" (case_id) "/imports" } enctype="multipart/form-data" {
            // First: the token is checked before a byte of the file is read.
            (csrf_field(&ctx))
            (field(&ctx, "mapping", "import-mapping", &[], html! {
                textarea #mapping name="mapping" rows="14" spellcheck="false" aria-describedby="mapping-hint" {}
                p.hint #mapping-hint { (ctx.t("import-mapping-hint")) " " code { "docs/import.md" } }
            }))
            (field(&ctx, "file", "import-file", &[], html! {
                input #file name="file" type="file" required accept=".csv,.xlsx,.ods,.zip" aria-describedby="file-hint";
                p.hint #file-hint { (ctx.t("import-file-hint")) }
            }))
            button #plan type="submit" { (ctx.t("import-plan-button")) }
        }
        section aria-labelledby="imports-h" {
            h2 #imports-h { (ctx.t("imports-done-title")) }
            @if imports.is_empty() { p.empty { (ctx.t("imports-none")) } } @else { (imports_table(&ctx, &imports)) }
        }
    };
    Ok(layout::page(&ctx, "imports-title", Nav::Cases, body))
}

fn imports_table(ctx: &Ctx, imports: &[ImportView]) -> Markup {
    let cols = [
        "import-planned",
        "import-filename",
        "import-status",
        "import-rows",
        "import-new-records",
        "import-updated-records",
        "import-unchanged-records",
    ];
    html! {
        table.list #imports aria-labelledby="imports-h" {
            thead { tr { @for c in cols { th scope="col" { (ctx.t(c)) } } } }
            tbody { @for v in imports {
                @let total = totals(&v.plan.counts);
                tr {
                    td data-label=(ctx.t(cols[0])) { a href={ "/imports/" (v.id) } { (when(ctx, v.created_at)) } }
                    td data-label=(ctx.t(cols[1])) { (v.filename) }
                    td data-label=(ctx.t(cols[2])) { (status_text(ctx, v)) }
                    td data-label=(ctx.t(cols[3])) { (v.plan.rows) }
                    td data-label=(ctx.t(cols[4])) { (total.create) }
                    // A sealed account corrected by a new version is an update too.
                    td data-label=(ctx.t(cols[5])) { (total.update + total.correct) }
                    td data-label=(ctx.t(cols[6])) { (total.unchanged) }
                }
            } }
        }
    }
}

fn totals(counts: &[Count]) -> Count {
    counts.iter().fold(Count::default(), |mut t, c| {
        t.create += c.create;
        t.update += c.update;
        t.correct += c.correct;
        t.unchanged += c.unchanged;
        t
    })
}

/// A multipart form: `csrf` first, then `mapping`, then `file`. The file streams into
/// the service as the API's does (stored encrypted as it arrives, then planned).
async fn plan(
    services: web::Data<Services>,
    who: Allowed<act::CaseImport>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    mut parts: Multipart,
) -> Result<HttpResponse> {
    let case_id = id.into_inner();
    // Authorised before a byte of the form is read.
    services.imports.may_import(&who, case_id).await?;
    let bad = |what: &str| Error::BadRequest(format!("the import form is not as expected: {what}"));
    let mut csrf_ok = false;
    let mut mapping: Option<String> = None;
    while let Some(part) = parts.next().await {
        // Until the token is proven, whatever arrives is refused, and nothing is said about it.
        let mut part = match part {
            Ok(p) => p,
            Err(_) if !csrf_ok => return Err(Error::Forbidden),
            Err(_) => return Err(bad("unreadable")),
        };
        let name = part.content_disposition().and_then(|d| d.get_name()).unwrap_or_default().to_owned();
        match (name.as_str(), csrf_ok) {
            ("csrf", false) => {
                let token = read_part(&mut part, 256).await.map_err(|_| Error::Forbidden)?;
                session::check_csrf(&req, std::str::from_utf8(&token).ok())?;
                csrf_ok = true;
            }
            (_, false) => return Err(Error::Forbidden),
            ("mapping", true) if mapping.is_none() => {
                let text = read_part(&mut part, MAX_MAPPING_BYTES).await?;
                mapping = Some(String::from_utf8(text).map_err(|_| bad("the mapping is not UTF-8 text"))?);
            }
            ("file", true) => {
                let Some(mapping) = mapping.take() else {
                    return Err(bad("send the mapping before the file"));
                };
                let filename =
                    clean_filename(part.content_disposition().and_then(|d| d.get_filename()).unwrap_or(""));
                let (body, pumping) = stream_reader::pipe(part, services.attachments.limits().idle_timeout);
                let upload = Upload { filename, body: Box::new(body), files: None };
                let planning = services.imports.plan(who, case_id, mapping, upload);
                let (view, ()) = futures_util::future::join(planning, pumping).await;
                return Ok(see_other(&format!("/imports/{}", view?.id)));
            }
            _ => return Err(bad("expected the fields csrf, mapping and file")),
        }
    }
    Err(if csrf_ok { bad("no file") } else { Error::Forbidden })
}

/// A small text part, whole, within `limit` bytes.
async fn read_part(part: &mut Field, limit: usize) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    while let Some(chunk) = part.next().await {
        let chunk = chunk.map_err(|_| Error::BadRequest("the import form is unreadable".into()))?;
        if out.len() + chunk.len() > limit {
            return Err(Error::TooLarge { limit: limit as u64 });
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

async fn import_page(
    services: web::Data<Services>,
    who: Allowed<act::CaseImport>,
    ctx: Ctx,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let view = services.imports.get(who, id.into_inner()).await?;
    Ok(import_view(&ctx, StatusCode::OK, &view, None))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ApplyForm {
    digest: String,
}

/// Applies the plan the page showed (named by its digest) and comes back to it. A plan
/// that can no longer be applied as it is (the case changed since, say) is shown again
/// with the reason, not as an error page.
async fn apply(
    services: web::Data<Services>,
    who: Allowed<act::CaseImport>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    form: Form<ApplyForm>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    match services.imports.apply(who.clone(), id, form.0.digest, None, Arc::new(|_| {})).await {
        Ok(_) => Ok(see_other(&format!("/imports/{id}"))),
        Err(Error::Conflict(code)) => {
            let view = services.imports.get(who, id).await?;
            Ok(import_view(&ctx, StatusCode::CONFLICT, &view, Some(code)))
        }
        Err(e) => Err(e),
    }
}

fn import_view(ctx: &Ctx, status: StatusCode, v: &ImportView, conflict: Option<&str>) -> HttpResponse {
    let body = html! {
        p.eyebrow { a href={ "/cases/" (v.case_id) "/imports" } { (ctx.t("imports-title")) } }
        h1 { (ctx.t("import-title")) }
        @if let Some(code) = conflict {
            div.alert #apply-refused role="alert" { p { (ctx.t(conflict_message(code))) } }
        }
        dl.facts {
            dt { (ctx.t("import-filename")) } dd { (v.filename) }
            dt { (ctx.t("import-size")) } dd { (human_size(i64::try_from(v.file_size).unwrap_or(i64::MAX))) }
            dt { (ctx.t("import-sha256")) } dd { code { (v.file_sha256) } }
            dt { (ctx.t("import-status")) } dd #import-status { (status_text(ctx, v)) }
            dt { (ctx.t("import-digest")) } dd { code #import-digest { (v.digest) } }
            dt { (ctx.t("import-planned")) } dd { (when(ctx, v.created_at)) }
            @if let Some(t) = v.applied_at { dt { (ctx.t("import-applied")) } dd { (when(ctx, t)) } }
            dt { (ctx.t("import-rows")) } dd { (v.plan.rows) }
        }
        (next_step(ctx, v))
        (counts_table(ctx, v))
        (issues_table(ctx, v))
        (steps_table(ctx, v))
    };
    layout::render(ctx, status, "import-title", Nav::Cases, body)
}

/// What can be done with the plan now: apply it, resume it, or fix the file first.
fn next_step(ctx: &Ctx, v: &ImportView) -> Markup {
    let resuming = matches!(v.status, Status::Applying | Status::Failed);
    html! {
        @match v.status {
            Status::Refused => div.alert #import-refused role="alert" {
                p { (ctx.ta("import-refused", &[("n", v.plan.issues_total.into())])) }
                p { a href={ "/cases/" (v.case_id) "/imports" } { (ctx.t("import-plan-again")) } }
            },
            Status::Applied => div.notice role="status" { (ctx.t("import-applied-notice")) },
            _ => {}
        }
        @if resuming {
            div.alert role="alert" {
                p { (ctx.ta("import-stopped", &[("phase", (v.phase + 1).into()), ("done", v.done.into())])) }
                @if let Some(e) = &v.error { p { code { (e) } } }
            }
        }
        @if v.status.may_apply() {
            form #apply-form method="post" action={ "/imports/" (v.id) "/apply" } {
                (csrf_field(ctx))
                input type="hidden" name="digest" value=(v.digest);
                p.hint { (ctx.t("import-apply-hint")) }
                button #apply type="submit" {
                    (ctx.t(if resuming { "import-resume-button" } else { "import-apply-button" }))
                }
            }
        }
    }
}

fn counts_table(ctx: &Ctx, v: &ImportView) -> Markup {
    let actions = [Action::Create, Action::Update, Action::Correct, Action::Unchanged];
    html! {
        section aria-labelledby="counts-h" {
            h2 #counts-h { (ctx.t("import-counts-title")) }
            @if v.plan.counts.is_empty() { p.empty { (ctx.t("import-nothing")) } } @else {
                table.list #counts aria-labelledby="counts-h" {
                    thead { tr {
                        th scope="col" { (ctx.t("import-kind")) }
                        @for a in actions { th scope="col" { (ctx.t(action_id(a))) } }
                    } }
                    tbody { @for c in &v.plan.counts {
                        tr {
                            th scope="row" data-label=(ctx.t("import-kind")) { (c.kind.map(|k| ctx.t(kind_id(k))).unwrap_or_default()) }
                            @for a in actions {
                                td data-label=(ctx.t(action_id(a))) { (match a {
                                    Action::Create => c.create,
                                    Action::Update => c.update,
                                    Action::Correct => c.correct,
                                    Action::Unchanged => c.unchanged,
                                }) }
                            }
                        }
                    } }
                }
            }
        }
    }
}

fn issues_table(ctx: &Ctx, v: &ImportView) -> Markup {
    let cols = ["import-sheet", "import-row", "import-column", "import-problem", "import-value"];
    let issues = &v.plan.issues;
    html! {
        @if v.plan.issues_total > 0 {
            section aria-labelledby="issues-h" {
                h2 #issues-h { (ctx.t("import-issues-title")) " " span.count { (v.plan.issues_total) } }
                @if v.plan.issues_total > issues.len() as u64 {
                    p.hint { (ctx.ta("list-truncated", &[("shown", issues.len().into()), ("total", v.plan.issues_total.into())])) }
                }
                table.list #issues aria-labelledby="issues-h" {
                    thead { tr { @for c in cols { th scope="col" { (ctx.t(c)) } } } }
                    tbody { @for i in issues {
                        tr {
                            td data-label=(ctx.t(cols[0])) { @if i.at.sheet.is_empty() { (ctx.t("import-whole-file")) } @else { (i.at.sheet) } }
                            td data-label=(ctx.t(cols[1])) { (i.at.row.map(|r| r.to_string()).unwrap_or_else(|| "—".into())) }
                            td data-label=(ctx.t(cols[2])) { (i.at.column.as_deref().unwrap_or("—")) }
                            td data-label=(ctx.t(cols[3])) { (i.message) " " span.explain { "(" code { (i.code) } ")" } }
                            td data-label=(ctx.t(cols[4])) { @if let Some(value) = &i.value { code { (value) } } @else { "—" } }
                        }
                    } }
                }
            }
        }
    }
}

fn steps_table(ctx: &Ctx, v: &ImportView) -> Markup {
    let cols = ["import-kind", "import-external-id", "import-sheet", "import-row", "import-action"];
    let shown = &v.plan.steps[..v.plan.steps.len().min(STEPS_SHOWN)];
    html! {
        @if !shown.is_empty() {
            section aria-labelledby="steps-h" {
                h2 #steps-h { (ctx.t("import-steps-title")) " " span.count { (v.steps_total) } }
                @if v.steps_total > shown.len() as u64 {
                    p.hint { (ctx.ta("list-truncated", &[("shown", shown.len().into()), ("total", v.steps_total.into())])) }
                }
                table.list #steps aria-labelledby="steps-h" {
                    thead { tr { @for c in cols { th scope="col" { (ctx.t(c)) } } } }
                    tbody { @for s in shown {
                        tr {
                            td data-label=(ctx.t(cols[0])) { (ctx.t(kind_id(s.kind))) }
                            td data-label=(ctx.t(cols[1])) { (s.external_id) }
                            td data-label=(ctx.t(cols[2])) { (s.at.sheet) }
                            td data-label=(ctx.t(cols[3])) { (s.at.row.map(|r| r.to_string()).unwrap_or_else(|| "—".into())) }
                            td data-label=(ctx.t(cols[4])) { (ctx.t(action_id(s.action))) }
                        }
                    } }
                }
            }
        }
    }
}

fn status_text(ctx: &Ctx, v: &ImportView) -> String {
    let label = ctx.t(status_id(v.status));
    if v.status == Status::Refused {
        format!("{label} · {}", ctx.ta("import-problems-n", &[("n", v.plan.issues_total.into())]))
    } else {
        label
    }
}

fn status_id(s: Status) -> &'static str {
    match s {
        Status::Planned => "import-status-planned",
        Status::Refused => "import-status-refused",
        Status::Applying => "import-status-applying",
        Status::Applied => "import-status-applied",
        Status::Failed => "import-status-failed",
    }
}

fn action_id(a: Action) -> &'static str {
    match a {
        Action::Create => "import-action-create",
        Action::Update => "import-action-update",
        Action::Correct => "import-action-correct",
        Action::Unchanged => "import-action-unchanged",
    }
}

fn kind_id(k: Kind) -> &'static str {
    match k {
        Kind::Unit => "import-kind-unit",
        Kind::Place => "import-kind-place",
        Kind::Person => "import-kind-person",
        Kind::Incident => "import-kind-incident",
        Kind::Testimony => "import-kind-testimony",
        Kind::Involvement => "import-kind-involvement",
        Kind::Attachment => "import-kind-attachment",
    }
}

/// Why apply refused, in words the lead can act on.
fn conflict_message(code: &str) -> &'static str {
    match code {
        "case_changed_since_planning" => "import-conflict-case-changed",
        "import_digest_mismatch" => "import-conflict-digest",
        "import_plan_has_issues" => "import-conflict-issues",
        "import_already_applied" => "import-conflict-applied",
        _ => "error-conflict",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::{Lang, Tr};

    /// The ids picked by value (not written out where the page asks for them, so the
    /// catalogue test cannot see them) exist.
    #[test]
    fn every_label_chosen_by_value_exists() {
        let statuses = [Status::Planned, Status::Refused, Status::Applying, Status::Applied, Status::Failed];
        let actions = [Action::Create, Action::Update, Action::Correct, Action::Unchanged];
        let codes = ["case_changed_since_planning", "import_digest_mismatch", "import_plan_has_issues"];
        let ids = statuses
            .into_iter()
            .map(status_id)
            .chain(actions.into_iter().map(action_id))
            .chain(Kind::ALL.into_iter().map(kind_id))
            .chain(codes.into_iter().chain(["import_already_applied", "other"]).map(conflict_message))
            .chain(["import-planned", "import-filename", "import-status", "import-rows", "import-sheet"])
            .chain(["import-row", "import-column", "import-problem", "import-value", "import-external-id"])
            .chain(["import-kind", "import-action", "import-new-records", "import-updated-records"])
            .chain(["import-unchanged-records"]);
        for id in ids {
            for lang in Lang::ALL {
                assert_ne!(Tr(lang).t(id), id, "{id} in {}", lang.code());
            }
        }
    }
}
