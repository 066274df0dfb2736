//! Planning an import: read every row, check it, resolve every link by external id, and
//! say for each record whether it would be created, updated, corrected (a sealed
//! account: a new version), or left as it is — writing nothing. Pure over what it is
//! given: the file's items, the vocabularies, and the records earlier imports made.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::ControlFlow;

use serde::{Deserialize, Serialize};

use super::convert::{Item, Terms};
use super::fields::Kind;
use super::issue::{Issue, Location};
use super::items::{self, Found};
use super::keys::{Digester, Known};
use super::mapping::Checked;
use super::source::{Files, Workbook};

/// Problems listed in full; beyond this many, only counted.
pub const MAX_ISSUES: usize = 1000;

/// What apply would do to one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    /// A sealed testimony whose account changed: a new sealed version, reason "import".
    Correct,
    Unchanged,
}

/// One record of the plan.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Step {
    pub kind: Kind,
    pub external_id: String,
    #[serde(flatten)]
    pub at: Location,
    pub action: Action,
}

/// How many records of one kind each action touches.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Count {
    pub kind: Option<Kind>,
    pub create: u64,
    pub update: u64,
    pub correct: u64,
    pub unchanged: u64,
}

/// The dry run: what would happen, and everything wrong. A plan with issues cannot be
/// applied.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Plan {
    /// Data rows read, over all sheets.
    pub rows: u64,
    pub counts: Vec<Count>,
    pub steps: Vec<Step>,
    pub issues: Vec<Issue>,
    /// Issues found, including any beyond the first [`MAX_ISSUES`].
    pub issues_total: u64,
}

impl Plan {
    /// A plan that stopped at the file or the mapping.
    pub fn refused(issues: Vec<Issue>) -> Plan {
        let mut plan = Plan::default();
        for i in issues {
            plan.push(i);
        }
        plan
    }

    fn push(&mut self, issue: Issue) {
        self.issues_total += 1;
        if self.issues.len() < MAX_ISSUES {
            self.issues.push(issue);
        }
    }

    pub fn is_clean(&self) -> bool {
        self.issues_total == 0
    }
}

/// What planning needs besides the file: the records earlier imports made (by kind and
/// key digest), the kind of every existing person they name, and which testimonies are
/// sealed.
pub struct Existing {
    pub known: HashMap<(Kind, Vec<u8>), Known>,
    pub person_kinds: HashMap<String, String>,
    pub sealed_roots: HashSet<String>,
    /// Every pseudonym of the case's persons, with the person it belongs to.
    pub pseudonyms: HashMap<String, String>,
    /// The ids of the case's own records: an external id that is one of them comes from
    /// an export of this very case.
    pub record_ids: HashSet<String>,
}

/// Steps listed in a plan; beyond this many, only counted (a plan of a million rows
/// would otherwise hold a million steps in memory and in its stored form).
pub const MAX_STEPS: usize = 10_000;

/// A record's external id as the plan keeps it: its keyed digest (as `import_keys` does),
/// so memory per record stays small and fixed whatever the ids look like.
type Key = (Kind, [u8; 32]);

/// What the file says about one external id, kept while the rest is read: its first
/// row, the digest of its values, and what links to it need to know.
struct Seen {
    sheet: u16,
    row: u64,
    digest: [u8; 32],
    /// Persons: a victim or a witness (who may give a testimony).
    protected: bool,
    /// Units: the unit above, for cycles.
    parent: Option<[u8; 32]>,
}

fn digest32(bytes: Vec<u8>) -> [u8; 32] {
    let mut out = [0u8; 32];
    let n = bytes.len().min(32);
    out[..n].copy_from_slice(&bytes[..n]);
    out
}

/// Plans an import of `book` through `checked`. Two walks over the file: the first reads
/// every record, its id and values (duplicates, pseudonyms, files, what each would do);
/// the second checks every link against the ids the first found and those of earlier
/// imports. Memory holds one small entry per record, never the file.
pub fn plan(
    book: &Workbook,
    files: &Files,
    checked: &Checked,
    terms: &Terms,
    digester: &Digester,
    existing: &Existing,
) -> Plan {
    let sheets: Vec<String> = checked.records.iter().map(|r| r.sheet.clone()).collect();
    let sheet_of = |name: &str| sheets.iter().position(|s| s == name).unwrap_or(0) as u16;
    let mut plan = Plan::default();
    let mut seen: HashMap<Key, Seen> = HashMap::new();
    let mut rows: HashSet<(u16, u64)> = HashSet::new();
    let mut pseudonyms: HashMap<String, ([u8; 32], Location)> = HashMap::new();
    let mut counts: BTreeMap<Kind, Count> = BTreeMap::new();
    items::walk(book, checked, terms, &Kind::ALL, |found| {
        let item = match found {
            Found::Issues(issues) => {
                issues.into_iter().for_each(|i| plan.push(i));
                return ControlFlow::Continue(());
            }
            Found::Flawed(item, issues) => {
                issues.into_iter().for_each(|i| plan.push(i));
                // Still an id that links may name, but nothing to do for it.
                remember(&mut plan, &mut seen, &sheets, sheet_of(&item.at.sheet), digester, &item);
                return ControlFlow::Continue(());
            }
            Found::Item(item) => item,
        };
        let sheet = sheet_of(&item.at.sheet);
        rows.insert((sheet, item.at.row.unwrap_or(0)));
        if let Some(issue) = check_file(&item, files) {
            plan.push(issue);
        }
        check_pseudonym(&mut plan, &mut pseudonyms, &item, digester, existing);
        if let Some(values) = remember(&mut plan, &mut seen, &sheets, sheet, digester, &item) {
            step(&mut plan, &mut counts, &item, &values, digester, existing);
        }
        ControlFlow::Continue(())
    });
    plan.rows = rows.len() as u64;
    plan.counts = counts.into_values().collect();
    resolve(&mut plan, book, checked, terms, &seen, digester, existing);
    check_unit_cycles(&mut plan, &seen, &sheets, checked);
    plan
}

/// What apply would do to a record read for the first time, counted and (within
/// [`MAX_STEPS`]) listed.
fn step(
    plan: &mut Plan,
    counts: &mut BTreeMap<Kind, Count>,
    item: &Item,
    values: &[u8; 32],
    digester: &Digester,
    existing: &Existing,
) {
    let kind = item.kind;
    let known = existing.known.get(&(kind, digester.key(kind, &item.key)));
    if known.is_none() && existing.record_ids.contains(&item.key) {
        plan.push(Issue::new(
            item.at.clone(),
            "already_in_case",
            "this id is a record of this case: the file is an export of it; import it into another case",
        ));
        return;
    }
    let action = match known {
        None => Action::Create,
        Some(k) if k.values_digest[..] == values[..] => Action::Unchanged,
        Some(k) if kind == Kind::Testimony && existing.sealed_roots.contains(&k.record_id) => Action::Correct,
        Some(_) => Action::Update,
    };
    let count = counts.entry(kind).or_insert_with(|| Count { kind: Some(kind), ..Count::default() });
    match action {
        Action::Create => count.create += 1,
        Action::Update => count.update += 1,
        Action::Correct => count.correct += 1,
        Action::Unchanged => count.unchanged += 1,
    }
    if plan.steps.len() < MAX_STEPS {
        plan.steps.push(Step { kind, external_id: item.key.clone(), at: item.at.clone(), action });
    }
}

/// A pseudonym names one person of the case: not two of the file, nor one of the file
/// and another already in the case.
fn check_pseudonym(
    plan: &mut Plan,
    pseudonyms: &mut HashMap<String, ([u8; 32], Location)>,
    item: &Item,
    digester: &Digester,
    existing: &Existing,
) {
    let Some(p) = item.text("pseudonym").filter(|_| item.kind == Kind::Person) else { return };
    let key = digester.key(Kind::Person, &item.key);
    let here = item.cell("pseudonym");
    match pseudonyms.get(p) {
        Some((first, _)) if first[..] != key[..] => {
            plan.push(Issue::new(
                here.clone(),
                "pseudonym_taken",
                "another person of the file has this pseudonym",
            ));
        }
        Some(_) => {}
        None => {
            pseudonyms.insert(p.to_owned(), (digest32(key.clone()), here.clone()));
        }
    }
    if let Some(owner) = existing.pseudonyms.get(p) {
        let mine = existing.known.get(&(Kind::Person, key));
        if mine.is_none_or(|k| &k.record_id != owner) {
            plan.push(Issue::new(here, "pseudonym_taken", "another person in this case has this pseudonym"));
        }
    }
}

fn check_file(item: &Item, files: &Files) -> Option<Issue> {
    let name = item.text("file")?;
    files.size(name, &item.at).err()
}

/// Keeps the first row of each external id; a later row with the same id must say the
/// same (a facility named on many rows), or it is a duplicate. The values' digest, for a
/// first sight.
fn remember(
    plan: &mut Plan,
    seen: &mut HashMap<Key, Seen>,
    sheets: &[String],
    sheet: u16,
    digester: &Digester,
    item: &Item,
) -> Option<[u8; 32]> {
    let digest = digest32(digester.values(item));
    let key = (item.kind, digest32(digester.key(item.kind, &item.key)));
    if let Some(first) = seen.get(&key) {
        if first.digest != digest {
            let at =
                Location::row(sheets.get(usize::from(first.sheet)).map_or("", String::as_str), first.row);
            plan.push(Issue::new(
                item.at.clone(),
                "duplicate_id",
                format!("another row ({at}) has this {} id with different values", item.kind.as_str()),
            ));
        }
        return None;
    }
    let protected = matches!(item.text("kind"), Some("victim" | "witness"));
    let parent = item.text("parent").filter(|_| item.kind == Kind::Unit);
    let parent = parent.map(|p| digest32(digester.key(Kind::Unit, p)));
    seen.insert(key, Seen { sheet, row: item.at.row.unwrap_or(0), digest, protected, parent });
    Some(digest)
}

/// Every link names a record of the file or of an earlier import; a testimony's witness
/// is a victim or a witness. A second walk over the file, holding nothing but the ids.
fn resolve(
    plan: &mut Plan,
    book: &Workbook,
    checked: &Checked,
    terms: &Terms,
    seen: &HashMap<Key, Seen>,
    digester: &Digester,
    existing: &Existing,
) {
    let linking: Vec<Kind> = Kind::ALL.into_iter().filter(|k| *k != Kind::Place).collect();
    items::walk(book, checked, terms, &linking, |found| {
        let item = match found {
            Found::Item(item) | Found::Flawed(item, _) => item,
            Found::Issues(_) => return ControlFlow::Continue(()),
        };
        for (target, key, field) in item.refs() {
            let digest = digester.key(target, key);
            let in_file = seen.get(&(target, digest32(digest.clone())));
            let earlier = existing.known.get(&(target, digest));
            if in_file.is_none() && earlier.is_none() {
                plan.push(Issue::new(
                    item.cell(field),
                    "missing_reference",
                    format!("no {} with this id in the file or an earlier import", target.as_str()),
                ));
                continue;
            }
            if item.kind == Kind::Testimony && field == "witness" {
                let protected = match (in_file, earlier) {
                    (Some(p), _) => p.protected,
                    (None, Some(k)) => {
                        matches!(
                            existing.person_kinds.get(&k.record_id).map(String::as_str),
                            Some("victim" | "witness")
                        )
                    }
                    (None, None) => false,
                };
                if !protected {
                    plan.push(Issue::new(
                        item.cell(field),
                        "not_a_witness",
                        "a testimony's witness must be a victim or a witness",
                    ));
                }
            }
        }
        ControlFlow::Continue(())
    });
}

/// A unit cannot be above itself.
fn check_unit_cycles(plan: &mut Plan, seen: &HashMap<Key, Seen>, sheets: &[String], checked: &Checked) {
    let mut found = Vec::new();
    for ((kind, key), s) in seen {
        if *kind != Kind::Unit {
            continue;
        }
        let mut at = s.parent;
        let mut steps = 0;
        while let Some(p) = at {
            if p == *key {
                let sheet = sheets.get(usize::from(s.sheet)).map_or("", String::as_str);
                let header =
                    checked.records.iter().filter(|r| r.kind == Kind::Unit && r.sheet == sheet).find_map(
                        |r| r.columns.iter().find(|c| c.field == "parent").map(|c| c.header.clone()),
                    );
                let mut here = Location::row(sheet, s.row);
                here.column = header;
                found.push(Issue::new(
                    here,
                    "parent_cycle",
                    "this unit would be above itself in the chain of command",
                ));
                break;
            }
            steps += 1;
            if steps > 64 {
                break;
            }
            at = seen.get(&(Kind::Unit, p)).and_then(|u| u.parent);
        }
    }
    found.sort_by(|a, b| a.at.cmp(&b.at));
    for i in found {
        plan.push(i);
    }
}
