//! A bounded load test of a running API on loopback: concurrent PUTs of
//! distinct and of shared usernames, then GETs of every one, checking that
//! no write acknowledged with 204 was lost. It stops by itself after a fixed
//! number of requests or a deadline, whichever comes first. Every request
//! carries an admin's access token of the local API's user pool (who may
//! write every user's record), or none when the local API runs in open mode.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use smoke::http::send_as;

#[derive(Debug, Clone)]
pub struct LoadConfig {
    pub base_url: String,
    pub workers: usize,
    /// Users each worker writes alone.
    pub distinct_per_worker: usize,
    /// Users every worker writes (contended).
    pub shared: usize,
    /// Writes of each user by each worker that writes it.
    pub writes_per_user: usize,
    pub deadline: Duration,
}

#[derive(Debug, Default)]
pub struct LoadReport {
    pub requests: usize,
    pub by_status: BTreeMap<u16, usize>,
    pub transport_errors: usize,
    pub elapsed: Duration,
    latencies_us: Vec<u64>,
    /// Users whose stored date is not what was acknowledged.
    pub lost_writes: Vec<String>,
    pub stopped_by_deadline: bool,
}

impl LoadReport {
    pub fn server_errors(&self) -> usize {
        self.by_status.range(500..).map(|(_, n)| n).sum()
    }

    pub fn percentile_ms(&self, p: f64) -> f64 {
        let mut sorted = self.latencies_us.clone();
        sorted.sort_unstable();
        if sorted.is_empty() {
            return 0.0;
        }
        let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
        sorted[rank] as f64 / 1000.0
    }

    pub fn summary(&self) -> String {
        format!(
            "{} requests in {:.1} s ({:.0}/s); statuses {:?}; transport errors {}; latency p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms; lost writes {}{}",
            self.requests,
            self.elapsed.as_secs_f64(),
            self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9),
            self.by_status,
            self.transport_errors,
            self.percentile_ms(50.0),
            self.percentile_ms(90.0),
            self.percentile_ms(99.0),
            self.percentile_ms(100.0),
            self.lost_writes.len(),
            if self.stopped_by_deadline {
                " (stopped at the deadline)"
            } else {
                ""
            },
        )
    }
}

/// Runs the load against `config.base_url`, which must be on loopback.
pub fn run(config: &LoadConfig) -> LoadReport {
    assert!(
        config.base_url.starts_with("http://127.0.0.1:")
            || config.base_url.starts_with("http://localhost:"),
        "load tests target 127.0.0.1 only, not {}",
        config.base_url
    );
    let token = crate::identity::admin_token_unless_open().unwrap_or_else(|e| panic!("{e}"));
    let token = token.as_deref();
    let run_id = crate::http::unique_username("");
    let distinct = |w: usize, i: usize| format!("Load{run_id}{}{}", letters(w), letters(i));
    let shared = |i: usize| format!("Shared{run_id}{}", letters(i));
    let report = Mutex::new(LoadReport::default());
    // Per user: the dates acknowledged (204), in the order each worker sent them.
    let acknowledged: Mutex<BTreeMap<String, Vec<(usize, String)>>> = Mutex::default();
    let started = Instant::now();
    let deadline = started + config.deadline;

    let record = |status: Option<u16>, took: Duration| {
        let mut r = report.lock().unwrap();
        r.requests += 1;
        r.latencies_us.push(took.as_micros() as u64);
        match status {
            Some(s) => *r.by_status.entry(s).or_default() += 1,
            None => r.transport_errors += 1,
        }
    };

    std::thread::scope(|scope| {
        for w in 0..config.workers {
            let (record, acknowledged, report) = (&record, &acknowledged, &report);
            scope.spawn(move || {
                let mut users: Vec<String> = (0..config.distinct_per_worker)
                    .map(|i| distinct(w, i))
                    .collect();
                users.extend((0..config.shared).map(shared));
                for round in 0..config.writes_per_user {
                    for user in &users {
                        if Instant::now() >= deadline {
                            report.lock().unwrap().stopped_by_deadline = true;
                            return;
                        }
                        let date = format!(
                            "19{:02}-{:02}-{:02}",
                            50 + (w + round) % 50,
                            1 + round % 12,
                            1 + w % 28
                        );
                        let body = format!(r#"{{"dateOfBirth":"{date}"}}"#);
                        let t = Instant::now();
                        let reply = send_as(
                            &config.base_url,
                            "PUT",
                            &format!("/hello/{user}"),
                            Some(&body),
                            token,
                        );
                        record(reply.as_ref().ok().map(|r| r.status), t.elapsed());
                        if reply.is_ok_and(|r| r.status == 204) {
                            acknowledged
                                .lock()
                                .unwrap()
                                .entry(user.clone())
                                .or_default()
                                .push((w, date));
                        }
                    }
                }
            });
        }
    });

    // Read every user back. A user written by one worker must hold that
    // worker's last acknowledged date; a shared one, some worker's last.
    let acknowledged = acknowledged.into_inner().unwrap();
    let users: Vec<&String> = acknowledged.keys().collect();
    let lost = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for chunk in users.chunks(users.len().div_ceil(config.workers.max(1)).max(1)) {
            let (record, lost, acknowledged) = (&record, &lost, &acknowledged);
            scope.spawn(move || {
                for user in chunk {
                    let t = Instant::now();
                    let reply = send_as(
                        &config.base_url,
                        "GET",
                        &format!("/users/{user}"),
                        None,
                        token,
                    );
                    record(reply.as_ref().ok().map(|r| r.status), t.elapsed());
                    let stored = reply
                        .ok()
                        .and_then(|r| r.try_json().ok())
                        .and_then(|j| j["dateOfBirth"].as_str().map(str::to_owned));
                    let mut last_per_worker: BTreeMap<usize, &String> = BTreeMap::new();
                    for (w, date) in &acknowledged[*user] {
                        last_per_worker.insert(*w, date);
                    }
                    let allowed: BTreeSet<&String> = last_per_worker.into_values().collect();
                    if !stored.as_ref().is_some_and(|s| allowed.contains(s)) {
                        lost.lock().unwrap().push(format!(
                            "{user}: stored {stored:?}, acknowledged {allowed:?}"
                        ));
                    }
                }
            });
        }
    });

    let mut report = report.into_inner().unwrap();
    report.lost_writes = lost.into_inner().unwrap();
    report.elapsed = started.elapsed();
    report
}

fn letters(mut n: usize) -> String {
    let mut s = String::new();
    loop {
        s.push(char::from(b'a' + (n % 26) as u8));
        n /= 26;
        if n == 0 {
            return s;
        }
    }
}
