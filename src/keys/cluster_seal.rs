//! The emergency seal reaching every node. A seal through any node (the API, or
//! `custodia keys seal`) bumps the cluster's seal epoch in the database and marks the
//! seal as standing; every node's poll (`follow_cluster_seal`) seals the node when it
//! sees an epoch it has not acted on — within one poll interval. Each node is unsealed
//! on its own (its passphrase, its shares, or the empty-body unseal of a key file or
//! environment root); the first unseal lifts the standing seal, and a node that starts
//! while it stands stays sealed.

use std::sync::atomic::Ordering;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{Keys, State};
use crate::audit::{self, Actor, Entry};
use crate::error::Result;
use crate::store::DbConnection;
use crate::store::schema::cluster_seal;

/// (epoch, standing) as stored.
pub(super) fn seal_state(c: &mut DbConnection) -> Result<(i64, bool)> {
    Ok(cluster_seal::table
        .find(1_i64)
        .select((cluster_seal::epoch, cluster_seal::standing))
        .first(c)
        .optional()?
        .unwrap_or((0, false)))
}

/// Raises the cluster's seal: the new epoch.
fn raise(c: &mut DbConnection, now: NaiveDateTime) -> Result<i64> {
    diesel::update(cluster_seal::table.find(1_i64))
        .set((
            cluster_seal::epoch.eq(cluster_seal::epoch + 1),
            cluster_seal::standing.eq(true),
            cluster_seal::changed_at.eq(now),
        ))
        .execute(c)?;
    Ok(seal_state(c)?.0)
}

/// Lifts a standing seal (a node was unsealed): the epoch it had.
pub(super) fn lift(c: &mut DbConnection, now: NaiveDateTime) -> Result<i64> {
    diesel::update(cluster_seal::table.find(1_i64).filter(cluster_seal::standing.eq(true)))
        .set((cluster_seal::standing.eq(false), cluster_seal::changed_at.eq(now)))
        .execute(c)?;
    Ok(seal_state(c)?.0)
}

impl Keys {
    /// This node's name, for the audit entries of seals and unseals.
    pub fn with_node_id(mut self, node_id: String) -> Self {
        self.node_id = node_id;
        self
    }

    /// Drops this node's keys (if it holds them) and raises the cluster's seal, audited
    /// as `seal` with the new epoch. The command line seals every node this way without
    /// holding keys itself.
    pub async fn seal_cluster(&self, actor: Actor) -> Result<()> {
        // Drop the keys first: sealing must not depend on the audit write succeeding.
        if !self.is_sealed() {
            self.set_state(State::Sealed { shares: Vec::new() });
            tracing::warn!("keys sealed: dropped from memory");
        }
        let now = self.clock.now_naive();
        let node = self.node_id.clone();
        let epoch = self
            .db
            .transaction(move |c| {
                let epoch = raise(c, now)?;
                audit::append(
                    c,
                    &Entry::new(actor, "seal").detail("cluster_epoch", epoch).detail("node", node),
                )?;
                Ok(epoch)
            })
            .await?;
        self.seal_epoch.fetch_max(epoch, Ordering::AcqRel);
        Ok(())
    }

    /// The poll's part: seals this node if another raised the cluster's seal since this
    /// one last looked (audited as `seal.cluster`). Returns whether it sealed.
    pub async fn follow_cluster_seal(&self) -> Result<bool> {
        let (epoch, _) = self.db.run(seal_state).await?;
        if epoch <= self.seal_epoch.fetch_max(epoch, Ordering::AcqRel) || self.is_sealed() {
            return Ok(false);
        }
        self.set_state(State::Sealed { shares: Vec::new() });
        tracing::warn!(epoch, "keys sealed: the cluster was sealed through another node");
        let entry = Entry::new(Actor::default(), "seal.cluster")
            .detail("cluster_epoch", epoch)
            .detail("node", self.node_id.clone());
        self.db.transaction(move |c| audit::append(c, &entry).map(drop)).await?;
        Ok(true)
    }

    /// Whether an emergency seal of the cluster stands (until the first unseal after it).
    pub async fn cluster_seal_standing(&self) -> Result<bool> {
        Ok(self.db.run(seal_state).await?.1)
    }
}
