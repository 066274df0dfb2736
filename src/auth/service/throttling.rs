//! Login throttling across nodes: failures per account and per client address are
//! counted in the database (`auth::failures`), named by HMACs under a key of the
//! keyring. While this node is sealed it has no such key, and counts in its own memory
//! (`auth::throttle`) until it is unsealed: sign-in then only serves the admins who
//! unseal, and the failures counted meanwhile still lock this node's door.

use std::net::IpAddr;

use chrono::TimeDelta;

use super::Auth;
use crate::auth::failures::{self, Subject};
use crate::error::Result;

impl Auth {
    fn window(&self) -> TimeDelta {
        TimeDelta::minutes(self.settings.failure_window_minutes.max(1))
    }

    /// The subjects a login attempt counts against, with each one's limit; `None` while
    /// sealed.
    fn subjects(&self, account: &str, client: Option<IpAddr>) -> Option<Vec<(Subject, u32)>> {
        let keyring = self.ctx.keys.keyring().ok()?;
        let mut subjects =
            vec![(Subject::account(&keyring, account), self.settings.max_failures_per_account)];
        if let Some(ip) = client {
            subjects.push((Subject::address(&keyring, ip), self.settings.max_failures_per_address));
        }
        Some(subjects)
    }

    /// The subject of an account's failures, to clear them in a login's transaction.
    pub(super) fn account_subject(&self, account: &str) -> Option<Subject> {
        Some(Subject::account(&*self.ctx.keys.keyring().ok()?, account))
    }

    /// How long the account or the address must wait, if either used up its failures.
    pub(super) async fn throttled(&self, account: &str, client: Option<IpAddr>) -> Result<Option<TimeDelta>> {
        let Some(subjects) = self.subjects(account, client) else {
            let now = self.ctx.clock.now();
            let locked = [
                self.accounts.locked_for(&account.to_owned(), now),
                client.and_then(|ip| self.addresses.locked_for(&ip, now)),
            ];
            return Ok(locked.into_iter().flatten().max());
        };
        let (window, now) = (self.window(), self.ctx.clock.now_naive());
        self.ctx
            .read(move |c| {
                let mut wait = None;
                for (subject, max) in &subjects {
                    wait = wait.max(failures::locked_for(c, subject, *max, window, now)?);
                }
                Ok(wait)
            })
            .await
    }

    /// Counts a failure: the subjects to store in the caller's transaction (next to the
    /// audit entry), or, while sealed, counted here in memory (empty).
    pub(super) fn count_failure(&self, account: &str, client: Option<IpAddr>) -> Vec<Subject> {
        match self.subjects(account, client) {
            Some(subjects) => subjects.into_iter().map(|(s, _)| s).collect(),
            None => {
                let now = self.ctx.clock.now();
                self.accounts.record_failure(&account.to_owned(), now);
                if let Some(ip) = client {
                    self.addresses.record_failure(&ip, now);
                }
                Vec::new()
            }
        }
    }

    /// Forgets failures older than the window (the node's periodic poll). Returns how many.
    pub async fn prune_failures(&self) -> Result<usize> {
        let (window, now) = (self.window(), self.ctx.clock.now_naive());
        self.ctx.write_plain(move |c| failures::prune(c, window, now)).await
    }
}
