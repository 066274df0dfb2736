//! The frame every picture shares: escaping, number formatting, the root element with
//! its title and description, the internal hatch patterns, text measuring and truncation.
//! No `<style>` element and no `style` attribute: an inline SVG's stylesheet would apply
//! to the whole page, and the pages' Content-Security-Policy (`style-src 'self'`) refuses
//! inline styles; everything is drawn with presentation attributes. How wide a picture
//! may grow on a page is the page's CSS (`svg.analysis.<kind>`; the natural width is in
//! `data-width`).

use std::fmt::Write as _;

/// The page's palette (`src/web/assets/app.css`), so the pictures match the pages.
pub const INK: &str = "#1d2125";
pub const MUTED: &str = "#4d565f";
pub const LINE: &str = "#cfd5db";
pub const WASH: &str = "#f3f5f7";
pub const ACCENT: &str = "#1f5f8b";
pub const ACCENT_LIGHT: &str = "#c9dbe8";
pub const OK: &str = "#1e6b3a";
pub const WARN: &str = "#8a4b00";
pub const BAD: &str = "#a1261b";

pub const FONT: &str = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif";

/// Stands for the picture's id prefix while the body is written; replaced at the end by
/// a prefix derived from the content, so that several pictures on one page keep apart
/// ids. `esc` drops control characters, so user text can never contain it.
pub const ID: char = '\u{1}';

/// Text as XML character data or an attribute value: the five special characters
/// escaped, and characters XML 1.0 forbids (control characters, U+FFFE/U+FFFF) dropped.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{7f}' || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A coordinate: one decimal, no trailing `.0`, never NaN or infinite.
pub fn n(v: f64) -> String {
    if !v.is_finite() {
        return "0".into();
    }
    let r = (v * 10.0).round() / 10.0;
    if r == r.trunc() { format!("{}", r as i64) } else { format!("{r:.1}") }
}

/// Roughly how wide `text` is at `size` px in a system sans-serif (no font metrics on
/// the server; wide enough for Cyrillic and digits).
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars().map(|c| if c.is_ascii_uppercase() || !c.is_ascii() { 0.63 } else { 0.53 }).sum::<f64>()
        * size
}

/// `text` cut to fit `width` px at `size`, ending in "…" when cut.
pub fn fit(text: &str, width: f64, size: f64) -> String {
    if text_width(text, size) <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    let budget = width - 0.6 * size;
    for ch in text.chars() {
        let mut next = out.clone();
        next.push(ch);
        if text_width(&next, size) > budget {
            break;
        }
        out = next;
    }
    out.push('…');
    out
}

/// Replaces `{n}` in a caption.
pub fn fill(caption: &str, value: impl std::fmt::Display) -> String {
    caption.replace("{n}", &value.to_string())
}

/// A picture being written: its size, its body, and what it says to a screen reader.
pub struct Svg {
    pub width: f64,
    pub height: f64,
    pub body: String,
    kind: &'static str,
    title: String,
    desc: String,
}

impl Svg {
    pub fn new(kind: &'static str, width: f64, title: &str, desc: &str) -> Svg {
        Svg { width, height: 0.0, body: String::new(), kind, title: title.to_owned(), desc: desc.to_owned() }
    }

    pub fn push(&mut self, s: &str) {
        self.body.push_str(s);
    }

    /// A line of text; `anchor` is `start`, `middle` or `end`.
    pub fn text(&mut self, x: f64, y: f64, size: f64, anchor: &str, extra: &str, text: &str) {
        let _ = write!(
            self.body,
            r#"<text x="{}" y="{}" font-size="{}"{}{}>{}</text>"#,
            n(x),
            n(y),
            n(size),
            if anchor == "start" { String::new() } else { format!(r#" text-anchor="{anchor}""#) },
            if extra.is_empty() { String::new() } else { format!(" {extra}") },
            esc(text)
        );
    }

    /// "and N more" under a list cut short at `y`: the height it took.
    pub fn and_more(&mut self, x: f64, y: f64, caption: &str, hidden: usize) -> f64 {
        if hidden == 0 {
            return 0.0;
        }
        self.text(x, y + 12.0, 12.0, "start", &format!(r#"fill="{MUTED}""#), &fill(caption, hidden));
        20.0
    }

    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, attrs: &str) {
        let _ = write!(
            self.body,
            r#"<rect x="{}" y="{}" width="{}" height="{}" {attrs}/>"#,
            n(x),
            n(y),
            n(w.max(0.0)),
            n(h.max(0.0))
        );
    }

    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, attrs: &str) {
        let _ = write!(
            self.body,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" {attrs}/>"#,
            n(x1),
            n(y1),
            n(x2),
            n(y2)
        );
    }

    /// Opens a link to a page of the service when links are wanted (never in the
    /// bundle annex, which is read offline); `close_link` closes it.
    pub fn open_link(&mut self, links: bool, href: &str) {
        if links {
            let _ = write!(self.body, r#"<a href="{}">"#, esc(href));
        } else {
            self.body.push_str("<g>");
        }
    }

    pub fn close_link(&mut self, links: bool) {
        self.body.push_str(if links { "</a>" } else { "</g>" });
    }

    /// A tooltip for the element it is the first child of.
    pub fn tip(&mut self, text: &str) {
        let _ = write!(self.body, "<title>{}</title>", esc(text));
    }

    /// The finished document. `height` must be set.
    pub fn finish(self) -> String {
        let (w, h) = (self.width.max(1.0), self.height.max(1.0));
        let mut out = String::with_capacity(self.body.len() + 1200);
        let _ = write!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" id="{ID}" class="analysis {kind}" viewBox="0 0 {vw} {vh}" width="100%" data-width="{vw}" role="img" aria-labelledby="{ID}-t {ID}-d" font-family="{FONT}" font-size="13" fill="{INK}">"#,
            kind = self.kind,
            vw = n(w),
            vh = n(h),
        );
        let _ = write!(
            out,
            r#"<title id="{ID}-t">{}</title><desc id="{ID}-d">{}</desc>"#,
            esc(&self.title),
            esc(&self.desc)
        );
        let _ = write!(
            out,
            concat!(
                "<defs>",
                r#"<pattern id="{ID}-hatch" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">"#,
                r##"<rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="{a}" stroke-width="2.4"/></pattern>"##,
                r#"<pattern id="{ID}-grey" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">"#,
                r##"<rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="{m}" stroke-width="1.6"/></pattern>"##,
                "</defs>"
            ),
            ID = ID,
            a = ACCENT,
            m = MUTED
        );
        let _ = write!(out, r##"<rect width="{}" height="{}" fill="#ffffff"/>"##, n(w), n(h));
        out.push_str(&self.body);
        out.push_str("</svg>");
        let prefix = format!("cu-{}-{:08x}", self.kind, fnv(&out));
        out.replace(ID, &prefix)
    }
}

/// The fill that hatches in the accent colour (estimates) or grey (withheld counts).
pub fn hatch() -> String {
    format!("url(#{ID}-hatch)")
}

pub fn grey_hatch() -> String {
    format!("url(#{ID}-grey)")
}

/// A small picture that says only `message` (and `detail` below it): what an empty
/// input draws.
pub fn message(kind: &'static str, title: &str, message: &str, detail: &str) -> String {
    let mut svg = Svg::new(kind, 420.0, title, &format!("{message} {detail}"));
    svg.text(16.0, 26.0, 14.0, "start", r#"font-weight="600""#, title);
    svg.text(16.0, 50.0, 13.0, "start", &format!(r#"fill="{MUTED}""#), message);
    svg.height = 64.0;
    if !detail.is_empty() {
        svg.text(16.0, 70.0, 13.0, "start", &format!(r#"fill="{MUTED}""#), detail);
        svg.height = 84.0;
    }
    svg.finish()
}

/// FNV-1a: a stable, dependency-free hash for the id prefix.
fn fnv(s: &str) -> u32 {
    s.bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_drops_what_xml_forbids() {
        assert_eq!(esc(r#"<a & "b" 'c'>"#), "&lt;a &amp; &quot;b&quot; &#39;c&#39;&gt;");
        assert_eq!(esc("a\u{1}b\u{0}c\u{ffff}\td"), "abc d");
    }

    #[test]
    fn numbers_are_short_and_always_finite() {
        assert_eq!(n(3.0), "3");
        assert_eq!(n(2.26), "2.3");
        assert_eq!(n(-0.04), "0");
        assert_eq!(n(f64::NAN), "0");
        assert_eq!(n(f64::INFINITY), "0");
    }

    #[test]
    fn long_text_is_cut_with_an_ellipsis() {
        let cut = fit(&"x".repeat(100), 100.0, 12.0);
        assert!(cut.ends_with('…'));
        assert!(text_width(&cut, 12.0) <= 100.0 + 12.0);
        assert_eq!(fit("short", 100.0, 12.0), "short");
    }

    #[test]
    fn two_different_pictures_get_different_ids() {
        let a = message("x", "A", "one", "");
        let b = message("x", "B", "two", "");
        let id = |s: &str| s.split("id=\"").nth(1).map(|r| r.split('"').next().unwrap_or("").to_owned());
        assert_ne!(id(&a), id(&b));
        assert!(!a.contains(ID));
    }
}
