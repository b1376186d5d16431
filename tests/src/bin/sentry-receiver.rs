//! A Sentry ingestion endpoint on 127.0.0.1 for the local API's functions:
//! every event that arrives is appended to a file as one JSON line, before
//! it is answered, so a test that got its API answer finds the event there.
//!
//!     sentry-receiver --port 9002 --out .local/run/sentry-events.jsonl

use api_tests::sentry::Receiver;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let (Some(port), Some(out)) = (value("--port"), value("--out")) else {
        eprintln!("usage: sentry-receiver --port PORT --out FILE");
        std::process::exit(2);
    };
    let port: u16 = port.parse().unwrap_or_else(|_| {
        eprintln!("error: --port {port} is not a port number");
        std::process::exit(2);
    });
    match Receiver::start(port, Some(out.into())) {
        Ok(receiver) => eprintln!(
            "sentry-receiver: listening on 127.0.0.1:{}",
            receiver.port()
        ),
        Err(err) => {
            eprintln!("error: cannot listen on 127.0.0.1:{port}: {err}");
            std::process::exit(1);
        }
    }
    loop {
        std::thread::park();
    }
}
