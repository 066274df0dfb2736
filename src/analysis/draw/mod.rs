//! STUB, replaced by the drawing branch (i19-draw): the signatures the pages and the
//! bundle annex call. Each returns a small valid SVG.

use super::model::{CommandTree, Corroboration, Matrix, PlaceMap, Series, Timeline};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    En,
    Ru,
}

/// What the pictures need from their reader's side: the language, vocabulary labels
/// `(vocabulary, code) -> label`, and whether records are links (not in a bundle).
pub struct Words<'a> {
    pub language: Language,
    pub label: &'a dyn Fn(&str, &str) -> String,
    pub links: bool,
}

fn empty(title: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\" width=\"100%\" role=\"img\"><title>{title}</title></svg>"
    )
}

pub fn command(_: &CommandTree, _: &Words) -> String {
    empty("command")
}
pub fn timeline(_: &Timeline, _: &Words) -> String {
    empty("timeline")
}
pub fn series(_: &Series, _: &Words) -> String {
    empty("series")
}
pub fn matrix(_: &Matrix, _: &Words) -> String {
    empty("matrix")
}
pub fn map(_: &PlaceMap, _: &Words) -> String {
    empty("map")
}
pub fn strengths(_: &Corroboration, _: &Words) -> String {
    empty("strengths")
}

pub mod check {
    /// Whether `svg` is well-formed and carries nothing active.
    pub fn check_svg(svg: &str) -> Result<(), String> {
        if svg.contains("<script") { Err("script".into()) } else { Ok(()) }
    }
}
