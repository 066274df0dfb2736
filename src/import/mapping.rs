//! The mapping file (TOML): which column becomes which field of which kind of record, how
//! a sheet's words map onto the vocabularies, how dates are written, and which column
//! holds each record's stable external id. `docs/import.md` has a worked example per
//! source. A mapping that names a field, a kind, a sheet or a column that does not exist
//! is refused with an issue naming it, before a row is read.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::fields::{self, FieldType, Kind};
use super::issue::{Issue, Location};
use super::source::{Format, ReadOptions, Workbook};

/// A mapping file, as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    #[serde(default)]
    pub source: SourceSpec,
    #[serde(default)]
    pub dates: DateSpec,
    /// Per vocabulary (`act_type`, `torture_method`, …) or value list (`person_kind`,
    /// `sex`, `reliability`, `how_given`, `recipient`, `yes_no`): the sheet's word → code.
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    pub records: Vec<RecordSpec>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    pub format: Option<Format>,
    /// One character (`"\t"` for tabs).
    pub delimiter: Option<String>,
    pub encoding: Option<String>,
    /// What separates the items of a list cell (names, methods, victims): `;` unless set.
    pub list_separator: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DateSpec {
    /// Extra `strftime` formats for exact dates (`%d/%m/%Y`), tried after the built-in
    /// ones: `2021-03-05`, `05.03.2021`, `2021-03`, `03.2021`, `2021`, a season
    /// (`весна 2021`, `spring 2021`) and `~`/`ca.`/`около` before an exact date.
    #[serde(default)]
    pub formats: Vec<String>,
}

/// One kind of record read from one sheet.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordSpec {
    pub kind: Kind,
    /// The sheet (a spreadsheet's tab, a CSV file's stem in a ZIP); may be left out when
    /// the file has one sheet.
    pub sheet: Option<String>,
    /// The column holding the stable external id. Involvements may leave it out: their
    /// incident, person or unit and role are their identity.
    pub id: Option<String>,
    /// Field → column.
    #[serde(default)]
    pub columns: BTreeMap<String, Column>,
    /// Field → the same value for every row (`kind = "victim"`).
    #[serde(default)]
    pub fixed: BTreeMap<String, String>,
    /// Testimonies: seal each one (the default) or keep them as drafts.
    pub seal: Option<bool>,
    /// Which rows make a record of this kind: `when = "Facility"` (the cell is not
    /// empty: a row names a facility only sometimes) or `when = { column = "Template",
    /// equals = ["Victim", "Witness"] }` (one export holding several kinds, as Uwazi's).
    pub when: Option<When>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum When {
    Filled(String),
    Equals {
        column: String,
        #[serde(deserialize_with = "one_or_many")]
        equals: Vec<String>,
    },
}

impl When {
    fn header(&self) -> &str {
        match self {
            When::Filled(h) | When::Equals { column: h, .. } => h,
        }
    }
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

/// A column, by its header; `{ column = "…", separator = "," }` for a list with its own
/// separator; `{ column = "…", range = "from" }` for one end of a date range written
/// `2020-08-09~2020-08-12` (Uwazi's date ranges).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Column {
    Header(String),
    Detailed { column: String, separator: Option<String>, range: Option<RangeEnd> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RangeEnd {
    From,
    To,
}

impl Column {
    pub fn header(&self) -> &str {
        match self {
            Column::Header(h) | Column::Detailed { column: h, .. } => h,
        }
    }

    pub fn separator(&self) -> Option<&str> {
        match self {
            Column::Header(_) => None,
            Column::Detailed { separator, .. } => separator.as_deref(),
        }
    }

    pub fn range(&self) -> Option<RangeEnd> {
        match self {
            Column::Header(_) => None,
            Column::Detailed { range, .. } => *range,
        }
    }
}

/// Which rows of its sheet a record spec reads, checked against the headers.
#[derive(Debug, Clone)]
pub enum CheckedWhen {
    Filled(usize),
    Equals(usize, Vec<String>),
}

/// A mapping checked against the file: every record spec's sheet found, every column's
/// index known.
#[derive(Debug, Clone)]
pub struct Checked {
    pub mapping: Mapping,
    pub list_separator: String,
    pub records: Vec<CheckedRecord>,
}

#[derive(Debug, Clone)]
pub struct CheckedRecord {
    pub kind: Kind,
    pub sheet: String,
    pub id: Option<usize>,
    pub id_header: Option<String>,
    pub columns: Vec<CheckedColumn>,
    pub fixed: Vec<(&'static str, String)>,
    pub seal: bool,
    pub when: Option<CheckedWhen>,
}

/// A mapped column: the field it fills, where it is, how it is split.
#[derive(Debug, Clone)]
pub struct CheckedColumn {
    pub field: &'static str,
    pub index: usize,
    pub header: String,
    pub separator: Option<String>,
    pub range: Option<RangeEnd>,
}

impl Mapping {
    /// Parses a mapping file. A syntax error or an unknown key is one issue at the file,
    /// with the parser's message (it names the line and the key, never a cell).
    pub fn parse(text: &str) -> Result<Mapping, Issue> {
        toml::from_str(text).map_err(|e| {
            let message = format!("the mapping file is not valid: {}", e.message());
            let mut issue = Issue::new(Location::sheet("mapping"), "invalid_mapping", message);
            if let Some(span) = e.span() {
                let line = text[..span.start.min(text.len())].lines().count().max(1);
                issue.at.row = Some(line as u64);
            }
            issue
        })
    }

    /// How to read the file, from `[source]`.
    pub fn read_options(&self) -> Result<ReadOptions, Issue> {
        let delimiter = match self.source.delimiter.as_deref() {
            None => None,
            Some(d) if d.len() == 1 => d.bytes().next(),
            Some(_) => return Err(mapping_issue("source.delimiter", "give one ASCII character")),
        };
        Ok(ReadOptions {
            format: self.source.format,
            delimiter,
            encoding: self.source.encoding.clone(),
            limits: Default::default(),
        })
    }

    /// Checks every record spec against the fields its kind has and the file's sheets and
    /// headers. All problems are returned at once.
    pub fn check(self, book: &Workbook) -> Result<Checked, Vec<Issue>> {
        let mut issues = Vec::new();
        if self.records.is_empty() {
            issues.push(mapping_issue("records", "name at least one kind of record ([[records]])"));
        }
        for (name, table) in &self.values {
            if !fields::is_value_list(name) {
                issues.push(mapping_issue(
                    &format!("values.{name}"),
                    "no vocabulary or value list has this name",
                ));
            }
            for code in table.values() {
                if code.trim().is_empty() {
                    issues.push(mapping_issue(&format!("values.{name}"), "a code must not be empty"));
                }
            }
        }
        let mut records = Vec::new();
        for (n, spec) in self.records.iter().enumerate() {
            match check_record(n, spec, book) {
                Ok(r) => records.push(r),
                Err(mut e) => issues.append(&mut e),
            }
        }
        if !issues.is_empty() {
            return Err(issues);
        }
        let list_separator = self.source.list_separator.clone().unwrap_or_else(|| ";".to_owned());
        Ok(Checked { mapping: self, list_separator, records })
    }
}

fn check_record(n: usize, spec: &RecordSpec, book: &Workbook) -> Result<CheckedRecord, Vec<Issue>> {
    let here = format!("records[{n}]");
    let mut issues = Vec::new();
    let Some(sheet) = book.sheet(spec.sheet.as_deref()) else {
        let message = match &spec.sheet {
            Some(_) => "the file has no such sheet".to_owned(),
            None => "the file has several sheets: name one with `sheet`".to_owned(),
        };
        let mut issue = mapping_issue(&format!("{here}.sheet"), &message);
        if let Some(s) = &spec.sheet {
            issue.at.sheet = s.clone();
        }
        return Err(vec![issue]);
    };
    let find = |header: &str, issues: &mut Vec<Issue>| -> Option<usize> {
        let found = sheet.headers.iter().position(|h| h == header.trim());
        if found.is_none() {
            issues.push(Issue::new(
                Location::sheet(&sheet.name).column(header),
                "no_such_column",
                format!("{here}: the sheet has no column with this header"),
            ));
        }
        found
    };
    let id = spec.id.as_deref().and_then(|h| find(h, &mut issues));
    if spec.id.is_none() && spec.kind.needs_id() {
        issues.push(mapping_issue(&format!("{here}.id"), "name the column holding each record's stable id"));
    }
    let mut columns = Vec::new();
    for (field, column) in &spec.columns {
        let Some(def) = fields::field(spec.kind, field) else {
            issues.push(unknown_field(&here, spec.kind, field));
            continue;
        };
        if let Some(index) = find(column.header(), &mut issues) {
            columns.push(CheckedColumn {
                field: def.name,
                index,
                header: column.header().trim().to_owned(),
                separator: column.separator().map(str::to_owned),
                range: column.range(),
            });
        }
    }
    let mut fixed = Vec::new();
    for (field, value) in &spec.fixed {
        match fields::field(spec.kind, field) {
            Some(def) if spec.columns.contains_key(field) => issues.push(mapping_issue(
                &format!("{here}.fixed.{}", def.name),
                "a field comes from a column or is fixed, not both",
            )),
            Some(def) => fixed.push((def.name, value.clone())),
            None => issues.push(unknown_field(&here, spec.kind, field)),
        }
    }
    for def in fields::fields(spec.kind).iter().filter(|d| d.required) {
        if !spec.columns.contains_key(def.name) && !spec.fixed.contains_key(def.name) {
            issues.push(mapping_issue(
                &format!("{here}.columns.{}", def.name),
                &format!(
                    "a {} needs `{}`: map a column to it or fix its value",
                    spec.kind.as_str(),
                    def.name
                ),
            ));
        }
    }
    if spec.seal.is_some() && spec.kind != Kind::Testimony {
        issues.push(mapping_issue(&format!("{here}.seal"), "only testimonies are sealed"));
    }
    let when = spec.when.as_ref().and_then(|w| {
        let index = find(w.header(), &mut issues)?;
        Some(match w {
            When::Filled(_) => CheckedWhen::Filled(index),
            When::Equals { equals, .. } => {
                CheckedWhen::Equals(index, equals.iter().map(|e| e.trim().to_owned()).collect())
            }
        })
    });
    if !issues.is_empty() {
        return Err(issues);
    }
    Ok(CheckedRecord {
        kind: spec.kind,
        sheet: sheet.name.clone(),
        id,
        id_header: spec.id.as_ref().map(|h| h.trim().to_owned()),
        columns,
        fixed,
        seal: spec.seal.unwrap_or(true),
        when,
    })
}

fn unknown_field(here: &str, kind: Kind, field: &str) -> Issue {
    let known: Vec<&str> = fields::fields(kind).iter().map(|d| d.name).collect();
    mapping_issue(
        &format!("{here}.{field}"),
        &format!("a {} has no field with this name; it has: {}", kind.as_str(), known.join(", ")),
    )
}

/// A problem with the mapping itself, located by its key path (`records[0].columns.x`).
pub fn mapping_issue(key: &str, message: &str) -> Issue {
    Issue::new(Location::sheet("mapping").column(key), "invalid_mapping", message)
}

/// The type of a field, for the value conversion (`values`).
pub fn field_type(kind: Kind, field: &str) -> Option<FieldType> {
    fields::field(kind, field).map(|d| d.ty)
}
