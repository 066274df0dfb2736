//! The analysis pictures, drawn as SVG on the server: pure functions from the values of
//! `analysis::model` to a string. They work without JavaScript, print on white, scale to
//! a phone (`viewBox` and `width="100%"`), and say what they show to a screen reader
//! (`role="img"`, a title and a description). Text is escaped; nothing is fetched (no
//! script, no external reference, system fonts); hatching, shape and text carry every
//! meaning that colour does. Empty or odd input draws a small picture that says so.
//!
//! The map's land comes from Natural Earth's 1:110m land (public domain), converted by
//! `docs/tools/land_outline.py` into `land-110m.txt`.
//!
//! Knows nothing of HTTP or the pages: the pages and the evidence-bundle annex both call it.

pub(crate) mod axis;
mod bars;
mod caption;
pub mod check;
mod command;
mod map;
mod matrix;
pub(crate) mod svg;
mod timeline;

pub use caption::{Caption, caption, month, series_title, strength};

use super::model::{CommandTree, Corroboration, Matrix, PlaceMap, Series, Timeline};

/// The language of the words in a picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    En,
    Ru,
}

/// What a picture needs besides its data: the language, the labels of vocabulary codes,
/// and whether to link to the service's pages (never in a bundle, which is read offline).
pub struct Words<'a> {
    pub language: Language,
    /// `(vocabulary, code)` → the label in `language`, e.g. `("act_type", "torture")`.
    pub label: &'a dyn Fn(&str, &str) -> String,
    /// Links to `/incidents/{id}`, `/units/{id}`, `/places/{id}`, `/testimonies/{id}`.
    pub links: bool,
}

impl Words<'_> {
    pub(crate) fn c(&self, c: Caption) -> &'static str {
        caption(self.language, c)
    }

    /// The label of a code, or the code itself when the vocabulary has no label for it.
    pub(crate) fn code(&self, vocabulary: &str, code: &str) -> String {
        let label = (self.label)(vocabulary, code);
        if label.trim().is_empty() { code.to_owned() } else { label }
    }
}

/// The chain of command: an indented outline of units with their commanders.
pub fn command(tree: &CommandTree, w: &Words) -> String {
    command::draw(tree, w)
}

/// The timeline: a strip per lane, partial dates drawn as the days they can mean.
pub fn timeline(t: &Timeline, w: &Words) -> String {
    timeline::draw(t, w)
}

/// One small multiple: incidents and victims per category as horizontal bars;
/// withheld counts (below `min_count`) as hatched stubs.
pub fn series(s: &Series, min_count: u32, w: &Words) -> String {
    bars::series(s, min_count, w)
}

/// Incidents per torture method and facility as a heat chart.
pub fn matrix(m: &Matrix, min_count: u32, w: &Words) -> String {
    matrix::draw(m, min_count, w)
}

/// The places with coordinates on an offline outline of the land.
pub fn map(m: &PlaceMap, w: &Words) -> String {
    map::draw(m, w)
}

/// Links per strength of support, as five bars.
pub fn strengths(c: &Corroboration, w: &Words) -> String {
    bars::strengths(c, w)
}

#[cfg(test)]
mod tests;
