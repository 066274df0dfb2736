//! A record's blind-index entries on the write side: computed before its write
//! transaction (`Prepared`), so that on SQLite the one writer every write waits for holds
//! only the inserts, and written in it (`write`) under every build it must go into (the
//! active one and, during `search reindex`, the one being built).

use super::index::{
    BlindIndex, Index, builds_for_write, pad, pad_digests, person_tokens, testimony_tokens, token_of,
};
use crate::crypto::Keyring;
use crate::error::Result;
use crate::store::DbConnection;

/// A record's index entries, computed before its write transaction — normalising, one
/// HMAC per token, padding and sealing the digests: CPU work that, inside it, would hold
/// SQLite's one writer and so every other write — for the index generation seen then.
/// `write` checks in the transaction that they still fit. No `Debug`: it holds the
/// record's words.
pub struct Prepared {
    index: Index,
    generation: i64,
    record_id: String,
    case_id: String,
    /// What the entries were computed from: the transaction's own must be the same.
    source: Vec<String>,
    tokens: Vec<u16>,
    sealed: Vec<u8>,
}

impl Prepared {
    /// The entries of a record of `index` whose text (a testimony's searchable text) or
    /// names (a person's) are `source`, under the keys of `generation`. Pure.
    pub fn new(
        keyring: &Keyring,
        index: Index,
        generation: i64,
        case_id: &str,
        record_id: &str,
        source: Vec<String>,
    ) -> Result<Self> {
        Self::under(&BlindIndex::new(keyring, index, generation), generation, case_id, record_id, source)
    }

    /// The same under keys already derived (`blind`, of key generation `generation`).
    fn under(
        blind: &BlindIndex,
        generation: i64,
        case_id: &str,
        record_id: &str,
        source: Vec<String>,
    ) -> Result<Self> {
        let index = blind.index();
        let normalised = match index {
            Index::Testimonies => source.iter().flat_map(|text| testimony_tokens(text)).collect(),
            Index::Names => person_tokens(&source),
        };
        // One HMAC per token: the postings are the digests' first bits (sorted with them).
        let digests = blind.digests(&normalised);
        let mut tokens: Vec<u16> = digests.iter().map(|&d| token_of(d)).collect();
        tokens.dedup();
        Ok(Prepared {
            index,
            generation,
            record_id: record_id.to_owned(),
            case_id: case_id.to_owned(),
            source,
            tokens: pad(tokens)?,
            sealed: blind.seal(record_id, &pad_digests(digests)?)?,
        })
    }

    /// A testimony's entries (`index_testimony`).
    pub fn testimony(
        keyring: &Keyring,
        generation: i64,
        case_id: &str,
        id: &str,
        text: &str,
    ) -> Result<Self> {
        Self::new(keyring, Index::Testimonies, generation, case_id, id, vec![text.to_owned()])
    }

    /// A person's entries (`index_person`).
    pub fn person(
        keyring: &Keyring,
        generation: i64,
        case_id: &str,
        id: &str,
        names: &[String],
    ) -> Result<Self> {
        Self::new(keyring, Index::Names, generation, case_id, id, names.to_vec())
    }

    /// Whether these entries are the ones the transaction would compute. The keys depend
    /// on the keyring only through its blind-index root, which never changes (a re-key
    /// bumps the generation instead), so the generation stands for them.
    fn fits(&self, index: Index, generation: i64, case_id: &str, record_id: &str, source: &[String]) -> bool {
        self.index == index
            && self.generation == generation
            && self.record_id == record_id
            && self.case_id == case_id
            && self.source == source
    }
}

/// Writes a record's index entries in its write transaction, into every build it must
/// go into (`builds_for_write`: the active one, and the one `search reindex` is building
/// beside it, if any). `ahead` is used for the build whose key generation and source it
/// was prepared for; the others (a re-key committed since, a rebuild under new keys in
/// progress, or nothing prepared) are computed here, under the keys the transaction
/// holds, so a write racing a re-key is still found afterwards.
pub(super) fn write(
    c: &mut DbConnection,
    keyring: &Keyring,
    mut ahead: Option<Prepared>,
    (index, case_id, record_id): (Index, &str, &str),
    source: &[String],
) -> Result<()> {
    if skip_index() {
        return Ok(());
    }
    for (i, (blind, generation)) in builds_for_write(c, keyring, index)?.into_iter().enumerate() {
        if i == 0 {
            LAST_GENERATION.store(generation, std::sync::atomic::Ordering::Relaxed);
        }
        let prepared = match ahead.take() {
            Some(p) if p.fits(index, generation, case_id, record_id, source) => p,
            other => {
                ahead = other;
                Prepared::under(&blind, generation, case_id, record_id, source.to_vec())?
            }
        };
        put(c, &blind, &prepared)?;
    }
    Ok(())
}

/// The generation the last write in this process was indexed under: the one to prepare
/// the next write's entries for. A guess (another node may re-key meanwhile) that
/// `write` checks, so it needs no read before the transaction.
static LAST_GENERATION: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(1);

pub fn generation_hint() -> i64 {
    LAST_GENERATION.load(std::sync::atomic::Ordering::Relaxed)
}

/// Benchmarks only (`benches/write_path.sh`): with `CUSTODIA_BENCH_SKIP_INDEX=1` in its
/// environment at start, the service writes no index entries, to measure what indexing
/// costs a write. Never in production: searches miss every record written meanwhile
/// until `custodia search reindex`. An environment variable read once rather than a
/// setting, so no configuration file carries it and no use case needs it passed down;
/// it is logged as a warning.
fn skip_index() -> bool {
    static SKIP: std::sync::LazyLock<bool> = std::sync::LazyLock::new(|| {
        let skip = std::env::var_os("CUSTODIA_BENCH_SKIP_INDEX").is_some_and(|v| v == "1");
        if skip {
            tracing::warn!("CUSTODIA_BENCH_SKIP_INDEX=1: writes are not indexed (benchmarks only)");
        }
        skip
    });
    *SKIP
}

/// Replaces a record's postings and digests in `blind`'s build with prepared ones (same
/// transaction as the write): inserts only.
fn put(c: &mut DbConnection, blind: &BlindIndex, prepared: &Prepared) -> Result<()> {
    super::index::put_prepared(
        c,
        blind,
        &prepared.record_id,
        &prepared.case_id,
        &prepared.tokens,
        &prepared.sealed,
    )
}
