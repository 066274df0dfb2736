//! Entries the edge records outside any other use case's transaction: a request the
//! policy refused, stored data that failed its check (the request's own transaction
//! rolled back, so the failure is recorded in one of its own), and a form kept over an
//! ended session (`auth::kept`).

use chrono::Duration;
use uuid::Uuid;

use super::Auth;
use crate::access::Principal;
use crate::audit::{self, Actor, Entry, Outcome};
use crate::auth::kept::{self, KeptForm};
use crate::error::Result;

/// What a kept form was for: the form's name, and the kind and id of the record it
/// would have changed (audited as the entry's target).
#[derive(Debug, Clone, Copy)]
pub struct KeptFor {
    pub form: &'static str,
    pub kind: &'static str,
    pub record: Uuid,
}

impl Auth {
    /// Records an attempt the policy refused, so abuse of an account shows in the log.
    pub async fn record_denied(&self, who: &Principal, action: &'static str) -> Result<()> {
        let entry = Entry::new(who, "access_denied").outcome(Outcome::Denied).detail("action", action);
        self.ctx.write_plain(move |c| audit::append(c, &entry).map(drop)).await
    }

    /// Records a failure an auditor must see (`integrity_error`, `key_unavailable`)
    /// whose request rolled its own transaction back: who asked, and for which record.
    pub async fn record_failure(
        &self,
        actor: Actor,
        action: &'static str,
        record: Option<Uuid>,
    ) -> Result<()> {
        let mut entry = Entry::new(actor, action).outcome(Outcome::Failure);
        if let Some(id) = record {
            entry = entry.target("record", id);
        }
        self.ctx.write_plain(move |c| audit::append(c, &entry).map(drop)).await
    }

    /// Keeps a form that arrived after its session ended, sealed for the user whose
    /// session `token` was, for `minutes` (audited as `form.kept`). None when keeping
    /// is off, or the token names no session whose user may still have it: disabled,
    /// or ended longer ago than the grace.
    pub async fn keep_form(
        &self,
        token: &str,
        minutes: u32,
        form: KeptForm,
        kept_for: KeptFor,
    ) -> Result<Option<String>> {
        if minutes == 0 {
            return Ok(None);
        }
        let grace = Duration::minutes(minutes.into());
        let Some((user, session)) = self.session_owner(token, grace).await? else {
            return Ok(None);
        };
        let expires = self.now() + grace;
        let keyring = self.ctx.keys.keyring()?;
        let sealed = kept::seal(&keyring, user, expires, &form)?;
        let entry = Entry::new(Actor { user_id: Some(user), session_id: Some(session) }, "form.kept")
            .target(kept_for.kind, kept_for.record)
            .detail("form", kept_for.form)
            .detail("minutes", minutes);
        self.ctx.write_plain(move |c| audit::append(c, &entry).map(drop)).await?;
        Ok(Some(sealed))
    }

    /// Opens a kept form for `user`, now: None when it is someone else's, expired,
    /// altered, or the keys are sealed.
    pub fn open_kept(&self, user: Uuid, text: &str) -> Option<KeptForm> {
        let keyring = self.ctx.keys.keyring().ok()?;
        kept::open(&keyring, user, self.now(), text)
    }
}
