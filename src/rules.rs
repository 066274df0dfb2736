//! Limits on input, each written once. A service checks a value against a rule
//! (`rules::TITLE.check("title", &input.title)`), and the OpenAPI document publishes the
//! same rule on the same field (`DOCUMENTED`, written into the schemas by
//! `http::openapi`). So a client that obeys the document is not refused for a limit, and
//! the document promises no limit the service does not keep. What no schema can say —
//! one field compared with another, a code an admin may add to a vocabulary, a record
//! that must exist in the case — stays in the services and answers 422 naming the field;
//! the operations' 422 descriptions say so.
//!
//! Patterns are written in the subset of regular expressions that JSON Schema (ECMA-262),
//! Python (schema-driven testers) and Rust's `regex` read alike: character classes with
//! explicit ranges, `\uXXXX` escapes, no `\d`, `\s` or `\w` (whose meaning differs).

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value, json};

use crate::error::FieldError;

/// Free text of at most `max_chars` characters (code points, as JSON Schema counts);
/// a required one needs at least one visible character; a single line (a title, a name,
/// a label) has no control characters, line breaks included.
#[derive(Debug)]
pub struct Text {
    pub max_chars: usize,
    pub required: bool,
    pub single_line: bool,
}

impl Text {
    const fn block(max_chars: usize) -> Text {
        Text { max_chars, required: false, single_line: false }
    }

    const fn line(max_chars: usize, required: bool) -> Text {
        Text { max_chars, required, single_line: true }
    }
}

/// A password being set: any characters, counted.
pub struct Secret {
    pub min_chars: usize,
    pub max_chars: usize,
}

/// A token matched in full by a pattern: a case reference, a username, a code.
pub struct Token {
    pub pattern: &'static str,
    pub code: &'static str,
    pub message: &'static str,
    note: Option<&'static str>,
    regex: LazyLock<Regex>,
}

/// A whole number within bounds.
pub struct Int {
    pub min: i64,
    pub max: i64,
}

/// A decimal number within bounds.
pub struct Float {
    pub min: f64,
    pub max: f64,
}

/// A list of at most `max` items.
#[derive(Debug)]
pub struct Items {
    pub max: usize,
}

/// A calendar date, `YYYY-MM-DD` (`format: date`).
pub struct Date;

/// A date a draft may leave empty (consent's `given_on`): `YYYY-MM-DD` or `""`. Published
/// as a pattern, so clients keep it a string.
pub struct DateOrEmpty;

/// What a rule writes into a property's schema.
pub trait Publish: Sync {
    fn keywords(&self) -> Map<String, Value>;

    /// A sentence added to the property's description: what the schema cannot say.
    fn note(&self) -> Option<&'static str> {
        None
    }
}

macro_rules! token {
    ($pattern:literal, $code:literal, $message:literal) => {
        token!($pattern, $code, $message, None)
    };
    ($pattern:literal, $code:literal, $message:literal, $note:expr) => {
        Token {
            pattern: $pattern,
            code: $code,
            message: $message,
            note: $note,
            // The patterns are literals in this file, checked by the tests below.
            #[allow(clippy::expect_used)]
            regex: LazyLock::new(|| Regex::new($pattern).expect("a valid pattern")),
        }
    };
}

// Free text.
pub static TITLE: Text = Text::line(300, true);
pub static NAME: Text = Text::line(300, true);
pub static LABEL: Text = Text::line(200, true);
pub static CASE_DESCRIPTION: Text = Text::block(20_000);
pub static UNIT_DESCRIPTION: Text = Text::block(10_000);
pub static INCIDENT_DESCRIPTION: Text = Text::block(100_000);
pub static ADDRESS: Text = Text::block(1000);
pub static CONTACT: Text = Text::block(2000);
pub static RANK: Text = Text::line(200, false);
pub static POSITION: Text = Text::line(300, false);
pub static NOTES: Text = Text::block(10_000);
/// Each sealed detail of a detention history.
pub static DETENTION_DETAIL: Text = Text::block(10_000);
/// A draft may leave the account empty; sealing needs one (a rule of the service).
pub static ACCOUNT: Text = Text::block(1_000_000);
pub static SUMMARY: Text = Text::block(20_000);
pub static INTERVIEW_DETAIL: Text = Text::line(500, false);
pub static CONSENT_TEXT_VERSION: Text = Text::line(100, false);
/// What was explained to a witness, what they were told: never empty.
pub static EXPLAINED: Text = Text { max_chars: 10_000, required: true, single_line: false };
pub static CORRECTION_REASON: Text = Text { max_chars: 5000, required: true, single_line: false };
/// Why the case lead refused what a phone sent.
pub static INTAKE_REJECT_REASON: Text = Text { max_chars: 5000, required: true, single_line: false };
/// Long passphrases are welcome, but an unbounded one would let a client make argon2
/// hash megabytes.
pub static PASSWORD: Secret = Secret { min_chars: 12, max_chars: 1024 };

// Tokens.
pub static REFERENCE: Token = token!(
    "^[A-Za-z0-9][A-Za-z0-9-]{2,31}$",
    "invalid_reference",
    "3 to 32 letters, digits or '-', starting with a letter or digit, e.g. BY-2020-0147"
);
pub static USERNAME: Token = token!(
    "^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$",
    "invalid_username",
    "3 to 64 characters: letters a-z, digits, '.', '_' or '-', starting with a letter or digit (stored in lower case)"
);
pub static PSEUDONYM: Token =
    token!("^[A-Za-z0-9-]{1,32}$", "invalid_pseudonym", "1 to 32 letters, digits or '-'");
/// A vocabulary code: the form is fixed; which codes exist is the vocabulary's (admins
/// may add terms), checked by the service.
pub static CODE: Token = token!(
    "^[a-z0-9_]{2,48}$",
    "invalid_code",
    "2 to 48 characters of a-z, 0-9 and _",
    Some(
        "A code of its vocabulary: admins may add terms, so which codes exist is not in this document; \
         `GET /api/v1/vocabularies?vocabulary=…` lists them, and a code that is not a term answers 422 \
         `unknown_code` naming this field."
    )
);
/// ISO 639-1 or 639-3 in form; which codes are languages is checked by the service.
pub static LANGUAGE: Token =
    token!("^[a-z]{2,3}$", "invalid_language", "ISO 639-1 or 639-3 codes such as ru, be, uk, en, crh");
/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; which form a date needs is its precision's.
pub static PARTIAL_DATE: Token = token!(
    "^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$",
    "invalid_date",
    "YYYY, YYYY-MM or YYYY-MM-DD, as its precision says"
);

/// The names of things the audit log refers to: an action code, a kind of record, an id
/// (a UUID, or a name such as a role's or a vocabulary's).
pub static AUDIT_ACTION: Token =
    token!("^[a-z][a-z0-9_.]{0,63}$", "invalid_action", "an action code such as login_failed or key.rotate");
pub static RECORD_TYPE: Token =
    token!("^[a-z][a-z_]{0,31}$", "invalid_record_type", "a kind of record such as testimony");
pub static RECORD_ID: Token = token!("^[A-Za-z0-9_.-]{1,64}$", "invalid_record_id", "a record's id");
/// A vocabulary's name (`act_type`, `torture_method`, …).
pub static VOCABULARY: Token =
    token!("^[a-z_]{2,48}$", "invalid_vocabulary", "a vocabulary such as act_type");

// Numbers and lists.
pub static LATITUDE: Float = Float { min: -90.0, max: 90.0 };
pub static LONGITUDE: Float = Float { min: -180.0, max: 180.0 };
pub static PAGE_LIMIT: Int = Int { min: 1, max: 200 };
pub static PAGE_OFFSET: Int = Int { min: 0, max: i64::MAX };
pub static REWRAP_LIMIT: Int = Int { min: 1, max: 10_000 };
/// A character offset into an account.
pub static SPAN_OFFSET: Int = Int { min: 0, max: ACCOUNT.max_chars as i64 };
pub static NAMES: Items = Items { max: 20 };
pub static ALIASES: Items = Items { max: 50 };
pub static METHODS: Items = Items { max: 50 };
pub static VICTIMS: Items = Items { max: 1000 };
pub static PERSONS_PRESENT: Items = Items { max: 50 };
pub static LANGUAGES: Items = Items { max: 10 };
pub static SPANS: Items = Items { max: 1000 };
/// Per list; the three together are bounded by the same number (a rule of the service).
pub static SELECTED: Items = Items { max: 10_000 };
/// A sentence's length in days: up to a hundred years.
pub static SENTENCE_DAYS: Int = Int { min: 0, max: 36_525 };
pub static DATE: Date = Date;
pub static DATE_OR_EMPTY: DateOrEmpty = DateOrEmpty;

/// Characters that do not make a required text non-empty: C0 and C1 controls, and every
/// space in Unicode (White_Space) or in JSON Schema's `\s`. The check and the published
/// pattern are both made from this list.
const BLANK: &[(char, char)] = &[
    ('\u{0}', '\u{20}'),
    ('\u{7f}', '\u{a0}'),
    ('\u{1680}', '\u{1680}'),
    ('\u{2000}', '\u{200a}'),
    ('\u{2028}', '\u{2029}'),
    ('\u{202f}', '\u{202f}'),
    ('\u{205f}', '\u{205f}'),
    ('\u{3000}', '\u{3000}'),
    ('\u{feff}', '\u{feff}'),
];

/// What a single line may not hold: C0 controls (line breaks and tabs included) and DEL.
const CONTROL: (char, char, char) = ('\u{0}', '\u{1f}', '\u{7f}');

fn control(c: char) -> bool {
    (CONTROL.0..=CONTROL.1).contains(&c) || c == CONTROL.2
}

fn visible(c: char) -> bool {
    !BLANK.iter().any(|&(lo, hi)| (lo..=hi).contains(&c))
}

/// A pattern (unanchored, as JSON Schema applies it) that finds a visible character.
fn visible_pattern() -> String {
    let ranges: String =
        BLANK.iter().map(|&(lo, hi)| format!("\\u{:04x}-\\u{:04x}", lo as u32, hi as u32)).collect();
    format!("[^{ranges}]")
}

/// A class of the characters a single line may hold.
fn line_class() -> String {
    format!("[^\\u{:04x}-\\u{:04x}\\u{:04x}]", CONTROL.0 as u32, CONTROL.1 as u32, CONTROL.2 as u32)
}

impl Text {
    pub fn check(&self, field: &str, value: &str) -> Result<(), FieldError> {
        self.check_as(field, value, self.required)
    }

    /// For a field whose need depends on the state of its record (an account may be
    /// empty in a draft, not when sealed).
    pub fn check_as(&self, field: &str, value: &str, required: bool) -> Result<(), FieldError> {
        if required && !value.chars().any(visible) {
            return Err(FieldError::new(field, "required", "must not be empty"));
        }
        if value.chars().count() > self.max_chars {
            return Err(FieldError::new(field, "too_long", format!("at most {} characters", self.max_chars)));
        }
        if self.single_line && value.chars().any(control) {
            return Err(FieldError::new(field, "control_character", "one line, without control characters"));
        }
        Ok(())
    }
}

impl Publish for Text {
    fn keywords(&self) -> Map<String, Value> {
        let mut k = Map::new();
        k.insert("maxLength".into(), json!(self.max_chars));
        if self.required {
            k.insert("minLength".into(), json!(1));
        }
        let pattern = match (self.single_line, self.required) {
            (false, false) => None,
            (false, true) => Some(visible_pattern()),
            (true, false) => Some(format!("^{}*$", line_class())),
            (true, true) => Some(format!("^{line}*{}{line}*$", visible_pattern(), line = line_class())),
        };
        if let Some(pattern) = pattern {
            k.insert("pattern".into(), json!(pattern));
        }
        k
    }
}

impl Secret {
    pub fn check(&self, field: &str, value: &str) -> Result<(), FieldError> {
        let chars = value.chars().count();
        if chars < self.min_chars {
            return Err(FieldError::new(
                field,
                "password_too_short",
                format!("at least {} characters", self.min_chars),
            ));
        }
        if chars > self.max_chars {
            return Err(FieldError::new(
                field,
                "password_too_long",
                format!("at most {} characters", self.max_chars),
            ));
        }
        Ok(())
    }
}

impl Publish for Secret {
    fn keywords(&self) -> Map<String, Value> {
        let mut k = Map::new();
        k.insert("minLength".into(), json!(self.min_chars));
        k.insert("maxLength".into(), json!(self.max_chars));
        k
    }
}

impl Token {
    pub fn matches(&self, value: &str) -> bool {
        self.regex.is_match(value)
    }

    pub fn check(&self, field: &str, value: &str) -> Result<(), FieldError> {
        if self.matches(value) { Ok(()) } else { Err(FieldError::new(field, self.code, self.message)) }
    }
}

impl Publish for Token {
    fn keywords(&self) -> Map<String, Value> {
        let mut k = Map::new();
        k.insert("pattern".into(), json!(self.pattern));
        k
    }

    fn note(&self) -> Option<&'static str> {
        self.note
    }
}

impl Int {
    pub fn contains(&self, value: i64) -> bool {
        (self.min..=self.max).contains(&value)
    }

    pub fn check(&self, field: &str, value: i64) -> Result<(), FieldError> {
        if self.contains(value) {
            return Ok(());
        }
        let message = if self.max == i64::MAX {
            format!("{} or more", self.min)
        } else {
            format!("between {} and {}", self.min, self.max)
        };
        Err(FieldError::new(field, "out_of_range", message))
    }
}

impl Publish for Int {
    fn keywords(&self) -> Map<String, Value> {
        let mut k = Map::new();
        k.insert("minimum".into(), json!(self.min));
        if self.max != i64::MAX {
            k.insert("maximum".into(), json!(self.max));
        }
        k
    }
}

impl Float {
    pub fn check(&self, field: &str, value: f64) -> Result<(), FieldError> {
        if (self.min..=self.max).contains(&value) {
            Ok(())
        } else {
            Err(FieldError::new(field, "out_of_range", format!("between {} and {}", self.min, self.max)))
        }
    }
}

impl Publish for Float {
    fn keywords(&self) -> Map<String, Value> {
        let mut k = Map::new();
        k.insert("minimum".into(), json!(self.min));
        k.insert("maximum".into(), json!(self.max));
        k
    }
}

impl Items {
    pub fn check(&self, field: &str, len: usize) -> Result<(), FieldError> {
        if len <= self.max {
            Ok(())
        } else {
            Err(FieldError::new(field, "too_many", format!("at most {}", self.max)))
        }
    }
}

impl Publish for Items {
    fn keywords(&self) -> Map<String, Value> {
        let mut k = Map::new();
        k.insert("maxItems".into(), json!(self.max));
        k
    }
}

impl Date {
    pub fn check(&self, field: &str, value: &str) -> Result<chrono::NaiveDate, FieldError> {
        // chrono alone would take `2020-8-1`; the document promises `2020-08-01`.
        let shaped = value.len() == 10
            && value
                .bytes()
                .enumerate()
                .all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
        shaped
            .then(|| chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").ok())
            .flatten()
            .ok_or_else(|| FieldError::new(field, "invalid_date", "expected YYYY-MM-DD"))
    }
}

impl DateOrEmpty {
    /// Which calendar dates exist (not 2021-02-30) is checked here, not by the pattern.
    pub fn check(&self, field: &str, value: &str) -> Result<Option<chrono::NaiveDate>, FieldError> {
        if value.is_empty() { Ok(None) } else { DATE.check(field, value).map(Some) }
    }
}

impl Publish for DateOrEmpty {
    fn keywords(&self) -> Map<String, Value> {
        let mut k = Map::new();
        k.insert("pattern".into(), json!("^([0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]))?$"));
        k
    }
}

impl Publish for Date {
    fn keywords(&self) -> Map<String, Value> {
        let mut k = Map::new();
        k.insert("format".into(), json!("date"));
        k
    }
}

/// Where a rule is published: a property of a named schema, or (with `items`) each item
/// of an array property.
pub struct Field {
    pub schema: &'static str,
    pub property: &'static str,
    pub items: bool,
    pub rule: &'static dyn Publish,
}

const fn on(schema: &'static str, property: &'static str, rule: &'static dyn Publish) -> Field {
    Field { schema, property, items: false, rule }
}

const fn each(schema: &'static str, property: &'static str, rule: &'static dyn Publish) -> Field {
    Field { schema, property, items: true, rule }
}

/// The rules of query and path parameters, by name, wherever they occur.
pub static PARAMETERS: &[(&str, &dyn Publish)] = &[
    ("limit", &PAGE_LIMIT),
    ("offset", &PAGE_OFFSET),
    ("action", &AUDIT_ACTION),
    ("target_type", &RECORD_TYPE),
    ("target_id", &RECORD_ID),
    ("vocabulary", &VOCABULARY),
];

/// Every rule the services apply to a field of a request body, by schema and property.
pub static DOCUMENTED: &[Field] = &[
    on("NewCase", "reference", &REFERENCE),
    on("NewCase", "title", &TITLE),
    on("NewCase", "description", &CASE_DESCRIPTION),
    on("CaseUpdate", "title", &TITLE),
    on("CaseUpdate", "description", &CASE_DESCRIPTION),
    on("CreateUser", "username", &USERNAME),
    on("CreateUser", "password", &PASSWORD),
    on("ResetPassword", "password", &PASSWORD),
    on("ChangePassword", "new_password", &PASSWORD),
    on("NewTerm", "code", &CODE),
    on("NewDevice", "label", &LABEL),
    on("NewTerm", "label_en", &LABEL),
    on("NewTerm", "label_ru", &LABEL),
    on("NewPerson", "names", &NAMES),
    each("NewPerson", "names", &NAME),
    on("NewPerson", "aliases", &ALIASES),
    each("NewPerson", "aliases", &NAME),
    on("NewPerson", "birth_date", &DATE),
    on("NewPerson", "pseudonym", &PSEUDONYM),
    on("NewPerson", "contact", &CONTACT),
    on("NewPerson", "rank", &RANK),
    on("NewPerson", "position", &POSITION),
    on("NewPerson", "notes", &NOTES),
    on("PersonUpdate", "names", &NAMES),
    each("PersonUpdate", "names", &NAME),
    on("PersonUpdate", "aliases", &ALIASES),
    each("PersonUpdate", "aliases", &NAME),
    on("PersonUpdate", "birth_date", &DATE),
    on("PersonUpdate", "contact", &CONTACT),
    on("PersonUpdate", "rank", &RANK),
    on("PersonUpdate", "position", &POSITION),
    on("PersonUpdate", "notes", &NOTES),
    on("NewUnit", "name", &NAME),
    on("NewUnit", "description", &UNIT_DESCRIPTION),
    on("NewCommander", "from", &DATE),
    on("NewCommander", "to", &DATE),
    on("NewPlace", "name", &NAME),
    on("NewPlace", "address", &ADDRESS),
    on("NewPlace", "place_type", &CODE),
    on("NewPlace", "latitude", &LATITUDE),
    on("NewPlace", "longitude", &LONGITUDE),
    on("NewIncident", "act_type", &CODE),
    on("NewIncident", "methods", &METHODS),
    each("NewIncident", "methods", &CODE),
    on("NewIncident", "victim_ids", &VICTIMS),
    on("NewIncident", "start_date", &PARTIAL_DATE),
    on("NewIncident", "end_date", &PARTIAL_DATE),
    on("NewIncident", "description", &INCIDENT_DESCRIPTION),
    on("NewInvolvement", "role", &CODE),
    on("TestimonyInput", "account", &ACCOUNT),
    on("TestimonyInput", "summary", &SUMMARY),
    on("TestimonyInput", "languages", &LANGUAGES),
    each("TestimonyInput", "languages", &LANGUAGE),
    on("TestimonyInput", "interview_date", &DATE),
    on("TestimonyInput", "interview_place", &INTERVIEW_DETAIL),
    on("TestimonyInput", "interviewer", &INTERVIEW_DETAIL),
    on("TestimonyInput", "interpreter", &INTERVIEW_DETAIL),
    on("TestimonyInput", "persons_present", &PERSONS_PRESENT),
    on("TestimonyInput", "identifying_spans", &SPANS),
    on("Correction", "account", &ACCOUNT),
    on("Correction", "summary", &SUMMARY),
    on("Correction", "languages", &LANGUAGES),
    each("Correction", "languages", &LANGUAGE),
    on("Correction", "interview_date", &DATE),
    on("Correction", "interview_place", &INTERVIEW_DETAIL),
    on("Correction", "interviewer", &INTERVIEW_DETAIL),
    on("Correction", "interpreter", &INTERVIEW_DETAIL),
    on("Correction", "persons_present", &PERSONS_PRESENT),
    on("Correction", "identifying_spans", &SPANS),
    on("Correction", "correction_reason", &CORRECTION_REASON),
    on("IntakeReject", "reason", &INTAKE_REJECT_REASON),
    on("Span", "start", &SPAN_OFFSET),
    on("Span", "end", &SPAN_OFFSET),
    on("Consent", "given_on", &DATE_OR_EMPTY),
    on("Consent", "withdrawn_on", &DATE),
    on("Consent", "text_version", &CONSENT_TEXT_VERSION),
    on("Withdrawal", "withdrawn_on", &DATE),
    on("Rewrap", "limit", &REWRAP_LIMIT),
    on("SearchRequest", "limit", &PAGE_LIMIT),
    on("SearchRequest", "offset", &PAGE_OFFSET),
    on("IncidentFilter", "from", &DATE),
    on("IncidentFilter", "to", &DATE),
    on("IncidentFilter", "act_type", &CODE),
    on("IncidentFilter", "torture_method", &CODE),
    on("Selection", "testimonies", &SELECTED),
    on("Selection", "incidents", &SELECTED),
    on("Selection", "perpetrators", &SELECTED),
    on("NewConsentEntry", "purpose", &CODE),
    on("NewConsentEntry", "language", &LANGUAGE),
    on("NewConsentEntry", "explained", &EXPLAINED),
    on("NewConsentEntry", "text_version", &CONSENT_TEXT_VERSION),
    on("NewConsentEntry", "notes", &NOTES),
    on("CarePreferences", "channels", &CONTACT),
    on("CarePreferences", "safe_times", &INTERVIEW_DETAIL),
    on("CarePreferences", "notes", &NOTES),
    on("FeedbackWish", "what", &INTERVIEW_DETAIL),
    on("FeedbackWish", "how_often", &INTERVIEW_DETAIL),
    on("NewFeedback", "summary", &EXPLAINED),
    on("NewReferral", "kind", &CODE),
    on("NewReferral", "referred_to", &NAME),
    on("NewReferral", "reason", &NOTES),
    on("NewReferral", "outcome", &NOTES),
    on("ReferralUpdate", "outcome", &NOTES),
    on("PriorInterviewQuery", "name", &NAME),
    // Detention histories (`detention::inputs`).
    on("NewEpisode", "arrest_date", &PARTIAL_DATE),
    on("NewEpisode", "release_date", &PARTIAL_DATE),
    on("NewEpisode", "sentence_kind", &CODE),
    on("EpisodeDetails", "grounds_given", &DETENTION_DETAIL),
    on("EpisodeDetails", "release_circumstances", &DETENTION_DETAIL),
    on("EpisodeDetails", "sentence", &DETENTION_DETAIL),
    on("EpisodeDetails", "sentence_days", &SENTENCE_DAYS),
    on("EpisodeDetails", "notes", &DETENTION_DETAIL),
    on("NewCustodyPeriod", "facility_type", &CODE),
    on("NewCustodyPeriod", "from_date", &PARTIAL_DATE),
    on("NewCustodyPeriod", "to_date", &PARTIAL_DATE),
    on("CustodyDetails", "conditions", &DETENTION_DETAIL),
    on("CustodyDetails", "transfer_reason", &DETENTION_DETAIL),
    on("CustodyDetails", "notes", &DETENTION_DETAIL),
    on("NewCharge", "law_code", &CODE),
    on("NewCharge", "filed_on", &PARTIAL_DATE),
    on("ChargeDetails", "description", &DETENTION_DETAIL),
    on("NewHearing", "held_on", &PARTIAL_DATE),
    on("NewHearing", "outcome", &CODE),
    on("HearingDetails", "notes", &DETENTION_DETAIL),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles_and_says_what_it_matches() {
        // Compiling is lazy: every token is matched once here, so none can panic later.
        let tokens = [
            &REFERENCE,
            &USERNAME,
            &PSEUDONYM,
            &CODE,
            &LANGUAGE,
            &PARTIAL_DATE,
            &AUDIT_ACTION,
            &RECORD_TYPE,
            &RECORD_ID,
            &VOCABULARY,
        ];
        let declared = include_str!("rules.rs")
            .lines()
            .filter(|l| l.starts_with("pub static") && l.contains(": Token"))
            .count();
        assert_eq!(tokens.len(), declared, "a token is missing from this list");
        for token in tokens {
            let _ = token.matches("");
        }
        assert!(REFERENCE.matches("BY-2020-0147"));
        assert!(!REFERENCE.matches("-BY") && !REFERENCE.matches("ab") && !REFERENCE.matches("BY 2020"));
        assert!(USERNAME.matches("Anna.K") && !USERNAME.matches(" anna") && !USERNAME.matches("имя"));
        assert!(CODE.matches("beating") && !CODE.matches("Beating") && !CODE.matches("x"));
        assert!(
            PARTIAL_DATE.matches("2020")
                && PARTIAL_DATE.matches("2020-08")
                && PARTIAL_DATE.matches("2020-08-31")
        );
        assert!(!PARTIAL_DATE.matches("2020-13") && !PARTIAL_DATE.matches("2020-8-1"));
        assert!(LANGUAGE.matches("crh") && !LANGUAGE.matches("RU"));
        assert!(PSEUDONYM.matches("W-7") && !PSEUDONYM.matches(""));
    }

    #[test]
    fn required_text_needs_a_visible_character_and_the_pattern_agrees() {
        let pattern = Regex::new(&visible_pattern()).unwrap();
        for blank in ["", " ", "\t\n", "\u{a0}\u{3000}", "\u{1c}\u{85}", "\u{feff}"] {
            assert!(TITLE.check("t", blank).is_err(), "{blank:?}");
            assert!(!pattern.is_match(blank), "{blank:?}");
        }
        for text in ["a", " Окрестина ", "\u{1F600}", "\u{200b}"] {
            assert!(TITLE.check("t", text).is_ok(), "{text:?}");
            assert!(pattern.is_match(text), "{text:?}");
        }
        assert!(TITLE.check("t", &"я".repeat(300)).is_ok());
        assert_eq!(TITLE.check("t", &"я".repeat(301)).unwrap_err().code, "too_long");
        assert!(ACCOUNT.check("a", "").is_ok());
        assert!(ACCOUNT.check_as("a", "", true).is_err());
    }

    #[test]
    fn a_single_line_has_no_control_characters_and_its_pattern_agrees() {
        for rule in [&TITLE, &RANK] {
            let pattern = Regex::new(rule.keywords()["pattern"].as_str().unwrap()).unwrap();
            for bad in ["a\nb", "nul\u{0}", "tab\there", "del\u{7f}"] {
                assert!(rule.check("t", bad).is_err(), "{bad:?}");
                assert!(!pattern.is_match(bad), "{bad:?}");
            }
            for good in ["Окрестина", "a b", "\u{a0}x\u{85}"] {
                assert!(rule.check("t", good).is_ok(), "{good:?}");
                assert!(pattern.is_match(good), "{good:?}");
            }
        }
        assert!(
            RANK.check("r", "").is_ok()
                && Regex::new(RANK.keywords()["pattern"].as_str().unwrap()).unwrap().is_match("")
        );
        assert!(
            TITLE.check("t", " ").is_err()
                && !Regex::new(TITLE.keywords()["pattern"].as_str().unwrap()).unwrap().is_match(" ")
        );
        assert!(NOTES.check("n", "line\nbreak\ttab").is_ok());
    }

    #[test]
    fn numbers_lists_and_dates() {
        assert!(LATITUDE.check("l", 90.0).is_ok() && LATITUDE.check("l", 90.5).is_err());
        assert!(PAGE_LIMIT.check("limit", 0).is_err() && PAGE_LIMIT.check("limit", 200).is_ok());
        assert_eq!(PAGE_OFFSET.check("offset", -1).unwrap_err().message, "0 or more");
        assert!(NAMES.check("names", 20).is_ok() && NAMES.check("names", 21).is_err());
        assert!(DATE.check("d", "2020-02-29").is_ok());
        for bad in ["2021-02-29", "2020-8-1", "20200801", "2020-08-01T00:00"] {
            assert!(DATE.check("d", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn keywords_are_json_schema() {
        assert_eq!(TITLE.keywords()["maxLength"], json!(300));
        assert_eq!(TITLE.keywords()["minLength"], json!(1));
        assert!(!CASE_DESCRIPTION.keywords().contains_key("minLength"));
        assert_eq!(REFERENCE.keywords()["pattern"], json!(REFERENCE.pattern));
        assert_eq!(LATITUDE.keywords()["minimum"], json!(-90.0));
        assert_eq!(DATE.keywords()["format"], json!("date"));
    }
}
