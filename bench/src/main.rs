//! `make bench`: measures each function's release binary through a Lambda
//! Runtime API emulator on loopback, beside a bare `lambda_runtime` function
//! (the floor), and writes BENCHMARKS.md.
//!
//! - cold start: exec of the binary to its first response, in fresh processes,
//!   split into init (exec to its first `invocation/next`) and the first
//!   invocation; the second invocation of the same process for comparison;
//! - warm: invocations per second through the Runtime API loop;
//! - peak memory (VmHWM) after 1,000 and 10,000 invocations;
//! - size of the arm64 `bootstrap` and its zip (from `make build`).

mod emulator;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use api_tests::dynamodb::{LocalDynamo, create_users_table, workspace_root};
use bytes::Bytes;
use emulator::Emulator;

struct Subject {
    name: &'static str,
    event: &'static str,
    /// The storage functions reach the DynamoDB-API server; the others do not.
    storage: bool,
    /// Not a function of the workspace: a peer started by its own script
    /// (relative to the workspace), measured the same way for comparison.
    peer: Option<&'static str>,
}

const SUBJECTS: &[Subject] = &[
    Subject {
        name: "floor",
        event: "get-time",
        storage: false,
        peer: None,
    },
    Subject {
        name: "server_time",
        event: "get-time",
        storage: false,
        peer: None,
    },
    Subject {
        name: "put_birthday",
        event: "put-hello",
        storage: true,
        peer: None,
    },
    Subject {
        name: "get_user_by_id",
        event: "get-user",
        storage: true,
        peer: None,
    },
    // The same route as get_user_by_id's GET /users/{username}, as one
    // Python function with boto3 (bench/peer), for make cost's comparison.
    // Before delete_user, which removes the record it reads.
    Subject {
        name: "python_boto3",
        event: "get-user",
        storage: true,
        peer: Some("bench/peer/bootstrap"),
    },
    Subject {
        name: "get_users",
        event: "list-users",
        storage: true,
        peer: None,
    },
    // A conditional delete: after the first invocation there is nothing to
    // delete (404), which is the same round trip to the table.
    Subject {
        name: "delete_user",
        event: "delete-user",
        storage: true,
        peer: None,
    },
];

#[derive(Default)]
struct Figures {
    cold_ms: Vec<f64>,
    init_ms: Vec<f64>,
    first_ms: Vec<f64>,
    second_ms: Vec<f64>,
    warm_per_second: f64,
    warm_latency_us: f64,
    rss_1k_kb: u64,
    rss_10k_kb: u64,
    bootstrap_bytes: Option<u64>,
    zip_bytes: Option<u64>,
}

fn main() {
    let cold_runs: usize = env_number("BENCH_COLD_RUNS", 25);
    let warm_runs: usize = env_number("BENCH_WARM_RUNS", 10_000);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dynamo = LocalDynamo::start();
    runtime.block_on(async {
        create_users_table(&dynamo.client(), "users")
            .await
            .expect("the users table");
    });
    let emulator = runtime.block_on(Emulator::start());
    let root = workspace_root();
    // scripts/env.sh says where cargo builds (CARGO_TARGET_DIR honoured).
    let target = std::env::var_os("TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);

    // BENCH_BIN_DIR compares another build (say, another opt-level) in the same way.
    let current = Build {
        label: None,
        binaries: std::env::var("BENCH_BIN_DIR")
            .map_or_else(|_| target.join("release"), PathBuf::from),
        zips: target.join("lambda"),
    };
    // BENCH_BASELINE_DIR (set by `make bench BASELINE=<revision>`) holds the
    // same functions built at an earlier revision: each is measured beside its
    // current build, interleaved, so that the budget compares like with like.
    let baseline = std::env::var("BENCH_BASELINE_DIR").ok().map(|dir| Build {
        label: Some(std::env::var("BENCH_BASELINE_REV").unwrap_or_else(|_| "baseline".into())),
        binaries: Path::new(&dir).join("release"),
        zips: Path::new(&dir).join("lambda"),
    });
    let mut runs: Vec<Run> = SUBJECTS
        .iter()
        .map(|subject| {
            let binary = subject.peer.map_or_else(
                || current.binaries.join(subject.name),
                |peer| root.join(peer),
            );
            assert!(
                binary.exists(),
                "{} is missing: run `make bench`, which builds it",
                binary.display()
            );
            Run::new(subject, &root, binary, &current)
        })
        .collect();
    if let Some(baseline) = &baseline {
        // A function the baseline did not have yet has nothing to compare.
        for subject in SUBJECTS.iter().skip(1).filter(|s| s.peer.is_none()) {
            let binary = baseline.binaries.join(subject.name);
            if binary.exists() {
                runs.push(Run::new(subject, &root, binary, baseline));
            }
        }
    }
    let launch = |run: &Run| spawn(&run.binary, run.subject, &emulator, dynamo.endpoint());

    // Cold starts, round-robin across the functions so that the machine's
    // noise falls on all alike; the first rounds only warm the page cache.
    const DISCARDED: usize = 3;
    eprintln!(
        "== cold starts: {cold_runs} rounds of {} builds",
        runs.len()
    );
    for round in 0..DISCARDED + cold_runs {
        for run in &mut runs {
            emulator.new_process();
            run.queue_event(&emulator);
            let started = Instant::now();
            let mut child = launch(run);
            let first = runtime.block_on(response(&emulator));
            run.queue_event(&emulator);
            let second = runtime.block_on(response(&emulator));
            stop(&mut child);
            check(&run.name(), &first.body);
            if round >= DISCARDED {
                let f = &mut run.figures;
                f.cold_ms.push(ms(first.at - started));
                f.init_ms.push(ms(first.handed_out - started));
                f.first_ms.push(ms(first.at - first.handed_out));
                f.second_ms.push(ms(second.at - second.handed_out));
            }
        }
        if round >= DISCARDED && (round - DISCARDED) % 5 == 4 {
            eprintln!("   {} rounds done", round - DISCARDED + 1);
        }
    }

    for run in &mut runs {
        eprintln!("== {}: {warm_runs} warm invocations", run.name());
        emulator.new_process();
        let mut child = launch(run);
        let started = Instant::now();
        for n in 1..=warm_runs {
            run.queue_event(&emulator);
            let posted = runtime.block_on(response(&emulator));
            if !posted.ok {
                panic!("{} failed invocation {n}: {:?}", run.name(), posted.body);
            }
            if n == 1_000 {
                run.figures.rss_1k_kb = peak_rss_kb(&child);
            }
        }
        let elapsed = started.elapsed();
        let f = &mut run.figures;
        f.rss_10k_kb = peak_rss_kb(&child);
        stop(&mut child);
        f.warm_per_second = warm_runs as f64 / elapsed.as_secs_f64();
        f.warm_latency_us = elapsed.as_secs_f64() * 1e6 / warm_runs as f64;
        let zip = run.zips.join(run.subject.name).join("bootstrap.zip");
        f.zip_bytes = file_size(&zip);
        f.bootstrap_bytes = zipped_size(&zip);
    }
    let (current_runs, baseline_runs): (Vec<Run>, Vec<Run>) =
        runs.into_iter().partition(|run| run.label.is_none());
    let mut report = report(&current_runs, cold_runs, warm_runs);
    if let Some(baseline) = &baseline {
        report.push_str(&compare(&current_runs, &baseline_runs, baseline));
    }
    print!("{report}");
    let notes = std::fs::read_to_string(root.join("bench/NOTES.md")).unwrap_or_default();
    // scripts/bench.sh's BENCH_OUT (a preview's short run writes elsewhere).
    let out =
        std::env::var_os("BENCH_OUT").map_or_else(|| root.join("BENCHMARKS.md"), PathBuf::from);
    std::fs::write(&out, format!("{report}\n{notes}")).unwrap();
    eprintln!("wrote {}", out.display());
}

/// Where one build's binaries (this machine) and zips (arm64) are.
struct Build {
    /// None for the working tree's build; the revision for a baseline.
    label: Option<String>,
    binaries: PathBuf,
    zips: PathBuf,
}

/// One function of one build, and what was measured of it.
struct Run {
    subject: &'static Subject,
    label: Option<String>,
    binary: PathBuf,
    zips: PathBuf,
    event: Bytes,
    figures: Figures,
}

impl Run {
    fn new(subject: &'static Subject, root: &Path, binary: PathBuf, build: &Build) -> Run {
        let event = std::fs::read(root.join("events").join(format!("{}.json", subject.event)))
            .expect("the function's sample event");
        Run {
            subject,
            label: build.label.clone(),
            binary,
            zips: build.zips.clone(),
            event: Bytes::from(event),
            figures: Figures::default(),
        }
    }

    fn name(&self) -> String {
        match &self.label {
            None => self.subject.name.to_owned(),
            Some(label) => format!("{} at {label}", self.subject.name),
        }
    }

    fn queue_event(&self, emulator: &Emulator) {
        emulator.queue(self.event.clone());
    }
}

/// The budget: each function's cold start within this fraction of the
/// baseline's, measured in the same run, and its zip under `ZIP_BUDGET`.
/// (The warm round trip is shown beside it, against the same baseline.)
const COLD_START_BUDGET: f64 = 0.05;
const ZIP_BUDGET: u64 = 3_000_000;

fn compare(current: &[Run], baseline: &[Run], build: &Build) -> String {
    let label = build.label.as_deref().unwrap_or("baseline");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n## Before and after (baseline: {label}, built and measured in the same run)\n"
    );
    let _ = writeln!(
        out,
        "Budget: cold start within {:.0}% of the baseline's, zip under {}.\n",
        COLD_START_BUDGET * 100.0,
        mb(Some(ZIP_BUDGET))
    );
    let _ = writeln!(
        out,
        "| function | cold start before | after | change | init before | after | warm round trip before | after | change | peak RSS before | after | zip before | after | within budget |"
    );
    let _ = writeln!(
        out,
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    );
    for run in current.iter().skip(1) {
        let after = &run.figures;
        let after_cold = percentile(&after.cold_ms, 50.0);
        let zip_ok = after.zip_bytes.is_some_and(|b| b < ZIP_BUDGET);
        match baseline.iter().find(|b| b.subject.name == run.subject.name) {
            Some(before) => {
                let before = &before.figures;
                let before_cold = percentile(&before.cold_ms, 50.0);
                let change = after_cold / before_cold - 1.0;
                let warm_change = after.warm_latency_us / before.warm_latency_us - 1.0;
                let ok = zip_ok && change <= COLD_START_BUDGET;
                let _ = writeln!(
                    out,
                    "| {} | {:.2} ms | {:.2} ms | {:+.1}% | {:.2} ms | {:.2} ms | {:.0} µs | {:.0} µs | {:+.1}% | {:.1} MB | {:.1} MB | {} | {} | {} |",
                    run.subject.name,
                    before_cold,
                    after_cold,
                    change * 100.0,
                    percentile(&before.init_ms, 50.0),
                    percentile(&after.init_ms, 50.0),
                    before.warm_latency_us,
                    after.warm_latency_us,
                    warm_change * 100.0,
                    before.rss_10k_kb as f64 / 1024.0,
                    after.rss_10k_kb as f64 / 1024.0,
                    mb(before.zip_bytes),
                    mb(after.zip_bytes),
                    if ok { "yes" } else { "**no**" },
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "| {} | (not in {label}) | {:.2} ms | | | | | | | | {:.1} MB | | {} | {} |",
                    run.subject.name,
                    after_cold,
                    after.rss_10k_kb as f64 / 1024.0,
                    mb(after.zip_bytes),
                    if zip_ok { "yes (zip)" } else { "**no**" },
                );
            }
        }
    }
    out
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A UDP socket on loopback standing for Lambda's X-Ray daemon, drained and
/// discarded: the functions start their tracer as they do on AWS (where the
/// daemon address is always set), and the emulator's trace header says
/// `Sampled=0`, as it does for most requests there.
fn xray_daemon() -> &'static str {
    static ADDRESS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ADDRESS.get_or_init(|| {
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("a loopback UDP port");
        let address = socket.local_addr().expect("bound").to_string();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 65_536];
            while socket.recv(&mut buffer).is_ok() {}
        });
        address
    })
}

fn spawn(binary: &Path, subject: &Subject, emulator: &Emulator, dynamodb: &str) -> Child {
    let mut command = Command::new(binary);
    command
        .env_clear()
        .env("AWS_XRAY_DAEMON_ADDRESS", xray_daemon())
        .env("AWS_LAMBDA_RUNTIME_API", emulator.addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", subject.name)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
        .env("AWS_REGION", "us-east-1")
        // Lambda sets both; boto3 (the Python peer) reads only this one.
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", "local")
        .env("TZ", ":UTC")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    if subject.storage {
        command
            .env("TABLE_NAME", "users")
            .env("AWS_ENDPOINT_URL_DYNAMODB", dynamodb);
    }
    command.spawn().expect("the function starts")
}

async fn response(emulator: &Arc<Emulator>) -> emulator::Posted {
    tokio::time::timeout(Duration::from_secs(20), emulator.next_response())
        .await
        .expect("the function answered within 20 s")
}

fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

fn check(name: &str, body: &[u8]) {
    let json: serde_json::Value = serde_json::from_slice(body).expect("a JSON response");
    let status = json["statusCode"].as_i64().unwrap_or(0);
    assert!((200..300).contains(&status), "{name} answered {json}");
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn peak_rss_kb(child: &Child) -> u64 {
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn file_size(path: &Path) -> Option<u64> {
    std::fs::metadata(path).ok().map(|m| m.len())
}

/// The uncompressed size of `bootstrap` inside the zip, from its central directory.
fn zipped_size(zip: &Path) -> Option<u64> {
    let output = Command::new("unzip").arg("-l").arg(zip).output().ok()?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find(|l| l.trim_end().ends_with("bootstrap"))
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
}

fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank]
}

fn report(results: &[Run], cold_runs: usize, warm_runs: usize) -> String {
    let floor = percentile(&results[0].figures.cold_ms, 50.0);
    let mut out = String::new();
    let _ = writeln!(out, "# Benchmarks\n");
    let _ = writeln!(
        out,
        "Written by `make bench` on {} ({} cores): release builds (the deployed profile) for this \
         machine's architecture, run through a Lambda Runtime API emulator on 127.0.0.1, the storage \
         functions against dynalite on 127.0.0.1. Sizes are of the arm64 `provided.al2023` builds \
         (`cargo lambda build --release --arm64`).\n",
        today_utc(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let _ = writeln!(out, "## Cold start ({cold_runs} fresh processes each)\n");
    let _ = writeln!(
        out,
        "| function | cold start median | p90 | × floor | init median | 1st invocation | 2nd invocation |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for Run {
        subject,
        figures: f,
        ..
    } in results
    {
        let median = percentile(&f.cold_ms, 50.0);
        let _ = writeln!(
            out,
            "| {} | {:.2} ms | {:.2} ms | {:.2} | {:.2} ms | {:.2} ms | {:.2} ms |",
            subject.name,
            median,
            percentile(&f.cold_ms, 90.0),
            median / floor,
            percentile(&f.init_ms, 50.0),
            percentile(&f.first_ms, 50.0),
            percentile(&f.second_ms, 50.0),
        );
    }
    let _ = writeln!(
        out,
        "\n## Warm ({} invocations in one process)\n",
        group_thousands(warm_runs)
    );
    let _ = writeln!(
        out,
        "| function | invocations/s | mean round trip | peak RSS after 1,000 | after {} |",
        group_thousands(warm_runs)
    );
    let _ = writeln!(out, "|---|---|---|---|---|");
    for Run {
        subject,
        figures: f,
        ..
    } in results
    {
        let _ = writeln!(
            out,
            "| {} | {:.0} | {:.0} µs | {:.1} MB | {:.1} MB |",
            subject.name,
            f.warm_per_second,
            f.warm_latency_us,
            f.rss_1k_kb as f64 / 1024.0,
            f.rss_10k_kb as f64 / 1024.0
        );
    }
    let _ = writeln!(out, "\n## Size (arm64)\n");
    let _ = writeln!(out, "| function | bootstrap | zip |");
    let _ = writeln!(out, "|---|---|---|");
    for Run {
        subject,
        figures: f,
        ..
    } in results
    {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            subject.name,
            mb(f.bootstrap_bytes),
            mb(f.zip_bytes)
        );
    }
    out
}

/// A size in megabytes, or n/a where the file was not there.
fn mb(bytes: Option<u64>) -> String {
    bytes.map_or("n/a".to_owned(), |b| format!("{:.2} MB", b as f64 / 1e6))
}

fn today_utc() -> String {
    let output = Command::new("date").arg("-u").arg("+%Y-%m-%d").output();
    output
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn group_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
