//! "Now", as an argument.
//!
//! Handlers ask a [`Clock`] for the time instead of reading it themselves, so
//! tests can pin "today" to a leap day or a year's end.

use jiff::{Timestamp, civil::Date, tz::TimeZone};

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;

    /// Today's date in UTC: the API's notion of "today".
    fn today_utc(&self) -> Date {
        utc_date(self.now())
    }
}

/// The UTC calendar date of an instant.
pub fn utc_date(t: Timestamp) -> Date {
    t.to_zoned_datetime(TimeZone::UTC).date()
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock stopped at one instant, for tests.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub Timestamp);

impl FixedClock {
    /// Noon UTC on the given date.
    pub fn at_noon_utc(date: Date) -> Self {
        let noon = date
            .at(12, 0, 0, 0)
            .to_zoned_datetime(TimeZone::UTC)
            .expect("noon UTC exists on every date");
        Self(noon.timestamp())
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}
