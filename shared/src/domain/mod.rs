//! The domain: values that are valid by construction, and the birthday
//! arithmetic on them. Nothing here knows about HTTP, Lambda or DynamoDB.

mod birthday;
mod date_of_birth;
pub mod timestamp;
mod username;

pub use birthday::{Greeting, NextBirthday};
pub use date_of_birth::{DateOfBirth, DateOfBirthError, parse_stored_date};
pub use username::{Username, UsernameError};
