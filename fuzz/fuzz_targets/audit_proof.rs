//! Audit proofs as an outsider receives them: signed checkpoint notes, verifier keys,
//! inclusion and consistency proofs, and the stored frontier.
#![no_main]

use custodia::audit::checkpoint::{Checkpoint, NoteVerifier};
use custodia::audit::merkle::{self, Frontier, Hash};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Frontier::from_bytes(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Checkpoint::parse_body(text);
        let _ = NoteVerifier::parse(text);
        if let Some((key, note)) = text.split_once("\n\n\n") {
            if let Ok(v) = NoteVerifier::parse(key) {
                let _ = v.verify(note);
            }
        }
    }
    if data.len() >= 48 {
        let index = u64::from_le_bytes(data[0..8].try_into().unwrap());
        let size = u64::from_le_bytes(data[8..16].try_into().unwrap());
        let leaf: Hash = data[16..48].try_into().unwrap();
        let proof: Vec<Hash> = data[48..].chunks_exact(32).map(|c| c.try_into().unwrap()).collect();
        let root = proof.first().copied().unwrap_or([0; 32]);
        let _ = merkle::verify_inclusion(&leaf, index, size, &proof, &root);
        let _ = merkle::verify_consistency(index, size, &leaf, &root, &proof);
    }
});
