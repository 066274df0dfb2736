//! Every picture on representative and odd input: each parses as XML, is labelled, has
//! nothing active or external, and a few geometric facts hold.

use chrono::NaiveDate;
use uuid::Uuid;

use super::check::check_svg;
use super::*;
use crate::analysis::model::*;
use crate::cases::validate::Precision;

const NASTY: &str = r#"<b>&"Tom's" </svg><script>x</script> on="1"#;

fn label(vocabulary: &str, code: &str) -> String {
    if code == "blank" { String::new() } else { format!("{vocabulary}:{code}") }
}

fn words(language: Language, links: bool) -> Words<'static> {
    Words { language, label: &label, links }
}

fn each_words() -> [Words<'static>; 3] {
    [words(Language::En, true), words(Language::Ru, true), words(Language::En, false)]
}

/// The checks every picture must pass, with what the picture is for the message.
fn valid(svg: &str, what: &str) {
    if let Err(e) = check_svg(svg) {
        panic!("{what}: {e}\n{}", &svg[..svg.len().min(3000)]);
    }
    assert!(!svg.contains("<script"), "{what}: a script");
    let lower = svg.to_ascii_lowercase();
    let event = lower.match_indices(" on").any(|(at, _)| {
        let name: String = lower[at + 1..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        lower[at + 1 + name.len()..].starts_with("=\"")
    });
    assert!(!event, "{what}: an event attribute");
    let external = svg.matches("http").count();
    assert_eq!(external, 1, "{what}: http other than the namespace");
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

// ---- chain of command ---------------------------------------------------------------

fn node(n: u128, parent: Option<u128>, depth: u32, name: &str) -> CommandNode {
    CommandNode {
        unit_id: id(n),
        name: name.into(),
        parent_id: parent.map(id),
        depth,
        commanders: vec![CommandPeriod {
            person_id: id(1000 + n),
            pseudonym: format!("Commander {n}"),
            from: Some(d(2020, 1, 1)),
            to: None,
            incidents: vec![id(5000 + n)],
            possibly: vec![id(6000 + n)],
        }],
        own_incidents: vec![id(5000 + n)],
        rolled_up: 3,
    }
}

fn tree(sub_units: u128) -> CommandTree {
    let mut nodes = vec![node(1, None, 0, "Main Directorate")];
    for i in 0..sub_units {
        nodes.push(node(10 + i, Some(1), 1, &format!("Battalion {i}")));
        nodes.push(node(500 + i, Some(10 + i), 2, &format!("Company {i}")));
    }
    CommandTree { root: id(1), nodes, incidents: vec![], cut: vec![] }
}

#[test]
fn chain_of_command_draws_every_unit_and_commander() {
    for w in each_words() {
        let svg = command(&tree(3), &w);
        valid(&svg, "command");
        assert!(svg.contains("Main Directorate") && svg.contains("Company 2"));
        assert!(svg.contains("Commander 10") && svg.contains("2020-01-01 – …"));
        assert!(svg.contains("1 / 3"));
        assert_eq!(svg.contains("href=\"/units/"), w.links);
    }
}

#[test]
fn fifty_sub_units_and_three_hundred_units_stay_bounded() {
    let svg = command(&tree(25), &words(Language::En, true));
    valid(&svg, "command 50");
    let svg = command(&tree(150), &words(Language::En, true));
    valid(&svg, "command 301");
    assert!(svg.contains("and 101 more not drawn"), "the cap is said");
}

#[test]
fn a_cut_unit_is_drawn_first_and_marked() {
    let mut t = tree(1);
    t.nodes.push(node(77, Some(999), 0, "Orphan Unit"));
    t.cut.push(id(77));
    let svg = command(&t, &words(Language::En, true));
    valid(&svg, "cut");
    let orphan = svg.find("Orphan Unit").unwrap();
    assert!(orphan < svg.find(">Main Directorate<").unwrap(), "cut units come first");
    assert!(svg.contains("parent missing"));
    assert!(svg.contains("stroke-dasharray=\"5 3\""), "a cut unit's frame is dashed");
}

#[test]
fn odd_command_input_draws_without_panicking() {
    let empty = CommandTree { root: id(1), nodes: vec![], incidents: vec![], cut: vec![] };
    let svg = command(&empty, &words(Language::Ru, true));
    valid(&svg, "empty command");
    assert!(svg.contains("Нет подразделений"));
    let mut odd = tree(0);
    odd.nodes[0].name = NASTY.into();
    odd.nodes[0].depth = 40;
    odd.nodes[0].commanders[0].pseudonym = NASTY.into();
    odd.nodes[0].commanders = std::iter::repeat_n(odd.nodes[0].commanders[0].clone(), 9).collect();
    odd.nodes.push(node(2, Some(1), 90, &"Ж".repeat(300)));
    valid(&command(&odd, &words(Language::En, true)), "odd command");
}

// ---- timeline -------------------------------------------------------------------------

fn bar(n: u128, date: &str, precision: Precision, first: NaiveDate, last: NaiveDate, detention: bool) -> Bar {
    Bar {
        incident_id: id(n),
        act_type: if detention { "arbitrary_detention".into() } else { "torture".into() },
        start: PartialDate { date: date.into(), precision },
        end: None,
        span: DaySpan { first, last, estimated: precision == Precision::Estimate },
        detention,
    }
}

fn timeline_of(lanes: Vec<Lane>) -> Timeline {
    Timeline {
        from: None,
        to: None,
        lane_by: LaneBy::Place,
        lanes,
        marks: vec![Mark { testimony_id: id(900), date: d(2020, 9, 1), incidents: vec![id(1)] }],
        undated: 2,
    }
}

fn sample_timeline() -> Timeline {
    timeline_of(vec![
        Lane {
            id: Some(id(70)),
            label: "Okrestina".into(),
            bars: vec![
                bar(1, "2020-08-10", Precision::Exact, d(2020, 8, 10), d(2020, 8, 10), false),
                bar(2, "2020-08", Precision::Month, d(2020, 8, 1), d(2020, 8, 31), false),
                bar(3, "2020-08-12", Precision::Estimate, d(2020, 8, 12), d(2020, 8, 12), false),
                bar(4, "2020-08-09", Precision::Exact, d(2020, 8, 9), d(2020, 8, 14), true),
            ],
        },
        Lane {
            id: None,
            label: "Other".into(),
            bars: vec![bar(5, "2020", Precision::Year, d(2020, 1, 1), d(2020, 12, 31), false)],
        },
    ])
}

/// The `<rect>` drawn for an incident: the one in its link.
fn rect_of(svg: &str, incident: u128) -> &str {
    let start = svg.find(&format!("/incidents/{}\"", id(incident))).unwrap();
    let rest = &svg[start..];
    let rect = rest.find("<rect").unwrap();
    &rest[rect..rect + rest[rect..].find("<title>").unwrap()]
}

fn attr(element: &str, name: &str) -> f64 {
    let at = element.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
    element[at..at + element[at..].find('"').unwrap()].parse().unwrap()
}

#[test]
fn timeline_draws_partial_dates_honestly() {
    let t = sample_timeline();
    for w in each_words() {
        valid(&timeline(&t, &w), "timeline");
    }
    let svg = timeline(&t, &words(Language::En, true));
    let exact = rect_of(&svg, 1);
    let month = rect_of(&svg, 2);
    let estimated = rect_of(&svg, 3);
    let detention = rect_of(&svg, 4);
    assert!(attr(month, "width") > 5.0 * attr(exact, "width"), "a month spans more than a day");
    assert!(estimated.contains("-hatch)"), "an estimate is hatched: {estimated}");
    assert!(!exact.contains("-hatch)") && !month.contains("-hatch)"));
    assert!(detention.contains("stroke-dasharray"), "a detention is a band");
    assert!(attr(detention, "height") > attr(exact, "height"));
    assert!(svg.contains("/testimonies/") && svg.contains("<path d=\"M"), "testimony marks");
    assert!(svg.contains("incidents without a date, not drawn: 2"));
    assert!(svg.contains("estimated date") && svg.contains("detention"), "legend");
}

#[test]
fn the_period_asked_for_clips_the_bars() {
    let mut t = sample_timeline();
    t.from = Some(d(2020, 8, 11));
    t.to = Some(d(2020, 8, 20));
    let svg = timeline(&t, &words(Language::En, true));
    valid(&svg, "clipped");
    assert!(!svg.contains(&format!("/incidents/{}\"", id(1))), "a bar before the period is left out");
    let month = rect_of(&svg, 2);
    assert!(
        attr(month, "x") >= 15.0 && attr(month, "x") + attr(month, "width") <= 545.0,
        "clipped to the plot"
    );
    t.from = Some(d(2021, 1, 1));
    t.to = Some(d(2021, 2, 1));
    let svg = timeline(&t, &words(Language::En, true));
    valid(&svg, "nothing in the period");
    assert!(svg.contains("No dated incidents"));
}

#[test]
fn odd_timelines_draw_without_panicking() {
    let w = words(Language::Ru, true);
    let empty =
        Timeline { from: None, to: None, lane_by: LaneBy::Unit, lanes: vec![], marks: vec![], undated: 5 };
    let svg = timeline(&empty, &w);
    valid(&svg, "empty timeline");
    assert!(svg.contains(": 5"));
    let one = timeline_of(vec![Lane {
        id: Some(id(1)),
        label: NASTY.into(),
        bars: vec![bar(1, "2020-08-10", Precision::Exact, d(2020, 8, 10), d(2020, 8, 10), false)],
    }]);
    valid(&timeline(&one, &w), "one bar");
    let lanes: Vec<Lane> = (0..300)
        .map(|i| Lane {
            id: Some(id(i)),
            label: format!("Lane {i}"),
            bars: (0..30)
                .map(|j| {
                    bar(
                        i * 100 + j,
                        "2019",
                        Precision::Year,
                        d(2019, 1, 1),
                        d(2019 + (j % 3) as i32, 3, 1),
                        j % 7 == 0,
                    )
                })
                .collect(),
        })
        .collect();
    let svg = timeline(&timeline_of(lanes), &words(Language::En, false));
    valid(&svg, "300 lanes");
    assert!(svg.contains("and 100 more not drawn"));
    let extreme = timeline_of(vec![Lane {
        id: None,
        label: String::new(),
        bars: vec![
            bar(1, "x", Precision::Unknown, NaiveDate::MIN, NaiveDate::MAX, false),
            bar(2, "y", Precision::Exact, NaiveDate::MAX, NaiveDate::MIN, true),
        ],
    }]);
    valid(&timeline(&extreme, &w), "the whole calendar");
    let mut reversed = sample_timeline();
    reversed.from = Some(d(2020, 9, 1));
    reversed.to = Some(d(2020, 8, 1));
    valid(&timeline(&reversed, &w), "reversed period");
}

// ---- patterns ---------------------------------------------------------------------------

fn cell(key: &str, label: &str, count: Option<u32>) -> Cell {
    Cell { key: key.into(), label: label.into(), count }
}

fn sample_series() -> Series {
    Series {
        dimension: "act_type".into(),
        incidents: vec![cell("torture", "", Some(40)), cell("beating", "", Some(12)), cell("rape", "", None)],
        victims: vec![cell("torture", "", Some(31)), cell("beating", "", None), cell("threats", "", Some(6))],
    }
}

#[test]
fn series_draws_counts_and_withheld_stubs() {
    for w in each_words() {
        valid(&series(&sample_series(), 5, &w), "series");
    }
    let svg = series(&sample_series(), 5, &words(Language::En, true));
    assert!(svg.contains("act_type:torture") && svg.contains(">40<") && svg.contains(">31<"));
    assert!(svg.contains("&lt;5") && svg.contains("withheld: fewer than 5"));
    assert!(svg.contains("-grey)"), "withheld stubs are hatched");
    let facilities = Series {
        dimension: "facility".into(),
        incidents: vec![cell(&id(3).to_string(), NASTY, Some(3))],
        victims: vec![],
    };
    let svg = series(&facilities, 3, &words(Language::En, true));
    valid(&svg, "facility series");
    assert!(svg.contains(&format!("/places/{}", id(3))));
}

#[test]
fn odd_series_draw_without_panicking() {
    let w = words(Language::En, true);
    let empty = Series { dimension: "week".into(), incidents: vec![], victims: vec![] };
    assert!(series(&empty, 5, &w).contains("Nothing to count"));
    let withheld = Series {
        dimension: "week".into(),
        incidents: vec![cell("2020-W33", "2020-W33", None)],
        victims: vec![],
    };
    let svg = series(&withheld, 5, &w);
    valid(&svg, "all withheld");
    assert!(svg.contains("Every count is withheld"));
    let many = Series {
        dimension: "week".into(),
        incidents: (0..400).map(|i| cell(&format!("2020-W{i}"), &format!("2020-W{i}"), Some(i))).collect(),
        victims: vec![cell("blank", "", Some(u32::MAX))],
    };
    let svg = series(&many, 0, &w);
    valid(&svg, "many weeks");
    assert!(svg.contains("and 201 more"));
}

fn sample_matrix() -> Matrix {
    Matrix {
        rows: vec![
            cell("beating", "", None),
            cell("electric_shock", "", None),
            cell("blank", "Stress positions", None),
        ],
        columns: vec![cell(&id(1).to_string(), "Okrestina", None), cell(&id(2).to_string(), NASTY, None)],
        cells: vec![vec![Some(25), Some(9)], vec![None, Some(0)], vec![Some(3)]],
    }
}

#[test]
fn the_heat_chart_writes_every_number_and_hatches_withheld_cells() {
    for w in each_words() {
        valid(&matrix(&sample_matrix(), 3, &w), "matrix");
    }
    let svg = matrix(&sample_matrix(), 3, &words(Language::En, true));
    assert!(svg.contains(">25<") && svg.contains(">9<") && svg.contains(">&lt;3<"));
    assert!(svg.contains("-grey)") && svg.contains("Stress positions"));
    assert!(svg.contains("torture_method:electric_shock"));
}

#[test]
fn odd_heat_charts_draw_without_panicking() {
    let w = words(Language::Ru, true);
    let empty = Matrix { rows: vec![], columns: vec![], cells: vec![] };
    valid(&matrix(&empty, 3, &w), "empty matrix");
    let withheld = Matrix {
        rows: vec![cell("a", "", None)],
        columns: vec![cell("b", "B", None)],
        cells: vec![vec![None]],
    };
    let svg = matrix(&withheld, 3, &w);
    valid(&svg, "withheld matrix");
    assert!(svg.contains("Все числа скрыты"));
    let big = Matrix {
        rows: (0..250).map(|i| cell(&format!("m{i}"), "", None)).collect(),
        columns: (0..150).map(|i| cell(&format!("f{i}"), &format!("Facility {i}"), None)).collect(),
        cells: (0..250).map(|r| (0..150).map(|c| Some((r * c) % 17)).collect()).collect(),
    };
    let svg = matrix(&big, 3, &words(Language::En, true));
    valid(&svg, "big matrix");
    assert!(svg.contains("50 × 50"));
}

// ---- map --------------------------------------------------------------------------------

fn point(n: u128, name: &str, lat: f64, lon: f64, incidents: u32) -> MapPoint {
    MapPoint {
        place_id: id(n),
        case_id: id(9),
        name: name.into(),
        place_type: "detention_facility".into(),
        latitude: lat,
        longitude: lon,
        incidents,
    }
}

/// The radius of the circle drawn for a place.
fn radius_of(svg: &str, place: u128) -> f64 {
    let at = svg.find(&format!("/places/{}\"", id(place))).unwrap();
    attr(&svg[at..at + svg[at..].find("<title>").unwrap()], "r")
}

#[test]
fn the_map_draws_land_and_sizes_places_by_incidents() {
    let m = PlaceMap {
        points: vec![
            point(1, "Okrestina", 53.87, 27.45, 120),
            point(2, "Zhodino", 54.10, 28.33, 30),
            point(3, "Akrestsina annex", 53.88, 27.46, 2),
        ],
        without_coordinates: 4,
    };
    for w in each_words() {
        valid(&map(&m, &w), "map");
    }
    let svg = map(&m, &words(Language::En, true));
    assert!(radius_of(&svg, 1) > radius_of(&svg, 2) && radius_of(&svg, 2) > radius_of(&svg, 3));
    assert!(svg.contains("<path d=\"M") && svg.contains("Natural Earth"), "land is drawn and credited");
    assert!(svg.contains("places without coordinates, not drawn: 4"));
    assert!(svg.contains(" km<"), "a scale bar");
    assert!(svg.len() < 200_000, "the clipped outline stays small: {}", svg.len());
}

#[test]
fn odd_maps_draw_without_panicking() {
    let w = words(Language::En, true);
    let empty = PlaceMap { points: vec![], without_coordinates: 3 };
    let svg = map(&empty, &w);
    valid(&svg, "empty map");
    assert!(svg.contains("No places with coordinates") && svg.contains(": 3"));
    let one = PlaceMap { points: vec![point(1, NASTY, 53.9, 27.56, 1)], without_coordinates: 0 };
    valid(&map(&one, &w), "one point");
    let corners = PlaceMap {
        points: vec![
            point(1, "N", 90.0, 180.0, 5),
            point(2, "S", -90.0, -180.0, 0),
            point(3, "bad", f64::NAN, 500.0, 9),
        ],
        without_coordinates: 0,
    };
    let svg = map(&corners, &w);
    valid(&svg, "corners");
    assert!(
        svg.contains("places without coordinates, not drawn: 1"),
        "a bad coordinate is counted, not drawn"
    );
    let pole = PlaceMap { points: vec![point(1, "Pole", 90.0, 0.0, 1)], without_coordinates: 0 };
    valid(&map(&pole, &w), "pole");
    let many = PlaceMap {
        points: (0..700)
            .map(|i| {
                point(i, &format!("P{i}"), f64::from(i as u32 % 90), f64::from(i as u32 % 180), i as u32)
            })
            .collect(),
        without_coordinates: 0,
    };
    let svg = map(&many, &w);
    valid(&svg, "many points");
    assert!(svg.contains("and 200 more"));
}

// ---- corroboration strengths -----------------------------------------------------------

#[test]
fn strengths_draw_five_labelled_bars() {
    let c = Corroboration {
        links: vec![],
        totals: vec![
            StrengthCount { strength: Strength::Corroborated, links: 12 },
            StrengthCount { strength: Strength::SingleSource, links: 7 },
            StrengthCount { strength: Strength::Contradicted, links: 1 },
        ],
    };
    for w in each_words() {
        valid(&strengths(&c, &w), "strengths");
    }
    let svg = strengths(&c, &words(Language::En, true));
    for word in
        ["corroborated", "single source", "hearsay only", "contradicted", "unsupported", ">12<", ">7<"]
    {
        assert!(svg.contains(word), "{word}");
    }
    let none = Corroboration { links: vec![], totals: vec![] };
    let svg = strengths(&none, &words(Language::Ru, false));
    valid(&svg, "no links");
    assert!(svg.contains("Нет связей"));
}

#[test]
fn every_caption_has_both_languages() {
    use Caption::*;
    for c in [
        AndMore,
        Withheld,
        Incidents,
        Victims,
        CommandTitle,
        CommandCounts,
        Commander,
        ParentMissing,
        NoUnits,
        CommandIncidents,
        Possibly,
        OpenEnd,
        TimelineTitle,
        ExactDate,
        SpanDate,
        EstimatedDate,
        Detention,
        TestimonyTaken,
        Testimonies,
        Undated,
        NoDatedIncidents,
        Time,
        PerWeek,
        PerFacility,
        PerActType,
        PerMethod,
        PerUnit,
        PerOther,
        NothingToCount,
        AllWithheld,
        MatrixTitle,
        Method,
        Facility,
        MapTitle,
        NoPlaces,
        WithoutCoordinates,
        LandSource,
        Kilometres,
        StrengthsTitle,
        Links,
        NoLinks,
        Corroborated,
        SingleSource,
        HearsayOnly,
        Contradicted,
        Unsupported,
    ] {
        let (en, ru) = (caption(Language::En, c), caption(Language::Ru, c));
        assert!(!en.is_empty() && !ru.is_empty(), "{c:?}");
        assert_eq!(en.contains("{n}"), ru.contains("{n}"), "{c:?}");
    }
}
