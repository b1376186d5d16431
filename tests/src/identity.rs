//! Tokens of the local user pool (cognito-local) for the black-box and load
//! tests, through `local-identity`, the same code `make token` runs.
//!
//! The pool is found from `COGNITO_ENDPOINT` and `COGNITO_STATE` (`make test`
//! sets them beside `LOCAL_API_URL`), or else from the file a running local
//! API writes, `.local/run/identity.env`, so the tests can also run against
//! `make dev`. Users get the development password; a token is asked for
//! once per user and kept for the process.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

pub use local_identity::{Cognito, DEFAULT_PASSWORD, LocalPool, Tokens};

use crate::dynamodb::workspace_root;

/// The running local API's user pool.
#[derive(Debug)]
pub struct Identity {
    pub cognito: Cognito,
    pub pool: LocalPool,
}

/// Where the pool is: `Some((endpoint, state file))`, or `None` when the
/// local API runs in open mode (no tokens).
pub fn locate() -> Result<Option<(String, PathBuf)>, String> {
    if let (Ok(endpoint), Ok(state)) = (
        std::env::var("COGNITO_ENDPOINT"),
        std::env::var("COGNITO_STATE"),
    ) {
        return Ok(Some((endpoint, state.into())));
    }
    let run_file = workspace_root().join(".local/run/identity.env");
    let text = std::fs::read_to_string(&run_file).map_err(|e| {
        format!(
            "COGNITO_ENDPOINT and COGNITO_STATE are not set and {} cannot be read ({e}): \
             run the tests with `make test`, or start the local API with `make dev`",
            run_file.display()
        )
    })?;
    let value = |key: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
            // Written with printf %q: undo its backslashes.
            .map(|v| v.replace("\\", ""))
    };
    if value("LOCAL_AUTH").as_deref() == Some("open") {
        return Ok(None);
    }
    match (value("COGNITO_ENDPOINT"), value("COGNITO_STATE")) {
        (Some(endpoint), Some(state)) => Ok(Some((endpoint, state.into()))),
        _ => Err(format!(
            "{} does not say where the user pool is: restart the local API",
            run_file.display()
        )),
    }
}

/// The running local API's pool; panics (for tests) saying what to run when
/// there is none.
pub fn identity() -> &'static Identity {
    static IDENTITY: OnceLock<Identity> = OnceLock::new();
    IDENTITY.get_or_init(|| {
        let (endpoint, state) = locate()
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| {
                panic!("the local API runs in open mode (AUTH=open): these tests need tokens")
            });
        let cognito = Cognito::new(endpoint);
        let pool = cognito.open(&state).unwrap_or_else(|e| panic!("{e}"));
        Identity { cognito, pool }
    })
}

/// The tokens of `username` (an admin when `admin`), signed in through the
/// local API's app client; the user is created on first use.
pub fn tokens_of(username: &str, admin: bool) -> Tokens {
    static TOKENS: OnceLock<Mutex<HashMap<(String, bool), Tokens>>> = OnceLock::new();
    let cache = TOKENS.get_or_init(Mutex::default);
    let key = (username.to_owned(), admin);
    if let Some(tokens) = cache.lock().unwrap().get(&key) {
        return tokens.clone();
    }
    let Identity { cognito, pool } = identity();
    cognito
        .ensure_user(pool, username, DEFAULT_PASSWORD, admin)
        .unwrap_or_else(|e| panic!("{e}"));
    let tokens = cognito
        .sign_in(&pool.client_id, username, DEFAULT_PASSWORD)
        .unwrap_or_else(|e| panic!("{e}"));
    cache.lock().unwrap().insert(key, tokens.clone());
    tokens
}

/// An access token of `username`, who owns the record of that name.
pub fn token_of(username: &str) -> String {
    tokens_of(username, false).access
}

/// An access token of an admin (a user of this process's own, in `admins`).
pub fn admin_token() -> String {
    static ADMIN: OnceLock<String> = OnceLock::new();
    let admin = ADMIN.get_or_init(|| crate::http::unique_username("Admin"));
    tokens_of(admin, true).access
}

/// An access token of `username` issued to another app client of the same
/// pool (created once, and re-used by later runs): not for this API.
pub fn token_of_another_client(username: &str) -> String {
    let Identity { cognito, pool } = identity();
    let other = cognito
        .ensure_app_client(&pool.user_pool_id, "birthdays-local-other-app")
        .unwrap_or_else(|e| panic!("{e}"));
    cognito
        .ensure_user(pool, username, DEFAULT_PASSWORD, false)
        .unwrap_or_else(|e| panic!("{e}"));
    cognito
        .sign_in(&other, username, DEFAULT_PASSWORD)
        .unwrap_or_else(|e| panic!("{e}"))
        .access
}

/// An admin's access token for the running local API, or `None` when it runs
/// in open mode: for the load test, which writes many users' records.
pub fn admin_token_unless_open() -> Result<Option<String>, String> {
    Ok(locate()?.map(|_| admin_token()))
}
