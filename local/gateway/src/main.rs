//! `local-gateway --listen 127.0.0.1:3000 --invoke http://127.0.0.1:9001 [--root .]`
//!
//! Serves the API of `openapi.yaml` on `--listen`, invoking the functions
//! through the Invoke API at `--invoke` (`cargo lambda watch`).

use std::path::PathBuf;
use std::sync::Arc;

use local_gateway::Gateway;
use local_gateway::invoke::Invoker;
use local_gateway::spec::ApiSpec;

const USAGE: &str = "usage: local-gateway --listen ADDR:PORT --invoke URL [--root DIR]";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut listen = None;
    let mut invoke = None;
    let mut root = PathBuf::from(".");
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(USAGE)?;
        match flag.as_str() {
            "--listen" => listen = Some(value),
            "--invoke" => invoke = Some(value),
            "--root" => root = value.into(),
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

    let spec = ApiSpec::load(&root)?;
    let gateway = Arc::new(Gateway::new(&spec, Invoker::new(&invoke))?);
    let listener = tokio::net::TcpListener::bind(&listen).await.map_err(|e| {
        format!("cannot listen on {listen}: {e} (set LOCAL_API_PORT to a free port)")
    })?;
    println!(
        "local gateway on http://{listen}: {} routes of openapi.yaml, functions at {invoke}",
        spec.routes.len()
    );
    tokio::select! {
        served = gateway.serve(listener) => served?,
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(())
}
