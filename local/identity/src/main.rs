//! `local-identity`: the local user pool from the command line.
//!
//! ```text
//! local-identity setup --endpoint URL --state FILE
//! local-identity token --endpoint URL --state FILE --user NAME [--admin] [--password P]
//! ```
//!
//! `setup` creates (the first time) or re-uses the pool, app client and
//! `admins` group, records their ids in FILE, and prints `key=value` lines
//! for scripts: `user_pool_id`, `client_id`, `issuer`, `default_password`.
//! `token` makes NAME a confirmed user with the password (the development
//! default unless given), in `admins` with `--admin`, signs them in and
//! prints only the access token. Progress and errors go to stderr.

use std::path::PathBuf;
use std::process::ExitCode;

use local_identity::{Cognito, DEFAULT_PASSWORD};

const USAGE: &str = "usage: local-identity setup --endpoint URL --state FILE\n       \
                     local-identity token --endpoint URL --state FILE --user NAME [--admin] [--password P]";

#[derive(Debug, Default)]
struct Args {
    endpoint: Option<String>,
    state: Option<PathBuf>,
    user: Option<String>,
    password: Option<String>,
    admin: bool,
}

/// Why `local-identity` stops: wrong arguments (exit 2, with the usage) or a
/// failure (exit 1).
#[derive(Debug)]
enum Failure {
    Usage(String),
    Failed(String),
}

impl From<local_identity::Error> for Failure {
    fn from(e: local_identity::Error) -> Self {
        Failure::Failed(e.to_string())
    }
}

fn parse(args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args::default();
    let mut args = args;
    while let Some(flag) = args.next() {
        if flag == "--admin" {
            parsed.admin = true;
            continue;
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--endpoint" => parsed.endpoint = Some(value),
            "--state" => parsed.state = Some(value.into()),
            "--user" => parsed.user = Some(value),
            "--password" => parsed.password = Some(value),
            _ => return Err(format!("unknown argument {flag}")),
        }
    }
    Ok(parsed)
}

fn run() -> Result<(), Failure> {
    let usage = |why: &str| Failure::Usage(why.to_owned());
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    if !matches!(command.as_str(), "setup" | "token") {
        return Err(Failure::Usage(match command.as_str() {
            "" | "-h" | "--help" | "help" => String::new(),
            other => format!("unknown command {other:?}"),
        }));
    }
    let args = parse(args).map_err(Failure::Usage)?;
    let endpoint = args
        .endpoint
        .ok_or_else(|| usage("--endpoint is missing"))?;
    let state = args.state.ok_or_else(|| usage("--state is missing"))?;
    let cognito = Cognito::new(endpoint);
    match command.as_str() {
        "setup" => {
            let setup = cognito.setup(&state)?;
            for note in &setup.notes {
                eprintln!("{note}");
            }
            println!("user_pool_id={}", setup.pool.user_pool_id);
            println!("client_id={}", setup.pool.client_id);
            println!("issuer={}", setup.pool.issuer(cognito.endpoint()));
            println!("default_password={DEFAULT_PASSWORD}");
            Ok(())
        }
        "token" => {
            let user = args.user.filter(|u| !u.is_empty()).ok_or_else(|| {
                usage("--user is missing: name the user whose token you want (make -s token USER=Ann)")
            })?;
            let password = args.password.unwrap_or_else(|| DEFAULT_PASSWORD.to_owned());
            let pool = cognito.open(&state)?;
            let ensured = cognito
                .ensure_user(&pool, &user, &password, args.admin)
                .map_err(|e| match e {
                    local_identity::Error::WeakPassword { .. } => Failure::Failed(format!(
                        "{e} (make token takes it as PASSWORD=..., local-identity as --password)"
                    )),
                    e => e.into(),
                })?;
            if ensured.created {
                eprintln!(
                    "Created {user} in the local user pool {}{}",
                    pool.user_pool_id,
                    if args.admin { ", in admins" } else { "" }
                );
            }
            let tokens = cognito.sign_in(&pool.client_id, &user, &password)?;
            println!("{}", tokens.access);
            Ok(())
        }
        _ => unreachable!("the command was checked above"),
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(why)) => {
            if !why.is_empty() {
                eprintln!("error: {why}");
            }
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
        Err(Failure::Failed(why)) => {
            eprintln!("error: {why}");
            ExitCode::FAILURE
        }
    }
}
