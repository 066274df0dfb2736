//! The plan over sheets made in memory: what each row becomes, and every kind of
//! problem reported at its sheet, row and column.

use std::collections::{HashMap, HashSet};

use super::convert::Terms;
use super::fields::Kind;
use super::keys::{Digester, Known};
use super::mapping::Mapping;
use super::plan::{self, Action, Existing, Plan};
use super::source::{Files, Row, SheetInfo, Workbook};
use crate::cases::vocab::Term;
use crate::crypto::Keyring;

fn term(vocabulary: &str, code: &str, en: &str, ru: &str) -> Term {
    Term {
        vocabulary: vocabulary.into(),
        code: code.into(),
        label_en: en.into(),
        label_ru: ru.into(),
        builtin: true,
    }
}

fn terms() -> Vec<Term> {
    vec![
        term("act_type", "torture", "Torture", "Пытки"),
        term("act_type", "arbitrary_detention", "Arbitrary detention", "Произвольное задержание"),
        term("torture_method", "beating", "Beating", "Избиение"),
        term("torture_method", "kicking", "Kicking", "Удары ногами"),
        term("place_type", "detention_facility", "Detention facility", "Место содержания"),
        term("involvement_role", "carried_out", "Carried out", "Совершил"),
        term("source_connection", "victim", "Victim", "Пострадавший"),
    ]
}

fn sheet(name: &str, headers: &[&str], rows: &[&[&str]]) -> (SheetInfo, Vec<Row>) {
    let info = SheetInfo { name: name.into(), headers: headers.iter().map(|h| (*h).to_owned()).collect() };
    let rows = rows
        .iter()
        .enumerate()
        .map(|(i, cells)| Row {
            number: i as u64 + 2,
            cells: cells.iter().map(|c| (*c).to_owned()).collect(),
        })
        .collect();
    (info, rows)
}

const MAPPING: &str = r#"
[values.act_type]
"Задержание" = "arbitrary_detention"

[[records]]
kind = "unit"
sheet = "units"
id = "ID"
columns = { name = "Name", parent = "Parent", commander = "Commander" }

[[records]]
kind = "person"
sheet = "people"
id = "ID"
columns = { kind = "Role", names = "Name", unit = "Unit" }

[[records]]
kind = "place"
sheet = "detentions"
id = "Facility"
columns = { name = "Facility" }
fixed = { place_type = "detention_facility" }

[[records]]
kind = "incident"
sheet = "detentions"
id = "Case"
columns = { act_type = "Act", methods = "Methods", start = "From", end = "To", place = "Facility", victims = "Victim" }

[[records]]
kind = "involvement"
sheet = "detentions"
columns = { incident = "Case", person = "Perpetrator", role = "Role" }
when = "Perpetrator"
"#;

fn book(detentions: &[&[&str]]) -> Workbook {
    Workbook::from_rows(vec![
        sheet(
            "units",
            &["ID", "Name", "Parent", "Commander"],
            &[&["U1", "Ministry", "", ""], &["U2", "Riot police", "U1", "P1"]],
        ),
        sheet(
            "people",
            &["ID", "Role", "Name", "Unit"],
            &[&["V1", "victim", "Анна Иванова", ""], &["P1", "perpetrator", "Officer K.", "U2"]],
        ),
        sheet(
            "detentions",
            &["Case", "Act", "Methods", "From", "To", "Facility", "Victim", "Perpetrator", "Role"],
            detentions,
        ),
    ])
}

fn run(book: &Workbook, mapping: &str, existing: &Existing) -> Plan {
    let ring = Keyring::generate();
    let digester = Digester::new(&ring, "case");
    run_with(book, mapping, existing, &digester)
}

fn run_with(book: &Workbook, mapping: &str, existing: &Existing, digester: &Digester) -> Plan {
    let mapping = Mapping::parse(mapping).map_err(|i| vec![i]);
    let checked = mapping.and_then(|m| m.check(book));
    let checked = match checked {
        Ok(c) => c,
        Err(issues) => return Plan::refused(issues),
    };
    let terms = match Terms::new(&terms(), &checked.mapping.values) {
        Ok(t) => t,
        Err(issues) => return Plan::refused(issues),
    };
    plan::plan(book, &Files::none(), &checked, &terms, digester, existing)
}

fn nothing() -> Existing {
    Existing {
        known: HashMap::new(),
        person_kinds: HashMap::new(),
        sealed_roots: HashSet::new(),
        pseudonyms: HashMap::new(),
        record_ids: HashSet::new(),
    }
}

fn codes(plan: &Plan) -> Vec<(String, Option<u64>, Option<String>)> {
    plan.issues.iter().map(|i| (i.code.clone(), i.at.row, i.at.column.clone())).collect()
}

const GOOD: &[&[&str]] = &[
    &[
        "C1",
        "Задержание",
        "Избиение; kicking",
        "03.2021",
        "весна 2021",
        "Okrestina",
        "V1",
        "P1",
        "carried_out",
    ],
    &["C2", "torture", "", "2021-08-12", "", "Okrestina", "V1", "", ""],
];

#[test]
fn a_clean_sheet_plans_every_record_once() {
    let plan = run(&book(GOOD), MAPPING, &nothing());
    assert!(plan.is_clean(), "{:?}", plan.issues);
    let created = |k: Kind| plan.counts.iter().find(|c| c.kind == Some(k)).map_or(0, |c| c.create);
    assert_eq!(created(Kind::Unit), 2);
    assert_eq!(created(Kind::Person), 2);
    // The facility named on two rows is one place.
    assert_eq!(created(Kind::Place), 1);
    assert_eq!(created(Kind::Incident), 2);
    assert_eq!(created(Kind::Involvement), 1);
    assert_eq!(plan.rows, 6);
}

#[test]
fn a_second_plan_of_the_same_sheet_changes_nothing_and_a_corrected_row_updates() {
    let ring = Keyring::generate();
    let digester = Digester::new(&ring, "case");
    let first = run_with(&book(GOOD), MAPPING, &nothing(), &digester);
    // What apply would have recorded: every record under its key, with its values.
    let mut known = HashMap::new();
    let walk = |b: &Workbook, known: &mut HashMap<(Kind, Vec<u8>), Known>| {
        let checked = Mapping::parse(MAPPING).ok().and_then(|m| m.check(b).ok()).expect("mapping");
        let terms = Terms::new(&terms(), &checked.mapping.values).expect("terms");
        super::items::walk(b, &checked, &terms, &Kind::ALL, |found| {
            if let super::items::Found::Item(item) = found {
                known.insert(
                    (item.kind, digester.key(item.kind, &item.key)),
                    Known { record_id: item.key.clone(), values_digest: digester.values(&item) },
                );
            }
            std::ops::ControlFlow::Continue(())
        });
    };
    walk(&book(GOOD), &mut known);
    assert!(first.steps.iter().all(|s| s.action == Action::Create));
    let existing = Existing {
        known,
        person_kinds: HashMap::new(),
        sealed_roots: HashSet::new(),
        pseudonyms: HashMap::new(),
        record_ids: HashSet::new(),
    };
    let again = run_with(&book(GOOD), MAPPING, &existing, &digester);
    assert!(again.steps.iter().all(|s| s.action == Action::Unchanged), "{:?}", again.steps);
    let mut corrected: Vec<&[&str]> = GOOD.to_vec();
    corrected[1] = &["C2", "torture", "beating", "2021-08-12", "", "Okrestina", "V1", "", ""];
    let third = run_with(&book(&corrected), MAPPING, &existing, &digester);
    let changed: Vec<_> = third
        .steps
        .iter()
        .filter(|s| s.action != Action::Unchanged)
        .map(|s| (s.kind, s.external_id.as_str(), s.action))
        .collect();
    assert_eq!(changed, vec![(Kind::Incident, "C2", Action::Update)]);
}

#[test]
fn every_bad_row_is_reported_where_it_is() {
    let bad: &[&[&str]] = &[
        // An act type nobody defined: never created, reported with the word.
        &["C1", "Beaten up", "", "", "", "Okrestina", "V1", "", ""],
        // A month that does not exist, and an end before the start.
        &["C2", "torture", "", "13.2021", "", "Okrestina", "V1", "", ""],
        &["C3", "torture", "", "2021-05-01", "2021-04-01", "Okrestina", "V1", "", ""],
        // A victim that is nowhere, and a perpetrator that is nowhere.
        &["C4", "torture", "", "", "", "Okrestina", "V9", "P9", "carried_out"],
        // The same case id again with other values.
        &["C4", "torture", "", "2020", "", "Okrestina", "V1", "", ""],
        // No act at all.
        &["C5", "", "", "", "", "Okrestina", "V1", "", ""],
    ];
    let plan = run(&book(bad), MAPPING, &nothing());
    let found = codes(&plan);
    let has = |code: &str, row: u64, column: Option<&str>| {
        found.iter().any(|(c, r, col)| c == code && *r == Some(row) && col.as_deref() == column)
    };
    assert!(has("unknown_value", 2, Some("Act")), "{found:?}");
    assert_eq!(
        plan.issues.iter().find(|i| i.code == "unknown_value").and_then(|i| i.value.as_deref()),
        Some("Beaten up")
    );
    assert!(has("invalid_date", 3, Some("From")), "{found:?}");
    assert!(has("dates_out_of_order", 4, Some("To")), "{found:?}");
    assert!(has("missing_reference", 5, Some("Victim")), "{found:?}");
    assert!(has("missing_reference", 5, Some("Perpetrator")), "{found:?}");
    assert!(has("duplicate_id", 6, None), "{found:?}");
    assert!(has("required", 7, Some("Act")), "{found:?}");
    assert!(!plan.is_clean());
    // No message repeats a cell's content.
    for i in &plan.issues {
        assert!(!i.message.contains("Okrestina") && !i.message.contains("Beaten"), "{i}");
    }
}

#[test]
fn a_mapping_naming_what_does_not_exist_is_refused_before_any_row() {
    let wrong = MAPPING
        .replace("names = \"Name\"", "nmes = \"Name\"")
        .replace("act_type = \"Act\"", "act_type = \"Akt\"");
    let plan = run(&book(GOOD), &wrong, &nothing());
    let found = codes(&plan);
    assert!(
        found.iter().any(|(c, _, col)| c == "invalid_mapping" && col.as_deref() == Some("records[1].nmes")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|(c, _, col)| c == "no_such_column" && col.as_deref() == Some("Akt")),
        "{found:?}"
    );
    assert!(plan.steps.is_empty());
    let syntax = run(&book(GOOD), "[[records]\nkind = ", &nothing());
    assert_eq!(codes(&syntax)[0].0, "invalid_mapping");
    let unknown_code = format!("{MAPPING}\n[values.torture_method]\n\"Дубинкой\" = \"truncheon\"\n");
    let plan = run(&book(GOOD), &unknown_code, &nothing());
    assert!(codes(&plan).iter().any(|(c, ..)| c == "invalid_mapping"), "{:?}", plan.issues);
}

#[test]
fn a_unit_above_itself_is_a_cycle() {
    let book = Workbook::from_rows(vec![sheet(
        "units",
        &["ID", "Name", "Parent", "Commander"],
        &[&["U1", "A", "U2", ""], &["U2", "B", "U1", ""]],
    )]);
    let mapping = "[[records]]\nkind = \"unit\"\nsheet = \"units\"\nid = \"ID\"\ncolumns = { name = \"Name\", parent = \"Parent\" }\n";
    let plan = run(&book, mapping, &nothing());
    assert_eq!(plan.issues.iter().filter(|i| i.code == "parent_cycle").count(), 2, "{:?}", plan.issues);
}

#[test]
fn a_testimony_needs_a_witness_and_consent_to_be_sealed() {
    let book = Workbook::from_rows(vec![
        sheet(
            "people",
            &["ID", "Role", "Name", "Unit"],
            &[&["V1", "victim", "A", ""], &["P1", "perpetrator", "B", ""]],
        ),
        sheet(
            "accounts",
            &["ID", "Witness", "Text"],
            &[&["T1", "V1", "I was held…"], &["T2", "P1", "He said…"]],
        ),
    ]);
    let mapping = "[[records]]\nkind = \"person\"\nsheet = \"people\"\nid = \"ID\"\ncolumns = { kind = \"Role\", names = \"Name\" }\n\n[[records]]\nkind = \"testimony\"\nsheet = \"accounts\"\nid = \"ID\"\ncolumns = { witness = \"Witness\", account = \"Text\" }\nfixed = { source_connection = \"victim\" }\n";
    let plan = run(&book, mapping, &nothing());
    let found = codes(&plan);
    assert_eq!(found.iter().filter(|(c, ..)| c == "consent_required").count(), 6, "{found:?}");
    let drafts = mapping.replace("kind = \"testimony\"\n", "kind = \"testimony\"\nseal = false\n");
    let plan = run(&book, &drafts, &nothing());
    assert_eq!(codes(&plan), vec![("not_a_witness".to_owned(), Some(3), Some("Witness".to_owned()))]);
}
