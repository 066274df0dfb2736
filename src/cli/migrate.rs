//! `custodia migrate`: apply pending database migrations and say which.

use crate::config::Settings;
use crate::store::{Db, migrate};

pub(super) fn run(settings: &Settings) -> anyhow::Result<()> {
    let db = Db::connect(&settings.database)?;
    let applied = migrate::run_pending(&mut *db.get()?)?;
    println!("applied {} migration(s)", applied.len());
    for version in applied {
        println!("  {version}");
    }
    Ok(())
}
