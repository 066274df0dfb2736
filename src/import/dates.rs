//! Dates as spreadsheets hold them, read into Custodia's partial dates: a day, a month,
//! a year, or an estimate. Pure functions.
//!
//! Built in: `2021-03-05`, `5.3.2021` / `05.03.2021` (day first, as in Europe), `2021-03`,
//! `03.2021`, `2021`, a season with a year (`весна 2021`, `spring 2021`: an estimate in
//! its middle month) and `~`, `ca.`, `c.`, `около`, `примерно` before an exact day (an
//! estimate). The mapping may add `strftime` formats for exact days.

use chrono::{Datelike, NaiveDate};

use crate::cases::validate::Precision;

/// A date read from a cell: the text Custodia stores and its precision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partial {
    pub date: String,
    pub precision: Precision,
    /// The first day it can mean, for ordering start against end.
    pub earliest: NaiveDate,
}

impl Partial {
    fn day(d: NaiveDate, precision: Precision) -> Partial {
        Partial { date: d.format("%Y-%m-%d").to_string(), precision, earliest: d }
    }
}

const SEASONS: &[(&[&str], u32)] = &[
    (&["весна", "весной", "spring"], 4),
    (&["лето", "летом", "summer"], 7),
    (&["осень", "осенью", "autumn", "fall"], 10),
    (&["зима", "зимой", "winter"], 1),
];

const ABOUT: &[&str] = &["~", "ca.", "c.", "circa", "около", "примерно", "приблизительно"];

/// An exact day, in the built-in forms or the mapping's `formats`.
pub fn exact(text: &str, formats: &[String]) -> Option<NaiveDate> {
    let t = text.trim();
    ["%Y-%m-%d", "%d.%m.%Y"]
        .iter()
        .copied()
        .chain(formats.iter().map(String::as_str))
        .find_map(|f| NaiveDate::parse_from_str(t, f).ok())
        .filter(|d| (1000..=9999).contains(&d.year()))
}

/// Any date a cell may hold, with its precision.
pub fn partial(text: &str, formats: &[String]) -> Option<Partial> {
    let t = text.trim();
    if let Some(d) = exact(t, formats) {
        return Some(Partial::day(d, Precision::Exact));
    }
    let lower = t.to_lowercase();
    for marker in ABOUT {
        if let Some(rest) = lower.strip_prefix(marker)
            && let Some(d) = exact(rest.trim(), formats)
        {
            return Some(Partial::day(d, Precision::Estimate));
        }
    }
    if let Some(p) = month(t) {
        return Some(p);
    }
    if let Some(y) = year(t) {
        let earliest = NaiveDate::from_ymd_opt(y, 1, 1)?;
        return Some(Partial { date: format!("{y:04}"), precision: Precision::Year, earliest });
    }
    let mut words = lower.split_whitespace();
    let (Some(season), Some(y), None) = (words.next(), words.next(), words.next()) else {
        return None;
    };
    let y = year(y)?;
    let (_, middle) = SEASONS.iter().find(|(names, _)| names.contains(&season))?;
    let d = NaiveDate::from_ymd_opt(y, *middle, 15)?;
    Some(Partial::day(d, Precision::Estimate))
}

fn year(t: &str) -> Option<i32> {
    if t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()) {
        t.parse().ok().filter(|y| (1000..=9999).contains(y))
    } else {
        None
    }
}

fn month(t: &str) -> Option<Partial> {
    let (y, m) = if let Some((y, m)) = t.split_once('-') {
        (y, m)
    } else if let Some((m, y)) = t.split_once('.') {
        (y, m)
    } else {
        return None;
    };
    let y = year(y)?;
    if m.is_empty() || m.len() > 2 || !m.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let m: u32 = m.parse().ok()?;
    let earliest = NaiveDate::from_ymd_opt(y, m, 1)?;
    Some(Partial { date: format!("{y:04}-{m:02}"), precision: Precision::Month, earliest })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(t: &str) -> Option<(String, Precision)> {
        partial(t, &[]).map(|p| (p.date, p.precision))
    }

    #[test]
    fn reads_every_precision() {
        assert_eq!(p("2021-03-05"), Some(("2021-03-05".into(), Precision::Exact)));
        assert_eq!(p("5.3.2021"), Some(("2021-03-05".into(), Precision::Exact)));
        assert_eq!(p("03.2021"), Some(("2021-03".into(), Precision::Month)));
        assert_eq!(p("2021-3"), Some(("2021-03".into(), Precision::Month)));
        assert_eq!(p(" 2020 "), Some(("2020".into(), Precision::Year)));
        assert_eq!(p("весна 2021"), Some(("2021-04-15".into(), Precision::Estimate)));
        assert_eq!(p("Winter 2020"), Some(("2020-01-15".into(), Precision::Estimate)));
        assert_eq!(p("~ 12.08.2020"), Some(("2020-08-12".into(), Precision::Estimate)));
        assert_eq!(p("около 2020-08-12"), Some(("2020-08-12".into(), Precision::Estimate)));
    }

    #[test]
    fn refuses_what_is_not_a_date() {
        for bad in ["", "31.02.2021", "13.2021", "20", "spring", "весна 21", "2021-13", "yesterday", "1.1.99"]
        {
            assert_eq!(p(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_mappings_formats_come_after_the_built_in_ones() {
        let formats = vec!["%m/%d/%Y".to_owned()];
        assert_eq!(exact("03/05/2021", &formats), NaiveDate::from_ymd_opt(2021, 3, 5));
        assert_eq!(exact("03/05/2021", &[]), None);
    }
}
