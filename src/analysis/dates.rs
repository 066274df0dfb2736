//! Partial dates as spans of days: what a date recorded to the month or year can mean,
//! and whether it lies within a period for certain or only possibly.

use chrono::{Datelike, NaiveDate};

use super::model::{DaySpan, PartialDate};
use crate::cases::validate::Precision;

/// The days a recorded date can mean; `None` for an unknown or unreadable one.
pub fn span(d: &PartialDate) -> Option<DaySpan> {
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    let (first, last) = match d.precision {
        Precision::Exact | Precision::Estimate => {
            let x = day(&d.date)?;
            (x, x)
        }
        Precision::Month => {
            let first = day(&format!("{}-01", d.date))?;
            (first, last_of_month(first)?)
        }
        Precision::Year => {
            let year: i32 = d.date.parse().ok()?;
            (NaiveDate::from_ymd_opt(year, 1, 1)?, NaiveDate::from_ymd_opt(year, 12, 31)?)
        }
        Precision::Unknown => return None,
    };
    Some(DaySpan { first, last, estimated: d.precision == Precision::Estimate })
}

/// From the first day `start` can mean to the last day `end` (or `start`) can mean. An
/// end before the start, which the forms refuse but old data may hold, is ignored.
pub fn incident_span(start: &PartialDate, end: Option<&PartialDate>) -> Option<DaySpan> {
    let s = span(start)?;
    let e = end.and_then(span).filter(|e| e.last >= s.first);
    Some(match e {
        Some(e) => DaySpan { first: s.first, last: e.last, estimated: s.estimated || e.estimated },
        None => s,
    })
}

fn last_of_month(first: NaiveDate) -> Option<NaiveDate> {
    let (y, m) = if first.month() == 12 { (first.year() + 1, 1) } else { (first.year(), first.month() + 1) };
    NaiveDate::from_ymd_opt(y, m, 1)?.pred_opt()
}

/// Where a span lies relative to a period (open ends unbounded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Within {
    Certainly,
    Possibly,
    Not,
}

pub fn within(s: DaySpan, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Within {
    let after_start = |d: NaiveDate| from.is_none_or(|f| d >= f);
    let before_end = |d: NaiveDate| to.is_none_or(|t| d <= t);
    if after_start(s.first) && before_end(s.last) {
        Within::Certainly
    } else if before_end(s.first) && after_start(s.last) {
        Within::Possibly
    } else {
        Within::Not
    }
}

/// The ISO week a day falls in, as `2020-W33`.
pub fn week_key(d: NaiveDate) -> String {
    let w = d.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pd(date: &str, precision: Precision) -> PartialDate {
        PartialDate { date: date.into(), precision }
    }

    fn ymd(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn every_precision_has_its_span() {
        let exact = span(&pd("2020-08-10", Precision::Exact)).unwrap();
        assert_eq!((exact.first, exact.last, exact.estimated), (ymd("2020-08-10"), ymd("2020-08-10"), false));
        let month = span(&pd("2020-02", Precision::Month)).unwrap();
        assert_eq!((month.first, month.last), (ymd("2020-02-01"), ymd("2020-02-29")));
        let december = span(&pd("2020-12", Precision::Month)).unwrap();
        assert_eq!(december.last, ymd("2020-12-31"));
        let year = span(&pd("2020", Precision::Year)).unwrap();
        assert_eq!((year.first, year.last), (ymd("2020-01-01"), ymd("2020-12-31")));
        assert!(span(&pd("2020-08-10", Precision::Estimate)).unwrap().estimated);
        assert_eq!(span(&pd("", Precision::Unknown)), None);
        assert_eq!(span(&pd("2020-13", Precision::Month)), None, "unreadable dates are no span");
    }

    #[test]
    fn an_incident_runs_from_its_start_to_the_end_of_its_end() {
        let s = incident_span(&pd("2020-08-09", Precision::Exact), Some(&pd("2020-08", Precision::Month)))
            .unwrap();
        assert_eq!((s.first, s.last), (ymd("2020-08-09"), ymd("2020-08-31")));
        let backwards =
            incident_span(&pd("2020-08-09", Precision::Exact), Some(&pd("2019", Precision::Year)));
        assert_eq!(backwards.unwrap().last, ymd("2020-08-09"));
    }

    #[test]
    fn a_month_on_a_periods_edge_is_only_possibly_within_it() {
        let august = span(&pd("2020-08", Precision::Month)).unwrap();
        let (from, to) = (Some(ymd("2020-08-15")), Some(ymd("2020-12-31")));
        assert_eq!(within(august, from, to), Within::Possibly);
        assert_eq!(within(august, Some(ymd("2020-08-01")), None), Within::Certainly);
        assert_eq!(within(august, Some(ymd("2020-09-01")), None), Within::Not);
        assert_eq!(within(august, None, Some(ymd("2020-07-31"))), Within::Not);
        assert_eq!(within(august, None, None), Within::Certainly);
    }

    #[test]
    fn weeks_are_iso_weeks() {
        assert_eq!(week_key(ymd("2020-08-10")), "2020-W33");
        assert_eq!(week_key(ymd("2021-01-01")), "2020-W53");
    }
}
