use jiff::civil::Date;
use serde::Serialize;

use crate::domain::{NextBirthday, timestamp};
use crate::store::UserRecord;

/// A user's record as the API shows it (`GET /users/{username}` and each
/// entry of `GET /users`): what is stored, and the next birthday as of
/// `today`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserBody {
    username: String,
    date_of_birth: String,
    next_birthday: String,
    days_until_birthday: i32,
    created_at: String,
    updated_at: String,
}

impl UserBody {
    pub fn new(record: &UserRecord, today: Date) -> Self {
        let next = NextBirthday::after(record.date_of_birth, today);
        Self {
            username: record.username.to_string(),
            date_of_birth: record.date_of_birth.to_string(),
            next_birthday: next.date.to_string(),
            days_until_birthday: next.days_until,
            created_at: timestamp::format_utc(record.created_at),
            updated_at: timestamp::format_utc(record.updated_at),
        }
    }
}
