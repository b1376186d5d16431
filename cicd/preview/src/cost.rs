//! `make cost`: the estimated monthly cost of the API, per route and for a
//! mix of routes, at 1, 10 and 100 million requests a month, from the
//! prices and assumptions of `cicd/cost.json`, each function's configured
//! memory, and the durations `make bench` measured (BENCHMARKS.md).
//!
//! Lambda bills each invocation's duration rounded up to the millisecond
//! at the function's memory (arm64 price per GB-second), and for a custom
//! runtime such as these the init phase of a cold start too; so a warm
//! request is billed its measured round trip, a cold one its init plus its
//! first invocation, in the proportion `cold_share`. API Gateway (HTTP
//! API), DynamoDB on-demand, CloudWatch Logs (the function's lines and the
//! API's access line) and CloudFront are billed per request, unit or byte;
//! X-Ray per trace recorded, which with Active tracing's default sampling
//! (the first request each second, then 5%) grows slower than the requests.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Prices {
    pub as_of: String,
    pub region: String,
    pub lambda_arm64_per_gb_second: f64,
    pub lambda_per_million_requests: f64,
    pub http_api_per_million_requests: f64,
    pub dynamodb_per_million_read_units: f64,
    pub dynamodb_per_million_write_units: f64,
    pub logs_ingestion_per_gb: f64,
    pub cloudfront_per_million_https_requests: f64,
    pub cloudfront_per_gb_out: f64,
    pub xray_per_million_traces: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Assumptions {
    /// The share of requests that start a new execution environment.
    pub cold_share: f64,
    /// What one request writes to CloudWatch Logs: the function's request
    /// line and Lambda's platform records.
    pub log_bytes_per_request: f64,
    /// The API's access log line (the format in stacks/api.yaml, filled in).
    pub access_log_bytes_per_request: f64,
    /// An answer's size, for CloudFront's data transfer.
    pub response_bytes: f64,
    /// The share of requests that come through CloudFront (the page's).
    pub cloudfront_share: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Route {
    pub route: String,
    pub function: String,
    /// The route's share of the mix (the shares add up to 1).
    pub share: f64,
    /// DynamoDB read and write request units per request.
    pub read_units: f64,
    pub write_units: f64,
}

/// A route priced again as another implementation of it runs (a peer
/// `make bench` measures beside the functions), against the function that
/// serves it here.
#[derive(Debug, Clone, Deserialize)]
pub struct Comparison {
    pub route: String,
    /// How the peer is built, for the table.
    pub label: String,
    /// The peer's name in BENCHMARKS.md.
    pub function: String,
    /// The function here that serves the route.
    pub against: String,
    /// Both at this memory, so the durations alone differ.
    pub memory_mb: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Model {
    pub prices: Prices,
    pub assumptions: Assumptions,
    pub routes: Vec<Route>,
    #[serde(default)]
    pub comparisons: Vec<Comparison>,
}

/// What `make bench` measured of one function, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Durations {
    pub warm_ms: f64,
    pub init_ms: f64,
    pub first_invocation_ms: f64,
}

/// One request's cost, by service, in dollars.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cost {
    pub lambda: f64,
    pub api_gateway: f64,
    pub dynamodb: f64,
    pub logs: f64,
    pub cloudfront: f64,
}

impl Cost {
    /// Without X-Ray, which is priced per month ([`xray_per_month`]).
    pub fn total(&self) -> f64 {
        self.lambda + self.api_gateway + self.dynamodb + self.logs + self.cloudfront
    }

    fn scaled(self, by: f64) -> Cost {
        Cost {
            lambda: self.lambda * by,
            api_gateway: self.api_gateway * by,
            dynamodb: self.dynamodb * by,
            logs: self.logs * by,
            cloudfront: self.cloudfront * by,
        }
    }

    fn plus(self, other: Cost) -> Cost {
        Cost {
            lambda: self.lambda + other.lambda,
            api_gateway: self.api_gateway + other.api_gateway,
            dynamodb: self.dynamodb + other.dynamodb,
            logs: self.logs + other.logs,
            cloudfront: self.cloudfront + other.cloudfront,
        }
    }
}

const MILLION: f64 = 1e6;
const GB: f64 = 1e9;

/// Billed milliseconds: rounded up, at least one.
fn billed(ms: f64) -> f64 {
    ms.ceil().max(1.0)
}

/// The milliseconds billed for one request on average, warm and cold in
/// the assumed proportion.
fn billed_ms(a: &Assumptions, durations: Durations) -> f64 {
    (1.0 - a.cold_share) * billed(durations.warm_ms)
        + a.cold_share * billed(durations.init_ms + durations.first_invocation_ms)
}

/// Lambda's compute charge for one request (GB-seconds only).
fn compute(p: &Prices, a: &Assumptions, memory_mb: f64, durations: Durations) -> f64 {
    billed_ms(a, durations) / 1000.0 * memory_mb / 1024.0 * p.lambda_arm64_per_gb_second
}

/// The cost of one request of `route`, its function configured with
/// `memory_mb` and measured as `durations`.
pub fn per_request(model: &Model, route: &Route, memory_mb: f64, durations: Durations) -> Cost {
    let (p, a) = (&model.prices, &model.assumptions);
    Cost {
        lambda: compute(p, a, memory_mb, durations) + p.lambda_per_million_requests / MILLION,
        api_gateway: p.http_api_per_million_requests / MILLION,
        dynamodb: (route.read_units * p.dynamodb_per_million_read_units
            + route.write_units * p.dynamodb_per_million_write_units)
            / MILLION,
        logs: (a.log_bytes_per_request + a.access_log_bytes_per_request) / GB
            * p.logs_ingestion_per_gb,
        cloudfront: a.cloudfront_share
            * (p.cloudfront_per_million_https_requests / MILLION
                + a.response_bytes / GB * p.cloudfront_per_gb_out),
    }
}

/// Why a table cannot be made.
#[derive(Debug, PartialEq)]
pub enum CostError {
    NoMemory(String),
    NotMeasured(String),
    SharesDoNotAddUp(f64),
}

impl std::fmt::Display for CostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CostError::NoMemory(function) => write!(
                f,
                "{function} has no configured memory (stacks/functions.yaml MemorySize or the Globals')"
            ),
            CostError::NotMeasured(function) => write!(
                f,
                "BENCHMARKS.md has no measurement of {function}: run make bench"
            ),
            CostError::SharesDoNotAddUp(sum) => {
                write!(
                    f,
                    "the routes' shares in cicd/cost.json add up to {sum}, not 1"
                )
            }
        }
    }
}

pub const VOLUMES: [f64; 3] = [1e6, 10e6, 100e6];

/// X-Ray's default sampling: the first request each second (a 30-day
/// month's worth of seconds), then 5% of the rest.
const RESERVOIR_PER_MONTH: f64 = 30.0 * 24.0 * 3600.0;
const SAMPLED_BEYOND: f64 = 0.05;

/// What a month of `requests`, spread evenly, costs in X-Ray traces.
pub fn xray_per_month(prices: &Prices, requests: f64) -> f64 {
    let traces = requests.min(RESERVOIR_PER_MONTH)
        + SAMPLED_BEYOND * (requests - RESERVOIR_PER_MONTH).max(0.0);
    traces / MILLION * prices.xray_per_million_traces
}

/// Per route (each as if it were all the traffic) and for the mix: the
/// cost of one request.
pub fn estimate(
    model: &Model,
    memory_mb: &BTreeMap<String, f64>,
    measured: &BTreeMap<String, Durations>,
) -> Result<(Vec<(String, Cost)>, Cost), CostError> {
    let sum: f64 = model.routes.iter().map(|r| r.share).sum();
    if (sum - 1.0).abs() > 1e-6 {
        return Err(CostError::SharesDoNotAddUp(sum));
    }
    let mut routes = Vec::new();
    let mut mix = Cost::default();
    for route in &model.routes {
        let memory = *memory_mb
            .get(&route.function)
            .ok_or_else(|| CostError::NoMemory(route.function.clone()))?;
        let durations = *measured
            .get(&route.function)
            .ok_or_else(|| CostError::NotMeasured(route.function.clone()))?;
        let cost = per_request(model, route, memory, durations);
        mix = mix.plus(cost.scaled(route.share));
        routes.push((route.route.clone(), cost));
    }
    Ok((routes, mix))
}

fn dollars(amount: f64) -> String {
    if amount >= 100.0 {
        format!("${amount:.0}")
    } else {
        format!("${amount:.2}")
    }
}

/// The Markdown tables `make cost` prints and BENCHMARKS.md holds.
pub fn table(model: &Model, routes: &[(String, Cost)], mix: Cost) -> String {
    let mut out =
        String::from("| route | 1 M requests/month | 10 M | 100 M |\n|---|---|---|---|\n");
    let xray = |v: f64| xray_per_month(&model.prices, v);
    let row = |name: &str, per_month: &dyn Fn(f64) -> f64| {
        let cells: Vec<String> = VOLUMES.iter().map(|&v| dollars(per_month(v))).collect();
        format!("| {name} | {} |\n", cells.join(" | "))
    };
    for (route, cost) in routes {
        out.push_str(&row(&format!("`{route}`"), &|v| cost.total() * v + xray(v)));
    }
    let shares: Vec<String> = model
        .routes
        .iter()
        .map(|r| format!("{:.0}% {}", r.share * 100.0, r.route))
        .collect();
    out.push_str(&row("**the mix**", &|v| mix.total() * v + xray(v)));
    out.push_str(&format!(
        "\nThe mix: {}.\n\n| the mix, by service | 1 M | 10 M | 100 M |\n|---|---|---|---|\n",
        shares.join(", ")
    ));
    for (service, per_request) in [
        ("Lambda (arm64, requests and GB-seconds)", mix.lambda),
        ("API Gateway (HTTP API)", mix.api_gateway),
        ("DynamoDB (on-demand)", mix.dynamodb),
        (
            "CloudWatch Logs (ingestion: function and access lines)",
            mix.logs,
        ),
        ("CloudFront (requests and transfer)", mix.cloudfront),
    ] {
        out.push_str(&row(service, &|v| per_request * v));
    }
    out.push_str(&row("X-Ray (1 a second, then 5%, traced)", &xray));
    out.push_str(&format!(
        "\nPrices of {} as of {} (cicd/cost.json), no free tier.\n",
        model.prices.region, model.prices.as_of
    ));
    out
}

/// Each comparison as a Markdown table: billed milliseconds, Lambda's
/// compute and whole charge at a million requests, every service at a
/// hundred million, for the function here and the peer, and their ratio.
/// A comparison whose peer or function was not measured says so.
pub fn comparisons(model: &Model, measured: &BTreeMap<String, Durations>) -> String {
    let (p, a) = (&model.prices, &model.assumptions);
    let mut out = String::new();
    for c in &model.comparisons {
        let (Some(&ours), Some(&theirs)) = (measured.get(&c.against), measured.get(&c.function))
        else {
            out.push_str(&format!(
                "\n`{}` {}: not measured in BENCHMARKS.md (make bench measures both).\n",
                c.route, c.label
            ));
            continue;
        };
        let Some(route) = model.routes.iter().find(|r| r.route == c.route) else {
            continue;
        };
        let figures = |durations: Durations| {
            let compute = compute(p, a, c.memory_mb, durations);
            let whole = per_request(model, route, c.memory_mb, durations);
            let at_100m = whole.total() * 100e6 + xray_per_month(p, 100e6);
            (
                format!(
                    "{:.0} and {:.0}",
                    billed(durations.warm_ms),
                    billed(durations.init_ms + durations.first_invocation_ms)
                ),
                compute * MILLION,
                whole.lambda * MILLION,
                at_100m,
            )
        };
        let (ours_ms, ours_compute, ours_lambda, ours_all) = figures(ours);
        let (their_ms, their_compute, their_lambda, their_all) = figures(theirs);
        out.push_str(&format!(
            "\n`{route}`, here and {label}, both at {memory:.0} MB:\n\n\
             | | billed ms, warm and cold | Lambda compute, 1 M | Lambda with its request charge, 1 M | every service, 100 M |\n\
             |---|---|---|---|---|\n\
             | {against} (Rust) | {ours_ms} | ${ours_compute:.4} | ${ours_lambda:.4} | {ours_all} |\n\
             | {function} | {their_ms} | ${their_compute:.4} | ${their_lambda:.4} | {their_all} |\n\
             | ratio | | {r1:.2}× | {r2:.2}× | {r3:.2}× |\n",
            route = c.route,
            label = c.label,
            memory = c.memory_mb,
            against = c.against,
            function = c.function,
            ours_all = dollars(ours_all),
            their_all = dollars(their_all),
            r1 = their_compute / ours_compute,
            r2 = their_lambda / ours_lambda,
            r3 = their_all / ours_all,
        ));
    }
    out
}

/// The durations of each function from BENCHMARKS.md: the warm table's mean
/// round trip, the cold table's init median and first invocation.
pub fn durations_from_benchmarks(text: &str) -> BTreeMap<String, Durations> {
    let cold = table_rows(text, "## Cold start");
    let warm = table_rows(text, "## Warm");
    let mut found = BTreeMap::new();
    for (function, row) in &warm {
        let (Some(cold_row), Some(round_trip)) = (cold.get(function), row.get("mean round trip"))
        else {
            continue;
        };
        let (Some(init), Some(first)) =
            (cold_row.get("init median"), cold_row.get("1st invocation"))
        else {
            continue;
        };
        if let (Some(warm_ms), Some(init_ms), Some(first_invocation_ms)) = (
            milliseconds(round_trip),
            milliseconds(init),
            milliseconds(first),
        ) {
            found.insert(
                function.clone(),
                Durations {
                    warm_ms,
                    init_ms,
                    first_invocation_ms,
                },
            );
        }
    }
    found
}

/// The rows of the first table under `heading`, by their first cell, each
/// a map from column header to cell.
fn table_rows(text: &str, heading: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let cells = |line: &str| -> Vec<String> {
        line.trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_owned())
            .collect()
    };
    let mut lines = text
        .lines()
        .skip_while(|l| !l.starts_with(heading))
        .skip(1)
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'));
    let Some(header) = lines.next().map(cells) else {
        return BTreeMap::new();
    };
    lines
        .skip(1)
        .map(cells)
        .filter_map(|row| {
            let name = row.first()?.clone();
            Some((name, header.iter().cloned().zip(row).collect()))
        })
        .collect()
}

/// "1571 µs" or "7.11 ms" in milliseconds.
fn milliseconds(cell: &str) -> Option<f64> {
    let (number, unit) = cell.split_once(' ')?;
    let value: f64 = number.parse().ok()?;
    match unit {
        "ms" => Some(value),
        "µs" => Some(value / 1000.0),
        "s" => Some(value * 1000.0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        serde_json::from_str(
            r#"{
              "prices": {"as_of": "2026-12-01", "region": "us-east-1",
                "lambda_arm64_per_gb_second": 0.0000133334, "lambda_per_million_requests": 0.20,
                "http_api_per_million_requests": 1.00,
                "dynamodb_per_million_read_units": 0.125, "dynamodb_per_million_write_units": 0.625,
                "logs_ingestion_per_gb": 0.50,
                "cloudfront_per_million_https_requests": 1.00, "cloudfront_per_gb_out": 0.085,
                "xray_per_million_traces": 5.00},
              "assumptions": {"cold_share": 0.01, "log_bytes_per_request": 1000,
                "access_log_bytes_per_request": 250,
                "response_bytes": 400, "cloudfront_share": 0.5},
              "routes": [
                {"route": "PUT /hello/{username}", "function": "put_birthday", "share": 0.5, "read_units": 0, "write_units": 1},
                {"route": "GET /time", "function": "server_time", "share": 0.5, "read_units": 0, "write_units": 0}
              ]}"#,
        )
        .unwrap()
    }

    const BENCHMARKS: &str = "# Benchmarks\n\n## Cold start (40 fresh processes each)\n\n\
        | function | cold start median | p90 | × floor | init median | 1st invocation | 2nd invocation |\n\
        |---|---|---|---|---|---|---|\n\
        | server_time | 3.25 ms | 3.95 ms | 1.17 | 2.86 ms | 0.40 ms | 0.10 ms |\n\
        | put_birthday | 7.11 ms | 10.94 ms | 2.56 | 5.16 ms | 1.83 ms | 1.77 ms |\n\
        | python_boto3 | 330.00 ms | 360.00 ms | 100.00 | 300.00 ms | 20.00 ms | 3.00 ms |\n\n\
        ## Warm (10,000 invocations in one process)\n\n\
        | function | invocations/s | mean round trip | peak RSS after 1,000 | after 10,000 |\n\
        |---|---|---|---|---|\n\
        | server_time | 1550 | 645 µs | 5.1 MB | 5.1 MB |\n\
        | put_birthday | 636 | 1571 µs | 6.4 MB | 6.4 MB |\n\
        | python_boto3 | 310 | 3200 µs | 80.0 MB | 80.0 MB |\n";

    #[test]
    fn durations_are_read_from_the_tables_make_bench_writes() {
        let found = durations_from_benchmarks(BENCHMARKS);
        assert_eq!(
            found["put_birthday"],
            Durations {
                warm_ms: 1.571,
                init_ms: 5.16,
                first_invocation_ms: 1.83
            }
        );
        assert_eq!(found["server_time"].warm_ms, 0.645);
        assert!(durations_from_benchmarks("# nothing measured").is_empty());
    }

    /// By hand, for a million PUT /hello requests at 256 MB: warm billed
    /// 2 ms (1.571 rounded up), cold 7 ms (5.16 + 1.83 = 6.99, rounded up);
    /// 0.99 × 2 + 0.01 × 7 = 2.05 ms; 2.05 / 1000 × 0.25 GB = 0.0005125
    /// GB-s × $0.0000133334 = $6.833e-9, plus $0.20 / 1e6 a request:
    /// $0.2068 a million. API $1.00, DynamoDB 1 WRU $0.625, logs 1,250 B
    /// at $0.50/GB $0.625, CloudFront half of ($1.00 + 400 B × $0.085/GB)
    /// = $0.517. Total $2.9738 a million. X-Ray: a million requests a
    /// month are all traced (fewer than one a second): $5.00; ten million,
    /// 2,592,000 + 5% of 7,408,000 = 2,962,400 traces, $14.81; a hundred
    /// million, 2,592,000 + 5% of 97,408,000 = 7,462,400, $37.31.
    #[test]
    fn a_hand_computed_case() {
        let model = model();
        let memory = BTreeMap::from([
            ("put_birthday".to_owned(), 256.0),
            ("server_time".to_owned(), 128.0),
        ]);
        let measured = durations_from_benchmarks(BENCHMARKS);
        let (routes, mix) = estimate(&model, &memory, &measured).unwrap();
        let put = routes[0].1.scaled(1e6);
        assert!((put.lambda - 0.206_833).abs() < 1e-5, "{put:?}");
        assert!((put.api_gateway - 1.0).abs() < 1e-9);
        assert!((put.dynamodb - 0.625).abs() < 1e-9);
        assert!((put.logs - 0.625).abs() < 1e-9);
        assert!((put.cloudfront - 0.517).abs() < 1e-9);
        assert!((put.total() - 2.973_833).abs() < 1e-5);
        assert!((xray_per_month(&model.prices, 1e6) - 5.0).abs() < 1e-9);
        assert!((xray_per_month(&model.prices, 10e6) - 14.812).abs() < 1e-9);
        assert!((xray_per_month(&model.prices, 100e6) - 37.312).abs() < 1e-9);
        // GET /time at 128 MB: warm 1 ms, cold 4 ms (3.26): 1.03 ms;
        // 1.03e-3 × 0.125 × 0.0000133334 = 1.717e-9; + 2e-7: $0.2017 a million.
        let time = routes[1].1.scaled(1e6);
        assert!((time.lambda - 0.201_717).abs() < 1e-5, "{time:?}");
        assert!((mix.total() - (put.total() + time.total()) / 2.0 / 1e6).abs() < 1e-12);
        let text = table(&model, &routes, mix);
        // 2.97 + 5.00; 29.74 + 14.81; 297.38 + 37.31.
        assert!(
            text.contains("| `PUT /hello/{username}` | $7.97 | $44.55 | $335 |"),
            "{text}"
        );
        assert!(
            text.contains("| X-Ray (1 a second, then 5%, traced) | $5.00 | $14.81 | $37.31 |"),
            "{text}"
        );
        assert!(text.contains("as of 2026-12-01"));
    }

    /// The peer: warm 3.2 ms billed 4, cold 320 ms; 0.99 × 4 + 0.01 × 320
    /// = 7.16 ms at 0.25 GB = 0.00179 GB-s, $2.3867e-8 a request: $0.0239 a
    /// million, against put_birthday's 2.05 ms, $0.0068 (3.49×); with the
    /// $0.20 request charge $0.2239 against $0.2068 (1.08×).
    #[test]
    fn a_peer_is_priced_beside_the_function_that_serves_the_route() {
        let mut model = model();
        model.comparisons = vec![Comparison {
            route: "PUT /hello/{username}".to_owned(),
            label: "as a Python function".to_owned(),
            function: "python_boto3".to_owned(),
            against: "put_birthday".to_owned(),
            memory_mb: 256.0,
        }];
        let text = comparisons(&model, &durations_from_benchmarks(BENCHMARKS));
        assert!(
            text.contains("| put_birthday (Rust) | 2 and 7 | $0.0068 | $0.2068 |"),
            "{text}"
        );
        assert!(
            text.contains("| python_boto3 | 4 and 320 | $0.0239 | $0.2239 |"),
            "{text}"
        );
        assert!(text.contains("| ratio | | 3.49× | 1.08× |"), "{text}");
        model.comparisons[0].function = "nobody".to_owned();
        assert!(
            comparisons(&model, &durations_from_benchmarks(BENCHMARKS)).contains("not measured")
        );
    }

    #[test]
    fn what_is_missing_is_named() {
        let model = model();
        let measured = durations_from_benchmarks(BENCHMARKS);
        let err = estimate(&model, &BTreeMap::new(), &measured).unwrap_err();
        assert_eq!(err, CostError::NoMemory("put_birthday".to_owned()));
        let memory = BTreeMap::from([
            ("put_birthday".to_owned(), 256.0),
            ("server_time".to_owned(), 128.0),
        ]);
        let err = estimate(&model, &memory, &BTreeMap::new()).unwrap_err();
        assert!(err.to_string().contains("run make bench"));
        let mut lopsided = model.clone();
        lopsided.routes[0].share = 0.9;
        assert!(matches!(
            estimate(&lopsided, &memory, &measured),
            Err(CostError::SharesDoNotAddUp(_))
        ));
    }
}
