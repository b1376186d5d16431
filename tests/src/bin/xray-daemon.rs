//! A stand-in for the X-Ray daemon on 127.0.0.1 UDP, for the local API:
//! every document the functions send is appended to a file, one JSON
//! object per line (`api_tests::xray`).
//!
//!     xray-daemon --port 2000 --out .local/xray/segments.jsonl

use api_tests::xray::Daemon;

fn main() {
    let (port, out) = api_tests::port_and_out("xray-daemon --port PORT --out FILE");
    let daemon = Daemon::bind(port, &out).unwrap_or_else(|err| {
        eprintln!("error: cannot listen on 127.0.0.1:{port} (UDP): {err}");
        std::process::exit(1);
    });
    eprintln!(
        "xray-daemon: listening on 127.0.0.1:{} (UDP), writing {out}",
        daemon.port()
    );
    if let Err(err) = daemon.run() {
        eprintln!("error: xray-daemon stopped: {err}");
        std::process::exit(1);
    }
}
