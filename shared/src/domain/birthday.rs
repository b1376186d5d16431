use std::fmt;

use jiff::civil::Date;

use super::{DateOfBirth, Username};

/// When someone's birthday next falls, counted from a given day (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextBirthday {
    pub date: Date,
    /// 0 when the birthday is today.
    pub days_until: i32,
}

impl NextBirthday {
    /// The first birthday on or after `today`.
    ///
    /// Someone born on 29 February celebrates on 28 February in common years:
    /// the birthday then stays in February rather than sliding into March.
    pub fn after(date_of_birth: DateOfBirth, today: Date) -> Self {
        let this_year = birthday_in(date_of_birth.date(), today.year());
        let date = if this_year >= today {
            this_year
        } else {
            birthday_in(date_of_birth.date(), today.year() + 1)
        };
        let days_until = today
            .until(date)
            .expect("two dates a year apart are always within jiff's span range")
            .get_days();
        Self { date, days_until }
    }
}

/// The anniversary of `born` in `year`, with 29 February mapped to 28 February
/// in common years.
fn birthday_in(born: Date, year: i16) -> Date {
    // Only 29 February can be missing from a year, and only in common years.
    born.with()
        .year(year)
        .build()
        .or_else(|_| Date::new(year, 2, 28))
        .expect("every year in jiff's range has a 28 February")
}

/// The greeting `GET /hello/{username}` answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Greeting<'a> {
    pub username: &'a Username,
    pub next_birthday: NextBirthday,
}

impl fmt::Display for Greeting<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.next_birthday.days_until {
            0 => write!(f, "Hello, {}! Happy birthday!", self.username),
            1 => write!(f, "Hello, {}! Your birthday is in 1 day", self.username),
            n => write!(f, "Hello, {}! Your birthday is in {n} days", self.username),
        }
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn born(y: i16, m: i8, d: i8) -> DateOfBirth {
        DateOfBirth::from_stored(date(y, m, d))
    }

    fn next(birth: DateOfBirth, today: Date) -> (Date, i32) {
        let n = NextBirthday::after(birth, today);
        (n.date, n.days_until)
    }

    #[test]
    fn birthday_today_is_zero_days_away() {
        assert_eq!(
            next(born(1990, 11, 23), date(2026, 11, 23)),
            (date(2026, 11, 23), 0)
        );
    }

    #[test]
    fn the_day_after_a_birthday_waits_for_next_year() {
        assert_eq!(
            next(born(1990, 11, 23), date(2026, 11, 24)),
            (date(2027, 11, 23), 364)
        );
        assert_eq!(
            next(born(1990, 11, 23), date(2027, 11, 24)),
            (date(2028, 11, 23), 365)
        );
    }

    #[test]
    fn the_day_before_is_one_day_away() {
        assert_eq!(
            next(born(1990, 11, 23), date(2026, 11, 22)),
            (date(2026, 11, 23), 1)
        );
    }

    #[test]
    fn counts_across_the_year_end() {
        assert_eq!(
            next(born(1990, 1, 1), date(2026, 12, 31)),
            (date(2027, 1, 1), 1)
        );
        assert_eq!(
            next(born(1990, 12, 31), date(2027, 1, 1)),
            (date(2027, 12, 31), 364)
        );
    }

    #[test]
    fn leap_day_birthdays_fall_on_28_february_in_common_years() {
        let leapling = born(2000, 2, 29);
        assert_eq!(next(leapling, date(2027, 2, 28)), (date(2027, 2, 28), 0));
        assert_eq!(next(leapling, date(2027, 1, 1)), (date(2027, 2, 28), 58));
        assert_eq!(next(leapling, date(2027, 3, 1)), (date(2028, 2, 29), 365));
        assert_eq!(next(leapling, date(2028, 2, 28)), (date(2028, 2, 29), 1));
        assert_eq!(next(leapling, date(2028, 2, 29)), (date(2028, 2, 29), 0));
        assert_eq!(next(leapling, date(2028, 3, 1)), (date(2029, 2, 28), 364));
    }

    #[test]
    fn births_next_to_the_leap_day_keep_their_own_day() {
        assert_eq!(
            next(born(2000, 2, 28), date(2028, 2, 28)),
            (date(2028, 2, 28), 0)
        );
        assert_eq!(
            next(born(2000, 2, 28), date(2028, 2, 29)),
            (date(2029, 2, 28), 365)
        );
        assert_eq!(
            next(born(2000, 3, 1), date(2028, 2, 29)),
            (date(2028, 3, 1), 1)
        );
        assert_eq!(
            next(born(2000, 3, 1), date(2027, 2, 28)),
            (date(2027, 3, 1), 1)
        );
    }

    #[test]
    fn greeting_says_days_day_or_happy_birthday() {
        let ann = Username::parse("Ann").unwrap();
        let greet = |today| {
            Greeting {
                username: &ann,
                next_birthday: NextBirthday::after(born(1990, 6, 15), today),
            }
            .to_string()
        };
        assert_eq!(greet(date(2026, 6, 15)), "Hello, Ann! Happy birthday!");
        assert_eq!(
            greet(date(2026, 6, 14)),
            "Hello, Ann! Your birthday is in 1 day"
        );
        assert_eq!(
            greet(date(2026, 6, 10)),
            "Hello, Ann! Your birthday is in 5 days"
        );
    }
}
