//! Test and development support: a real DynamoDB-API server (dynalite) on
//! loopback, and the users table in it.

pub mod dynamodb;
pub mod http;
pub mod load;
pub mod routes;
pub mod templates;
