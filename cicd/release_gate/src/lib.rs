//! The production release window: the days and hours, in a named time zone,
//! when a release may go out without a person approving it.
//!
//! Times are wall-clock times in the window's zone, so "09:00" stays 09:00
//! across daylight-saving changes.

use jiff::Timestamp;
use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;

/// `cicd/release-window.json`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WindowConfig {
    pub time_zone: String,
    pub days: Vec<String>,
    pub start: String,
    pub end: String,
}

/// A checked release window.
#[derive(Debug, Clone)]
pub struct ReleaseWindow {
    zone: TimeZone,
    zone_name: String,
    days: Vec<Weekday>,
    start: Time,
    end: Time,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WindowError {
    #[error("timeZone {0:?} is not an IANA time zone (for example Europe/London)")]
    Zone(String),
    #[error("{0:?} is not a day: use Mon, Tue, Wed, Thu, Fri, Sat or Sun")]
    Day(String),
    #[error("{field} {value:?} is not a time of day as HH:MM")]
    Time { field: &'static str, value: String },
    #[error("the window must start before it ends, but {start} is not before {end}")]
    Empty { start: String, end: String },
    #[error("the window has no days")]
    NoDays,
}

/// What the gate decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Proceed,
    WaitForApproval,
}

impl ReleaseWindow {
    pub fn from_config(config: &WindowConfig) -> Result<Self, WindowError> {
        let zone = TimeZone::get(&config.time_zone)
            .map_err(|_| WindowError::Zone(config.time_zone.clone()))?;
        let days = config
            .days
            .iter()
            .map(|d| parse_day(d))
            .collect::<Result<Vec<_>, _>>()?;
        if days.is_empty() {
            return Err(WindowError::NoDays);
        }
        let time = |field, value: &String| -> Result<Time, WindowError> {
            Time::strptime("%H:%M", value).map_err(|_| WindowError::Time {
                field,
                value: value.clone(),
            })
        };
        let (start, end) = (time("start", &config.start)?, time("end", &config.end)?);
        if start >= end {
            return Err(WindowError::Empty {
                start: config.start.clone(),
                end: config.end.clone(),
            });
        }
        Ok(Self {
            zone,
            zone_name: config.time_zone.clone(),
            days,
            start,
            end,
        })
    }

    /// Proceed when `now`, on the window's wall clock, falls on one of its
    /// days within `[start, end)`.
    pub fn decide(&self, now: Timestamp) -> Decision {
        let local = now.to_zoned_datetime(self.zone.clone());
        let inside =
            self.days.contains(&local.weekday()) && (self.start..self.end).contains(&local.time());
        if inside {
            Decision::Proceed
        } else {
            Decision::WaitForApproval
        }
    }

    pub fn describe(&self) -> String {
        let days: Vec<String> = self
            .days
            .iter()
            .map(|d| format!("{d:?}")[..3].to_owned())
            .collect();
        format!(
            "{} {}-{} {}",
            days.join(","),
            self.start.strftime("%H:%M"),
            self.end.strftime("%H:%M"),
            self.zone_name
        )
    }
}

fn parse_day(day: &str) -> Result<Weekday, WindowError> {
    Ok(match day.to_ascii_lowercase().as_str() {
        "mon" | "monday" => Weekday::Monday,
        "tue" | "tuesday" => Weekday::Tuesday,
        "wed" | "wednesday" => Weekday::Wednesday,
        "thu" | "thursday" => Weekday::Thursday,
        "fri" | "friday" => Weekday::Friday,
        "sat" | "saturday" => Weekday::Saturday,
        "sun" | "sunday" => Weekday::Sunday,
        _ => return Err(WindowError::Day(day.to_owned())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(days: &[&str], start: &str, end: &str) -> ReleaseWindow {
        ReleaseWindow::from_config(&WindowConfig {
            time_zone: "Europe/London".into(),
            days: days.iter().map(|d| d.to_string()).collect(),
            start: start.into(),
            end: end.into(),
        })
        .unwrap()
    }

    fn at(utc: &str) -> Timestamp {
        utc.parse().unwrap()
    }

    const WEEKDAYS: &[&str] = &["Mon", "Tue", "Wed", "Thu"];

    #[test]
    fn inside_the_window_proceeds() {
        let w = window(WEEKDAYS, "09:00", "16:00");
        // Monday 23 November 2026, 10:00 in London (GMT).
        assert_eq!(w.decide(at("2026-11-23T10:00:00Z")), Decision::Proceed);
        assert_eq!(
            w.decide(at("2026-11-23T09:00:00Z")),
            Decision::Proceed,
            "start is inclusive"
        );
    }

    #[test]
    fn outside_the_window_waits() {
        let w = window(WEEKDAYS, "09:00", "16:00");
        assert_eq!(
            w.decide(at("2026-11-23T08:59:59Z")),
            Decision::WaitForApproval,
            "before start"
        );
        assert_eq!(
            w.decide(at("2026-11-23T16:00:00Z")),
            Decision::WaitForApproval,
            "end is exclusive"
        );
        assert_eq!(
            w.decide(at("2026-11-27T10:00:00Z")),
            Decision::WaitForApproval,
            "a Friday"
        );
        assert_eq!(
            w.decide(at("2026-11-29T10:00:00Z")),
            Decision::WaitForApproval,
            "a Sunday"
        );
    }

    #[test]
    fn the_window_follows_the_wall_clock_across_daylight_saving() {
        let w = window(&["Mon"], "09:00", "16:00");
        // In summer London is UTC+1: 08:30 UTC is 09:30 local, inside.
        assert_eq!(w.decide(at("2026-06-01T08:30:00Z")), Decision::Proceed);
        // In winter it is UTC+0: 08:30 UTC is 08:30 local, outside.
        assert_eq!(
            w.decide(at("2026-11-23T08:30:00Z")),
            Decision::WaitForApproval
        );
        // The Monday after clocks went forward (29 March 2026).
        assert_eq!(w.decide(at("2026-03-30T08:00:00Z")), Decision::Proceed);
        assert_eq!(
            w.decide(at("2026-03-30T15:00:00Z")),
            Decision::WaitForApproval
        );
    }

    #[test]
    fn a_window_over_the_skipped_and_repeated_hours() {
        let w = window(&["Sun"], "01:30", "02:30");
        // 29 March 2026: at 01:00 GMT clocks jump to 02:00 BST, so local 01:30-02:00
        // never happens. 00:45 UTC is 00:45 GMT: outside.
        assert_eq!(
            w.decide(at("2026-03-29T00:45:00Z")),
            Decision::WaitForApproval
        );
        // 01:15 UTC is 02:15 BST: inside.
        assert_eq!(w.decide(at("2026-03-29T01:15:00Z")), Decision::Proceed);
        // 25 October 2026: 02:00 BST falls back to 01:00 GMT; 01:45 local happens twice.
        assert_eq!(
            w.decide(at("2026-10-25T00:45:00Z")),
            Decision::Proceed,
            "01:45 BST"
        );
        assert_eq!(
            w.decide(at("2026-10-25T01:45:00Z")),
            Decision::Proceed,
            "01:45 GMT"
        );
        assert_eq!(
            w.decide(at("2026-10-25T02:45:00Z")),
            Decision::WaitForApproval,
            "02:45 GMT"
        );
    }

    #[test]
    fn bad_configs_say_what_is_wrong() {
        let config = |zone: &str, days: &[&str], start: &str, end: &str| WindowConfig {
            time_zone: zone.into(),
            days: days.iter().map(|d| d.to_string()).collect(),
            start: start.into(),
            end: end.into(),
        };
        let err = |c: WindowConfig| ReleaseWindow::from_config(&c).unwrap_err();
        assert_eq!(
            err(config("Mars/Base", &["Mon"], "09:00", "10:00")),
            WindowError::Zone("Mars/Base".into())
        );
        assert_eq!(
            err(config("UTC", &["Someday"], "09:00", "10:00")),
            WindowError::Day("Someday".into())
        );
        assert!(matches!(
            err(config("UTC", &["Mon"], "9am", "10:00")),
            WindowError::Time { field: "start", .. }
        ));
        assert!(matches!(
            err(config("UTC", &["Mon"], "10:00", "09:00")),
            WindowError::Empty { .. }
        ));
        assert_eq!(
            err(config("UTC", &[], "09:00", "10:00")),
            WindowError::NoDays
        );
    }

    #[test]
    fn the_repository_window_is_valid() {
        let text = include_str!("../../release-window.json");
        let config: WindowConfig = serde_json::from_str(text).unwrap();
        let w = ReleaseWindow::from_config(&config).unwrap();
        assert_eq!(w.describe(), "Mon,Tue,Wed,Thu 09:00-16:00 Europe/London");
    }
}
