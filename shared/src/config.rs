//! Settings read from the environment, once, during init.

/// The storage functions' configuration: everything the DynamoDB client needs,
/// read from the variables Lambda sets (and `make dev` sets locally).
///
/// The SDK's general loader (`aws-config`) would also look at profile files,
/// SSO, web identity, containers and the instance metadata service; on Lambda
/// the answer is always in these variables. Measured A/B with `aws-config`
/// limited to the environment: 290 KB more zip and no faster init
/// (BENCHMARKS.md), so these few lines stay.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub table_name: String,
    pub aws: AwsEnvironment,
    /// `AWS_ENDPOINT_URL_DYNAMODB`, else `AWS_ENDPOINT_URL`: the local server
    /// in development, unset on AWS.
    pub endpoint_url: Option<String>,
}

/// What every AWS client of a function needs: the region and the execution
/// role's credentials, as Lambda sets them.
#[derive(Debug, Clone)]
pub struct AwsEnvironment {
    pub region: String,
    pub credentials: Credentials,
}

/// The execution role's temporary credentials, as Lambda provides them.
#[derive(Clone)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the environment variable {name} is not set: {hint}")]
pub struct ConfigError {
    name: &'static str,
    hint: &'static str,
}

/// `lookup` with blank values counted as unset.
fn present(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    lookup(name).filter(|v| !v.trim().is_empty())
}

fn required(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    hint: &'static str,
) -> Result<String, ConfigError> {
    present(lookup, name).ok_or(ConfigError { name, hint })
}

impl AwsEnvironment {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let lookup = &lookup;
        Ok(Self {
            region: required(
                lookup,
                "AWS_REGION",
                "Lambda sets it; locally `make dev` does",
            )?,
            credentials: Credentials {
                access_key_id: required(
                    lookup,
                    "AWS_ACCESS_KEY_ID",
                    "Lambda sets it from the execution role",
                )?,
                secret_access_key: required(
                    lookup,
                    "AWS_SECRET_ACCESS_KEY",
                    "Lambda sets it from the execution role",
                )?,
                session_token: present(lookup, "AWS_SESSION_TOKEN"),
            },
        })
    }

    /// The endpoint of one service: `AWS_ENDPOINT_URL_<SERVICE>`, else
    /// `AWS_ENDPOINT_URL` (the SDKs' own convention): a local server in
    /// development and tests, unset on AWS.
    pub fn endpoint_from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        service: &str,
    ) -> Option<String> {
        present(&lookup, &format!("AWS_ENDPOINT_URL_{service}"))
            .or_else(|| present(&lookup, "AWS_ENDPOINT_URL"))
    }

    /// The SDK's credentials, from the variables above.
    pub fn sdk_credentials(&self) -> aws_sdk_dynamodb::config::Credentials {
        aws_sdk_dynamodb::config::Credentials::new(
            &self.credentials.access_key_id,
            &self.credentials.secret_access_key,
            self.credentials.session_token.clone(),
            None,
            "lambda-environment",
        )
    }
}

impl StoreConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`, so tests need not touch the
    /// process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: required(
                &lookup,
                "TABLE_NAME",
                "set it to the users table's name (the SAM template and `make dev` do)",
            )?,
            aws: AwsEnvironment::from_lookup(&lookup)?,
            endpoint_url: AwsEnvironment::endpoint_from_lookup(&lookup, "DYNAMODB"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<StoreConfig, ConfigError> {
        StoreConfig::from_lookup(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    const LAMBDA: &[(&str, &str)] = &[
        ("TABLE_NAME", "users"),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
        ("AWS_SESSION_TOKEN", "token"),
    ];

    #[test]
    fn reads_what_lambda_sets() {
        let c = config(LAMBDA).unwrap();
        assert_eq!(
            (c.table_name.as_str(), c.aws.region.as_str()),
            ("users", "eu-west-1")
        );
        assert_eq!(c.aws.credentials.session_token.as_deref(), Some("token"));
        assert_eq!(c.endpoint_url, None);
        assert!(
            !format!("{c:?}").contains("secret"),
            "secrets stay out of logs"
        );
    }

    #[test]
    fn the_dynamodb_endpoint_wins_over_the_general_one() {
        let mut vars = LAMBDA.to_vec();
        vars.push(("AWS_ENDPOINT_URL", "http://127.0.0.1:1"));
        assert_eq!(
            config(&vars).unwrap().endpoint_url.as_deref(),
            Some("http://127.0.0.1:1")
        );
        vars.push(("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:2"));
        assert_eq!(
            config(&vars).unwrap().endpoint_url.as_deref(),
            Some("http://127.0.0.1:2")
        );
    }

    #[test]
    fn a_missing_variable_is_named() {
        let vars: Vec<_> = LAMBDA
            .iter()
            .filter(|(n, _)| *n != "TABLE_NAME")
            .copied()
            .collect();
        let err = config(&vars).unwrap_err().to_string();
        assert!(
            err.starts_with("the environment variable TABLE_NAME is not set"),
            "{err}"
        );
    }
}
