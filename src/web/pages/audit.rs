//! The auditor's screens: the log with filters, one entry with its Merkle inclusion
//! proof, and the chain of custody of one record. Reading the log and a custody chain
//! is itself audited, as through the API. Proofs are checked here with the log's own
//! key, and everything an outsider needs to check them again is shown.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use chrono::{NaiveDate, NaiveDateTime};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};

use super::admin::pager;
use crate::access::Allowed;
use crate::access::policy::act;
use crate::audit::query::{self, EntryProof, Filter, ProofCheck};
use crate::audit::{Actors, StoredEntry};
use crate::error::{FieldError, Result};
use crate::services::Services;
use crate::web::Ctx;
use crate::web::layout::{self, Nav, field, form_errors};
use crate::web::pages::registry::Pages;

pub fn routes(r: &mut Pages) {
    r.get("/audit", log);
    r.get("/audit/custody/{target_type}/{target_id}", custody);
    r.get("/audit/entries/{seq}", entry);
}

/// Entries per page of the log.
const PAGE: i64 = 50;
/// Longest filter value or path part accepted (codes and ids are far shorter).
const MAX_CODE: usize = 64;

/// The filter form as sent (every field a string: an empty one filters nothing).
#[derive(Debug, Default, Deserialize, Serialize)]
struct LogQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    target_type: String,
    #[serde(default)]
    target_id: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// `1`: leave page views (entries that only record a reading) out.
    #[serde(default)]
    hide_reads: String,
    #[serde(default, skip_serializing)]
    page: Option<i64>,
}

impl LogQuery {
    /// The service's filter, or the fields that are not right. Dates are whole days in
    /// UTC: `to` includes its day.
    fn filter(&self) -> std::result::Result<Filter, Vec<FieldError>> {
        let mut errors = Vec::new();
        let text = |name: &str, v: &str, errors: &mut Vec<FieldError>| {
            let v = v.trim();
            if v.len() > MAX_CODE {
                errors.push(FieldError::new(name, "too_long", "too long"));
            }
            (!v.is_empty()).then(|| v.to_owned())
        };
        // A user id or a username; a username is resolved in the query's transaction.
        let actor = text("actor", &self.actor, &mut errors);
        let day = |name: &str, v: &str, errors: &mut Vec<FieldError>| -> Option<NaiveDateTime> {
            let v = v.trim();
            if v.is_empty() {
                return None;
            }
            match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
                Ok(d) => d.and_hms_opt(0, 0, 0),
                Err(_) => {
                    errors.push(FieldError::new(name, "invalid_date", "YYYY-MM-DD"));
                    None
                }
            }
        };
        let from = day("from", &self.from, &mut errors);
        let to = day("to", &self.to, &mut errors).map(|t| t + chrono::Duration::days(1));
        if let (Some(f), Some(t)) = (from, to)
            && t <= f
        {
            errors.push(FieldError::new("to", "before_from", "before the first day"));
        }
        let filter = Filter {
            actor_user_id: actor.map(|a| match uuid::Uuid::parse_str(&a) {
                Ok(id) => id.to_string(),
                Err(_) => a,
            }),
            action: text("action", &self.action, &mut errors),
            target_type: text("target_type", &self.target_type, &mut errors),
            target_id: text("target_id", &self.target_id, &mut errors),
            from,
            to,
            hide_reads: self.hide_reads == "1",
        };
        if errors.is_empty() { Ok(filter) } else { Err(errors) }
    }

    fn page(&self) -> i64 {
        self.page.unwrap_or(1).clamp(1, 1_000_000)
    }

    /// The link to another page of the same filtered log.
    fn href(&self, page: i64) -> String {
        let filters = serde_html_form::to_string(self).unwrap_or_default();
        format!("/audit?{filters}&page={page}")
    }
}

async fn log(
    services: web::Data<Services>,
    who: Allowed<act::AuditRead>,
    ctx: Ctx,
    q: web::Query<LogQuery>,
) -> Result<HttpResponse> {
    let q = q.into_inner();
    let filter = match q.filter() {
        Ok(f) => f,
        Err(errors) => return Ok(log_view(&ctx, &q, None, &errors)),
    };
    let (limit, offset) = (PAGE, (q.page() - 1) * PAGE);
    let (page, actors) = services.audit.list_named(who, filter, (limit, offset)).await?;
    Ok(log_view(&ctx, &q, Some((page, actors)), &[]))
}

fn log_view(
    ctx: &Ctx,
    q: &LogQuery,
    page: Option<((Vec<StoredEntry>, i64), Actors)>,
    errors: &[FieldError],
) -> HttpResponse {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let filtered = [&q.actor, &q.action, &q.target_type, &q.target_id, &q.from, &q.to, &q.hide_reads]
        .iter()
        .any(|v| !v.trim().is_empty());
    let body = html! {
        h1 { (ctx.t("audit-title")) }
        p.lead { (ctx.t("audit-lead")) }
        (form_errors(ctx, errors, &["actor", "action", "target_type", "target_id", "from", "to"]))
        form.card method="get" action="/audit" role="search" aria-label=(ctx.t("audit-filters")) {
            div.filters {
                (field(ctx, "actor", "audit-actor", errors, html! {
                    input #actor name="actor" type="text" value=(q.actor) maxlength="64" spellcheck="false"
                        autocapitalize="none" aria-describedby="actor-hint";
                    p.hint #actor-hint { (ctx.t("audit-actor-hint")) }
                }))
                (field(ctx, "action", "audit-action", errors, html! {
                    (choose("action", &q.action, query::ACTIONS, &ctx.t("audit-any-action")))
                }))
                (field(ctx, "target_type", "audit-target-type", errors, html! {
                    (choose("target_type", &q.target_type, query::TARGET_TYPES, &ctx.t("audit-any-target-type")))
                }))
                (field(ctx, "target_id", "audit-target-id", errors, html! {
                    input #target_id name="target_id" type="text" value=(q.target_id) maxlength="64"
                        spellcheck="false" autocapitalize="none";
                }))
                (field(ctx, "from", "audit-from", errors, html! {
                    input #from name="from" type="date" value=(q.from);
                }))
                (field(ctx, "to", "audit-to", errors, html! {
                    input #to name="to" type="date" value=(q.to);
                }))
            }
            div.choice {
                input #hide_reads type="checkbox" name="hide_reads" value="1" checked[q.hide_reads == "1"]
                    aria-describedby="hide_reads-hint";
                label for="hide_reads" {
                    (ctx.t("audit-hide-reads"))
                    span.explain #hide_reads-hint { (ctx.t("audit-hide-reads-hint")) }
                }
            }
            div.actions {
                button type="submit" { (ctx.t("audit-filter")) }
                @if filtered { a.button.secondary href="/audit" { (ctx.t("audit-filter-clear")) } }
            }
        }
        @if let Some(((items, total), actors)) = &page {
            p.hint { (ctx.ta("audit-count", &[("total", (*total).into())])) }
            @if items.is_empty() {
                p.empty { (ctx.t("audit-none")) }
            } @else {
                table.list {
                    caption.visually-hidden { (ctx.t("audit-title")) }
                    thead { tr {
                        th scope="col" { (ctx.t("audit-seq")) }
                        th scope="col" { (ctx.t("audit-time")) }
                        th scope="col" { (ctx.t("audit-actor")) }
                        th scope="col" { (ctx.t("audit-action")) }
                        th scope="col" { (ctx.t("audit-target")) }
                        th scope="col" { (ctx.t("audit-outcome")) }
                    } }
                    tbody { @for e in items { (entry_row(ctx, actors, e, true)) } }
                }
                (pager(ctx, q.page(), PAGE, *total, |p| q.href(p)))
            }
        }
    };
    layout::render(ctx, status, "audit-title", Nav::Audit, body)
}

/// A list of codes to choose one from; a value not in the list (an old link) stays
/// chosen.
fn choose(name: &str, current: &str, codes: &[&str], any: &str) -> Markup {
    let current = current.trim();
    html! {
        select id=(name) name=(name) {
            option value="" { (any) }
            @if !current.is_empty() && !codes.contains(&current) { option value=(current) selected { (current) } }
            @for c in codes { option value=(c) selected[*c == current] { (c) } }
        }
    }
}

/// One entry as a table row; `custody` adds the link to its target's chain.
fn entry_row(ctx: &Ctx, actors: &Actors, e: &StoredEntry, custody: bool) -> Markup {
    html! {
        tr {
            td data-label=(ctx.t("audit-seq")) { a href={ "/audit/entries/" (e.seq) } aria-label=(ctx.ta("audit-entry-link", &[("seq", e.seq.into())])) { (e.seq) } }
            td data-label=(ctx.t("audit-time")) { (layout::when(ctx, e.at.and_utc())) }
            td data-label=(ctx.t("audit-actor")) { (actor_cell(ctx, actors, e)) }
            td data-label=(ctx.t("audit-action")) { code { (e.action) } }
            td data-label=(ctx.t("audit-target")) { (target(ctx, e, custody)) }
            td data-label=(ctx.t("audit-outcome")) { (outcome(ctx, &e.outcome)) }
        }
    }
}

/// The actor by username and role (auditors may know who did what), linking to their
/// entries; the id where the user is gone.
fn actor_cell(ctx: &Ctx, actors: &Actors, e: &StoredEntry) -> Markup {
    html! {
        @match &e.actor_user_id {
            Some(id) => a href={ "/audit?actor=" (id) } title=(ctx.t("audit-actor-filter")) {
                @match actors.get(id) {
                    Some(a) => { span.username { (a.username) } " " span.kind { (role_label(ctx, &a.role)) } },
                    None => code { (id) },
                }
            },
            None => span.hint { (ctx.t("audit-actor-none")) },
        }
    }
}

fn role_label(ctx: &Ctx, role: &str) -> String {
    let id = format!("role-{role}");
    let text = ctx.t(&id);
    if text == id { role.to_owned() } else { text }
}

fn target(ctx: &Ctx, e: &StoredEntry, custody_link: bool) -> Markup {
    html! {
        @match (&e.target_type, &e.target_id) {
            (Some(tt), Some(ti)) => {
                code { (tt) } " " code.id { (ti) }
                @if custody_link {
                    br;
                    a href=(custody_href(tt, ti)) { (ctx.t("audit-custody-link")) }
                }
            }
            (Some(tt), None) => code { (tt) },
            _ => "—",
        }
    }
}

/// Target types and ids are codes and ids (checked when written), safe in a path; any
/// other byte is escaped anyway.
fn custody_href(target_type: &str, target_id: &str) -> String {
    let part = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    format!("/audit/custody/{}/{}", part(target_type), part(target_id))
}

fn outcome(ctx: &Ctx, o: &str) -> Markup {
    html! {
        @match o {
            "success" => span.badge.sealed { (ctx.t("audit-outcome-success")) },
            "denied" => span.badge.draft { (ctx.t("audit-outcome-denied")) },
            "failure" => span.badge.draft { (ctx.t("audit-outcome-failure")) },
            other => code { (other) },
        }
    }
}

fn verdict(ctx: &Ctx, check: ProofCheck) -> Markup {
    html! {
        @if check.ok() { span.badge.sealed { (ctx.t("audit-proof-ok")) } }
        @else { span.badge.draft { (ctx.t("audit-proof-bad")) } }
    }
}

async fn custody(
    services: web::Data<Services>,
    who: Allowed<act::AuditRead>,
    ctx: Ctx,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse> {
    let (target_type, target_id) = path.into_inner();
    let (chain, actors) = services.audit.custody_named(who, target_type.clone(), target_id.clone()).await?;
    let key = chain.verifier_key.clone().unwrap_or_default();
    let checks: Vec<ProofCheck> = chain.events.iter().map(|p| query::check(p, &key)).collect();
    let failed = checks.iter().filter(|c| !c.ok()).count();
    let body = html! {
        p.eyebrow { a href="/audit" { (ctx.t("audit-title")) } }
        h1 { (ctx.t("audit-custody-title")) }
        dl.facts {
            dt { (ctx.t("audit-target-type")) } dd { code { (target_type) } }
            dt { (ctx.t("audit-target-id")) } dd { code { (target_id) } }
        }
        @if chain.events.is_empty() {
            p.empty { (ctx.t("audit-custody-none")) }
        } @else {
            @if failed == 0 {
                (layout::notice(ctx.ta("audit-custody-verified", &[("count", chain.events.len().into())])))
            } @else {
                div.alert role="alert" { p { (ctx.ta("audit-custody-failed", &[("count", failed.into())])) } }
            }
            table.list {
                caption.visually-hidden { (ctx.t("audit-custody-title")) }
                thead { tr {
                    th scope="col" { (ctx.t("audit-seq")) }
                    th scope="col" { (ctx.t("audit-time")) }
                    th scope="col" { (ctx.t("audit-actor")) }
                    th scope="col" { (ctx.t("audit-action")) }
                    th scope="col" { (ctx.t("audit-outcome")) }
                    th scope="col" { (ctx.t("audit-proof")) }
                } }
                tbody { @for (p, check) in chain.events.iter().zip(&checks) {
                    tr {
                        td data-label=(ctx.t("audit-seq")) { a href={ "/audit/entries/" (p.entry.seq) } aria-label=(ctx.ta("audit-entry-link", &[("seq", p.entry.seq.into())])) { (p.entry.seq) } }
                        td data-label=(ctx.t("audit-time")) { (layout::when(&ctx, p.entry.at.and_utc())) }
                        td data-label=(ctx.t("audit-actor")) { (actor_cell(&ctx, &actors, &p.entry)) }
                        td data-label=(ctx.t("audit-action")) { code { (p.entry.action) } }
                        td data-label=(ctx.t("audit-outcome")) { (outcome(&ctx, &p.entry.outcome)) }
                        td data-label=(ctx.t("audit-proof")) { (verdict(&ctx, *check)) }
                    }
                } }
            }
        }
        @if let Some(cp) = &chain.checkpoint {
            (checkpoint_section(&ctx, cp.size, &cp.root, &cp.note, &key))
        }
    };
    Ok(layout::page(&ctx, "audit-custody-title", Nav::Audit, body))
}

fn checkpoint_section(ctx: &Ctx, size: u64, root: &str, note: &str, key: &str) -> Markup {
    html! {
        section aria-labelledby="checkpoint-h" {
            h2 #checkpoint-h { (ctx.t("audit-checkpoint-title")) }
            p { (ctx.t("audit-checkpoint-about")) }
            dl.facts {
                dt { (ctx.t("audit-tree-size")) } dd { (size) }
                dt { (ctx.t("audit-root")) } dd { code { (root) } }
                dt { (ctx.t("audit-verifier-key")) } dd { code { (key) } }
            }
            h3 { (ctx.t("audit-note")) }
            pre.account-text { (note) }
        }
    }
}

async fn entry(
    services: web::Data<Services>,
    who: Allowed<act::AuditRead>,
    ctx: Ctx,
    seq: web::Path<i64>,
) -> Result<HttpResponse> {
    let (proof, key, actors) = services.audit.proof_named(who, seq.into_inner()).await?;
    let check = query::check(&proof, &key);
    Ok(entry_view(&ctx, &actors, &proof, &key, check))
}

fn entry_view(ctx: &Ctx, actors: &Actors, p: &EntryProof, key: &str, check: ProofCheck) -> HttpResponse {
    let e = &p.entry;
    let step = |ok: bool| {
        html! {
            @if ok { span.badge.sealed { (ctx.t("audit-check-pass")) } } @else { span.badge.draft { (ctx.t("audit-check-fail")) } }
        }
    };
    let body = html! {
        p.eyebrow { a href="/audit" { (ctx.t("audit-title")) } }
        h1 { (ctx.ta("audit-entry-heading", &[("seq", e.seq.into())])) }
        @if check.ok() {
            (layout::notice(ctx.ta("audit-entry-verified", &[("size", p.tree_size.into())])))
        } @else {
            div.alert role="alert" { p { (ctx.t("audit-entry-not-verified")) } }
        }
        dl.facts {
            dt { (ctx.t("audit-time")) } dd { (layout::when(ctx, e.at.and_utc())) }
            dt { (ctx.t("audit-actor")) } dd { (actor_cell(ctx, actors, e)) }
            dt { (ctx.t("audit-session")) } dd { code { (e.actor_session_id.as_deref().unwrap_or("—")) } }
            dt { (ctx.t("audit-action")) } dd { code { (e.action) } }
            dt { (ctx.t("audit-target")) } dd { (target(ctx, e, true)) }
            dt { (ctx.t("audit-outcome")) } dd { (outcome(ctx, &e.outcome)) }
            dt { (ctx.t("audit-details")) } dd { code { (e.details) } }
        }
        section aria-labelledby="proof-h" {
            h2 #proof-h { (ctx.t("audit-proof-title")) }
            p { (ctx.t("audit-proof-about")) }
            ul.plain {
                li { (step(check.signature)) " " (ctx.t("audit-check-signature")) }
                li { (step(check.leaf)) " " (ctx.t("audit-check-leaf")) }
                li { (step(check.inclusion)) " " (ctx.t("audit-check-inclusion")) }
            }
            dl.facts {
                dt { (ctx.t("audit-leaf-index")) } dd { (p.leaf_index) }
                dt { (ctx.t("audit-leaf-hash")) } dd { code { (p.leaf_hash) } }
            }
            h3 { (ctx.t("audit-canonical")) }
            pre.account-text { (p.canonical) }
            h3 { (ctx.t("audit-inclusion-path")) }
            @if p.inclusion_proof.is_empty() {
                p.hint { (ctx.t("audit-inclusion-empty")) }
            } @else {
                ol { @for h in &p.inclusion_proof { li { code { (h) } } } }
            }
        }
        (checkpoint_section(ctx, p.checkpoint.size, &p.checkpoint.root, &p.checkpoint.note, key))
    };
    layout::page(ctx, "audit-entry-title", Nav::Audit, body)
}
