//! A row of cells, read into the records it describes: each mapped cell through its
//! field's type (lists, dates, vocabulary codes, references to other records by their
//! external id) and the service's own limits, so that what the plan accepts the services
//! accept. Pure: the vocabularies come in as [`Terms`].

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::dates;
use super::fields::{self, FieldDef, FieldType, Kind};
use super::issue::{Issue, Location};
use super::mapping::{Checked, CheckedRecord, CheckedWhen, RangeEnd};
use super::source::Row;
use crate::cases::validate;
use crate::cases::vocab::Term;

/// A field's value, typed. References hold external ids; the plan resolves them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Text(String),
    List(Vec<String>),
    Date { date: String, precision: &'static str },
    Number(f64),
}

impl Value {
    pub fn text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }

    pub fn list(&self) -> &[String] {
        match self {
            Value::List(l) => l,
            _ => &[],
        }
    }
}

/// One record a row describes.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub kind: Kind,
    /// Its external id: the id column, or its natural identity (involvements, files).
    pub key: String,
    pub at: Location,
    pub values: BTreeMap<&'static str, Value>,
    /// Testimonies: seal it (or keep a draft).
    pub seal: bool,
    /// Each field's column header, for locating a problem found later (a link to a
    /// record that is nowhere).
    pub headers: BTreeMap<&'static str, String>,
}

impl Item {
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.values.get(field)
    }

    pub fn text(&self, field: &str) -> Option<&str> {
        self.get(field).and_then(Value::text)
    }

    pub fn list(&self, field: &str) -> &[String] {
        self.get(field).map(Value::list).unwrap_or(&[])
    }

    /// Where a field's value came from.
    pub fn cell(&self, field: &str) -> Location {
        match self.headers.get(field) {
            Some(h) => self.at.clone().column(h),
            None => self.at.clone(),
        }
    }

    /// The external ids this record points at, with their kinds.
    pub fn refs(&self) -> Vec<(Kind, &str, &'static str)> {
        let mut out = Vec::new();
        for def in fields::fields(self.kind) {
            match (def.ty, self.values.get(def.name)) {
                (FieldType::Ref(k), Some(Value::Text(key))) => out.push((k, key.as_str(), def.name)),
                (FieldType::Refs(k), Some(Value::List(keys))) => {
                    out.extend(keys.iter().map(|key| (k, key.as_str(), def.name)));
                }
                _ => {}
            }
        }
        out
    }
}

/// The vocabularies' codes and labels, and the mapping's own translations.
#[derive(Debug, Default)]
pub struct Terms {
    /// (list, lowercased word) → code.
    words: HashMap<(String, String), String>,
}

impl Terms {
    /// Codes and English and Russian labels of every vocabulary, the fixed lists' codes,
    /// then the mapping's `[values]` (which win). A mapping entry whose code is unknown is
    /// an issue.
    pub fn new(
        terms: &[Term],
        mapping: &BTreeMap<String, BTreeMap<String, String>>,
    ) -> Result<Terms, Vec<Issue>> {
        let mut words = HashMap::new();
        for t in terms {
            for w in [&t.code, &t.label_en, &t.label_ru] {
                words.insert((t.vocabulary.clone(), w.trim().to_lowercase()), t.code.clone());
            }
        }
        for (list, codes) in fields::CHOICES {
            for code in *codes {
                words.insert(((*list).to_owned(), (*code).to_owned()), (*code).to_owned());
            }
        }
        let mut issues = Vec::new();
        for (list, table) in mapping {
            for (word, code) in table {
                let known = if fields::VOCABULARIES.contains(&list.as_str()) {
                    terms.iter().any(|t| &t.vocabulary == list && &t.code == code)
                } else if list == fields::LANGUAGE {
                    validate::language_code(code)
                } else {
                    fields::choices(list).contains(&code.as_str())
                };
                if !known {
                    issues.push(
                        super::mapping::mapping_issue(
                            &format!("values.{list}"),
                            "maps a word to a code the list does not have (codes are never created by an import)",
                        )
                        .with_value(code),
                    );
                }
                words.insert((list.clone(), word.trim().to_lowercase()), code.clone());
            }
        }
        if issues.is_empty() { Ok(Terms { words }) } else { Err(issues) }
    }

    /// An ISO 639 code for a language written as a code, through the mapping, or by its
    /// English name or its own (`ru`, `Russian`, `русский`).
    fn language(&self, word: &str) -> Option<String> {
        if let Some(code) = self.code(fields::LANGUAGE, word) {
            return Some(code.clone());
        }
        let lower = word.trim().to_lowercase();
        if validate::language_code(&lower) {
            return Some(lower);
        }
        let mut chars = lower.chars();
        let titled: String =
            chars.next().map(|f| f.to_uppercase().chain(chars).collect()).unwrap_or_default();
        let found = isolang::Language::from_name(&titled)
            .or_else(|| isolang::Language::from_autonym(word.trim()))
            .or_else(|| isolang::Language::from_autonym(&lower))?;
        Some(found.to_639_1().map_or_else(|| found.to_639_3().to_owned(), str::to_owned))
    }

    /// The code a word stands for; a thesaurus value written `Group::Value` (Uwazi's
    /// export of a grouped thesaurus) is looked up whole, then by its last part.
    fn code(&self, list: &str, word: &str) -> Option<&String> {
        let lookup = |w: &str| self.words.get(&(list.to_owned(), w.trim().to_lowercase()));
        lookup(word).or_else(|| word.rsplit_once("::").and_then(|(_, child)| lookup(child)))
    }
}

/// Reads one row into the record `spec` describes: `Ok(None)` when the row holds none
/// (its `when` cell or every mapped cell is empty).
pub fn item(
    checked: &Checked,
    spec: &CheckedRecord,
    terms: &Terms,
    row: &Row,
) -> Result<Option<Item>, Flawed> {
    let cell = |i: usize| row.cells.get(i).map(|s| s.trim()).unwrap_or("");
    let selected = match &spec.when {
        None => true,
        Some(CheckedWhen::Filled(i)) => !cell(*i).is_empty(),
        Some(CheckedWhen::Equals(i, values)) => values.iter().any(|v| v == cell(*i)),
    };
    if !selected {
        return Ok(None);
    }
    let id_cell = spec.id.map(cell).unwrap_or("");
    if id_cell.is_empty() && spec.columns.iter().all(|c| cell(c.index).is_empty()) {
        return Ok(None);
    }
    let at = Location::row(&spec.sheet, row.number);
    let mut issues = Vec::new();
    let mut values = BTreeMap::new();
    let formats = &checked.mapping.dates.formats;
    let given = spec
        .columns
        .iter()
        .map(|c| {
            (c.field, range_end(cell(c.index), c.range), Some(c.header.as_str()), c.separator.as_deref())
        })
        .chain(spec.fixed.iter().map(|(f, v)| (*f, v.trim(), None, None)));
    for (field, raw, header, sep) in given {
        if raw.is_empty() {
            continue;
        }
        let Some(def) = fields::field(spec.kind, field) else { continue };
        let here = match header {
            Some(h) => at.clone().column(h),
            None => Location::sheet("mapping").column(&format!("fixed.{field}")),
        };
        let separator = sep.unwrap_or(&checked.list_separator);
        match read(def, raw, separator, formats, terms, &here) {
            Ok(v) => {
                values.insert(def.name, v);
            }
            Err(mut e) => issues.append(&mut e),
        }
    }
    for def in fields::fields(spec.kind).iter().filter(|d| d.required) {
        if !values.contains_key(def.name)
            && !issues.iter().any(|i| i.at.column.as_deref() == header_of(spec, def.name))
        {
            let here = header_of(spec, def.name).map_or_else(|| at.clone(), |h| at.clone().column(h));
            issues.push(Issue::new(here, "required", format!("a {} needs {}", spec.kind.as_str(), def.name)));
        }
    }
    let key = match (spec.id, spec.kind) {
        (Some(_), _) if !id_cell.is_empty() => id_cell.to_owned(),
        (None, Kind::Involvement) => natural_involvement_key(&values),
        (None, Kind::Attachment) => natural_attachment_key(&values),
        _ => {
            let here = spec.id_header.as_deref().map_or_else(|| at.clone(), |h| at.clone().column(h));
            issues.push(Issue::new(here, "missing_id", "this row has no external id"));
            String::new()
        }
    };
    check_record(spec.kind, &values, &at, &mut issues, spec);
    let headers = spec.columns.iter().map(|c| (c.field, c.header.clone())).collect();
    let item = Item { kind: spec.kind, key, at, values, seal: spec.seal, headers };
    if issues.is_empty() {
        return Ok(Some(item));
    }
    // What could be read still counts for duplicates and links: one bad cell must not
    // make every row that names this record look wrong too.
    let item = (!item.key.is_empty()).then_some(item);
    Err(Flawed { issues, item })
}

/// A row's record with problems: the problems, and as much of it as could be read.
#[derive(Debug)]
pub struct Flawed {
    pub issues: Vec<Issue>,
    pub item: Option<Item>,
}

fn header_of<'a>(spec: &'a CheckedRecord, field: &str) -> Option<&'a str> {
    spec.columns.iter().find(|c| c.field == field).map(|c| c.header.as_str())
}

/// One end of a date range written `from~to` (a cell without `~` is both ends).
fn range_end(cell: &str, end: Option<RangeEnd>) -> &str {
    match (end, cell.split_once('~')) {
        (Some(RangeEnd::From), Some((from, _))) => from.trim(),
        (Some(RangeEnd::To), Some((_, to))) => to.trim(),
        _ => cell,
    }
}

fn natural_involvement_key(values: &BTreeMap<&'static str, Value>) -> String {
    let t = |f: &str| values.get(f).and_then(Value::text).unwrap_or("");
    let who = if t("person").is_empty() {
        format!("unit:{}", t("unit"))
    } else {
        format!("person:{}", t("person"))
    };
    format!("{}|{who}|{}", t("incident"), t("role"))
}

fn natural_attachment_key(values: &BTreeMap<&'static str, Value>) -> String {
    let t = |f: &str| values.get(f).and_then(Value::text).unwrap_or("");
    let on = if t("testimony").is_empty() {
        format!("incident:{}", t("incident"))
    } else {
        format!("testimony:{}", t("testimony"))
    };
    format!("{on}|{}", t("file"))
}

/// What one record must satisfy beyond its cells: dates in order, one target, consent
/// for a sealed account.
fn check_record(
    kind: Kind,
    values: &BTreeMap<&'static str, Value>,
    at: &Location,
    issues: &mut Vec<Issue>,
    spec: &CheckedRecord,
) {
    let has = |f: &str| values.contains_key(f);
    match kind {
        Kind::Incident => {
            if let (
                Some(Value::Date { date: s, precision: sp }),
                Some(Value::Date { date: e, precision: ep }),
            ) = (values.get("start"), values.get("end"))
            {
                let first =
                    |d: &str, p: &str| validate::partial_date("d", Some(d), validate::Precision::parse(p));
                if let (Ok(Some(s)), Ok(Some(e))) = (first(s, sp), first(e, ep))
                    && e < s
                {
                    let here = header_of(spec, "end").map_or_else(|| at.clone(), |h| at.clone().column(h));
                    issues.push(Issue::new(here, "dates_out_of_order", "the end is before the start"));
                }
            }
        }
        Kind::Involvement if has("person") == has("unit") => {
            issues.push(Issue::new(
                at.clone(),
                "one_of",
                "an involvement names a person or a unit, not both or neither",
            ));
        }
        Kind::Attachment if has("testimony") == has("incident") => {
            issues.push(Issue::new(
                at.clone(),
                "one_of",
                "a file belongs to a testimony or an incident, not both or neither",
            ));
        }
        Kind::Unit if !has("commander") && (has("commander_from") || has("commander_to")) => {
            issues.push(Issue::new(at.clone(), "commander_required", "a command period needs a commander"));
        }
        Kind::Testimony if spec.seal => {
            for field in ["consent_given_on", "consent_how_given", "consent_text_version"] {
                if !has(field) {
                    let here = header_of(spec, field).map_or_else(|| at.clone(), |h| at.clone().column(h));
                    issues.push(Issue::new(
                        here,
                        "consent_required",
                        format!("a sealed testimony needs {field}; map it, or import drafts (seal = false)"),
                    ));
                }
            }
        }
        _ => {}
    }
}

/// One cell through its field's type and limits.
fn read(
    def: &FieldDef,
    raw: &str,
    separator: &str,
    formats: &[String],
    terms: &Terms,
    at: &Location,
) -> Result<Value, Vec<Issue>> {
    let issue = |code: &str, message: String| vec![Issue::new(at.clone(), code, message)];
    let split = || -> Vec<String> {
        raw.split(separator).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
    };
    let limited = |value: &str| -> Result<(), Vec<Issue>> {
        match def.text.map(|rule| rule.check(def.name, value)) {
            Some(Err(e)) => Err(issue(e.code, e.message)),
            _ => Ok(()),
        }
    };
    let counted = |n: usize| -> Result<(), Vec<Issue>> {
        match def.items.map(|rule| rule.check(def.name, n)) {
            Some(Err(e)) => Err(issue(e.code, e.message)),
            _ => Ok(()),
        }
    };
    let code = |list: &str, word: &str| -> Result<String, Vec<Issue>> {
        terms.code(list, word).cloned().ok_or_else(|| {
            vec![
                Issue::new(
                    at.clone(),
                    "unknown_value",
                    format!("no {list} code or label is this word: add it to [values.{list}] in the mapping"),
                )
                .with_value(word),
            ]
        })
    };
    match def.ty {
        FieldType::Text | FieldType::Line | FieldType::Ref(_) | FieldType::File => {
            limited(raw)?;
            if let Some(Err(e)) = def.token.map(|rule| rule.check(def.name, raw)) {
                return Err(issue(e.code, e.message));
            }
            if matches!(def.ty, FieldType::Line | FieldType::Ref(_) | FieldType::File)
                && raw.contains(['\n', '\r'])
            {
                return Err(issue("single_line", "must be one line".into()));
            }
            Ok(Value::Text(raw.to_owned()))
        }
        FieldType::List | FieldType::Refs(_) => {
            let items = split();
            counted(items.len())?;
            for i in &items {
                limited(i)?;
            }
            Ok(Value::List(items))
        }
        FieldType::Date => match dates::exact(raw, formats) {
            Some(d) => Ok(Value::Text(d.format("%Y-%m-%d").to_string())),
            None => Err(issue("invalid_date", "expected a day, such as 2021-03-05 or 05.03.2021".into())),
        },
        FieldType::PartialDate => match dates::partial(raw, formats) {
            Some(p) => Ok(Value::Date { date: p.date, precision: p.precision.as_str() }),
            None => Err(issue(
                "invalid_date",
                "expected a date such as 2021-03-05, 03.2021, 2021 or весна 2021".into(),
            )),
        },
        FieldType::Code(list) | FieldType::Choice(list) => Ok(Value::Text(code(list, raw)?)),
        FieldType::Codes(list) | FieldType::Choices(list) => {
            let items = split();
            counted(items.len())?;
            let mut codes = Vec::new();
            let mut issues = Vec::new();
            for w in &items {
                match code(list, w) {
                    Ok(c) if !codes.contains(&c) => codes.push(c),
                    Ok(_) => {}
                    Err(mut e) => issues.append(&mut e),
                }
            }
            if issues.is_empty() { Ok(Value::List(codes)) } else { Err(issues) }
        }
        FieldType::Languages => {
            let words = split();
            counted(words.len())?;
            let mut codes = Vec::new();
            for w in &words {
                let Some(code) = terms.language(w) else {
                    return Err(vec![
                        Issue::new(
                            at.clone(),
                            "unknown_value",
                            "not a language code or name: add it to [values.language]",
                        )
                        .with_value(w),
                    ]);
                };
                if !codes.contains(&code) {
                    codes.push(code);
                }
            }
            validate::languages(def.name, &codes).map_err(|e| issue(e.code, e.message))?;
            Ok(Value::List(codes))
        }
        FieldType::Spans => {
            let items = split();
            counted(items.len())?;
            for span in &items {
                let parsed = span.split_once('-').and_then(|(a, b)| {
                    Some((a.trim().parse::<usize>().ok()?, b.trim().parse::<usize>().ok()?))
                });
                if parsed.is_none_or(|(a, b)| a >= b) {
                    return Err(issue(
                        "invalid_span",
                        "expected character ranges such as 12-20 (start before end)".into(),
                    ));
                }
            }
            Ok(Value::List(items))
        }
        FieldType::Coordinates => {
            let parts: Vec<&str> =
                raw.split(['|', ',', ';', ' ']).map(str::trim).filter(|p| !p.is_empty()).collect();
            let numbers: Vec<f64> =
                parts.iter().filter_map(|p| p.parse().ok()).filter(|n: &f64| n.is_finite()).collect();
            let [lat, lon] = numbers.as_slice() else {
                return Err(issue(
                    "invalid_coordinates",
                    "expected a latitude and a longitude, such as 53.9|27.56".into(),
                ));
            };
            for (rule, n, name) in
                [(&crate::rules::LATITUDE, *lat, "latitude"), (&crate::rules::LONGITUDE, *lon, "longitude")]
            {
                rule.check(name, n).map_err(|e| issue(e.code, e.message))?;
            }
            Ok(Value::List(vec![lat.to_string(), lon.to_string()]))
        }
        FieldType::Number => {
            let n: f64 = raw
                .replace(',', ".")
                .parse()
                .ok()
                .filter(|n: &f64| n.is_finite())
                .ok_or_else(|| issue("invalid_number", "expected a number".into()))?;
            let rule = match def.name {
                "latitude" => &crate::rules::LATITUDE,
                _ => &crate::rules::LONGITUDE,
            };
            rule.check(def.name, n).map_err(|e| issue(e.code, e.message))?;
            Ok(Value::Number(n))
        }
    }
}
