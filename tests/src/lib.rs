//! Test and development support: a real DynamoDB-API server (dynalite) on
//! loopback, and the users table in it; tokens of the local user pool; a
//! headless browser over WebDriver.

pub mod browser;
pub mod dynamodb;
pub mod fault_proxy;
pub mod generated;
pub mod http;
pub mod identity;
pub mod load;
pub mod routes;
pub mod scaffold;
pub mod sentry;
pub mod templates;
pub mod xray;
