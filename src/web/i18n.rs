//! Interface text in English and Russian, from Fluent catalogues compiled into the
//! binary (`locales/*.ftl`). A message missing from the chosen language falls back to
//! English, and a test keeps both catalogues complete.

use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Ru,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ru];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim().get(..2)?.to_ascii_lowercase().as_str() {
            "en" => Some(Lang::En),
            "ru" => Some(Lang::Ru),
            _ => None,
        }
    }

    /// The first supported language in an `Accept-Language` header, in the order the
    /// browser gives (quality values are almost always already in descending order).
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        header.split(',').filter_map(|part| Lang::from_code(part.split(';').next()?)).next()
    }

    /// Dates as people of this language write them; always UTC, and said so.
    pub fn datetime(self, t: chrono::DateTime<chrono::Utc>) -> String {
        match self {
            Lang::En => t.format("%-d %b %Y, %H:%M UTC").to_string(),
            Lang::Ru => t.format("%d.%m.%Y %H:%M UTC").to_string(),
        }
    }

    /// A calendar date given as `YYYY-MM-DD` (or a partial one), in this language.
    pub fn date(self, iso: &str) -> String {
        match (self, chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d")) {
            (Lang::En, Ok(d)) => d.format("%-d %b %Y").to_string(),
            (Lang::Ru, Ok(d)) => d.format("%d.%m.%Y").to_string(),
            _ => iso.to_owned(),
        }
    }
}

/// One catalogue file per area of the interface, in each language.
macro_rules! catalogue {
    ($lang:literal: $($area:literal),*) => {
        &[$( ($area, include_str!(concat!("locales/", $lang, "/", $area, ".ftl"))) ),*]
    };
}
const EN: &[(&str, &str)] = catalogue!("en": "common", "cases", "testimony", "search", "export", "admin", "audit", "import", "analysis", "care", "detention", "catalog", "medical", "intake_inbox", "intake_devices");
const RU: &[(&str, &str)] = catalogue!("ru": "common", "cases", "testimony", "search", "export", "admin", "audit", "import", "analysis", "care", "detention", "catalog", "medical", "intake_inbox", "intake_devices");

type Bundle = FluentBundle<FluentResource>;

fn bundle(lang: Lang, sources: &[(&str, &'static str)]) -> Bundle {
    let id: unic_langid::LanguageIdentifier = lang.code().parse().unwrap_or_default();
    let mut bundle = Bundle::new_concurrent(vec![id]);
    // No Unicode isolation marks: we render left-to-right text only, and the marks
    // would end up inside attribute values.
    bundle.set_use_isolating(false);
    for (area, source) in sources {
        let resource = match FluentResource::try_new((*source).to_owned()) {
            Ok(r) => r,
            Err((r, errors)) => {
                tracing::error!(lang = lang.code(), area, ?errors, "errors in a message catalogue");
                r
            }
        };
        if let Err(errors) = bundle.add_resource(resource) {
            tracing::error!(lang = lang.code(), area, ?errors, "duplicate messages in a catalogue");
        }
    }
    bundle
}

static BUNDLES: LazyLock<[Bundle; 2]> = LazyLock::new(|| [bundle(Lang::En, EN), bundle(Lang::Ru, RU)]);

/// Looks messages up in one language.
#[derive(Debug, Clone, Copy)]
pub struct Tr(pub Lang);

impl Tr {
    pub fn lang(self) -> Lang {
        self.0
    }

    pub fn t(self, id: &str) -> String {
        self.format(id, None)
    }

    pub fn ta(self, id: &str, args: &[(&'static str, FluentValue<'_>)]) -> String {
        let mut fa = FluentArgs::new();
        for (k, v) in args {
            fa.set(*k, v.clone());
        }
        self.format(id, Some(&fa))
    }

    fn format(self, id: &str, args: Option<&FluentArgs>) -> String {
        let index = match self.0 {
            Lang::En => 0,
            Lang::Ru => 1,
        };
        let bundles = &*BUNDLES;
        for bundle in [&bundles[index], &bundles[0]] {
            if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                return bundle.format_pattern(pattern, args, &mut errors).into_owned();
            }
        }
        tracing::warn!(id, "no such interface message");
        id.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn ids(sources: &[(&str, &str)]) -> BTreeSet<String> {
        sources
            .iter()
            .flat_map(|(_, s)| s.lines())
            .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            .filter_map(|l| l.split_once(" =").map(|(id, _)| id.trim().to_owned()))
            .collect()
    }

    #[test]
    fn both_catalogues_parse_and_have_the_same_messages() {
        for (area, source) in EN.iter().chain(RU) {
            assert!(FluentResource::try_new((*source).to_owned()).is_ok(), "{area}");
        }
        let total: usize = EN.iter().map(|(_, s)| ids(&[("", s)]).len()).sum();
        assert_eq!(total, ids(EN).len(), "a message defined in two files");
        let (en, ru) = (ids(EN), ids(RU));
        assert_eq!(en.difference(&ru).collect::<Vec<_>>(), Vec::<&String>::new(), "missing in ru.ftl");
        assert_eq!(ru.difference(&en).collect::<Vec<_>>(), Vec::<&String>::new(), "missing in en.ftl");
    }

    /// Every message the pages ask for exists: a typo would otherwise show the id.
    #[test]
    fn every_message_used_in_the_pages_exists() {
        let known = ids(EN);
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web");
        let mut missing = Vec::new();
        for entry in walk(&dir) {
            let text = std::fs::read_to_string(&entry).unwrap();
            for marker in [".t(\"", ".ta(\""] {
                for (i, _) in text.match_indices(marker) {
                    let rest = &text[i + marker.len()..];
                    let id = &rest[..rest.find('"').unwrap()];
                    if !known.contains(id) {
                        missing.push(format!("{}: {id}", entry.display()));
                    }
                }
            }
            // Labels given to `layout::field` (its third argument).
            for marker in ["field(ctx, \"", "field(&ctx, \""] {
                for (i, _) in text.match_indices(marker) {
                    let rest = &text[i + marker.len()..];
                    let Some(after_name) = rest.find("\", \"").map(|n| &rest[n + 4..]) else { continue };
                    let id = &after_name[..after_name.find('"').unwrap()];
                    if !known.contains(id) {
                        missing.push(format!("{}: label {id}", entry.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "{missing:#?}");
    }

    fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
        out
    }

    #[test]
    fn languages_come_from_codes_and_headers() {
        assert_eq!(Lang::from_accept_language("ru-RU,ru;q=0.9,en;q=0.8"), Some(Lang::Ru));
        assert_eq!(Lang::from_accept_language("de-DE,en;q=0.5"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("de"), None);
        assert_eq!(Tr(Lang::Ru).t("sign-in"), "Войти");
        assert_eq!(Tr(Lang::En).t("sign-in"), "Sign in");
    }

    /// Counts take the plural forms of each language: English one/other, Russian
    /// one (1, 21), few (2–4, 22) and many (5–20, 0).
    #[test]
    fn counts_take_each_language_s_plural_forms() {
        let n = |lang: Lang, id: &str, key: &'static str, v: i64| Tr(lang).ta(id, &[(key, v.into())]);
        assert_eq!(n(Lang::En, "testimonies-n", "n", 1), "one testimony");
        assert_eq!(n(Lang::En, "testimonies-n", "n", 2), "2 testimonies");
        for (v, form) in
            [(1, "показание"), (2, "показания"), (5, "показаний"), (21, "показание"), (0, "показаний")]
        {
            assert_eq!(n(Lang::Ru, "testimonies-n", "n", v), format!("{v} {form}"));
        }
        assert_eq!(n(Lang::Ru, "search-results", "total", 3), "3 результата");
        assert_eq!(n(Lang::Ru, "search-results", "total", 11), "11 результатов");
        assert!(n(Lang::En, "audit-entry-verified", "size", 1).ends_with("of 1 entry."));
        assert!(n(Lang::Ru, "audit-entry-verified", "size", 21).ends_with("из 21 записи."));
        assert!(n(Lang::Ru, "audit-entry-verified", "size", 3).ends_with("из 3 записей."));
        let preview = |lang: Lang, go: i64, inc: i64| {
            Tr(lang).ta(
                "export-preview-summary",
                &[
                    ("exported", go.into()),
                    ("withheld", 0.into()),
                    ("incidents", inc.into()),
                    ("perpetrators", 1.into()),
                ],
            )
        };
        assert!(
            preview(Lang::En, 1, 2)
                .starts_with("1 account will go, 0 will be withheld; 2 incidents and 1 perpetrator")
        );
        assert!(
            preview(Lang::Ru, 3, 5)
                .starts_with("Войдут 3 показания, исключено: 0; включены 5 эпизодов и 1 исполнитель")
        );
    }

    #[test]
    fn dates_follow_the_language() {
        let t = chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap();
        assert_eq!(Lang::En.datetime(t), "18 Nov 2026, 11:06 UTC");
        assert_eq!(Lang::Ru.datetime(t), "18.11.2026 11:06 UTC");
        assert_eq!(Lang::Ru.date("2024-03-05"), "05.03.2024");
        assert_eq!(Lang::En.date("2024-03"), "2024-03");
    }
}
