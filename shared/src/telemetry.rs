//! Logging: JSON lines with the key names Powertools for AWS Lambda uses
//! (`level`, `message`, `timestamp`, `service`, `cold_start`,
//! `function_request_id`, ...), so existing dashboards and queries work.

use tracing_subscriber::EnvFilter;

/// Installs the JSON subscriber. The level comes from `AWS_LAMBDA_LOG_LEVEL`
/// (set by Lambda's advanced logging controls), else `RUST_LOG`, else `info`.
pub fn init() {
    let filter = level_from_env(
        std::env::var("AWS_LAMBDA_LOG_LEVEL").ok().as_deref(),
        std::env::var("RUST_LOG").ok().as_deref(),
    );
    let _already_set = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
}

fn level_from_env(lambda_level: Option<&str>, rust_log: Option<&str>) -> EnvFilter {
    let directive = match lambda_level.map(str::to_ascii_lowercase).as_deref() {
        // Lambda's levels, mapped onto tracing's (which has no FATAL).
        Some("fatal") => "error".to_owned(),
        Some(level @ ("trace" | "debug" | "info" | "warn" | "error")) => level.to_owned(),
        _ => rust_log.unwrap_or("info").to_owned(),
    };
    EnvFilter::try_new(&directive).unwrap_or_else(|_| EnvFilter::new("info"))
}

/// The service name shown on every request line.
pub fn service_name() -> String {
    std::env::var("POWERTOOLS_SERVICE_NAME")
        .or_else(|_| std::env::var("AWS_LAMBDA_FUNCTION_NAME"))
        .unwrap_or_else(|_| "birthdays".to_owned())
}

/// Formats an error with its whole cause chain, for logs.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_level_wins_over_rust_log() {
        assert_eq!(
            level_from_env(Some("DEBUG"), Some("warn")).to_string(),
            "debug"
        );
        assert_eq!(level_from_env(Some("FATAL"), None).to_string(), "error");
        assert_eq!(level_from_env(None, Some("warn")).to_string(), "warn");
        assert_eq!(level_from_env(None, None).to_string(), "info");
        assert_eq!(level_from_env(Some("nonsense"), None).to_string(), "info");
    }

    #[test]
    fn error_chain_names_every_cause() {
        #[derive(Debug, thiserror::Error)]
        #[error("outer")]
        struct Outer(#[source] std::io::Error);
        let err = Outer(std::io::Error::other("inner"));
        assert_eq!(error_chain(&err), "outer: inner");
    }
}
