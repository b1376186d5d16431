//! The AWS SDK's settings, loaded once during init with `aws-config`: the
//! region, the credentials and the endpoints, found as every AWS SDK finds
//! them (on Lambda: the variables it sets from the function's configuration
//! and execution role; locally: the scripts' loopback endpoints in the SDK's
//! own `AWS_ENDPOINT_URL_<SERVICE>` variables).
//!
//! Every client of a function shares what is set here: the HTTPS client that
//! trusts Amazon's roots only, the time limits and the retries.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_runtime_api::client::http::SharedHttpClient;

/// A stand-in for the process environment, for tests (`Env::from_slice`).
#[cfg(any(test, feature = "testing"))]
pub use aws_types::os_shim_internal::Env;

use crate::config::ConfigError;

/// How long one call to an AWS service may take, retries included. The
/// functions' own timeout is several times this, so a slow or unreachable
/// database ends in a 503 from our code rather than a timeout from Lambda.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(3);
const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(900);
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
const MAX_ATTEMPTS: u32 = 3;

/// The settings of the process environment. Call once, during init.
pub async fn load() -> Result<SdkConfig, ConfigError> {
    checked(loader().load().await)
}

/// [`load`] from `env` instead of the process environment, so tests need not
/// change it.
#[cfg(any(test, feature = "testing"))]
pub async fn load_from(env: Env) -> Result<SdkConfig, ConfigError> {
    checked(loader().env(env).load().await)
}

/// The HTTPS client (also for the credential providers' own requests, where
/// there are any), the time limits and the retries of every client.
fn loader() -> aws_config::ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client())
        .timeout_config(timeouts())
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
}

/// A region is the one setting without which no client can work: its
/// absence is said at init, by name, rather than at the first request.
fn checked(config: SdkConfig) -> Result<SdkConfig, ConfigError> {
    if config.region().is_none() {
        return Err(ConfigError::new(
            "AWS_REGION",
            "Lambda sets it; locally the scripts do (scripts/env.sh)",
        ));
    }
    Ok(config)
}

/// Amazon's root certificate authorities, which sign every AWS endpoint.
const AMAZON_ROOTS: &str = include_str!("amazon-roots.pem");

/// An HTTPS client that trusts Amazon's roots only. The SDK's default client
/// loads and parses the system's whole certificate store (some 150 roots) on
/// first use, which took most of the functions' init time (BENCHMARKS.md).
pub fn https_client() -> SharedHttpClient {
    use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};
    let trust_store = TrustStore::empty().with_pem_certificate(AMAZON_ROOTS.as_bytes());
    let tls_context = TlsContext::builder()
        .with_trust_store(trust_store)
        .build()
        .expect("the bundled Amazon root certificates are valid PEM");
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .tls_context(tls_context)
        .build_https()
}

/// The clients' time limits: see [`OPERATION_TIMEOUT`].
pub fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAMBDA: &[(&str, &str)] = &[
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMIK7MDENG"),
        ("AWS_SESSION_TOKEN", "token"),
    ];

    #[tokio::test]
    async fn reads_the_region_and_credentials_lambda_sets() {
        use aws_credential_types::provider::ProvideCredentials;
        let config = load_from(Env::from_slice(LAMBDA)).await.unwrap();
        assert_eq!(config.region().map(|r| r.as_ref()), Some("eu-west-1"));
        let credentials = config
            .credentials_provider()
            .expect("a credentials chain")
            .provide_credentials()
            .await
            .unwrap();
        assert_eq!(credentials.access_key_id(), "AKIDEXAMPLE");
        assert_eq!(credentials.session_token(), Some("token"));
        assert!(
            !format!("{credentials:?}").contains("wJalrXUtnFEMIK7MDENG"),
            "secrets stay out of logs"
        );
    }

    /// Which of two loopback listeners a DynamoDB call made from `vars`
    /// reaches: the SDK's own variables choose the endpoint.
    async fn reached(vars: &[(&str, &str)]) -> [bool; 2] {
        let listeners = [
            tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
            tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
        ];
        let url = |i: usize| format!("http://{}", listeners[i].local_addr().unwrap());
        let (general, dynamodb) = (url(0), url(1));
        let mut env: Vec<(&str, &str)> = LAMBDA.to_vec();
        for (name, value) in vars {
            let value = match *value {
                "general" => general.as_str(),
                "dynamodb" => dynamodb.as_str(),
                other => other,
            };
            env.push((name, value));
        }
        let config = load_from(Env::from_slice(&env)).await.unwrap();
        let call = aws_sdk_dynamodb::Client::new(&config).list_tables().send();
        // Nothing answers: the call only has to arrive.
        let _ = tokio::time::timeout(Duration::from_millis(300), call).await;
        let [a, b] = listeners;
        let accepted = |l: tokio::net::TcpListener| async move {
            tokio::time::timeout(Duration::from_millis(50), l.accept())
                .await
                .is_ok()
        };
        [accepted(a).await, accepted(b).await]
    }

    #[tokio::test]
    async fn the_dynamodb_endpoint_wins_over_the_general_one() {
        assert_eq!(
            reached(&[("AWS_ENDPOINT_URL", "general")]).await,
            [true, false]
        );
        assert_eq!(
            reached(&[
                ("AWS_ENDPOINT_URL", "general"),
                ("AWS_ENDPOINT_URL_DYNAMODB", "dynamodb"),
            ])
            .await,
            [false, true]
        );
    }

    #[tokio::test]
    async fn a_missing_region_is_named() {
        let err = load_from(Env::from_slice(&LAMBDA[1..])).await.unwrap_err();
        assert!(
            err.to_string()
                .starts_with("the environment variable AWS_REGION is not set"),
            "{err}"
        );
    }
}
