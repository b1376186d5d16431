//! Who is calling, and what they may do.
//!
//! API Gateway's JWT authorizer checks the token (signature, issuer,
//! audience, expiry) before a function runs and hands the function its
//! claims in `requestContext.authorizer.jwt.claims`, every value a string.
//! The functions decide ownership from those claims: a caller may read and
//! write the record of their own username, and a member of [`ADMINS_GROUP`]
//! anyone's. Nothing here trusts anything but those claims.

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;

use crate::domain::Username;
use crate::http::ApiError;

/// The user pool group whose members may read and write every record and
/// list the users.
pub const ADMINS_GROUP: &str = "admins";

/// How the stage's API admits callers (the stack's `Auth` parameter, passed
/// to every function as `AUTH_MODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// Tokens from the user pool; ownership rules apply.
    Cognito,
    /// No authorizer and no ownership rules: anyone may do anything. For
    /// demo stages only; the root template refuses it in prod.
    Open,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the environment variable AUTH_MODE is {0:?}: set it to `cognito` (tokens from the user pool) \
     or `open` (no checks, demo stages only)"
)]
pub struct AuthModeError(String);

impl AuthMode {
    /// Reads `AUTH_MODE`. Unset means `cognito`: a function that was not
    /// told otherwise refuses rather than admits.
    pub fn from_env() -> Result<Self, AuthModeError> {
        Self::parse(std::env::var("AUTH_MODE").ok().as_deref())
    }

    pub fn parse(value: Option<&str>) -> Result<Self, AuthModeError> {
        match value.map(str::trim) {
            None | Some("") | Some("cognito") => Ok(Self::Cognito),
            Some("open") => Ok(Self::Open),
            Some(other) => Err(AuthModeError(other.to_owned())),
        }
    }

    /// May the caller read and write `owner`'s record? Yes for `owner`
    /// themselves and for admins.
    pub fn authorize_owner(
        self,
        request: &ApiGatewayV2httpRequest,
        owner: &Username,
    ) -> Result<(), ApiError> {
        let Some(caller) = self.caller(request)? else {
            return Ok(());
        };
        if caller.username == owner.as_str() || caller.is_admin {
            return Ok(());
        }
        Err(ApiError::forbidden(format!(
            "this token is {who}'s: it may read and write only {who}'s record, \
             and {owner}'s needs {owner}'s own token or an admin's (a member of {ADMINS_GROUP})",
            who = caller.username,
        )))
    }

    /// May the caller do what only admins may (`action`, such as "list the users")?
    pub fn authorize_admin(
        self,
        request: &ApiGatewayV2httpRequest,
        action: &str,
    ) -> Result<(), ApiError> {
        let Some(caller) = self.caller(request)? else {
            return Ok(());
        };
        if caller.is_admin {
            return Ok(());
        }
        Err(ApiError::forbidden(format!(
            "this token is {who}'s, and only members of {ADMINS_GROUP} may {action}: \
             ask an admin to add {who} to the group, or use an admin's token",
            who = caller.username,
        )))
    }

    /// The verified caller, or `None` in open mode.
    fn caller(self, request: &ApiGatewayV2httpRequest) -> Result<Option<Caller>, ApiError> {
        match self {
            Self::Open => Ok(None),
            Self::Cognito => Caller::from_claims(request).map(Some),
        }
    }
}

/// A caller as the verified claims describe them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub username: String,
    pub is_admin: bool,
}

impl Caller {
    /// Reads the caller from the authorizer's claims.
    ///
    /// Only access tokens are taken. API Gateway's authorizer does not look
    /// at `token_use`, and a pool's ID token passes it too (its `aud` is the
    /// app client). But an ID token tells a client who signed in; it is not
    /// a grant to call an API, it carries personal data (the e-mail), and
    /// clients hand it to other parties. So a function refuses it.
    pub fn from_claims(request: &ApiGatewayV2httpRequest) -> Result<Self, ApiError> {
        let claims = request
            .request_context
            .authorizer
            .as_ref()
            .and_then(|authorizer| authorizer.jwt.as_ref())
            .map(|jwt| &jwt.claims)
            .filter(|claims| !claims.is_empty())
            .ok_or_else(|| {
                // The API stack puts the JWT authorizer on every route that
                // reaches here; without it, refuse rather than allow.
                ApiError::unauthorized(
                    "this route needs a signed-in caller, but no verified token reached it: \
                     the API's JWT authorizer is missing on this route (a configuration error)",
                )
            })?;
        match claims.get("token_use").map(String::as_str) {
            Some("access") => {}
            Some(other) => {
                return Err(ApiError::unauthorized(format!(
                    "this API takes access tokens, and this is an {other} token: \
                     send the access token from the same sign-in"
                )));
            }
            None => {
                return Err(ApiError::unauthorized(
                    "the token does not say what it is for (no token_use claim): \
                     send an access token from the user pool",
                ));
            }
        }
        let username = claims
            .get("username")
            .filter(|name| !name.is_empty())
            .ok_or_else(|| ApiError::unauthorized("the access token names no username"))?;
        let is_admin = claims
            .get("cognito:groups")
            .is_some_and(|groups| groups_of(groups).any(|group| group == ADMINS_GROUP));
        Ok(Self {
            username: username.clone(),
            is_admin,
        })
    }
}

/// The groups of a `cognito:groups` claim as API Gateway passes it: the
/// token's list flattened into one string, `[admins ops]` (group names hold
/// no whitespace). Exactly one bracket each side is taken off, so a group
/// named `admins]` is not `admins`.
fn groups_of(claim: &str) -> impl Iterator<Item = &str> {
    let claim = claim.trim();
    let inner = claim
        .strip_prefix('[')
        .and_then(|c| c.strip_suffix(']'))
        .unwrap_or(claim);
    inner.split_whitespace()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::apigw::{
        ApiGatewayRequestAuthorizer, ApiGatewayRequestAuthorizerJwtDescription,
    };

    fn request(claims: &[(&str, &str)]) -> ApiGatewayV2httpRequest {
        let mut jwt = ApiGatewayRequestAuthorizerJwtDescription::default();
        jwt.claims = claims
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut authorizer = ApiGatewayRequestAuthorizer::default();
        authorizer.jwt = Some(jwt);
        let mut request = ApiGatewayV2httpRequest::default();
        request.request_context.authorizer = Some(authorizer);
        request
    }

    fn access(username: &str, groups: Option<&str>) -> ApiGatewayV2httpRequest {
        let mut claims = vec![("token_use", "access"), ("username", username)];
        if let Some(groups) = groups {
            claims.push(("cognito:groups", groups));
        }
        request(&claims)
    }

    fn user(name: &str) -> Username {
        Username::parse(name).unwrap()
    }

    #[test]
    fn the_mode_defaults_to_cognito_and_refuses_anything_unknown() {
        assert_eq!(AuthMode::parse(None), Ok(AuthMode::Cognito));
        assert_eq!(AuthMode::parse(Some("")), Ok(AuthMode::Cognito));
        assert_eq!(AuthMode::parse(Some("open")), Ok(AuthMode::Open));
        let err = AuthMode::parse(Some("Open")).unwrap_err().to_string();
        assert!(err.contains("AUTH_MODE is \"Open\""), "{err}");
    }

    #[test]
    fn owners_may_use_their_own_record_and_only_theirs() {
        let mode = AuthMode::Cognito;
        assert_eq!(
            mode.authorize_owner(&access("Ann", None), &user("Ann")),
            Ok(())
        );
        let err = mode
            .authorize_owner(&access("Bob", None), &user("Ann"))
            .unwrap_err();
        assert_eq!(err.status, 403);
        assert!(err.message.starts_with("this token is Bob's"), "{err:?}");
        assert!(
            err.message.contains("Ann's needs Ann's own token"),
            "{err:?}"
        );
    }

    #[test]
    fn usernames_are_compared_case_sensitively() {
        let err = AuthMode::Cognito
            .authorize_owner(&access("ann", None), &user("Ann"))
            .unwrap_err();
        assert_eq!(err.status, 403);
    }

    #[test]
    fn admins_may_use_anyones_record_and_list_users() {
        for groups in ["[admins]", "[ops admins]", "admins"] {
            let request = access("Ops", Some(groups));
            assert_eq!(
                AuthMode::Cognito.authorize_owner(&request, &user("Ann")),
                Ok(()),
                "{groups}"
            );
            assert_eq!(
                AuthMode::Cognito.authorize_admin(&request, "list the users"),
                Ok(()),
                "{groups}"
            );
        }
    }

    #[test]
    fn a_group_merely_containing_the_word_is_not_admins() {
        for groups in [
            "[administrators]",
            "[notadmins ops]",
            "admins-ro",
            "[admins]]",
            "[x,admins]",
            "[\"admins\"]",
        ] {
            let err = AuthMode::Cognito
                .authorize_admin(&access("Ops", Some(groups)), "list the users")
                .unwrap_err();
            assert_eq!(err.status, 403, "{groups}");
            assert!(err.message.contains("only members of admins"), "{err:?}");
        }
    }

    #[test]
    fn no_claims_is_401_never_a_default_allow() {
        let bare = ApiGatewayV2httpRequest::default();
        for result in [
            AuthMode::Cognito.authorize_owner(&bare, &user("Ann")),
            AuthMode::Cognito.authorize_admin(&bare, "list the users"),
            AuthMode::Cognito.authorize_owner(&request(&[]), &user("Ann")),
        ] {
            let err = result.unwrap_err();
            assert_eq!(err.status, 401);
            assert!(err.message.contains("authorizer is missing"), "{err:?}");
        }
    }

    #[test]
    fn id_tokens_and_tokens_without_a_purpose_or_name_are_refused() {
        let id = request(&[("token_use", "id"), ("cognito:username", "Ann")]);
        let err = AuthMode::Cognito
            .authorize_owner(&id, &user("Ann"))
            .unwrap_err();
        assert_eq!(err.status, 401);
        assert!(err.message.contains("this is an id token"), "{err:?}");
        for claims in [&[("username", "Ann")][..], &[("token_use", "access")][..]] {
            let err = AuthMode::Cognito
                .authorize_owner(&request(claims), &user("Ann"))
                .unwrap_err();
            assert_eq!(err.status, 401, "{claims:?}");
        }
    }

    #[test]
    fn open_mode_admits_anyone() {
        let bare = ApiGatewayV2httpRequest::default();
        assert_eq!(AuthMode::Open.authorize_owner(&bare, &user("Ann")), Ok(()));
        assert_eq!(AuthMode::Open.authorize_admin(&bare, "list"), Ok(()));
    }
}
