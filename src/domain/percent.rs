//! Percent-encoding (RFC 3986 unreserved set) for the few places a UTF-8 string must
//! travel in a header or URI: otpauth labels, `X-Filename`, `Content-Disposition`.

pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Decodes what it can: a `%` not followed by two hex digits stays as it is, and bytes
/// that are not UTF-8 become U+FFFD. For display names, where refusing the request over
/// a stray `%` would help no one.
pub fn decode_lossy(s: &[u8]) -> String {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let hex = s.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (s[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_utf8() {
        let name = "запись 1/2.ogg";
        assert_eq!(decode_lossy(encode(name).as_bytes()), name);
        assert_eq!(encode("a b"), "a%20b");
        assert_eq!(decode_lossy(b"%4"), "%4");
        assert_eq!(decode_lossy(b"%zz"), "%zz");
    }

    #[test]
    fn what_cannot_be_decoded_is_kept_or_replaced() {
        assert_eq!(decode_lossy(b"report%.pdf"), "report%.pdf");
        assert_eq!(decode_lossy(b"50%2"), "50%2");
        assert_eq!(decode_lossy(b"%FF.ogg"), "\u{fffd}.ogg");
        assert_eq!(decode_lossy("запись".as_bytes()), "запись");
    }
}
