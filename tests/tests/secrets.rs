//! Secrets read by name from a real Secrets Manager API on 127.0.0.1 (moto,
//! which `make test` starts with the local API), and the error reporter set
//! up from one, as a function does during init.

use aws_config::SdkConfig;
use aws_sdk_secretsmanager::primitives::Blob;
use shared::report::{DSN_SECRET_VARIABLE, Failure, Invocation, Reporter};
use shared::secrets::{SecretError, Secrets};

use api_tests::http::unique_username;
use api_tests::sentry::Receiver;

fn endpoint() -> String {
    std::env::var("MOTO_ENDPOINT").expect(
        "MOTO_ENDPOINT: the local Secrets Manager API (moto; `make test` starts it and sets it)",
    )
}

/// The SDK's settings as a function loads them, with moto as Secrets Manager.
async fn aws() -> SdkConfig {
    api_tests::dynamodb::sdk_config(&endpoint()).await
}

/// A secret of its own for each test: moto keeps them while it runs.
async fn create(text: Option<&str>, binary: Option<&[u8]>) -> String {
    let name = format!("birthdays/test/{}", unique_username("Secret"));
    aws_sdk_secretsmanager::Client::new(&aws().await)
        .create_secret()
        .name(&name)
        .set_secret_string(text.map(str::to_owned))
        .set_secret_binary(binary.map(Blob::new))
        .send()
        .await
        .unwrap();
    name
}

#[tokio::test]
#[ignore = "needs the local Secrets Manager API: `make test` runs it"]
async fn a_secret_is_read_by_its_name_and_trimmed() {
    let name = create(Some("  https://key@sentry.example.com/1\n"), None).await;
    let secrets = Secrets::connect(&aws().await);
    assert_eq!(
        secrets.text(&name).await.unwrap(),
        "https://key@sentry.example.com/1"
    );
}

#[tokio::test]
#[ignore = "needs the local Secrets Manager API: `make test` runs it"]
async fn a_missing_or_binary_secret_is_an_error_naming_it() {
    let secrets = Secrets::connect(&aws().await);
    let missing = secrets.text("birthdays/test/nobody-made-this").await;
    let err = missing.unwrap_err();
    assert!(matches!(err, SecretError::Unreadable { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("Secrets Manager did not give the secret birthdays/test/nobody-made-this"),
        "{err}"
    );

    let binary = create(None, Some(b"\x00\x01")).await;
    let err = secrets.text(&binary).await.unwrap_err();
    assert!(matches!(err, SecretError::NoText { .. }), "{err}");
    assert!(err.to_string().contains("put-secret-value"), "{err}");
}

/// What a function's init does with `SENTRY_DSN_SECRET`.
async fn reporter_with_secret(name: &str) -> Option<Reporter> {
    let name = name.to_owned();
    let aws = aws().await;
    Reporter::from_lookup(
        "put_birthday",
        move |variable| {
            match variable {
                DSN_SECRET_VARIABLE => Some(name.as_str()),
                "AWS_LAMBDA_FUNCTION_VERSION" => Some("42"),
                "SENTRY_ENVIRONMENT" => Some("staging"),
                _ => None,
            }
            .map(str::to_owned)
        },
        Some(&aws),
    )
    .await
}

#[tokio::test]
#[ignore = "needs the local Secrets Manager API: `make test` runs it"]
async fn init_reads_the_dsn_from_the_named_secret_and_reports_there() {
    let receiver = Receiver::start(0, None).unwrap();
    let name = create(Some(&receiver.dsn()), None).await;

    let reporter = reporter_with_secret(&name)
        .await
        .expect("a reporter, from the secret's DSN");
    reporter
        .report(
            &Invocation {
                route: "PUT /hello/{username}",
                ..Invocation::default()
            },
            &Failure::Answered {
                status: 503,
                message: "x".into(),
            },
        )
        .await;

    let received = receiver.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].event["release"], "put_birthday@42");
    assert_eq!(received[0].event["environment"], "staging");
}

#[tokio::test]
#[ignore = "needs the local Secrets Manager API: `make test` runs it"]
async fn a_secret_that_is_missing_or_holds_no_dsn_leaves_reporting_off() {
    assert!(
        reporter_with_secret("birthdays/test/nobody-made-this")
            .await
            .is_none()
    );
    let name = create(Some("not a DSN"), None).await;
    assert!(reporter_with_secret(&name).await.is_none());
    let insecure = create(Some("http://key@sentry.example.com/1"), None).await;
    assert!(reporter_with_secret(&insecure).await.is_none());
}
