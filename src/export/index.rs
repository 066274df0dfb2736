//! The bundle's evidence index, `data/index.csv` (and the same as `data/index.json`): one
//! row per exported document with its evidence reference numbers, what it is, its date,
//! author, language, the original it translates or transcribes, its confidentiality
//! level, its SHA-256, where it is in the bag and where its chain of custody is. A court
//! registry loads it as it is; `custodia bundle verify` checks it (`check`).
//!
//! The hook for every kind of record a bundle carries: a collector describes each
//! document it writes as a [`Document`] and calls [`Index::add`] in the build's
//! transaction; that gives the document its reference numbers (kept from an earlier
//! bundle, or the next pages of the case), its level and its link to an original. Its
//! custody record must be `custody/<kind>-<id>.json` (`collect` writes one for every
//! indexed item). A new kind whose files live in a new folder under `data/` also goes
//! into [`DOCUMENT_DIRS`], so that the verifier requires a row for each of its files.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::catalog::references::{self, format};
use crate::catalog::relations::{self, OriginalLink};
use crate::catalog::{Confidentiality, EvidenceItemKind};
use crate::error::{Error, Result};
use crate::import::sheet_out::{guard, unguard};
use crate::store::DbConnection;
use crate::store::schema::evidence_items;

/// Path of the index below the bag's root.
pub const CSV_PATH: &str = "data/index.csv";
pub const JSON_PATH: &str = "data/index.json";

/// The columns of `index.csv`, in order (docs/evidence-bundles.md describes each).
pub const COLUMNS: [&str; 17] = [
    "reference_first",
    "reference_last",
    "pages",
    "item_kind",
    "item_id",
    "title",
    "document_type",
    "document_date",
    "date_precision",
    "author",
    "language",
    "relation",
    "original_reference",
    "confidentiality",
    "sha256",
    "path",
    "custody_record",
];

/// Folders of `data/` whose every file is a document needing a row, each with the
/// per-record files that are not (a record's combined JSON and text, which gather the
/// documents listed one by one).
pub const DOCUMENT_DIRS: &[(&str, &[&str])] = &[("data/testimonies/", &["testimony.json", "testimony.txt"])];

/// One document as its collector describes it.
#[derive(Debug, Clone)]
pub struct Document {
    pub kind: EvidenceItemKind,
    /// The item's id in `evidence_items` (a testimony version, an attachment…).
    pub id: String,
    /// The id relations name (a testimony's account: its first version).
    pub record_id: String,
    /// Other items of the same record (earlier versions): a new one takes the level a
    /// lawyer set for them.
    pub siblings: Vec<String>,
    pub pages: i64,
    /// Its level when no lawyer set one.
    pub default_level: Confidentiality,
    pub title: String,
    pub document_type: String,
    pub date: Option<String>,
    pub date_precision: Option<String>,
    /// A role, or a name the bundle already shows; never a staff member's name otherwise.
    pub author: String,
    pub language: String,
    pub sha256: String,
    /// Below `data/`.
    pub path: String,
}

impl Document {
    pub fn sha256_of(bytes: &[u8]) -> String {
        hex::encode(Sha256::digest(bytes))
    }
}

/// A document with its reference numbers, level and original.
#[derive(Debug, Clone)]
pub struct IndexedItem {
    pub doc: Document,
    pub first_page: i64,
    pub last_page: i64,
    pub confidentiality: Confidentiality,
    pub original: Option<OriginalLink>,
}

impl IndexedItem {
    pub fn custody_record(&self) -> String {
        format!("custody/{}-{}.json", self.doc.kind.as_str(), self.doc.id)
    }
}

/// The index of one bundle, filled by the collectors.
pub struct Index {
    pub case_id: String,
    pub case_reference: String,
    pub now: NaiveDateTime,
    pub items: Vec<IndexedItem>,
    /// References given by this bundle (for its audit entry).
    pub assigned: usize,
}

/// A partial date's precision from its form: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
pub fn precision_of(date: &str) -> Option<&'static str> {
    match date.len() {
        4 => Some("year"),
        7 => Some("month"),
        10 => Some("day"),
        _ => None,
    }
}

impl Index {
    pub fn new(case_id: &str, case_reference: &str, now: NaiveDateTime) -> Self {
        Index {
            case_id: case_id.to_owned(),
            case_reference: case_reference.to_owned(),
            now,
            items: Vec::new(),
            assigned: 0,
        }
    }

    /// Gives a document its reference numbers (kept or new), level and original.
    pub fn add(&mut self, c: &mut DbConnection, doc: Document) -> Result<()> {
        let inherit = if doc.siblings.is_empty() {
            None
        } else {
            evidence_items::table
                .filter(evidence_items::item_kind.eq(doc.kind.as_str()))
                .filter(evidence_items::item_id.eq_any(&doc.siblings))
                .filter(evidence_items::confidentiality.is_not_null())
                .select(evidence_items::confidentiality)
                .first::<Option<String>>(c)
                .optional()?
                .flatten()
                .and_then(|l| Confidentiality::parse(&l))
        };
        let r = references::assign(c, &self.case_id, doc.kind, &doc.id, doc.pages, inherit, self.now)?;
        self.assigned += usize::from(r.new);
        let original = relations::original_of(c, doc.kind, &doc.record_id)?;
        self.items.push(IndexedItem {
            confidentiality: r.confidentiality.unwrap_or(doc.default_level),
            first_page: r.first_page,
            last_page: r.last_page,
            original,
            doc,
        });
        Ok(())
    }

    /// The reference of the original's latest document in this bundle, if it is here.
    fn original_reference(&self, link: &OriginalLink) -> Option<String> {
        self.items
            .iter()
            .rfind(|i| i.doc.kind == link.original_kind && i.doc.record_id == link.original_id)
            .map(|i| format(&self.case_reference, i.first_page))
    }

    fn rows(&self) -> Vec<BTreeMap<&'static str, String>> {
        let mut items: Vec<&IndexedItem> = self.items.iter().collect();
        items.sort_by_key(|i| i.first_page);
        items
            .into_iter()
            .map(|i| {
                let d = &i.doc;
                let values = [
                    format(&self.case_reference, i.first_page),
                    format(&self.case_reference, i.last_page),
                    (i.last_page - i.first_page + 1).to_string(),
                    d.kind.as_str().to_owned(),
                    d.id.clone(),
                    d.title.clone(),
                    d.document_type.clone(),
                    d.date.clone().unwrap_or_default(),
                    d.date_precision.clone().unwrap_or_default(),
                    d.author.clone(),
                    d.language.clone(),
                    i.original.as_ref().map(|o| o.relation.as_str().to_owned()).unwrap_or_default(),
                    i.original.as_ref().and_then(|o| self.original_reference(o)).unwrap_or_default(),
                    i.confidentiality.as_str().to_owned(),
                    d.sha256.clone(),
                    format!("data/{}", d.path),
                    format!("data/{}", i.custody_record()),
                ];
                COLUMNS.into_iter().zip(values).collect()
            })
            .collect()
    }

    /// `index.csv`, cells a spreadsheet could take for a formula guarded.
    pub fn csv(&self) -> Result<Vec<u8>> {
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        w.write_record(COLUMNS).map_err(Error::internal)?;
        for row in self.rows() {
            let cells: Vec<String> = COLUMNS.iter().map(|k| guard(&row[k]).into_owned()).collect();
            w.write_record(&cells).map_err(Error::internal)?;
        }
        w.into_inner().map_err(|e| Error::internal(e.to_string()))
    }

    /// `index.json`: the same rows, with the rule the pages were counted by.
    pub fn json(&self) -> Result<Vec<u8>> {
        #[derive(Serialize)]
        struct Out<'a> {
            case_reference: &'a str,
            page_rule: String,
            items: Vec<BTreeMap<&'static str, String>>,
        }
        let out = Out {
            case_reference: &self.case_reference,
            page_rule: format!(
                "text: one page per {} characters or {} lines, whichever gives more, at least one; \
                 any other file: one page",
                crate::catalog::pages::CHARS_PER_PAGE,
                crate::catalog::pages::LINES_PER_PAGE
            ),
            items: self.rows(),
        };
        let mut bytes = serde_json::to_vec_pretty(&out).map_err(Error::internal)?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}

/// A reference number split into its prefix and page (`BY-2021-0007-000042`).
fn split_reference(r: &str) -> Option<(&str, u64)> {
    let (prefix, page) = r.rsplit_once('-')?;
    (page.len() >= 6 && page.chars().all(|c| c.is_ascii_digit()) && !prefix.is_empty())
        .then(|| page.parse().ok().map(|p| (prefix, p)))
        .flatten()
}

/// The verifier's check of `index.csv` against the payload manifest (path → SHA-256) and
/// the payload's files; None when the bag has no index (made before there was one).
pub fn check(index: Option<&str>, manifest: &BTreeMap<String, String>) -> Option<(Vec<String>, String)> {
    let text = index?;
    let mut failures = Vec::new();
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(text.as_bytes());
    match reader.headers() {
        Ok(h) if h.iter().eq(COLUMNS) => {}
        Ok(h) => {
            failures.push(format!("header is {:?}, expected {:?}", h.iter().collect::<Vec<_>>(), COLUMNS))
        }
        Err(e) => failures.push(format!("header unreadable: {e}")),
    }
    if !failures.is_empty() {
        return Some((failures, "index.csv".into()));
    }
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let line = n + 2;
        match record {
            Ok(r) if r.len() == COLUMNS.len() => {
                rows.push((line, r.iter().map(|c| unguard(c).to_owned()).collect::<Vec<String>>()))
            }
            Ok(_) => failures.push(format!("line {line}: wrong number of cells")),
            Err(e) => failures.push(format!("line {line}: {e}")),
        }
    }
    let col = |name: &str| COLUMNS.iter().position(|c| *c == name).unwrap_or(0);
    let (first, last, pages, sha, path, custody, original) = (
        col("reference_first"),
        col("reference_last"),
        col("pages"),
        col("sha256"),
        col("path"),
        col("custody_record"),
        col("original_reference"),
    );
    let mut ranges: Vec<(String, u64, u64, usize)> = Vec::new();
    let mut firsts = BTreeSet::new();
    let mut indexed = BTreeSet::new();
    for (line, r) in &rows {
        match manifest.get(&r[path]) {
            Some(digest) if *digest == r[sha] => {}
            Some(_) => failures.push(format!("line {line}: {} has another SHA-256 in the manifest", r[path])),
            None => failures.push(format!("line {line}: {} is not a payload file", r[path])),
        }
        if !manifest.contains_key(&r[custody]) {
            failures.push(format!("line {line}: custody record {} missing", r[custody]));
        }
        indexed.insert(r[path].clone());
        match (split_reference(&r[first]), split_reference(&r[last])) {
            (Some((p1, a)), Some((p2, b))) if p1 == p2 && a <= b => {
                if r[pages] != (b - a + 1).to_string() {
                    failures.push(format!("line {line}: {} pages do not match its references", r[pages]));
                }
                ranges.push((p1.to_owned(), a, b, *line));
                firsts.insert(r[first].clone());
            }
            _ => failures.push(format!("line {line}: references {}..{} are not a range", r[first], r[last])),
        }
    }
    ranges.sort();
    for pair in ranges.windows(2) {
        if pair[0].0 == pair[1].0 && pair[1].1 <= pair[0].2 {
            failures.push(format!("lines {} and {}: reference ranges overlap", pair[0].3, pair[1].3));
        }
    }
    for (line, r) in &rows {
        if !r[original].is_empty() && !firsts.contains(&r[original]) {
            failures.push(format!("line {line}: original {} is not a row of the index", r[original]));
        }
    }
    for p in manifest.keys() {
        let document = DOCUMENT_DIRS.iter().any(|(dir, companions)| {
            p.strip_prefix(dir).is_some_and(|rest| {
                let parts: Vec<&str> = rest.split('/').collect();
                !(parts.len() == 2 && companions.contains(&parts[1]))
            })
        });
        if document && !indexed.contains(p) {
            failures.push(format!("{p}: a document with no row in index.csv"));
        }
    }
    Some((failures, format!("{} items with reference numbers", rows.len())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(paths: &[(&str, &str)]) -> BTreeMap<String, String> {
        paths.iter().map(|(p, d)| ((*p).to_owned(), (*d).to_owned())).collect()
    }

    fn csv_of(rows: &[[&str; 17]]) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(COLUMNS).unwrap();
        for r in rows {
            w.write_record(r).unwrap();
        }
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    }

    const T: &str = "data/testimonies/W-0001_x/version-1.txt";
    const A: &str = "data/testimonies/W-0001_x/attachments/a.ogg";

    fn row<'a>(
        first: &'a str,
        last: &'a str,
        pages: &'a str,
        path: &'a str,
        original: &'a str,
    ) -> [&'a str; 17] {
        [
            first,
            last,
            pages,
            "testimony",
            "id",
            "=title",
            "",
            "",
            "",
            "",
            "",
            "",
            original,
            "public",
            "ab",
            path,
            "data/custody/c.json",
        ]
    }

    #[test]
    fn a_sound_index_passes_and_each_fault_is_named() {
        let m = manifest(&[
            (T, "ab"),
            (A, "ab"),
            ("data/custody/c.json", "cd"),
            ("data/testimonies/W-0001_x/testimony.json", "ef"),
        ]);
        let good = csv_of(&[
            row("C-000001", "C-000002", "2", T, ""),
            row("C-000003", "C-000003", "1", A, "C-000001"),
        ]);
        let (failures, _) = check(Some(&good), &m).unwrap();
        assert!(failures.is_empty(), "{failures:?}");
        assert!(check(None, &m).is_none());

        let missing = csv_of(&[row("C-000001", "C-000002", "2", T, "")]);
        let (failures, _) = check(Some(&missing), &m).unwrap();
        assert!(failures.iter().any(|f| f.contains(A) && f.contains("no row")), "{failures:?}");

        let overlap = csv_of(&[
            row("C-000001", "C-000002", "2", T, ""),
            row("C-000002", "C-000002", "1", A, "C-000009"),
        ]);
        let (failures, _) = check(Some(&overlap), &m).unwrap();
        assert!(failures.iter().any(|f| f.contains("overlap")), "{failures:?}");
        assert!(failures.iter().any(|f| f.contains("C-000009")), "{failures:?}");

        let mut bad_hash = row("C-000001", "C-000002", "2", T, "");
        bad_hash[14] = "00";
        let (failures, _) =
            check(Some(&csv_of(&[bad_hash, row("C-000003", "C-000003", "1", A, "")])), &m).unwrap();
        assert!(failures.iter().any(|f| f.contains("another SHA-256")), "{failures:?}");

        let (failures, _) = check(Some("a,b\n"), &m).unwrap();
        assert!(failures.iter().any(|f| f.contains("header")), "{failures:?}");
    }

    #[test]
    fn precisions_follow_the_form_of_the_date() {
        assert_eq!(precision_of("2021"), Some("year"));
        assert_eq!(precision_of("2021-03"), Some("month"));
        assert_eq!(precision_of("2021-03-01"), Some("day"));
    }
}
