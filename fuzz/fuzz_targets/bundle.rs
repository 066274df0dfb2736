//! What `custodia bundle verify` reads from a stranger: a tar of a bag, its manifests,
//! bag-info, the minisign signature and public key.
#![no_main]

use custodia::export::{bag, signer, verify};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(report) = verify::verify_tar(data, None) {
        assert!(!report.ok() || !data.is_empty());
        let _ = report.render();
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = bag::parse_manifest(text);
        let _ = bag::parse_bag_info(text);
        let _ = bag::decode_path(text);
        if let Ok(pk) = signer::parse_public_key(text) {
            let _ = signer::verify(&pk, data, text);
        }
        let pk =
            signer::parse_public_key("RWRBTWhZao1CJeBC8OVru3CT2G5WVcP8gDC+6qAjSuquAnSrP0Cf/IkT").unwrap();
        let _ = signer::verify(&pk, b"manifest", text);
    }
});
