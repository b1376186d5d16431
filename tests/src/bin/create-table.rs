//! Creates the users table on the local DynamoDB-API server, if absent.
//! Used by `make dev` and `make test`; reads `AWS_ENDPOINT_URL_DYNAMODB` and
//! `TABLE_NAME`.

use api_tests::dynamodb::{client_for, create_users_table};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL_DYNAMODB")
        .map_err(|_| "AWS_ENDPOINT_URL_DYNAMODB is not set: point it at the local server")?;
    if !endpoint.starts_with("http://127.0.0.1:") && !endpoint.starts_with("http://localhost:") {
        return Err(format!(
            "{endpoint} is not a loopback address: this tool only creates local tables"
        )
        .into());
    }
    let table = std::env::var("TABLE_NAME").map_err(|_| "TABLE_NAME is not set")?;
    create_users_table(&client_for(&endpoint), &table).await?;
    println!("table {table} is ready at {endpoint}");
    Ok(())
}
