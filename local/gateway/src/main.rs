//! `local-gateway --listen 127.0.0.1:3000 --invoke http://127.0.0.1:9001
//!  (--issuer URL --audience CLIENT_ID | --auth open) [--root .] [--xray 127.0.0.1:2000]`
//!
//! Serves the API of `openapi.yaml` on `--listen`, invoking the functions
//! through the Invoke API at `--invoke` (`cargo lambda watch`). Protected
//! routes take tokens of `--issuer` for `--audience` (the JWT authorizer),
//! or anyone with `--auth open` (the open mode of demo stages). Every other
//! GET is a file of `web/` under `--root`, the page. With `--xray`, it plays
//! Lambda's part in traces, for functions that reach the Runtime API through
//! it (`/.rt/...`, relayed to `--invoke`): see `local_gateway::trace`.

use std::path::PathBuf;
use std::sync::Arc;

use local_gateway::authorizer::JwtAuthorizer;
use local_gateway::invoke::Invoker;
use local_gateway::site::Site;
use local_gateway::spec::ApiSpec;
use local_gateway::{Auth, Gateway};

const USAGE: &str = "usage: local-gateway --listen ADDR:PORT --invoke URL \
                     (--issuer URL --audience CLIENT_ID | --auth open) [--root DIR] [--xray ADDR:PORT]";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut listen = None;
    let mut invoke = None;
    let mut root = PathBuf::from(".");
    let (mut issuer, mut audience, mut open) = (None, None, false);
    let mut xray = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(USAGE)?;
        match flag.as_str() {
            "--listen" => listen = Some(value),
            "--invoke" => invoke = Some(value),
            "--root" => root = value.into(),
            "--issuer" => issuer = Some(value),
            "--audience" => audience = Some(value),
            "--auth" if value == "open" => open = true,
            "--xray" => xray = Some(value),
            _ => return Err(format!("unknown argument {flag}\n{USAGE}").into()),
        }
    }
    let (listen, invoke) = listen.zip(invoke).ok_or(USAGE)?;
    if !invoke.starts_with("http://") || invoke.parse::<hyper::Uri>().is_err() {
        return Err(format!(
            "--invoke {invoke:?} is not an http:// URL such as http://127.0.0.1:9001"
        )
        .into());
    }

    let auth = match (issuer, audience, open) {
        (Some(issuer), Some(audience), false) => {
            Auth::Jwt(Box::new(JwtAuthorizer::new(issuer, vec![audience])))
        }
        (None, None, true) => Auth::Open,
        _ => {
            return Err(
                format!("give either --issuer and --audience, or --auth open\n{USAGE}").into(),
            );
        }
    };
    let (described, page_config) = match &auth {
        Auth::Jwt(jwt) => (
            format!("tokens of {}", jwt.issuer()),
            Site::cognito_config(jwt.issuer(), jwt.audience()),
        ),
        Auth::Open => ("open mode: no authorizer".to_owned(), Site::open_config()),
    };

    let mut spec = ApiSpec::load(&root)?;
    // The web stack's CSP lets the page reach the identity endpoint.
    let identity = page_config["identity"]["endpoint"]
        .as_str()
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_owned();
    for (_, value) in &mut spec.response_headers {
        *value = value.replace("${IdentityEndpoint}", &identity);
    }
    // The page of web/ beside the API, as CloudFront serves it on AWS.
    let site = Site::new(root.join("web"), page_config);
    let mut gateway = Gateway::new(&spec, Invoker::new(&invoke), auth)?.with_site(site);
    if let Some(xray) = xray {
        let tracing = local_gateway::trace::Tracing::to(&xray).map_err(|e| {
            format!("--xray {xray}: {e} (the X-Ray daemon's UDP address, as 127.0.0.1:2000)")
        })?;
        gateway = gateway.with_tracing(tracing);
    }
    let gateway = Arc::new(gateway);
    let listener = tokio::net::TcpListener::bind(&listen).await.map_err(|e| {
        format!("cannot listen on {listen}: {e} (set LOCAL_API_PORT to a free port)")
    })?;
    println!(
        "local gateway on http://{listen}: {} routes of openapi.yaml, functions at {invoke}, {described}",
        spec.routes.len()
    );
    tokio::select! {
        served = gateway.serve(listener) => served?,
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(())
}
