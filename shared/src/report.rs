//! Optional error reporting to Sentry: every answer of 500 or more, and every
//! panic, becomes a Sentry event, sent before the invocation ends (Lambda
//! freezes the process as soon as the answer is given, so nothing is left
//! queued).
//!
//! It is on only when `SENTRY_DSN_SECRET` names a Secrets Manager secret
//! holding the DSN. Without it nothing here runs: no secret is read, no client
//! is built, no panic hook is installed.
//!
//! What an event holds, and what it leaves out: the route (its template, such
//! as `GET /hello/{username}`), the status and the sentence the caller got,
//! the Lambda and API Gateway request ids, the X-Ray trace id, the log group
//! and stream, the release (function and Lambda version) and stage, and the
//! username. Nothing else from the request or the store, and no log text:
//! error chains and panic messages can quote stored data (a corrupt date of
//! birth, say), so they stay in CloudWatch Logs, found there by the event's
//! request id.
//!
//! Panics: the release profile has `panic = "abort"`, so a panic never
//! unwinds back to the runtime loop. The panic hook still runs first, on the
//! panicking thread, before the process aborts: the hook logs the panic as
//! the standard one does, then sends the event from a thread of its own
//! (with a client of its own, since the function's runtime is the one
//! panicking) and waits for it: the sending takes at most [`SEND_TIMEOUT`],
//! the wait a second more, whatever blocks. What it cannot
//! report is a death that is not a panic: Lambda's timeout, running out of
//! memory, or an abort in foreign code.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use aws_lambda_events::encodings::Body;
use aws_smithy_http_client::Connector;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::{HttpConnector, HttpConnectorSettings};
use aws_smithy_types::body::SdkBody;
use serde_json::json;

use crate::domain::Username;
use crate::http::ApiGatewayV2httpRequest;
use crate::secrets::Secrets;
use aws_config::SdkConfig;

/// The variable naming the secret that holds the DSN (its name or ARN).
pub const DSN_SECRET_VARIABLE: &str = "SENTRY_DSN_SECRET";

/// How long one event may take to send: it delays only answers that are
/// already errors, and the functions' timeout leaves room for it after the
/// store's own limit.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(2);

/// Where a project's events go, from its DSN
/// (`https://<public key>@<host>/<project id>`).
#[derive(Clone, PartialEq, Eq)]
pub struct Dsn {
    envelope_url: String,
    public_key: String,
}

impl std::fmt::Debug for Dsn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dsn")
            .field("envelope_url", &self.envelope_url)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DsnError {
    #[error(
        "the Sentry DSN is not a URL of the form https://<key>@<host>/<project id>: \
         copy it from the Sentry project's Settings > Client Keys (DSN)"
    )]
    Malformed,
    #[error(
        "the Sentry DSN uses http to {host}: events carry usernames, so only https \
         is allowed (plain http only to 127.0.0.1, for tests)"
    )]
    Insecure { host: String },
}

impl Dsn {
    pub fn parse(text: &str) -> Result<Self, DsnError> {
        let uri: http::Uri = text.trim().parse().map_err(|_| DsnError::Malformed)?;
        let (scheme, authority) = uri
            .scheme_str()
            .zip(uri.authority())
            .ok_or(DsnError::Malformed)?;
        let (user_info, host_and_port) = authority
            .as_str()
            .rsplit_once('@')
            .ok_or(DsnError::Malformed)?;
        // The DSN's legacy form also carries a secret key after a colon; the
        // envelope endpoint needs only the public one.
        let public_key = user_info.split(':').next().unwrap_or_default();
        let (prefix, project) = uri
            .path()
            .trim_end_matches('/')
            .rsplit_once('/')
            .ok_or(DsnError::Malformed)?;
        let valid_project = !project.is_empty() && project.bytes().all(|b| b.is_ascii_digit());
        if public_key.is_empty() || !valid_project || uri.query().is_some() {
            return Err(DsnError::Malformed);
        }
        match scheme {
            "https" => {}
            "http" if is_loopback(authority.host()) => {}
            "http" => {
                return Err(DsnError::Insecure {
                    host: authority.host().to_owned(),
                });
            }
            _ => return Err(DsnError::Malformed),
        }
        Ok(Self {
            envelope_url: format!("{scheme}://{host_and_port}{prefix}/api/{project}/envelope/"),
            public_key: public_key.to_owned(),
        })
    }

    /// Where events are posted.
    pub fn envelope_url(&self) -> &str {
        &self.envelope_url
    }

    fn auth_header(&self) -> String {
        format!(
            "Sentry sentry_version=7, sentry_client=birthdays/{}, sentry_key={}",
            env!("CARGO_PKG_VERSION"),
            self.public_key
        )
    }
}

fn is_loopback(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

/// One invocation, as an event describes it: the identifiers to find its
/// log lines by, and who made the request.
#[derive(Debug, Clone, Default)]
pub struct Invocation {
    pub route: &'static str,
    pub function_request_id: String,
    pub api_request_id: String,
    pub xray_trace_id: String,
    /// The signed-in caller, else the record the path names; only a valid
    /// username, so nothing else a caller typed is sent.
    pub username: Option<String>,
}

impl Invocation {
    pub fn of(
        event: &lambda_runtime::LambdaEvent<ApiGatewayV2httpRequest>,
        route: &'static str,
    ) -> Self {
        let request = &event.payload;
        let caller = request
            .request_context
            .authorizer
            .as_ref()
            .and_then(|a| a.jwt.as_ref())
            .and_then(|jwt| jwt.claims.get("username"));
        let username = caller
            .or_else(|| request.path_parameters.get("username"))
            .and_then(|name| Username::parse(name).ok())
            .map(|name| name.as_str().to_owned());
        Self {
            route,
            function_request_id: event.context.request_id.clone(),
            api_request_id: request
                .request_context
                .request_id
                .clone()
                .unwrap_or_default(),
            xray_trace_id: event.context.xray_trace_id.clone().unwrap_or_default(),
            username,
        }
    }
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The function answered with this status and sentence.
    Answered { status: u16, message: String },
    /// The function panicked here (`file:line:column`).
    Panicked { location: String },
}

impl Failure {
    /// The failure an answer is, if it is one: a status of 500 or more.
    pub fn of_answer(response: &crate::http::ApiGatewayV2httpResponse) -> Option<Self> {
        let status = u16::try_from(response.status_code).ok()?;
        if status < 500 {
            return None;
        }
        let message = match &response.body {
            Some(Body::Text(text)) => serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .and_then(|body| body["message"].as_str().map(str::to_owned)),
            _ => None,
        };
        Some(Self::Answered {
            status,
            message: message.unwrap_or_default(),
        })
    }
}

/// Sends events to one Sentry project.
#[derive(Debug, Clone)]
pub struct Reporter {
    inner: Arc<Settings>,
    /// Built on the first event: loading the system's root certificates
    /// costs init time that only a failure should pay.
    connector: Arc<OnceLock<Connector>>,
}

#[derive(Debug)]
struct Settings {
    dsn: Dsn,
    function: &'static str,
    release: String,
    environment: String,
    log_group: String,
    log_stream: String,
}

/// The invocation under way, for the panic hook.
static CURRENT: Mutex<Option<Invocation>> = Mutex::new(None);

/// Set while the panic hook sends an event.
static REPORTING_PANIC: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

impl Reporter {
    /// `release` is the function and its Lambda version; `environment` the stage.
    pub fn new(dsn: Dsn, function: &'static str, release: String, environment: String) -> Self {
        let var = |name| std::env::var(name).unwrap_or_default();
        Self {
            inner: Arc::new(Settings {
                dsn,
                function,
                release,
                environment,
                log_group: var("AWS_LAMBDA_LOG_GROUP_NAME"),
                log_stream: var("AWS_LAMBDA_LOG_STREAM_NAME"),
            }),
            connector: Arc::default(),
        }
    }

    /// The reporter the environment asks for, with its panic hook installed:
    /// `None` when `SENTRY_DSN_SECRET` is unset. A secret that cannot be read
    /// or a DSN that is not one is logged as an error, and the function runs
    /// without reporting: a broken reporter must not take the API down.
    ///
    /// `aws`: the SDK's settings where the function has loaded them already;
    /// otherwise they are loaded here, and only when a secret is named.
    pub async fn from_env(function: &'static str, aws: Option<&SdkConfig>) -> Option<Self> {
        let reporter = Self::from_lookup(function, |name| std::env::var(name).ok(), aws).await?;
        reporter.install_panic_hook();
        Some(reporter)
    }

    /// [`Reporter::from_env`] without the panic hook, reading its own
    /// settings through `lookup`, so tests need not touch the process
    /// environment.
    pub async fn from_lookup(
        function: &'static str,
        lookup: impl Fn(&str) -> Option<String>,
        aws: Option<&SdkConfig>,
    ) -> Option<Self> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let secret = get(DSN_SECRET_VARIABLE)?;
        match Self::read_dsn(&secret, aws).await {
            Ok(dsn) => {
                let release = format!(
                    "{function}@{}",
                    get("AWS_LAMBDA_FUNCTION_VERSION").unwrap_or_else(|| "$LATEST".to_owned())
                );
                let environment = get("SENTRY_ENVIRONMENT").unwrap_or_else(|| "local".to_owned());
                Some(Self::new(dsn, function, release, environment))
            }
            Err(reason) => {
                tracing::error!(
                    error = reason,
                    "error reporting to Sentry is off: fix {DSN_SECRET_VARIABLE} or the secret it names"
                );
                None
            }
        }
    }

    async fn read_dsn(secret: &str, aws: Option<&SdkConfig>) -> Result<Dsn, String> {
        let loaded;
        let aws = match aws {
            Some(aws) => aws,
            None => {
                loaded = crate::aws::load().await.map_err(|e| e.to_string())?;
                &loaded
            }
        };
        let text = Secrets::connect(aws)
            .text(secret)
            .await
            .map_err(|e| e.to_string())?;
        Dsn::parse(&text).map_err(|e| format!("the secret {secret} holds no valid DSN: {e}"))
    }

    /// Remembers the invocation under way, for a panic during it.
    pub fn begin(&self, invocation: &Invocation) {
        *CURRENT.lock().unwrap_or_else(|e| e.into_inner()) = Some(invocation.clone());
    }

    /// Forgets it: a panic between invocations belongs to none.
    pub fn end(&self) {
        *CURRENT.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Sends the event of `failure` and waits for Sentry's answer, at most
    /// [`SEND_TIMEOUT`]. A failure to send is logged, never raised: the
    /// caller's answer does not depend on it.
    pub async fn report(&self, invocation: &Invocation, failure: &Failure) {
        let connector = self.connector.get_or_init(connector);
        let (event_id, envelope) = self.envelope(invocation, failure);
        let result = send(connector, &self.inner.dsn, envelope).await;
        log_outcome(&event_id, result);
    }

    /// The envelope Sentry's ingestion endpoint takes: a header line, an
    /// item header line, and the event.
    pub fn envelope(&self, invocation: &Invocation, failure: &Failure) -> (String, Vec<u8>) {
        let event = self.event(invocation, failure);
        let event_id = event["event_id"].as_str().unwrap_or_default().to_owned();
        let payload = event.to_string();
        let header = json!({ "event_id": event_id, "sent_at": jiff::Timestamp::now().to_string() });
        let item = json!({ "type": "event", "length": payload.len() });
        (
            event_id,
            format!("{header}\n{item}\n{payload}\n").into_bytes(),
        )
    }

    /// The event: see the module's documentation for what it holds.
    pub fn event(&self, invocation: &Invocation, failure: &Failure) -> serde_json::Value {
        let settings = &*self.inner;
        let (level, kind, value, mechanism, handled, fingerprint) = match failure {
            Failure::Answered { status, message } => (
                "error",
                format!("HTTP {status}"),
                format!("{} answered {status}: {message}", invocation.route),
                "http",
                true,
                vec![
                    settings.function.to_owned(),
                    invocation.route.to_owned(),
                    status.to_string(),
                ],
            ),
            Failure::Panicked { location } => (
                "fatal",
                "panic".to_owned(),
                format!(
                    "{} panicked at {location} (the message is in the function's log)",
                    invocation.route
                ),
                "panic",
                false,
                vec![
                    settings.function.to_owned(),
                    "panic".to_owned(),
                    location.clone(),
                ],
            ),
        };
        let status = match failure {
            Failure::Answered { status, .. } => status.to_string(),
            Failure::Panicked { .. } => "none (panic)".to_owned(),
        };
        let mut event = json!({
            "event_id": event_id(&invocation.function_request_id),
            "timestamp": jiff::Timestamp::now().to_string(),
            "platform": "native",
            "level": level,
            "logger": "birthdays",
            "release": settings.release,
            "environment": settings.environment,
            "transaction": invocation.route,
            "fingerprint": fingerprint,
            "exception": { "values": [{
                "type": kind,
                "value": value,
                "mechanism": { "type": mechanism, "handled": handled },
            }] },
            "tags": {
                "function": settings.function,
                "route": invocation.route,
                "status": status,
                "function_request_id": invocation.function_request_id,
                "api_request_id": invocation.api_request_id,
            },
            "contexts": {
                "trace_ids": { "type": "default", "xray_trace_id": invocation.xray_trace_id },
                "logs": {
                    "type": "default",
                    "log_group": settings.log_group,
                    "log_stream": settings.log_stream,
                    "find": format!("Logs Insights: filter function_request_id = \"{}\"", invocation.function_request_id),
                },
            },
        });
        if let Some(name) = &invocation.username {
            event["user"] = json!({ "username": name });
        }
        event
    }

    /// Reports every panic of this process, after the standard hook has
    /// logged it: see the module's documentation for what `panic = "abort"`
    /// allows.
    pub fn install_panic_hook(&self) {
        let reporter = self.clone();
        let standard = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            standard(info);
            // A panic while a panic is being reported (in the sending thread,
            // say) is only logged: reporting it would never end.
            if REPORTING_PANIC.swap(true, std::sync::atomic::Ordering::SeqCst) {
                return;
            }
            let location = info
                .location()
                .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
                .unwrap_or_else(|| "an unknown place".to_owned());
            // try_lock: the panic may have struck while this very thread
            // held the lock; the report then goes without the invocation.
            let invocation = CURRENT
                .try_lock()
                .map(|current| current.clone())
                .unwrap_or_default()
                .unwrap_or_default();
            let reporter = reporter.clone();
            // The panicking thread may be the function's runtime: send from a
            // thread with a runtime and client of its own, and wait for it,
            // but not for ever: should it block (on a lock the panicking
            // thread holds, say), the process still ends.
            let (done, finished) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(runtime) = runtime {
                    let (event_id, envelope) =
                        reporter.envelope(&invocation, &Failure::Panicked { location });
                    let result = runtime.block_on(async {
                        send(&connector(), &reporter.inner.dsn, envelope).await
                    });
                    log_outcome(&event_id, result);
                }
                let _ = done.send(());
            });
            let _ = finished.recv_timeout(SEND_TIMEOUT + std::time::Duration::from_secs(1));
            REPORTING_PANIC.store(false, std::sync::atomic::Ordering::SeqCst);
        }));
    }
}

/// A Sentry event id: the Lambda request id (a UUID) without its dashes, so
/// the event and the log lines share an id; random where it is not a UUID.
fn event_id(request_id: &str) -> String {
    let hex: String = request_id.chars().filter(char::is_ascii_hexdigit).collect();
    if hex.len() == 32 && request_id.len() == 36 {
        return hex.to_ascii_lowercase();
    }
    use std::hash::{BuildHasher, Hasher};
    let random = |salt: u8| {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write(request_id.as_bytes());
        hasher.write_u8(salt);
        hasher.write_i128(jiff::Timestamp::now().as_nanosecond());
        hasher.finish()
    };
    format!("{:016x}{:016x}", random(1), random(2))
}

/// An HTTPS client trusting the system's roots: unlike the AWS endpoints,
/// a Sentry server (sentry.io or one's own) may have any public CA's
/// certificate.
fn connector() -> Connector {
    let tls_context = TlsContext::builder()
        .with_trust_store(TrustStore::default())
        .build()
        .unwrap_or_default();
    Connector::builder()
        .connector_settings(
            HttpConnectorSettings::builder()
                .connect_timeout(Duration::from_millis(800))
                .read_timeout(SEND_TIMEOUT)
                .build(),
        )
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .tls_context(tls_context)
        .build()
}

#[derive(Debug, thiserror::Error)]
enum SendError {
    #[error("Sentry did not answer within {} s", SEND_TIMEOUT.as_secs())]
    Timeout,
    #[error("the request could not be sent: {0}")]
    Connection(String),
    #[error("Sentry answered {0}")]
    Refused(u16),
}

async fn send(connector: &Connector, dsn: &Dsn, envelope: Vec<u8>) -> Result<(), SendError> {
    let request = http::Request::builder()
        .method("POST")
        .uri(dsn.envelope_url())
        .header("content-type", "application/x-sentry-envelope")
        .header("x-sentry-auth", dsn.auth_header())
        .body(SdkBody::from(envelope))
        .map_err(|e| SendError::Connection(e.to_string()))?;
    let request = request
        .try_into()
        .map_err(|e: aws_smithy_runtime_api::http::HttpError| {
            SendError::Connection(e.to_string())
        })?;
    let response = tokio::time::timeout(SEND_TIMEOUT, connector.call(request))
        .await
        .map_err(|_| SendError::Timeout)?
        .map_err(|e| SendError::Connection(crate::telemetry::error_chain(&e)))?;
    let status = response.status().as_u16();
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(SendError::Refused(status))
    }
}

fn log_outcome(event_id: &str, result: Result<(), SendError>) {
    match result {
        Ok(()) => tracing::info!(sentry_event_id = event_id, "error reported to Sentry"),
        Err(err) => tracing::warn!(
            sentry_event_id = event_id,
            error = %err,
            "the error could not be reported to Sentry"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dsn_becomes_its_envelope_endpoint() {
        let dsn = Dsn::parse("https://abc123@o42.ingest.sentry.io/4501").unwrap();
        assert_eq!(
            dsn.envelope_url(),
            "https://o42.ingest.sentry.io/api/4501/envelope/"
        );
        assert!(dsn.auth_header().ends_with("sentry_key=abc123"));
        // Self-hosted under a path, with a port and the legacy secret key.
        let dsn = Dsn::parse("https://abc:def@sentry.example.com:9000/sentry/7").unwrap();
        assert_eq!(
            dsn.envelope_url(),
            "https://sentry.example.com:9000/sentry/api/7/envelope/"
        );
        assert!(dsn.auth_header().ends_with("sentry_key=abc"));
        assert!(
            !format!("{dsn:?}").contains("abc"),
            "the key stays out of logs"
        );
    }

    #[test]
    fn what_is_not_a_dsn_is_refused_with_a_reason() {
        for text in [
            "",
            "sentry.io/1",
            "https://sentry.io/1",
            "https://key@sentry.io/",
            "https://key@sentry.io/project",
            "ftp://key@sentry.io/1",
        ] {
            assert_eq!(Dsn::parse(text), Err(DsnError::Malformed), "{text:?}");
        }
        assert_eq!(
            Dsn::parse("http://key@sentry.example.com/1"),
            Err(DsnError::Insecure {
                host: "sentry.example.com".to_owned()
            })
        );
        assert!(Dsn::parse("http://key@127.0.0.1:9/1").is_ok());
    }

    #[test]
    fn the_event_id_is_the_lambda_request_id() {
        assert_eq!(
            event_id("6F1C8A0E-1B2C-4D3E-8F90-A1B2C3D4E5F6"),
            "6f1c8a0e1b2c4d3e8f90a1b2c3d4e5f6" // pragma: allowlist secret
        );
        let other = event_id("not-a-uuid");
        assert_eq!(other.len(), 32);
        assert_ne!(other, event_id("not-a-uuid"), "random where not a UUID");
    }

    #[test]
    fn only_answers_of_500_or_more_are_failures() {
        let not_found = crate::http::ApiError::not_found("x").into_response();
        assert_eq!(Failure::of_answer(&not_found), None);
        assert_eq!(
            Failure::of_answer(&crate::http::ApiError::unavailable().into_response()),
            Some(Failure::Answered {
                status: 503,
                message: "the user store is unavailable right now: please retry in a few seconds"
                    .to_owned()
            })
        );
    }

    #[test]
    fn an_event_holds_the_ids_and_the_username_and_nothing_of_the_body() {
        let dsn = Dsn::parse("https://key@127.0.0.1/1").unwrap();
        let reporter = Reporter::new(dsn, "put_birthday", "put_birthday@7".into(), "dev".into());
        let invocation = Invocation {
            route: "PUT /hello/{username}",
            function_request_id: "6f1c8a0e-1b2c-4d3e-8f90-a1b2c3d4e5f6".into(),
            api_request_id: "Xyz=".into(),
            xray_trace_id: "Root=1-abc".into(),
            username: Some("Ann".into()),
        };
        let failure = Failure::Answered {
            status: 503,
            message: "the user store is unavailable right now".into(),
        };
        let event = reporter.event(&invocation, &failure);
        assert_eq!(
            event["event_id"],
            invocation.function_request_id.replace('-', "")
        );
        assert_eq!(event["release"], "put_birthday@7");
        assert_eq!(event["environment"], "dev");
        assert_eq!(event["transaction"], "PUT /hello/{username}");
        assert_eq!(event["tags"]["api_request_id"], "Xyz=");
        assert_eq!(event["tags"]["status"], "503");
        assert_eq!(event["user"], json!({ "username": "Ann" }));
        assert_eq!(event["exception"]["values"][0]["type"], "HTTP 503");

        let (id, envelope) = reporter.envelope(&invocation, &failure);
        let text = String::from_utf8(envelope).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        let item: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
        assert_eq!(item["length"].as_u64(), Some(lines[2].len() as u64));
        assert_eq!(id, invocation.function_request_id.replace('-', ""));
    }
}
