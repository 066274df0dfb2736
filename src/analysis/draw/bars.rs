//! Horizontal bar charts: a pattern series (incidents and victims per category, the small
//! multiples of the patterns page) and the links of a corroboration table per strength.
//! Labels on the left, the count written at the end of each bar, withheld counts drawn as
//! a hatched stub marked "<N".

use std::fmt::Write as _;

use super::svg::{self, ACCENT, BAD, INK, LINE, MUTED, OK, Svg, WARN, fill, fit, text_width};
use super::{Caption, Words, caption};
use crate::analysis::model::{Cell, Corroboration, Series, Strength};

const W: f64 = 420.0;
const PAD: f64 = 12.0;
const LABEL_W: f64 = 130.0;
const MAX_ROWS: usize = 200;

/// One row: its label, link, and up to two counts (`None` inside: withheld).
struct Row {
    label: String,
    href: Option<String>,
    first: Option<Option<u32>>,
    second: Option<Option<u32>>,
    fill: &'static str,
}

pub fn series(s: &Series, min_count: u32, w: &Words) -> String {
    let title = w.c(super::series_title(&s.dimension));
    if s.incidents.is_empty() && s.victims.is_empty() {
        return svg::message("series", title, w.c(Caption::NothingToCount), "");
    }
    if s.incidents.iter().chain(&s.victims).all(|c| c.count.is_none()) {
        return svg::message("series", title, &fill(w.c(Caption::AllWithheld), min_count), "");
    }
    let mut rows: Vec<Row> = s
        .incidents
        .iter()
        .map(|c| Row {
            label: cell_label(&s.dimension, c, w),
            href: href(&s.dimension, &c.key),
            first: Some(c.count),
            second: s.victims.iter().find(|v| v.key == c.key).map(|v| v.count),
            fill: ACCENT,
        })
        .collect();
    for v in s.victims.iter().filter(|v| !s.incidents.iter().any(|c| c.key == v.key)) {
        rows.push(Row {
            label: cell_label(&s.dimension, v, w),
            href: href(&s.dimension, &v.key),
            first: None,
            second: Some(v.count),
            fill: ACCENT,
        });
    }
    let two = !s.victims.is_empty();
    let mut legend = vec![(Legend::Solid(ACCENT), w.c(Caption::Incidents).to_owned())];
    if two {
        legend.push((Legend::Outline, w.c(Caption::Victims).to_owned()));
    }
    if rows.iter().any(|r| r.first == Some(None) || r.second == Some(None)) {
        legend.push((Legend::Withheld, fill(w.c(Caption::Withheld), min_count)));
    }
    let desc = describe(title, &rows, w, two, min_count);
    chart("series", title, &desc, &rows, &legend, two, min_count, w)
}

pub fn strengths(c: &Corroboration, w: &Words) -> String {
    let title = w.c(Caption::StrengthsTitle);
    let count = |s: Strength| -> u32 {
        match c.totals.iter().find(|t| t.strength == s) {
            Some(t) => t.links,
            None if c.totals.is_empty() => c.links.iter().filter(|l| l.strength == s).count() as u32,
            None => 0,
        }
    };
    let rows: Vec<Row> = Strength::ALL
        .iter()
        .map(|&s| Row {
            label: w.c(super::strength(s)).to_owned(),
            href: None,
            first: Some(Some(count(s))),
            second: None,
            fill: match s {
                Strength::Corroborated => OK,
                Strength::SingleSource => ACCENT,
                Strength::HearsayOnly => WARN,
                Strength::Contradicted => BAD,
                Strength::Unsupported => MUTED,
            },
        })
        .collect();
    if rows.iter().all(|r| r.first == Some(Some(0))) {
        return svg::message("strengths", title, w.c(Caption::NoLinks), "");
    }
    let desc = describe(title, &rows, w, false, 0);
    chart("strengths", title, &desc, &rows, &[], false, 0, w)
}

enum Legend {
    Solid(&'static str),
    Outline,
    Withheld,
}

#[allow(clippy::too_many_arguments)]
fn chart(
    kind: &'static str,
    title: &str,
    desc: &str,
    rows: &[Row],
    legend: &[(Legend, String)],
    two: bool,
    min_count: u32,
    w: &Words,
) -> String {
    let mut g = Svg::new(kind, W, title, desc);
    g.text(PAD, 22.0, 15.0, "start", r#"font-weight="600""#, &fit(title, W - 2.0 * PAD, 15.0));
    let mut y = 32.0;
    let mut x = PAD;
    for (i, (kind, text)) in legend.iter().enumerate() {
        let item = 18.0 + text_width(text, 12.0) + 16.0;
        if i > 0 && x + item > W - PAD {
            x = PAD;
            y += 18.0;
        }
        match kind {
            Legend::Solid(c) => g.rect(x, y + 2.0, 12.0, 10.0, &format!(r#"fill="{c}""#)),
            Legend::Outline => g.rect(x, y + 2.0, 12.0, 10.0, &format!(r##"fill="#ffffff" stroke="{INK}""##)),
            Legend::Withheld => {
                g.rect(x, y + 2.0, 12.0, 10.0, &format!(r#"fill="{}" stroke="{MUTED}""#, svg::grey_hatch()))
            }
        }
        g.text(x + 17.0, y + 11.5, 12.0, "start", "", text);
        x += item;
    }
    if !legend.is_empty() {
        y += 24.0;
    }
    let shown = &rows[..rows.len().min(MAX_ROWS)];
    let max = shown.iter().flat_map(|r| [r.first, r.second]).flatten().flatten().max().unwrap_or(0).max(1);
    let x0 = PAD + LABEL_W + 8.0;
    let span = W - PAD - x0 - text_width("00000", 11.0);
    let row_h = if two { 30.0 } else { 22.0 };
    g.line(x0, y - 2.0, x0, y + row_h * shown.len() as f64, &format!(r#"stroke="{LINE}""#));
    for row in shown {
        let tip = row_tip(row, w, two, min_count);
        match &row.href {
            Some(h) if w.links => g.open_link(true, h),
            _ => g.open_link(false, ""),
        }
        g.tip(&tip);
        g.text(x0 - 8.0, y + 13.0, 12.0, "end", "", &fit(&row.label, LABEL_W, 12.0));
        if let Some(c) = row.first {
            bar(&mut g, x0, y + 3.0, 12.0, c, max, span, Some(row.fill), min_count);
        }
        if let Some(c) = row.second {
            bar(&mut g, x0, y + 17.0, 9.0, c, max, span, None, min_count);
        }
        g.close_link(w.links && row.href.is_some());
        y += row_h;
    }
    y += 6.0;
    y += g.and_more(PAD, y, w.c(Caption::AndMore), rows.len() - shown.len());
    g.height = y + PAD;
    g.finish()
}

/// One bar: solid in `fill`, or outlined when `fill` is `None`; a hatched stub when withheld.
#[allow(clippy::too_many_arguments)]
fn bar(
    g: &mut Svg,
    x0: f64,
    y: f64,
    h: f64,
    count: Option<u32>,
    max: u32,
    span: f64,
    fill: Option<&str>,
    min: u32,
) {
    match count {
        None => {
            g.rect(
                x0,
                y,
                14.0,
                h,
                &format!(r#"fill="{}" stroke="{MUTED}" stroke-width="0.8""#, svg::grey_hatch()),
            );
            g.text(x0 + 18.0, y + h - 1.0, 11.0, "start", &format!(r#"fill="{MUTED}""#), &format!("<{min}"));
        }
        Some(c) => {
            let len = if c == 0 { 0.0 } else { (f64::from(c) / f64::from(max) * span).max(2.0) };
            let attrs = match fill {
                Some(f) => format!(r#"fill="{f}""#),
                None => format!(r##"fill="#ffffff" stroke="{INK}" stroke-width="1""##),
            };
            if len > 0.0 {
                g.rect(x0, y, len, h, &attrs);
            }
            g.text(x0 + len + 4.0, y + h - 1.0, 11.0, "start", "", &c.to_string());
        }
    }
}

fn cell_label(dimension: &str, c: &Cell, w: &Words) -> String {
    match dimension {
        "act_type" => w.code("act_type", &c.key),
        "method" => w.code("torture_method", &c.key),
        _ if c.label.trim().is_empty() => c.key.clone(),
        _ => c.label.clone(),
    }
}

fn href(dimension: &str, key: &str) -> Option<String> {
    let id = uuid::Uuid::parse_str(key).ok()?;
    match dimension {
        "facility" => Some(format!("/places/{id}")),
        "unit" => Some(format!("/units/{id}")),
        _ => None,
    }
}

fn count_text(c: Option<u32>, min: u32) -> String {
    c.map_or_else(|| format!("<{min}"), |c| c.to_string())
}

fn row_tip(row: &Row, w: &Words, two: bool, min: u32) -> String {
    let mut tip = row.label.clone();
    if let Some(c) = row.first {
        let _ = write!(tip, ": {} {}", w.c(Caption::Incidents), count_text(c, min));
    }
    if let (true, Some(c)) = (two, row.second) {
        let _ = write!(tip, "; {} {}", w.c(Caption::Victims), count_text(c, min));
    }
    tip
}

/// What a screen reader hears: the title and the first rows.
fn describe(title: &str, rows: &[Row], w: &Words, two: bool, min: u32) -> String {
    let mut d = format!("{title}.");
    for row in rows.iter().take(12) {
        let _ = write!(d, " {}.", row_tip(row, w, two, min));
    }
    if rows.len() > 12 {
        let _ = write!(d, " {}", fill(caption(w.language, Caption::AndMore), rows.len() - 12));
    }
    d
}
