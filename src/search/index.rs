//! The blind index (CipherSweet's design): every normalised token becomes
//! HMAC-SHA256(per-index key, token) truncated to 16 bits. A record's tokens live in the
//! engine's own inverted index, one row per record — a contentless FTS5 table on SQLite,
//! an `INTEGER[]` under GIN on PostgreSQL — with one more *scope token* naming its index
//! and case, so a search asks the engine for its words within the caller's cases and the
//! engine intersects the postings (measured against a token table: docs/performance.md).
//! Truncation means a token stands for several words, so a search fetches candidates
//! and re-checks them on the decrypted text: no false results, and the index alone
//! cannot tell which of the words a token stands for (docs/threat-model.md).
//!
//! Beside its postings, each record keeps its *digests*: 64 bits of the same HMACs, sealed
//! under a key of the index. A search opens the digests of its candidates and drops those
//! that lack a term before decrypting any record (`narrow`), so the coincidences the
//! truncation buys cost a small decryption each rather than normalising a whole testimony.

use std::collections::HashMap;

use diesel::prelude::*;
use hmac::{KeyInit, Mac};
use sha2::Sha256;

pub use super::entries::{Prepared, generation_hint};
use super::normalize;
use crate::crypto::{Dek, FieldContext, Keyring, SecretKey, open_field, seal_field};
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::search_digests;
#[cfg(feature = "sqlite")]
use crate::store::schema::search_records;

/// Bits kept of each HMAC. CipherSweet's coincidence rule asks for 2 ≤ R/2^L ≤ √R with
/// R the number of distinct inputs: a few hundred thousand stems and names (R ≈ 2^17 –
/// 2^18) give L between 9 and 16; 16 keeps candidate sets small.
pub const TOKEN_BITS: u32 = 16;
/// Each record's token set is padded with random tokens up to a multiple of this, so the
/// count of tokens does not reveal the length of the text.
pub const PAD_TO: usize = 32;

/// One blind index: what is indexed, and its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    /// Words of testimony accounts and summaries (identifying spans excluded).
    Testimonies,
    /// Whole names and aliases of persons, in every script (never single words).
    Names,
}

impl Index {
    pub fn table(self) -> &'static str {
        match self {
            Index::Testimonies => "testimonies",
            Index::Names => "persons",
        }
    }

    fn key_name(self) -> &'static str {
        match self {
            Index::Testimonies => "search/testimonies/words/v1",
            Index::Names => "search/persons/names/v1",
        }
    }
}

/// What a record must hold to answer a search: any one of `alternatives`, each a list of
/// groups that must all be present, a group being present when any one of its items is.
/// Words of a testimony search are one alternative, a group per word (its stem or its
/// cross-script key); a name search is the parts of the name, all of them, or any of the
/// whole-name tokens. Items are normalised tokens, their blind tokens or their digests.
/// No `Debug`: the items may be search words.
#[derive(Clone, PartialEq, Eq)]
pub struct Wanted<T> {
    pub alternatives: Vec<Vec<Vec<T>>>,
}

impl<T: Clone> Wanted<T> {
    /// Every item (a group each).
    pub fn all(items: &[T]) -> Self {
        Wanted { alternatives: vec![items.iter().map(|t| vec![t.clone()]).collect()] }
    }

    /// Any one item (one group of them).
    pub fn any(items: &[T]) -> Self {
        Wanted { alternatives: vec![vec![items.to_vec()]] }
    }

    /// Whether a record whose items `has` answers. An empty alternative or group asks for
    /// nothing and so answers nothing: a search without terms must not match everything.
    pub fn holds(&self, has: impl Fn(&T) -> bool) -> bool {
        self.alternatives.iter().any(|groups| !groups.is_empty() && groups.iter().all(|g| g.iter().any(&has)))
    }

    /// The alternatives that can answer at all (no empty group), for a query of the index.
    pub fn answerable(&self) -> impl Iterator<Item = &Vec<Vec<T>>> {
        self.alternatives.iter().filter(|groups| !groups.is_empty() && groups.iter().all(|g| !g.is_empty()))
    }

    pub fn map<U>(&self, f: impl Fn(&T) -> U) -> Wanted<U> {
        Wanted {
            alternatives: self
                .alternatives
                .iter()
                .map(|groups| groups.iter().map(|g| g.iter().map(&f).collect()).collect())
                .collect(),
        }
    }
}

pub struct BlindIndex {
    index: Index,
    /// The build of the index its rows belong to (`search::reindex`).
    build: i64,
    key: SecretKey,
    /// Seals each record's digests; derived beside `key`, so a new generation has its own.
    sealing: Dek,
}

/// The generation of index keys searches use (a rebuild with `--new-key` makes a new one).
pub fn generation(c: &mut DbConnection) -> Result<i64> {
    Ok(active(c)?.1)
}

/// The build searches use and its key generation.
pub fn active(c: &mut DbConnection) -> Result<(i64, i64)> {
    use crate::store::schema::search_meta;
    Ok(search_meta::table.find(1_i64).select((search_meta::build, search_meta::generation)).first(c)?)
}

/// The builds a write indexes a record under, each with its keys: the active one, which
/// searches use, and the one `search reindex` is building beside it, if any, so that the
/// record is found whichever way the rebuild ends. On PostgreSQL the write share-locks
/// the meta row until it commits, and a rebuild starts and switches by updating that row:
/// each waits for the writes in flight, so no write indexes under builds that changed
/// before it committed. On SQLite the single writer orders them anyway.
pub fn builds_for_write(
    c: &mut DbConnection,
    keyring: &Keyring,
    index: Index,
) -> Result<Vec<(BlindIndex, i64)>> {
    use crate::store::schema::{search_meta, search_rebuild};
    let (build, generation) = match c {
        #[cfg(feature = "postgres")]
        DbConnection::Postgres(conn) => search_meta::table
            .find(1_i64)
            .select((search_meta::build, search_meta::generation))
            .for_share()
            .first(conn)?,
        #[allow(unreachable_patterns)]
        _ => active(c)?,
    };
    let mut builds = vec![(BlindIndex::new(keyring, index, generation).in_build(build), generation)];
    let next: Option<(i64, i64)> = search_rebuild::table
        .select((search_rebuild::build, search_rebuild::generation))
        .first(c)
        .optional()?;
    if let Some((build, generation)) = next {
        builds.push((BlindIndex::new(keyring, index, generation).in_build(build), generation));
    }
    Ok(builds)
}

impl BlindIndex {
    /// The index's key for a key generation: HKDF from the keyring's blind-index root,
    /// one key per index and generation.
    pub fn new(keyring: &Keyring, index: Index, generation: i64) -> Self {
        let name = format!("{}/g{generation}", index.key_name());
        BlindIndex {
            index,
            build: 1,
            key: keyring.blind_index_key(&name),
            sealing: Dek::from_key(keyring.blind_index_key(&format!("{name}/digests"))),
        }
    }

    /// The same keys for the rows of another build.
    pub fn in_build(self, build: i64) -> Self {
        BlindIndex { build, ..self }
    }

    pub fn build(&self) -> i64 {
        self.build
    }

    pub fn index(&self) -> Index {
        self.index
    }

    /// The index searches use, as it stands in the database.
    pub fn current(c: &mut DbConnection, keyring: &Keyring, index: Index) -> Result<Self> {
        let (build, generation) = active(c)?;
        Ok(Self::new(keyring, index, generation).in_build(build))
    }

    /// The first 64 bits of HMAC-SHA256(key, token); the posting is the first 16 of them.
    pub fn digest(&self, normalised: &str) -> u64 {
        // HMAC takes keys of any length; a 32-byte key cannot be refused.
        let Ok(mut mac) = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(self.key.expose()) else {
            return 0;
        };
        mac.update(normalised.as_bytes());
        let mac = mac.finalize().into_bytes();
        let mut first = [0u8; 8];
        first.copy_from_slice(&mac[..8]);
        u64::from_be_bytes(first)
    }

    pub fn token(&self, normalised: &str) -> u16 {
        token_of(self.digest(normalised))
    }

    pub fn tokens<'a>(&self, normalised: impl IntoIterator<Item = &'a String>) -> Vec<u16> {
        let mut out: Vec<u16> = normalised.into_iter().map(|t| self.token(t)).collect();
        out.sort();
        out.dedup();
        out
    }

    /// The sorted, distinct digests of a record's tokens.
    pub fn digests<'a>(&self, normalised: impl IntoIterator<Item = &'a String>) -> Vec<u64> {
        let mut out: Vec<u64> = normalised.into_iter().map(|t| self.digest(t)).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    fn sealing_context(&self, record_id: &str) -> String {
        format!("{}/{record_id}", self.index.table())
    }

    /// Seals a record's digests, bound to the index and the record.
    pub(super) fn seal(&self, record_id: &str, digests: &[u64]) -> Result<Vec<u8>> {
        let bytes: Vec<u8> = digests.iter().flat_map(|d| d.to_be_bytes()).collect();
        let place = self.sealing_context(record_id);
        Ok(seal_field(&self.sealing, 0, &FieldContext::new("search_digests", &place, "digests"), &bytes)?)
    }

    /// Opens what `seal` sealed: sorted digests, or an integrity error if the blob was
    /// changed or moved to another record.
    fn open(&self, record_id: &str, blob: &[u8]) -> Result<Vec<u64>> {
        let place = self.sealing_context(record_id);
        let bytes = open_field(&self.sealing, &FieldContext::new("search_digests", &place, "digests"), blob)?;
        if bytes.len() % 8 != 0 {
            return Err(Error::Integrity);
        }
        let mut digests: Vec<u64> = bytes
            .chunks_exact(8)
            .map(|b| u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
            .collect();
        digests.sort_unstable();
        Ok(digests)
    }

    /// The blind tokens of what a search wants, in the same shape.
    pub fn blind(&self, wanted: &Wanted<String>) -> Wanted<u16> {
        let mut blind = wanted.map(|t| self.token(t));
        for groups in &mut blind.alternatives {
            for g in groups.iter_mut() {
                g.sort_unstable();
                g.dedup();
            }
        }
        blind
    }

    /// Keeps the candidates whose digests hold every term (`all`) or any term: `narrow_to`.
    pub fn narrow(
        &self,
        c: &mut DbConnection,
        candidates: Vec<(String, String)>,
        terms: &[String],
        all: bool,
    ) -> Result<Vec<(String, String)>> {
        if terms.is_empty() {
            return Ok(candidates);
        }
        let wanted = if all { Wanted::all(terms) } else { Wanted::any(terms) };
        self.narrow_to(c, candidates, &wanted)
    }

    /// Keeps the candidates whose digests answer `wanted`, without decrypting a record.
    /// Exact in one direction only: a dropped candidate lacks a term for certain, a kept
    /// one may still not match (64 bits can coincide) and the caller re-checks it on its
    /// text. A record without digests (indexed before they existed, until `custodia search
    /// reindex`) is kept for that re-check.
    pub fn narrow_to(
        &self,
        c: &mut DbConnection,
        candidates: Vec<(String, String)>,
        wanted: &Wanted<String>,
    ) -> Result<Vec<(String, String)>> {
        let wanted: Wanted<u64> = wanted.map(|t| self.digest(t));
        let mut sealed: HashMap<String, Vec<u8>> = HashMap::with_capacity(candidates.len());
        for chunk in candidates.chunks(500) {
            let ids: Vec<&String> = chunk.iter().map(|(id, _)| id).collect();
            sealed.extend(
                search_digests::table
                    .filter(search_digests::record_table.eq(self.index.table()))
                    .filter(search_digests::build.eq(self.build))
                    .filter(search_digests::record_id.eq_any(ids))
                    .select((search_digests::record_id, search_digests::digests))
                    .load::<(String, Vec<u8>)>(c)?,
            );
        }
        let mut kept = Vec::with_capacity(candidates.len());
        for (id, case_id) in candidates {
            let keep = match sealed.get(&id) {
                None => true,
                Some(blob) => {
                    let digests = self.open(&id, blob)?;
                    wanted.holds(|d| digests.binary_search(d).is_ok())
                }
            };
            if keep {
                kept.push((id, case_id));
            }
        }
        Ok(kept)
    }
}

/// The posting of a digest: its first `TOKEN_BITS` bits.
pub(super) fn token_of(digest: u64) -> u16 {
    (digest >> (64 - TOKEN_BITS)) as u16
}

/// Pads a token set with random tokens to the next multiple of `PAD_TO`.
pub(super) fn pad(mut tokens: Vec<u16>) -> Result<Vec<u16>> {
    let target = tokens.len().div_ceil(PAD_TO).max(1) * PAD_TO;
    while tokens.len() < target {
        let mut b = [0u8; 2];
        getrandom::fill(&mut b).map_err(|e| Error::internal(format!("rng: {e}")))?;
        let t = u16::from_be_bytes(b);
        if !tokens.contains(&t) {
            tokens.push(t);
        }
    }
    Ok(tokens)
}

/// Pads digests with random ones to the next multiple of `PAD_TO`, so the length of the
/// sealed set does not reveal the length of the text either.
pub(super) fn pad_digests(mut digests: Vec<u64>) -> Result<Vec<u64>> {
    let target = digests.len().div_ceil(PAD_TO).max(1) * PAD_TO;
    while digests.len() < target {
        let mut b = [0u8; 8];
        getrandom::fill(&mut b).map_err(|e| Error::internal(format!("rng: {e}")))?;
        digests.push(u64::from_be_bytes(b));
    }
    Ok(digests)
}

/// Replaces a record's postings and digests in the index's build with those of its
/// normalised tokens (same transaction as the write).
pub fn put(
    c: &mut DbConnection,
    index: &BlindIndex,
    record_id: &str,
    case_id: &str,
    normalised: &[String],
) -> Result<()> {
    // One HMAC per token: the postings are the digests' first bits (sorted with them).
    let digests = index.digests(normalised);
    let mut tokens: Vec<u16> = digests.iter().map(|&d| token_of(d)).collect();
    tokens.dedup();
    let sealed = index.seal(record_id, &pad_digests(digests)?)?;
    put_prepared(c, index, record_id, case_id, &pad(tokens)?, &sealed)
}

/// Replaces a record's postings and sealed digests in `index`'s build with ones already
/// computed: inserts only.
pub(super) fn put_prepared(
    c: &mut DbConnection,
    index: &BlindIndex,
    record_id: &str,
    case_id: &str,
    tokens: &[u16],
    sealed: &[u8],
) -> Result<()> {
    remove_in(c, index.index, Some(index.build), record_id)?;
    insert_postings(c, index.index, index.build, record_id, case_id, tokens)?;
    diesel::insert_into(search_digests::table)
        .values((
            search_digests::record_table.eq(index.index.table()),
            search_digests::record_id.eq(record_id),
            search_digests::digests.eq(sealed),
            search_digests::build.eq(index.build),
        ))
        .execute(c)?;
    Ok(())
}

/// Replaces a record's postings in the active build (and removes its digests there).
pub fn put_postings(
    c: &mut DbConnection,
    index: Index,
    record_id: &str,
    case_id: &str,
    tokens: &[u16],
) -> Result<()> {
    let (build, _) = active(c)?;
    remove_in(c, index, Some(build), record_id)?;
    insert_postings(c, index, build, record_id, case_id, tokens)
}

/// One row in the engine's own inverted index: a record's tokens plus the scope token of
/// its index and case.
fn insert_postings(
    c: &mut DbConnection,
    index: Index,
    build: i64,
    record_id: &str,
    case_id: &str,
    tokens: &[u16],
) -> Result<()> {
    use diesel::sql_types::Text;
    match c {
        #[cfg(feature = "sqlite")]
        DbConnection::Sqlite(conn) => {
            let n: i64 = diesel::insert_into(search_records::table)
                .values((
                    search_records::record_table.eq(index.table()),
                    search_records::record_id.eq(record_id),
                    search_records::case_id.eq(case_id),
                    search_records::build.eq(build),
                ))
                .returning(search_records::n)
                .get_result(conn)?;
            let mut text: String = tokens.iter().map(|t| format!("{} ", fts_token(*t))).collect();
            text.push_str(&scope_token(index, case_id));
            diesel::sql_query("INSERT INTO search_fts (rowid, tokens) VALUES (?, ?)")
                .bind::<diesel::sql_types::BigInt, _>(n)
                .bind::<Text, _>(text)
                .execute(conn)?;
        }
        #[cfg(feature = "postgres")]
        DbConnection::Postgres(conn) => {
            let mut all: Vec<i32> = tokens.iter().map(|&t| i32::from(t)).collect();
            all.push(scope_number(index, case_id));
            diesel::sql_query(
                "INSERT INTO search_postings (record_table, record_id, case_id, tokens, build) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind::<Text, _>(index.table())
            .bind::<Text, _>(record_id)
            .bind::<Text, _>(case_id)
            .bind::<diesel::sql_types::Array<diesel::sql_types::Integer>, _>(all)
            .bind::<diesel::sql_types::BigInt, _>(build)
            .execute(conn)?;
        }
    }
    Ok(())
}

/// A token as FTS5 keeps it: four hex digits (one "word" to its tokenizer).
#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
pub(crate) fn fts_token(token: u16) -> String {
    format!("{token:04x}")
}

/// SQLite: the word standing for "a record of this index in this case" — the index's
/// letter and the case id in hex, never four characters long like a token. Migration
/// 000010 computes the same in SQL.
#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
pub(crate) fn scope_token(index: Index, case_id: &str) -> String {
    format!("{}{}", &index.table()[..1], hex::encode(case_id))
}

/// PostgreSQL: the number standing for "a record of this index in this case" — 28 bits of
/// SHA-256(index/case) above the 16-bit tokens. Two cases may share one (1 in 2^28); the
/// search also checks the case column. Migration 000010 computes the same in SQL.
#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
pub(crate) fn scope_number(index: Index, case_id: &str) -> i32 {
    use sha2::Digest;
    let h = Sha256::digest(format!("{}/{case_id}", index.table()).as_bytes());
    let n = u32::from_be_bytes([h[0], h[1], h[2], h[3]]) & 0x0FFF_FFFF;
    (n as i32) + 65_536
}

/// Removes a record's postings and digests, in every build.
pub fn remove(c: &mut DbConnection, index: Index, record_id: &str) -> Result<()> {
    remove_in(c, index, None, record_id)
}

/// Removes a record's postings and digests in one build, or in all.
fn remove_in(c: &mut DbConnection, index: Index, build: Option<i64>, record_id: &str) -> Result<()> {
    match c {
        #[cfg(feature = "sqlite")]
        DbConnection::Sqlite(conn) => {
            let mut rows = search_records::table
                .filter(search_records::record_table.eq(index.table()))
                .filter(search_records::record_id.eq(record_id))
                .into_boxed();
            if let Some(b) = build {
                rows = rows.filter(search_records::build.eq(b));
            }
            for n in rows.select(search_records::n).load::<i64>(conn)? {
                diesel::sql_query("DELETE FROM search_fts WHERE rowid = ?")
                    .bind::<diesel::sql_types::BigInt, _>(n)
                    .execute(conn)?;
                diesel::delete(search_records::table.find(n)).execute(conn)?;
            }
        }
        #[cfg(feature = "postgres")]
        DbConnection::Postgres(conn) => {
            use diesel::sql_types::{BigInt, Nullable, Text};
            diesel::sql_query(
                "DELETE FROM search_postings WHERE record_table = $1 AND record_id = $2 \
                 AND ($3::BIGINT IS NULL OR build = $3)",
            )
            .bind::<Text, _>(index.table())
            .bind::<Text, _>(record_id)
            .bind::<Nullable<BigInt>, _>(build)
            .execute(conn)?;
        }
    }
    let mut digests = diesel::delete(search_digests::table)
        .filter(search_digests::record_table.eq(index.table()))
        .filter(search_digests::record_id.eq(record_id))
        .into_boxed();
    if let Some(b) = build {
        digests = digests.filter(search_digests::build.eq(b));
    }
    digests.execute(c)?;
    Ok(())
}

/// Indexes a testimony's words, and the cross-script keys of its capitalised words
/// (`normalize::name_keys`). The caller passes the account with identifying spans
/// already replaced, so no witness name is indexed word by word.
pub fn index_testimony(
    c: &mut DbConnection,
    keyring: &Keyring,
    case_id: &str,
    id: &str,
    text: &str,
) -> Result<()> {
    index_testimony_with(c, keyring, None, (case_id, id), text)
}

/// `index_testimony` with the entries prepared before the transaction
/// (`Prepared::testimony`), used when they still fit.
pub fn index_testimony_with(
    c: &mut DbConnection,
    keyring: &Keyring,
    ahead: Option<Prepared>,
    (case_id, id): (&str, &str),
    text: &str,
) -> Result<()> {
    super::entries::write(c, keyring, ahead, (Index::Testimonies, case_id, id), &[text.to_owned()])
}

/// The normalised tokens a testimony's text is indexed by: its words' stems, then the
/// cross-script keys of its name-like words.
pub fn testimony_tokens(text: &str) -> Vec<String> {
    let mut tokens = normalize::tokens(text);
    tokens.extend(normalize::name_keys(text));
    tokens
}

/// The normalised tokens a person is indexed by: each name whole (`normalize::name_tokens`)
/// and each part of each name (`normalize::name_part_tokens`).
pub fn person_tokens(names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in names {
        for t in normalize::name_tokens(name).into_iter().chain(normalize::name_part_tokens(name)) {
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    out
}

/// Indexes a person's names and aliases, whole and part by part, in every script.
pub fn index_person(
    c: &mut DbConnection,
    keyring: &Keyring,
    case_id: &str,
    id: &str,
    names: &[String],
) -> Result<()> {
    index_person_with(c, keyring, None, (case_id, id), names)
}

/// `index_person` with the entries prepared before the transaction (`Prepared::person`),
/// used when they still fit.
pub fn index_person_with(
    c: &mut DbConnection,
    keyring: &Keyring,
    ahead: Option<Prepared>,
    (case_id, id): (&str, &str),
    names: &[String],
) -> Result<()> {
    super::entries::write(c, keyring, ahead, (Index::Names, case_id, id), names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_keyed_truncated_and_padded() {
        let keyring = Keyring::generate();
        let a = BlindIndex::new(&keyring, Index::Testimonies, 1);
        let b = BlindIndex::new(&keyring, Index::Names, 1);
        assert_eq!(a.token("задержа"), a.token("задержа"));
        assert_ne!(a.token("задержа"), b.token("задержа"), "one key per index");
        assert_ne!(
            a.token("задержа"),
            BlindIndex::new(&keyring, Index::Testimonies, 2).token("задержа"),
            "per generation"
        );
        assert_ne!(
            a.token("задержа"),
            BlindIndex::new(&Keyring::generate(), Index::Testimonies, 1).token("задержа")
        );
        // The posting is the digest's first 16 bits, so a digest match implies a posting match.
        assert_eq!(u64::from(a.token("задержа")), a.digest("задержа") >> 48);
        let words: Vec<String> = (0..500).map(|i| format!("слово{i}")).collect();
        let mut from_digests: Vec<u16> = a.digests(&words).iter().map(|&d| token_of(d)).collect();
        from_digests.dedup();
        assert_eq!(from_digests, a.tokens(&words), "postings derived from sorted digests, as `put` does");
        let padded = pad(vec![1]).unwrap();
        assert_eq!(padded.len(), PAD_TO);
        assert_eq!(padded.iter().collect::<std::collections::HashSet<_>>().len(), PAD_TO, "distinct");
        assert_eq!(pad((0..33).collect()).unwrap().len(), 2 * PAD_TO);
        assert_eq!(pad_digests(vec![1; 31]).unwrap().len(), PAD_TO);
        assert_eq!(pad_digests((0..33).collect()).unwrap().len(), 2 * PAD_TO);
    }

    #[test]
    fn wanted_asks_for_any_alternative_of_all_groups_of_any_item() {
        let has = |t: &&str| ["a", "b", "k"].contains(t);
        assert!(Wanted::all(&["a", "b"]).holds(has));
        assert!(!Wanted::all(&["a", "c"]).holds(has));
        assert!(Wanted::any(&["c", "b"]).holds(has));
        let groups = Wanted { alternatives: vec![vec![vec!["a", "x"], vec!["c", "k"]]] };
        assert!(groups.holds(has), "each word as itself or its key");
        let two = Wanted { alternatives: vec![vec![vec!["c"]], vec![vec!["x", "b"]]] };
        assert!(two.holds(has), "parts, or a whole name");
        // Nothing asked answers nothing, and an index query skips it.
        let empty: Wanted<&str> = Wanted { alternatives: vec![vec![], vec![vec![]]] };
        assert!(!empty.holds(|_| true));
        assert_eq!(empty.answerable().count(), 0);
    }

    #[test]
    fn people_are_indexed_whole_and_part_by_part() {
        let names = vec!["Иван Петров".to_owned(), "Petrov".to_owned()];
        assert_eq!(
            person_tokens(&names),
            ["ivan petrav", "иван петров", "ivan petrov", "ivan", "petrav", "petrov"],
            "the key of Petrov is one token, whole and part"
        );
        let text = "Меня избил Сидоренко.";
        let tokens = testimony_tokens(text);
        assert!(tokens.contains(&"изб".to_owned()) && tokens.contains(&"~sidarenk".to_owned()), "{tokens:?}");
    }

    #[test]
    fn scope_tokens_never_look_like_tokens_and_differ_by_index_and_case() {
        let case = "3f8c2a10-5b7e-4d21-9a0f-0c1d2e3f4a5b";
        assert_eq!(fts_token(0x0a1b), "0a1b");
        let t = scope_token(Index::Testimonies, case);
        assert!(t.starts_with('t') && t.len() == 1 + 2 * case.len(), "{t}");
        assert_ne!(t, scope_token(Index::Names, case));
        assert_ne!(t, scope_token(Index::Testimonies, "another"));
        let n = scope_number(Index::Testimonies, case);
        assert!(n > i32::from(u16::MAX), "above every token: {n}");
        assert_ne!(n, scope_number(Index::Names, case));
        assert_eq!(n, scope_number(Index::Testimonies, case));
    }

    #[test]
    fn sealed_digests_open_only_where_they_were_sealed() {
        let keyring = Keyring::generate();
        let index = BlindIndex::new(&keyring, Index::Testimonies, 1);
        let digests = index.digests(&["задержа".to_owned(), "beaten".to_owned()]);
        let sealed = index.seal("r1", &digests).unwrap();
        assert_eq!(index.open("r1", &sealed).unwrap(), digests);
        for wrong in [
            index.open("r2", &sealed),
            BlindIndex::new(&keyring, Index::Names, 1).open("r1", &sealed),
            BlindIndex::new(&keyring, Index::Testimonies, 2).open("r1", &sealed),
        ] {
            assert!(matches!(wrong, Err(Error::Integrity)), "{wrong:?}");
        }
        let mut flipped = sealed.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(matches!(index.open("r1", &flipped), Err(Error::Integrity)));
    }
}
