//! The heat chart of torture methods (rows) by facility (columns): a method recurring
//! across facilities shows as a row of shaded cells. Each cell carries its number, so the
//! shade is never the only carrier; withheld cells are hatched and marked "<N".

use std::fmt::Write as _;

use super::svg::{self, INK, LINE, MUTED, Svg, fill, fit, n};
use super::{Caption, Words};
use crate::analysis::model::{Cell, Matrix};

const PAD: f64 = 12.0;
const ROW_LABEL: f64 = 170.0;
const CELL: f64 = 32.0;
const MAX_ROWS: usize = 200;
const MAX_COLUMNS: usize = 100;
/// Light to dark in the accent's hue; the darkest two carry white numbers.
const SHADES: [&str; 6] = ["#ffffff", "#e6eef5", "#c4d7e8", "#93b6d4", "#5086b4", "#1f5f8b"];

pub fn draw(m: &Matrix, min_count: u32, w: &Words) -> String {
    let title = w.c(Caption::MatrixTitle);
    if m.rows.is_empty() || m.columns.is_empty() {
        return svg::message("matrix", title, w.c(Caption::NothingToCount), "");
    }
    let at = |r: usize, c: usize| m.cells.get(r).and_then(|row| row.get(c)).copied().unwrap_or(Some(0));
    let all = (0..m.rows.len()).flat_map(|r| (0..m.columns.len()).map(move |c| (r, c)));
    if all.clone().all(|(r, c)| at(r, c).is_none()) {
        return svg::message("matrix", title, &fill(w.c(Caption::AllWithheld), min_count), "");
    }
    let rows = &m.rows[..m.rows.len().min(MAX_ROWS)];
    let columns = &m.columns[..m.columns.len().min(MAX_COLUMNS)];
    let max = all.filter_map(|(r, c)| at(r, c)).max().unwrap_or(0).max(1);

    let column_label = |c: &Cell| if c.label.trim().is_empty() { c.key.clone() } else { c.label.clone() };
    let row_label = |c: &Cell| {
        let l = w.code("torture_method", &c.key);
        if l == c.key && !c.label.trim().is_empty() { c.label.clone() } else { l }
    };
    let longest = columns
        .iter()
        .map(|c| svg::text_width(&fit(&column_label(c), 130.0, 12.0), 12.0))
        .fold(0.0, f64::max);
    let header = longest * 0.72 + 16.0;
    let grid_w = CELL * columns.len() as f64;
    let width = (PAD + ROW_LABEL + grid_w + header * 0.72 + PAD).max(420.0);

    let desc = describe(title, m, min_count, w);
    let mut g = Svg::new("matrix", width, title, &desc);
    g.text(PAD, 22.0, 15.0, "start", r#"font-weight="600""#, title);
    let mut y = legend(&mut g, 34.0, max, min_count, w, m, width);
    let x0 = PAD + ROW_LABEL;
    y += header;
    g.text(
        x0 - 8.0,
        y - 6.0,
        11.0,
        "end",
        &format!(r#"fill="{MUTED}" font-style="italic""#),
        &format!("{} ↓  {} →", w.c(Caption::Method), w.c(Caption::Facility)),
    );
    for (i, c) in columns.iter().enumerate() {
        let cx = x0 + CELL * i as f64 + CELL / 2.0;
        let label = column_label(c);
        let _ = write!(g.body, "<g><title>{}</title>", svg::esc(&label));
        g.text(
            cx,
            y - 6.0,
            12.0,
            "start",
            &format!(r#"transform="rotate(-45 {} {})""#, n(cx), n(y - 6.0)),
            &fit(&label, 130.0, 12.0),
        );
        g.push("</g>");
    }
    for (r, row) in rows.iter().enumerate() {
        let label = row_label(row);
        let ry = y + CELL * r as f64;
        let _ = write!(g.body, "<g><title>{}</title>", svg::esc(&label));
        g.text(x0 - 8.0, ry + CELL / 2.0 + 4.0, 12.0, "end", "", &fit(&label, ROW_LABEL - 12.0, 12.0));
        g.push("</g>");
        for (i, col) in columns.iter().enumerate() {
            let cx = x0 + CELL * i as f64;
            let v = at(r, i);
            let tip = format!(
                "{label} × {}: {}",
                column_label(col),
                v.map_or_else(|| format!("<{min_count}"), |v| v.to_string())
            );
            g.push("<g>");
            g.tip(&tip);
            match v {
                None => {
                    g.rect(cx, ry, CELL, CELL, &format!(r#"fill="{}" stroke="{LINE}""#, svg::grey_hatch()));
                    g.rect(cx + 5.0, ry + 9.0, CELL - 10.0, 14.0, r##"fill="#ffffff""##);
                    g.text(
                        cx + CELL / 2.0,
                        ry + CELL / 2.0 + 4.0,
                        10.0,
                        "middle",
                        &format!(r#"fill="{MUTED}""#),
                        &format!("<{min_count}"),
                    );
                }
                Some(v) => {
                    let level = shade(v, max);
                    g.rect(cx, ry, CELL, CELL, &format!(r#"fill="{}" stroke="{LINE}""#, SHADES[level]));
                    let ink = if level >= 4 {
                        "#ffffff"
                    } else if v == 0 {
                        MUTED
                    } else {
                        INK
                    };
                    g.text(
                        cx + CELL / 2.0,
                        ry + CELL / 2.0 + 4.0,
                        11.0,
                        "middle",
                        &format!(r#"fill="{ink}""#),
                        &v.to_string(),
                    );
                }
            }
            g.push("</g>");
        }
    }
    y += CELL * rows.len() as f64 + 18.0;
    let hidden_rows = m.rows.len() - rows.len();
    let hidden_columns = m.columns.len() - columns.len();
    if hidden_rows + hidden_columns > 0 {
        let text = format!(
            "{} × {}: {}",
            w.c(Caption::Method),
            w.c(Caption::Facility),
            fill(w.c(Caption::AndMore), format!("{hidden_rows} × {hidden_columns}"))
        );
        g.text(PAD, y, 12.0, "start", &format!(r#"fill="{MUTED}""#), &text);
        y += 18.0;
    }
    g.height = y + PAD - 8.0;
    g.finish()
}

/// 0 for zero, else 1–5 by the share of the largest count.
fn shade(v: u32, max: u32) -> usize {
    if v == 0 { 0 } else { (((f64::from(v) / f64::from(max)) * 5.0).ceil() as usize).clamp(1, 5) }
}

/// The shades with the counts they stand for, and the withheld swatch; returns the y
/// below the legend.
fn legend(g: &mut Svg, y: f64, max: u32, min_count: u32, w: &Words, m: &Matrix, width: f64) -> f64 {
    let mut x = PAD;
    let mut y = y;
    for level in 1..=5u32 {
        let low = ((f64::from(level - 1) / 5.0) * f64::from(max)).floor() as u32 + 1;
        let high = ((f64::from(level) / 5.0) * f64::from(max)).floor() as u32;
        if high < low {
            continue;
        }
        let text = if low == high { low.to_string() } else { format!("{low}–{high}") };
        let item = 20.0 + svg::text_width(&text, 11.0) + 10.0;
        if x + item > width - PAD {
            x = PAD;
            y += 18.0;
        }
        g.rect(x, y + 2.0, 14.0, 12.0, &format!(r#"fill="{}" stroke="{LINE}""#, SHADES[level as usize]));
        g.text(x + 18.0, y + 12.0, 11.0, "start", "", &text);
        x += item;
    }
    if m.cells.iter().flatten().any(Option::is_none) {
        let text = fill(w.c(Caption::Withheld), min_count);
        let item = 20.0 + svg::text_width(&text, 11.0);
        if x + item > width - PAD {
            x = PAD;
            y += 18.0;
        }
        g.rect(x, y + 2.0, 14.0, 12.0, &format!(r#"fill="{}" stroke="{MUTED}""#, svg::grey_hatch()));
        g.text(x + 18.0, y + 12.0, 11.0, "start", "", &text);
    }
    y + 24.0
}

fn describe(title: &str, m: &Matrix, min_count: u32, w: &Words) -> String {
    let mut d = format!("{title}.");
    for (r, row) in m.rows.iter().enumerate().take(10) {
        let label = w.code("torture_method", &row.key);
        let cells: Vec<String> = m
            .columns
            .iter()
            .enumerate()
            .filter_map(|(c, col)| match m.cells.get(r).and_then(|x| x.get(c)).copied().unwrap_or(Some(0)) {
                Some(0) => None,
                Some(v) => Some(format!("{} {v}", col.label)),
                None => Some(format!("{} <{min_count}", col.label)),
            })
            .take(10)
            .collect();
        let _ = write!(d, " {label}: {}.", cells.join(", "));
    }
    d
}
