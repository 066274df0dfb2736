//! `custodia search reindex`: rebuild the blind index, with a progress bar.

use clap::Subcommand;

use super::keys::unlock_here;
use super::{describe, progress_bar};
use crate::config::Settings;
use crate::services::Services;

#[derive(Debug, Subcommand)]
pub(super) enum SearchCommand {
    /// Rebuild the blind index from every testimony and person (after a change of the
    /// normaliser). Safe while the service runs.
    Reindex {
        /// Derive new index keys first (after a suspected leak of the old ones).
        #[arg(long)]
        new_key: bool,
    },
}

pub(super) fn run(settings: Settings, cmd: SearchCommand) -> anyhow::Result<()> {
    let SearchCommand::Reindex { new_key } = cmd;
    actix_web::rt::System::new().block_on(async move {
        let state = Services::open(&settings, false).await?;
        unlock_here(&state).await?;
        let total = state.context().read(crate::search::index::record_count).await.map_err(describe)?;
        let bar = progress_bar(total, "indexing");
        let shown = bar.clone();
        let (testimonies, persons) = state
            .context()
            .write(move |c, k| crate::search::index::reindex_all(c, k, new_key, &|n| shown.set_position(n)))
            .await
            .map_err(describe)?;
        bar.finish_and_clear();
        println!("reindexed {testimonies} testimony versions and {persons} persons");
        Ok(())
    })
}
