use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use jiff::Timestamp;

use super::{Page, PageSize, StoreError, UserRecord, UserStore};
use crate::config::StoreConfig;
use crate::domain::{DateOfBirth, Username, timestamp};

/// The item's attribute names: the table's schema, in one place.
pub mod attribute {
    /// The partition key (S).
    pub const USERNAME: &str = "username";
    /// `YYYY-MM-DD` (S).
    pub const DATE_OF_BIRTH: &str = "dateOfBirth";
    /// RFC 3339, UTC (S).
    pub const CREATED_AT: &str = "createdAt";
    /// RFC 3339, UTC (S).
    pub const UPDATED_AT: &str = "updatedAt";
}

/// The key [`DynamoStore::warm_up`] reads: not a valid username, so never stored.
pub const WARM_UP_KEY: &str = "warm-up";

/// The users table in DynamoDB.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table_name: String,
}

impl DynamoStore {
    pub fn new(client: Client, table_name: impl Into<String>) -> Self {
        Self {
            client,
            table_name: table_name.into(),
        }
    }

    /// Builds the DynamoDB client from the SDK's settings ([`crate::aws::load`]:
    /// its HTTPS client, time limits and retries, and the endpoint of
    /// `AWS_ENDPOINT_URL_DYNAMODB` where one is set), with every call attempt
    /// recorded for X-Ray while an invocation is traced ([`crate::xray`]).
    /// Call once, during init.
    pub fn connect(aws: &aws_config::SdkConfig, config: &StoreConfig) -> Self {
        let traced = crate::xray::AwsCalls::dynamodb(
            aws.region().map(|region| region.as_ref()),
            &config.table_name,
        );
        let client_config = aws_sdk_dynamodb::config::Builder::from(aws)
            .interceptor(traced)
            .build();
        Self::new(Client::from_conf(client_config), config.table_name.clone())
    }

    /// Opens and warms the connection to DynamoDB during init, where Lambda
    /// runs at full CPU, so the first request does not pay for the TCP and TLS
    /// handshakes, credential signing set-up and endpoint resolution. It reads
    /// a key no user can have (usernames are letters only). A failure is only
    /// logged: the first real request will try again.
    /// The first sampled invocation's trace shows it ([`crate::xray::during_init`]).
    pub async fn warm_up(&self) {
        let read = self
            .client
            .get_item()
            .table_name(&self.table_name)
            .key(
                attribute::USERNAME,
                AttributeValue::S(WARM_UP_KEY.to_owned()),
            )
            .send();
        warm_up_result(crate::xray::during_init(read).await);
    }

    /// [`DynamoStore::warm_up`] for a function allowed only to delete: a
    /// conditional delete of the key no user can have, which finds nothing
    /// and so changes nothing.
    pub async fn warm_up_by_deleting(&self) {
        warm_up_result(crate::xray::during_init(self.delete_key(WARM_UP_KEY)).await);
    }

    /// One conditional DeleteItem: "was there a record?" and the erasure in
    /// one call, with no read (the deleting function may not read).
    async fn delete_key(&self, key: &str) -> Result<bool, StoreError> {
        let deleted = self
            .client
            .delete_item()
            .table_name(&self.table_name)
            .key(attribute::USERNAME, AttributeValue::S(key.to_owned()))
            .condition_expression("attribute_exists(#username)")
            .expression_attribute_names("#username", attribute::USERNAME)
            .send()
            .await;
        match deleted {
            Ok(_) => Ok(true),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(err) => Err(unavailable(err)),
        }
    }

    /// [`DynamoStore::warm_up`] for a function allowed only to scan (the
    /// listing): one key of one item, read and dropped.
    pub async fn warm_up_by_scanning(&self) {
        let read = self
            .client
            .scan()
            .table_name(&self.table_name)
            .limit(1)
            .projection_expression("#username")
            .expression_attribute_names("#username", attribute::USERNAME)
            .send()
            .await;
        warm_up_result(read);
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table_name(&self) -> &str {
        &self.table_name
    }
}

fn warm_up_result<T, E: std::error::Error + 'static>(result: Result<T, E>) {
    if let Err(err) = result {
        tracing::warn!(
            error = crate::telemetry::error_chain(&err),
            "warming the DynamoDB connection failed"
        );
    }
}

fn unavailable<E>(err: aws_sdk_dynamodb::error::SdkError<E>) -> StoreError
where
    E: std::error::Error + Send + Sync + 'static,
{
    StoreError::Unavailable(Box::new(err))
}

impl UserStore for DynamoStore {
    async fn get(&self, username: &Username) -> Result<Option<UserRecord>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table_name)
            .key(
                attribute::USERNAME,
                AttributeValue::S(username.as_str().to_owned()),
            )
            // A read straight after a write must see it.
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        output
            .item
            .map(|item| record_from_item(username, &item))
            .transpose()
    }

    async fn put_date_of_birth(
        &self,
        username: &Username,
        date_of_birth: DateOfBirth,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        // One UpdateItem: atomic, last write wins, and createdAt survives updates.
        self.client
            .update_item()
            .table_name(&self.table_name)
            .key(
                attribute::USERNAME,
                AttributeValue::S(username.as_str().to_owned()),
            )
            .update_expression(
                "SET #dob = :dob, #updated = :now, #created = if_not_exists(#created, :now)",
            )
            .expression_attribute_names("#dob", attribute::DATE_OF_BIRTH)
            .expression_attribute_names("#updated", attribute::UPDATED_AT)
            .expression_attribute_names("#created", attribute::CREATED_AT)
            .expression_attribute_values(":dob", AttributeValue::S(date_of_birth.to_string()))
            .expression_attribute_values(":now", AttributeValue::S(timestamp::format_utc(now)))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }
    async fn delete(&self, username: &Username) -> Result<bool, StoreError> {
        self.delete_key(username.as_str()).await
    }

    async fn list(&self, size: PageSize, after: Option<&Username>) -> Result<Page, StoreError> {
        // One more than asked: if it comes, another page follows, so the
        // last page says so instead of pointing at an empty one.
        let limit = i32::try_from(size.get() + 1).unwrap_or(i32::MAX);
        let output = self
            .client
            .scan()
            .table_name(&self.table_name)
            .limit(limit)
            .set_exclusive_start_key(after.map(|after| {
                std::collections::HashMap::from([(
                    attribute::USERNAME.to_owned(),
                    AttributeValue::S(after.as_str().to_owned()),
                )])
            }))
            .send()
            .await
            .map_err(unavailable)?;
        let mut users = output
            .items()
            .iter()
            .map(|item| {
                let name = item
                    .get(attribute::USERNAME)
                    .and_then(|v| v.as_s().ok())
                    .map_or("", String::as_str);
                let username = Username::parse(name).map_err(|e| StoreError::Corrupt {
                    username: name.to_owned(),
                    reason: e.to_string(),
                })?;
                record_from_item(&username, item)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let next = if users.len() > size.get() {
            users.truncate(size.get());
            users.last().map(|record| record.username.clone())
        } else if let Some(key) = &output.last_evaluated_key {
            // A scan also stops at 1 MB read: more may follow this shorter
            // (even empty) page, from where the scan stopped.
            key.get(attribute::USERNAME)
                .and_then(|v| v.as_s().ok())
                .and_then(|name| Username::parse(name).ok())
        } else {
            None
        };
        Ok(Page { users, next })
    }
}

fn record_from_item(
    username: &Username,
    item: &std::collections::HashMap<String, AttributeValue>,
) -> Result<UserRecord, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt {
        username: username.to_string(),
        reason,
    };
    let text = |name: &str| -> Result<&str, StoreError> {
        item.get(name)
            .and_then(|v| v.as_s().ok())
            .map(String::as_str)
            .ok_or_else(|| corrupt(format!("{name} is missing or not a string")))
    };
    let date = crate::domain::parse_stored_date(text(attribute::DATE_OF_BIRTH)?)
        .map_err(|e| corrupt(e.to_string()))?;
    let timestamp = |name: &str| -> Result<Timestamp, StoreError> {
        text(name)?
            .parse()
            .map_err(|e| corrupt(format!("{name} is not a timestamp: {e}")))
    };
    Ok(UserRecord {
        username: username.clone(),
        date_of_birth: date,
        created_at: timestamp(attribute::CREATED_AT)?,
        updated_at: timestamp(attribute::UPDATED_AT)?,
    })
}
