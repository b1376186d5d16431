//! The functions' own settings, read from the environment once, during init.
//! (What the AWS clients need, the region, credentials and endpoints, comes
//! from `aws-config`: see [`crate::aws`].)

/// The storage functions' configuration.
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

impl ConfigError {
    pub fn new(name: &'static str, hint: &'static str) -> Self {
        Self { name, hint }
    }
}

impl StoreConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`, so tests need not touch the
    /// process environment. A blank value counts as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let table_name = lookup("TABLE_NAME")
            .filter(|v| !v.trim().is_empty())
            .ok_or(ConfigError::new(
                "TABLE_NAME",
                "set it to the users table's name (the SAM template and `make dev` do)",
            ))?;
        Ok(Self { table_name })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_table_name() {
        let config =
            StoreConfig::from_lookup(|name| (name == "TABLE_NAME").then(|| "users".into()));
        assert_eq!(config.unwrap().table_name, "users");
    }

    #[test]
    fn a_missing_or_blank_table_name_is_named() {
        for value in [None, Some(" ")] {
            let err = StoreConfig::from_lookup(|_| value.map(str::to_owned)).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with("the environment variable TABLE_NAME is not set"),
                "{err}"
            );
        }
    }
}
