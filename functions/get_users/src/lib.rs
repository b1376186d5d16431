//! `GET /users`: a page of users' records, for admins.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use lambda_runtime::LambdaEvent;
use shared::clock::Clock;
use shared::domain::Username;
use shared::http::{
    ApiError, ApiGatewayV2httpRequest, ApiGatewayV2httpResponse, Route, UserBody, json,
    match_route, respond,
};
use shared::identity::AuthMode;
use shared::store::{PageSize, UserStore};

pub static ROUTES: &[Route] = &[shared::route!("GET", "/users")];

#[derive(Debug, serde::Serialize)]
struct PageBody {
    users: Vec<UserBody>,
    /// Where the next page starts (`?cursor=`), or `null` on the last page.
    next: Option<String>,
}

pub async fn handler<S: UserStore, C: Clock>(
    store: &S,
    clock: &C,
    auth: AuthMode,
    event: LambdaEvent<ApiGatewayV2httpRequest>,
) -> ApiGatewayV2httpResponse {
    respond(list_users(store, clock, auth, &event.payload).await)
}

async fn list_users<S: UserStore, C: Clock>(
    store: &S,
    clock: &C,
    auth: AuthMode,
    request: &ApiGatewayV2httpRequest,
) -> Result<ApiGatewayV2httpResponse, ApiError> {
    match_route(request, ROUTES)?;
    auth.authorize_admin(request, "list the users")?;
    let query = &request.query_string_parameters;
    let size = page_size(query.first("limit"))?;
    let after = query.first("cursor").map(cursor::decode).transpose()?;
    let page = store.list(size, after.as_ref()).await?;
    let today = clock.today_utc();
    Ok(json(
        200,
        &PageBody {
            users: page
                .users
                .iter()
                .map(|record| UserBody::new(record, today))
                .collect(),
            next: page.next.as_ref().map(cursor::encode),
        },
    ))
}

/// `limit`: 1 to 100, 25 when absent.
fn page_size(limit: Option<&str>) -> Result<PageSize, ApiError> {
    let Some(limit) = limit else {
        return Ok(PageSize::DEFAULT);
    };
    limit
        .parse::<u8>()
        .ok()
        .and_then(PageSize::new)
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "limit must be a whole number from 1 to {max}, but it is {limit:?}",
                max = PageSize::MAX
            ))
        })
}

/// The `next`/`cursor` token: opaque to callers, so the store's paging key
/// can change without changing the API. It is the page's last username,
/// behind a version tag, in URL-safe base64 (no escaping in a query string).
/// It grants nothing: a caller who forges one only chooses where a page
/// they may read anyway starts.
mod cursor {
    use super::*;

    const TAG: &str = "u1:";

    pub fn encode(last: &Username) -> String {
        URL_SAFE_NO_PAD.encode(format!("{TAG}{last}"))
    }

    pub fn decode(cursor: &str) -> Result<Username, ApiError> {
        URL_SAFE_NO_PAD
            .decode(cursor)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|text| {
                text.strip_prefix(TAG)
                    .and_then(|name| Username::parse(name).ok())
            })
            .ok_or_else(|| {
                ApiError::bad_request(
                    "the cursor is not one this API hands out: pass the previous page's \
                     `next` unchanged, or leave cursor out for the first page",
                )
            })
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn round_trips_any_username() {
            for name in ["Ann", "Zoë", "Ελένη", "李"] {
                let name = Username::parse(name).unwrap();
                let token = encode(&name);
                assert!(
                    token
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                );
                assert_eq!(decode(&token).unwrap(), name);
            }
        }
    }
}
