//! The AWS SDK's settings, built once during init from `aws-config`'s
//! environment providers: the region, the credentials and the endpoints,
//! found where Lambda puts them (the variables it sets from the function's
//! configuration and execution role; locally: the scripts' loopback endpoints
//! in the SDK's own `AWS_ENDPOINT_URL_<SERVICE>` variables).
//!
//! Every client of a function shares what is set here: the HTTPS client that
//! trusts Amazon's roots only, the time limits and the retries.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_types::os_shim_internal::Env;
use aws_types::sdk_config;
use aws_types::service_config::{LoadServiceConfig, ServiceConfigKey};

use crate::config::ConfigError;

/// How long one call to an AWS service may take, retries included. The
/// functions' own timeout is several times this, so a slow or unreachable
/// database ends in a 503 from our code rather than a timeout from Lambda.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(3);
const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(900);
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
const MAX_ATTEMPTS: u32 = 3;

/// The settings of the process environment. Call once, during init.
///
/// Region and credentials come from `aws-config`'s environment providers
/// alone, which is where Lambda puts them (and where the scripts put
/// theirs); endpoints from the SDK's `AWS_ENDPOINT_URL[_<SERVICE>]`
/// variables ([`EnvironmentEndpoints`]). Not `aws_config::defaults(..).load()`:
/// its default chains would also look for profiles, SSO, web identity, ECS and
/// IMDS, which find nothing on Lambda, and whether they run or not, the loader
/// links them (and `aws-sdk-sts`) into every binary: 290 to 370 KB of zip
/// and a slower start (BENCHMARKS.md). No profile file is read either: a
/// developer's `~/.aws/config` must not redirect a local run.
pub async fn load() -> Result<SdkConfig, ConfigError> {
    use aws_config::environment::{
        EnvironmentVariableCredentialsProvider, EnvironmentVariableRegionProvider,
    };
    use aws_config::meta::region::ProvideRegion;
    use aws_credential_types::provider::SharedCredentialsProvider;
    let region = EnvironmentVariableRegionProvider::new().region().await;
    let config = settings()
        .region(region)
        .credentials_provider(SharedCredentialsProvider::new(
            EnvironmentVariableCredentialsProvider::new(),
        ))
        .service_config(EnvironmentEndpoints(Env::real()))
        .build();
    checked(config)
}

/// What every client is built with, whatever the environment: the HTTPS
/// client, the time limits and the retries. Tests add a region, credentials
/// and an endpoint to it and get clients built as the functions build theirs.
pub fn settings() -> sdk_config::Builder {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(https_client())
        .timeout_config(timeouts())
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
        .sleep_impl(aws_smithy_async::rt::sleep::TokioSleep::new())
        .time_source(aws_smithy_async::time::SystemTimeSource::new())
}

/// A service's endpoint from the environment, as every AWS SDK reads it:
/// `AWS_ENDPOINT_URL_DYNAMODB` for DynamoDB, else `AWS_ENDPOINT_URL`
/// (the lookup is `aws-runtime`'s, the one `aws-config`'s loader makes).
#[derive(Debug)]
struct EnvironmentEndpoints(Env);

impl LoadServiceConfig for EnvironmentEndpoints {
    fn load_config(&self, key: ServiceConfigKey<'_>) -> Option<String> {
        let (value, _source) = aws_runtime::env_config::EnvConfigValue::new()
            .env(key.env())
            .profile(key.profile())
            .service_id(key.service_id())
            .load(&self.0, None)?;
        Some(value.into_owned())
    }
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
    //! What `load` finds in the process environment is checked in a child
    //! process of this test binary, with the variables set for it alone:
    //! changing the environment of a multi-threaded test process is unsound.

    use super::*;
    use std::process::Command;

    const LAMBDA: &[(&str, &str)] = &[
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMIK7MDENG"),
        ("AWS_SESSION_TOKEN", "token"),
    ];

    /// Set in the child: which check it runs.
    const CHILD: &str = "SHARED_AWS_TEST_CHILD";

    /// Runs `check` (a test of this module) in a child with exactly `vars`
    /// of the AWS ones, and says whether it passed, with its output.
    fn in_child(check: &str, vars: &[(&str, &str)]) -> (bool, String) {
        let mut child = Command::new(std::env::current_exe().unwrap());
        child
            .args([&format!("aws::tests::{check}"), "--exact", "--nocapture"])
            .env(CHILD, check);
        for (name, _) in std::env::vars() {
            if name.starts_with("AWS_") {
                child.env_remove(name);
            }
        }
        child
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", "/nonexistent")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent");
        for (name, value) in vars {
            child.env(name, value);
        }
        let output = child.output().unwrap();
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        (output.status.success(), text)
    }

    fn is_child(check: &str) -> bool {
        std::env::var(CHILD).as_deref() == Ok(check)
    }

    #[tokio::test]
    async fn child_reads_the_region_and_credentials() {
        if !is_child("child_reads_the_region_and_credentials") {
            return;
        }
        use aws_credential_types::provider::ProvideCredentials;
        let config = load().await.unwrap();
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

    #[test]
    fn reads_the_region_and_credentials_lambda_sets() {
        let (passed, output) = in_child("child_reads_the_region_and_credentials", LAMBDA);
        assert!(passed, "{output}");
        assert!(output.contains("1 passed"), "the check ran: {output}");
    }

    #[tokio::test]
    async fn child_calls_dynamodb() {
        if !is_child("child_calls_dynamodb") {
            return;
        }
        let config = load().await.unwrap();
        let call = aws_sdk_dynamodb::Client::new(&config).list_tables().send();
        // Nothing answers: the call only has to arrive where the variables say.
        let _ = tokio::time::timeout(Duration::from_millis(500), call).await;
    }

    /// Which of two loopback listeners a DynamoDB call reaches when the
    /// child has `endpoints` (`general`, `dynamodb`: those listeners).
    fn reached(endpoints: &[(&str, &str)]) -> [bool; 2] {
        let listeners = [
            std::net::TcpListener::bind("127.0.0.1:0").unwrap(),
            std::net::TcpListener::bind("127.0.0.1:0").unwrap(),
        ];
        let url = |i: usize| format!("http://{}", listeners[i].local_addr().unwrap());
        let (general, dynamodb) = (url(0), url(1));
        let mut vars: Vec<(&str, &str)> = LAMBDA.to_vec();
        for (name, which) in endpoints {
            vars.push((
                name,
                if *which == "general" {
                    &general
                } else {
                    &dynamodb
                },
            ));
        }
        let (passed, output) = in_child("child_calls_dynamodb", &vars);
        assert!(passed, "{output}");
        listeners.map(|l| {
            l.set_nonblocking(true).unwrap();
            l.accept().is_ok()
        })
    }

    #[test]
    fn the_dynamodb_endpoint_wins_over_the_general_one() {
        assert_eq!(reached(&[("AWS_ENDPOINT_URL", "general")]), [true, false]);
        assert_eq!(
            reached(&[
                ("AWS_ENDPOINT_URL", "general"),
                ("AWS_ENDPOINT_URL_DYNAMODB", "dynamodb"),
            ]),
            [false, true]
        );
    }

    #[tokio::test]
    async fn child_is_refused_without_a_region() {
        if !is_child("child_is_refused_without_a_region") {
            return;
        }
        let err = load().await.unwrap_err();
        assert!(
            err.to_string()
                .starts_with("the environment variable AWS_REGION is not set"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_region_is_named() {
        let (passed, output) = in_child("child_is_refused_without_a_region", &LAMBDA[1..]);
        assert!(passed, "{output}");
        assert!(output.contains("1 passed"), "the check ran: {output}");
    }
}
