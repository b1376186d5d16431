use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use jiff::Timestamp;

use super::{Page, PageSize, StoreError, UserRecord, UserStore};
use crate::domain::{DateOfBirth, Username};

/// A store in a `HashMap`, for unit tests only: it has the trait's semantics
/// without DynamoDB's.
#[derive(Debug, Default)]
pub struct InMemoryStore {
    users: Mutex<HashMap<Username, UserRecord>>,
    unavailable: AtomicBool,
}

impl InMemoryStore {
    /// Makes every later call fail as if the database were unreachable.
    pub fn set_unavailable(&self, unavailable: bool) {
        self.unavailable.store(unavailable, Ordering::SeqCst);
    }

    fn check_available(&self) -> Result<(), StoreError> {
        if self.unavailable.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable(
                "the in-memory store is switched off".into(),
            ));
        }
        Ok(())
    }

    fn users(&self) -> std::sync::MutexGuard<'_, HashMap<Username, UserRecord>> {
        // A panic while holding the lock leaves the map itself consistent.
        self.users
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl UserStore for InMemoryStore {
    async fn get(&self, username: &Username) -> Result<Option<UserRecord>, StoreError> {
        self.check_available()?;
        Ok(self.users().get(username).cloned())
    }

    async fn put_date_of_birth(
        &self,
        username: &Username,
        date_of_birth: DateOfBirth,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.check_available()?;
        let mut users = self.users();
        let created_at = users.get(username).map_or(now, |old| old.created_at);
        users.insert(
            username.clone(),
            UserRecord {
                username: username.clone(),
                date_of_birth,
                created_at,
                updated_at: now,
            },
        );
        Ok(())
    }

    async fn delete(&self, username: &Username) -> Result<bool, StoreError> {
        self.check_available()?;
        Ok(self.users().remove(username).is_some())
    }

    /// In username order.
    async fn list(&self, size: PageSize, after: Option<&Username>) -> Result<Page, StoreError> {
        self.check_available()?;
        let mut users: Vec<UserRecord> = self
            .users()
            .values()
            .filter(|record| after.is_none_or(|after| record.username > *after))
            .cloned()
            .collect();
        users.sort_by(|a, b| a.username.cmp(&b.username));
        let next = (users.len() > size.get()).then(|| users[size.get() - 1].username.clone());
        users.truncate(size.get());
        Ok(Page { users, next })
    }
}
