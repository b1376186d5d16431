//! `make traces`: the last requests the local API traced, as small
//! waterfalls (route, status, total; each DynamoDB call attempt with its
//! offset and duration), from what the stand-in X-Ray daemon wrote.
//!
//!     traces [--count N] [FILE]      (default: .local/xray/segments.jsonl, 10)

use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut count = 10;
    let mut file = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--count" => {
                count = rest.next().and_then(|n| n.parse().ok()).unwrap_or_else(|| {
                    eprintln!("error: --count takes a number of requests, as --count 5");
                    std::process::exit(2);
                })
            }
            path => file = Some(PathBuf::from(path)),
        }
    }
    // Told where the checkout is when it runs (a shared CARGO_TARGET_DIR may
    // hold another clone's build of this binary).
    let root = std::env::var_os("WORKSPACE_ROOT").map_or_else(|| PathBuf::from("."), PathBuf::from);
    let file = file.unwrap_or_else(|| root.join(".local/xray/segments.jsonl"));
    let documents = api_tests::xray::read(&file);
    let requests = api_tests::xray::requests(&documents, count);
    if requests.is_empty() {
        println!(
            "No traced requests in {} yet: run make dev, send a few requests, then make traces again.",
            file.display()
        );
        return;
    }
    for (handler, others) in requests {
        println!("{}", api_tests::xray::waterfall(handler, &others, 30));
    }
}
