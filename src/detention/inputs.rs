//! What a client sends to record each part of a detention history, and the checks that
//! need no database: dates against their precision and against each other, the
//! article's form, the lengths of the sealed text.

use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use super::durations::{Status, certainly_before};
use super::model::{ChargeDetails, CustodyDetails, EpisodeDetails, HearingDetails};
use crate::analysis::dates::span;
use crate::analysis::model::{DaySpan, PartialDate};
use crate::cases::validate::{self, Checks, Precision};
use crate::error::FieldError;
use crate::rules::{DETENTION_DETAIL as DETAIL, SENTENCE_DAYS};

/// An episode of deprivation of liberty: from arrest to release.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEpisode {
    pub arrest_date: Option<String>,
    #[serde(default)]
    pub arrest_precision: Precision,
    /// A place of the same case.
    pub arrest_place_id: Option<Uuid>,
    /// The arresting unit, of the same case.
    pub arrest_unit_id: Option<Uuid>,
    /// `in_custody`, `released` or `unknown`. Released with no release date is allowed
    /// (the date is then `unknown` precision); in custody with a release date is not.
    pub status: Status,
    pub release_date: Option<String>,
    #[serde(default)]
    pub release_precision: Precision,
    /// A `sentence_kind` vocabulary code (its length in days, 0 to 36,525, is the sealed
    /// `details.sentence_days`).
    pub sentence_kind: Option<String>,
    #[serde(default)]
    pub details: EpisodeDetails,
}

/// A stay at one facility.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCustodyPeriod {
    /// A place of the same case: the facility.
    pub place_id: Uuid,
    /// A `facility_type` vocabulary code.
    pub facility_type: String,
    pub from_date: Option<String>,
    #[serde(default)]
    pub from_precision: Precision,
    pub to_date: Option<String>,
    #[serde(default)]
    pub to_precision: Precision,
    #[serde(default)]
    pub details: CustodyDetails,
}

/// A charge: the code of law and its article.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCharge {
    /// A `law_code` vocabulary code.
    pub law_code: String,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub filed_on: Option<String>,
    /// The article (`details.article`, sealed) is written as the code numbers it: `342`,
    /// `19.1 part 2`, `130 ч. 3` — numbers and the words that number parts, never free
    /// text (that goes in `details.description`).
    pub details: ChargeDetails,
}

/// A court hearing.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewHearing {
    /// The court, a place of the same case.
    pub court_place_id: Option<Uuid>,
    /// The judge, a person record of the same case.
    pub judge_person_id: Option<Uuid>,
    pub held_on: Option<String>,
    #[serde(default)]
    pub held_precision: Precision,
    /// A `hearing_outcome` vocabulary code.
    pub outcome: String,
    #[serde(default)]
    pub details: HearingDetails,
}

/// The span a partial date means, once its form is checked; `None` when unknown.
pub fn date_span(
    checks: &mut Checks,
    field: &str,
    date: Option<&str>,
    precision: Precision,
) -> Option<DaySpan> {
    checks.check(validate::partial_date(field, date, precision)).flatten()?;
    span(&PartialDate { date: date?.to_owned(), precision })
}

/// The precision a date's form implies (`filed_on` has no precision of its own).
pub fn implied_precision(date: &str) -> Precision {
    match date.len() {
        4 => Precision::Year,
        7 => Precision::Month,
        _ => Precision::Exact,
    }
}

/// The checks of an episode that need no database: its dates, in order; its status;
/// its sentence; its details. Returns the arrest and release spans.
pub fn check_episode(checks: &mut Checks, e: &NewEpisode) -> (Option<DaySpan>, Option<DaySpan>) {
    let arrest = date_span(checks, "arrest_date", e.arrest_date.as_deref(), e.arrest_precision);
    let release = date_span(checks, "release_date", e.release_date.as_deref(), e.release_precision);
    if let (Some(a), Some(r)) = (arrest, release)
        && certainly_before(r, a)
    {
        checks.0.push(FieldError::new("release_date", "before_arrest", "must not be before arrest_date"));
    }
    if e.status == Status::InCustody && e.release_date.is_some() {
        checks.0.push(FieldError::new(
            "release_date",
            "in_custody",
            "a person in custody has no release date: set status to released",
        ));
    }
    if let Some(days) = e.details.sentence_days {
        checks.check(SENTENCE_DAYS.check("details.sentence_days", i64::from(days)));
        if e.sentence_kind.is_none() {
            checks.0.push(FieldError::new("sentence_kind", "required", "a sentence's length needs its kind"));
        }
    }
    let d = &e.details;
    for (field, text) in [
        ("details.grounds_given", &d.grounds_given),
        ("details.release_circumstances", &d.release_circumstances),
        ("details.sentence", &d.sentence),
        ("details.notes", &d.notes),
    ] {
        checks.check(DETAIL.check(field, text));
    }
    (arrest, release)
}

/// A custody period's own checks: its dates in order and its details. Returns its spans.
pub fn check_period(checks: &mut Checks, p: &NewCustodyPeriod) -> (Option<DaySpan>, Option<DaySpan>) {
    let from = date_span(checks, "from_date", p.from_date.as_deref(), p.from_precision);
    let to = date_span(checks, "to_date", p.to_date.as_deref(), p.to_precision);
    if let (Some(f), Some(t)) = (from, to)
        && certainly_before(t, f)
    {
        checks.0.push(FieldError::new("to_date", "before_start", "must not be before from_date"));
    }
    let d = &p.details;
    for (field, text) in [
        ("details.conditions", &d.conditions),
        ("details.transfer_reason", &d.transfer_reason),
        ("details.notes", &d.notes),
    ] {
        checks.check(DETAIL.check(field, text));
    }
    (from, to)
}

/// A period must lie within its episode: refused when it certainly begins before the
/// arrest or certainly ends (or begins) after the release.
pub fn check_within(
    checks: &mut Checks,
    (from, to): (Option<DaySpan>, Option<DaySpan>),
    (arrest, release): (Option<DaySpan>, Option<DaySpan>),
) {
    let outside = |field: &str, what: &str| FieldError::new(field, "outside_episode", what);
    if let Some(a) = arrest {
        if from.is_some_and(|f| certainly_before(f, a)) {
            checks.0.push(outside("from_date", "the period begins before the arrest"));
        } else if to.is_some_and(|t| certainly_before(t, a)) {
            checks.0.push(outside("to_date", "the period ends before the arrest"));
        }
    }
    if let Some(r) = release {
        if to.is_some_and(|t| certainly_before(r, t)) {
            checks.0.push(outside("to_date", "the period ends after the release"));
        } else if from.is_some_and(|f| certainly_before(r, f)) {
            checks.0.push(outside("from_date", "the period begins after the release"));
        }
    }
}

pub fn check_charge(checks: &mut Checks, ch: &NewCharge) {
    if !article_is_code_like(&ch.details.article) {
        checks.0.push(FieldError::new(
            "details.article",
            "invalid_article",
            "the article as the code numbers it, e.g. 342 or 19.1 part 2 (no free text)",
        ));
    }
    if let Some(d) = &ch.filed_on {
        checks.check(validate::partial_date("filed_on", Some(d), implied_precision(d)));
    }
    checks.check(DETAIL.check("details.description", &ch.details.description));
}

pub fn check_hearing(checks: &mut Checks, h: &NewHearing) {
    checks.check(validate::partial_date("held_on", h.held_on.as_deref(), h.held_precision));
    checks.check(DETAIL.check("details.notes", &h.details.notes));
}

/// The words that number the parts of an article, in English and Russian (and their
/// abbreviations): anything else in an article is free text, which belongs in the
/// sealed description.
const PART_WORDS: &[&str] = &[
    "part",
    "parts",
    "paragraph",
    "para",
    "item",
    "point",
    "clause",
    "subparagraph",
    "sub",
    "section",
    "p",
    "pt",
    "ч",
    "ч.",
    "часть",
    "части",
    "п",
    "п.",
    "пп",
    "пп.",
    "пункт",
    "подпункт",
    "абз",
    "абз.",
];

/// A number of an article or part: digits, with `.` or `-` between groups and an
/// optional letter (`19.1`, `130-1`, `328a`, `342¹` is written `342.1`).
fn is_number(token: &str) -> bool {
    let token = token.trim_end_matches([',', ';']);
    let body = token.strip_suffix(|c: char| c.is_alphabetic()).unwrap_or(token);
    !body.is_empty()
        && body.starts_with(|c: char| c.is_ascii_digit())
        && body.ends_with(|c: char| c.is_ascii_digit())
        && body.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-')
        && !body.contains("..")
        && body.len() <= 12
}

/// Short, code-like article text: begins with a number, then at most five numbers or
/// part words, 32 characters in all.
pub fn article_is_code_like(article: &str) -> bool {
    let tokens: Vec<&str> = article.split(' ').collect();
    article.chars().count() <= 32
        && article.trim() == article
        && tokens.len() <= 6
        && tokens.first().is_some_and(|t| is_number(t))
        && tokens.iter().all(|t| is_number(t) || PART_WORDS.contains(&t.to_lowercase().as_str()))
}

/// Today is when still-held episodes end; a date picked for "who is held" is a day.
pub fn parse_day(field: &str, s: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, "invalid_date", "expected YYYY-MM-DD"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn articles_are_numbers_and_part_words_only() {
        for ok in ["342", "19.1 part 2", "130 ч. 3", "293 ч.", "23.34", "130-1", "328a", "342 part 1 item 2"]
        {
            assert!(article_is_code_like(ok), "{ok}");
        }
        for bad in [
            "",
            " 342",
            "342 ",
            "part 2",
            "organisation of riots",
            "342 because he protested",
            "342  part 2",
            "1..2",
            "342 part 2 item 3 sub 4 part 5",
            "Иванов",
            "342 Иван",
        ] {
            assert!(!article_is_code_like(bad), "{bad}");
        }
    }

    #[test]
    fn release_before_arrest_is_refused_only_when_certain() {
        let episode = |arrest: &str, ap: Precision, release: &str, rp: Precision| NewEpisode {
            arrest_date: Some(arrest.into()),
            arrest_precision: ap,
            arrest_place_id: None,
            arrest_unit_id: None,
            status: Status::Released,
            release_date: Some(release.into()),
            release_precision: rp,
            sentence_kind: None,
            details: EpisodeDetails::default(),
        };
        let errors = |e: &NewEpisode| {
            let mut checks = Checks::default();
            check_episode(&mut checks, e);
            checks.0.into_iter().map(|e| e.field).collect::<Vec<_>>()
        };
        assert_eq!(
            errors(&episode("2020-08-10", Precision::Exact, "2020-08-09", Precision::Exact)),
            ["release_date"]
        );
        assert!(errors(&episode("2020-08-10", Precision::Exact, "2020-08", Precision::Month)).is_empty());
        assert!(errors(&episode("2020-08", Precision::Month, "2020-08-01", Precision::Exact)).is_empty());
        assert_eq!(errors(&episode("2020", Precision::Year, "2019-12", Precision::Month)), ["release_date"]);
    }

    #[test]
    fn a_period_outside_its_episode_is_refused_only_when_certain() {
        let s = |d: &str| span(&PartialDate { date: d.into(), precision: implied_precision(d) });
        let fields = |period: (&str, &str), episode: (&str, &str)| {
            let mut checks = Checks::default();
            let opt = |d: &str| if d.is_empty() { None } else { s(d) };
            check_within(&mut checks, (opt(period.0), opt(period.1)), (opt(episode.0), opt(episode.1)));
            checks.0.into_iter().map(|e| e.field).collect::<Vec<_>>()
        };
        assert!(fields(("2020-08-09", "2020-08-20"), ("2020-08-09", "2020-08-20")).is_empty());
        assert_eq!(fields(("2020-08-08", ""), ("2020-08-09", "")), ["from_date"]);
        assert_eq!(fields(("2020-08-10", "2020-08-21"), ("2020-08-09", "2020-08-20")), ["to_date"]);
        assert_eq!(fields(("2020-08-21", ""), ("2020-08-09", "2020-08-20")), ["from_date"]);
        assert!(fields(("2020-08", "2020-09"), ("2020-08-09", "2020-09-10")).is_empty(), "months may fit");
    }
}
