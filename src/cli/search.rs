//! `custodia search reindex`: rebuild the blind index online, batch by batch, with a
//! progress bar (or a line per batch when the output is not a terminal).

use std::io::IsTerminal;
use std::time::Instant;

use clap::Subcommand;

use super::describe;
use super::keys::unlock_here;
use crate::config::Settings;
use crate::context::Context;
use crate::search::reindex::{self, BATCH};
use crate::services::Services;

#[derive(Debug, Subcommand)]
pub(super) enum SearchCommand {
    /// Rebuild the blind index from every testimony and person (after a change of the
    /// normaliser), beside the one in use: the service keeps writing and searching, and
    /// switches to the new index when it is complete. Run it again after a crash to resume.
    Reindex {
        /// Derive new index keys for the new build (after a suspected leak of the old
        /// ones). A resumed build keeps the keys it started with.
        #[arg(long)]
        new_key: bool,
    },
}

pub(super) fn run(settings: Settings, cmd: SearchCommand) -> anyhow::Result<()> {
    let SearchCommand::Reindex { new_key } = cmd;
    actix_web::rt::System::new().block_on(async move {
        let state = Services::open(&settings, false).await?;
        unlock_here(&state).await?;
        let ctx = state.context();
        // An earlier switch's leftovers first: they would only slow the new build's walk.
        purge(ctx).await?;
        let total = ctx.read(reindex::record_count).await.map_err(describe)?;
        let now = ctx.clock().now_naive();
        let build = ctx.write_plain(move |c| reindex::begin(c, new_key, now)).await.map_err(describe)?;
        if build.resumed {
            println!(
                "resuming build {} ({} key generation {}) after {} records",
                build.build,
                if build.new_key { "new" } else { "same" },
                build.generation,
                build.done()
            );
            if new_key && !build.new_key {
                println!("it was started without --new-key: run again with --new-key once it is done");
            }
        } else {
            println!(
                "building index {} beside the one in use (key generation {})",
                build.build, build.generation
            );
        }
        let bar = progress_bar(total, "indexing");
        bar.set_position(build.done());
        let lines = !std::io::stdout().is_terminal();
        let started = Instant::now();
        let from = build.done();
        loop {
            let (build, finished) = ctx.write(|c, k| reindex::step(c, k, BATCH)).await.map_err(describe)?;
            bar.set_position(build.done());
            if lines {
                let rate = (build.done() - from) as f64 / started.elapsed().as_secs_f64().max(1e-3);
                println!("indexed {}/{total} records ({rate:.0}/s)", build.done());
            }
            if finished {
                break;
            }
        }
        bar.finish_and_clear();
        let done = ctx.write_plain(reindex::switch).await.map_err(describe)?;
        println!(
            "switched to index {}: {} testimony versions and {} persons in {:.1} s",
            done.build,
            done.testimonies,
            done.persons,
            started.elapsed().as_secs_f64()
        );
        let removed = purge(ctx).await?;
        println!("removed {removed} rows of the previous index");
        Ok(())
    })
}

/// Deletes the rows of builds no longer used, a batch a transaction.
async fn purge(ctx: &Context) -> anyhow::Result<usize> {
    let mut removed = 0;
    loop {
        let n = ctx.write_plain(|c| reindex::purge(c, BATCH)).await.map_err(describe)?;
        if n == 0 {
            return Ok(removed);
        }
        removed += n;
    }
}

/// Counts, rate and time left.
fn progress_bar(total: u64, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total);
    let style = indicatif::ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} {per_sec} ({eta})")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(what.to_owned());
    bar
}
