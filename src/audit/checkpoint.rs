//! Signed checkpoints of the audit log's Merkle tree, in the C2SP tlog-checkpoint format
//! inside a C2SP signed note with Ed25519, byte-compatible with golang.org/x/mod/sumdb/note
//! so that witnesses and courts can check them with standard tools instead of ours.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

/// Far above any checkpoint; it only bounds the work an oversized input can cause.
const MAX_NOTE_BYTES: usize = 1 << 20;
/// The signed-note spec requires accepting at least 16; Go's implementation stops at 100.
const MAX_SIGNATURES: usize = 100;
/// Signature type byte for Ed25519 (c2sp.org/signed-note).
const ALG_ED25519: u8 = 0x01;
const SIGNATURE_PREFIX: &str = "\u{2014} ";
const PRIVATE_KEY_PREFIX: &str = "PRIVATE+KEY+";

/// Messages are safe to show: they never include key material or note contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("malformed checkpoint: {0}")]
    Malformed(&'static str),
    #[error("the checkpoint signature does not verify")]
    BadSignature,
    #[error("the checkpoint is not signed by the expected key")]
    UnknownKey,
    #[error("the system random number generator failed")]
    Random,
}

fn malformed(what: &'static str) -> CheckpointError {
    CheckpointError::Malformed(what)
}

/// The tree head a checkpoint commits to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: [u8; 32],
}

/// Signed notes may not contain ASCII control characters other than newline. Checking
/// bytes is exact: UTF-8 continuation and lead bytes are all >= 0x80.
fn has_forbidden_control(text: &str) -> bool {
    text.bytes().any(|b| b < 0x20 && b != b'\n')
}

fn check_origin(origin: &str) -> Result<(), CheckpointError> {
    if origin.is_empty() {
        return Err(malformed("origin is empty"));
    }
    if origin.contains('\n') || has_forbidden_control(origin) {
        return Err(malformed("origin contains a newline or control character"));
    }
    Ok(())
}

impl Checkpoint {
    /// `<origin>\n<size>\n<base64 root>\n`, with no extension lines.
    pub fn body(&self) -> String {
        format!("{}\n{}\n{}\n", self.origin, self.size, STANDARD.encode(self.root))
    }

    /// Parses a checkpoint body strictly. Extension lines are checked to be non-empty and
    /// then dropped: they are not auditable, and we never emit them.
    pub fn parse_body(text: &str) -> Result<Checkpoint, CheckpointError> {
        let content = text.strip_suffix('\n').ok_or(malformed("checkpoint does not end with a newline"))?;
        if has_forbidden_control(content) {
            return Err(malformed("checkpoint contains a control character"));
        }
        let mut lines = content.split('\n');
        let origin = lines.next().unwrap_or_default();
        check_origin(origin)?;
        let size = parse_size(lines.next().ok_or(malformed("checkpoint has no tree size"))?)?;
        let root = parse_root(lines.next().ok_or(malformed("checkpoint has no root hash"))?)?;
        if lines.any(str::is_empty) {
            return Err(malformed("checkpoint has an empty extension line"));
        }
        Ok(Checkpoint { origin: origin.to_owned(), size, root })
    }
}

fn parse_size(line: &str) -> Result<u64, CheckpointError> {
    // u64::from_str alone would accept "+5" and "007"; the format allows neither.
    if line.is_empty() || !line.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed("tree size is not a decimal number"));
    }
    if line.len() > 1 && line.starts_with('0') {
        return Err(malformed("tree size has a leading zero"));
    }
    line.parse().map_err(|_| malformed("tree size is out of range"))
}

fn parse_root(line: &str) -> Result<[u8; 32], CheckpointError> {
    // 44 characters is the only length 32 bytes encode to; checking first bounds the decode.
    if line.len() != 44 {
        return Err(malformed("root hash is not 32 bytes of base64"));
    }
    let bytes = STANDARD.decode(line).map_err(|_| malformed("root hash is not valid base64"))?;
    bytes.try_into().map_err(|_| malformed("root hash is not 32 bytes of base64"))
}

/// Key names as golang.org/x/mod/sumdb/note accepts them: non-empty, no Unicode space, no '+'.
fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

/// SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key)[:4], the key ID of c2sp.org/signed-note.
fn key_id(name: &str, public_key: &[u8; 32]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ALG_ED25519]);
    h.update(public_key);
    let digest: [u8; 32] = h.finalize().into();
    [digest[0], digest[1], digest[2], digest[3]]
}

fn parse_key_id(hex: &str) -> Result<[u8; 4], CheckpointError> {
    // from_str_radix alone would accept a leading '+'.
    if hex.len() != 8 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(malformed("key hash is not 8 hex digits"));
    }
    u32::from_str_radix(hex, 16).map(u32::to_be_bytes).map_err(|_| malformed("key hash is not 8 hex digits"))
}

fn hex8(id: &[u8; 4]) -> String {
    format!("{:08x}", u32::from_be_bytes(*id))
}

/// Signs checkpoints. The seed is wiped when this is dropped (ed25519-dalek zeroizes its
/// keys) and never appears in Debug output.
pub struct NoteSigner {
    name: String,
    key: SigningKey,
    key_id: [u8; 4],
}

impl fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NoteSigner")
            .field("name", &self.name)
            .field("key_id", &hex8(&self.key_id))
            .field("seed", &"<redacted>")
            .finish()
    }
}

impl NoteSigner {
    /// A new key from the operating system's random number generator.
    pub fn generate(name: &str) -> Result<NoteSigner, CheckpointError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut()).map_err(|_| CheckpointError::Random)?;
        NoteSigner::from_seed(name, *seed)
    }

    /// The name must be a valid note key name (non-empty, no spaces, no '+'); we also
    /// refuse control characters, which would make every note we sign malformed.
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<NoteSigner, CheckpointError> {
        let mut seed = seed;
        let key = SigningKey::from_bytes(&seed);
        seed.zeroize();
        if !is_valid_key_name(name) || name.chars().any(char::is_control) {
            return Err(malformed("key name is empty or has a space, '+' or control character"));
        }
        let key_id = key_id(name, key.verifying_key().as_bytes());
        Ok(NoteSigner { name: name.to_owned(), key, key_id })
    }

    /// Reads a Go-style signer key, `PRIVATE+KEY+<name>+<hash>+<base64(0x01 ‖ seed)>`.
    pub fn parse(signer_key: &str) -> Result<NoteSigner, CheckpointError> {
        let bad = || malformed("signer key is not PRIVATE+KEY+<name>+<hash>+<key>");
        let rest = signer_key.strip_prefix(PRIVATE_KEY_PREFIX).ok_or_else(bad)?;
        let (name, rest) = rest.split_once('+').ok_or_else(bad)?;
        let (hash, key) = rest.split_once('+').ok_or_else(bad)?;
        let claimed_id = parse_key_id(hash)?;
        let raw = Zeroizing::new(STANDARD.decode(key).map_err(|_| bad())?);
        let (&alg, seed) = raw.split_first().ok_or_else(bad)?;
        if alg != ALG_ED25519 {
            return Err(malformed("signer key is not an Ed25519 key"));
        }
        let seed: &[u8; 32] = seed.try_into().map_err(|_| bad())?;
        let signer = NoteSigner::from_seed(name, *seed)?;
        if signer.key_id != claimed_id {
            return Err(malformed("key hash does not match the key"));
        }
        Ok(signer)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 32-byte seed, for storing sealed; it is the whole private key.
    pub fn seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.key.to_bytes())
    }

    /// The private key in Go's text form, for tools that speak sumdb/note.
    pub fn signer_key(&self) -> Zeroizing<String> {
        let mut raw = Zeroizing::new([0u8; 33]);
        raw[0] = ALG_ED25519;
        raw[1..].copy_from_slice(self.key.as_bytes());
        let encoded = Zeroizing::new(STANDARD.encode(raw.as_slice()));
        // Built in place with its final capacity so no reallocation leaves a stray copy.
        let mut out = Zeroizing::new(String::with_capacity(
            PRIVATE_KEY_PREFIX.len() + self.name.len() + 1 + 8 + 1 + encoded.len(),
        ));
        out.push_str(PRIVATE_KEY_PREFIX);
        out.push_str(&self.name);
        out.push('+');
        out.push_str(&hex8(&self.key_id));
        out.push('+');
        out.push_str(&encoded);
        out
    }

    /// `<name>+<hash>+<base64(0x01 ‖ public key)>`, what verifiers are configured with.
    pub fn verifier_key(&self) -> String {
        verifier_key_text(&self.name, &self.key_id, &self.key.verifying_key())
    }

    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier { name: self.name.clone(), key_id: self.key_id, key: self.key.verifying_key() }
    }

    /// The whole signed note: body, blank line, one signature line.
    pub fn sign(&self, checkpoint: &Checkpoint) -> Result<String, CheckpointError> {
        check_origin(&checkpoint.origin)?;
        Ok(self.sign_text(&checkpoint.body()))
    }

    /// Signs any note text; `text` must already end in a newline and contain no blank
    /// line after its last one (true of every checkpoint body).
    fn sign_text(&self, text: &str) -> String {
        let signature = self.key.sign(text.as_bytes());
        let mut raw = [0u8; 4 + 64];
        raw[..4].copy_from_slice(&self.key_id);
        raw[4..].copy_from_slice(&signature.to_bytes());
        format!("{text}\n{SIGNATURE_PREFIX}{} {}\n", self.name, STANDARD.encode(raw))
    }
}

fn verifier_key_text(name: &str, id: &[u8; 4], key: &VerifyingKey) -> String {
    let mut raw = [0u8; 33];
    raw[0] = ALG_ED25519;
    raw[1..].copy_from_slice(key.as_bytes());
    format!("{name}+{}+{}", hex8(id), STANDARD.encode(raw))
}

/// Checks signed checkpoints against one trusted Ed25519 key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    key_id: [u8; 4],
    key: VerifyingKey,
}

impl NoteVerifier {
    /// Parses `<name>+<hash>+<base64(0x01 ‖ public key)>` and checks that the hash
    /// matches the name and key, as Go's note.NewVerifier does.
    pub fn parse(verifier_key: &str) -> Result<NoteVerifier, CheckpointError> {
        let bad = || malformed("verifier key is not <name>+<hash>+<key>");
        let (name, rest) = verifier_key.split_once('+').ok_or_else(bad)?;
        let (hash, key) = rest.split_once('+').ok_or_else(bad)?;
        if !is_valid_key_name(name) {
            return Err(malformed("key name is empty or has a space or '+'"));
        }
        let claimed_id = parse_key_id(hash)?;
        let raw = STANDARD.decode(key).map_err(|_| bad())?;
        let (&alg, public) = raw.split_first().ok_or_else(bad)?;
        if alg != ALG_ED25519 {
            return Err(malformed("verifier key is not an Ed25519 key"));
        }
        let public: &[u8; 32] = public.try_into().map_err(|_| bad())?;
        if key_id(name, public) != claimed_id {
            return Err(malformed("key hash does not match the key"));
        }
        let key = VerifyingKey::from_bytes(public).map_err(|_| malformed("not an Ed25519 public key"))?;
        // A small-order key would let anyone forge signatures that verify.
        if key.is_weak() {
            return Err(malformed("weak Ed25519 public key"));
        }
        Ok(NoteVerifier { name: name.to_owned(), key_id: claimed_id, key })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn verifier_key(&self) -> String {
        verifier_key_text(&self.name, &self.key_id, &self.key)
    }

    /// Verifies a signed note and parses its text as a checkpoint. The origin is returned,
    /// not checked: compare it with the log you expect.
    pub fn verify(&self, note: &str) -> Result<Checkpoint, CheckpointError> {
        Checkpoint::parse_body(self.open(note)?)
    }

    /// Splits a signed note per c2sp.org/signed-note and returns its text once a signature
    /// by this key verifies. Every line must be well-formed; lines from other keys
    /// (another name, or this name with another key hash) are skipped; any line from this
    /// key that fails rejects the note, which is stricter than Go (it checks only the first).
    fn open<'a>(&self, note: &'a str) -> Result<&'a str, CheckpointError> {
        if note.len() > MAX_NOTE_BYTES {
            return Err(malformed("note is larger than 1 MiB"));
        }
        if has_forbidden_control(note) {
            return Err(malformed("note contains a control character"));
        }
        // The text ends at the last blank line; it keeps its own final newline.
        let split = note.rfind("\n\n").ok_or(malformed("note has no signature block"))?;
        let (text, signatures) = (&note[..=split], &note[split + 2..]);
        let signatures =
            signatures.strip_suffix('\n').ok_or(malformed("note does not end with a newline"))?;
        if signatures.is_empty() {
            return Err(malformed("note has no signatures"));
        }
        let mut verified = false;
        for (count, line) in signatures.split('\n').enumerate() {
            if count >= MAX_SIGNATURES {
                return Err(malformed("note has more than 100 signatures"));
            }
            let line = line.strip_prefix(SIGNATURE_PREFIX).ok_or(malformed("bad signature line"))?;
            let (name, encoded) = line.split_once(' ').unwrap_or((line, ""));
            if !is_valid_key_name(name) || encoded.is_empty() {
                return Err(malformed("bad signature line"));
            }
            let raw = STANDARD.decode(encoded).map_err(|_| malformed("signature is not valid base64"))?;
            let Some((id, signature)) = raw.split_first_chunk::<4>() else {
                return Err(malformed("signature is too short"));
            };
            if signature.is_empty() {
                return Err(malformed("signature is too short"));
            }
            if name != self.name || *id != self.key_id {
                continue;
            }
            let signature = Signature::from_slice(signature).map_err(|_| CheckpointError::BadSignature)?;
            self.key.verify_strict(text.as_bytes(), &signature).map_err(|_| CheckpointError::BadSignature)?;
            verified = true;
        }
        if verified { Ok(text) } else { Err(CheckpointError::UnknownKey) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "custodia.example/audit";

    fn signer() -> NoteSigner {
        NoteSigner::from_seed(ORIGIN, [7; 32]).unwrap()
    }

    fn checkpoint() -> Checkpoint {
        let mut root = [0u8; 32];
        for (i, b) in root.iter_mut().enumerate() {
            *b = i as u8 * 7 + 1;
        }
        Checkpoint { origin: ORIGIN.to_owned(), size: 1_000_000, root }
    }

    fn b64_root(root: &[u8; 32]) -> String {
        STANDARD.encode(root)
    }

    #[test]
    fn sign_then_verify_round_trips() {
        let s = signer();
        let cp = checkpoint();
        let note = s.sign(&cp).unwrap();
        let sig_line = note.lines().last().unwrap();
        assert_eq!(note, format!("{}\n{}\n", cp.body(), sig_line));
        assert!(sig_line.starts_with(&format!("\u{2014} {ORIGIN} ")));
        let v = NoteVerifier::parse(&s.verifier_key()).unwrap();
        assert_eq!(v, s.verifier());
        assert_eq!(v.name(), ORIGIN);
        assert_eq!(v.verify(&note).unwrap(), cp);
        // An empty tree is a checkpoint too.
        let empty = Checkpoint { size: 0, ..cp };
        assert_eq!(v.verify(&s.sign(&empty).unwrap()).unwrap(), empty);
    }

    #[test]
    fn body_has_the_exact_c2sp_layout() {
        let cp = checkpoint();
        assert_eq!(cp.body(), format!("{ORIGIN}\n1000000\n{}\n", b64_root(&cp.root)));
        assert_eq!(Checkpoint::parse_body(&cp.body()).unwrap(), cp);
        // The example from c2sp.org/tlog-checkpoint.
        let spec = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        let parsed = Checkpoint::parse_body(spec).unwrap();
        assert_eq!((parsed.origin.as_str(), parsed.size), ("example.com/behind-the-sofa", 20852163));
        assert_eq!(parsed.body(), spec);
    }

    #[test]
    fn parse_body_is_strict() {
        let r = b64_root(&[9; 32]);
        let ok = |t: &str| Checkpoint::parse_body(t).unwrap();
        assert_eq!(ok(&format!("o\n0\n{r}\n")).size, 0);
        assert_eq!(ok(&format!("o\n18446744073709551615\n{r}\n")).size, u64::MAX);
        assert_eq!(ok(&format!("o\n1\n{r}\nextension one\next two\n")), ok(&format!("o\n1\n{r}\n")));
        let bad = [
            format!("o\n1\n{r}"),
            format!("\n1\n{r}\n"),
            format!("o\n\n{r}\n"),
            format!("o\n01\n{r}\n"),
            format!("o\n00\n{r}\n"),
            format!("o\n+1\n{r}\n"),
            format!("o\n-1\n{r}\n"),
            format!("o\n 1\n{r}\n"),
            format!("o\n1 \n{r}\n"),
            format!("o\n0x10\n{r}\n"),
            format!("o\n18446744073709551616\n{r}\n"),
            format!("o\n1\n{}\n", STANDARD.encode([9u8; 31])),
            format!("o\n1\n{}\n", STANDARD.encode([9u8; 33])),
            format!("o\n1\n{}\n", &r[..43]),
            format!("o\n1\n{}B\n", &r[..42]), // same length, non-canonical trailing bits
            format!("o\n1\n{}\n", r.replace('=', "")),
            format!("o\n1\n{}\n", base64::engine::general_purpose::URL_SAFE.encode([0xfb; 32])),
            format!("o\n1\n{r}\n\n"),
            format!("o\n1\n{r}\next\n\nmore\n"),
            format!("o\r\n1\n{r}\n"),
            format!("o\t\n1\n{r}\n"),
            "o\n1\n".to_string(),
            "o\n".to_string(),
            String::new(),
        ];
        for text in bad {
            assert!(matches!(Checkpoint::parse_body(&text), Err(CheckpointError::Malformed(_))), "{text:?}");
        }
    }

    #[test]
    fn changed_size_root_or_origin_fails_the_signature() {
        let s = signer();
        let v = s.verifier();
        let cp = checkpoint();
        let note = s.sign(&cp).unwrap();
        let sig = note.split_once("\n\n").unwrap().1;
        let mut other_root = cp.root;
        other_root[0] ^= 1;
        for changed in [
            Checkpoint { size: cp.size + 1, ..cp.clone() },
            Checkpoint { size: cp.size - 1, ..cp.clone() },
            Checkpoint { root: other_root, ..cp.clone() },
            Checkpoint { origin: "custodia.example/other".into(), ..cp.clone() },
        ] {
            let forged = format!("{}\n{sig}", changed.body());
            assert_eq!(v.verify(&forged), Err(CheckpointError::BadSignature));
        }
        // An extension line smuggled into signed text also breaks the signature.
        let smuggled = format!("{}extra\n\n{sig}", cp.body());
        assert_eq!(v.verify(&smuggled), Err(CheckpointError::BadSignature));
    }

    fn with_signature_bytes(note: &str, edit: impl Fn(&mut Vec<u8>)) -> String {
        let (head, line) = note.trim_end_matches('\n').rsplit_once(' ').unwrap();
        let mut raw = STANDARD.decode(line).unwrap();
        edit(&mut raw);
        format!("{head} {}\n", STANDARD.encode(raw))
    }

    #[test]
    fn every_flipped_signature_bit_is_rejected() {
        let s = signer();
        let v = s.verifier();
        let note = s.sign(&checkpoint()).unwrap();
        for bit in 0..68 * 8 {
            let flipped = with_signature_bytes(&note, |raw| raw[bit / 8] ^= 1 << (bit % 8));
            let want = if bit < 32 { CheckpointError::UnknownKey } else { CheckpointError::BadSignature };
            assert_eq!(v.verify(&flipped), Err(want), "bit {bit}");
        }
        let short = with_signature_bytes(&note, |raw| raw.truncate(67));
        assert_eq!(v.verify(&short), Err(CheckpointError::BadSignature));
        let long = with_signature_bytes(&note, |raw| raw.push(0));
        assert_eq!(v.verify(&long), Err(CheckpointError::BadSignature));
    }

    #[test]
    fn other_keys_are_ignored_but_never_trusted() {
        let ours = signer();
        let v = ours.verifier();
        let cp = checkpoint();
        // Same name, different key: its key hash differs, so it is someone else's key.
        let impostor = NoteSigner::from_seed(ORIGIN, [8; 32]).unwrap();
        let forged = impostor.sign(&cp).unwrap();
        assert_eq!(v.verify(&forged), Err(CheckpointError::UnknownKey));
        // Same name and a copied key hash: now it claims to be us and must verify as us.
        let copied_id = with_signature_bytes(&forged, |raw| raw[..4].copy_from_slice(&ours.key_id));
        assert_eq!(v.verify(&copied_id), Err(CheckpointError::BadSignature));
        // Unknown witnesses before and after ours are skipped.
        let witness = NoteSigner::from_seed("witness.example/w1", [9; 32]).unwrap();
        let witness_line = witness.sign(&cp).unwrap().split_once("\n\n").unwrap().1.to_owned();
        let our_note = ours.sign(&cp).unwrap();
        let our_line = our_note.split_once("\n\n").unwrap().1;
        let cosigned =
            format!("{}\n{witness_line}{our_line}{}", cp.body(), forged.split_once("\n\n").unwrap().1);
        assert_eq!(v.verify(&cosigned).unwrap(), cp);
        assert_eq!(witness.verifier().verify(&cosigned).unwrap(), cp);
        // Only other keys' signatures: nothing to trust.
        let only_witness = format!("{}\n{witness_line}", cp.body());
        assert_eq!(v.verify(&only_witness), Err(CheckpointError::UnknownKey));
        // A bad duplicate of our own signature spoils the note.
        let bad_dup = format!("{our_note}{}", with_signature_bytes(our_line, |raw| raw[40] ^= 1));
        assert_eq!(v.verify(&bad_dup), Err(CheckpointError::BadSignature));
    }

    #[test]
    fn truncated_or_unterminated_notes_are_rejected() {
        let s = signer();
        let v = s.verifier();
        let note = s.sign(&checkpoint()).unwrap();
        for end in (0..note.len()).filter(|&e| note.is_char_boundary(e)) {
            assert!(v.verify(&note[..end]).is_err(), "prefix of {end} bytes");
        }
        assert!(matches!(v.verify(note.trim_end_matches('\n')), Err(CheckpointError::Malformed(_))));
        assert!(matches!(v.verify(&format!("{note}\n")), Err(CheckpointError::Malformed(_))));
        assert!(matches!(v.verify(&note.replacen("\n\n", "\n", 1)), Err(CheckpointError::Malformed(_))));
        assert!(matches!(v.verify(&format!("{note}trailing garbage\n")), Err(CheckpointError::Malformed(_))));
        assert!(matches!(v.verify(&note.replace('\u{2014}', "-")), Err(CheckpointError::Malformed(_))));
        assert!(matches!(v.verify(&note.replace('\n', "\r\n")), Err(CheckpointError::Malformed(_))));
    }

    #[test]
    fn extension_lines_are_verified_then_dropped() {
        let s = signer();
        let cp = checkpoint();
        let text = format!("{}Timestamp: 1700000000\nsomething else\n", cp.body());
        let note = s.sign_text(&text);
        assert_eq!(s.verifier().verify(&note).unwrap(), cp);
        let blank_ext = s.sign_text(&format!("{}x\n\ny\n", cp.body()));
        // The signature covers it, but extension lines must be non-empty.
        assert!(matches!(s.verifier().verify(&blank_ext), Err(CheckpointError::Malformed(_))));
    }

    #[test]
    fn size_and_signature_count_limits() {
        let s = signer();
        let v = s.verifier();
        let cp = checkpoint();
        let note = s.sign(&cp).unwrap();
        let line = note.split_once("\n\n").unwrap().1;
        let other = NoteSigner::from_seed("other", [1; 32]).unwrap();
        let other_line = other.sign(&cp).unwrap().split_once("\n\n").unwrap().1.to_owned();
        let with = |n: usize| format!("{note}{}", other_line.repeat(n));
        assert_eq!(v.verify(&with(99)).unwrap(), cp);
        assert!(matches!(v.verify(&with(100)), Err(CheckpointError::Malformed(_))));
        let too_many = format!("{}\n{}", cp.body(), line.repeat(101));
        assert!(matches!(v.verify(&too_many), Err(CheckpointError::Malformed(_))));
        let huge = format!("{}{}\n\n{line}", cp.body(), "x".repeat(MAX_NOTE_BYTES));
        assert_eq!(v.verify(&huge), Err(CheckpointError::Malformed("note is larger than 1 MiB")));
    }

    #[test]
    fn verifier_keys_round_trip_and_mangled_ones_are_refused() {
        let s = signer();
        let vkey = s.verifier_key();
        let v = NoteVerifier::parse(&vkey).unwrap();
        assert_eq!(v.verifier_key(), vkey);
        let (name, rest) = vkey.split_once('+').unwrap();
        assert_eq!(name, ORIGIN);
        assert_eq!(rest.split_once('+').unwrap().0, hex8(&s.key_id));
        // Every proper substring and every single-character change fails, as in Go's tests.
        let b = vkey.as_bytes();
        for i in 0..=b.len() {
            for j in i + 1..=b.len() {
                if (i, j) != (0, b.len()) {
                    let sub = std::str::from_utf8(&b[i..j]).unwrap();
                    assert!(NoteVerifier::parse(sub).is_err(), "{sub}");
                }
            }
        }
        for i in 0..b.len() {
            let mut m = b.to_vec();
            m[i] = m[i].wrapping_add(1);
            if let Ok(m) = std::str::from_utf8(&m) {
                assert!(NoteVerifier::parse(m).is_err(), "{m}");
            }
        }
        let upper =
            format!("{ORIGIN}+{}+{}", hex8(&s.key_id).to_uppercase(), rest.split_once('+').unwrap().1);
        assert_eq!(NoteVerifier::parse(&upper).unwrap(), v);
        assert!(NoteVerifier::parse(&vkey.replace(ORIGIN, "+1234567")).is_err());
    }

    #[test]
    fn signer_seed_and_debug_stay_private_but_usable() {
        let s = signer();
        assert_eq!(*s.seed(), [7; 32]);
        let again = NoteSigner::from_seed(ORIGIN, *s.seed()).unwrap();
        assert_eq!(again.verifier_key(), s.verifier_key());
        let reparsed = NoteSigner::parse(&s.signer_key()).unwrap();
        assert_eq!(reparsed.verifier_key(), s.verifier_key());
        let debug = format!("{s:?}");
        assert!(debug.contains("<redacted>") && debug.contains(ORIGIN), "{debug}");
        assert!(!debug.contains("7, 7") && !debug.contains(&STANDARD.encode([7u8; 32])[..10]), "{debug}");
        let a = NoteSigner::generate(ORIGIN).unwrap();
        let b = NoteSigner::generate(ORIGIN).unwrap();
        assert_ne!(a.verifier_key(), b.verifier_key());
        assert_eq!(a.verifier().verify(&a.sign(&checkpoint()).unwrap()).unwrap(), checkpoint());
    }

    #[test]
    fn bad_names_and_origins_are_refused() {
        for name in ["", "a b", "a+b", "a\tb", "a\u{2003}b", "a\u{1}b", "a\nb"] {
            assert!(NoteSigner::from_seed(name, [7; 32]).is_err(), "{name:?}");
        }
        let s = signer();
        for origin in ["", "two\nlines", "bell\u{7}"] {
            let cp = Checkpoint { origin: origin.into(), ..checkpoint() };
            assert!(matches!(s.sign(&cp), Err(CheckpointError::Malformed(_))), "{origin:?}");
        }
        assert!(NoteSigner::parse("PRIVATE+KEY+x+00000000+AQ==").is_err());
        assert!(NoteSigner::parse(&s.signer_key().replace("PRIVATE", "PUBLIC")).is_err());
    }

    // Published vectors from golang.org/x/mod, file sumdb/note/note_test.go (TestNewVerifier,
    // TestNewSigner, TestSign, TestOpen): proves byte-level interoperability with Go's note
    // package, which the C2SP signed-note spec was written from.
    const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const PETER_SKEY: &str = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
    const GO_TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    const PETER_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    const ENOCH_SIG: &str = "\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

    #[test]
    fn go_sumdb_note_vectors() {
        let signer = NoteSigner::parse(PETER_SKEY).unwrap();
        assert_eq!(signer.verifier_key(), PETER_VKEY);
        assert_eq!(*signer.signer_key(), PETER_SKEY);
        assert_eq!(signer.sign_text(GO_TEXT), format!("{GO_TEXT}\n{PETER_SIG}"));

        let peter = NoteVerifier::parse(PETER_VKEY).unwrap();
        let enoch = NoteVerifier::parse(ENOCH_VKEY).unwrap();
        assert_eq!(peter.verifier_key(), PETER_VKEY);
        let both = format!("{GO_TEXT}\n{PETER_SIG}{ENOCH_SIG}");
        assert_eq!(peter.open(&both).unwrap(), GO_TEXT);
        assert_eq!(enoch.open(&both).unwrap(), GO_TEXT);
        // The text is not a checkpoint, so verify() must still refuse it after the signature.
        assert!(matches!(peter.verify(&both), Err(CheckpointError::Malformed(_))));
        let invalid = format!("{GO_TEXT}\n{}ABCD{}", &PETER_SIG[..60], &PETER_SIG[60..]);
        assert_eq!(peter.open(&invalid), Err(CheckpointError::BadSignature));
        let bad_msgs = [
            GO_TEXT.to_string(),
            format!("{GO_TEXT}\n"),
            format!("{GO_TEXT}\n{}", &PETER_SIG[..PETER_SIG.len() - 1]),
            format!("\u{1}{GO_TEXT}\n{PETER_SIG}"),
            format!(
                "{GO_TEXT}\n\u{2014} Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
            ),
            format!("{GO_TEXT}\n{PETER_SIG}Unexpected line.\n"),
            format!("{GO_TEXT}\n{}", PETER_SIG.repeat(101)),
        ];
        for msg in bad_msgs {
            assert!(matches!(peter.open(&msg), Err(CheckpointError::Malformed(_))), "{msg:?}");
        }
        // Go's manglings of the keys.
        assert!(
            NoteVerifier::parse("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==")
                .is_err()
        );
        assert!(
            NoteVerifier::parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
                .is_err()
        );
        let b = PETER_SKEY.as_bytes();
        for i in 0..b.len() {
            let mut m = b.to_vec();
            m[i] = m[i].wrapping_add(1);
            if let Ok(m) = std::str::from_utf8(&m) {
                assert!(NoteSigner::parse(m).is_err(), "{m}");
            }
        }
    }
}
