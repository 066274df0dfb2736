//! Security headers on every response. API answers are never cached (they carry
//! personal data), never framed, never sniffed as another type, and send no referrer.
//! The pages override `Referrer-Policy` with `same-origin` (web/mod.rs): under
//! `no-referrer` browsers send `Origin: null` with every form post, and the pages' origin
//! check would refuse them all.

use actix_web::middleware::DefaultHeaders;

use crate::attachments::range::{Part, Wanted};

pub fn security_headers(behind_tls: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add((
            "Content-Security-Policy",
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        ))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add(("Cross-Origin-Resource-Policy", "same-origin"))
        .add(("Permissions-Policy", "camera=(), microphone=(), geolocation=()"))
        .add(("Cache-Control", "no-store"));
    if behind_tls {
        headers.add(("Strict-Transport-Security", "max-age=63072000; includeSubDomains"))
    } else {
        headers
    }
}

/// What a `Range` value asks for (RFC 9110 §14.2), before the file's size is known:
/// anything malformed, in another unit, or asking for several ranges (which a server
/// may ignore; multipart answers are not offered) is `Whole`. Pure: it parses untrusted
/// input, so it is fuzzed (fuzz/).
pub fn parse_range(value: &str) -> Wanted {
    let Some(spec) = value.trim().strip_prefix("bytes=") else { return Wanted::Whole };
    if spec.contains(',') {
        return Wanted::Whole;
    }
    let Some((a, b)) = spec.split_once('-') else { return Wanted::Whole };
    let number = |s: &str| {
        (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())).then(|| s.parse::<u64>().ok()).flatten()
    };
    match (a.trim(), b.trim()) {
        ("", suffix) => number(suffix).map_or(Wanted::Whole, Wanted::Last),
        (a, "") => number(a).map_or(Wanted::Whole, Wanted::From),
        (a, b) => match (number(a), number(b)) {
            // last < first makes the header invalid, and an invalid Range is ignored.
            (Some(start), Some(end)) if end >= start => Wanted::FromTo(start, end),
            _ => Wanted::Whole,
        },
    }
}

/// What one `Range` value selects of a file of `size` bytes.
pub fn range_request(value: &str, size: u64) -> Part {
    parse_range(value).resolve(size)
}

/// One satisfiable range of a file of `size` bytes, as inclusive (start, end); `None` for
/// anything else (see [`range_request`]).
pub fn byte_range(value: &str, size: u64) -> Option<(u64, u64)> {
    range_request(value, size).bounds()
}

#[cfg(test)]
mod tests {
    use super::{byte_range, range_request};
    use crate::attachments::range::Part as R;

    #[test]
    fn ranges_are_parsed_and_bounded() {
        assert_eq!(byte_range("bytes=0-99", 1000), Some((0, 99)));
        assert_eq!(byte_range("bytes=900-", 1000), Some((900, 999)));
        assert_eq!(byte_range("bytes=-100", 1000), Some((900, 999)));
        assert_eq!(byte_range("bytes=-5000", 1000), Some((0, 999)));
        assert_eq!(byte_range("bytes=0-5000", 1000), Some((0, 999)));
        assert_eq!(byte_range("bytes=1000-", 1000), None);
        assert_eq!(byte_range("bytes=5-1", 1000), None);
        assert_eq!(byte_range("bytes=0-1,3-4", 1000), None);
        assert_eq!(byte_range("items=0-1", 1000), None);
        assert_eq!(byte_range("bytes=0-0", 0), None);
    }

    /// RFC 9110 §14.1.2, §14.2: what nothing of the file satisfies is 416; what cannot
    /// be understood, or asks for several parts, is ignored (the whole file).
    #[test]
    fn unsatisfiable_ranges_differ_from_ignored_ones() {
        assert_eq!(range_request("bytes=1000-", 1000), R::Unsatisfiable);
        assert_eq!(range_request("bytes=1000-2000", 1000), R::Unsatisfiable);
        assert_eq!(range_request("bytes=-0", 1000), R::Unsatisfiable);
        assert_eq!(range_request("bytes=0-1,3-4", 1000), R::Whole);
        assert_eq!(range_request("bytes=5-1", 1000), R::Whole);
        assert_eq!(range_request("bytes=a-b", 1000), R::Whole);
        assert_eq!(range_request("bytes=+1-2", 1000), R::Whole);
        assert_eq!(range_request("items=0-1", 1000), R::Whole);
        assert_eq!(range_request("bytes=0-0", 0), R::Whole);
        assert_eq!(range_request("bytes=0-0", 1), R::Range(0, 0));
    }
}
