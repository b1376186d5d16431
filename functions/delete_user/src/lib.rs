//! `DELETE /users/{username}`: erases a user's record, for its owner (or an
//! admin, on the owner's request): the date of birth and its timestamps go,
//! and nothing of them is kept.

use lambda_runtime::LambdaEvent;
use shared::domain::Username;
use shared::http::{
    ApiError, ApiGatewayV2httpRequest, ApiGatewayV2httpResponse, Route, empty, match_route, respond,
};
use shared::identity::AuthMode;
use shared::store::UserStore;

pub static ROUTES: &[Route] = &[shared::route!("DELETE", "/users/{username}")];

pub async fn handler<S: UserStore>(
    store: &S,
    auth: AuthMode,
    event: LambdaEvent<ApiGatewayV2httpRequest>,
) -> ApiGatewayV2httpResponse {
    respond(delete_user(store, auth, &event.payload).await)
}

async fn delete_user<S: UserStore>(
    store: &S,
    auth: AuthMode,
    request: &ApiGatewayV2httpRequest,
) -> Result<ApiGatewayV2httpResponse, ApiError> {
    let route = match_route(request, ROUTES)?;
    let username = Username::parse(route.param("username"))?;
    auth.authorize_owner(request, &username)?;
    if store.delete(&username).await? {
        Ok(empty(204))
    } else {
        Err(ApiError::not_found(format!(
            "no user is named {username}: there is nothing stored to delete"
        )))
    }
}
