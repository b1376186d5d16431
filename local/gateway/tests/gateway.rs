//! The gateway over real HTTP on 127.0.0.1, in front of a stand-in for the
//! Lambda Invoke API whose functions misbehave on purpose (errors, slowness,
//! odd answers), so that each of API Gateway's own answers can be seen. The
//! real functions behind the gateway are tested in `tests/tests/api.rs`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{HeaderMap, Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use local_gateway::authorizer::JwtAuthorizer;
use local_gateway::invoke::Invoker;
use local_gateway::spec::{ApiSpec, Cors, RouteSpec};
use local_gateway::{Auth, Gateway};
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// The stand-in Invoke API: each function name is one behaviour. It also
/// plays the token issuer's JWKS endpoint (`/pool/.well-known/jwks.json`).
async fn function(request: Request<Incoming>) -> Response<Full<Bytes>> {
    if request.uri().path() == "/pool/.well-known/jwks.json" {
        return Response::new(Full::new(Bytes::from(keys::jwks().to_string())));
    }
    let name = request
        .uri()
        .path()
        .split('/')
        .nth(3)
        .unwrap_or("")
        .to_owned();
    let event = request.into_body().collect().await.unwrap().to_bytes();
    let answer = |status: u16, body: Value| {
        Response::builder()
            .status(status)
            .body(Full::new(Bytes::from(body.to_string())))
            .unwrap()
    };
    match name.as_str() {
        // Sends the event back as the body, with a cookie and a CORS header
        // of its own (which API Gateway must replace).
        "echo" => answer(
            200,
            json!({
                "statusCode": 201,
                "headers": {"content-type": "application/json", "access-control-allow-origin": "https://mine.example"},
                "multiValueHeaders": {},
                "cookies": ["session=abc; HttpOnly", "theme=dark"],
                "body": String::from_utf8_lossy(&event),
                "isBase64Encoded": false,
            }),
        ),
        "plain_json" => answer(200, json!({"hello": "world"})),
        "binary" => answer(
            200,
            json!({"statusCode": 200, "headers": {"content-type": "image/png"}, "body": "AAECAw==", "isBase64Encoded": true}),
        ),
        // `cargo lambda watch` reports a function error as HTTP 500 ...
        "fails" => answer(500, json!({"errorType": "Panic", "errorMessage": "boom"})),
        // ... Lambda as 200 with X-Amz-Function-Error.
        "flagged" => {
            let mut r = answer(
                200,
                json!({"errorType": "Unhandled", "errorMessage": "boom"}),
            );
            r.headers_mut()
                .insert("x-amz-function-error", "Unhandled".parse().unwrap());
            r
        }
        "garbage" => answer(200, json!({"statusCode": "two hundred"})),
        "slow" => {
            tokio::time::sleep(Duration::from_secs(10)).await;
            answer(200, json!({"statusCode": 200}))
        }
        other => answer(404, json!({"title": format!("Missing function {other}")})),
    }
}

async fn spawn_functions() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            tokio::spawn(http1::Builder::new().serve_connection(
                TokioIo::new(stream),
                service_fn(|r| async { Ok::<_, std::convert::Infallible>(function(r).await) }),
            ));
        }
    });
    addr
}

fn route(method: &str, path: &str, function: &str) -> RouteSpec {
    RouteSpec {
        method: method.into(),
        path: path.into(),
        function: function.into(),
        integration_timeout: Duration::from_secs(5),
        function_timeout: Duration::from_secs(4),
        required_scopes: None,
    }
}

fn spec() -> ApiSpec {
    let short = Duration::from_millis(300);
    ApiSpec {
        routes: vec![
            route("PUT", "/echo/{name}", "echo"),
            route("GET", "/echo/{name}", "echo"),
            route("GET", "/plain", "plain_json"),
            route("GET", "/binary", "binary"),
            route("GET", "/fails", "fails"),
            route("GET", "/flagged", "flagged"),
            route("GET", "/garbage", "garbage"),
            RouteSpec {
                function_timeout: short,
                ..route("GET", "/slow-function", "slow")
            },
            RouteSpec {
                integration_timeout: short,
                ..route("GET", "/slow-integration", "slow")
            },
            route("GET", "/missing", "nobody_home"),
        ],
        cors: Some(Cors {
            allow_origins: vec!["*".into()],
            allow_methods: vec!["GET".into(), "PUT".into()],
            allow_headers: vec!["content-type".into(), "authorization".into()],
            max_age: Some(600),
            ..Cors::default()
        }),
        response_headers: vec![("x-frame-options".into(), "DENY".into())],
    }
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(&self.body)))
    }
}

struct Harness {
    base: String,
    client: Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
}

impl Harness {
    async fn start(spec: ApiSpec, functions: &str) -> Self {
        Self::start_with(spec, functions, Auth::Open).await
    }

    async fn start_with(spec: ApiSpec, functions: &str, auth: Auth) -> Self {
        let gateway = Arc::new(Gateway::new(&spec, Invoker::new(functions), auth).unwrap());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(gateway.serve(listener));
        Harness {
            base,
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    async fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(Full::new(Bytes::copy_from_slice(body)))
            .unwrap();
        let response = self.client.request(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            body,
        }
    }
}

async fn harness() -> Harness {
    let functions = spawn_functions().await;
    Harness::start(spec(), &format!("http://{functions}")).await
}

/// The event the `echo` function received.
async fn event_for(
    h: &Harness,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Value {
    let reply = h.send(method, path, headers, body).await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    reply.json()
}

fn fixture(name: &str) -> Value {
    // aws_lambda_events ships API Gateway's own examples; find its sources.
    let metadata = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let metadata: Value = serde_json::from_slice(&metadata.stdout).unwrap();
    let manifest = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "aws_lambda_events")
        .and_then(|p| p["manifest_path"].as_str())
        .expect("aws_lambda_events in the dependency graph");
    let path = std::path::Path::new(manifest)
        .with_file_name("src/fixtures")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Every key of `expected` is in `actual`, recursively, with a value of the same JSON type.
fn assert_same_shape(expected: &Value, actual: &Value, at: &str) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, value) in e {
                let here = format!("{at}.{key}");
                let other = a
                    .get(key)
                    .unwrap_or_else(|| panic!("{here} is missing from {actual}"));
                assert_same_shape(value, other, &here);
            }
        }
        (e, a) => assert_eq!(
            std::mem::discriminant(e),
            std::mem::discriminant(a),
            "{at}: {e} vs {a}"
        ),
    }
}

#[tokio::test]
async fn events_have_api_gateway_shape() {
    let h = harness().await;
    let event = event_for(
        &h,
        "GET",
        "/echo/Zo%C3%AB%2Fx?b=2&a=1&a=x%20y",
        &[
            ("cookie", "a=1; b=2"),
            ("x-repeat", "one"),
            ("x-repeat", "two"),
            ("User-Agent", "tests/1"),
            ("accept", "*/*"),
        ],
        b"",
    )
    .await;

    let mut expected = fixture("example-apigw-v2-request-no-authorizer.json");
    // mutual TLS only
    expected["requestContext"]
        .as_object_mut()
        .unwrap()
        .remove("authentication");
    // what curl sent with the example; this request has no body
    expected["headers"]
        .as_object_mut()
        .unwrap()
        .remove("content-length");
    assert_same_shape(&expected, &event, "event");
    let _: aws_lambda_events::apigw::ApiGatewayV2httpRequest =
        serde_json::from_value(event.clone()).expect("the functions can read it");

    assert_eq!(event["version"], "2.0");
    assert_eq!(event["routeKey"], "GET /echo/{name}");
    assert_eq!(event["requestContext"]["routeKey"], "GET /echo/{name}");
    assert_eq!(event["requestContext"]["stage"], "$default");
    assert_eq!(event["rawPath"], "/echo/Zoë/x");
    assert_eq!(event["requestContext"]["http"]["path"], "/echo/Zoë/x");
    assert_eq!(event["rawQueryString"], "b=2&a=1&a=x%20y");
    assert_eq!(event["pathParameters"], json!({"name": "Zoë/x"}));
    assert_eq!(
        event["queryStringParameters"],
        json!({"a": "1,x y", "b": "2"})
    );
    assert_eq!(event["cookies"], json!(["a=1", "b=2"]));
    let headers = &event["headers"];
    assert!(headers.get("cookie").is_none(), "{headers}");
    assert_eq!(headers["x-repeat"], "one,two");
    assert_eq!(headers["user-agent"], "tests/1");
    assert_eq!(headers["x-forwarded-for"], "127.0.0.1");
    assert_eq!(headers["x-forwarded-proto"], "http");
    let port = h.base.rsplit(':').next().unwrap();
    assert_eq!(headers["x-forwarded-port"], port);
    assert!(
        headers["x-amzn-trace-id"]
            .as_str()
            .unwrap()
            .starts_with("Root=1-")
    );
    let http = &event["requestContext"]["http"];
    assert_eq!(http["method"], "GET");
    assert_eq!(http["protocol"], "HTTP/1.1");
    assert_eq!(http["sourceIp"], "127.0.0.1");
    assert_eq!(http["userAgent"], "tests/1");
    let epoch = event["requestContext"]["timeEpoch"].as_i64().unwrap();
    assert!((jiff::Timestamp::now().as_millisecond() - epoch).abs() < 10_000);
    assert!(event.get("body").is_none(), "no body, no body key: {event}");
    assert_eq!(event["isBase64Encoded"], false);
}

#[tokio::test]
async fn request_ids_are_unique_and_answered_in_a_header() {
    let h = harness().await;
    let a = h.send("GET", "/echo/a", &[], b"").await;
    let b = h.send("GET", "/echo/a", &[], b"").await;
    let id = |r: &Reply| {
        r.json()["requestContext"]["requestId"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_ne!(id(&a), id(&b));
    assert_eq!(a.headers["apigw-requestid"], id(&a).as_str());
}

#[tokio::test]
async fn bodies_are_text_or_base64_as_api_gateway_decides() {
    let h = harness().await;
    let cases: [(Option<&str>, &[u8], bool); 7] = [
        (Some("application/json"), br#"{"a":1}"#, false),
        (
            Some("application/json; charset=utf-8"),
            br#"{"a":1}"#,
            false,
        ),
        (Some("text/plain"), b"hi", false),
        (Some("application/xml"), b"<a/>", false),
        (Some("application/octet-stream"), b"hi", true),
        (None, b"hi", true),
        // Not UTF-8 under a text type: base64, so the function decides.
        (Some("application/json"), b"{\"a\":\"\xff\"}", true),
    ];
    for (content_type, body, encoded) in cases {
        let headers: Vec<(&str, &str)> = content_type
            .map(|c| ("content-type", c))
            .into_iter()
            .collect();
        let event = event_for(&h, "PUT", "/echo/x", &headers, body).await;
        assert_eq!(event["isBase64Encoded"], encoded, "{content_type:?}");
        let sent = event["body"].as_str().unwrap();
        let received = if encoded {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .decode(sent)
                .unwrap()
        } else {
            sent.as_bytes().to_vec()
        };
        assert_eq!(received, body, "{content_type:?}");
    }
}

#[tokio::test]
async fn function_answers_become_http_as_api_gateway_makes_them() {
    let h = harness().await;
    let r = h.send("GET", "/echo/x", &[], b"").await;
    assert_eq!(r.status, 201);
    assert_eq!(r.headers["content-type"], "application/json");
    let cookies: Vec<_> = r.headers.get_all("set-cookie").iter().collect();
    assert_eq!(cookies, ["session=abc; HttpOnly", "theme=dark"]);

    let r = h.send("GET", "/plain", &[], b"").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-type"], "application/json");
    assert_eq!(r.json(), json!({"hello": "world"}));

    let r = h.send("GET", "/binary", &[], b"").await;
    assert_eq!((r.status.as_u16(), &r.body[..]), (200, &[0u8, 1, 2, 3][..]));
}

#[tokio::test]
async fn api_gateway_answers_itself_with_its_own_words() {
    let h = harness().await;
    let expect = |r: &Reply, status: u16, message: &str| {
        assert_eq!(r.status.as_u16(), status, "{:?}", r.body);
        assert_eq!(r.headers["content-type"], "application/json");
        assert_eq!(r.json(), json!({ "message": message }));
    };
    // Unmatched paths and methods.
    for (method, path) in [
        ("GET", "/nope"),
        ("DELETE", "/echo/x"),
        ("POST", "/plain"),
        ("GET", "/echo/a/b"),
    ] {
        expect(&h.send(method, path, &[], b"").await, 404, "Not Found");
    }
    // The function errs, in either way of saying so, or answers nonsense.
    for path in ["/fails", "/flagged", "/garbage", "/missing"] {
        expect(
            &h.send("GET", path, &[], b"").await,
            500,
            "Internal Server Error",
        );
    }
    // Over API Gateway's 10 MB.
    let big = vec![b'x'; local_gateway::MAX_BODY_BYTES + 1];
    expect(
        &h.send("PUT", "/echo/x", &[], &big).await,
        413,
        "Request Too Large",
    );
}

#[tokio::test]
async fn slow_functions_get_500_at_their_timeout_or_503_at_the_integrations() {
    let h = harness().await;
    let started = std::time::Instant::now();
    let r = h.send("GET", "/slow-function", &[], b"").await;
    assert_eq!(r.status, 500);
    assert_eq!(r.json(), json!({"message": "Internal Server Error"}));
    let r = h.send("GET", "/slow-integration", &[], b"").await;
    assert_eq!(r.status, 503);
    assert_eq!(r.json(), json!({"message": "Service Unavailable"}));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn no_invoke_api_is_a_clear_503_not_a_hang() {
    // A port nothing listens on.
    let closed = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let h = Harness::start(spec(), &format!("http://{closed}")).await;
    let r = h.send("GET", "/plain", &[], b"").await;
    assert_eq!(r.status, 503);
}

#[tokio::test]
async fn cors_preflight_and_headers_follow_the_api_configuration() {
    let h = harness().await;
    let r = h
        .send(
            "OPTIONS",
            "/echo/x",
            &[
                ("origin", "https://app.example"),
                ("access-control-request-method", "PUT"),
            ],
            b"",
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(r.headers["access-control-allow-origin"], "*");
    assert_eq!(r.headers["access-control-allow-methods"], "GET,PUT");
    assert_eq!(
        r.headers["access-control-allow-headers"],
        "content-type,authorization"
    );
    assert_eq!(r.headers["access-control-max-age"], "600");

    // The function's own CORS header is replaced by the API's.
    let r = h
        .send("GET", "/echo/x", &[("origin", "https://app.example")], b"")
        .await;
    assert_eq!(r.headers["access-control-allow-origin"], "*");
    let r = h.send("GET", "/echo/x", &[], b"").await;
    assert!(!r.headers.contains_key("access-control-allow-origin"));

    // An OPTIONS that is not a preflight is a request like any other: no route.
    assert_eq!(h.send("OPTIONS", "/echo/x", &[], b"").await.status, 404);
}

#[tokio::test]
async fn concurrent_requests_each_get_their_own_answer() {
    let h = Arc::new(harness().await);
    let mut tasks = Vec::new();
    for i in 0..20 {
        let h = Arc::clone(&h);
        tasks.push(tokio::spawn(async move {
            let event = h.send("GET", &format!("/echo/n{i}"), &[], b"").await.json();
            assert_eq!(event["pathParameters"]["name"], format!("n{i}"));
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

/// Signing keys of the tests' own: the issuer's (in its JWKS) and an
/// impostor's that claims the same key id. Made once per run with the
/// openssl command, since ring signs with RSA keys but does not make them.
mod keys {
    use std::sync::OnceLock;

    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use ring::rsa::PublicKeyComponents;
    use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
    use serde_json::{Value, json};

    pub const KID: &str = "test-key";

    fn generate() -> RsaKeyPair {
        let output = std::process::Command::new("openssl")
            .args([
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-outform",
                "DER",
            ])
            .output()
            .expect("the openssl command makes the tests' RSA keys (Debian: apt install openssl)");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        // OpenSSL 3.0 writes an RSA key in DER as PKCS#1, later ones as PKCS#8.
        RsaKeyPair::from_der(&output.stdout)
            .or_else(|_| RsaKeyPair::from_pkcs8(&output.stdout))
            .expect("an RSA private key in DER")
    }

    fn pair(which: usize) -> &'static RsaKeyPair {
        static KEYS: OnceLock<[RsaKeyPair; 2]> = OnceLock::new();
        &KEYS.get_or_init(|| [generate(), generate()])[which]
    }

    pub fn jwks() -> Value {
        let public: PublicKeyComponents<Vec<u8>> = pair(0).public().into();
        json!({"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": KID,
                         "n": B64.encode(&public.n), "e": B64.encode(&public.e)}]})
    }

    fn encode(header: &Value, claims: &Value) -> String {
        format!(
            "{}.{}",
            B64.encode(header.to_string()),
            B64.encode(claims.to_string())
        )
    }

    /// A token signed by the issuer's key (`impostor`: by the other one).
    pub fn sign(claims: &Value, impostor: bool) -> String {
        let signed = encode(&json!({"alg": "RS256", "kid": KID}), claims);
        let key = pair(usize::from(impostor));
        let mut signature = vec![0; key.public().modulus_len()];
        key.sign(
            &RSA_PKCS1_SHA256,
            &ring::rand::SystemRandom::new(),
            signed.as_bytes(),
            &mut signature,
        )
        .unwrap();
        format!("{signed}.{}", B64.encode(signature))
    }

    /// An unsigned token (`alg: none`).
    pub fn unsigned(claims: &Value) -> String {
        format!("{}.", encode(&json!({"alg": "none", "kid": KID}), claims))
    }
}

mod jwt {
    use super::*;

    fn now() -> i64 {
        jiff::Timestamp::now().as_second()
    }

    fn claims(username: &str) -> Value {
        json!({
            "iss": ISSUER.with(|i| i.clone()),
            "client_id": "app-client",
            "token_use": "access", // pragma: allowlist secret
            "scope": "aws.cognito.signin.user.admin",
            "username": username,
            "cognito:groups": ["admins", "ops"],
            "iat": now() - 10,
            "auth_time": now() - 10,
            "exp": now() + 3600,
        })
    }

    thread_local! {
        static ISSUER: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }

    async fn protected() -> Harness {
        let functions = spawn_functions().await;
        let issuer = format!("http://{functions}/pool");
        ISSUER.with(|i| *i.borrow_mut() = issuer.clone());
        let mut spec = spec();
        spec.routes.push(RouteSpec {
            required_scopes: Some(vec![]),
            ..route("GET", "/mine", "echo")
        });
        spec.routes.push(RouteSpec {
            required_scopes: Some(vec!["birthdays/admin".into()]),
            ..route("GET", "/scoped", "echo")
        });
        let authorizer = JwtAuthorizer::new(issuer, vec!["app-client".into()]);
        Harness::start_with(
            spec,
            &format!("http://{functions}"),
            Auth::Jwt(Box::new(authorizer)),
        )
        .await
    }

    async fn refused(h: &Harness, path: &str, token: Option<&str>) -> String {
        let header = token.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> = header
            .iter()
            .map(|v| ("authorization", v.as_str()))
            .collect();
        let reply = h.send("GET", path, &headers, b"").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{:?}", reply.body);
        assert_eq!(reply.json(), json!({"message": "Unauthorized"}));
        reply.headers["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned()
    }

    #[tokio::test]
    async fn a_valid_token_reaches_the_function_with_its_claims_as_strings() {
        let h = protected().await;
        let token = keys::sign(&claims("Ann"), false);
        let auth = format!("Bearer {token}");
        let event = event_for(&h, "GET", "/mine", &[("authorization", &auth)], b"").await;
        let jwt = &event["requestContext"]["authorizer"]["jwt"];
        assert_eq!(jwt["claims"]["username"], "Ann");
        assert_eq!(jwt["claims"]["cognito:groups"], "[admins ops]");
        assert!(jwt["claims"]["exp"].is_string());
        assert_eq!(jwt["scopes"], Value::Null);
        // Public routes carry no authorizer, token or not.
        let public = event_for(&h, "GET", "/echo/x", &[("authorization", &auth)], b"").await;
        assert!(public["requestContext"].get("authorizer").is_none());
    }

    #[tokio::test]
    async fn missing_malformed_forged_and_unsigned_tokens_are_refused() {
        let h = protected().await;
        assert_eq!(refused(&h, "/mine", None).await, "Bearer");
        let invalid = |d: &str| {
            format!("Bearer scope=\"\" error=\"invalid_token\" error_description=\"{d}\"")
        };
        assert_eq!(
            refused(&h, "/mine", Some("not-a-jwt")).await,
            invalid("the token is malformed")
        );
        let forged = keys::sign(&claims("Ann"), true);
        assert_eq!(
            refused(&h, "/mine", Some(&forged)).await,
            invalid("the token signature is invalid")
        );
        // Ann's signature on a claims set that now says Ops.
        let genuine = keys::sign(&claims("Ann"), false);
        let mut parts: Vec<&str> = genuine.split('.').collect();
        let other =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims("Ops").to_string());
        parts[1] = &other;
        assert_eq!(
            refused(&h, "/mine", Some(&parts.join("."))).await,
            invalid("the token signature is invalid")
        );
        let unsigned = keys::unsigned(&claims("Ann"));
        assert_eq!(
            refused(&h, "/mine", Some(&unsigned)).await,
            invalid("the token's signing method is not supported")
        );
    }

    #[tokio::test]
    async fn expired_early_foreign_and_unscoped_tokens_are_refused() {
        let h = protected().await;
        let invalid = |d: &str| {
            format!("Bearer scope=\"\" error=\"invalid_token\" error_description=\"{d}\"")
        };
        let with = |name: &str, value: Value| {
            let mut c = claims("Ann");
            c[name] = value;
            keys::sign(&c, false)
        };
        let cases = [
            (with("exp", json!(now() - 1)), "the token has expired"),
            (
                with("nbf", json!(now() + 600)),
                "the token is not valid yet",
            ),
            (
                with("iat", json!(now() + 600)),
                "the token was issued in the future",
            ),
            (
                with("iss", json!("http://127.0.0.1:1/other-pool")),
                "the token does not have a valid issuer",
            ),
            (
                with("client_id", json!("other-client")),
                "the token does not have a valid audience",
            ),
            // An ID token's aud is checked instead of client_id.
            (
                with("aud", json!("other-client")),
                "the token does not have a valid audience",
            ),
        ];
        for (token, description) in cases {
            assert_eq!(
                refused(&h, "/mine", Some(&token)).await,
                invalid(description)
            );
        }
        let token = keys::sign(&claims("Ann"), false);
        assert_eq!(
            refused(&h, "/scoped", Some(&token)).await,
            invalid("the token does not have the required scopes")
        );
        let scoped = with("scope", json!("openid birthdays/admin"));
        let auth = format!("Bearer {scoped}");
        let reply = h
            .send("GET", "/scoped", &[("authorization", &auth)], b"")
            .await;
        assert_eq!(reply.status, 201);
    }
}

#[tokio::test]
async fn the_web_stacks_security_headers_are_on_every_answer() {
    let h = harness().await;
    for (method, path) in [("GET", "/plain"), ("GET", "/nowhere"), ("PUT", "/plain")] {
        let reply = h.send(method, path, &[], b"").await;
        assert_eq!(reply.headers["x-frame-options"], "DENY", "{method} {path}");
    }
}
