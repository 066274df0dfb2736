//! The body diagram: front and back outlines side by side, each mark drawn where the
//! clinician put it (x, y within the outline) or else at its region's fixed anchor,
//! labelled with its finding's label; below them, the same marks as a table (finding,
//! region, view, consistency), so nothing depends on reading the drawing. A pure
//! function to a self-contained SVG (no script, no external reference, presentation
//! attributes only) that scales to a phone; `analysis::draw::check::check_svg` accepts it.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::model::{BodyView, EvaluationContent};
use crate::analysis::draw::Language;
use crate::analysis::draw::svg::{esc, n};

/// One outline's box, in the picture's units.
const BOX_W: f64 = 180.0;
const BOX_H: f64 = 400.0;
const MARGIN: f64 = 20.0;
const GAP: f64 = 40.0;
const WIDTH: f64 = MARGIN * 2.0 + BOX_W * 2.0 + GAP;
const TOP: f64 = 40.0;
const ROW: f64 = 22.0;
const INK: &str = "#1d2125";
const MUTED: &str = "#4d565f";
const LINE: &str = "#8a949e";
const WASH: &str = "#f3f5f7";
const ACCENT: &str = "#1f5f8b";
const ACCENT_LIGHT: &str = "#c9dbe8";
const FONT: &str = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif";

/// The words a diagram needs: its language and the labels of vocabulary codes
/// (`(vocabulary, code)` → label; the code itself when there is none).
pub struct Words {
    pub language: Language,
    pub labels: HashMap<(String, String), String>,
}

impl Words {
    fn code(&self, vocabulary: &str, code: &str) -> String {
        self.labels.get(&(vocabulary.to_owned(), code.to_owned())).cloned().unwrap_or_else(|| code.to_owned())
    }

    fn t(&self, en: &'static str, ru: &'static str) -> &'static str {
        match self.language {
            Language::En => en,
            Language::Ru => ru,
        }
    }

    pub fn view(&self, view: BodyView) -> &'static str {
        match view {
            BodyView::Front => self.t("Front", "Спереди"),
            BodyView::Back => self.t("Back", "Сзади"),
        }
    }
}

/// Where a region's mark goes when the clinician gave no point: `(x, y)` within the
/// outline's box of the view, in its units. Left and right are the person's: on the
/// front view the person's right is on the viewer's left; on the back, on the right.
pub fn anchor(region: &str, view: BodyView) -> (f64, f64) {
    let centre = BOX_W / 2.0;
    let (side, offset, y) = match region {
        "head" => (0.0, 0.0, 20.0),
        "face" => (0.0, 0.0, 32.0),
        "neck" => (0.0, 0.0, 56.0),
        "chest" | "upper_back" => (0.0, 0.0, 92.0),
        "abdomen" | "lower_back" => (0.0, 0.0, 150.0),
        "pelvis_genitals" | "buttocks" => (0.0, 0.0, 196.0),
        r => {
            let side = if r.starts_with("left_") {
                1.0
            } else if r.starts_with("right_") {
                -1.0
            } else {
                0.0
            };
            let part = r.trim_start_matches("left_").trim_start_matches("right_");
            let (offset, y) = match part {
                "shoulder" => (34.0, 68.0),
                "upper_arm" => (47.0, 112.0),
                "forearm" => (55.0, 180.0),
                "wrist_hand" => (62.0, 232.0),
                "thigh" => (19.0, 245.0),
                "knee" => (19.0, 292.0),
                "lower_leg" => (19.0, 332.0),
                "foot" => (21.0, 378.0),
                // A term an administrator added: the middle of the outline.
                _ => (0.0, 200.0),
            };
            (side, offset, y)
        }
    };
    let mirror = if view == BodyView::Back { -1.0 } else { 1.0 };
    (centre + side * offset * mirror, y)
}

/// The outline of a body facing the viewer (and, the same shape, from behind): the
/// right half of the silhouette in the box's units, mirrored for the left.
const HALF: &[(f64, f64)] = &[
    (98.0, 46.0),
    (99.0, 58.0),
    (128.0, 64.0),
    (140.0, 78.0),
    (146.0, 140.0),
    (152.0, 204.0),
    (160.0, 240.0),
    (148.0, 246.0),
    (140.0, 210.0),
    (132.0, 150.0),
    (126.0, 104.0),
    (124.0, 150.0),
    (128.0, 194.0),
    (122.0, 290.0),
    (118.0, 360.0),
    (126.0, 388.0),
    (96.0, 390.0),
    (98.0, 360.0),
    (98.0, 290.0),
    (92.0, 214.0),
];

fn outline_path(x0: f64, y0: f64) -> String {
    let mut points: Vec<(f64, f64)> = HALF.to_vec();
    points.extend(HALF.iter().rev().map(|&(x, y)| (BOX_W - x, y)));
    let mut d = String::new();
    for (i, (x, y)) in points.iter().enumerate() {
        let _ = write!(d, "{}{} {} ", if i == 0 { "M" } else { "L" }, n(x0 + x), n(y0 + y));
    }
    d.push('Z');
    d
}

/// The picture, in `words.language`.
pub fn draw(content: &EvaluationContent, words: &Words) -> String {
    let consistency: HashMap<&str, &str> =
        content.findings.iter().map(|f| (f.label.as_str(), f.consistency.as_str())).collect();
    let rows = content.body_marks.len();
    let table_top = TOP + BOX_H + 30.0;
    let height = table_top + ROW * (rows as f64 + 1.0) + 16.0;
    let title = words.t("Body diagram", "Схема тела");
    let desc = format!(
        "{} {}",
        rows,
        words.t(
            "marks on the front and back outlines, listed in the table below the outlines.",
            "отметок на схеме тела спереди и сзади; они же перечислены в таблице под схемой."
        )
    );
    let mut body = String::new();
    for (i, view) in [BodyView::Front, BodyView::Back].into_iter().enumerate() {
        let x0 = MARGIN + i as f64 * (BOX_W + GAP);
        let _ = write!(
            body,
            r#"<text x="{}" y="{}" font-size="14" font-weight="600" text-anchor="middle">{}</text>"#,
            n(x0 + BOX_W / 2.0),
            n(TOP - 14.0),
            esc(words.view(view))
        );
        let _ = write!(
            body,
            r#"<circle cx="{}" cy="{}" r="20" fill="{WASH}" stroke="{LINE}" stroke-width="1.5"/><path d="{}" fill="{WASH}" stroke="{LINE}" stroke-width="1.5" stroke-linejoin="round"/>"#,
            n(x0 + BOX_W / 2.0),
            n(TOP + 26.0),
            outline_path(x0, TOP)
        );
        if view == BodyView::Back {
            // The spine, so the back is told from the front at a glance.
            let _ = write!(
                body,
                r#"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="{LINE}" stroke-dasharray="4 4"/>"#,
                n(TOP + 60.0),
                n(TOP + 200.0),
                x = n(x0 + BOX_W / 2.0)
            );
        }
    }
    // Marks at one point are spread sideways so each label stays readable.
    let mut taken: HashMap<(i64, i64), usize> = HashMap::new();
    for m in &content.body_marks {
        let x0 = MARGIN + if m.view == BodyView::Back { BOX_W + GAP } else { 0.0 };
        let (x, y) = match (m.x, m.y) {
            (Some(x), Some(y)) if x.is_finite() && y.is_finite() => {
                (f64::from(x.clamp(0.0, 1.0)) * BOX_W, f64::from(y.clamp(0.0, 1.0)) * BOX_H)
            }
            _ => anchor(&m.region, m.view),
        };
        let (mut x, y) = (x0 + x, TOP + y);
        let count = taken.entry(((x / 4.0).round() as i64, (y / 4.0).round() as i64)).or_insert(0);
        let k = *count as f64;
        *count += 1;
        x += if (*count).is_multiple_of(2) { k * 11.0 } else { -k * 11.0 };
        let label = fit(&m.finding, 4);
        let _ = write!(
            body,
            r#"<g><title>{} — {} ({})</title><circle cx="{}" cy="{}" r="11" fill="{ACCENT_LIGHT}" stroke="{ACCENT}" stroke-width="2"/><text x="{}" y="{}" font-size="10" font-weight="700" text-anchor="middle" fill="{ACCENT}">{}</text></g>"#,
            esc(&m.finding),
            esc(&words.code("body_region", &m.region)),
            esc(words.view(m.view)),
            n(x),
            n(y),
            n(x),
            n(y + 3.5),
            esc(&label)
        );
    }
    // The table: the same marks in words.
    let cols = [MARGIN, MARGIN + 60.0, MARGIN + 200.0, MARGIN + 270.0];
    let heads = [
        words.t("Finding", "Находка"),
        words.t("Region", "Область"),
        words.t("View", "Вид"),
        words.t("Consistency", "Соответствие"),
    ];
    for (x, h) in cols.iter().zip(heads) {
        let _ = write!(
            body,
            r#"<text x="{}" y="{}" font-size="12" font-weight="600" fill="{MUTED}">{}</text>"#,
            n(*x),
            n(table_top),
            esc(h)
        );
    }
    let _ = write!(
        body,
        r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{LINE}"/>"#,
        n(MARGIN),
        n(table_top + 6.0),
        n(WIDTH - MARGIN),
        n(table_top + 6.0)
    );
    for (i, m) in content.body_marks.iter().enumerate() {
        let y = table_top + ROW * (i as f64 + 1.0);
        let degree =
            consistency.get(m.finding.as_str()).map(|c| words.code("consistency", c)).unwrap_or_default();
        let cells = [
            fit(&m.finding, 8),
            fit(&words.code("body_region", &m.region), 20),
            words.view(m.view).to_owned(),
            fit(&degree, 18),
        ];
        for (x, cell) in cols.iter().zip(cells) {
            let _ = write!(body, r#"<text x="{}" y="{}" font-size="12">{}</text>"#, n(*x), n(y), esc(&cell));
        }
    }
    let mut out = String::with_capacity(body.len() + 800);
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="body-diagram" viewBox="0 0 {w} {h}" width="100%" data-width="{w}" role="img" aria-labelledby="body-diagram-t body-diagram-d" font-family="{FONT}" font-size="13" fill="{INK}"><title id="body-diagram-t">{}</title><desc id="body-diagram-d">{}</desc><rect width="{w}" height="{h}" fill="#ffffff"/>"##,
        esc(title),
        esc(&desc),
        w = n(WIDTH),
        h = n(height),
    );
    out.push_str(&body);
    out.push_str("</svg>");
    out
}

/// At most `max` characters, ending in "…" when cut.
fn fit(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::draw::check::check_svg;
    use crate::medical::model::{BodyMark, Clinician, Conclusions, Consistency, Finding};

    fn content(marks: Vec<BodyMark>) -> EvaluationContent {
        EvaluationContent {
            language: "en".into(),
            case_information: Default::default(),
            clinician: Clinician { name: "Dr A".into(), ..Default::default() },
            background: String::new(),
            allegations: Default::default(),
            physical_symptoms: String::new(),
            general_appearance: String::new(),
            examination: vec![],
            psychological: None,
            diagnostic_tests: String::new(),
            consultations: String::new(),
            findings: vec![Finding {
                label: "F1<&>".into(),
                system: "skin".into(),
                description: "bruise".into(),
                methods: vec!["beating".into()],
                consistency: Consistency::TypicalOf,
            }],
            body_marks: marks,
            conclusions: Conclusions {
                physical_interpretation: String::new(),
                psychological_interpretation: String::new(),
                overall_opinion: Consistency::Consistent,
                statement: String::new(),
                recommendations: String::new(),
            },
            correction_reason: String::new(),
        }
    }

    fn mark(view: BodyView, region: &str, at: Option<(f32, f32)>) -> BodyMark {
        BodyMark {
            view,
            region: region.into(),
            finding: "F1<&>".into(),
            x: at.map(|a| a.0),
            y: at.map(|a| a.1),
        }
    }

    #[test]
    fn the_diagram_is_a_checked_picture_in_both_languages() {
        let c = content(vec![
            mark(BodyView::Front, "left_forearm", None),
            mark(BodyView::Back, "buttocks", Some((0.5, 0.5))),
            mark(BodyView::Back, "buttocks", None),
            mark(BodyView::Back, "buttocks", None),
        ]);
        for language in [Language::En, Language::Ru] {
            let svg = draw(&c, &Words { language, labels: HashMap::new() });
            check_svg(&svg).unwrap_or_else(|e| panic!("{e}: {svg}"));
            assert_eq!(svg.matches("<circle").count(), 2 + 4, "two heads and four marks");
            assert!(svg.contains("F1&lt;&amp;&gt;"));
        }
        check_svg(&draw(&content(vec![]), &Words { language: Language::En, labels: HashMap::new() }))
            .unwrap();
    }

    #[test]
    fn left_and_right_are_the_persons_on_each_view() {
        let (front_left, _) = anchor("left_forearm", BodyView::Front);
        let (back_left, _) = anchor("left_forearm", BodyView::Back);
        let (front_right, _) = anchor("right_forearm", BodyView::Front);
        assert!(front_left > BOX_W / 2.0 && back_left < BOX_W / 2.0 && front_right < BOX_W / 2.0);
        for region in ["head", "chest", "lower_back", "left_foot", "right_wrist_hand", "someone_elses"] {
            let (x, y) = anchor(region, BodyView::Front);
            assert!((0.0..=BOX_W).contains(&x) && (0.0..=BOX_H).contains(&y), "{region}");
        }
    }
}
