//! What the birthday functions share: the domain, storage, HTTP event
//! handling, the clock, configuration (the AWS SDK's in [`aws`]) and telemetry.
//!
//! A request flows one way: event → [`http`] (route, body) → [`domain`]
//! (parse) → [`identity`] (who may) → [`store`] → [`http`] (response).

pub mod aws;
pub mod clock;
pub mod config;
pub mod domain;
pub mod http;
pub mod identity;
pub mod lambda;
pub mod metrics;
pub mod report;
pub mod secrets;
pub mod store;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;
pub mod xray;
