//! Where users live: a [`UserStore`] trait, its DynamoDB implementation, and
//! an in-memory one for unit tests.

mod dynamodb;
mod memory;

use std::future::Future;

use jiff::Timestamp;

use crate::domain::{DateOfBirth, Username};

pub use dynamodb::{DynamoStore, OPERATION_TIMEOUT, WARM_UP_KEY, attribute, https_client};
pub use memory::InMemoryStore;

/// A stored user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub username: Username,
    pub date_of_birth: DateOfBirth,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Why the store could not answer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store did not answer in time, refused, or throttled us past our
    /// retries: the request may succeed if tried again.
    #[error("the user store is unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A stored item does not have the shape this code writes.
    #[error("the stored record for {username} is unreadable: {reason}")]
    Corrupt { username: String, reason: String },
}

/// The operations the functions need, and no more.
pub trait UserStore: Send + Sync {
    fn get(
        &self,
        username: &Username,
    ) -> impl Future<Output = Result<Option<UserRecord>, StoreError>> + Send;

    /// Creates or replaces the user's date of birth. The first write sets
    /// `created_at`; every write sets `updated_at`. Last write wins.
    fn put_date_of_birth(
        &self,
        username: &Username,
        date_of_birth: DateOfBirth,
        now: Timestamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}
