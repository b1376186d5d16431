//! `PUT /hello/{username}`: stores a user's date of birth.

use lambda_runtime::LambdaEvent;
use shared::clock::{Clock, utc_date};
use shared::domain::{DateOfBirth, Username};
use shared::http::{
    ApiError, ApiGatewayV2httpRequest, ApiGatewayV2httpResponse, Route, decode_body, empty,
    match_route, respond, string_field,
};
use shared::identity::AuthMode;
use shared::store::UserStore;

pub static ROUTES: &[Route] = &[shared::route!("PUT", "/hello/{username}")];

pub async fn handler<S: UserStore, C: Clock>(
    store: &S,
    clock: &C,
    auth: AuthMode,
    event: LambdaEvent<ApiGatewayV2httpRequest>,
) -> ApiGatewayV2httpResponse {
    respond(put_birthday(store, clock, auth, &event.payload).await)
}

async fn put_birthday<S: UserStore, C: Clock>(
    store: &S,
    clock: &C,
    auth: AuthMode,
    request: &ApiGatewayV2httpRequest,
) -> Result<ApiGatewayV2httpResponse, ApiError> {
    let route = match_route(request, ROUTES)?;
    let username = Username::parse(route.param("username"))?;
    auth.authorize_owner(request, &username)?;
    let mut body = decode_body(request)?.into_owned();
    let date = string_field(&mut body, "dateOfBirth", "1990-04-23")?;
    // One reading of the clock, so "today" and the stored timestamp agree.
    let now = clock.now();
    let date_of_birth = DateOfBirth::parse(&date, utc_date(now))?;
    store
        .put_date_of_birth(&username, date_of_birth, now)
        .await?;
    Ok(empty(204))
}
