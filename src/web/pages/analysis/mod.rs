//! The analysis pages: a case's hub, the corroboration table, the timeline, the pattern
//! counts, the map, a unit's chain of command and a person's linkage. Each asks its
//! service for one view (one audited read) and shows the picture with the same content
//! as a table beside it, so nothing is said by the drawing alone.

mod command;
mod corroboration;
mod hub;
mod linkage;
mod map;
mod patterns;
mod timeline;

use actix_web::HttpResponse;
use actix_web::http::header;
use chrono::NaiveDate;
use maud::{Markup, PreEscaped, html};

use super::records::Labels;
use crate::access::Allowed;
use crate::access::policy::act;
use crate::analysis::draw::{Language, Words};
use crate::analysis::model::{PartialDate, Strength};
use crate::cases::validate::Precision;
use crate::services::Services;
use crate::web::Ctx;
use crate::web::i18n::Lang;
use crate::web::pages::registry::Pages;

pub fn routes(r: &mut Pages) {
    r.get("/cases/{id}/analysis", hub::hub);
    r.get("/cases/{id}/corroboration", corroboration::page);
    r.get("/cases/{id}/corroboration.csv", corroboration::csv);
    r.post("/involvements/{id}/stance", corroboration::set_stance);
    r.get("/cases/{id}/timeline", timeline::page);
    r.get("/cases/{id}/patterns", patterns::page);
    r.get("/cases/{id}/patterns.csv", patterns::csv);
    r.get("/cases/{id}/map", map::page);
    r.get("/cases/{id}/map.geojson", map::geojson);
    r.get("/units/{id}/command", command::page);
    r.get("/persons/{id}/linkage", linkage::page);
}

/// Whether the reader may mark accounts as contradicting links in `case`: an
/// investigator member, or the case's lead.
async fn may_mark(services: &Services, who: &Allowed<act::CaseRead>, case: uuid::Uuid) -> bool {
    match Allowed::<act::CaseLink>::check(who.principal.clone()) {
        Ok(link) => services.analysis.may_link(&link, case).await,
        Err(_) => false,
    }
}

/// The pictures' language.
fn language(ctx: &Ctx) -> Language {
    match ctx.lang() {
        Lang::En => Language::En,
        Lang::Ru => Language::Ru,
    }
}

/// Draws with the reader's language and vocabulary labels; records are links.
fn draw_with<T>(ctx: &Ctx, labels: &Labels, draw: impl FnOnce(&Words) -> T) -> T {
    let lang = ctx.lang();
    let label = |vocabulary: &str, code: &str| labels.of(lang, vocabulary, code);
    draw(&Words { language: language(ctx), label: &label, links: true })
}

/// A picture drawn on the server, described by `caption`; the table that says the
/// same follows it on the page.
fn picture(svg: String, caption: &str) -> Markup {
    html! {
        figure.picture {
            (PreEscaped(svg))
            figcaption { (caption) }
        }
    }
}

/// A table that scrolls sideways inside its box on a narrow screen, not the page.
fn scroll(table: Markup) -> Markup {
    html! { div.scroll { (table) } }
}

/// A partial date as recorded, as precise as it is known: `10 Aug 2020`, `August 2020`,
/// `2020`, `about 13 Aug 2020`.
fn partial(ctx: &Ctx, d: Option<&PartialDate>) -> String {
    let Some(d) = d else { return ctx.t("an-undated") };
    match d.precision {
        Precision::Exact => ctx.lang().date(&d.date),
        Precision::Month => month(ctx.lang(), &d.date),
        Precision::Year => d.date.clone(),
        Precision::Estimate => ctx.ta("an-date-estimate", &[("date", ctx.lang().date(&d.date).into())]),
        Precision::Unknown => ctx.t("an-undated"),
    }
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_RU: [&str; 12] = [
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
];

/// `2020-08` as `August 2020` (`август 2020`); anything else as it is.
fn month(lang: Lang, iso: &str) -> String {
    let named = iso.split_once('-').and_then(|(year, m)| {
        let m: usize = m.parse().ok().filter(|m| (1..=12).contains(m))?;
        let names = match lang {
            Lang::En => &MONTHS_EN,
            Lang::Ru => &MONTHS_RU,
        };
        Some(format!("{} {year}", names[m - 1]))
    });
    named.unwrap_or_else(|| iso.to_owned())
}

fn day(ctx: &Ctx, d: NaiveDate) -> String {
    ctx.lang().date(&d.to_string())
}

/// A period with either end open: `1 Aug 2020 – …`.
fn period(ctx: &Ctx, from: Option<NaiveDate>, to: Option<NaiveDate>) -> String {
    let end = |d: Option<NaiveDate>| d.map(|d| day(ctx, d)).unwrap_or_else(|| "…".to_owned());
    format!("{} – {}", end(from), end(to))
}

fn strength_id(s: Strength) -> &'static str {
    match s {
        Strength::Corroborated => "an-strength-corroborated",
        Strength::SingleSource => "an-strength-single-source",
        Strength::HearsayOnly => "an-strength-hearsay-only",
        Strength::Contradicted => "an-strength-contradicted",
        Strength::Unsupported => "an-strength-unsupported",
    }
}

/// A strength in words (a colour only adds to it).
fn strength(ctx: &Ctx, s: Strength) -> Markup {
    html! { span class={ "strength " (s.as_str()) } { (ctx.t(strength_id(s))) } }
}

/// A testimony's reliability in words, as the testimony form names it.
fn reliability(ctx: &Ctx, code: &str) -> String {
    match code {
        "high" => ctx.t("reliability-high"),
        "medium" => ctx.t("reliability-medium"),
        "low" => ctx.t("reliability-low"),
        "" | "unknown" => ctx.t("reliability-unknown"),
        other => other.to_owned(),
    }
}

/// A download of a view (CSV, GeoJSON): never cached, saved under `name`.
fn download(bytes: Vec<u8>, content_type: &str, name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type(content_type)
        .body(bytes)
}

/// The links between the analysis views of a case, the one shown marked.
fn views_nav(ctx: &Ctx, case_id: uuid::Uuid, here: &str) -> Markup {
    let views = [
        ("analysis", "an-hub-title"),
        ("corroboration", "an-corroboration-title"),
        ("timeline", "an-timeline-title"),
        ("patterns", "an-patterns-title"),
        ("map", "an-map-title"),
    ];
    html! {
        nav.views aria-label=(ctx.t("an-views")) {
            ul {
                @for (path, id) in views {
                    li { a href={ "/cases/" (case_id) "/" (path) } aria-current=[(path == here).then_some("page")] { (ctx.t(id)) } }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_named_in_the_reader_s_language() {
        assert_eq!(month(Lang::En, "2020-08"), "August 2020");
        assert_eq!(month(Lang::Ru, "2020-12"), "декабрь 2020");
        assert_eq!(month(Lang::En, "2020-13"), "2020-13");
        assert_eq!(month(Lang::En, "2020"), "2020");
    }
}
