//! Request pieces parsed outside serde: the percent-encoded X-Filename of an upload, the
//! Range header of a download, and search query text.
#![no_main]

use custodia::domain::percent;
use custodia::http::headers::byte_range;
use custodia::search::normalize;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Some(bytes) = percent::decode(text) {
        if let Ok(name) = String::from_utf8(bytes) {
            assert_eq!(percent::decode(&percent::encode(&name)).as_deref(), Some(name.as_bytes()));
        }
    }
    let size = data.len() as u64 * 1000;
    if let Some((start, end)) = byte_range(text, size) {
        assert!(start <= end && end < size);
    }
    let _ = normalize::query_terms(text);
    let _ = normalize::tokens(text);
    let _ = normalize::token_counts(text);
    let _ = normalize::name_tokens(text);
});
