//! Failed-login throttling per account and per client address.
//!
//! Hand-written rather than `governor`: we count *failures* only and forget them on a
//! successful login, whereas a GCRA limiter charges every attempt. In memory by design:
//! the adversary we throttle (online guessing) cannot restart our process, and keeping
//! attempts out of the database keeps usernames of failed attempts out of it too.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys tracked at most; past this, expired entries are pruned and then the table is
/// cleared rather than grown, so a spray of usernames cannot exhaust memory.
const MAX_KEYS: usize = 100_000;

#[derive(Debug)]
pub struct Throttle<K> {
    max_failures: u32,
    window: Duration,
    failures: Mutex<HashMap<K, VecDeque<Instant>>>,
}

impl<K: Eq + Hash + Clone> Throttle<K> {
    pub fn new(max_failures: u32, window: Duration) -> Self {
        Self { max_failures: max_failures.max(1), window, failures: Mutex::new(HashMap::new()) }
    }

    /// `Some(wait)` while the key has used up its failures in the window.
    pub fn locked_for(&self, key: &K, now: Instant) -> Option<Duration> {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let times = map.get_mut(key)?;
        self.expire(times, now);
        if times.len() < self.max_failures as usize {
            return None;
        }
        times.front().map(|oldest| (*oldest + self.window).saturating_duration_since(now))
    }

    pub fn record_failure(&self, key: &K, now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_KEYS && !map.contains_key(key) {
            map.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < self.window));
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

    fn expire(&self, times: &mut VecDeque<Instant>, now: Instant) {
        while times.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
            times.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_max_failures_and_unlocks_after_the_window() {
        let t0 = Instant::now();
        let th = Throttle::new(3, Duration::from_secs(60));
        let k = "anna".to_string();
        for i in 0..3 {
            assert_eq!(th.locked_for(&k, t0), None, "attempt {i}");
            th.record_failure(&k, t0 + Duration::from_secs(i));
        }
        let wait = th.locked_for(&k, t0 + Duration::from_secs(10)).unwrap();
        assert_eq!(wait, Duration::from_secs(50));
        assert_eq!(th.locked_for(&k, t0 + Duration::from_secs(61)), None);
    }

    #[test]
    fn success_clears_and_keys_are_independent() {
        let t0 = Instant::now();
        let th = Throttle::new(1, Duration::from_secs(60));
        th.record_failure(&"a", t0);
        assert!(th.locked_for(&"a", t0).is_some());
        assert!(th.locked_for(&"b", t0).is_none());
        th.clear(&"a");
        assert!(th.locked_for(&"a", t0).is_none());
    }
}
