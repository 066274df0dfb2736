//! Sessions this node has verified, so that an authenticated request does not join
//! sessions, users and role policies every time. Sound only beside the revocation
//! counter (`revocation`): each entry belongs to the counter's value read before its
//! join, and the whole map is forgotten the moment a request reads another value, so
//! nothing revoked anywhere survives into the next request.
//!
//! An entry also lapses on its own, by the clock: it is used only while its
//! `last_seen_at` needs no refresh (`session::needs_touch`, at most a minute) and before
//! the session's absolute expiry. The request that finds it lapsed takes the full path
//! (join, touch), so touches happen exactly as often as without the cache, and idleness
//! and expiry are still judged against the clock on every request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{Duration, NaiveDateTime};

use super::Principal;
use super::service::UserView;
use super::session;

/// What a verified session stands for, as its join found it.
#[derive(Debug, Clone)]
pub struct Verified {
    pub principal: Principal,
    /// The role's stored rule demands a second factor (`role_policies`).
    pub stored_rule: bool,
    /// The account as the API shows it, for `GET /auth/me` without a second read.
    pub user: Arc<UserView>,
    pub last_seen: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

impl Verified {
    /// May this entry answer for its session at `now`, without a look at the database?
    fn usable(&self, now: NaiveDateTime, idle: Duration) -> bool {
        now < self.expires_at && now >= self.last_seen && !session::needs_touch(now, self.last_seen, idle)
    }
}

#[derive(Debug)]
pub struct SessionCache {
    inner: Mutex<Inner>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct Inner {
    /// The revocation counter the entries belong to.
    epoch: Option<i64>,
    entries: HashMap<[u8; 32], Verified>,
}

impl SessionCache {
    pub fn new(capacity: usize) -> Self {
        SessionCache { inner: Mutex::default(), capacity }
    }

    /// The entry for a token's hash, if the counter is still `epoch` and the entry still
    /// usable at `now`. A counter that moved empties the cache first.
    pub fn get(&self, epoch: i64, hash: &[u8; 32], now: NaiveDateTime, idle: Duration) -> Option<Verified> {
        let mut inner = self.lock();
        if inner.epoch != Some(epoch) {
            inner.entries.clear();
            inner.epoch = Some(epoch);
            return None;
        }
        match inner.entries.get(hash) {
            Some(v) if v.usable(now, idle) => Some(v.clone()),
            Some(_) => {
                inner.entries.remove(hash);
                None
            }
            None => None,
        }
    }

    /// Keeps what a join found under the counter read before it. Dropped if the cache
    /// has since seen another counter: the join may predate a revocation.
    pub fn put(&self, epoch: i64, hash: [u8; 32], verified: Verified, now: NaiveDateTime, idle: Duration) {
        let mut inner = self.lock();
        if inner.epoch != Some(epoch) || self.capacity == 0 {
            return;
        }
        if inner.entries.len() >= self.capacity && !inner.entries.contains_key(&hash) {
            inner.entries.retain(|_, v| v.usable(now, idle));
            if inner.entries.len() >= self.capacity {
                // Full of live sessions: make room by forgetting one; it costs that
                // session one join.
                if let Some(victim) = inner.entries.keys().next().copied() {
                    inner.entries.remove(&victim);
                }
            }
        }
        inner.entries.insert(hash, verified);
    }

    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves nothing half-written worth keeping.
        self.inner.lock().unwrap_or_else(|poisoned| {
            let mut inner = poisoned.into_inner();
            inner.entries.clear();
            inner.epoch = None;
            inner
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;
    use chrono::DateTime;
    use uuid::Uuid;

    fn t(secs: i64) -> NaiveDateTime {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap().naive_utc()
    }

    fn verified(last_seen: i64, expires: i64) -> Verified {
        let user_id = Uuid::new_v4();
        Verified {
            principal: Principal {
                user_id,
                session_id: Uuid::new_v4(),
                username: "ada".into(),
                role: Role::Lawyer,
                second_factor: false,
            },
            stored_rule: false,
            user: Arc::new(UserView {
                id: user_id,
                username: "ada".into(),
                role: Role::Lawyer,
                disabled: false,
                totp_enabled: false,
                created_at: t(0).and_utc(),
                updated_at: t(0).and_utc(),
            }),
            last_seen: t(last_seen),
            expires_at: t(expires),
        }
    }

    const IDLE: Duration = Duration::minutes(30);

    #[test]
    fn another_counter_forgets_everything() {
        let cache = SessionCache::new(10);
        assert!(cache.get(1, &[1; 32], t(0), IDLE).is_none());
        cache.put(1, [1; 32], verified(0, 3600), t(0), IDLE);
        assert!(cache.get(1, &[1; 32], t(5), IDLE).is_some());
        assert!(cache.get(2, &[1; 32], t(5), IDLE).is_none(), "the counter moved");
        assert!(cache.is_empty());
        // A join made under the old counter is not kept.
        cache.put(1, [1; 32], verified(0, 3600), t(5), IDLE);
        assert!(cache.is_empty());
    }

    #[test]
    fn an_entry_never_outlives_its_session_or_its_touch() {
        let cache = SessionCache::new(10);
        cache.get(1, &[0; 32], t(0), IDLE);
        cache.put(1, [1; 32], verified(0, 30), t(0), IDLE);
        assert!(cache.get(1, &[1; 32], t(29), IDLE).is_some());
        assert!(cache.get(1, &[1; 32], t(30), IDLE).is_none(), "expired");
        cache.put(1, [2; 32], verified(0, 3600), t(0), IDLE);
        assert!(cache.get(1, &[2; 32], t(59), IDLE).is_some());
        assert!(cache.get(1, &[2; 32], t(60), IDLE).is_none(), "due for a touch: the full path");
        cache.put(1, [3; 32], verified(100, 3600), t(0), IDLE);
        assert!(cache.get(1, &[3; 32], t(50), IDLE).is_none(), "a clock set back");
    }

    #[test]
    fn the_cache_is_bounded() {
        let cache = SessionCache::new(3);
        cache.get(1, &[0; 32], t(0), IDLE);
        for i in 0..10u8 {
            cache.put(1, [i; 32], verified(0, 3600), t(0), IDLE);
            assert!(cache.len() <= 3);
        }
        assert!(cache.get(1, &[9; 32], t(1), IDLE).is_some(), "the newest is kept");
        // Lapsed entries make room before live ones do.
        let cache = SessionCache::new(2);
        cache.get(1, &[0; 32], t(0), IDLE);
        cache.put(1, [1; 32], verified(0, 10), t(0), IDLE);
        cache.put(1, [2; 32], verified(0, 3600), t(0), IDLE);
        cache.put(1, [3; 32], verified(20, 3600), t(20), IDLE);
        assert!(cache.get(1, &[2; 32], t(21), IDLE).is_some());
        assert!(cache.get(1, &[3; 32], t(21), IDLE).is_some());
        assert!(SessionCache::new(0).is_empty());
    }
}
