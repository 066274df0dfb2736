//! Input checks shared by the case model: partial dates with a precision, languages,
//! free-text bounds. Pure functions returning field errors.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// How precisely a date is known (HURIDOCS date types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    Exact,
    Month,
    Year,
    Estimate,
    #[default]
    Unknown,
}

impl Precision {
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Exact => "exact",
            Precision::Month => "month",
            Precision::Year => "year",
            Precision::Estimate => "estimate",
            Precision::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Precision {
        match s {
            "exact" => Precision::Exact,
            "month" => Precision::Month,
            "year" => Precision::Year,
            "estimate" => Precision::Estimate,
            _ => Precision::Unknown,
        }
    }
}

/// Checks a date against its precision: `YYYY-MM-DD` (exact, estimate), `YYYY-MM`
/// (month), `YYYY` (year); none for unknown. Returns the earliest day it can mean.
pub fn partial_date(
    field: &str,
    date: Option<&str>,
    precision: Precision,
) -> Result<Option<NaiveDate>, FieldError> {
    let bad = |what: &str| FieldError::new(field, "invalid_date", what);
    if let Some(d) = date {
        crate::rules::PARTIAL_DATE.check(field, d)?;
    }
    match (precision, date) {
        (Precision::Unknown, None) => Ok(None),
        (Precision::Unknown, Some(_)) => Err(bad("a date needs a precision other than unknown")),
        (_, None) => Err(bad("a date is required for this precision")),
        (Precision::Exact | Precision::Estimate, Some(d)) => {
            NaiveDate::parse_from_str(d, "%Y-%m-%d").map(Some).map_err(|_| bad("expected YYYY-MM-DD"))
        }
        (Precision::Month, Some(d)) => NaiveDate::parse_from_str(&format!("{d}-01"), "%Y-%m-%d")
            .map(Some)
            .map_err(|_| bad("expected YYYY-MM")),
        (Precision::Year, Some(d)) if d.len() == 4 => {
            NaiveDate::parse_from_str(&format!("{d}-01-01"), "%Y-%m-%d")
                .map(Some)
                .map_err(|_| bad("expected YYYY"))
        }
        (Precision::Year, Some(_)) => Err(bad("expected YYYY")),
    }
}

/// An ISO 639-1 (`ru`) or ISO 639-3 (`rus`, `crh`) code, in lower case.
pub fn language_code(code: &str) -> bool {
    let lower = code.bytes().all(|b| b.is_ascii_lowercase());
    lower
        && match code.len() {
            2 => isolang::Language::from_639_1(code).is_some(),
            3 => isolang::Language::from_639_3(code).is_some(),
            _ => false,
        }
}

/// ISO 639 language codes (639-1 or 639-3, as `language_code`), at most ten. Stored as
/// given; search does not depend on them (it picks stemmers by each word's letters).
pub fn languages(field: &str, codes: &[String]) -> Result<(), FieldError> {
    crate::rules::LANGUAGES.check(field, codes.len())?;
    let ok = codes.iter().all(|c| crate::rules::LANGUAGE.matches(c) && language_code(c));
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            "invalid_language",
            "ISO 639-1 or 639-3 codes such as ru, be, uk, en, crh",
        ))
    }
}

/// Collects field errors; `finish` turns them into one validation error.
#[derive(Default)]
pub struct Checks(pub Vec<FieldError>);

impl Checks {
    pub fn check<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    pub fn finish(self) -> crate::error::Result<()> {
        if self.0.is_empty() { Ok(()) } else { Err(crate::error::Error::Validation(self.0)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_dates_follow_their_precision() {
        assert!(partial_date("d", Some("2020-08-10"), Precision::Exact).unwrap().is_some());
        assert!(partial_date("d", Some("2020-08"), Precision::Month).is_ok());
        assert!(partial_date("d", Some("2020"), Precision::Year).is_ok());
        assert!(partial_date("d", None, Precision::Unknown).unwrap().is_none());
        assert!(partial_date("d", Some("2020-13-01"), Precision::Exact).is_err());
        assert!(partial_date("d", Some("2020-08-10"), Precision::Year).is_err());
        assert!(partial_date("d", None, Precision::Exact).is_err());
    }

    #[test]
    fn languages_are_iso_codes() {
        assert!(languages("l", &["ru".into(), "bel".into()]).is_ok());
        assert!(languages("l", &["crh".into(), "uk".into()]).is_ok(), "any ISO 639-3 language");
        assert!(languages("l", &["Russian".into()]).is_err());
        assert!(languages("l", &["xq".into()]).is_err(), "two letters that are no language");
        assert!(languages("l", &["RU".into()]).is_err());
    }
}
