//! The one source of the current time. Services that decide by time (session expiry,
//! throttling windows, checkpoints, job timestamps, record times) take it from the
//! `Clock` they were built with, so tests can set and advance it instead of sleeping.
//! `Utc::now` is disallowed everywhere else (`clippy.toml`).

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, NaiveDateTime, SubsecRound, TimeDelta, Utc};

#[derive(Clone, Default)]
pub struct Clock {
    manual: Option<Arc<Mutex<DateTime<Utc>>>>,
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.manual.is_some() { "Clock(manual)" } else { "Clock(system)" })
    }
}

impl Clock {
    /// The system's clock.
    pub fn system() -> Self {
        Clock { manual: None }
    }

    /// A clock that stands still at `at` until advanced (tests).
    pub fn manual(at: DateTime<Utc>) -> Self {
        Clock { manual: Some(Arc::new(Mutex::new(at))) }
    }

    /// Moves a manual clock forward; the system clock cannot be moved.
    pub fn advance(&self, by: TimeDelta) {
        if let Some(m) = &self.manual {
            let mut at = m.lock().unwrap_or_else(PoisonError::into_inner);
            *at += by;
        }
    }

    #[allow(clippy::disallowed_methods)] // the one place that reads the system clock
    pub fn now(&self) -> DateTime<Utc> {
        match &self.manual {
            Some(m) => *m.lock().unwrap_or_else(PoisonError::into_inner),
            None => Utc::now(),
        }
    }

    /// The current time at the precision both engines keep (PostgreSQL stores
    /// microseconds), so values read back compare equal to values written.
    pub fn now_naive(&self) -> NaiveDateTime {
        self.now().naive_utc().trunc_subsecs(6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_advanced() {
        let start = DateTime::<Utc>::from_timestamp(1_700_000_000, 123_456_789).unwrap();
        let clock = Clock::manual(start);
        assert_eq!(clock.now(), start);
        clock.advance(TimeDelta::seconds(90));
        assert_eq!(clock.now(), start + TimeDelta::seconds(90));
        assert_eq!(clock.now_naive().and_utc().timestamp_subsec_nanos(), 123_456_000);
    }
}
