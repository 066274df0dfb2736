//! How many pages an exported item counts for, so that each page has its own reference
//! number as courts number them. The rule is fixed and documented
//! (docs/evidence-bundles.md): a text rendering counts one page per 3,000 characters or
//! per 50 lines, whichever gives more, and at least one; any other file (PDF, image,
//! audio, video) counts one page — a PDF's own page count is not read, since that would
//! mean parsing an untrusted file inside the export.

/// Characters of text on one page.
pub const CHARS_PER_PAGE: usize = 3_000;
/// Lines of text on one page.
pub const LINES_PER_PAGE: usize = 50;

/// Pages of a text rendering.
pub fn text_pages(text: &str) -> i64 {
    let chars = text.chars().count();
    let lines = text.lines().count();
    let pages = chars.div_ceil(CHARS_PER_PAGE).max(lines.div_ceil(LINES_PER_PAGE)).max(1);
    i64::try_from(pages).unwrap_or(i64::MAX)
}

/// Pages of a file that is not a text rendering.
pub fn file_pages(_media_type: &str) -> i64 {
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_the_documented_rule() {
        assert_eq!(text_pages(""), 1);
        assert_eq!(text_pages(&"я".repeat(3_000)), 1, "characters, not bytes");
        assert_eq!(text_pages(&"я".repeat(3_001)), 2);
        assert_eq!(text_pages(&"a\n".repeat(51)), 2, "lines count too");
        assert_eq!(text_pages(&"a\n".repeat(50)), 1);
        assert_eq!(file_pages("application/pdf"), 1);
    }
}
