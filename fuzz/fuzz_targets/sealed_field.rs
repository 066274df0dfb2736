//! The sealed-field format (version, algorithm, KEK version, nonce, commitment, tag):
//! any bytes from a tampered database must give an error, never a panic or plaintext.
#![no_main]

use custodia::crypto::{Dek, FieldContext, SecretKey, open_field, unwrap_dek};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dek = Dek::from_key(SecretKey::from_bytes([7; 32]));
    let ctx = FieldContext::new("testimonies", "00000000-0000-0000-0000-000000000001", "content");
    assert!(open_field(&dek, &ctx, data).is_err());
    let kek = SecretKey::from_bytes([9; 32]);
    assert!(unwrap_dek(&kek, "testimonies", "r1", data).is_err());
});
