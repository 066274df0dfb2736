//! A file of an encrypted submission decoded while it streams: AES-256 in CFB-128 with
//! PKCS#5 padding (Java's `AES/CFB/PKCS5Padding`), its IV derived from the instance id and
//! the key. The last block is held back until the end, where its padding is checked and
//! stripped; a length that is not a whole number of blocks or a bad padding is a 400.

use aes::Aes256;
use cfb_mode::BufDecryptor;
use cfb_mode::cipher::KeyIvInit;
use md5::{Digest, Md5};

use crate::attachments::Decode;
use crate::error::{Error, Result};

const BLOCK: usize = 16;

/// The IV of the file encrypted `index`th (0-based): the MD5 of the instance id and the
/// key, with byte `i mod 16` incremented (wrapping) for each `i` up to `index`, as the
/// phone advanced it file after file.
pub fn iv(instance_id: &str, key: &[u8; 32], index: usize) -> [u8; 16] {
    let mut seed: [u8; 16] =
        Md5::new().chain_update(instance_id.as_bytes()).chain_update(key).finalize().into();
    for i in 0..=index {
        seed[i % BLOCK] = seed[i % BLOCK].wrapping_add(1);
    }
    seed
}

fn undecryptable() -> Error {
    Error::BadRequest("the file does not decrypt".into())
}

pub struct CfbDecoder {
    cipher: BufDecryptor<Aes256>,
    /// Decrypted bytes not yet handed on: at most the last block, whose padding only the
    /// end can tell.
    held: Vec<u8>,
    total: u64,
}

impl CfbDecoder {
    pub fn new(key: &[u8; 32], iv: &[u8; 16]) -> Result<Self> {
        let cipher = BufDecryptor::<Aes256>::new_from_slices(key, iv).map_err(Error::internal)?;
        Ok(CfbDecoder { cipher, held: Vec::with_capacity(BLOCK * 2), total: 0 })
    }
}

impl Decode for CfbDecoder {
    fn update(&mut self, received: &[u8], out: &mut Vec<u8>) -> Result<()> {
        self.total += received.len() as u64;
        let start = out.len();
        out.extend_from_slice(received);
        self.cipher.decrypt(&mut out[start..]);
        // Keep the last BLOCK decrypted bytes back: prepend what was held, hold the tail.
        let mut plain = std::mem::take(&mut self.held);
        plain.extend_from_slice(&out[start..]);
        out.truncate(start);
        let keep = plain.len().min(BLOCK);
        let (ready, tail) = plain.split_at(plain.len() - keep);
        out.extend_from_slice(ready);
        self.held = tail.to_vec();
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<u8>) -> Result<()> {
        if self.total == 0 || !self.total.is_multiple_of(BLOCK as u64) || self.held.len() != BLOCK {
            return Err(undecryptable());
        }
        let pad = usize::from(self.held[BLOCK - 1]);
        if pad == 0 || pad > BLOCK || self.held[BLOCK - pad..].iter().any(|&b| usize::from(b) != pad) {
            return Err(undecryptable());
        }
        out.extend_from_slice(&self.held[..BLOCK - pad]);
        self.held.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfb_mode::BufEncryptor;

    fn encrypt(key: &[u8; 32], iv: &[u8; 16], plain: &[u8]) -> Vec<u8> {
        let pad = BLOCK - plain.len() % BLOCK;
        let mut data = plain.to_vec();
        data.extend(std::iter::repeat_n(pad as u8, pad));
        BufEncryptor::<Aes256>::new_from_slices(key, iv).unwrap().encrypt(&mut data);
        data
    }

    fn decode_in(pieces: &[&[u8]], key: &[u8; 32], iv: &[u8; 16]) -> Result<Vec<u8>> {
        let mut d = CfbDecoder::new(key, iv)?;
        let mut out = Vec::new();
        for p in pieces {
            d.update(p, &mut out)?;
        }
        d.finish(&mut out)?;
        Ok(out)
    }

    #[test]
    fn ivs_advance_one_byte_per_file_cumulatively() {
        let key = [7u8; 32];
        let seed: [u8; 16] = Md5::new().chain_update(b"uuid:x").chain_update(key).finalize().into();
        let first = iv("uuid:x", &key, 0);
        let third = iv("uuid:x", &key, 2);
        assert_eq!(first[0], seed[0].wrapping_add(1));
        assert_eq!(first[1..], seed[1..]);
        assert_eq!(third[..3].iter().zip(&seed[..3]).filter(|(a, b)| **a == b.wrapping_add(1)).count(), 3);
        assert_eq!(third[3..], seed[3..]);
        // The 17th file increments byte 0 a second time.
        assert_eq!(iv("uuid:x", &key, 16)[0], seed[0].wrapping_add(2));
    }

    #[test]
    fn a_file_decodes_whatever_the_pieces() {
        let (key, iv) = ([1u8; 32], [2u8; 16]);
        for len in [0usize, 1, 15, 16, 17, 31, 32, 100, 4096] {
            let plain: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let enc = encrypt(&key, &iv, &plain);
            assert_eq!(decode_in(&[&enc], &key, &iv).unwrap(), plain, "{len}");
            let pieces: Vec<&[u8]> = enc.chunks(7).collect();
            assert_eq!(decode_in(&pieces, &key, &iv).unwrap(), plain, "{len} in pieces");
        }
    }

    #[test]
    fn bad_padding_or_length_is_refused() {
        let (key, iv) = ([1u8; 32], [2u8; 16]);
        let enc = encrypt(&key, &iv, b"a testimony");
        let short = &enc[..enc.len() - 1];
        let mut flipped = enc.clone();
        *flipped.last_mut().unwrap() ^= 0x40;
        for bad in [short, &flipped[..], &[][..]] {
            assert!(matches!(decode_in(&[bad], &key, &iv), Err(Error::BadRequest(_))));
        }
        // The wrong key: the padding does not survive (with overwhelming likelihood here).
        assert!(decode_in(&[&enc], &[9u8; 32], &iv).is_err());
    }
}
