//! The timeline: a strip per facility or unit, the incidents on it drawn over the days
//! their dates can mean. An exact day is a narrow solid bar; a month or a year is an
//! outlined light span over the whole period; an estimate is hatched; a detention is a
//! taller dashed band behind the acts. Testimonies taken are triangles on their own strip
//! at the bottom. The axis is the period asked for, or else the span of the incidents.

use std::fmt::Write as _;

use chrono::NaiveDate;

use super::axis::ticks;
use super::svg::{self, ACCENT, ACCENT_LIGHT, INK, LINE, MUTED, Svg, WASH, fill, fit, n, text_width};
use super::{Caption, Words};
use crate::analysis::model::{Bar, LaneBy, Timeline};
use crate::cases::validate::Precision;

const W: f64 = 560.0;
const PAD: f64 = 12.0;
const MAX_LANES: usize = 200;
const MAX_BARS: usize = 5000;
const MAX_MARKS: usize = 2000;
const ROW: f64 = 12.0;
const MAX_ROWS: usize = 4;

/// The period on the axis and its mapping to x.
struct Scale {
    from: NaiveDate,
    to: NaiveDate,
    x0: f64,
    x1: f64,
}

impl Scale {
    fn days(&self) -> f64 {
        ((self.to - self.from).num_days() + 1) as f64
    }

    /// The left edge of `d`.
    fn x(&self, d: NaiveDate) -> f64 {
        self.x0 + (d - self.from).num_days() as f64 / self.days() * (self.x1 - self.x0)
    }

    /// The x range of the days `first..=last`, clipped to the axis; `None` when outside.
    fn range(&self, first: NaiveDate, last: NaiveDate) -> Option<(f64, f64)> {
        let (first, last) = (first.min(last), first.max(last));
        if last < self.from || first > self.to {
            return None;
        }
        let a = self.x(first.max(self.from));
        let b = self.x(last.min(self.to)) + (self.x1 - self.x0) / self.days();
        Some((a, b))
    }
}

pub fn draw(t: &Timeline, w: &Words) -> String {
    let title = w.c(Caption::TimelineTitle);
    let undated = fill(w.c(Caption::Undated), t.undated);
    let bars = t.lanes.iter().flat_map(|l| &l.bars);
    let first = bars.clone().map(|b| b.span.first.min(b.span.last)).min();
    let last = bars.clone().map(|b| b.span.last.max(b.span.first)).max();
    let (Some(first), Some(last)) = (t.from.or(first), t.to.or(last)) else {
        return svg::message(
            "timeline",
            title,
            w.c(Caption::NoDatedIncidents),
            if t.undated > 0 { &undated } else { "" },
        );
    };
    let (mut from, mut to) = (first.min(last), first.max(last));
    if t.from.is_none() && t.to.is_none() && (to - from).num_days() < 6 {
        // A few days alone would fill the width: show at least a week around them.
        let pad = (6 - (to - from).num_days() + 1) / 2;
        from = from.checked_sub_signed(chrono::Duration::days(pad)).unwrap_or(from);
        to = to.checked_add_signed(chrono::Duration::days(pad)).unwrap_or(to);
    }
    let scale = Scale { from, to, x0: PAD + 4.0, x1: W - PAD - 4.0 };
    let visible = bars.clone().filter(|b| scale.range(b.span.first, b.span.last).is_some()).count();
    if visible == 0 {
        return svg::message(
            "timeline",
            title,
            w.c(Caption::NoDatedIncidents),
            if t.undated > 0 { &undated } else { "" },
        );
    }

    let lane_word = match t.lane_by {
        LaneBy::Place => w.c(Caption::Facility),
        LaneBy::Unit => "",
    };
    let desc = format!(
        "{title}: {from} – {to}. {}: {visible}. {}",
        w.c(Caption::Incidents),
        if t.undated > 0 { undated.clone() } else { String::new() }
    );
    let mut g = Svg::new("timeline", W, title, &desc);
    g.text(PAD, 22.0, 15.0, "start", r#"font-weight="600""#, &format!("{title}: {from} – {to}"));
    let mut y = legend(&mut g, 34.0, w);
    let marks_below = !t.marks.is_empty();
    let lanes = &t.lanes[..t.lanes.len().min(MAX_LANES)];
    let top = y;
    y = axis(&mut g, &scale, y, w, true);

    // Lay the lanes out first, so the grid can be drawn behind them.
    let mut body = Svg::new("timeline", W, "", "");
    let mut drawn = 0usize;
    let mut left_out = 0usize;
    for lane in lanes {
        let label = if lane.label.trim().is_empty() { lane_word.to_owned() } else { lane.label.clone() };
        let href = lane.id.map(|id| match t.lane_by {
            LaneBy::Place => format!("/places/{id}"),
            LaneBy::Unit => format!("/units/{id}"),
        });
        body.open_link(w.links && href.is_some(), href.as_deref().unwrap_or(""));
        body.text(PAD, y + 12.0, 12.0, "start", r#"font-weight="600""#, &fit(&label, W - 2.0 * PAD, 12.0));
        body.close_link(w.links && href.is_some());
        y += 16.0;
        let budget = MAX_BARS.saturating_sub(drawn);
        let placed: Vec<(&Bar, f64, f64)> = lane
            .bars
            .iter()
            .filter_map(|b| scale.range(b.span.first, b.span.last).map(|(a, z)| (b, a, z)))
            .take(budget)
            .collect();
        left_out += lane.bars.iter().filter(|b| scale.range(b.span.first, b.span.last).is_some()).count()
            - placed.len();
        drawn += placed.len();
        let rows = pack(&placed);
        let strip = rows.iter().map(|r| r + 1).max().unwrap_or(1) as f64 * ROW + 6.0;
        body.rect(scale.x0, y, scale.x1 - scale.x0, strip, &format!(r#"fill="{WASH}" fill-opacity="0.6""#));
        for (b, a, z) in placed.iter().filter(|(b, ..)| b.detention) {
            draw_bar(&mut body, b, *a, *z, y + 1.0, strip - 2.0, w);
        }
        for ((b, a, z), row) in placed.iter().zip(&rows).filter(|((b, ..), _)| !b.detention) {
            draw_bar(&mut body, b, *a, *z, y + 3.0 + ROW * *row as f64, ROW - 2.0, w);
        }
        y += strip + 8.0;
    }
    if marks_below {
        body.text(PAD, y + 12.0, 12.0, "start", r#"font-weight="600""#, w.c(Caption::Testimonies));
        y += 16.0;
        body.rect(scale.x0, y, scale.x1 - scale.x0, 16.0, &format!(r#"fill="{WASH}" fill-opacity="0.6""#));
        let day = (scale.x1 - scale.x0) / scale.days();
        for m in t.marks.iter().filter(|m| m.date >= scale.from && m.date <= scale.to).take(MAX_MARKS) {
            let x = scale.x(m.date) + day / 2.0;
            body.open_link(w.links, &format!("/testimonies/{}", m.testimony_id));
            let _ = write!(
                body.body,
                r#"<path d="M{} {}l5 9h-10z" fill="{INK}"><title>{}</title></path>"#,
                n(x),
                n(y + 3.0),
                svg::esc(&format!(
                    "{} {} ({}: {})",
                    w.c(Caption::TestimonyTaken),
                    m.date,
                    w.c(Caption::Incidents),
                    m.incidents.len()
                ))
            );
            body.close_link(w.links);
        }
        y += 22.0;
    }
    // The grid behind the lanes, then the lanes, then the axis again below long lists.
    for tick in ticks(scale.from, scale.to, max_labels(), w.language) {
        let x = scale.x(tick.date);
        g.line(x, top + 30.0, x, y - 4.0, &format!(r#"stroke="{LINE}" stroke-width="0.8""#));
    }
    g.push(&body.body);
    if lanes.len() > 6 {
        y = axis(&mut g, &scale, y, w, false);
    }
    let mut notes = Vec::new();
    if t.lanes.len() > lanes.len() {
        notes.push(fill(w.c(Caption::AndMore), t.lanes.len() - lanes.len()));
    }
    let beyond: usize = t.lanes[lanes.len()..].iter().map(|l| l.bars.len()).sum();
    if left_out > 0 {
        notes.push(format!(
            "{}: {}",
            w.c(Caption::Incidents),
            fill(w.c(Caption::AndMore), left_out + beyond)
        ));
    }
    if t.undated > 0 {
        notes.push(undated);
    }
    for note in notes {
        g.text(PAD, y + 14.0, 12.0, "start", &format!(r#"fill="{MUTED}""#), &note);
        y += 18.0;
    }
    g.height = y + PAD;
    g.finish()
}

/// How many tick labels fit across the plot.
fn max_labels() -> usize {
    ((W - 2.0 * PAD) / 62.0) as usize
}

/// The tick labels (and years below them); returns the y below.
fn axis(g: &mut Svg, scale: &Scale, y: f64, w: &Words, top: bool) -> f64 {
    let all = ticks(scale.from, scale.to, max_labels(), w.language);
    g.line(
        scale.x0,
        if top { y + 28.0 } else { y },
        scale.x1,
        if top { y + 28.0 } else { y },
        &format!(r#"stroke="{MUTED}""#),
    );
    for tick in &all {
        let x = scale.x(tick.date);
        let (ly, sy) = if top { (y + 11.0, y + 23.0) } else { (y + 14.0, y + 26.0) };
        g.line(
            x,
            if top { y + 24.0 } else { y },
            x,
            if top { y + 28.0 } else { y + 4.0 },
            &format!(r#"stroke="{MUTED}""#),
        );
        g.text(x + 2.0, ly, 11.0, "start", "", &tick.label);
        if let Some(s) = &tick.second {
            g.text(x + 2.0, sy, 10.0, "start", &format!(r#"fill="{MUTED}""#), s);
        }
    }
    y + 32.0
}

/// Acts to sub-rows, first fit, so that overlapping spans sit one above another; past
/// `MAX_ROWS` an act goes on the row that frees first. Detentions stay on row 0 (bands).
fn pack(placed: &[(&Bar, f64, f64)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..placed.len()).collect();
    order.sort_by(|&a, &b| placed[a].1.total_cmp(&placed[b].1));
    let mut ends: Vec<f64> = Vec::new();
    let mut rows = vec![0; placed.len()];
    for i in order {
        let (b, a, z) = placed[i];
        if b.detention {
            continue;
        }
        let z = z.max(a + 3.0);
        let row = match ends.iter().position(|&e| e + 1.0 < a) {
            Some(r) => r,
            None if ends.len() < MAX_ROWS => {
                ends.push(f64::MIN);
                ends.len() - 1
            }
            None => ends.iter().enumerate().min_by(|x, y| x.1.total_cmp(y.1)).map_or(0, |(r, _)| r),
        };
        ends[row] = ends[row].max(z);
        rows[i] = row;
    }
    rows
}

/// Whether a date's precision leaves a period rather than a day.
fn uncertain(b: &Bar) -> bool {
    let wide = |p: Precision| matches!(p, Precision::Month | Precision::Year | Precision::Unknown);
    wide(b.start.precision) || b.end.as_ref().is_some_and(|e| wide(e.precision))
}

fn estimated(b: &Bar) -> bool {
    b.span.estimated
        || b.start.precision == Precision::Estimate
        || b.end.as_ref().is_some_and(|e| e.precision == Precision::Estimate)
}

fn draw_bar(g: &mut Svg, b: &Bar, a: f64, z: f64, y: f64, h: f64, w: &Words) {
    // At least 3 px wide, centred on its day; wider bars leave a hair's gap to the next.
    let (x, width) = if z - a < 3.0 {
        ((a + z) / 2.0 - 1.5, 3.0)
    } else if z - a > 5.0 {
        (a + 0.5, z - a - 1.0)
    } else {
        (a, z - a)
    };
    let attrs = if b.detention {
        let fill = if estimated(b) { svg::hatch() } else { ACCENT_LIGHT.to_owned() };
        format!(r#"fill="{fill}" fill-opacity="0.7" stroke="{INK}" stroke-width="1" stroke-dasharray="4 2""#)
    } else if estimated(b) {
        format!(r#"fill="{}" stroke="{ACCENT}" stroke-width="1""#, svg::hatch())
    } else if uncertain(b) {
        format!(r#"fill="{ACCENT_LIGHT}" stroke="{ACCENT}" stroke-width="1.2""#)
    } else {
        format!(r#"fill="{ACCENT}""#)
    };
    let kind = if estimated(b) {
        w.c(Caption::EstimatedDate)
    } else if uncertain(b) {
        w.c(Caption::SpanDate)
    } else {
        w.c(Caption::ExactDate)
    };
    let mut tip = w.code("act_type", &b.act_type);
    let _ = write!(tip, " · {}", b.start.date);
    if let Some(e) = &b.end {
        let _ = write!(tip, " – {}", e.date);
    }
    let _ = write!(tip, " ({kind}: {} – {})", b.span.first, b.span.last);
    if b.detention {
        let _ = write!(tip, " · {}", w.c(Caption::Detention));
    }
    g.open_link(w.links, &format!("/incidents/{}", b.incident_id));
    let _ = write!(
        g.body,
        r#"<rect x="{}" y="{}" width="{}" height="{}" {attrs}><title>{}</title></rect>"#,
        n(x),
        n(y),
        n(width),
        n(h),
        svg::esc(&tip)
    );
    g.close_link(w.links);
}

/// The legend: a swatch and its words for each way a date or an act is drawn; returns
/// the y below it.
fn legend(g: &mut Svg, y: f64, w: &Words) -> f64 {
    let items: [(String, &str); 5] = [
        (format!(r#"fill="{ACCENT}""#), w.c(Caption::ExactDate)),
        (format!(r#"fill="{ACCENT_LIGHT}" stroke="{ACCENT}" stroke-width="1.2""#), w.c(Caption::SpanDate)),
        (format!(r#"fill="{}" stroke="{ACCENT}""#, svg::hatch()), w.c(Caption::EstimatedDate)),
        (
            format!(r#"fill="{ACCENT_LIGHT}" fill-opacity="0.7" stroke="{INK}" stroke-dasharray="4 2""#),
            w.c(Caption::Detention),
        ),
        (String::new(), w.c(Caption::TestimonyTaken)),
    ];
    let (mut x, mut y) = (PAD, y);
    for (attrs, text) in items {
        let item = 26.0 + text_width(text, 12.0) + 14.0;
        if x + item > W - PAD {
            x = PAD;
            y += 20.0;
        }
        if attrs.is_empty() {
            let _ = write!(g.body, r#"<path d="M{} {}l5 9h-10z" fill="{INK}"/>"#, n(x + 10.0), n(y + 3.0));
        } else {
            g.rect(x, y + 1.0, 20.0, 12.0, &attrs);
        }
        g.text(x + 26.0, y + 11.5, 12.0, "start", "", text);
        x += item;
    }
    y + 24.0
}
