//! Trustee share text typed or pasted at unseal, and age-armoured shares.
#![no_main]

use custodia::crypto::{combine, decrypt_share};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let shares: Vec<&str> = text.split('\n').collect();
    let _ = combine(&shares);
    let _ = combine(&[text]);
    let _ = decrypt_share(text, "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ5UXRSL");
});
