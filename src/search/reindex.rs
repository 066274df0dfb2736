//! Rebuilding the blind index online (`custodia search reindex`): a new build beside the
//! active one, batch by batch, each batch its own short transaction, while the service
//! keeps writing and searching. Writes meanwhile index under both builds
//! (`index::builds_for_write`), searches use the active one until one transaction makes
//! the new build active; the old build's rows are then deleted in batches. The build in
//! progress, its key generation and its cursor live in `search_rebuild`, so a crash
//! resumes where it stopped, under the same keys.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::index::{self, BlindIndex, Index};
use crate::audit::{self, Actor, Entry};
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::{persons, search_meta, search_rebuild, testimonies};

/// Records a batch indexes, in one transaction: short enough that a write waiting behind
/// it (SQLite's single writer) waits well under a second.
pub const BATCH: i64 = 500;

/// The walk's phases, in order: each table's records by id.
const TESTIMONIES: &str = "testimonies";
const PERSONS: &str = "persons";
const DONE: &str = "done";

/// A build in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Build {
    pub build: i64,
    /// The key generation its rows are keyed under.
    pub generation: i64,
    pub new_key: bool,
    /// Found in progress (an earlier run stopped), rather than started now.
    pub resumed: bool,
    pub testimonies: u64,
    pub persons: u64,
}

impl Build {
    pub fn done(&self) -> u64 {
        self.testimonies + self.persons
    }
}

/// How many records a rebuild visits.
pub fn record_count(c: &mut DbConnection) -> Result<u64> {
    let t: i64 = testimonies::table.count().get_result(c)?;
    let p: i64 = persons::table.count().get_result(c)?;
    Ok((t + p).max(0) as u64)
}

/// The build in progress, if any.
pub fn in_progress(c: &mut DbConnection) -> Result<Option<Build>> {
    let row: Option<(i64, i64, bool, i64, i64)> = search_rebuild::table
        .select((
            search_rebuild::build,
            search_rebuild::generation,
            search_rebuild::new_key,
            search_rebuild::testimonies,
            search_rebuild::persons,
        ))
        .first(c)
        .optional()?;
    Ok(row.map(|(build, generation, new_key, t, p)| Build {
        build,
        generation,
        new_key,
        resumed: true,
        testimonies: t.max(0) as u64,
        persons: p.max(0) as u64,
    }))
}

/// Starts a build beside the active one (under new keys when `new_key`), or returns the
/// one in progress, which keeps the keys it started with. Audited.
pub fn begin(c: &mut DbConnection, new_key: bool, now: NaiveDateTime) -> Result<Build> {
    if let Some(build) = in_progress(c)? {
        audit::append(
            c,
            &Entry::new(Actor::default(), "search.reindex_resumed")
                .detail("build", build.build)
                .detail("new_key", build.new_key)
                .detail("records", build.done()),
        )?;
        return Ok(build);
    }
    // Updating the row waits for the writes in flight (they share-lock it), and the writes
    // after this commit see the new build: none indexes under the active build alone once
    // the walk may have passed its record.
    diesel::update(search_meta::table.find(1_i64))
        .set(search_meta::build.eq(search_meta::build))
        .execute(c)?;
    let (active, generation) = index::active(c)?;
    let build = Build {
        build: active + 1,
        generation: if new_key { generation + 1 } else { generation },
        new_key,
        resumed: false,
        testimonies: 0,
        persons: 0,
    };
    diesel::insert_into(search_rebuild::table)
        .values((
            search_rebuild::id.eq(1_i64),
            search_rebuild::build.eq(build.build),
            search_rebuild::generation.eq(build.generation),
            search_rebuild::new_key.eq(new_key),
            search_rebuild::phase.eq(TESTIMONIES),
            search_rebuild::after_id.eq(""),
            search_rebuild::testimonies.eq(0_i64),
            search_rebuild::persons.eq(0_i64),
            search_rebuild::started_at.eq(now),
        ))
        .execute(c)?;
    audit::append(
        c,
        &Entry::new(Actor::default(), "search.reindex_started")
            .detail("build", build.build)
            .detail("new_key", new_key),
    )?;
    Ok(build)
}

/// Indexes the next `limit` records of the build in progress into it: one transaction.
/// Returns the build's counts and whether every record is done.
pub fn step(c: &mut DbConnection, keyring: &Keyring, limit: i64) -> Result<(Build, bool)> {
    let Some(mut build) = in_progress(c)? else {
        return Err(Error::Conflict("no_rebuild_in_progress"));
    };
    let (phase, after) = cursor(c)?;
    if phase == DONE {
        return Ok((build, true));
    }
    let ids = next_ids(c, &phase, &after, limit)?;
    if phase == TESTIMONIES {
        let index = BlindIndex::new(keyring, Index::Testimonies, build.generation).in_build(build.build);
        for id in &ids {
            let row = crate::cases::testimonies::load(c, id)?;
            let witness = crate::cases::persons::load(c, &row.witness_id)?;
            let text = crate::cases::testimonies::searchable_text_of(c, keyring, &row, &witness.pseudonym)?;
            index::put(c, &index, id, &row.case_id, &index::testimony_tokens(&text))?;
        }
        build.testimonies += ids.len() as u64;
    } else {
        let index = BlindIndex::new(keyring, Index::Names, build.generation).in_build(build.build);
        for id in &ids {
            let row = crate::cases::persons::load(c, id)?;
            let names = crate::cases::persons::all_names_of(c, keyring, &row)?;
            index::put(c, &index, id, &row.case_id, &index::person_tokens(&names))?;
        }
        build.persons += ids.len() as u64;
    }
    // A short batch ends its table: the records written after this point are indexed
    // under both builds by their own writes.
    let (phase, after) = match ids.last() {
        Some(last) if ids.len() as i64 == limit => (phase.as_str(), last.clone()),
        _ if phase == TESTIMONIES => (PERSONS, String::new()),
        _ => (DONE, String::new()),
    };
    diesel::update(search_rebuild::table)
        .set((
            search_rebuild::phase.eq(phase),
            search_rebuild::after_id.eq(after),
            search_rebuild::testimonies.eq(build.testimonies as i64),
            search_rebuild::persons.eq(build.persons as i64),
        ))
        .execute(c)?;
    Ok((build, phase == DONE))
}

/// The cursor, locked for the batch: on PostgreSQL a second rebuild running at once is
/// refused at once (503, retry) rather than walking the same records.
fn cursor(c: &mut DbConnection) -> Result<(String, String)> {
    let q = search_rebuild::table.select((search_rebuild::phase, search_rebuild::after_id));
    Ok(match c {
        #[cfg(feature = "postgres")]
        DbConnection::Postgres(conn) => q.for_update().no_wait().first(conn)?,
        #[allow(unreachable_patterns)]
        _ => q.first(c)?,
    })
}

/// The ids after `after` in `table`. On PostgreSQL they are share-locked until the batch
/// commits: a write changing one of them meanwhile waits, then indexes it again under
/// both builds; one that changed first is read as it committed.
fn next_ids(c: &mut DbConnection, table: &str, after: &str, limit: i64) -> Result<Vec<String>> {
    macro_rules! ids {
        ($t:ident) => {{
            let q = $t::table.select($t::id).filter($t::id.gt(after)).order($t::id).limit(limit);
            match c {
                #[cfg(feature = "postgres")]
                DbConnection::Postgres(conn) => q.for_share().load(conn)?,
                #[allow(unreachable_patterns)]
                _ => q.load(c)?,
            }
        }};
    }
    Ok(if table == TESTIMONIES { ids!(testimonies) } else { ids!(persons) })
}

/// Makes the finished build the one searches use: one transaction. Audited with its
/// counts. The old build's rows stay until `purge`.
pub fn switch(c: &mut DbConnection) -> Result<Build> {
    let Some(build) = in_progress(c)? else {
        return Err(Error::Conflict("no_rebuild_in_progress"));
    };
    if cursor(c)?.0 != DONE {
        return Err(Error::Conflict("rebuild_not_finished"));
    }
    // As in `begin`: waits for the writes in flight, which index under both builds.
    diesel::update(search_meta::table.find(1_i64))
        .set((search_meta::build.eq(build.build), search_meta::generation.eq(build.generation)))
        .execute(c)?;
    diesel::delete(search_rebuild::table).execute(c)?;
    audit::append(
        c,
        &Entry::new(Actor::default(), "search.reindex")
            .detail("build", build.build)
            .detail("new_key", build.new_key)
            .detail("testimonies", build.testimonies)
            .detail("persons", build.persons)
            .detail("records", build.done()),
    )?;
    Ok(build)
}

/// Deletes up to `limit` index rows of builds neither active nor in progress (left by a
/// switch): how many went. Zero when none is left.
pub fn purge(c: &mut DbConnection, limit: i64) -> Result<usize> {
    use diesel::sql_types::BigInt;
    let (active, _) = index::active(c)?;
    let next = in_progress(c)?.map_or(active, |b| b.build);
    let postings = match c {
        #[cfg(feature = "sqlite")]
        DbConnection::Sqlite(conn) => {
            use crate::store::schema::search_records;
            let ns: Vec<i64> = search_records::table
                .select(search_records::n)
                .filter(search_records::build.ne(active).and(search_records::build.ne(next)))
                .limit(limit)
                .load(conn)?;
            for n in &ns {
                diesel::sql_query("DELETE FROM search_fts WHERE rowid = ?")
                    .bind::<BigInt, _>(n)
                    .execute(conn)?;
            }
            diesel::delete(search_records::table.filter(search_records::n.eq_any(&ns))).execute(conn)?
        }
        #[cfg(feature = "postgres")]
        DbConnection::Postgres(conn) => diesel::sql_query(
            "DELETE FROM search_postings WHERE ctid IN (SELECT ctid FROM search_postings \
             WHERE build <> $1 AND build <> $2 LIMIT $3)",
        )
        .bind::<BigInt, _>(active)
        .bind::<BigInt, _>(next)
        .bind::<BigInt, _>(limit)
        .execute(conn)?,
    };
    let digests = match c {
        #[cfg(feature = "postgres")]
        DbConnection::Postgres(_) => {
            "DELETE FROM search_digests WHERE ctid IN (SELECT ctid FROM search_digests \
             WHERE build <> $1 AND build <> $2 LIMIT $3)"
        }
        #[allow(unreachable_patterns)]
        _ => {
            "DELETE FROM search_digests WHERE rowid IN (SELECT rowid FROM search_digests \
             WHERE build <> ? AND build <> ? LIMIT ?)"
        }
    };
    let digests = diesel::sql_query(digests)
        .bind::<BigInt, _>(active)
        .bind::<BigInt, _>(next)
        .bind::<BigInt, _>(limit)
        .execute(c)?;
    Ok(postings + digests)
}
