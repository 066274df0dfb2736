//! The blind index (CipherSweet's design): every normalised token becomes
//! HMAC-SHA256(per-index key, token) truncated to 16 bits, stored with the record id.
//! Truncation means a token stands for several words, so a search fetches candidates
//! and re-checks them on the decrypted text: no false results, and the index alone
//! cannot tell which of the words a token stands for (docs/threat-model.md).

use diesel::prelude::*;
use hmac::{KeyInit, Mac};
use sha2::Sha256;

use super::normalize;
use crate::crypto::{Keyring, SecretKey};
use crate::error::Result;
use crate::store::DbConnection;
use crate::store::schema::search_tokens;

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

pub struct BlindIndex {
    key: SecretKey,
}

/// The generation of index keys in use (bumped by `reindex_all(.., new_key: true)`).
pub fn generation(c: &mut DbConnection) -> Result<i64> {
    use crate::store::schema::search_meta;
    Ok(search_meta::table.find(1_i64).select(search_meta::generation).first(c)?)
}

impl BlindIndex {
    /// The index's key for a key generation: HKDF from the keyring's blind-index root,
    /// one key per index and generation.
    pub fn new(keyring: &Keyring, index: Index, generation: i64) -> Self {
        BlindIndex { key: keyring.blind_index_key(&format!("{}/g{generation}", index.key_name())) }
    }

    /// The index as it stands in the database.
    pub fn current(c: &mut DbConnection, keyring: &Keyring, index: Index) -> Result<Self> {
        Ok(Self::new(keyring, index, generation(c)?))
    }

    pub fn token(&self, normalised: &str) -> String {
        // HMAC takes keys of any length; a 32-byte key cannot be refused.
        let Ok(mut mac) = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(self.key.expose()) else {
            return String::new();
        };
        mac.update(normalised.as_bytes());
        let digest = mac.finalize().into_bytes();
        hex::encode(&digest[..(TOKEN_BITS / 8) as usize])
    }

    pub fn tokens<'a>(&self, normalised: impl IntoIterator<Item = &'a String>) -> Vec<String> {
        let mut out: Vec<String> = normalised.into_iter().map(|t| self.token(t)).collect();
        out.sort();
        out.dedup();
        out
    }
}

/// Pads a token set with random tokens to the next multiple of `PAD_TO`.
fn pad(mut tokens: Vec<String>) -> Result<Vec<String>> {
    let target = tokens.len().div_ceil(PAD_TO).max(1) * PAD_TO;
    while tokens.len() < target {
        let mut b = [0u8; (TOKEN_BITS / 8) as usize];
        getrandom::fill(&mut b).map_err(|e| crate::error::Error::internal(format!("rng: {e}")))?;
        let t = hex::encode(b);
        if !tokens.contains(&t) {
            tokens.push(t);
        }
    }
    Ok(tokens)
}

/// Replaces a record's tokens (same transaction as the write).
pub fn put(
    c: &mut DbConnection,
    index: Index,
    record_id: &str,
    case_id: &str,
    tokens: Vec<String>,
) -> Result<()> {
    remove(c, index, record_id)?;
    let rows: Vec<String> = pad(tokens)?;
    // One multi-row statement per record rather than one per token (~100 a document).
    // diesel's batch insert does not pass through MultiConnection, so each engine gets
    // its own statement with its own placeholders; every value is bound.
    let tokens: Vec<String> = rows;
    for chunk in tokens.chunks(200) {
        insert_batch(c, index.table(), record_id, case_id, chunk)?;
    }
    Ok(())
}

fn insert_batch(
    c: &mut DbConnection,
    table: &str,
    record_id: &str,
    case_id: &str,
    tokens: &[String],
) -> Result<()> {
    use diesel::sql_types::Text;
    let head = "INSERT INTO search_tokens (token, record_table, record_id, case_id) VALUES ";
    match c {
        #[cfg(feature = "sqlite")]
        DbConnection::Sqlite(conn) => {
            let values = vec!["(?, ?, ?, ?)"; tokens.len()].join(", ");
            let mut q = diesel::sql_query(format!("{head}{values}")).into_boxed::<diesel::sqlite::Sqlite>();
            for t in tokens {
                q = q.bind::<Text, _>(t.clone()).bind::<Text, _>(table.to_owned());
                q = q.bind::<Text, _>(record_id.to_owned()).bind::<Text, _>(case_id.to_owned());
            }
            q.execute(conn)?;
        }
        #[cfg(feature = "postgres")]
        DbConnection::Postgres(conn) => {
            let values = (0..tokens.len())
                .map(|i| format!("(${}, ${}, ${}, ${})", 4 * i + 1, 4 * i + 2, 4 * i + 3, 4 * i + 4))
                .collect::<Vec<_>>()
                .join(", ");
            let mut q = diesel::sql_query(format!("{head}{values}")).into_boxed::<diesel::pg::Pg>();
            for t in tokens {
                q = q.bind::<Text, _>(t.clone()).bind::<Text, _>(table.to_owned());
                q = q.bind::<Text, _>(record_id.to_owned()).bind::<Text, _>(case_id.to_owned());
            }
            q.execute(conn)?;
        }
    }
    Ok(())
}

pub fn remove(c: &mut DbConnection, index: Index, record_id: &str) -> Result<()> {
    diesel::delete(
        search_tokens::table
            .filter(search_tokens::record_table.eq(index.table()))
            .filter(search_tokens::record_id.eq(record_id)),
    )
    .execute(c)?;
    Ok(())
}

/// Indexes a testimony's words. The caller passes the account with identifying spans
/// already replaced, so no witness name is indexed word by word.
pub fn index_testimony(
    c: &mut DbConnection,
    keyring: &Keyring,
    case_id: &str,
    id: &str,
    text: &str,
) -> Result<()> {
    let index = BlindIndex::current(c, keyring, Index::Testimonies)?;
    let tokens = index.tokens(&normalize::tokens(text));
    put(c, Index::Testimonies, id, case_id, tokens)
}

/// Indexes a person's names and aliases as whole names, in every script.
pub fn index_person(
    c: &mut DbConnection,
    keyring: &Keyring,
    case_id: &str,
    id: &str,
    names: &[String],
) -> Result<()> {
    let index = BlindIndex::current(c, keyring, Index::Names)?;
    let normalised: Vec<String> = names.iter().flat_map(|n| normalize::name_tokens(n)).collect();
    put(c, Index::Names, id, case_id, index.tokens(&normalised))
}

/// Rebuilds the whole index (after a change of the normaliser), under new index keys
/// when `new_key` (after a suspected leak of the index keys). `progress` is told how many
/// records are done. Audited.
pub fn reindex_all(
    c: &mut DbConnection,
    keyring: &Keyring,
    new_key: bool,
    progress: &dyn Fn(u64),
) -> Result<(usize, usize)> {
    use crate::store::schema::{persons, search_meta, testimonies};
    if new_key {
        diesel::update(search_meta::table.find(1_i64))
            .set(search_meta::generation.eq(search_meta::generation + 1))
            .execute(c)?;
    }
    diesel::delete(search_tokens::table).execute(c)?;
    let testimony_ids: Vec<String> = testimonies::table.select(testimonies::id).load(c)?;
    let person_ids: Vec<String> = persons::table.select(persons::id).load(c)?;
    let mut done = 0;
    for id in &testimony_ids {
        let row = crate::cases::testimonies::load(c, id)?;
        let witness = crate::cases::persons::load(c, &row.witness_id)?;
        let (account, spans, summary) = crate::cases::testimonies::searchable_parts(c, keyring, &row)?;
        let text = super::query::searchable_text(&account, &spans, &witness.pseudonym, &summary);
        index_testimony(c, keyring, &row.case_id, id, &text)?;
        done += 1;
        progress(done);
    }
    for id in &person_ids {
        let row = crate::cases::persons::load(c, id)?;
        let names = crate::cases::persons::all_names_of(c, keyring, &row)?;
        index_person(c, keyring, &row.case_id, id, &names)?;
        done += 1;
        progress(done);
    }
    crate::audit::append(
        c,
        &crate::audit::Entry::new(crate::audit::Actor::default(), "search.reindex")
            .detail("new_key", new_key)
            .detail("records", done),
    )?;
    Ok((testimony_ids.len(), person_ids.len()))
}

/// How many records `reindex_all` will visit.
pub fn record_count(c: &mut DbConnection) -> Result<u64> {
    use crate::store::schema::{persons, testimonies};
    let t: i64 = testimonies::table.count().get_result(c)?;
    let p: i64 = persons::table.count().get_result(c)?;
    Ok((t + p).max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_keyed_truncated_and_padded() {
        let keyring = Keyring::generate();
        let a = BlindIndex::new(&keyring, Index::Testimonies, 1);
        let b = BlindIndex::new(&keyring, Index::Names, 1);
        assert_eq!(a.token("задержа").len(), 4);
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
        let padded = pad(vec!["0001".into(); 1]).unwrap();
        assert_eq!(padded.len(), PAD_TO);
        assert_eq!(pad((0..33).map(|i| format!("{i:04x}")).collect()).unwrap().len(), 2 * PAD_TO);
    }
}
