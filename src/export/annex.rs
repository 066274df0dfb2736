//! The analysis annex a bundle may carry (`data/analysis/`): the corroboration table,
//! the timeline, the pattern counts, the chain of command and the places, as CSV and
//! SVG, with a README saying how each was made. Built only from the records the bundle
//! holds after consent and its selection (`analysis::subset`), with the names the
//! bundle shows (withheld names replaced), and drawn without links: a bundle is read
//! offline, away from Custodia.

use std::collections::{BTreeSet, HashMap};

use crate::analysis::draw::{self, Language, Words};
use crate::analysis::model::{CommandTree, Strength};
use crate::analysis::subset::{self, Subset, Views};
use crate::analysis::{places, tables};
use crate::cases::vocab;
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::import::sheet_out::guard;
use crate::store::DbConnection;

/// The folder below `data/`.
pub const DIR: &str = "analysis";

/// Place types whose coordinates stay out of the annex: like an address (which no
/// bundle carries), a home's position can point to a witness whose name is withheld.
pub const PRIVATE_PLACES: &[&str] = &["residence"];

/// What the records a bundle holds are, by id (consent and selection applied).
pub struct Contents<'a> {
    pub case_id: &'a str,
    pub incidents: &'a BTreeSet<String>,
    pub testimonies: &'a BTreeSet<String>,
    pub units: &'a BTreeSet<String>,
    pub perpetrators: &'a BTreeSet<String>,
}

/// The annex's files, paths below `data/`.
pub fn files(
    c: &mut DbConnection,
    keyring: &Keyring,
    contents: &Contents<'_>,
    redact: &dyn Fn(&str) -> String,
    min_count: u32,
) -> Result<Vec<(String, Vec<u8>)>> {
    let subset = Subset {
        incidents: contents.incidents.clone(),
        testimonies: contents.testimonies.clone(),
        units: contents.units.clone(),
        persons: contents.perpetrators.clone(),
    };
    let mut views =
        subset::views(c, keyring, contents.case_id, &subset, (redact, "No place recorded"), min_count)?;
    let before = views.map.points.len();
    views.map.points.retain(|p| !PRIVATE_PLACES.contains(&p.place_type.as_str()));
    views.map.without_coordinates += (before - views.map.points.len()) as u32;
    let labels: HashMap<(String, String), String> =
        vocab::list(c, None)?.into_iter().map(|t| ((t.vocabulary, t.code), t.label_en)).collect();
    let label = move |vocabulary: &str, code: &str| {
        labels.get(&(vocabulary.to_owned(), code.to_owned())).cloned().unwrap_or_else(|| code.to_owned())
    };
    let words = Words { language: Language::En, label: &label, links: false };
    render(&views, &words, min_count)
}

fn render(v: &Views, words: &Words<'_>, min_count: u32) -> Result<Vec<(String, Vec<u8>)>> {
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    let mut put = |name: String, bytes: Vec<u8>| out.push((format!("{DIR}/{name}"), bytes));
    put("corroboration.csv".into(), tables::corroboration(&v.corroboration)?);
    put("corroboration.svg".into(), draw::strengths(&v.corroboration, words).into_bytes());
    put("timeline.csv".into(), tables::timeline(&v.timeline)?);
    put("timeline.svg".into(), draw::timeline(&v.timeline, words).into_bytes());
    put("patterns.csv".into(), tables::patterns(&v.patterns)?);
    for s in &v.patterns.series {
        put(
            format!("patterns-{}.svg", s.dimension),
            draw::series(s, v.patterns.min_count, words).into_bytes(),
        );
    }
    put(
        "patterns-method-by-facility.svg".into(),
        draw::matrix(&v.patterns.method_by_facility, v.patterns.min_count, words).into_bytes(),
    );
    put("command.csv".into(), command_csv(&v.commands)?);
    for tree in &v.commands {
        put(format!("command-{}.svg", tree.root), draw::command(tree, words).into_bytes());
    }
    if !v.map.points.is_empty() {
        let geojson = serde_json::to_vec_pretty(&places::geojson(&v.map)).map_err(Error::internal)?;
        put("places.geojson".into(), geojson);
        put("map.svg".into(), draw::map(&v.map, words).into_bytes());
    }
    let listed: Vec<String> = out.iter().map(|(p, _)| p.trim_start_matches("analysis/").to_owned()).collect();
    out.push((format!("{DIR}/README.txt"), readme(v, &listed, min_count).into_bytes()));
    Ok(out)
}

/// One row per unit of each tree and commander of it (a unit without one has a row of
/// its own): the table beside the pictures.
fn command_csv(trees: &[CommandTree]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut row = |cells: Vec<String>| -> Result<()> {
        let guarded: Vec<String> = cells.iter().map(|c| guard(c).into_owned()).collect();
        w.write_record(&guarded).map_err(Error::internal)
    };
    row([
        "top_unit_id",
        "unit_id",
        "unit",
        "parent_id",
        "depth",
        "own_incidents",
        "incidents_rolled_up",
        "commander_id",
        "commander",
        "commander_from",
        "commander_to",
        "incidents_in_command",
        "incidents_possibly_in_command",
    ]
    .map(String::from)
    .to_vec())?;
    for tree in trees {
        for n in &tree.nodes {
            let unit = vec![
                tree.root.to_string(),
                n.unit_id.to_string(),
                n.name.clone(),
                n.parent_id.map(|p| p.to_string()).unwrap_or_default(),
                n.depth.to_string(),
                n.own_incidents.len().to_string(),
                n.rolled_up.to_string(),
            ];
            if n.commanders.is_empty() {
                row([unit.clone(), vec![String::new(); 6]].concat())?;
            }
            for p in &n.commanders {
                let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
                let commander = vec![
                    p.person_id.to_string(),
                    p.pseudonym.clone(),
                    day(p.from),
                    day(p.to),
                    p.incidents.len().to_string(),
                    p.possibly.len().to_string(),
                ];
                row([unit.clone(), commander].concat())?;
            }
        }
    }
    w.into_inner().map_err(|e| Error::internal(e.to_string()))
}

/// What the annex is, how each file was made and the rules behind its numbers, for a
/// reader who has only the bundle.
fn readme(v: &Views, files: &[String], min_count: u32) -> String {
    let totals: Vec<String> = Strength::ALL
        .iter()
        .map(|s| {
            let n = v.corroboration.totals.iter().find(|t| t.strength == *s).map_or(0, |t| t.links);
            format!("{n} {}", s.as_str().replace('_', " "))
        })
        .collect();
    let withheld = if min_count <= 1 {
        "No count is withheld (the installation's minimum count is 1).".to_owned()
    } else {
        format!(
            "A count from 1 to {} is left empty (withheld = true in patterns.csv), and when a \
             series would withhold exactly one count, its smallest shown count is withheld too, \
             so that no withheld count can be worked out from the others and a total. Zero is \
             shown. (Minimum count: {min_count}.)",
            min_count - 1
        )
    };
    format!(
        r#"ANALYSIS ANNEX
==============

These files were computed by Custodia from exactly the records this bundle holds:
the accounts that consent let go to this recipient, the incidents, perpetrators and
units in data/, nothing else of the case. An account left out (not selected, or
withheld in redactions.json) counts as no source here, and names withheld elsewhere
in the bundle are withheld here too ([W-0001] stands for a witness's pseudonym).
They are the organisation's analysis of that evidence, not evidence themselves: every
number can be checked against incidents.json, links.json and the testimonies.
Every file here is listed in manifest-sha256.txt like the rest of data/.

Files:
  {files}

CORROBORATION (corroboration.csv, corroboration.svg)
One row per involvement: a person or unit, an incident, and the part played, with
the testimonies of this bundle cited for it (by testimony root id, as in
data/testimonies/) and how well they support it. Here: {totals}.
Independent sources are counted by this rule:
- a source is a witness, not a testimony: two accounts by one witness are one;
- a witness who was the victim or saw it (source connection victim or eyewitness)
  is first-hand; any other connection (a relative, a lawyer, a doctor, unknown) is
  second-hand;
- second-hand sources together count as at most one independent source, and as none
  when a victim of the incident gave a first-hand account of the same link, since
  they most likely repeat it;
- accounts an investigator marked as contradicting the link are counted apart, never
  as support.
Strength: corroborated (two or more independent sources, none contradicting),
single source (one first-hand), hearsay only, contradicted, unsupported.

TIMELINE (timeline.csv, timeline.svg)
Incidents over time, a strip per place. A date known to the month or year is drawn as
the whole month or year (first_day, last_day); an estimated date is hatched.
Testimonies are marked on their interview dates. Undated incidents: {undated}.

PATTERNS (patterns.csv, patterns-*.svg)
Incidents and victims per week (or month, over long periods), place, act type,
method and unit, and methods across places (method_by_facility). Small counts:
{withheld}

CHAIN OF COMMAND (command.csv, command-<unit id>.svg)
One picture per unit at the top of the units in this bundle: the units below it,
their commanders over time, and the incidents of each unit and its members, rolled
up to the units above. An incident counts for a commander when its dates fall wholly
within the command period (incidents_in_command), or possibly when a partial date
overlaps the period's edge (incidents_possibly_in_command).

PLACES (places.geojson, map.svg)
Places of the incidents in this bundle that have coordinates, as GeoJSON (RFC 7946,
longitude first) for QGIS or any map tool, sized by their incidents. Present only
when such places are included ({points} here). Coordinates of residences are left
out: like an address, which no bundle carries, a home can point to a witness.

Custodia's documentation explains each view at length (docs/analysis.md).
"#,
        files = files.join("\n  "),
        totals = totals.join(", "),
        undated = v.timeline.undated,
        points = v.map.points.len(),
    )
}
