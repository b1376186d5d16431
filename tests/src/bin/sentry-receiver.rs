//! A Sentry ingestion endpoint on 127.0.0.1 for the local API's functions:
//! every event that arrives is appended to a file as one JSON line, before
//! it is answered, so a test that got its API answer finds the event there.
//!
//!     sentry-receiver --port 9002 --out .local/run/sentry-events.jsonl

use api_tests::sentry::Receiver;

fn main() {
    let (port, out) = api_tests::port_and_out("sentry-receiver --port PORT --out FILE");
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
