//! A time axis: the ticks and labels for a period of days, months or years, chosen so
//! that no more labels are drawn than fit.

use chrono::{Datelike, NaiveDate};

use super::{Language, month};

/// A tick at `date` with its label; `second` is a second, smaller line (the year) when
/// the first line alone would be ambiguous.
pub struct Tick {
    pub date: NaiveDate,
    pub label: String,
    pub second: Option<String>,
}

/// Ticks between `from` and `to` (inclusive days), at most `max` of them.
pub fn ticks(from: NaiveDate, to: NaiveDate, max: usize, language: Language) -> Vec<Tick> {
    let max = max.max(2) as i64;
    let days = (to - from).num_days() + 1;
    let mut out = Vec::new();
    if days <= 92 {
        let step = [1, 2, 3, 7, 14, 28].into_iter().find(|s| days / s < max).unwrap_or(28);
        let mut d = from;
        while d <= to {
            let first = out.is_empty();
            out.push(Tick {
                date: d,
                label: format!("{} {}", d.day(), month(language, d.month())),
                second: (first || (d.month() == 1 && d.day() <= step as u32)).then(|| d.year().to_string()),
            });
            let Some(next) = d.checked_add_signed(chrono::Duration::days(step)) else { break };
            d = next;
        }
        return out;
    }
    let months =
        i64::from(to.year() - from.year()) * 12 + i64::from(to.month()) - i64::from(from.month()) + 1;
    if months <= 12 * 8 {
        let step = [1, 2, 3, 6, 12].into_iter().find(|s| months / s < max).unwrap_or(12);
        // The first whole month on the axis, then every `step` months aligned to January.
        let (mut y, mut m) = (from.year(), from.month());
        if from.day() != 1 {
            (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        }
        while (m - 1) as i64 % step != 0 {
            (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        }
        while let Some(d) = NaiveDate::from_ymd_opt(y, m, 1).filter(|d| *d <= to) {
            let first = out.is_empty();
            out.push(Tick {
                date: d,
                label: month(language, m).to_owned(),
                second: (first || m == 1).then(|| y.to_string()),
            });
            for _ in 0..step {
                (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            }
        }
        return out;
    }
    let years = i64::from(to.year() - from.year()) + 1;
    let step = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 10_000, 100_000]
        .into_iter()
        .find(|s| years / s < max)
        .unwrap_or(100_000) as i32;
    let mut y = from.year() + 1;
    y += (step - y.rem_euclid(step)) % step;
    while let Some(d) = NaiveDate::from_ymd_opt(y, 1, 1).filter(|d| *d <= to) {
        out.push(Tick { date: d, label: y.to_string(), second: None });
        y += step;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn ticks_follow_the_length_of_the_period() {
        let days = ticks(d(2020, 8, 9), d(2020, 8, 20), 9, Language::En);
        assert_eq!(days[0].label, "9 Aug");
        assert_eq!(days[0].second.as_deref(), Some("2020"));
        assert!(days.len() <= 9);
        let months = ticks(d(2020, 3, 15), d(2021, 6, 1), 9, Language::Ru);
        assert_eq!(months[0].date, d(2020, 5, 1), "every second month from January");
        assert!(months.iter().any(|t| t.label == "янв" && t.second.as_deref() == Some("2021")));
        assert!(months.len() <= 9);
        let years = ticks(d(1990, 1, 1), d(2024, 12, 31), 9, Language::En);
        assert!(years.len() <= 9 && years.len() >= 3);
        assert!(years.iter().all(|t| t.date.month() == 1 && t.date.day() == 1));
    }

    #[test]
    fn the_extremes_of_the_calendar_do_not_loop_or_panic() {
        assert!(ticks(NaiveDate::MIN, NaiveDate::MAX, 9, Language::En).len() <= 9);
        let one = ticks(d(2020, 1, 1), d(2020, 1, 1), 9, Language::En);
        assert_eq!(one.len(), 1);
        let end = ticks(NaiveDate::MAX - chrono::Duration::days(3), NaiveDate::MAX, 9, Language::En);
        assert_eq!(end.len(), 4);
    }
}
