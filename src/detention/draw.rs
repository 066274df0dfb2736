//! A person's detention history as a picture, drawn on the server with the analysis
//! pictures' frame (`analysis::draw`'s SVG writer and time axis): a strip per facility,
//! each custody period a bar over the days it certainly covers, the days a partial date
//! only may add hatched on either side; hearings as marks on a strip of their own. The
//! table beside it on the page says the same. Pure: no database, no keys.

use chrono::NaiveDate;

use super::durations::{Bounds, EpisodeDates, PeriodDates};
use super::load::to_span;
use super::views::{DetentionHistory, EpisodeView};
use crate::analysis::draw::Language;
use crate::analysis::draw::axis::ticks;
use crate::analysis::draw::svg::{self, ACCENT, LINE, MUTED, Svg, fit, n};

const W: f64 = 760.0;
const LEFT: f64 = 170.0;
const PAD: f64 = 12.0;
const ROW: f64 = 26.0;
const MAX_ROWS: usize = 60;

/// The words a picture says, in the reader's language.
pub struct Words<'a> {
    pub language: Language,
    pub title: &'a str,
    /// What it shows, for a screen reader.
    pub desc: &'a str,
    pub hearings: &'a str,
    pub empty: &'a str,
}

/// The dates of an episode as its view holds them (periods in the view's order).
pub fn dates_of_view(e: &EpisodeView) -> EpisodeDates {
    let pd = |d: &Option<String>, p: crate::cases::validate::Precision| to_span(d.as_deref(), p.as_str());
    EpisodeDates {
        arrest: pd(&e.arrest_date, e.arrest_precision),
        release: pd(&e.release_date, e.release_precision),
        status: e.status,
        periods: e
            .custody_periods
            .iter()
            .map(|p| PeriodDates {
                from: pd(&p.from_date, p.from_precision),
                to: pd(&p.to_date, p.to_precision),
            })
            .collect(),
    }
}

struct Scale {
    from: NaiveDate,
    to: NaiveDate,
}

impl Scale {
    fn x(&self, d: NaiveDate) -> f64 {
        let days = ((self.to - self.from).num_days() + 1).max(1) as f64;
        let at = (d.clamp(self.from, self.to) - self.from).num_days() as f64;
        LEFT + at / days * (W - LEFT - PAD)
    }

    /// The x range of the days `first..=last` (the last day drawn whole).
    fn range(&self, first: NaiveDate, last: NaiveDate) -> (f64, f64) {
        let next = last.succ_opt().unwrap_or(last);
        (self.x(first), self.x(next).max(self.x(first) + 1.5))
    }
}

/// One bar: a facility's row and the bounds of its stay.
struct Bar {
    row: usize,
    bounds: Bounds,
    tip: String,
}

pub fn history(h: &DetentionHistory, w: &Words) -> String {
    let today = h.today;
    let mut rows: Vec<String> = Vec::new();
    let mut bars = Vec::new();
    let mut marks: Vec<(NaiveDate, NaiveDate, String)> = Vec::new();
    for e in &h.episodes {
        let dates = dates_of_view(e);
        for (i, p) in e.custody_periods.iter().enumerate() {
            let row = match rows.iter().position(|r| r == &p.place_name) {
                Some(r) => r,
                None => {
                    rows.push(p.place_name.clone());
                    rows.len() - 1
                }
            };
            let to = p.to_date.as_deref().unwrap_or("…");
            let tip = format!("{}: {} – {}", p.place_name, p.from_date.as_deref().unwrap_or("?"), to);
            bars.push(Bar { row, bounds: dates.period_bounds(i, today), tip });
        }
        for hearing in &e.hearings {
            if let Some(s) = to_span(hearing.held_on.as_deref(), hearing.held_precision.as_str()) {
                let tip = format!("{} {}", hearing.held_on.as_deref().unwrap_or(""), hearing.outcome);
                marks.push((s.first, s.last, tip));
            }
        }
    }
    let days = bars
        .iter()
        .flat_map(|b| {
            [b.bounds.possible_from, b.bounds.certain_from, b.bounds.certain_to, b.bounds.possible_to]
        })
        .chain(marks.iter().flat_map(|m| [Some(m.0), Some(m.1)]))
        .flatten();
    let (Some(from), Some(to)) = (days.clone().min(), days.max()) else {
        return svg::message("detention", w.title, w.empty, "");
    };
    let scale = Scale { from, to };
    rows.truncate(MAX_ROWS);
    let mut s = Svg::new("detention", W, w.title, w.desc);
    let hearing_row = rows.len();
    let height = PAD + (rows.len() + usize::from(!marks.is_empty())) as f64 * ROW;
    for (r, name) in rows.iter().enumerate() {
        let y = PAD + r as f64 * ROW;
        s.line(LEFT, y + ROW, W - PAD, y + ROW, &format!(r#"stroke="{LINE}""#));
        s.text(PAD, y + 17.0, 12.0, "start", "", &fit(name, LEFT - 2.0 * PAD, 12.0));
    }
    for b in bars.iter().filter(|b| b.row < MAX_ROWS) {
        let y = PAD + b.row as f64 * ROW + 6.0;
        draw_bar(&mut s, &scale, b, y, today);
    }
    if !marks.is_empty() {
        let y = PAD + hearing_row as f64 * ROW;
        s.text(PAD, y + 17.0, 12.0, "start", &format!(r#"fill="{MUTED}""#), w.hearings);
        for (first, last, tip) in &marks {
            let (a, b) = scale.range(*first, *last);
            let mid = (a + b) / 2.0;
            s.push(&format!(
                r#"<path d="M{} {} L{} {} L{} {} Z" fill="{ACCENT}"><title>{}</title></path>"#,
                n(mid),
                n(y + 6.0),
                n(mid + 6.0),
                n(y + 18.0),
                n(mid - 6.0),
                n(y + 18.0),
                svg::esc(tip)
            ));
            if first != last {
                s.rect(a, y + 19.0, b - a, 3.0, &format!(r#"fill="{}""#, svg::hatch()));
            }
        }
    }
    let axis_y = height + 4.0;
    s.line(LEFT, axis_y, W - PAD, axis_y, &format!(r#"stroke="{MUTED}""#));
    for t in ticks(from, to, 7, w.language) {
        let x = scale.x(t.date);
        s.line(x, axis_y, x, axis_y + 4.0, &format!(r#"stroke="{MUTED}""#));
        s.text(x, axis_y + 16.0, 11.0, "middle", "", &t.label);
        if let Some(second) = &t.second {
            s.text(x, axis_y + 29.0, 10.0, "middle", &format!(r#"fill="{MUTED}""#), second);
        }
    }
    s.height = axis_y + 36.0;
    s.finish()
}

/// The certain days solid, the days a partial date only may add hatched.
fn draw_bar(s: &mut Svg, scale: &Scale, b: &Bar, y: f64, today: NaiveDate) {
    let bounds = b.bounds;
    let outer_from = bounds.possible_from.or(bounds.certain_from).unwrap_or(scale.from);
    let outer_to = bounds.possible_to.or(bounds.certain_to).unwrap_or(today.min(scale.to));
    let (a, z) = scale.range(outer_from, outer_to);
    s.push("<g>");
    s.tip(&b.tip);
    s.rect(a, y, z - a, 14.0, &format!(r#"fill="{}" stroke="{ACCENT}" stroke-width="0.8""#, svg::hatch()));
    if let (Some(cf), Some(ct)) = (bounds.certain_from, bounds.certain_to)
        && cf <= ct
    {
        let (a, z) = scale.range(cf, ct);
        s.rect(a, y, z - a, 14.0, &format!(r#"fill="{ACCENT}""#));
    }
    s.push("</g>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::draw::check;

    #[test]
    fn an_empty_history_draws_a_message() {
        let h = DetentionHistory {
            person_id: uuid::Uuid::nil(),
            case_id: uuid::Uuid::nil(),
            case_reference: "C-1".into(),
            pseudonym: "V-1".into(),
            episodes: vec![],
            days: Default::default(),
            today: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
        };
        let w = Words { language: Language::En, title: "t", desc: "d", hearings: "h", empty: "nothing" };
        let out = history(&h, &w);
        assert!(out.contains("nothing"));
        check::check_svg(&out).unwrap();
    }
}
