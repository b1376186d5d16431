//! `GET /hello/{username}` (the birthday greeting) and `GET /users/{username}`
//! (the stored record: personal data, so only for its owner and admins).

use jiff::civil::Date;
use lambda_runtime::LambdaEvent;
use shared::clock::Clock;
use shared::domain::{Greeting, NextBirthday, Username};
use shared::http::{
    ApiError, ApiGatewayV2httpRequest, ApiGatewayV2httpResponse, Route, UserBody, json,
    match_route, respond,
};
use shared::identity::AuthMode;
use shared::store::{UserRecord, UserStore};

const GREETING: Route = shared::route!("GET", "/hello/{username}");
const RECORD: Route = shared::route!("GET", "/users/{username}");
pub static ROUTES: &[Route] = &[GREETING, RECORD];

#[derive(Debug, serde::Serialize)]
struct MessageBody {
    message: String,
}

pub async fn handler<S: UserStore, C: Clock>(
    store: &S,
    clock: &C,
    auth: AuthMode,
    event: LambdaEvent<ApiGatewayV2httpRequest>,
) -> ApiGatewayV2httpResponse {
    respond(get_user(store, clock, auth, &event.payload).await)
}

async fn get_user<S: UserStore, C: Clock>(
    store: &S,
    clock: &C,
    auth: AuthMode,
    request: &ApiGatewayV2httpRequest,
) -> Result<ApiGatewayV2httpResponse, ApiError> {
    let route = match_route(request, ROUTES)?;
    let username = Username::parse(route.param("username"))?;
    if *route.route == RECORD {
        // The greeting is public; the record holds the date of birth.
        auth.authorize_owner(request, &username)?;
    }
    let record = store.get(&username).await?.ok_or_else(|| {
        ApiError::not_found(format!(
            "no user is named {username}: store a date of birth first with PUT /hello/{username}"
        ))
    })?;
    let today = clock.today_utc();
    Ok(if *route.route == GREETING {
        greeting(&record, today)
    } else {
        record_body(&record, today)
    })
}

fn greeting(record: &UserRecord, today: Date) -> ApiGatewayV2httpResponse {
    let message = Greeting {
        username: &record.username,
        next_birthday: NextBirthday::after(record.date_of_birth, today),
    }
    .to_string();
    json(200, &MessageBody { message })
}

fn record_body(record: &UserRecord, today: Date) -> ApiGatewayV2httpResponse {
    json(200, &UserBody::new(record, today))
}
