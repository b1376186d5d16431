//! How instants are written: RFC 3339 with milliseconds, so every timestamp
//! the API returns or stores has one shape.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// `2026-11-23T12:00:00.000Z`.
pub fn format_utc(t: Timestamp) -> String {
    format_in(t, &TimeZone::UTC).replace("+00:00", "Z")
}

/// `2026-11-23T17:30:00.000+05:30`: the instant in `zone`, with its offset.
pub fn format_in(t: Timestamp, zone: &TimeZone) -> String {
    t.to_zoned_datetime(zone.clone())
        .strftime("%Y-%m-%dT%H:%M:%S%.3f%:z")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_milliseconds_and_the_offset() {
        let t: Timestamp = "2026-11-23T12:00:00.123456Z".parse().unwrap();
        assert_eq!(format_utc(t), "2026-11-23T12:00:00.123Z");
        let whole: Timestamp = "2026-11-23T12:00:00Z".parse().unwrap();
        assert_eq!(format_utc(whole), "2026-11-23T12:00:00.000Z");
        let kolkata = TimeZone::get("Asia/Kolkata").unwrap();
        assert_eq!(format_in(whole, &kolkata), "2026-11-23T17:30:00.000+05:30");
    }
}
