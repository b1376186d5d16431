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

/// The `--port PORT --out FILE` of the local receivers (`sentry-receiver`,
/// `xray-daemon`); on anything else, `usage` and exit status 2.
pub fn port_and_out(usage: &str) -> (u16, String) {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let (Some(port), Some(out)) = (value("--port"), value("--out")) else {
        eprintln!("usage: {usage}");
        std::process::exit(2);
    };
    let Ok(port) = port.parse::<u16>() else {
        eprintln!("error: --port {port} is not a port number");
        std::process::exit(2);
    };
    (port, out)
}
