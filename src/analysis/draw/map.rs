//! The places on an offline map: the land of Natural Earth's 1:110m outline (public
//! domain, bundled as `land-110m.txt`, see `docs/tools/land_outline.py`), projected
//! equirectangular at the view's middle latitude and clipped to a view fitted around the
//! points (at least 4° across, so one place does not zoom to nothing). Facilities are
//! circles whose area follows their incidents, labelled with their names where the
//! labels do not collide; a graticule and a scale bar give distance. Nothing is fetched.

use std::fmt::Write as _;
use std::sync::OnceLock;

use super::svg::{self, ACCENT, INK, LINE, MUTED, Svg, fill, fit, n, text_width};
use super::{Caption, Words};
use crate::analysis::model::{MapPoint, PlaceMap};

const LAND: &str = include_str!("land-110m.txt");
const BORDERS: &str = include_str!("borders-110m.txt");
const W: f64 = 480.0;
const PAD: f64 = 12.0;
const MIN_EXTENT: f64 = 4.0;
const MAX_POINTS: usize = 500;
const R_MAX: f64 = 18.0;
const R_MIN: f64 = 3.5;

type Ring = (Vec<(f64, f64)>, [f64; 4]);

/// The land rings with their bounding boxes (min lon, min lat, max lon, max lat), read
/// once from the bundled text.
fn land() -> &'static [Ring] {
    static LAND_RINGS: OnceLock<Vec<Ring>> = OnceLock::new();
    LAND_RINGS.get_or_init(|| parse(LAND, 3))
}

/// The borders between countries (open lines), read once.
fn borders() -> &'static [Ring] {
    static BORDER_LINES: OnceLock<Vec<Ring>> = OnceLock::new();
    BORDER_LINES.get_or_init(|| parse(BORDERS, 2))
}

/// Lines of "lon,lat lon,lat …" after `#` comment lines; lines with fewer than `min`
/// points are dropped.
fn parse(text: &str, min: usize) -> Vec<Ring> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|line| {
            let points: Vec<(f64, f64)> = line
                .split(' ')
                .filter_map(|p| {
                    let (a, b) = p.split_once(',')?;
                    Some((a.parse().ok()?, b.parse().ok()?))
                })
                .collect();
            let bbox = points.iter().fold([f64::MAX, f64::MAX, f64::MIN, f64::MIN], |b, &(x, y)| {
                [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)]
            });
            (points.len() >= min).then_some((points, bbox))
        })
        .collect()
}

/// The view: a lon/lat box and its mapping to the picture.
struct View {
    lon: (f64, f64),
    lat: (f64, f64),
    kx: f64,
    s: f64,
    x0: f64,
    y0: f64,
}

impl View {
    fn fit(points: &[&MapPoint]) -> (View, f64) {
        let (mut lon0, mut lon1, mut lat0, mut lat1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for p in points {
            lon0 = lon0.min(p.longitude);
            lon1 = lon1.max(p.longitude);
            lat0 = lat0.min(p.latitude);
            lat1 = lat1.max(p.latitude);
        }
        let grow = |a: f64, b: f64| {
            let margin = ((b - a) * 0.15).max((MIN_EXTENT - (b - a)).max(0.0) / 2.0);
            (a - margin, b + margin)
        };
        let (lon0, lon1) = grow(lon0, lon1);
        let (lat0, lat1) = grow(lat0, lat1);
        let (lat0, lat1) = (lat0.max(-90.0), lat1.min(90.0));
        let mid = ((lat0 + lat1) / 2.0).clamp(-75.0, 75.0);
        let kx = mid.to_radians().cos().max(0.25);
        let (wd, hd) = (((lon1 - lon0) * kx).max(0.01), (lat1 - lat0).max(0.01));
        let pw = W - 2.0 * PAD;
        let ph = (pw * hd / wd).clamp(240.0, 600.0);
        let s = (pw / wd).min(ph / hd);
        // Widen the short side so the whole plot is map, at one scale.
        let (cx, cy) = ((lon0 + lon1) / 2.0, (lat0 + lat1) / 2.0);
        let (half_lon, half_lat) = (pw / s / kx / 2.0, ph / s / 2.0);
        let view = View {
            lon: (cx - half_lon, cx + half_lon),
            lat: (cy - half_lat, cy + half_lat),
            kx,
            s,
            x0: PAD,
            y0: 0.0,
        };
        (view, ph)
    }

    fn xy(&self, lon: f64, lat: f64) -> (f64, f64) {
        (self.x0 + (lon - self.lon.0) * self.kx * self.s, self.y0 + (self.lat.1 - lat) * self.s)
    }
}

pub fn draw(m: &PlaceMap, w: &Words) -> String {
    let title = w.c(Caption::MapTitle);
    let without = fill(w.c(Caption::WithoutCoordinates), m.without_coordinates);
    let valid = |p: &&MapPoint| {
        p.latitude.is_finite()
            && p.longitude.is_finite()
            && p.latitude.abs() <= 90.0
            && p.longitude.abs() <= 180.0
    };
    let mut points: Vec<&MapPoint> = m.points.iter().filter(valid).collect();
    if points.is_empty() {
        let detail = if m.without_coordinates > 0 { without.as_str() } else { "" };
        return svg::message("map", title, w.c(Caption::NoPlaces), detail);
    }
    let invalid = m.points.len() - points.len();
    points.sort_by_key(|p| std::cmp::Reverse(p.incidents));
    let hidden = points.len().saturating_sub(MAX_POINTS);
    points.truncate(MAX_POINTS);

    let (mut view, ph) = View::fit(&points);
    view.y0 = 34.0;
    let desc = describe(title, &points, w);
    let mut g = Svg::new("map", W, title, &desc);
    g.text(PAD, 22.0, 15.0, "start", r#"font-weight="600""#, title);
    let pw = W - 2.0 * PAD;
    g.rect(PAD, view.y0, pw, ph, r##"fill="#f7fafc""##);
    land_paths(&mut g, &view);
    border_paths(&mut g, &view, pw, ph);
    graticule(&mut g, &view, pw, ph);
    g.rect(PAD, view.y0, pw, ph, &format!(r#"fill="none" stroke="{MUTED}""#));
    scale_bar(&mut g, &view, ph, w);

    let max = points.iter().map(|p| p.incidents).max().unwrap_or(0);
    let mut labels: Vec<[f64; 4]> = Vec::new();
    let mut placed = Vec::new();
    for p in &points {
        let (x, y) = view.xy(p.longitude, p.latitude);
        let r = radius(p.incidents, max);
        let tip = format!(
            "{} · {} · {}: {} · {:.4}, {:.4}",
            p.name,
            w.code("place_type", &p.place_type),
            w.c(Caption::Incidents),
            p.incidents,
            p.latitude,
            p.longitude
        );
        g.open_link(w.links, &format!("/places/{}", p.place_id));
        let _ = write!(
            g.body,
            r#"<circle cx="{}" cy="{}" r="{}" fill="{ACCENT}" fill-opacity="{}" stroke="{INK}" stroke-width="1"><title>{}</title></circle>"#,
            n(x),
            n(y),
            n(r),
            if p.incidents == 0 { "0" } else { "0.5" },
            svg::esc(&tip)
        );
        g.close_link(w.links);
        placed.push((p, x, y, r));
    }
    // Labels after every circle, so no circle covers a name; a label that would cover
    // another place or label tries the other side, then is left to the tooltip (and the
    // table beside the map). The places with most incidents are labelled first.
    let circles: Vec<[f64; 4]> = placed.iter().map(|&(_, x, y, r)| [x - r, y - r, x + r, y + r]).collect();
    for (k, &(p, x, y, r)) in placed.iter().enumerate() {
        let text = fit(&p.name, 150.0, 11.0);
        let tw = text_width(&text, 11.0);
        for (anchor, lx) in [("start", x + r + 3.0), ("end", x - r - 3.0)] {
            let left = if anchor == "start" { lx } else { lx - tw };
            let bbox = [left - 1.0, y - 9.0, left + tw + 1.0, y + 4.0];
            let inside =
                bbox[0] >= PAD && bbox[2] <= W - PAD && bbox[1] >= view.y0 && bbox[3] <= view.y0 + ph;
            let apart = |o: &[f64; 4]| bbox[2] < o[0] || bbox[0] > o[2] || bbox[3] < o[1] || bbox[1] > o[3];
            let free =
                labels.iter().all(apart) && circles.iter().enumerate().all(|(i, c)| i == k || apart(c));
            if inside && free {
                let halo = r##"stroke="#ffffff" stroke-width="3" paint-order="stroke""##;
                g.text(lx, y + 3.5, 11.0, anchor, halo, &text);
                labels.push(bbox);
                break;
            }
        }
    }

    let mut y = view.y0 + ph + 8.0;
    y = size_legend(&mut g, y, max, w);
    let mut notes = Vec::new();
    if hidden > 0 {
        notes.push(fill(w.c(Caption::AndMore), hidden));
    }
    if m.without_coordinates as usize + invalid > 0 {
        notes.push(fill(w.c(Caption::WithoutCoordinates), m.without_coordinates as usize + invalid));
    }
    notes.push(w.c(Caption::LandSource).to_owned());
    for note in notes {
        g.text(PAD, y + 12.0, 11.0, "start", &format!(r#"fill="{MUTED}""#), &note);
        y += 16.0;
    }
    g.height = y + PAD - 4.0;
    g.finish()
}

/// Area in proportion to the count, never smaller than a visible dot.
pub(super) fn radius(count: u32, max: u32) -> f64 {
    if max == 0 || count == 0 {
        return R_MIN;
    }
    (R_MAX * (f64::from(count) / f64::from(max)).sqrt()).max(R_MIN)
}

fn land_paths(g: &mut Svg, view: &View) {
    let clip = [view.lon.0, view.lat.0, view.lon.1, view.lat.1];
    let mut d = String::new();
    for (ring, b) in land() {
        if b[2] < clip[0] || b[0] > clip[2] || b[3] < clip[1] || b[1] > clip[3] {
            continue;
        }
        let clipped = clip_ring(ring, clip);
        if clipped.len() < 3 {
            continue;
        }
        let mut last = (f64::NAN, f64::NAN);
        for (i, &(lon, lat)) in clipped.iter().enumerate() {
            let (x, y) = view.xy(lon, lat);
            let (x, y) = ((x * 10.0).round() / 10.0, (y * 10.0).round() / 10.0);
            if (x - last.0).abs() < 0.5 && (y - last.1).abs() < 0.5 {
                continue;
            }
            let _ = write!(d, "{}{} {}", if i == 0 { "M" } else { "L" }, n(x), n(y));
            last = (x, y);
        }
        d.push('Z');
    }
    if !d.is_empty() {
        let _ = write!(
            g.body,
            r##"<path d="{d}" fill="#e4e8ec" stroke="#8c969f" stroke-width="0.7" stroke-linejoin="round"/>"##
        );
    }
}

/// The borders crossing the view, as lines clipped to the plot by a clip path (a border
/// is open, so the polygon clipping of the land does not apply); only the stretches
/// near the view are written.
fn border_paths(g: &mut Svg, view: &View, pw: f64, ph: f64) {
    let (dx, dy) = ((view.lon.1 - view.lon.0) * 0.05, (view.lat.1 - view.lat.0) * 0.05);
    let near = |&(lon, lat): &(f64, f64)| {
        lon >= view.lon.0 - dx && lon <= view.lon.1 + dx && lat >= view.lat.0 - dy && lat <= view.lat.1 + dy
    };
    let mut d = String::new();
    for (line, b) in borders() {
        if b[2] < view.lon.0 || b[0] > view.lon.1 || b[3] < view.lat.0 || b[1] > view.lat.1 {
            continue;
        }
        let mut open = false;
        for (i, p) in line.iter().enumerate() {
            // A point is written when it or a neighbour is near the view, so every
            // segment that crosses the view is kept whole.
            let keep = near(p) || (i > 0 && near(&line[i - 1])) || line.get(i + 1).is_some_and(near);
            if keep {
                let (x, y) = view.xy(p.0, p.1);
                let _ = write!(d, "{}{} {}", if open { "L" } else { "M" }, n(x), n(y));
            }
            open = keep;
        }
    }
    if d.is_empty() {
        return;
    }
    let _ = write!(
        g.body,
        r#"<clipPath id="{id}-clip"><rect x="{}" y="{}" width="{}" height="{}"/></clipPath><path d="{d}" clip-path="url(#{id}-clip)" fill="none" stroke="{MUTED}" stroke-width="0.9" stroke-dasharray="5 2 1 2" stroke-linejoin="round"/>"#,
        n(PAD),
        n(view.y0),
        n(pw),
        n(ph),
        id = svg::ID,
    );
}

/// Sutherland–Hodgman against the view's box (in lon/lat, which the projection maps
/// linearly): a closed ring stays closed, cut along the edges.
fn clip_ring(ring: &[(f64, f64)], b: [f64; 4]) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = ring.to_vec();
    // (axis, bound, keep when below)
    for (axis, bound, below) in [(0, b[0], false), (0, b[2], true), (1, b[1], false), (1, b[3], true)] {
        if out.is_empty() {
            break;
        }
        let inside = |p: (f64, f64)| {
            let v = if axis == 0 { p.0 } else { p.1 };
            if below { v <= bound } else { v >= bound }
        };
        let cross = |p: (f64, f64), q: (f64, f64)| {
            let (pv, qv) = if axis == 0 { (p.0, q.0) } else { (p.1, q.1) };
            let t = if (qv - pv).abs() < f64::EPSILON { 0.0 } else { (bound - pv) / (qv - pv) };
            (p.0 + (q.0 - p.0) * t, p.1 + (q.1 - p.1) * t)
        };
        let input = std::mem::take(&mut out);
        let mut prev = input[input.len() - 1];
        for &cur in &input {
            match (inside(prev), inside(cur)) {
                (true, true) => out.push(cur),
                (true, false) => out.push(cross(prev, cur)),
                (false, true) => {
                    out.push(cross(prev, cur));
                    out.push(cur);
                }
                (false, false) => {}
            }
            prev = cur;
        }
    }
    out
}

fn graticule(g: &mut Svg, view: &View, pw: f64, ph: f64) {
    let extent = (view.lon.1 - view.lon.0).max(view.lat.1 - view.lat.0);
    let step =
        [0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0].into_iter().find(|s| extent / s <= 8.0).unwrap_or(60.0);
    let style = format!(r#"stroke="{LINE}" stroke-width="0.7" stroke-dasharray="3 3""#);
    let label = format!(r#"fill="{MUTED}""#);
    let mut lon = (view.lon.0 / step).ceil() * step;
    while lon <= view.lon.1 && lon <= 180.0 {
        let (x, _) = view.xy(lon, 0.0);
        if lon >= -180.0 {
            g.line(x, view.y0, x, view.y0 + ph, &style);
            let hemi = if lon < 0.0 {
                "W"
            } else if lon > 0.0 {
                "E"
            } else {
                ""
            };
            g.text(x + 2.0, view.y0 + 11.0, 9.0, "start", &label, &format!("{}°{hemi}", degrees(lon.abs())));
        }
        lon += step;
    }
    let mut lat = (view.lat.0 / step).ceil() * step;
    while lat <= view.lat.1 {
        let (_, y) = view.xy(0.0, lat);
        if lat.abs() <= 90.0 {
            g.line(PAD, y, PAD + pw, y, &style);
            let hemi = if lat < 0.0 {
                "S"
            } else if lat > 0.0 {
                "N"
            } else {
                ""
            };
            g.text(PAD + 3.0, y - 3.0, 9.0, "start", &label, &format!("{}°{hemi}", degrees(lat.abs())));
        }
        lat += step;
    }
}

fn degrees(v: f64) -> String {
    if v.fract().abs() < 1e-9 { format!("{v:.0}") } else { format!("{v:.1}") }
}

/// A bar a round number of kilometres long, measured along a meridian (true at any
/// latitude in this projection).
fn scale_bar(g: &mut Svg, view: &View, ph: f64, w: &Words) {
    let km_per_px = 111.32 / view.s;
    let target = (W - 2.0 * PAD) / 5.0 * km_per_px;
    let exp = 10f64.powf(target.log10().floor());
    let nice = [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * exp).rfind(|v| *v <= target).unwrap_or(exp);
    let len = nice / km_per_px;
    let (x, y) = (W - PAD - 12.0 - len, view.y0 + ph - 14.0);
    g.rect(x - 6.0, y - 16.0, len + 12.0, 24.0, r##"fill="#ffffff" fill-opacity="0.85""##);
    let _ = write!(
        g.body,
        r#"<path d="M{} {}v5h{}v-5" fill="none" stroke="{INK}" stroke-width="1.2"/>"#,
        n(x),
        n(y),
        n(len)
    );
    let km = if nice >= 1.0 { format!("{nice:.0}") } else { format!("{nice}") };
    g.text(x + len / 2.0, y - 4.0, 10.0, "middle", "", &fill(w.c(Caption::Kilometres), km));
}

/// Two reference circles: the largest count and about a quarter of it.
fn size_legend(g: &mut Svg, y: f64, max: u32, w: &Words) -> f64 {
    if max == 0 {
        return y;
    }
    let mut x = PAD;
    let label = format!("{}:", w.c(Caption::Incidents));
    g.text(x, y + 22.0, 11.0, "start", "", &label);
    x += text_width(&label, 11.0) + 8.0;
    let mut counts = vec![max];
    if max >= 4 {
        counts.push(max.div_ceil(4));
    }
    for c in counts {
        let r = radius(c, max);
        let _ = write!(
            g.body,
            r#"<circle cx="{}" cy="{}" r="{}" fill="{ACCENT}" fill-opacity="0.5" stroke="{INK}"/>"#,
            n(x + r),
            n(y + 18.0),
            n(r)
        );
        g.text(x + 2.0 * r + 4.0, y + 22.0, 11.0, "start", "", &c.to_string());
        x += 2.0 * r + 14.0 + text_width(&c.to_string(), 11.0);
    }
    y + 2.0 * R_MAX + 4.0
}

fn describe(title: &str, points: &[&MapPoint], w: &Words) -> String {
    let mut d = format!("{title}.");
    for p in points.iter().take(20) {
        let _ = write!(
            d,
            " {} ({}: {}; {:.3}, {:.3}).",
            p.name,
            w.c(Caption::Incidents),
            p.incidents,
            p.latitude,
            p.longitude
        );
    }
    if points.len() > 20 {
        let _ = write!(d, " {}", fill(w.c(Caption::AndMore), points.len() - 20));
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_land_is_read() {
        assert!(land().len() > 100);
        assert!(borders().len() > 100);
        assert!(land().iter().all(|(r, _)| r.iter().all(|&(x, y)| x.abs() <= 180.0 && y.abs() <= 90.0)));
    }

    #[test]
    fn clipping_keeps_a_ring_inside_the_box() {
        let square = [(-10.0, -10.0), (10.0, -10.0), (10.0, 10.0), (-10.0, 10.0)];
        let out = clip_ring(&square, [0.0, 0.0, 5.0, 5.0]);
        assert!(out.len() >= 4);
        assert!(out.iter().all(|&(x, y)| (0.0..=5.0).contains(&x) && (0.0..=5.0).contains(&y)));
        assert!(clip_ring(&square, [20.0, 20.0, 30.0, 30.0]).is_empty());
    }

    #[test]
    fn a_bigger_count_is_a_bigger_circle_by_area() {
        assert!(radius(100, 100) > radius(25, 100));
        let ratio = (radius(100, 100) / radius(25, 100)).powi(2);
        assert!((ratio - 4.0).abs() < 0.01);
        assert_eq!(radius(0, 0), R_MIN);
    }
}
