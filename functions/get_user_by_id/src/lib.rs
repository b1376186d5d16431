//! `GET /hello/{username}` (the birthday greeting) and `GET /users/{username}`
//! (the stored record).

use jiff::civil::Date;
use lambda_runtime::LambdaEvent;
use shared::clock::Clock;
use shared::domain::{Greeting, NextBirthday, Username, timestamp};
use shared::http::{
    ApiError, ApiGatewayV2httpRequest, ApiGatewayV2httpResponse, Route, json, match_route, respond,
};
use shared::store::{UserRecord, UserStore};

const GREETING: Route = shared::route!("GET", "/hello/{username}");
const RECORD: Route = shared::route!("GET", "/users/{username}");
pub static ROUTES: &[Route] = &[GREETING, RECORD];

#[derive(Debug, serde::Serialize)]
struct MessageBody {
    message: String,
}

#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct RecordBody {
    username: String,
    date_of_birth: String,
    next_birthday: String,
    days_until_birthday: i32,
    created_at: String,
    updated_at: String,
}

pub async fn handler<S: UserStore, C: Clock>(
    store: &S,
    clock: &C,
    event: LambdaEvent<ApiGatewayV2httpRequest>,
) -> ApiGatewayV2httpResponse {
    respond(get_user(store, clock, &event.payload).await)
}

async fn get_user<S: UserStore, C: Clock>(
    store: &S,
    clock: &C,
    request: &ApiGatewayV2httpRequest,
) -> Result<ApiGatewayV2httpResponse, ApiError> {
    let route = match_route(request, ROUTES)?;
    let username = Username::parse(route.param("username"))?;
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
    let next = NextBirthday::after(record.date_of_birth, today);
    json(
        200,
        &RecordBody {
            username: record.username.to_string(),
            date_of_birth: record.date_of_birth.to_string(),
            next_birthday: next.date.to_string(),
            days_until_birthday: next.days_until,
            created_at: timestamp::format_utc(record.created_at),
            updated_at: timestamp::format_utc(record.updated_at),
        },
    )
}
