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

/// `None` when a `%` is not followed by two hex digits.
pub fn decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_utf8() {
        let name = "запись 1/2.ogg";
        assert_eq!(decode(&encode(name)).unwrap(), name.as_bytes());
        assert_eq!(encode("a b"), "a%20b");
        assert!(decode("%4").is_none() && decode("%zz").is_none());
    }
}
