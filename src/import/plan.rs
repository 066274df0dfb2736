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

/// What the file says about one external id, kept while the rest is read.
struct Seen {
    at: Location,
    digest: Vec<u8>,
    /// (kind, external id, field, where the field came from).
    refs: Vec<(Kind, String, &'static str, Location)>,
    person_kind: Option<String>,
    parent: Option<String>,
}

/// Plans an import of `book` through `checked`.
pub fn plan(
    book: &Workbook,
    files: &Files,
    checked: &Checked,
    terms: &Terms,
    digester: &Digester,
    existing: &Existing,
) -> Plan {
    let mut plan = Plan::default();
    let mut seen: HashMap<(Kind, String), Seen> = HashMap::new();
    let mut order: Vec<(Kind, String)> = Vec::new();
    let mut rows = HashSet::new();
    let mut pseudonyms: HashMap<String, Vec<(String, Location)>> = HashMap::new();
    items::walk(book, checked, terms, &Kind::ALL, |found| {
        match found {
            Found::Issues(issues) => issues.into_iter().for_each(|i| plan.push(i)),
            Found::Flawed(item, issues) => {
                issues.into_iter().for_each(|i| plan.push(i));
                remember(&mut plan, &mut seen, &mut order, digester, item);
            }
            Found::Item(item) => {
                rows.insert((item.at.sheet.clone(), item.at.row));
                if let Some(issue) = check_file(&item, files) {
                    plan.push(issue);
                }
                if let Some(p) = item.text("pseudonym").filter(|_| item.kind == Kind::Person) {
                    pseudonyms
                        .entry(p.to_owned())
                        .or_default()
                        .push((item.key.clone(), item.cell("pseudonym")));
                }
                remember(&mut plan, &mut seen, &mut order, digester, item);
            }
        }
        ControlFlow::Continue(())
    });
    plan.rows = rows.len() as u64;
    check_pseudonyms(&mut plan, &pseudonyms, digester, existing);
    resolve(&mut plan, &seen, digester, existing);
    check_unit_cycles(&mut plan, &seen);
    let mut counts: BTreeMap<Kind, Count> = BTreeMap::new();
    for key in order {
        let Some(s) = seen.get(&key) else { continue };
        let (kind, external_id) = key;
        let known = existing.known.get(&(kind, digester.key(kind, &external_id)));
        if known.is_none() && existing.record_ids.contains(&external_id) {
            plan.push(Issue::new(
                s.at.clone(),
                "already_in_case",
                "this id is a record of this case: the file is an export of it; import it into another case",
            ));
            continue;
        }
        let action = match known {
            None => Action::Create,
            Some(k) if k.values_digest == s.digest => Action::Unchanged,
            Some(k) if kind == Kind::Testimony && existing.sealed_roots.contains(&k.record_id) => {
                Action::Correct
            }
            Some(_) => Action::Update,
        };
        let count = counts.entry(kind).or_insert_with(|| Count { kind: Some(kind), ..Count::default() });
        match action {
            Action::Create => count.create += 1,
            Action::Update => count.update += 1,
            Action::Correct => count.correct += 1,
            Action::Unchanged => count.unchanged += 1,
        }
        plan.steps.push(Step { kind, external_id, at: s.at.clone(), action });
    }
    plan.counts = counts.into_values().collect();
    plan
}

/// A pseudonym names one person of the case: not two of the file, nor one of the file
/// and another already in the case.
fn check_pseudonyms(
    plan: &mut Plan,
    pseudonyms: &HashMap<String, Vec<(String, Location)>>,
    digester: &Digester,
    existing: &Existing,
) {
    let mut found = Vec::new();
    for claims in pseudonyms.values() {
        let mut keys: Vec<&str> = claims.iter().map(|(k, _)| k.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        if keys.len() > 1 {
            for (_, at) in claims.iter().skip(1) {
                found.push(Issue::new(
                    at.clone(),
                    "pseudonym_taken",
                    "another person of the file has this pseudonym",
                ));
            }
        }
    }
    for (pseudonym, claims) in pseudonyms {
        let Some(owner) = existing.pseudonyms.get(pseudonym) else { continue };
        for (key, at) in claims {
            let mine = existing.known.get(&(Kind::Person, digester.key(Kind::Person, key)));
            if mine.is_none_or(|k| &k.record_id != owner) {
                found.push(Issue::new(
                    at.clone(),
                    "pseudonym_taken",
                    "another person in this case has this pseudonym",
                ));
            }
        }
    }
    found.sort_by(|a, b| a.at.cmp(&b.at));
    found.dedup();
    for i in found {
        plan.push(i);
    }
}

fn check_file(item: &Item, files: &Files) -> Option<Issue> {
    let name = item.text("file")?;
    files.size(name, &item.at).err()
}

/// Keeps the first row of each external id; a later row with the same id must say the
/// same (a facility named on many rows), or it is a duplicate.
fn remember(
    plan: &mut Plan,
    seen: &mut HashMap<(Kind, String), Seen>,
    order: &mut Vec<(Kind, String)>,
    digester: &Digester,
    item: Item,
) {
    let digest = digester.values(&item);
    let key = (item.kind, item.key.clone());
    if let Some(first) = seen.get(&key) {
        if first.digest != digest {
            plan.push(Issue::new(
                item.at.clone(),
                "duplicate_id",
                format!(
                    "another row ({}) has this {} id with different values",
                    first.at,
                    item.kind.as_str()
                ),
            ));
        }
        return;
    }
    let refs =
        item.refs().into_iter().map(|(k, key, field)| (k, key.to_owned(), field, item.cell(field))).collect();
    let seen_item = Seen {
        at: item.at.clone(),
        digest,
        refs,
        person_kind: (item.kind == Kind::Person).then(|| item.text("kind").unwrap_or_default().to_owned()),
        parent: (item.kind == Kind::Unit).then(|| item.text("parent").map(str::to_owned)).flatten(),
    };
    order.push(key.clone());
    seen.insert(key, seen_item);
}

/// Every link names a record of the file or of an earlier import; a testimony's witness
/// is a victim or a witness.
fn resolve(plan: &mut Plan, seen: &HashMap<(Kind, String), Seen>, digester: &Digester, existing: &Existing) {
    let mut found = Vec::new();
    for ((kind, _), s) in seen {
        for (target, key, field, at) in &s.refs {
            let at = at.clone();
            let in_file = seen.get(&(*target, key.clone()));
            let earlier = existing.known.get(&(*target, digester.key(*target, key)));
            if in_file.is_none() && earlier.is_none() {
                found.push(Issue::new(
                    at,
                    "missing_reference",
                    format!("no {} with this id in the file or an earlier import", target.as_str()),
                ));
                continue;
            }
            if *kind == Kind::Testimony && *field == "witness" {
                let person_kind = match (in_file, earlier) {
                    (Some(p), _) => p.person_kind.clone(),
                    (None, Some(k)) => existing.person_kinds.get(&k.record_id).cloned(),
                    (None, None) => None,
                };
                if !matches!(person_kind.as_deref(), Some("victim" | "witness")) {
                    found.push(Issue::new(
                        at,
                        "not_a_witness",
                        "a testimony's witness must be a victim or a witness",
                    ));
                }
            }
        }
    }
    found.sort_by(|a, b| a.at.cmp(&b.at));
    for i in found {
        plan.push(i);
    }
}

/// A unit cannot be above itself.
fn check_unit_cycles(plan: &mut Plan, seen: &HashMap<(Kind, String), Seen>) {
    let parent_of = |key: &str| seen.get(&(Kind::Unit, key.to_owned())).and_then(|s| s.parent.clone());
    let mut reported = HashSet::new();
    let mut found = Vec::new();
    for ((kind, key), s) in seen {
        if *kind != Kind::Unit {
            continue;
        }
        let mut at = parent_of(key);
        let mut steps = 0;
        while let Some(p) = at {
            if p == *key {
                if reported.insert(key.clone()) {
                    found.push(Issue::new(
                        s.refs.iter().find(|r| r.2 == "parent").map_or_else(|| s.at.clone(), |r| r.3.clone()),
                        "parent_cycle",
                        "this unit would be above itself in the chain of command",
                    ));
                }
                break;
            }
            steps += 1;
            if steps > 64 {
                break;
            }
            at = parent_of(&p);
        }
    }
    found.sort_by(|a, b| a.at.cmp(&b.at));
    for i in found {
        plan.push(i);
    }
}
