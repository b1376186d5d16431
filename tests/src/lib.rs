//! Test and development support: a real DynamoDB-API server (dynalite) on
//! loopback, and the users table in it; tokens of the local user pool.

pub mod dynamodb;
pub mod http;
pub mod identity;
pub mod load;
pub mod routes;
pub mod templates;
