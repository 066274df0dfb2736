//! The versioned keyring: key-encryption keys (KEKs) by version, one of them primary,
//! plus the root of the blind-index keys. Rotation adds a new primary and rewrapping moves
//! DEKs onto it; persisted as entries each sealed under the root key.
//!
//! ```text
//! keyring entry (62 bytes):
//!   version=1 (1) | alg=0x04 (1) | nonce (12) | key ciphertext (32) | tag (16)
//!   AES-256-GCM under the root key; AAD = "custodia/keyring-entry", version, alg,
//!   kind (1 = KEK, 2 = blind-index root), key version (u32 BE)
//! ```

use std::collections::BTreeMap;
use std::str::FromStr;

use super::envelope::{self, blob_kek_version};
use super::error::CryptoError;
use super::key::{Dek, KEY_LEN, SecretKey};
use super::wire::{
    NONCE_LEN, TAG_LEN, Transcript, aes256gcm, hkdf_sha256, open_in_place, random_array, seal_in_place,
};

const ENTRY_VERSION: u8 = 1;
const ALG_ENTRY_AES256GCM: u8 = 0x04;
const ENTRY_LEN: usize = 2 + NONCE_LEN + KEY_LEN + TAG_LEN;
/// Version under which the single blind-index root is stored.
const BLIND_INDEX_ROOT_VERSION: u32 = 1;

/// What a stored keyring entry holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyKind {
    /// A key-encryption key that wraps record DEKs.
    Kek,
    /// The key from which every blind-index key is derived.
    BlindIndexRoot,
}

impl KeyKind {
    /// Stable text form for a database column.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kek => "kek",
            Self::BlindIndexRoot => "blind_index_root",
        }
    }

    fn code(self) -> u8 {
        match self {
            Self::Kek => 1,
            Self::BlindIndexRoot => 2,
        }
    }
}

impl FromStr for KeyKind {
    type Err = CryptoError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "kek" => Ok(Self::Kek),
            "blind_index_root" => Ok(Self::BlindIndexRoot),
            _ => Err(CryptoError::Malformed("unknown key kind")),
        }
    }
}

/// One keyring key sealed under the root key, as stored in the database.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyEntry {
    /// What the key is for.
    pub kind: KeyKind,
    /// Its version (KEK version; 1 for the blind-index root).
    pub version: u32,
    /// The sealed key (ciphertext; see the module doc for the layout).
    pub wrapped: Vec<u8>,
}

impl std::fmt::Debug for KeyEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyEntry")
            .field("kind", &self.kind)
            .field("version", &self.version)
            .field("wrapped_len", &self.wrapped.len())
            .finish()
    }
}

fn entry_aad(kind: KeyKind, version: u32) -> Vec<u8> {
    Transcript::new("custodia/keyring-entry")
        .u8(ENTRY_VERSION)
        .u8(ALG_ENTRY_AES256GCM)
        .u8(kind.code())
        .u32(version)
        .finish()
}

fn seal_entry(root: &SecretKey, kind: KeyKind, version: u32, key: &SecretKey) -> KeyEntry {
    let nonce: [u8; NONCE_LEN] = random_array();
    let mut wrapped = Vec::with_capacity(ENTRY_LEN);
    wrapped.extend_from_slice(&[ENTRY_VERSION, ALG_ENTRY_AES256GCM]);
    wrapped.extend_from_slice(&nonce);
    wrapped.extend_from_slice(key.expose());
    let cipher = aes256gcm(root.expose());
    // Provably infallible: the only error is a plaintext over 64 GiB and a key is 32 bytes.
    #[allow(clippy::expect_used)]
    let tag = seal_in_place(&cipher, &nonce, &entry_aad(kind, version), &mut wrapped[2 + NONCE_LEN..])
        .expect("a 32-byte plaintext is within AES-GCM limits");
    wrapped.extend_from_slice(&tag);
    KeyEntry { kind, version, wrapped }
}

/// Checks the entry's shape; `Ok(None)` means the shape is fine but it does not open.
fn open_entry(root: &SecretKey, entry: &KeyEntry) -> Result<Option<SecretKey>, CryptoError> {
    let blob = &entry.wrapped;
    match (blob.first(), blob.get(1)) {
        (Some(&ENTRY_VERSION), Some(&ALG_ENTRY_AES256GCM)) => {}
        (Some(_), Some(_)) => return Err(CryptoError::Unsupported),
        _ => return Err(CryptoError::Malformed("keyring entry too short")),
    }
    let Some((nonce, body)) = blob[2..].split_first_chunk::<NONCE_LEN>() else {
        return Err(CryptoError::Malformed("keyring entry too short"));
    };
    if body.len() != KEY_LEN + TAG_LEN {
        return Err(CryptoError::Malformed("keyring entry has the wrong length"));
    }
    let (ct, tag) = body.split_at(KEY_LEN);
    let mut key = SecretKey::zeroed();
    key.bytes_mut().copy_from_slice(ct);
    let cipher = aes256gcm(root.expose());
    let aad = entry_aad(entry.kind, entry.version);
    match open_in_place(&cipher, nonce, &aad, &mut key.bytes_mut()[..], tag) {
        Ok(()) => Ok(Some(key)),
        Err(_) => Ok(None),
    }
}

/// All KEKs by version, the primary one, and the blind-index root.
#[derive(Clone)]
pub struct Keyring {
    primary_version: u32,
    primary: SecretKey,
    /// Non-primary KEKs, still needed to unwrap DEKs not yet rewrapped.
    older: BTreeMap<u32, SecretKey>,
    blind_index_root: SecretKey,
}

impl Keyring {
    /// A new keyring: KEK version 1 as primary and a fresh blind-index root.
    #[must_use]
    pub fn generate() -> Self {
        Self {
            primary_version: 1,
            primary: SecretKey::generate(),
            older: BTreeMap::new(),
            blind_index_root: SecretKey::generate(),
        }
    }

    /// Adds a fresh KEK as primary, numbered one above the highest version, and returns it.
    /// Old versions stay until removed so that existing DEKs still unwrap.
    pub fn rotate(&mut self) -> Result<u32, CryptoError> {
        let highest =
            self.older.keys().next_back().map_or(self.primary_version, |&v| v.max(self.primary_version));
        let next = highest.checked_add(1).ok_or(CryptoError::TooLarge)?;
        let previous = std::mem::replace(&mut self.primary, SecretKey::generate());
        self.older.insert(self.primary_version, previous);
        self.primary_version = next;
        Ok(next)
    }

    /// The version new DEKs are wrapped under.
    #[must_use]
    pub fn primary_version(&self) -> u32 {
        self.primary_version
    }

    /// Every KEK version held, ascending.
    #[must_use]
    pub fn versions(&self) -> Vec<u32> {
        let mut versions: Vec<u32> = self.older.keys().copied().collect();
        versions.push(self.primary_version);
        versions.sort_unstable();
        versions
    }

    /// Destroys a retired KEK (crypto-shredding whatever is still wrapped under it).
    /// The primary cannot be removed.
    pub fn remove(&mut self, version: u32) -> Result<(), CryptoError> {
        if version == self.primary_version {
            return Err(CryptoError::PrimaryKeyInUse);
        }
        self.older.remove(&version).map(drop).ok_or(CryptoError::KeyUnavailable(version))
    }

    fn kek(&self, version: u32) -> Result<&SecretKey, CryptoError> {
        if version == self.primary_version {
            return Ok(&self.primary);
        }
        self.older.get(&version).ok_or(CryptoError::KeyUnavailable(version))
    }

    /// Wraps a record's DEK under the primary KEK.
    #[must_use]
    pub fn wrap_dek(&self, table: &str, record_id: &str, dek: &Dek) -> Vec<u8> {
        envelope::wrap_dek(&self.primary, self.primary_version, table, record_id, dek)
    }

    /// Unwraps a DEK under whichever KEK version its header names.
    pub fn unwrap_dek(&self, table: &str, record_id: &str, blob: &[u8]) -> Result<Dek, CryptoError> {
        let kek = self.kek(blob_kek_version(blob)?)?;
        envelope::unwrap_dek(kek, table, record_id, blob)
    }

    /// Rewraps a DEK under the primary KEK without touching any field; `None` when it is
    /// already there.
    pub fn rewrap_dek(
        &self,
        table: &str,
        record_id: &str,
        blob: &[u8],
    ) -> Result<Option<Vec<u8>>, CryptoError> {
        if blob_kek_version(blob)? == self.primary_version {
            return Ok(None);
        }
        let dek = self.unwrap_dek(table, record_id, blob)?;
        Ok(Some(self.wrap_dek(table, record_id, &dek)))
    }

    /// The key for one blind index, derived by HKDF so that indexes cannot be correlated
    /// with each other.
    #[must_use]
    pub fn blind_index_key(&self, index_name: &str) -> SecretKey {
        let info = Transcript::new("custodia/blind-index-key").str(index_name).finish();
        let mut key = SecretKey::zeroed();
        hkdf_sha256(self.blind_index_root.expose(), &[], &info, &mut key.bytes_mut()[..]);
        key
    }

    /// Seals every key under `root` for storage (fresh nonces each time).
    #[must_use]
    pub fn to_entries(&self, root: &SecretKey) -> Vec<KeyEntry> {
        let mut entries: Vec<KeyEntry> =
            self.older.iter().map(|(&v, k)| seal_entry(root, KeyKind::Kek, v, k)).collect();
        entries.push(seal_entry(root, KeyKind::Kek, self.primary_version, &self.primary));
        entries.sort_by_key(|e| e.version);
        entries.push(seal_entry(
            root,
            KeyKind::BlindIndexRoot,
            BLIND_INDEX_ROOT_VERSION,
            &self.blind_index_root,
        ));
        entries
    }

    /// Rebuilds the keyring from stored entries. If no entry opens, the root key is wrong
    /// (`WrongKey`); if only some do, entries were tampered with (`Integrity`).
    pub fn from_entries(root: &SecretKey, entries: &[KeyEntry], primary: u32) -> Result<Self, CryptoError> {
        let mut opened = Vec::with_capacity(entries.len());
        for entry in entries {
            opened.push((entry, open_entry(root, entry)?));
        }
        if !opened.is_empty() && opened.iter().all(|(_, k)| k.is_none()) {
            return Err(CryptoError::WrongKey);
        }
        let mut keks = BTreeMap::new();
        let mut blind_index_root = None;
        for (entry, key) in opened {
            let key = key.ok_or(CryptoError::Integrity)?;
            let duplicate = match entry.kind {
                KeyKind::Kek => {
                    if entry.version == 0 {
                        return Err(CryptoError::Malformed("key version 0 is reserved"));
                    }
                    keks.insert(entry.version, key).is_some()
                }
                KeyKind::BlindIndexRoot => blind_index_root.replace(key).is_some(),
            };
            if duplicate {
                return Err(CryptoError::Malformed("duplicate keyring entry"));
            }
        }
        let blind_index_root = blind_index_root.ok_or(CryptoError::Malformed("blind-index root missing"))?;
        let primary_key = keks.remove(&primary).ok_or(CryptoError::KeyUnavailable(primary))?;
        Ok(Self { primary_version: primary, primary: primary_key, older: keks, blind_index_root })
    }
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("primary_version", &self.primary_version)
            .field("versions", &self.versions())
            .field("keys", &"[redacted]")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_keyring_comes_back_whole() {
        let root = SecretKey::generate();
        let mut ring = Keyring::generate();
        ring.rotate().unwrap();
        let dek = Dek::generate();
        let wrapped = ring.wrap_dek("testimonies", "r1", &dek);

        let entries = ring.to_entries(&root);
        assert_eq!(entries.len(), 3);
        let back = Keyring::from_entries(&root, &entries, 2).unwrap();
        assert_eq!(back.primary_version(), 2);
        assert_eq!(back.versions(), vec![1, 2]);
        assert_eq!(back.unwrap_dek("testimonies", "r1", &wrapped).unwrap(), dek);
        assert_eq!(back.blind_index_key("person_name"), ring.blind_index_key("person_name"));
        for e in &entries {
            assert_eq!(e.wrapped.len(), ENTRY_LEN);
            assert_eq!(e.kind.as_str().parse::<KeyKind>().unwrap(), e.kind);
        }
    }

    #[test]
    fn the_wrong_root_key_is_reported_as_such() {
        let ring = Keyring::generate();
        let entries = ring.to_entries(&SecretKey::generate());
        assert_eq!(
            Keyring::from_entries(&SecretKey::generate(), &entries, 1).unwrap_err(),
            CryptoError::WrongKey
        );
    }

    #[test]
    fn tampered_or_relabelled_entries_fail_integrity() {
        let root = SecretKey::generate();
        let mut ring = Keyring::generate();
        ring.rotate().unwrap();
        let entries = ring.to_entries(&root);

        let mut flipped = entries.clone();
        flipped[0].wrapped[20] ^= 1;
        assert_eq!(Keyring::from_entries(&root, &flipped, 2).unwrap_err(), CryptoError::Integrity);

        // Swapping version labels would make an old KEK look primary.
        let mut swapped = entries.clone();
        swapped[0].version = 2;
        swapped[1].version = 1;
        assert_eq!(Keyring::from_entries(&root, &swapped, 2).unwrap_err(), CryptoError::Integrity);

        // A KEK passed off as the blind-index root.
        let mut rekinded = entries.clone();
        rekinded[2].wrapped = entries[0].wrapped.clone();
        assert_eq!(Keyring::from_entries(&root, &rekinded, 2).unwrap_err(), CryptoError::Integrity);

        let mut short = entries.clone();
        short[1].wrapped.pop();
        assert!(matches!(Keyring::from_entries(&root, &short, 2), Err(CryptoError::Malformed(_))));
        let mut future = entries;
        future[1].wrapped[0] = 2;
        assert_eq!(Keyring::from_entries(&root, &future, 2).unwrap_err(), CryptoError::Unsupported);
    }

    #[test]
    fn incomplete_keyrings_are_refused() {
        let root = SecretKey::generate();
        let ring = Keyring::generate();
        let entries = ring.to_entries(&root);
        assert_eq!(Keyring::from_entries(&root, &entries, 5).unwrap_err(), CryptoError::KeyUnavailable(5));
        assert!(matches!(Keyring::from_entries(&root, &entries[..1], 1), Err(CryptoError::Malformed(_))));
        let doubled = [entries.clone(), entries[..1].to_vec()].concat();
        assert!(matches!(Keyring::from_entries(&root, &doubled, 1), Err(CryptoError::Malformed(_))));
        assert!(Keyring::from_entries(&root, &[], 1).is_err());
    }

    #[test]
    fn rotation_then_rewrap_moves_deks_to_the_new_primary() {
        let mut ring = Keyring::generate();
        let dek = Dek::generate();
        let old = ring.wrap_dek("testimonies", "r1", &dek);
        assert_eq!(ring.rewrap_dek("testimonies", "r1", &old).unwrap(), None);

        assert_eq!(ring.rotate().unwrap(), 2);
        assert_eq!(ring.primary_version(), 2);
        let new = ring.rewrap_dek("testimonies", "r1", &old).unwrap().unwrap();
        assert_eq!(blob_kek_version(&new).unwrap(), 2);
        assert_eq!(ring.unwrap_dek("testimonies", "r1", &new).unwrap(), dek);
        assert_eq!(ring.rewrap_dek("testimonies", "r1", &new).unwrap(), None);
        // Rewrapping still checks where the DEK belongs.
        assert_eq!(ring.rewrap_dek("testimonies", "r2", &old).unwrap_err(), CryptoError::Integrity);

        ring.remove(1).unwrap();
        assert_eq!(ring.versions(), vec![2]);
        assert_eq!(ring.unwrap_dek("testimonies", "r1", &old).unwrap_err(), CryptoError::KeyUnavailable(1));
        assert_eq!(ring.remove(1).unwrap_err(), CryptoError::KeyUnavailable(1));
        assert_eq!(ring.remove(2).unwrap_err(), CryptoError::PrimaryKeyInUse);
        assert_eq!(ring.rotate().unwrap(), 3);
    }

    #[test]
    fn blind_index_keys_are_separate_per_index() {
        let ring = Keyring::generate();
        let a = ring.blind_index_key("person_name");
        assert_eq!(a, ring.blind_index_key("person_name"));
        assert_ne!(a, ring.blind_index_key("place"));
        assert_ne!(a, Keyring::generate().blind_index_key("person_name"));
    }

    #[test]
    fn debug_output_shows_versions_but_no_keys() {
        let ring = Keyring::generate();
        let shown = format!("{ring:?} {:?}", ring.to_entries(&SecretKey::generate()));
        assert!(shown.contains("primary_version: 1"));
        assert!(shown.contains("[redacted]"));
        assert!(!shown.contains("wrapped: ["));
    }
}
