//! Where the root key comes from and how to tell it is the right one: a key check value,
//! argon2id passphrase derivation, k-of-n Shamir shares printable on one line each, and
//! age encryption of a share to a trustee.
//!
//! Share text (lowercase; spaces and case are ignored when typed back in):
//!
//! ```text
//! custodia-share-v1-<k>-<index>-<split id, 8 hex>-<52 base32 chars: the 32-byte share>-<checksum, 8 hex>
//! checksum = first 4 bytes of SHA-256 over everything before the final '-'
//! ```
//!
//! The checksum catches typing mistakes; it is not a MAC. A share altered on purpose yields
//! a different root key, which the key check value then rejects.

use std::str::FromStr;

use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use super::error::CryptoError;
use super::key::{KEY_LEN, SecretKey};
use super::wire::random_array;

const KEY_CHECK_LABEL: &[u8] = b"custodia/root-key-check/v1";

/// A value stored beside the keyring that proves a candidate root key is the right one
/// without revealing anything about it: HMAC-SHA256(root, fixed label).
#[must_use]
pub fn key_check(root: &SecretKey) -> [u8; 32] {
    // Provably infallible: HMAC accepts keys of any length.
    #[allow(clippy::expect_used)]
    let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(root.expose())
        .expect("HMAC takes keys of any length");
    mac.update(KEY_CHECK_LABEL);
    mac.finalize().into_bytes().into()
}

/// `Ok` if `root` produced `stored`; `WrongKey` otherwise (compared in constant time).
pub fn verify_key_check(root: &SecretKey, stored: &[u8]) -> Result<(), CryptoError> {
    if stored.len() != 32 {
        return Err(CryptoError::Malformed("key check value must be 32 bytes"));
    }
    if bool::from(key_check(root).ct_eq(stored)) { Ok(()) } else { Err(CryptoError::WrongKey) }
}

/// Upper bounds on stored argon2 parameters, so a tampered parameter file cannot make
/// unsealing exhaust the machine.
const MAX_M_COST_KIB: u32 = 4 * 1024 * 1024;
const MAX_T_COST: u32 = 64;
const MAX_P_COST: u32 = 16;

/// Argon2id parameters, stored beside the keyring (not secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_cost_kib: u32,
    /// Passes over memory.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
    /// Random salt, stored as base64 in serialized form.
    #[serde(with = "salt_base64")]
    pub salt: [u8; 16],
}

impl KdfParams {
    /// 64 MiB, 3 passes, 1 lane, fresh salt: above OWASP's argon2id minimums and RFC 9106's
    /// memory-constrained profile, about a quarter of a second on one server core.
    #[must_use]
    pub fn recommended() -> Self {
        Self { m_cost_kib: 64 * 1024, t_cost: 3, p_cost: 1, salt: random_array() }
    }
}

mod salt_base64 {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub(super) fn serialize<S: Serializer>(salt: &[u8; 16], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(salt))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 16], D::Error> {
        let text = String::deserialize(d)?;
        let bytes = STANDARD.decode(text.as_bytes()).map_err(D::Error::custom)?;
        bytes.try_into().map_err(|_| D::Error::custom("salt must be 16 bytes"))
    }
}

/// Derives the root key from a passphrase with argon2id (v1.3), 32-byte output.
pub fn derive_from_passphrase(passphrase: &[u8], params: &KdfParams) -> Result<SecretKey, CryptoError> {
    if passphrase.is_empty()
        || params.m_cost_kib > MAX_M_COST_KIB
        || params.t_cost > MAX_T_COST
        || params.p_cost > MAX_P_COST
    {
        return Err(CryptoError::Kdf);
    }
    let argon_params = argon2::Params::new(params.m_cost_kib, params.t_cost, params.p_cost, Some(KEY_LEN))
        .map_err(|_| CryptoError::Kdf)?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, argon_params);
    let mut key = SecretKey::zeroed();
    argon
        .hash_password_into(passphrase, &params.salt, &mut key.bytes_mut()[..])
        .map_err(|_| CryptoError::Kdf)?;
    Ok(key)
}

/// One Shamir share as printable text; wiped on drop and redacted in `Debug`.
#[derive(Clone)]
pub struct ShareText(Zeroizing<String>);

impl ShareText {
    /// The share text, to print or hand to a trustee.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for ShareText {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ShareText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ShareText([redacted])")
    }
}

const SHARE_PREFIX: &str = "custodia-share-";
const SHARE_VERSION: &str = "v1";
const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

fn base32_encode(bytes: &[u8], out: &mut String) {
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for &b in bytes {
        acc = ((acc << 8) | u32::from(b)) & 0xFFFF;
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((acc >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((acc << (5 - bits)) & 31) as usize]));
    }
    acc.zeroize();
}

/// Decodes unpadded lowercase base32 into exactly `N` bytes; leftover bits must be zero so
/// that each value has one spelling.
fn base32_decode<const N: usize>(text: &str) -> Option<Zeroizing<[u8; N]>> {
    if text.len() != (N * 8).div_ceil(5) {
        return None;
    }
    let mut out = Zeroizing::new([0u8; N]);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    let mut n = 0;
    for c in text.bytes() {
        let v = match c {
            b'a'..=b'z' => c - b'a',
            b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        acc = ((acc << 5) | u32::from(v)) & 0xFFFF;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            *out.get_mut(n)? = (acc >> bits) as u8;
            n += 1;
        }
    }
    let canonical = n == N && acc & ((1 << bits) - 1) == 0;
    acc.zeroize();
    canonical.then_some(out)
}

fn hex_lower(bytes: &[u8], out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
}

fn checksum(body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    let mut out = String::with_capacity(8);
    hex_lower(&digest[..4], &mut out);
    out
}

/// Splits the root key into `shares` shares of which any `threshold` rebuild it.
/// Requires 2 <= threshold <= shares (and shares <= 255, the size of GF(256)).
pub fn split(root: &SecretKey, shares: u8, threshold: u8) -> Result<Vec<ShareText>, CryptoError> {
    if threshold < 2 || threshold > shares {
        return Err(CryptoError::InvalidShare(
            "threshold must be at least 2 and at most the number of shares",
        ));
    }
    let split_id: [u8; 4] = random_array();
    let dealer = blahaj::Sharks(threshold).dealer(root.expose());
    let mut out = Vec::with_capacity(usize::from(shares));
    for share in dealer.take(usize::from(shares)) {
        let bytes = Zeroizing::new(Vec::from(&share));
        let Some((&index, y)) = bytes.split_first() else {
            return Err(CryptoError::InvalidShare("dealer produced an empty share"));
        };
        // Capacity for the whole line up front, so the String never reallocates and
        // leaves an unwiped copy of the share behind.
        let mut text = Zeroizing::new(String::with_capacity(128));
        text.push_str(SHARE_PREFIX);
        text.push_str(SHARE_VERSION);
        text.push_str(&format!("-{threshold}-{index}-"));
        hex_lower(&split_id, &mut text);
        text.push('-');
        base32_encode(y, &mut text);
        let sum = checksum(&text);
        text.push('-');
        text.push_str(&sum);
        out.push(ShareText(text));
    }
    Ok(out)
}

struct ParsedShare {
    threshold: u8,
    index: u8,
    split_id: [u8; 4],
    y: Zeroizing<[u8; KEY_LEN]>,
}

/// Normalises what a person typed (drops whitespace, lowercases), checks the checksum
/// first so any typo reports as `checksum`, then parses the fields.
fn parse_share(input: &str) -> Result<(Zeroizing<String>, ParsedShare), CryptoError> {
    let mut text = Zeroizing::new(String::with_capacity(input.len()));
    text.extend(input.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_lowercase()));
    let Some(rest) = text.strip_prefix(SHARE_PREFIX) else {
        return Err(CryptoError::InvalidShare("not a custodia share"));
    };
    if !rest.starts_with("v1-") {
        return Err(CryptoError::Unsupported);
    }
    let Some((body, sum)) = text.rsplit_once('-') else {
        return Err(CryptoError::InvalidShare("not a custodia share"));
    };
    if !bool::from(checksum(body).as_bytes().ct_eq(sum.as_bytes())) {
        return Err(CryptoError::InvalidShare("checksum"));
    }
    let parts: Vec<&str> = body.split('-').collect();
    let [_, _, _, threshold, index, split_id, payload] = parts[..] else {
        return Err(CryptoError::InvalidShare("wrong number of parts"));
    };
    let threshold =
        u8::from_str(threshold).ok().filter(|&k| k >= 2).ok_or(CryptoError::InvalidShare("threshold"))?;
    let index = u8::from_str(index).ok().filter(|&i| i >= 1).ok_or(CryptoError::InvalidShare("index"))?;
    let split_id = parse_hex4(split_id).ok_or(CryptoError::InvalidShare("split id"))?;
    let y = base32_decode::<KEY_LEN>(payload).ok_or(CryptoError::InvalidShare("payload"))?;
    let parsed = ParsedShare { threshold, index, split_id, y };
    Ok((text, parsed))
}

fn parse_hex4(s: &str) -> Option<[u8; 4]> {
    if s.len() != 8 {
        return None;
    }
    let mut out = [0u8; 4];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// Rebuilds the root key from at least `threshold` distinct shares of one split.
/// Repeating a share is harmless; verify the result with [`verify_key_check`].
pub fn combine(shares: &[&str]) -> Result<SecretKey, CryptoError> {
    let mut parsed: Vec<ParsedShare> = Vec::with_capacity(shares.len());
    for text in shares {
        let (_, share) = parse_share(text)?;
        if let Some(first) = parsed.first() {
            if share.split_id != first.split_id {
                return Err(CryptoError::InvalidShare("shares come from different splits"));
            }
            if share.threshold != first.threshold {
                return Err(CryptoError::InvalidShare("shares disagree on the threshold"));
            }
        }
        if let Some(same) = parsed.iter().find(|p| p.index == share.index) {
            if !bool::from(same.y.ct_eq(&share.y[..])) {
                return Err(CryptoError::InvalidShare("two different shares carry the same index"));
            }
            continue;
        }
        parsed.push(share);
    }
    let need = parsed.first().map_or(2, |p| usize::from(p.threshold));
    if parsed.len() < need {
        return Err(CryptoError::NotEnoughShares { have: parsed.len(), need });
    }
    let mut points = Vec::with_capacity(parsed.len());
    for p in &parsed {
        let mut bytes = Zeroizing::new([0u8; 1 + KEY_LEN]);
        bytes[0] = p.index;
        bytes[1..].copy_from_slice(&p.y[..]);
        let point = blahaj::Share::try_from(&bytes[..]).map_err(|_| CryptoError::InvalidShare("payload"))?;
        points.push(point);
    }
    let threshold = parsed.first().map_or(2, |p| p.threshold);
    let secret = Zeroizing::new(
        blahaj::Sharks(threshold)
            .recover(&points)
            .map_err(|_| CryptoError::NotEnoughShares { have: points.len(), need })?,
    );
    SecretKey::try_from_slice(&secret)
}

/// Encrypts a share to a trustee's age X25519 recipient (`age1…`), ASCII-armored, so it
/// can be sent by e-mail or printed. The share is validated first.
pub fn encrypt_share_to(share: &str, age_recipient: &str) -> Result<String, CryptoError> {
    let (text, _) = parse_share(share)?;
    let recipient = age::x25519::Recipient::from_str(age_recipient.trim())
        .map_err(|_| CryptoError::Malformed("not an age X25519 recipient"))?;
    age::encrypt_and_armor(&recipient, text.as_bytes())
        .map_err(|_| CryptoError::Malformed("age encryption failed"))
}

/// Decrypts a share encrypted by [`encrypt_share_to`]. `age_identity` is an
/// `AGE-SECRET-KEY-1…` line or the contents of an identity file (comments are skipped).
pub fn decrypt_share(armored: &str, age_identity: &str) -> Result<Zeroizing<String>, CryptoError> {
    let line = age_identity
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .ok_or(CryptoError::Malformed("no age identity given"))?;
    let identity = age::x25519::Identity::from_str(line)
        .map_err(|_| CryptoError::Malformed("not an age X25519 identity"))?;
    let plaintext =
        Zeroizing::new(age::decrypt(&identity, armored.trim().as_bytes()).map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => CryptoError::WrongKey,
            age::DecryptError::DecryptionFailed
            | age::DecryptError::InvalidMac
            | age::DecryptError::KeyDecryptionFailed => CryptoError::Integrity,
            _ => CryptoError::Malformed("not an age-encrypted share"),
        })?);
    let text =
        std::str::from_utf8(&plaintext).map_err(|_| CryptoError::InvalidShare("not a custodia share"))?;
    let (normalised, _) = parse_share(text)?;
    Ok(normalised)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny(salt: u8) -> KdfParams {
        KdfParams { m_cost_kib: 64, t_cost: 1, p_cost: 1, salt: [salt; 16] }
    }

    #[test]
    fn key_check_accepts_the_right_root_only() {
        let root = SecretKey::generate();
        let check = key_check(&root);
        assert_eq!(verify_key_check(&root, &check), Ok(()));
        assert_eq!(verify_key_check(&SecretKey::generate(), &check), Err(CryptoError::WrongKey));
        assert!(matches!(verify_key_check(&root, &check[..31]), Err(CryptoError::Malformed(_))));
        assert_ne!(check, *root.expose());
    }

    #[test]
    fn passphrase_derivation_is_deterministic_per_salt() {
        let a = derive_from_passphrase(b"correct horse battery staple", &tiny(1)).unwrap();
        let b = derive_from_passphrase(b"correct horse battery staple", &tiny(1)).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, derive_from_passphrase(b"correct horse battery staple", &tiny(2)).unwrap());
        assert_ne!(a, derive_from_passphrase(b"correct horse battery stapl", &tiny(1)).unwrap());
    }

    #[test]
    fn passphrase_derivation_matches_the_argon2id_reference() {
        // RFC 9106 parameters are not reachable through this API (it has no secret or
        // associated data), so compare with a direct call of the argon2 crate instead.
        let params = tiny(7);
        let ours = derive_from_passphrase(b"pw", &params).unwrap();
        let mut direct = [0u8; 32];
        argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            argon2::Params::new(64, 1, 1, Some(32)).unwrap(),
        )
        .hash_password_into(b"pw", &[7; 16], &mut direct)
        .unwrap();
        assert_eq!(ours.expose(), &direct);
    }

    #[test]
    fn bad_kdf_parameters_are_refused() {
        assert_eq!(derive_from_passphrase(b"", &tiny(1)), Err(CryptoError::Kdf));
        for bad in [
            KdfParams { m_cost_kib: 1, ..tiny(1) },
            KdfParams { t_cost: 0, ..tiny(1) },
            KdfParams { p_cost: 0, ..tiny(1) },
            KdfParams { m_cost_kib: u32::MAX, ..tiny(1) },
            KdfParams { t_cost: 1_000_000, ..tiny(1) },
        ] {
            assert_eq!(derive_from_passphrase(b"pw", &bad), Err(CryptoError::Kdf));
        }
    }

    #[test]
    fn recommended_parameters_are_strong_and_serialise_readably() {
        let p = KdfParams::recommended();
        assert!(p.m_cost_kib >= 47 * 1024 && p.t_cost >= 2);
        assert_ne!(p.salt, KdfParams::recommended().salt);
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains("\"salt\":\""), "{json}");
        let back: KdfParams = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
        let extra = json.replacen('{', "{\"x\":1,", 1);
        assert!(serde_json::from_str::<KdfParams>(&extra).is_err());
        assert!(derive_from_passphrase(b"a long passphrase", &p).is_ok());
    }

    fn subsets(n: usize, k: usize) -> Vec<Vec<usize>> {
        (0u32..1 << n)
            .filter(|m| m.count_ones() as usize == k)
            .map(|m| (0..n).filter(|i| m & (1 << i) != 0).collect())
            .collect()
    }

    #[test]
    fn any_three_of_five_trustees_rebuild_the_root_key() {
        let root = SecretKey::generate();
        let shares = split(&root, 5, 3).unwrap();
        assert_eq!(shares.len(), 5);
        for k in 3..=5 {
            for subset in subsets(5, k) {
                let picked: Vec<&str> = subset.iter().map(|&i| shares[i].as_str()).collect();
                assert_eq!(combine(&picked).unwrap(), root, "{subset:?}");
            }
        }
        for subset in subsets(5, 2) {
            let picked: Vec<&str> = subset.iter().map(|&i| shares[i].as_str()).collect();
            assert_eq!(combine(&picked).unwrap_err(), CryptoError::NotEnoughShares { have: 2, need: 3 });
        }
        // The same share twice is still one share.
        let twice = [shares[0].as_str(), shares[0].as_str(), shares[1].as_str()];
        assert_eq!(combine(&twice).unwrap_err(), CryptoError::NotEnoughShares { have: 2, need: 3 });
        assert_eq!(combine(&[]).unwrap_err(), CryptoError::NotEnoughShares { have: 0, need: 2 });
    }

    #[test]
    fn shares_fit_on_a_line_and_survive_retyping() {
        let root = SecretKey::generate();
        let shares = split(&root, 3, 2).unwrap();
        let s = shares[1].as_str();
        assert!(s.starts_with("custodia-share-v1-2-2-"), "{s}");
        assert!(s.len() < 100, "{}", s.len());
        assert_eq!(s.split('-').count(), 8);
        // Upper case and spaces, as someone might type from paper.
        let spaced: String = s
            .to_uppercase()
            .chars()
            .enumerate()
            .flat_map(|(i, c)| (i % 5 == 4).then_some(' ').into_iter().chain([c]))
            .collect();
        assert_eq!(combine(&[&spaced, shares[0].as_str()]).unwrap(), root);
        assert_eq!(format!("{:?}", shares[0]), "ShareText([redacted])");
    }

    #[test]
    fn a_mistyped_share_fails_its_checksum() {
        let root = SecretKey::generate();
        let shares = split(&root, 3, 2).unwrap();
        let good = shares[0].as_str();
        let body_end = good.rfind('-').unwrap();
        for pos in (17..good.len()).filter(|&p| good.as_bytes()[p] != b'-') {
            let mut typo = good.as_bytes().to_vec();
            typo[pos] = if typo[pos] == b'a' { b'b' } else { b'a' };
            if pos > body_end && !typo[pos].is_ascii_hexdigit() {
                continue;
            }
            let typo = String::from_utf8(typo).unwrap();
            assert_eq!(
                combine(&[&typo, shares[1].as_str()]).unwrap_err(),
                CryptoError::InvalidShare("checksum"),
                "position {pos}"
            );
        }
        // Two neighbouring characters swapped.
        let mut swapped = good.as_bytes().to_vec();
        let p = body_end - 3;
        swapped.swap(p, p + 1);
        if swapped != good.as_bytes() {
            let swapped = String::from_utf8(swapped).unwrap();
            assert_eq!(
                combine(&[&swapped, shares[1].as_str()]).unwrap_err(),
                CryptoError::InvalidShare("checksum")
            );
        }
    }

    #[test]
    fn shares_of_different_splits_do_not_mix() {
        let root = SecretKey::generate();
        let a = split(&root, 3, 2).unwrap();
        let b = split(&root, 3, 2).unwrap();
        assert_eq!(
            combine(&[a[0].as_str(), b[1].as_str()]).unwrap_err(),
            CryptoError::InvalidShare("shares come from different splits")
        );
    }

    #[test]
    fn foreign_text_and_future_versions_are_told_apart() {
        assert_eq!(combine(&["hello"]).unwrap_err(), CryptoError::InvalidShare("not a custodia share"));
        assert_eq!(
            combine(&["custodia-share-v2-2-1-00000000-aaaa-00000000"]).unwrap_err(),
            CryptoError::Unsupported
        );
    }

    #[test]
    fn split_parameters_are_validated() {
        let root = SecretKey::generate();
        for (n, k) in [(5, 1), (5, 0), (2, 3), (0, 0), (1, 1)] {
            assert!(matches!(split(&root, n, k), Err(CryptoError::InvalidShare(_))), "{n} {k}");
        }
        let all = split(&root, 255, 255).unwrap();
        let texts: Vec<&str> = all.iter().map(ShareText::as_str).collect();
        assert_eq!(combine(&texts).unwrap(), root);
        assert_eq!(
            combine(&texts[..254]).unwrap_err(),
            CryptoError::NotEnoughShares { have: 254, need: 255 }
        );
    }

    #[test]
    fn base32_round_trips_and_is_canonical() {
        for len in [0usize, 1, 4, 5, 31, 32] {
            let bytes: Vec<u8> = (0..len as u8).map(|b| b.wrapping_mul(37)).collect();
            let mut text = String::new();
            base32_encode(&bytes, &mut text);
            if len == 32 {
                assert_eq!(text.len(), 52);
                assert_eq!(&base32_decode::<32>(&text).unwrap()[..], &bytes[..]);
                // Non-zero padding bits would give a second spelling of the same bytes.
                let mut last = text.into_bytes();
                let l = last.len() - 1;
                last[l] = BASE32[(BASE32.iter().position(|&c| c == last[l]).unwrap()) | 1];
                assert!(base32_decode::<32>(std::str::from_utf8(&last).unwrap()).is_none());
            }
        }
        assert!(base32_decode::<32>(&"1".repeat(52)).is_none());
    }

    #[test]
    fn a_share_sent_to_a_trustee_with_age_comes_back() {
        use age::secrecy::ExposeSecret;
        let root = SecretKey::generate();
        let shares = split(&root, 3, 2).unwrap();
        let identity = age::x25519::Identity::generate();
        let recipient = identity.to_public().to_string();
        let armored = encrypt_share_to(shares[0].as_str(), &recipient).unwrap();
        assert!(armored.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"));
        assert!(!armored.contains(shares[0].as_str()));

        let secret = identity.to_string();
        let file = format!("# created: today\n# public key: {recipient}\n{}\n", secret.expose_secret());
        let back = decrypt_share(&armored, &file).unwrap();
        assert_eq!(back.as_str(), shares[0].as_str());

        let stranger = age::x25519::Identity::generate().to_string();
        assert_eq!(decrypt_share(&armored, stranger.expose_secret()).unwrap_err(), CryptoError::WrongKey);
        assert!(encrypt_share_to(shares[0].as_str(), "age1notakey").is_err());
        assert_eq!(
            encrypt_share_to("not a share", &recipient).unwrap_err(),
            CryptoError::InvalidShare("not a custodia share")
        );
        assert!(decrypt_share("garbage", secret.expose_secret()).is_err());
        assert!(decrypt_share(&armored, "AGE-SECRET-KEY-1XYZ").is_err());
    }
}
