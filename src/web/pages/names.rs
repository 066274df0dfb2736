//! How pages name the records they link to (`cases::labels` loads the names): never a
//! number or an id, always what the reader may know — a pseudonym, a name where it may
//! be shown, an incident's act, date and place, a testimony's witness and version.

use maud::{Markup, html};
use uuid::Uuid;

use super::records::Labels;
use crate::cases::labels::Names;
use crate::web::Ctx;

/// The breadcrumb: the case by its reference, then where the reader is (as a title: a
/// kind such as "perpetrator" is lower-case where it runs in a sentence).
pub fn crumb(case_id: Uuid, reference: &str, here: &str) -> Markup {
    let mut chars = here.chars();
    let here: String = chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default();
    html! {
        p.eyebrow {
            a href={ "/cases/" (case_id) } { (reference) }
            @if !here.is_empty() { " · " (here) }
        }
    }
}

/// A person's link text: `Name (W-0031)` or `W-0031`.
pub fn person(names: &Names, id: &Uuid) -> String {
    names.person(id).map(|p| p.label()).unwrap_or_else(|| "—".to_owned())
}

pub fn person_link(names: &Names, id: &Uuid) -> Markup {
    html! { a href={ "/persons/" (id) } { (person(names, id)) } }
}

/// A testimony's link text: `W-0031 · version 2 · 14 March 2021`.
pub fn testimony(ctx: &Ctx, names: &Names, id: &Uuid) -> String {
    match names.testimony(id) {
        Some(t) => testimony_text(ctx, &t.witness_pseudonym, t.version, t.interview_date.as_deref()),
        None => ctx.t("testimony-title"),
    }
}

/// The words of a testimony's name, wherever one is named: the witness's pseudonym, the
/// version and (when known) the date.
pub fn testimony_text(ctx: &Ctx, pseudonym: &str, version: i32, date: Option<&str>) -> String {
    let mut s = format!("{pseudonym} · {}", ctx.ta("version-n", &[("n", version.into())]));
    if let Some(d) = date {
        s.push_str(" · ");
        s.push_str(&ctx.lang().date(d));
    }
    s
}

/// Links to testimonies (by root or version id), each to its newest version.
pub fn testimony_links(ctx: &Ctx, names: &Names, ids: &[Uuid]) -> Markup {
    html! {
        @for (n, id) in ids.iter().enumerate() {
            @if n > 0 { ", " }
            a href={ "/testimonies/" (names.testimony(id).map(|t| t.id).unwrap_or(*id)) } { (testimony(ctx, names, id)) }
        }
    }
}

/// An incident's link text: `Torture · August 2020 · ЦИП на Окрестина`.
pub fn incident(ctx: &Ctx, labels: &Labels, names: &Names, id: &Uuid) -> String {
    match names.incident(id) {
        Some(i) => {
            let mut s = labels.of(ctx.lang(), "act_type", &i.act_type);
            if let Some(d) = &i.start_date {
                s.push_str(" · ");
                s.push_str(&ctx.lang().date(d));
            }
            if let Some(p) = &i.place {
                s.push_str(" · ");
                s.push_str(p);
            }
            s
        }
        None => ctx.t("incident"),
    }
}
