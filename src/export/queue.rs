//! The export queue: the bundle row is the job (its status), its claim the row beside it
//! in `bundle_claims`. Any node claims a build — a `queued` bundle, or a `building` one
//! whose lease ran out because its node died — by writing its node id, a lease and one
//! more attempt, conditional on the attempts it read (PostgreSQL picks the rows with
//! `FOR UPDATE SKIP LOCKED`, so two nodes never wait on one job; SQLite has one writer). The build renews its lease and writes its outcome only while it still
//! holds the claim; a half-written archive is never committed, so a retry starts from
//! scratch. After `MAX_ATTEMPTS` claims the build is given up as `attempts_exhausted`.

use std::str::FromStr;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use serde::Deserialize;
use uuid::Uuid;

use super::job::{BundleStatus, TABLE};
use super::{Recipient, Selection};
use crate::access::policy::act;
use crate::access::{Allowed, Principal};
use crate::audit::{self, Actor, Entry, Outcome};
use crate::cases::sealed::Sealer;
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::store::DbConnection;
use crate::store::schema::{bundle_claims, bundles, users};

/// Claims of one build before it is given up.
pub const MAX_ATTEMPTS: i32 = 3;

/// A node's hold on a build: which node, and which attempt. Outcomes and lease renewals
/// are written only while both still match the row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub bundle: Uuid,
    pub node: String,
    pub attempt: i32,
}

/// A claimed build's row, before its order is opened.
pub struct Claimed {
    pub claim: Claim,
    pub case_id: String,
    requested_by: String,
    recipient: String,
    request: Vec<u8>,
}

impl Claimed {
    /// The requester's id, as stored.
    pub fn requester(&self) -> Option<Uuid> {
        Uuid::parse_str(&self.requested_by).ok()
    }
}

#[derive(Deserialize)]
struct SealedRequest {
    selection: Selection,
    age_recipient: Option<String>,
    #[serde(default)]
    analysis_annex: bool,
}

/// Claimable at `now`: queued, or building under an expired lease.
macro_rules! claimable {
    ($now:expr) => {
        bundles::status
            .eq(BundleStatus::Queued.as_str())
            .or(bundles::status.eq(BundleStatus::Building.as_str()).and(bundle_claims::lease_until.lt($now)))
    };
}

/// The oldest claimable build (of those `$extra` filters further), with its attempts,
/// locked against other nodes until the transaction ends (PostgreSQL).
macro_rules! pick {
    ($c:expr, $now:expr, $extra:expr) => {
        match $c {
            #[cfg(feature = "postgres")]
            DbConnection::Postgres(pg) => bundles::table
                .inner_join(bundle_claims::table)
                .filter(claimable!($now))
                .filter($extra)
                .order(bundles::created_at.asc())
                .select((bundles::id, bundle_claims::attempts))
                .for_update()
                .skip_locked()
                .first::<(String, i32)>(pg)
                .optional()?,
            #[allow(unreachable_patterns)]
            _ => bundles::table
                .inner_join(bundle_claims::table)
                .filter(claimable!($now))
                .filter($extra)
                .order(bundles::created_at.asc())
                .select((bundles::id, bundle_claims::attempts))
                .first::<(String, i32)>($c)
                .optional()?,
        }
    };
}

/// Claims the oldest claimable build for `node`, giving up those out of attempts.
pub fn claim_next(
    c: &mut DbConnection,
    node: &str,
    now: NaiveDateTime,
    lease: TimeDelta,
) -> Result<Option<Claimed>> {
    loop {
        let Some((id, attempts)) = pick!(c, now, bundles::id.ne("")) else { return Ok(None) };
        if attempts >= MAX_ATTEMPTS {
            give_up(c, &id, now)?;
            continue;
        }
        if let Some(claimed) = take(c, &id, attempts, node, now, lease)? {
            return Ok(Some(claimed));
        }
    }
}

/// Claims one bundle (the node that queued it starts at once). `None` if another node
/// was quicker.
pub fn claim(
    c: &mut DbConnection,
    id: Uuid,
    node: &str,
    now: NaiveDateTime,
    lease: TimeDelta,
) -> Result<Option<Claimed>> {
    let id = id.to_string();
    match pick!(c, now, bundles::id.eq(&id)) {
        Some((_, attempts)) if attempts < MAX_ATTEMPTS => take(c, &id, attempts, node, now, lease),
        _ => Ok(None),
    }
}

/// Takes the claim from `attempts` to the next, if no other node did first.
fn take(
    c: &mut DbConnection,
    id: &str,
    attempts: i32,
    node: &str,
    now: NaiveDateTime,
    lease: TimeDelta,
) -> Result<Option<Claimed>> {
    let taken = diesel::update(bundle_claims::table.find(id).filter(bundle_claims::attempts.eq(attempts)))
        .set((
            bundle_claims::claimed_by.eq(node),
            bundle_claims::lease_until.eq(now + lease),
            bundle_claims::attempts.eq(attempts + 1),
        ))
        .execute(c)?;
    if taken == 0 {
        return Ok(None);
    }
    diesel::update(bundles::table.find(id))
        .set((bundles::status.eq(BundleStatus::Building.as_str()), bundles::progress.eq(0)))
        .execute(c)?;
    let (case_id, requested_by, recipient, request): (String, String, String, Vec<u8>) = bundles::table
        .find(id)
        .select((bundles::case_id, bundles::requested_by, bundles::recipient, bundles::request))
        .first(c)?;
    let bundle = Uuid::parse_str(id).map_err(|_| Error::Integrity)?;
    Ok(Some(Claimed {
        claim: Claim { bundle, node: node.to_owned(), attempt: attempts + 1 },
        case_id,
        requested_by,
        recipient,
        request,
    }))
}

/// A build out of attempts: failed, audited in the requester's name.
fn give_up(c: &mut DbConnection, id: &str, now: NaiveDateTime) -> Result<()> {
    let (case_id, requested_by): (String, String) =
        bundles::table.find(id).select((bundles::case_id, bundles::requested_by)).first(c)?;
    diesel::update(bundles::table.find(id))
        .set((
            bundles::status.eq(BundleStatus::Failed.as_str()),
            bundles::error.eq("attempts_exhausted"),
            bundles::finished_at.eq(now),
        ))
        .execute(c)?;
    diesel::update(bundle_claims::table.find(id))
        .set(bundle_claims::lease_until.eq(None::<NaiveDateTime>))
        .execute(c)?;
    let bundle = Uuid::parse_str(id).map_err(|_| Error::Integrity)?;
    let actor = Actor { user_id: Uuid::parse_str(&requested_by).ok(), session_id: None };
    audit::append(
        c,
        &Entry::new(actor, "bundle.export")
            .target("bundle", bundle)
            .outcome(Outcome::Failure)
            .detail("case_id", case_id)
            .detail("reason", "attempts_exhausted"),
    )?;
    tracing::warn!(bundle = %bundle, "evidence bundle given up after {MAX_ATTEMPTS} attempts");
    Ok(())
}

/// Marks a claimed build failed with `code` (audited in `actor`'s name), if the claim
/// still holds: a node that lost its claim must not overwrite another's build.
pub fn fail(c: &mut DbConnection, claim: &Claim, actor: Actor, code: &str, now: NaiveDateTime) -> Result<()> {
    hold(c, claim)?;
    diesel::update(bundles::table.find(claim.bundle.to_string()))
        .set((
            bundles::status.eq(BundleStatus::Failed.as_str()),
            bundles::error.eq(code),
            bundles::finished_at.eq(now),
        ))
        .execute(c)?;
    let case_id: String = bundles::table.find(claim.bundle.to_string()).select(bundles::case_id).first(c)?;
    audit::append(
        c,
        &Entry::new(actor, "bundle.export")
            .target("bundle", claim.bundle)
            .outcome(Outcome::Failure)
            .detail("case_id", case_id)
            .detail("reason", code.to_owned()),
    )?;
    Ok(())
}

/// Checks that `claim` still holds its build and keeps it held (the claim's row stays
/// locked on PostgreSQL) until the transaction ends, which ends the lease: the caller
/// writes the build's outcome. 409 `bundle_claim_lost` when another node took it.
pub fn hold(c: &mut DbConnection, claim: &Claim) -> Result<()> {
    let held = diesel::update(claimed(claim))
        .set(bundle_claims::lease_until.eq(None::<NaiveDateTime>))
        .execute(c)?;
    if held == 0 { Err(Error::Conflict("bundle_claim_lost")) } else { Ok(()) }
}

/// A claim's row, filtered to its node and attempt.
type ClaimedRow = diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::Find<bundle_claims::table, String>,
        diesel::dsl::Eq<bundle_claims::claimed_by, String>,
    >,
    diesel::dsl::Eq<bundle_claims::attempts, i32>,
>;

/// The claim's row while `claim` holds it.
fn claimed(claim: &Claim) -> ClaimedRow {
    bundle_claims::table
        .find(claim.bundle.to_string())
        .filter(bundle_claims::claimed_by.eq(claim.node.clone()))
        .filter(bundle_claims::attempts.eq(claim.attempt))
}

/// Renews `claim`'s lease to `until`. False once the claim is lost (the lease ran out
/// and another node took the build): the build should stop.
pub fn renew(c: &mut DbConnection, claim: &Claim, until: NaiveDateTime) -> Result<bool> {
    let building = bundles::table
        .find(claim.bundle.to_string())
        .filter(bundles::status.eq(BundleStatus::Building.as_str()))
        .count()
        .get_result::<i64>(c)?;
    Ok(building > 0
        && diesel::update(claimed(claim)).set(bundle_claims::lease_until.eq(until)).execute(c)? > 0)
}

/// At a node's start: the builds it claimed before it stopped go back to the queue (a
/// build is never finished by a process that did not start it). Returns how many.
pub fn release_own(c: &mut DbConnection, node: &str) -> Result<usize> {
    let own =
        bundle_claims::table.filter(bundle_claims::claimed_by.eq(node)).select(bundle_claims::bundle_id);
    let released = diesel::update(
        bundles::table
            .filter(bundles::status.eq(BundleStatus::Building.as_str()))
            .filter(bundles::id.eq_any(own)),
    )
    .set(bundles::status.eq(BundleStatus::Queued.as_str()))
    .execute(c)?;
    diesel::update(bundle_claims::table.filter(bundle_claims::claimed_by.eq(node)))
        .set((
            bundle_claims::claimed_by.eq(None::<String>),
            bundle_claims::lease_until.eq(None::<NaiveDateTime>),
        ))
        .execute(c)?;
    Ok(released)
}

/// What a claimed build runs as: its requester, checked again (still active, the role
/// still allowed to export; membership of the case is checked by the build), and its
/// order, opened from the sealed request. `Err(code)` names why the build must fail.
pub fn open(
    c: &mut DbConnection,
    keyring: &Keyring,
    claimed: &Claimed,
) -> Result<std::result::Result<(Allowed<act::BundleExport>, super::job::Order), &'static str>> {
    let id = claimed.claim.bundle;
    let user: Option<(String, String, bool)> = users::table
        .find(&claimed.requested_by)
        .select((users::username, users::role, users::disabled))
        .first(c)
        .optional()?;
    let Some((username, role, false)) = user else { return Ok(Err("requester_inactive")) };
    let role = crate::domain::Role::from_str(&role).map_err(|_| Error::Integrity)?;
    let principal = Principal {
        user_id: Uuid::parse_str(&claimed.requested_by).map_err(|_| Error::Integrity)?,
        // Built by the queue, not in a session: audited without one.
        session_id: Uuid::nil(),
        username,
        role,
        second_factor: false,
    };
    let Ok(who) = Allowed::<act::BundleExport>::check(principal) else { return Ok(Err("access_revoked")) };
    let sealer = Sealer::open(c, keyring, TABLE, &id.to_string())?;
    let request: SealedRequest = sealer.unseal("request", &claimed.request)?;
    let age_recipient = match request.age_recipient.as_deref().map(str::trim) {
        Some(text) => Some(age::x25519::Recipient::from_str(text).map_err(|_| Error::Integrity)?),
        None => None,
    };
    let order = super::job::Order {
        id,
        case_id: claimed.case_id.clone(),
        recipient: Recipient::parse(&claimed.recipient).ok_or(Error::Integrity)?,
        selection: request.selection,
        age_recipient,
        analysis_annex: request.analysis_annex,
    };
    Ok(Ok((who, order)))
}
