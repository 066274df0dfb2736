//! Time in detention, computed from partial dates: each date is the span of days it can
//! mean (`analysis::dates::span`), so a duration is a least and a most number of days —
//! "at least 412, at most 441 days". Days are counted inclusively (the day of arrest and
//! the day of release are both days in detention), as monitors count days behind bars.
//! Pure functions over clear columns; no database, no keys.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::analysis::model::DaySpan;

/// Where an episode stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    InCustody,
    Released,
    Unknown,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::InCustody => "in_custody",
            Status::Released => "released",
            Status::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Status {
        match s {
            "in_custody" => Status::InCustody,
            "released" => Status::Released,
            _ => Status::Unknown,
        }
    }
}

/// A number of days known within bounds. `None`: no bound can be given (an arrest of
/// unknown date, a release of unknown date with nothing recorded after it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
pub struct Days {
    pub least: Option<i64>,
    pub most: Option<i64>,
    /// Still held: the count runs to today.
    pub ongoing: bool,
}

/// The dates of one custody period, as spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PeriodDates {
    pub from: Option<DaySpan>,
    pub to: Option<DaySpan>,
}

/// The dates of one episode: arrest, release, status, and its custody periods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpisodeDates {
    pub arrest: Option<DaySpan>,
    pub release: Option<DaySpan>,
    pub status: Status,
    pub periods: Vec<PeriodDates>,
}

/// The days a stay (an episode or a period) lies within: from the first day it can have
/// begun to the last it can have ended (`None`: unbounded), and the days it certainly
/// covers (`certain_from..=certain_to`, empty when either is unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bounds {
    pub possible_from: Option<NaiveDate>,
    pub certain_from: Option<NaiveDate>,
    pub certain_to: Option<NaiveDate>,
    pub possible_to: Option<NaiveDate>,
}

/// `a` certainly lies wholly before `b`: its last possible day precedes `b`'s first.
pub fn certainly_before(a: DaySpan, b: DaySpan) -> bool {
    a.last < b.first
}

fn inclusive(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days() + 1
}

/// The least and most days between bounds, inclusive. A stay that may have begun and
/// ended on one day lasted at least that day.
pub fn days_of(b: Bounds, ongoing: bool) -> Days {
    let least = match (b.certain_from, b.certain_to) {
        (Some(f), Some(t)) => Some(inclusive(f, t).max(1)),
        _ => None,
    };
    let most = match (b.possible_from, b.possible_to) {
        (Some(f), Some(t)) => Some(inclusive(f, t).max(1)),
        _ => None,
    };
    Days { least, most: most.map(|m| m.max(least.unwrap_or(0))), ongoing }
}

impl EpisodeDates {
    /// The periods' indexes in the order they began (by the first day each can mean;
    /// periods of unknown start last, in their recorded order).
    pub fn order(&self) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.periods.len()).collect();
        idx.sort_by_key(|&i| (self.periods[i].from.is_none(), self.periods[i].from.map(|s| s.first)));
        idx
    }

    /// The last day the person was certainly held, from everything recorded: the arrest
    /// and each period's certain days.
    fn last_certain_day(&self, today: NaiveDate) -> Option<NaiveDate> {
        let arrest = self.arrest.map(|a| a.last);
        (0..self.periods.len())
            .filter_map(|i| {
                let b = self.period_bounds(i, today);
                b.certain_to.or(b.certain_from)
            })
            .chain(arrest)
            .max()
    }

    /// From arrest to release, or to today when still held. Without an arrest date the
    /// earliest period's start stands in; without a release date (released or unknown,
    /// date not known) the least runs to the last day certainly held and the most to
    /// today.
    pub fn bounds(&self, today: NaiveDate) -> Bounds {
        let start = self.arrest.or_else(|| self.order().first().and_then(|&i| self.periods[i].from));
        let (certain_to, possible_to) = match (self.release, self.status) {
            (Some(r), _) => (Some(r.first), Some(r.last)),
            (None, Status::InCustody) => (Some(today), Some(today)),
            (None, _) => (self.last_certain_day(today), Some(today)),
        };
        Bounds {
            possible_from: start.map(|s| s.first),
            certain_from: start.map(|s| s.last),
            certain_to,
            possible_to,
        }
    }

    pub fn days(&self, today: NaiveDate) -> Days {
        days_of(self.bounds(today), self.is_ongoing())
    }

    fn is_ongoing(&self) -> bool {
        self.status == Status::InCustody && self.release.is_none()
    }

    /// The days period `i` lies within. An open end closes at the next period's start
    /// (a transfer), else at the release, else today when still held; a period of
    /// unknown start begins no earlier than the arrest. The episode's arrest and release
    /// bound every period.
    pub fn period_bounds(&self, i: usize, today: NaiveDate) -> Bounds {
        let p = self.periods[i];
        let order = self.order();
        let next = order
            .iter()
            .position(|&j| j == i)
            .and_then(|at| order.get(at + 1))
            .and_then(|&j| self.periods[j].from)
            .filter(|_| p.from.is_some());
        let (possible_from, certain_from) = match p.from {
            Some(f) => (Some(f.first), Some(f.last)),
            None => (self.arrest.map(|a| a.first), None),
        };
        let (certain_to, possible_to) = match (p.to, next, self.release) {
            (Some(t), _, _) => (Some(t.first), Some(t.last)),
            (None, Some(n), _) => (n.first.pred_opt(), Some(n.last)),
            (None, None, Some(r)) => (Some(r.first), Some(r.last)),
            (None, None, None) if self.status == Status::InCustody => (Some(today), Some(today)),
            (None, None, None) => (certain_from, Some(today)),
        };
        let cap = |d: Option<NaiveDate>| match (d, self.release) {
            (Some(d), Some(r)) => Some(d.min(r.last)),
            (d, _) => d,
        };
        let floor = |d: Option<NaiveDate>| match (d, self.arrest) {
            (Some(d), Some(a)) => Some(d.max(a.first)),
            (None, Some(a)) => Some(a.first),
            (d, None) => d,
        };
        Bounds {
            possible_from: floor(possible_from),
            certain_from,
            certain_to: cap(certain_to),
            possible_to: cap(possible_to),
        }
    }

    pub fn period_days(&self, i: usize, today: NaiveDate) -> Days {
        let open = self.periods[i].to.is_none() && self.is_ongoing();
        let last = self.order().last() == Some(&i);
        days_of(self.period_bounds(i, today), open && last)
    }

    /// Consecutive periods, in order: each is a transfer from one to the next, on the
    /// days the next one's start can mean. Pairs of indexes into `periods`.
    pub fn transfers(&self) -> Vec<(usize, usize)> {
        let known: Vec<usize> =
            self.order().into_iter().filter(|&i| self.periods[i].from.is_some()).collect();
        known.windows(2).map(|w| (w[0], w[1])).collect()
    }
}

/// A person's time in detention: the sum over their episodes. The least counts the
/// episodes whose least is known (an unknown one adds at least a day); the most is
/// unknown when any episode's is.
pub fn person_days(episodes: &[EpisodeDates], today: NaiveDate) -> Days {
    let all: Vec<Days> = episodes.iter().map(|e| e.days(today)).collect();
    let least = if all.is_empty() { None } else { Some(all.iter().map(|d| d.least.unwrap_or(1)).sum()) };
    let most = all.iter().map(|d| d.most).sum::<Option<i64>>();
    Days { least, most, ongoing: all.iter().any(|d| d.ongoing) }
}

/// The days `p` certainly covers: from its start's last possible day to its end's first
/// (an open end: only the start).
fn core(p: &PeriodDates) -> Option<(NaiveDate, NaiveDate)> {
    let f = p.from?;
    let t = p.to.map(|t| t.first).unwrap_or(f.last);
    Some((f.last, t))
}

/// Two periods certainly overlap when each certainly began before the other certainly
/// ended. A transfer on one day (one ends the day the next begins) is no overlap.
pub fn certainly_overlap(a: &PeriodDates, b: &PeriodDates) -> bool {
    match (core(a), core(b)) {
        (Some((a_from, a_to)), Some((b_from, b_to))) => a_from < b_to && b_from < a_to,
        _ => false,
    }
}

/// Where a day lies relative to a stay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Certainly,
    Possibly,
    Not,
}

pub fn presence(b: Bounds, on: NaiveDate) -> Presence {
    let certain = b.certain_from.is_some_and(|f| f <= on) && b.certain_to.is_some_and(|t| on <= t);
    let possible = b.possible_from.is_none_or(|f| f <= on) && b.possible_to.is_none_or(|t| on <= t);
    if certain {
        Presence::Certainly
    } else if possible {
        Presence::Possibly
    } else {
        Presence::Not
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::dates::span;
    use crate::analysis::model::PartialDate;
    use crate::cases::validate::Precision;

    fn ymd(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn d(s: &str) -> Option<DaySpan> {
        let precision = match s.len() {
            10 => Precision::Exact,
            7 => Precision::Month,
            _ => Precision::Year,
        };
        span(&PartialDate { date: s.into(), precision })
    }

    fn period(from: &str, to: &str) -> PeriodDates {
        PeriodDates { from: d(from), to: if to.is_empty() { None } else { d(to) } }
    }

    fn episode(arrest: &str, release: &str, status: Status, periods: Vec<PeriodDates>) -> EpisodeDates {
        EpisodeDates {
            arrest: d(arrest),
            release: if release.is_empty() { None } else { d(release) },
            status,
            periods,
        }
    }

    #[test]
    fn exact_dates_give_one_count_with_both_ends_counted() {
        let e = episode("2020-08-09", "2020-08-18", Status::Released, vec![]);
        let days = e.days(ymd("2024-01-01"));
        assert_eq!((days.least, days.most, days.ongoing), (Some(10), Some(10), false));
        let one = episode("2020-08-09", "2020-08-09", Status::Released, vec![]);
        assert_eq!(one.days(ymd("2024-01-01")).least, Some(1));
    }

    #[test]
    fn partial_dates_give_the_least_and_the_most() {
        // Arrested some day in August 2020, released on 15 October 2021.
        let e = episode("2020-08", "2021-10-15", Status::Released, vec![]);
        let days = e.days(ymd("2024-01-01"));
        assert_eq!(days.least, Some(inclusive(ymd("2020-08-31"), ymd("2021-10-15"))));
        assert_eq!(days.most, Some(inclusive(ymd("2020-08-01"), ymd("2021-10-15"))));
        assert_eq!((days.least, days.most), (Some(411), Some(441)));
    }

    #[test]
    fn still_held_runs_to_today() {
        let e = episode("2020-08-09", "", Status::InCustody, vec![period("2020-08-09", "")]);
        let today = ymd("2020-09-07");
        let days = e.days(today);
        assert_eq!((days.least, days.most, days.ongoing), (Some(30), Some(30), true));
        let p = e.period_days(0, today);
        assert_eq!((p.least, p.most, p.ongoing), (Some(30), Some(30), true));
    }

    #[test]
    fn a_release_of_unknown_date_bounds_by_what_is_recorded_and_today() {
        let e = episode(
            "2020-08-09",
            "",
            Status::Released,
            vec![period("2020-08-09", "2020-08-20"), period("2020-08-20", "2020-09-30")],
        );
        let days = e.days(ymd("2020-12-31"));
        assert_eq!(days.least, Some(inclusive(ymd("2020-08-09"), ymd("2020-09-30"))));
        assert_eq!(days.most, Some(inclusive(ymd("2020-08-09"), ymd("2020-12-31"))));
        assert!(!days.ongoing);
    }

    #[test]
    fn an_unknown_arrest_takes_the_first_period_or_says_nothing() {
        let e = episode("", "2020-09-30", Status::Released, vec![period("2020-09", "2020-09-30")]);
        let days = e.days(ymd("2021-01-01"));
        assert_eq!((days.least, days.most), (Some(1), Some(30)));
        let nothing = EpisodeDates {
            arrest: None,
            release: d("2020-09-30"),
            status: Status::Released,
            periods: vec![],
        };
        assert_eq!(nothing.days(ymd("2021-01-01")).most, None);
    }

    #[test]
    fn periods_close_at_the_next_transfer_and_are_listed_as_transfers() {
        let e = episode(
            "2020-08-09",
            "2021-03-01",
            Status::Released,
            vec![period("2020-10-01", "2021-03-01"), period("2020-08-09", ""), period("2020-08-12", "")],
        );
        assert_eq!(e.order(), vec![1, 2, 0]);
        assert_eq!(e.transfers(), vec![(1, 2), (2, 0)]);
        let b = e.period_bounds(1, ymd("2022-01-01"));
        assert_eq!(
            (b.certain_from, b.certain_to, b.possible_to),
            (Some(ymd("2020-08-09")), Some(ymd("2020-08-11")), Some(ymd("2020-08-12")))
        );
        let second = e.period_days(2, ymd("2022-01-01"));
        assert_eq!((second.least, second.most), (Some(50), Some(51)));
    }

    #[test]
    fn a_person_s_days_add_up_their_episodes() {
        let a = episode("2020-08-09", "2020-08-18", Status::Released, vec![]);
        let b = episode("2021", "2021-12-31", Status::Released, vec![]);
        let days = person_days(&[a, b], ymd("2022-06-01"));
        assert_eq!((days.least, days.most), (Some(10 + 1), Some(10 + 365)));
        assert_eq!(person_days(&[], ymd("2022-06-01")).least, None);
    }

    #[test]
    fn overlap_is_refused_only_when_certain() {
        let a = period("2020-08-01", "2020-08-31");
        assert!(certainly_overlap(&a, &period("2020-08-15", "2020-09-15")));
        assert!(!certainly_overlap(&a, &period("2020-08-31", "2020-09-15")), "a transfer on the day");
        assert!(!certainly_overlap(&a, &period("2020-08", "2020-09-15")), "August may mean its last day");
        assert!(!certainly_overlap(&a, &period("2020-09-01", "")));
        assert!(certainly_overlap(&a, &period("2020-08-10", "")), "began inside it");
        assert!(!certainly_overlap(&a, &PeriodDates::default()));
        let b = period("2020-07", "2020-09");
        assert!(!certainly_overlap(&b, &period("2020-09-02", "2020-10-01")), "September may end on the 1st");
    }

    #[test]
    fn presence_is_certain_inside_possible_at_the_edges_and_not_after_release() {
        let e = episode("2020-08", "2020-12-10", Status::Released, vec![period("2020-08", "2020-12-10")]);
        let today = ymd("2024-01-01");
        let b = e.period_bounds(0, today);
        assert_eq!(presence(b, ymd("2020-10-01")), Presence::Certainly);
        assert_eq!(presence(b, ymd("2020-08-05")), Presence::Possibly);
        assert_eq!(presence(b, ymd("2020-12-11")), Presence::Not);
        assert_eq!(presence(b, ymd("2020-07-31")), Presence::Not);
        let held = episode("2020-08-09", "", Status::InCustody, vec![period("2020-08-09", "")]);
        assert_eq!(presence(held.period_bounds(0, today), today), Presence::Certainly);
        assert_eq!(presence(held.period_bounds(0, today), ymd("2024-01-02")), Presence::Not);
    }

    #[test]
    fn certainly_before_compares_the_spans() {
        assert!(certainly_before(d("2020-07").unwrap(), d("2020-08-01").unwrap()));
        assert!(!certainly_before(d("2020-08").unwrap(), d("2020-08-01").unwrap()));
        assert!(!certainly_before(d("2020").unwrap(), d("2020-08-01").unwrap()));
    }
}
