//! The testimony page: the account as the reader may see it, its versions, consent,
//! attachments and incidents, and for its author the draft's form.

use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;
use uuid::Uuid;

use super::SHARE;
use super::form::{FormMode, TestimonyForm, testimony_form};
use crate::access::Allowed;
use crate::access::policy::{self, act};
use crate::auth::Action;
use crate::cases::incidents::IncidentView;
use crate::cases::testimonies::{Status, TestimonyPage, TestimonyView};
use crate::error::Result;
use crate::services::Services;
use crate::web::layout::{self, Nav, csrf_field, notice, when};
use crate::web::{Ctx, languages};

#[derive(Deserialize)]
pub(super) struct Done {
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
    labels: crate::web::pages::records::Labels,
    case_incidents: Vec<IncidentView>,
    reference: String,
    /// The linked incidents by act, date and place.
    names: crate::cases::labels::Names,
}

pub(super) async fn show(
    state: web::Data<Services>,
    who: Allowed<act::CaseRead>,
    ctx: Ctx,
    id: web::Path<Uuid>,
    done: web::Query<Done>,
) -> Result<HttpResponse> {
    let viewer = who.principal.clone();
    let (reader, id) = (who.clone(), id.into_inner());
    let TestimonyPage { testimony, case_reference, may_link, case_incidents, terms, names, form } =
        state.testimonies.page(who, id).await?;
    let a = Around { t: testimony, labels: terms.into(), case_incidents, reference: case_reference, names };
    let form = form.map(|d| testimony_form(&ctx, &d, &TestimonyForm::of(&a.t), &[], FormMode::Edit(a.t.id)));
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
    // Court metadata of what a bundle can carry: sealed versions and their files.
    let court = if a.t.status == Status::Sealed {
        let originals = state.catalog.originals_of_testimony(reader, id).await?;
        let files: Vec<Uuid> = a.t.attachments.iter().map(|f| f.id).collect();
        Some(crate::web::pages::catalog::court_links(&ctx, a.t.case_id, a.t.id, &files, &originals))
    } else {
        None
    };
    Ok(layout::page(
        &ctx,
        "testimony-title",
        Nav::Cases,
        testimony_page(&ctx, &a, message, form, court, may_document, may_link),
    ))
}

fn testimony_page(
    ctx: &Ctx,
    a: &Around,
    message: Option<String>,
    form: Option<Markup>,
    court: Option<Markup>,
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
        @if let Some(court) = &court { (court) }
        section aria-labelledby="incidents-h" {
            h2 #incidents-h { (ctx.t("incidents-title")) }
            ul.plain { @for i in &t.incidents { li { a href={ "/incidents/" (i) } { (crate::web::pages::names::incident(ctx, &a.labels, &a.names, i)) } } } }
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
                (crate::web::pages::testimony_links::new_incident_form(ctx, t.id, &a.labels, &Default::default(), &[]))
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
