//! The handlers' own cost, without network: in-memory store, fixed clock,
//! real event shapes.

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::civil::date;
use shared::clock::FixedClock;
use shared::identity::AuthMode;
use shared::store::InMemoryStore;
use shared::testing::{invocation, load_event};

fn handlers(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let clock = FixedClock::at_noon_utc(date(2026, 11, 23));
    let store = InMemoryStore::default();
    let put = load_event("put-hello");
    let get_user = load_event("get-user");
    let get_hello = load_event("get-hello");
    let time = load_event("get-time");
    let server_time = server_time::ServerTime {
        clock,
        zone: jiff::tz::TimeZone::UTC,
    };
    runtime.block_on(put_birthday::handler(
        &store,
        &clock,
        AuthMode::Open,
        invocation(put.clone()),
    ));

    c.bench_function("put_birthday handler", |b| {
        b.to_async(&runtime)
            .iter(|| put_birthday::handler(&store, &clock, AuthMode::Open, invocation(put.clone())))
    });
    c.bench_function("get_user_by_id handler, GET /users", |b| {
        b.to_async(&runtime).iter(|| {
            get_user_by_id::handler(&store, &clock, AuthMode::Open, invocation(get_user.clone()))
        })
    });
    c.bench_function("get_user_by_id handler, GET /hello", |b| {
        b.to_async(&runtime).iter(|| {
            get_user_by_id::handler(
                &store,
                &clock,
                AuthMode::Open,
                invocation(get_hello.clone()),
            )
        })
    });
    c.bench_function("server_time handler", |b| {
        b.to_async(&runtime)
            .iter(|| server_time::handler(&server_time, invocation(time.clone())))
    });

    // X-Ray (shared::xray): what an unsampled invocation pays (its header
    // read), and what a sampled one adds (its subsegment built and sent).
    let daemon = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let tracer = shared::xray::Tracer::to(&daemon.local_addr().unwrap().to_string()).unwrap();
    std::thread::spawn(move || {
        let mut buffer = [0u8; 65_536];
        while daemon.recv(&mut buffer).is_ok() {}
    });
    let header = |sampled| {
        format!(
            "Root=1-6b0f0000-000000000000000000000001;Parent=00000000000000a1;Sampled={sampled}"
        )
    };
    let (unsampled, sampled) = (header(0), header(1));
    c.bench_function("xray: an unsampled invocation (header read)", |b| {
        b.iter(|| tracer.begin(Some(&unsampled)).is_none())
    });
    c.bench_function(
        "xray: a sampled invocation (subsegment built and sent)",
        |b| {
            b.to_async(&runtime).iter(|| {
                tracer.begin(Some(&sampled)).unwrap().run(
                    "GET /time",
                    "server_time",
                    |s: &i64| *s,
                    async { 200 },
                )
            })
        },
    );
}

criterion_group!(benches, handlers);
criterion_main!(benches);
