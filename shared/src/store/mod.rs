//! Where users live: a [`UserStore`] trait, its DynamoDB implementation, and
//! an in-memory one for unit tests.

mod dynamodb;
mod memory;

use std::future::Future;

use jiff::Timestamp;

use crate::domain::{DateOfBirth, Username};

pub use dynamodb::{DynamoStore, WARM_UP_KEY, attribute};
pub use memory::InMemoryStore;

/// A stored user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub username: Username,
    pub date_of_birth: DateOfBirth,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// How many records one page of [`UserStore::list`] holds: 1 to
/// [`PageSize::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSize(u8);

impl PageSize {
    pub const MAX: u8 = 100;
    pub const DEFAULT: PageSize = PageSize(25);

    /// `None` outside 1 to [`PageSize::MAX`].
    pub fn new(size: u8) -> Option<Self> {
        (1..=Self::MAX).contains(&size).then_some(Self(size))
    }

    pub fn get(self) -> usize {
        usize::from(self.0)
    }
}

/// One page of users, and where the next one starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub users: Vec<UserRecord>,
    /// The last username of this page, when more users follow it: the next
    /// page starts after it. `None` on the last page.
    pub next: Option<Username>,
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

    /// Erases the user's record: `true` when there was one, `false` when
    /// there was none (nothing is changed then).
    fn delete(&self, username: &Username) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Up to `size` users, starting after `after` (from the first when
    /// `None`), in the store's own order, which stays the same between pages.
    fn list(
        &self,
        size: PageSize,
        after: Option<&Username>,
    ) -> impl Future<Output = Result<Page, StoreError>> + Send;
}
