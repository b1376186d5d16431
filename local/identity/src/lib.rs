//! The local user pool: a small typed client of the Cognito API as
//! `cognito-local` serves it on loopback in `make dev` and `make test`
//! (JSON over POST, `X-Amz-Target: AWSCognitoIdentityProviderService.<Action>`,
//! no signing). Never deployed.
//!
//! - [`Cognito::setup`] creates, once, the user pool `birthdays-local`, its
//!   app client and the `admins` group, and records the pool and client ids
//!   in a state file; later calls re-use them after checking that they still
//!   exist (and create them again when cognito-local's data was wiped).
//! - [`Cognito::ensure_user`] creates a user (confirmed, with a permanent
//!   password) and puts them in `admins` when asked.
//! - [`Cognito::sign_in`] signs a user in with `USER_PASSWORD_AUTH` and
//!   returns the pool's tokens.
//!
//! `scripts/local-api.sh` runs `local-identity setup` when it starts
//! cognito-local, `make token` runs `local-identity token`, and the
//! black-box tests call these functions directly.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The local user pool's name.
pub const POOL_NAME: &str = "birthdays-local";
/// The app client the local gateway takes tokens for (its `--audience`).
pub const CLIENT_NAME: &str = "birthdays-local";
/// The group whose members may read and write every record and list the users.
pub const ADMINS_GROUP: &str = "admins";
/// The password local users get unless another is given: it meets the
/// pool's policy (12 characters or more, upper and lower case, a digit and
/// a symbol) and has nothing a shell would expand.
pub const DEFAULT_PASSWORD: &str = "Birthdays-dev-2026";
/// The policy's minimum length, as the deployed pool's.
pub const MIN_PASSWORD_LENGTH: u64 = 12;

/// What the Cognito API calls symbols in a password policy.
const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ";

/// How long one request to cognito-local may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Why something could not be done, in words that say what to do.
#[derive(Debug)]
pub enum Error {
    /// Nothing answered at the endpoint.
    Unreachable { endpoint: String, cause: String },
    /// The Cognito API refused a request: its error type and message.
    Refused {
        action: &'static str,
        kind: String,
        message: String,
    },
    /// The answer was not one the Cognito API gives.
    Unexpected {
        action: &'static str,
        detail: String,
    },
    /// The state file could not be read or written.
    State { path: PathBuf, detail: String },
    /// No local user pool to use: none recorded, or it no longer exists.
    NoPool { detail: String },
    /// The password does not meet the pool's policy.
    WeakPassword {
        username: String,
        needs: Vec<String>,
    },
    /// Signing in asked for a challenge this tool does not answer.
    Challenge { username: String, challenge: String },
}

impl Error {
    /// The Cognito API's error type (`ResourceNotFoundException`...), when it refused.
    pub fn kind(&self) -> Option<&str> {
        match self {
            Error::Refused { kind, .. } => Some(kind),
            _ => None,
        }
    }

    fn is(&self, kind: &str) -> bool {
        self.kind() == Some(kind)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Unreachable { endpoint, cause } => write!(
                f,
                "cognito-local does not answer at {endpoint} ({cause}): the local API is not \
                 running; start it with `make dev` (`make test` starts one of its own)"
            ),
            Error::Refused {
                action,
                kind,
                message,
            } => write!(f, "cognito-local refused {action}: {kind}: {message}"),
            Error::Unexpected { action, detail } => write!(
                f,
                "cognito-local's answer to {action} is not what the Cognito API answers: {detail}"
            ),
            Error::State { path, detail } => write!(
                f,
                "the local user pool's state file {} cannot be used: {detail}",
                path.display()
            ),
            Error::NoPool { detail } => write!(
                f,
                "{detail}: restart the local API (stop make dev and run it again), \
                 which creates the local user pool"
            ),
            Error::WeakPassword { username, needs } => write!(
                f,
                "the password for {username} does not meet the local user pool's policy: \
                 it needs {}; choose another",
                needs.join(", ")
            ),
            Error::Challenge {
                username,
                challenge,
            } => write!(
                f,
                "signing {username} in asked for the {challenge} challenge, which this tool \
                 does not answer: set a permanent password for {username} (local-identity \
                 token does) and sign in again"
            ),
        }
    }
}

impl std::error::Error for Error {}

/// The ids `setup` records: what the local gateway checks tokens against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalPool {
    pub user_pool_id: String,
    pub client_id: String,
}

impl LocalPool {
    /// The tokens' `iss`: cognito-local's `TokenConfig.IssuerDomain` (its own
    /// address, as `scripts/local-api.sh` writes it) and the pool id.
    pub fn issuer(&self, endpoint: &str) -> String {
        format!("{}/{}", endpoint.trim_end_matches('/'), self.user_pool_id)
    }

    /// Reads a state file; `None` when there is none.
    pub fn load(path: &Path) -> Result<Option<Self>, Error> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Error::State {
                    path: path.to_owned(),
                    detail: e.to_string(),
                });
            }
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| Error::State {
                path: path.to_owned(),
                detail: format!("it is not the JSON local-identity writes ({e})"),
            })
    }

    /// Writes a state file (whole, or not at all).
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        let failed = |e: std::io::Error| Error::State {
            path: path.to_owned(),
            detail: e.to_string(),
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(failed)?;
        }
        let temporary = path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(self).expect("two strings serialise") + "\n";
        std::fs::write(&temporary, text).map_err(failed)?;
        std::fs::rename(&temporary, path).map_err(failed)
    }
}

/// What [`Cognito::setup`] found or made.
#[derive(Debug, Clone)]
pub struct Setup {
    pub pool: LocalPool,
    /// One sentence per thing created or re-used, for the log.
    pub notes: Vec<String>,
}

/// What [`Cognito::ensure_user`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnsuredUser {
    /// The user did not exist and was created.
    pub created: bool,
}

/// The tokens of one sign-in.
#[derive(Clone)]
pub struct Tokens {
    /// What the API takes (`token_use: access`, `username`, `client_id`).
    pub access: String,
    /// Who signed in, for the client (`token_use: id`, `aud`); the API refuses it.
    pub id: String,
    pub refresh: Option<String>,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens").finish_non_exhaustive()
    }
}

/// A pool's password policy, as `DescribeUserPool` gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PasswordPolicy {
    pub minimum_length: Option<u64>,
    pub require_uppercase: bool,
    pub require_lowercase: bool,
    pub require_numbers: bool,
    pub require_symbols: bool,
}

impl PasswordPolicy {
    /// The deployed pool's policy, which the local pool is created with.
    pub fn local() -> Self {
        PasswordPolicy {
            minimum_length: Some(MIN_PASSWORD_LENGTH),
            require_uppercase: true,
            require_lowercase: true,
            require_numbers: true,
            require_symbols: true,
        }
    }

    /// What `password` lacks, in words; empty when it meets the policy.
    /// (cognito-local does not check passwords, so this does, as Cognito would.)
    pub fn unmet(&self, password: &str) -> Vec<String> {
        let mut needs = Vec::new();
        let length = password.chars().count() as u64;
        if let Some(min) = self.minimum_length.filter(|&min| length < min) {
            needs.push(format!("at least {min} characters (it has {length})"));
        }
        let mut rule = |required: bool, what: &str, test: fn(char) -> bool| {
            if required && !password.chars().any(test) {
                needs.push(what.to_owned());
            }
        };
        rule(self.require_uppercase, "an upper-case letter", |c| {
            c.is_ascii_uppercase()
        });
        rule(self.require_lowercase, "a lower-case letter", |c| {
            c.is_ascii_lowercase()
        });
        rule(self.require_numbers, "a digit", |c| c.is_ascii_digit());
        rule(
            self.require_symbols,
            "a symbol (such as - _ ! @ # or .)",
            |c| SYMBOLS.contains(c),
        );
        needs
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UserPool {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    policies: Option<Policies>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct Policies {
    password_policy: Option<PasswordPolicy>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UserPoolClient {
    client_id: String,
    #[serde(default)]
    client_name: Option<String>,
}

/// A client of one cognito-local.
#[derive(Debug, Clone)]
pub struct Cognito {
    endpoint: String,
    agent: ureq::Agent,
}

impl Cognito {
    /// `endpoint`: where cognito-local listens, such as `http://127.0.0.1:9229`.
    pub fn new(endpoint: impl Into<String>) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(TIMEOUT))
            // Loopback only: never through a proxy the environment names.
            .proxy(None)
            .build()
            .new_agent();
        Cognito {
            endpoint: endpoint.into().trim_end_matches('/').to_owned(),
            agent,
        }
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// One action of the Cognito API, such as `DescribeUserPool`.
    pub fn call<T: DeserializeOwned>(
        &self,
        action: &'static str,
        request: &Value,
    ) -> Result<T, Error> {
        let mut response = self
            .agent
            .post(&self.endpoint)
            .header(
                "x-amz-target",
                format!("AWSCognitoIdentityProviderService.{action}"),
            )
            .header("content-type", "application/x-amz-json-1.1")
            .send(request.to_string())
            .map_err(|e| Error::Unreachable {
                endpoint: self.endpoint.clone(),
                cause: e.to_string(),
            })?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| Error::Unexpected {
                action,
                detail: format!("its body could not be read ({e})"),
            })?;
        if status == 200 {
            return serde_json::from_str(&text).map_err(|e| Error::Unexpected {
                action,
                detail: format!("{e} in {text:?}"),
            });
        }
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let part = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_owned);
        match (part("__type"), part("message")) {
            (Some(kind), message) => Err(Error::Refused {
                action,
                kind: kind.rsplit('#').next().unwrap_or(&kind).to_owned(),
                message: message.unwrap_or_default(),
            }),
            _ => Err(Error::Unexpected {
                action,
                detail: format!("HTTP {status} {text:?}"),
            }),
        }
    }

    /// Creates what is missing of the local pool (the pool, its app client,
    /// the `admins` group) and records the ids in `state`. What `state`
    /// names is re-used when it still exists; without a state file, a pool
    /// and client of the same names are re-used. The group is never created
    /// again when it exists: CreateGroup would replace it and drop its members.
    pub fn setup(&self, state: &Path) -> Result<Setup, Error> {
        let mut notes = Vec::new();
        let recorded = match LocalPool::load(state) {
            Ok(recorded) => recorded,
            Err(e @ Error::State { .. }) => {
                notes.push(format!("{e}: setting up anew"));
                None
            }
            Err(e) => return Err(e),
        };

        let mut pool_id = None;
        if let Some(recorded) = &recorded {
            if self.user_pool(&recorded.user_pool_id)?.is_some() {
                pool_id = Some(recorded.user_pool_id.clone());
            } else {
                notes.push(format!(
                    "The user pool {} recorded in {} is no longer in cognito-local (its data was removed?)",
                    recorded.user_pool_id,
                    state.display()
                ));
            }
        }
        if pool_id.is_none() {
            pool_id = self.pool_named(POOL_NAME)?;
            if pool_id.is_some() {
                notes.push(format!(
                    "Found a user pool named {POOL_NAME} that {} does not name",
                    state.display()
                ));
            }
        }
        let pool_id = match pool_id {
            Some(id) => {
                notes.push(format!("Re-using the user pool {POOL_NAME} ({id})"));
                id
            }
            None => {
                let id = self.create_user_pool()?;
                notes.push(format!(
                    "Created the user pool {POOL_NAME} ({id}): case-sensitive usernames, \
                     passwords of {MIN_PASSWORD_LENGTH}+ characters"
                ));
                id
            }
        };

        let recorded_client = recorded
            .as_ref()
            .filter(|r| r.user_pool_id == pool_id)
            .map(|r| r.client_id.clone());
        let client_id = match recorded_client {
            Some(id) if self.client_exists(&pool_id, &id)? => {
                notes.push(format!("Re-using the app client {CLIENT_NAME} ({id})"));
                id
            }
            _ => {
                let (id, created) = self.app_client(&pool_id, CLIENT_NAME)?;
                notes.push(if created {
                    format!(
                        "Created the app client {CLIENT_NAME} ({id}): no secret, USER_PASSWORD_AUTH"
                    )
                } else {
                    format!("Re-using the app client {CLIENT_NAME} ({id})")
                });
                id
            }
        };

        if self.group_exists(&pool_id, ADMINS_GROUP)? {
            notes.push(format!("The group {ADMINS_GROUP} is there"));
        } else {
            self.call::<Value>(
                "CreateGroup",
                &json!({
                    "UserPoolId": pool_id,
                    "GroupName": ADMINS_GROUP,
                    "Description": "May read and write every user's record and list the users",
                }),
            )?;
            notes.push(format!("Created the group {ADMINS_GROUP}"));
        }

        let pool = LocalPool {
            user_pool_id: pool_id,
            client_id,
        };
        if recorded.as_ref() != Some(&pool) {
            pool.save(state)?;
        }
        Ok(Setup { pool, notes })
    }

    /// The pool recorded in `state`, checked to exist: what a running local
    /// API checks tokens against. Creates nothing (a new pool would not be
    /// the running gateway's issuer).
    pub fn open(&self, state: &Path) -> Result<LocalPool, Error> {
        let pool = LocalPool::load(state)?.ok_or_else(|| Error::NoPool {
            detail: format!("no local user pool is recorded in {}", state.display()),
        })?;
        if self.user_pool(&pool.user_pool_id)?.is_none() {
            return Err(Error::NoPool {
                detail: format!(
                    "the user pool {} recorded in {} is not in cognito-local at {}",
                    pool.user_pool_id,
                    state.display(),
                    self.endpoint
                ),
            });
        }
        Ok(pool)
    }

    /// The id of the app client `name` of the pool, created (like the
    /// local client) when there is none: for tokens of another client.
    pub fn ensure_app_client(&self, user_pool_id: &str, name: &str) -> Result<String, Error> {
        self.app_client(user_pool_id, name).map(|(id, _)| id)
    }

    /// Makes `username` a confirmed user of the pool with `password` as
    /// their permanent password (created if missing, without any message
    /// sent), and a member of `admins` when `admin` (an admin stays one
    /// when asked without it). The password must meet the pool's policy.
    pub fn ensure_user(
        &self,
        pool: &LocalPool,
        username: &str,
        password: &str,
        admin: bool,
    ) -> Result<EnsuredUser, Error> {
        let policy = self
            .user_pool(&pool.user_pool_id)?
            .ok_or_else(|| Error::NoPool {
                detail: format!(
                    "the user pool {} is not in cognito-local at {}",
                    pool.user_pool_id, self.endpoint
                ),
            })?
            .policies
            .and_then(|p| p.password_policy)
            .unwrap_or_default();
        let needs = policy.unmet(password);
        if !needs.is_empty() {
            return Err(Error::WeakPassword {
                username: username.to_owned(),
                needs,
            });
        }

        let user = json!({"UserPoolId": pool.user_pool_id, "Username": username});
        let created = match self.call::<Value>("AdminGetUser", &user) {
            Ok(_) => false,
            Err(e) if e.is("UserNotFoundException") => {
                match self.call::<Value>(
                    "AdminCreateUser",
                    &json!({
                        "UserPoolId": pool.user_pool_id,
                        "Username": username,
                        "MessageAction": "SUPPRESS",
                    }),
                ) {
                    Ok(_) => true,
                    // Created meanwhile by someone else: the same outcome.
                    Err(e) if e.is("UsernameExistsException") => false,
                    Err(e) => return Err(e),
                }
            }
            Err(e) => return Err(e),
        };
        self.call::<Value>(
            "AdminSetUserPassword",
            &json!({
                "UserPoolId": pool.user_pool_id,
                "Username": username,
                "Password": password,
                "Permanent": true,
            }),
        )?;
        if admin {
            self.call::<Value>(
                "AdminAddUserToGroup",
                &json!({
                    "UserPoolId": pool.user_pool_id,
                    "Username": username,
                    "GroupName": ADMINS_GROUP,
                }),
            )?;
        }
        Ok(EnsuredUser { created })
    }

    /// Signs `username` in through the app client (`USER_PASSWORD_AUTH`).
    pub fn sign_in(
        &self,
        client_id: &str,
        username: &str,
        password: &str,
    ) -> Result<Tokens, Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Answer {
            authentication_result: Option<Result_>,
            challenge_name: Option<String>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Result_ {
            access_token: String,
            id_token: String,
            refresh_token: Option<String>,
        }
        let answer: Answer = self.call(
            "InitiateAuth",
            &json!({
                "AuthFlow": "USER_PASSWORD_AUTH",
                "ClientId": client_id,
                "AuthParameters": {"USERNAME": username, "PASSWORD": password},
            }),
        )?;
        match (answer.authentication_result, answer.challenge_name) {
            (Some(result), _) => Ok(Tokens {
                access: result.access_token,
                id: result.id_token,
                refresh: result.refresh_token,
            }),
            (None, challenge) => Err(Error::Challenge {
                username: username.to_owned(),
                challenge: challenge.unwrap_or_else(|| "unnamed".to_owned()),
            }),
        }
    }

    /// The pool, or `None` when cognito-local has no such pool.
    fn user_pool(&self, id: &str) -> Result<Option<UserPool>, Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Answer {
            user_pool: UserPool,
        }
        match self.call::<Answer>("DescribeUserPool", &json!({"UserPoolId": id})) {
            Ok(answer) => Ok(Some(answer.user_pool)),
            Err(e) if e.is("ResourceNotFoundException") => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn pool_named(&self, name: &str) -> Result<Option<String>, Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Answer {
            #[serde(default)]
            user_pools: Vec<UserPool>,
        }
        let answer: Answer = self.call("ListUserPools", &json!({"MaxResults": 60}))?;
        Ok(answer
            .user_pools
            .into_iter()
            .find(|p| p.name.as_deref() == Some(name))
            .map(|p| p.id))
    }

    fn create_user_pool(&self) -> Result<String, Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Answer {
            user_pool: UserPool,
        }
        let policy = PasswordPolicy::local();
        let answer: Answer = self.call(
            "CreateUserPool",
            &json!({
                "PoolName": POOL_NAME,
                "UsernameConfiguration": {"CaseSensitive": true},
                "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": true},
                "MfaConfiguration": "OFF",
                "Policies": {"PasswordPolicy": {
                    "MinimumLength": policy.minimum_length,
                    "RequireUppercase": policy.require_uppercase,
                    "RequireLowercase": policy.require_lowercase,
                    "RequireNumbers": policy.require_numbers,
                    "RequireSymbols": policy.require_symbols,
                    "TemporaryPasswordValidityDays": 7,
                }},
            }),
        )?;
        Ok(answer.user_pool.id)
    }

    fn client_exists(&self, user_pool_id: &str, client_id: &str) -> Result<bool, Error> {
        match self.call::<Value>(
            "DescribeUserPoolClient",
            &json!({"UserPoolId": user_pool_id, "ClientId": client_id}),
        ) {
            Ok(_) => Ok(true),
            Err(e) if e.is("ResourceNotFoundException") => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The client `name` of the pool and whether it was created now.
    fn app_client(&self, user_pool_id: &str, name: &str) -> Result<(String, bool), Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Listed {
            #[serde(default)]
            user_pool_clients: Vec<UserPoolClient>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Created {
            user_pool_client: UserPoolClient,
        }
        let listed: Listed = self.call(
            "ListUserPoolClients",
            &json!({"UserPoolId": user_pool_id, "MaxResults": 60}),
        )?;
        if let Some(client) = listed
            .user_pool_clients
            .into_iter()
            .find(|c| c.client_name.as_deref() == Some(name))
        {
            return Ok((client.client_id, false));
        }
        // As the deployed client: public (no secret), password sign-in,
        // AWS's default lifetimes (cognito-local's own are 24 hours).
        let created: Created = self.call(
            "CreateUserPoolClient",
            &json!({
                "UserPoolId": user_pool_id,
                "ClientName": name,
                "GenerateSecret": false,
                "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                "AccessTokenValidity": 1,
                "IdTokenValidity": 1,
                "RefreshTokenValidity": 30,
                "TokenValidityUnits": {"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"}, // pragma: allowlist secret
                "PreventUserExistenceErrors": "ENABLED",
                "EnableTokenRevocation": true,
            }),
        )?;
        Ok((created.user_pool_client.client_id, true))
    }

    /// Through ListGroups: cognito-local answers GetGroup with a 500 while a
    /// pool has no groups at all.
    fn group_exists(&self, user_pool_id: &str, group: &str) -> Result<bool, Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Answer {
            #[serde(default)]
            groups: Vec<Group>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Group {
            group_name: String,
        }
        let answer: Answer = self.call(
            "ListGroups",
            &json!({"UserPoolId": user_pool_id, "Limit": 60}),
        )?;
        Ok(answer.groups.iter().any(|g| g.group_name == group))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_password_meets_the_local_policy() {
        assert_eq!(
            PasswordPolicy::local().unmet(DEFAULT_PASSWORD),
            Vec::<String>::new()
        );
    }

    #[test]
    fn weak_passwords_say_what_they_lack() {
        let needs = PasswordPolicy::local().unmet("short");
        assert_eq!(needs.len(), 4, "{needs:?}");
        assert!(needs[0].contains("at least 12 characters (it has 5)"));
        assert!(PasswordPolicy::default().unmet("x").is_empty());
    }

    #[test]
    fn the_state_file_round_trips_and_a_missing_one_is_none() {
        let dir = std::env::temp_dir().join(format!("local-identity-{}", std::process::id()));
        let path = dir.join("state.json");
        assert!(LocalPool::load(&path).unwrap().is_none());
        let pool = LocalPool {
            user_pool_id: "local_abc".into(),
            client_id: "xyz".into(),
        };
        pool.save(&path).unwrap();
        assert_eq!(LocalPool::load(&path).unwrap(), Some(pool.clone()));
        assert_eq!(
            pool.issuer("http://127.0.0.1:9229/"),
            "http://127.0.0.1:9229/local_abc"
        );
        std::fs::write(&path, "not json").unwrap();
        let err = LocalPool::load(&path).unwrap_err().to_string();
        assert!(err.contains("not the JSON local-identity writes"), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn an_endpoint_where_nothing_listens_says_to_start_the_local_api() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let err = Cognito::new(format!("http://127.0.0.1:{port}"))
            .open(Path::new("/nonexistent/state.json"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("no local user pool is recorded"), "{err}");
        let err = Cognito::new(format!("http://127.0.0.1:{port}"))
            .call::<Value>("ListUserPools", &json!({}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("start it with `make dev`"), "{err}");
    }
}
