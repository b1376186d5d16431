use std::fmt;

use jiff::civil::Date;

/// A date of birth: a real calendar date, strictly before "today".
///
/// [`DateOfBirth::parse`] takes today's date as an argument rather than
/// reading a clock, so that the rule is tested with any "today" we like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateOfBirth(Date);

/// Why a string is not a date of birth. Each message says what to send instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateOfBirthError {
    #[error("dateOfBirth {input:?} is a date and time: send only the date, as YYYY-MM-DD")]
    DateTime { input: String },
    #[error("dateOfBirth {input:?} is not in the YYYY-MM-DD format (for example 1990-04-23)")]
    Format { input: String },
    #[error("dateOfBirth {input:?} is not a real calendar date")]
    Impossible { input: String },
    #[error("dateOfBirth {date} is not in the past: it must be before today ({today}, UTC)")]
    NotInPast { date: Date, today: Date },
}

impl DateOfBirth {
    /// Parses `YYYY-MM-DD` exactly: four-digit year, two-digit month and day.
    pub fn parse(input: &str, today: Date) -> Result<Self, DateOfBirthError> {
        let date = parse_iso_date(input)?;
        if date >= today {
            return Err(DateOfBirthError::NotInPast { date, today });
        }
        Ok(Self(date))
    }

    /// A date that was checked when it was stored. Reading it back does not
    /// check "before today" again: that held when it was written.
    pub fn from_stored(date: Date) -> Self {
        Self(date)
    }

    pub fn date(self) -> Date {
        self.0
    }
}

impl fmt::Display for DateOfBirth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // jiff prints civil dates as YYYY-MM-DD, the API's format.
        fmt::Display::fmt(&self.0, f)
    }
}

/// Reads a date of birth back from storage, in the format it was written in.
pub fn parse_stored_date(input: &str) -> Result<DateOfBirth, DateOfBirthError> {
    parse_iso_date(input).map(DateOfBirth)
}

/// Reads `YYYY-MM-DD` with nothing before or after it.
///
/// Hand-written rather than left to a general parser so that the accepted
/// format is exactly the documented one (no `+002000`, no week dates) and each
/// way of getting it wrong gets its own message.
fn parse_iso_date(input: &str) -> Result<Date, DateOfBirthError> {
    let bytes = input.as_bytes();
    let shaped_like_a_date = |b: &[u8]| {
        b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
    };
    if !shaped_like_a_date(bytes) {
        let looks_like_date_time = bytes.len() > 11
            && shaped_like_a_date(&bytes[..10])
            && matches!(bytes[10], b'T' | b't' | b' ');
        return Err(if looks_like_date_time {
            DateOfBirthError::DateTime {
                input: input.to_owned(),
            }
        } else {
            DateOfBirthError::Format {
                input: input.to_owned(),
            }
        });
    }
    let number = |range: std::ops::Range<usize>| -> i16 {
        bytes[range]
            .iter()
            .fold(0, |n, digit| n * 10 + i16::from(digit - b'0'))
    };
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let month = i8::try_from(month).unwrap_or(i8::MAX);
    let day = i8::try_from(day).unwrap_or(i8::MAX);
    Date::new(year, month, day).map_err(|_| DateOfBirthError::Impossible {
        input: input.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    const TODAY: Date = date(2026, 11, 23);

    #[test]
    fn accepts_real_dates_before_today() {
        for (input, expected) in [
            ("1990-04-23", date(1990, 4, 23)),
            ("2000-02-29", date(2000, 2, 29)),
            ("2026-11-22", date(2026, 11, 22)),
            ("0001-01-01", date(1, 1, 1)),
        ] {
            assert_eq!(DateOfBirth::parse(input, TODAY).unwrap().date(), expected);
        }
    }

    #[test]
    fn rejects_today_and_the_future() {
        for input in ["2026-11-23", "2026-11-24", "9999-12-31"] {
            assert!(
                matches!(
                    DateOfBirth::parse(input, TODAY),
                    Err(DateOfBirthError::NotInPast { .. })
                ),
                "{input}"
            );
        }
        assert_eq!(
            DateOfBirth::parse("2026-11-23", TODAY)
                .unwrap_err()
                .to_string(),
            "dateOfBirth 2026-11-23 is not in the past: it must be before today (2026-11-23, UTC)"
        );
    }

    #[test]
    fn rejects_impossible_dates() {
        for input in [
            "2001-02-29",
            "1900-02-29",
            "2000-13-01",
            "2000-00-10",
            "2000-04-31",
            "2000-01-00",
        ] {
            assert_eq!(
                DateOfBirth::parse(input, TODAY),
                Err(DateOfBirthError::Impossible {
                    input: input.into()
                }),
                "{input}"
            );
        }
    }

    #[test]
    fn names_a_date_time_as_such() {
        for input in [
            "2000-01-01T00:00:00Z",
            "2000-01-01 10:00",
            "2000-01-01t00:00",
        ] {
            assert_eq!(
                DateOfBirth::parse(input, TODAY),
                Err(DateOfBirthError::DateTime {
                    input: input.into()
                })
            );
        }
    }

    #[test]
    fn rejects_every_other_format() {
        for input in [
            "",
            "2000-1-01",
            "2000-01-1",
            "01-01-2000",
            "2000/01/01",
            "20000101",
            " 2000-01-01",
            "2000-01-01 ",
            "+2000-01-01",
            "2000-W01-1",
            "２０００-01-01",
            "yesterday",
            "2000-01-0a",
        ] {
            assert_eq!(
                DateOfBirth::parse(input, TODAY),
                Err(DateOfBirthError::Format {
                    input: input.into()
                }),
                "{input:?}"
            );
        }
    }
}
