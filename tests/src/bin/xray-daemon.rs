//! A stand-in for the X-Ray daemon on 127.0.0.1 UDP, for the local API:
//! every document the functions send is appended to a file, one JSON
//! object per line (`api_tests::xray`).
//!
//!     xray-daemon --port 2000 --out .local/xray/segments.jsonl

use api_tests::xray::Daemon;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let (Some(port), Some(out)) = (value("--port"), value("--out")) else {
        eprintln!("usage: xray-daemon --port PORT --out FILE");
        std::process::exit(2);
    };
    let Ok(port) = port.parse::<u16>() else {
        eprintln!("error: --port {port} is not a port number");
        std::process::exit(2);
    };
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
