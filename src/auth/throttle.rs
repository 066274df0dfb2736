//! Failed-login throttling per account and per client address.
//!
//! Hand-written rather than `governor`: we count *failures* only and forget them on a
//! successful login, whereas a GCRA limiter charges every attempt. In memory: a node's
//! own count while it is sealed, when it has no key to name failures in the database
//! (`failures`, shared by every node, is the count otherwise).
//! Time comes from the caller (the service's clock), so the window is tested by moving
//! a clock rather than by waiting.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::Mutex;

use chrono::{DateTime, TimeDelta, Utc};

/// Keys tracked at most; past this, expired entries are pruned and then the table is
/// cleared rather than grown, so a spray of usernames cannot exhaust memory.
const MAX_KEYS: usize = 100_000;

#[derive(Debug)]
pub struct Throttle<K> {
    max_failures: u32,
    window: TimeDelta,
    failures: Mutex<HashMap<K, VecDeque<DateTime<Utc>>>>,
}

impl<K: Eq + Hash + Clone> Throttle<K> {
    pub fn new(max_failures: u32, window: TimeDelta) -> Self {
        Self { max_failures: max_failures.max(1), window, failures: Mutex::new(HashMap::new()) }
    }

    /// `Some(wait)` while the key has used up its failures in the window.
    pub fn locked_for(&self, key: &K, now: DateTime<Utc>) -> Option<TimeDelta> {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let times = map.get_mut(key)?;
        self.expire(times, now);
        if times.len() < self.max_failures as usize {
            return None;
        }
        times.front().map(|oldest| (*oldest + self.window - now).max(TimeDelta::zero()))
    }

    pub fn record_failure(&self, key: &K, now: DateTime<Utc>) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_KEYS && !map.contains_key(key) {
            map.retain(|_, times| times.back().is_some_and(|t| now - *t < self.window));
            if map.len() >= MAX_KEYS {
                tracing::warn!("login throttle table full; clearing it");
                map.clear();
            }
        }
        let times = map.entry(key.clone()).or_default();
        self.expire(times, now);
        times.push_back(now);
        while times.len() > self.max_failures as usize {
            times.pop_front();
        }
    }

    pub fn clear(&self, key: &K) {
        self.failures.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }

    fn expire(&self, times: &mut VecDeque<DateTime<Utc>>, now: DateTime<Utc>) {
        while times.front().is_some_and(|t| now - *t >= self.window) {
            times.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;

    fn clock() -> Clock {
        Clock::manual(DateTime::from_timestamp(1_800_000_000, 0).unwrap())
    }

    #[test]
    fn locks_after_max_failures_and_unlocks_after_the_window() {
        let clock = clock();
        let th = Throttle::new(3, TimeDelta::seconds(60));
        let k = "anna".to_string();
        for i in 0..3 {
            assert_eq!(th.locked_for(&k, clock.now()), None, "attempt {i}");
            th.record_failure(&k, clock.now());
            clock.advance(TimeDelta::seconds(1));
        }
        // Failures at 0, 1 and 2 s; at 10 s the oldest frees a place at 60 s.
        clock.advance(TimeDelta::seconds(7));
        assert_eq!(th.locked_for(&k, clock.now()), Some(TimeDelta::seconds(50)));
        clock.advance(TimeDelta::seconds(49));
        assert_eq!(th.locked_for(&k, clock.now()), Some(TimeDelta::seconds(1)), "one second before");
        clock.advance(TimeDelta::seconds(1));
        assert_eq!(th.locked_for(&k, clock.now()), None, "the oldest failure left the window");
        // One more failure fills the window again: the next two are still in it.
        th.record_failure(&k, clock.now());
        assert_eq!(th.locked_for(&k, clock.now()), Some(TimeDelta::seconds(1)));
    }

    #[test]
    fn success_clears_and_keys_are_independent() {
        let now = clock().now();
        let th = Throttle::new(1, TimeDelta::seconds(60));
        th.record_failure(&"a", now);
        assert!(th.locked_for(&"a", now).is_some());
        assert!(th.locked_for(&"b", now).is_none());
        th.clear(&"a");
        assert!(th.locked_for(&"a", now).is_none());
    }
}
