//! A DynamoDB-API server on 127.0.0.1 for tests: the one named by
//! `DYNAMODB_ENDPOINT` when set (as `make test` does), or a fresh in-memory
//! dynalite on a free port, stopped when the handle is dropped.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Region};
use aws_sdk_dynamodb::config::{Credentials, SharedCredentialsProvider};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};

/// The partition key, as `stacks/database.yaml` declares it.
pub const PARTITION_KEY: &str = "username";

#[derive(Debug)]
pub struct LocalDynamo {
    endpoint: String,
    child: Option<Child>,
    /// Set for a server this handle started: its port and data folder, so it
    /// can be stopped and started again with the same data.
    own: Option<(u16, Option<PathBuf>)>,
}

impl LocalDynamo {
    /// Reuses `DYNAMODB_ENDPOINT`, or starts dynalite from the project's
    /// tools folder (installed by `make setup`), keeping data in memory.
    pub fn start() -> Self {
        if let Ok(endpoint) = std::env::var("DYNAMODB_ENDPOINT") {
            return Self {
                endpoint,
                child: None,
                own: None,
            };
        }
        Self::spawn(free_port(), None)
    }

    /// Starts a dynalite of its own that keeps its data in `dir`, so that it
    /// can be stopped and restarted without losing writes (fault tests).
    pub fn start_persistent(dir: &std::path::Path) -> Self {
        Self::spawn(free_port(), Some(dir.to_path_buf()))
    }

    fn spawn(port: u16, data: Option<PathBuf>) -> Self {
        let dynalite = workspace_root().join(".tools/node/node_modules/.bin/dynalite");
        let mut command = Command::new(&dynalite);
        command
            .args(["--port", &port.to_string(), "--host", "127.0.0.1"])
            .args([
                "--createTableMs",
                "0",
                "--deleteTableMs",
                "0",
                "--updateTableMs",
                "0",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        if let Some(dir) = &data {
            command.arg("--path").arg(dir);
        }
        let child = command.spawn().unwrap_or_else(|e| {
            panic!(
                "cannot start {}: {e}. Run `make setup` to install it, or set DYNAMODB_ENDPOINT",
                dynalite.display()
            )
        });
        let server = Self {
            endpoint: format!("http://127.0.0.1:{port}"),
            child: Some(child),
            own: Some((port, data)),
        };
        wait_for_port(port, Duration::from_secs(20));
        server
    }

    /// Stops the server (as a crash would); [`LocalDynamo::restart`] brings it back.
    pub fn stop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.child = None;
    }

    /// Starts the stopped server again on the same port, with the same data.
    pub fn restart(&mut self) {
        let (port, data) = self
            .own
            .clone()
            .expect("only a server this handle started can restart");
        self.stop();
        let restarted = Self::spawn(port, data);
        *self = restarted;
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// A client for this server with dummy credentials: nothing leaves loopback.
    pub fn client(&self) -> Client {
        client_for(&self.endpoint)
    }
}

impl Drop for LocalDynamo {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A DynamoDB client for a loopback endpoint, configured explicitly so that
/// no environment variable or metadata service is consulted.
pub fn client_for(endpoint: &str) -> Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("local", "local", None, None, "local"))
        .endpoint_url(endpoint)
        .http_client(shared::aws::https_client())
        .build();
    Client::from_conf(config)
}

/// The SDK's settings as a function builds them ([`shared::aws::settings`]:
/// its HTTPS client, time limits and retries), for a loopback `endpoint`,
/// with the region and dummy credentials pinned so that no environment
/// variable is consulted for them.
pub async fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    shared::aws::settings()
        .region(Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "local", "local", None, None, "local",
        )))
        .endpoint_url(endpoint)
        .build()
}

/// Creates the users table (as the database stack does) unless it exists,
/// and returns once it is ACTIVE: dynalite, like DynamoDB, answers "table not
/// found" to requests for a table that is still CREATING, even for an instant.
pub async fn create_users_table(
    client: &Client,
    table_name: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let created = client
        .create_table()
        .table_name(table_name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(PARTITION_KEY)
                .attribute_type(ScalarAttributeType::S)
                .build()?,
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name(PARTITION_KEY)
                .key_type(KeyType::Hash)
                .build()?,
        )
        .send()
        .await;
    match created {
        Ok(_) => {}
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_resource_in_use_exception()) => {}
        Err(err) => return Err(aws_sdk_dynamodb::Error::from(err).into()),
    }
    // Poll every 20 ms (DynamoDB's own waiter starts at 20 s).
    let started = std::time::Instant::now();
    loop {
        let table = client
            .describe_table()
            .table_name(table_name)
            .send()
            .await?;
        let status = table.table().and_then(|t| t.table_status());
        if status == Some(&aws_sdk_dynamodb::types::TableStatus::Active) {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(30) {
            return Err(format!("table {table_name} is still {status:?} after 30 s").into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Waits until something accepts connections on the loopback port.
pub fn wait_for_port(port: u16, limit: Duration) {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let started = Instant::now();
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        assert!(
            started.elapsed() < limit,
            "nothing listens on {addr} after {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The workspace root, where `.tools/`, `.local/` and `events/` live: the
/// checkout the scripts name in `WORKSPACE_ROOT` when they run a tool, else
/// the one this was compiled from. (A binary in a `CARGO_TARGET_DIR` shared
/// by several clones may have been built from another one.)
pub fn workspace_root() -> PathBuf {
    std::env::var_os("WORKSPACE_ROOT")
        .filter(|root| !root.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .expect("the tests crate sits in the workspace")
                .to_path_buf()
        })
}
