//! Byte ranges of a stored file, as pure arithmetic: what part of a file of known size
//! a request selects (RFC 9110 §14.1.2: a range that selects nothing is refused, one that
//! cannot be understood is ignored), and which STREAM segments hold that part.

use crate::crypto::SEGMENT_LEN;

/// What a client asked for, before the file's size is known. The edge parses it from
/// its own syntax (HTTP's `Range: bytes=…`); anything it cannot understand is `Whole`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    Whole,
    /// `first-last`, inclusive, with `first <= last`.
    FromTo(u64, u64),
    /// `first-`: to the end.
    From(u64),
    /// `-n`: the last `n` bytes.
    Last(u64),
}

/// What a request selects of a file of a given size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The whole file: nothing asked, something not understood, or an empty file.
    Whole,
    /// One satisfiable range, as inclusive (start, end).
    Range(u64, u64),
    /// A range that selects nothing of this file (HTTP: 416 with `bytes */size`).
    Unsatisfiable,
}

impl Wanted {
    /// The part of a file of `size` bytes this selects; a range running past the end
    /// stops at it.
    pub fn resolve(self, size: u64) -> Part {
        if size == 0 {
            return Part::Whole;
        }
        let last = size - 1;
        match self {
            Wanted::Whole => Part::Whole,
            Wanted::Last(0) => Part::Unsatisfiable,
            Wanted::Last(n) => Part::Range(size.saturating_sub(n), last),
            Wanted::From(start) | Wanted::FromTo(start, _) if start >= size => Part::Unsatisfiable,
            Wanted::From(start) => Part::Range(start, last),
            Wanted::FromTo(start, end) => Part::Range(start, end.min(last)),
        }
    }
}

impl Part {
    /// The inclusive range, or `None` for the whole file (or none of it).
    pub fn bounds(self) -> Option<(u64, u64)> {
        match self {
            Part::Range(start, end) => Some((start, end)),
            Part::Whole | Part::Unsatisfiable => None,
        }
    }
}

/// Where the plaintext bytes `start..=end` lie in a STREAM: decrypt from segment `first`
/// on, drop the first `skip` bytes it yields, then keep `len` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub first: u64,
    pub skip: usize,
    pub len: u64,
}

impl Window {
    pub fn of(start: u64, end: u64) -> Window {
        let segment = SEGMENT_LEN as u64;
        let first = start / segment;
        // Below one segment, so it fits any usize.
        let skip = (start % segment) as usize;
        Window { first, skip, len: end.saturating_sub(start) + 1 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEG: u64 = SEGMENT_LEN as u64;

    #[test]
    fn ranges_resolve_against_the_size() {
        assert_eq!(Wanted::Whole.resolve(1000), Part::Whole);
        assert_eq!(Wanted::FromTo(0, 99).resolve(1000), Part::Range(0, 99));
        assert_eq!(Wanted::FromTo(0, 5000).resolve(1000), Part::Range(0, 999));
        assert_eq!(Wanted::FromTo(999, 999).resolve(1000), Part::Range(999, 999));
        assert_eq!(Wanted::From(900).resolve(1000), Part::Range(900, 999));
        assert_eq!(Wanted::Last(100).resolve(1000), Part::Range(900, 999));
        assert_eq!(Wanted::Last(5000).resolve(1000), Part::Range(0, 999));
    }

    #[test]
    fn what_selects_nothing_is_unsatisfiable_and_an_empty_file_is_sent_whole() {
        assert_eq!(Wanted::From(1000).resolve(1000), Part::Unsatisfiable);
        assert_eq!(Wanted::FromTo(1000, 2000).resolve(1000), Part::Unsatisfiable);
        assert_eq!(Wanted::Last(0).resolve(1000), Part::Unsatisfiable);
        for wanted in [Wanted::Whole, Wanted::FromTo(0, 0), Wanted::From(0), Wanted::Last(0), Wanted::Last(5)]
        {
            assert_eq!(wanted.resolve(0), Part::Whole, "{wanted:?}");
        }
        assert_eq!(Part::Unsatisfiable.bounds(), None);
        assert_eq!(Part::Whole.bounds(), None);
        assert_eq!(Part::Range(3, 4).bounds(), Some((3, 4)));
    }

    #[test]
    fn windows_start_at_the_segment_holding_the_first_byte() {
        assert_eq!(Window::of(0, 0), Window { first: 0, skip: 0, len: 1 });
        assert_eq!(Window::of(SEG - 1, SEG), Window { first: 0, skip: SEGMENT_LEN - 1, len: 2 });
        assert_eq!(Window::of(SEG, 3 * SEG - 1), Window { first: 1, skip: 0, len: 2 * SEG });
        assert_eq!(Window::of(5 * SEG + 7, 5 * SEG + 7), Window { first: 5, skip: 7, len: 1 });
    }

    #[test]
    fn every_resolved_range_lies_inside_the_file() {
        for size in [1, 2, 999, SEG, SEG + 1] {
            for wanted in [
                Wanted::FromTo(0, u64::MAX),
                Wanted::FromTo(size - 1, size - 1),
                Wanted::From(size / 2),
                Wanted::Last(1),
                Wanted::Last(u64::MAX),
            ] {
                let Part::Range(start, end) = wanted.resolve(size) else { panic!("{wanted:?} of {size}") };
                assert!(start <= end && end < size, "{wanted:?} of {size}: {start}-{end}");
                let w = Window::of(start, end);
                assert_eq!(w.first * SEG + w.skip as u64, start);
                assert_eq!(w.len, end - start + 1);
            }
        }
    }
}
