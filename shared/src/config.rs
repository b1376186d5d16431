//! Settings read from the environment, once, during init.

/// The storage functions' configuration.
///
/// The DynamoDB endpoint is not here on purpose: the SDK reads
/// `AWS_ENDPOINT_URL_DYNAMODB` / `AWS_ENDPOINT_URL` itself, so one binary
/// serves AWS and the local server alike.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub table_name: String,
}

#[derive(Debug, thiserror::Error)]
#[error("the environment variable {name} is not set: {hint}")]
pub struct ConfigError {
    name: &'static str,
    hint: &'static str,
}

impl StoreConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        let table_name = std::env::var("TABLE_NAME")
            .ok()
            .filter(|name| !name.trim().is_empty())
            .ok_or(ConfigError {
                name: "TABLE_NAME",
                hint: "set it to the users table's name (the SAM template and `make dev` do)",
            })?;
        Ok(Self { table_name })
    }
}
