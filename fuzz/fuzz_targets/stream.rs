//! STREAM attachments as read back from disk: header, segments, last-segment flag, and
//! decryption starting at a segment for range requests.
#![no_main]

use custodia::crypto::{Dek, FieldContext, STREAM_HEADER_LEN, SecretKey, StreamDecryptor};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dek = Dek::from_key(SecretKey::from_bytes([3; 32]));
    let ctx = FieldContext::new("attachments", "a1", "content");
    let mut out = Vec::new();
    let mut d = StreamDecryptor::new(&dek, &ctx);
    // Feed in uneven pieces, as reads from a file arrive.
    let mut rest = data;
    let mut ok = true;
    while !rest.is_empty() && ok {
        let n = (rest[0] as usize % 97 + 1).min(rest.len());
        ok = d.update(&rest[..n], &mut out).is_ok();
        rest = &rest[n..];
    }
    if ok {
        assert!(d.finish(&mut out).is_err(), "random bytes authenticated");
    }
    if data.len() >= STREAM_HEADER_LEN + 1 {
        let segment = u64::from(data[0]);
        if let Ok(mut d) =
            StreamDecryptor::starting_at_segment(&dek, &ctx, &data[..STREAM_HEADER_LEN], segment)
        {
            let _ = d.update(&data[STREAM_HEADER_LEN..], &mut out);
        }
    }
});
