//! `GET /time`: the server's current time and time zone, or the same instant
//! in the zone named by `?tz=`.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use lambda_runtime::LambdaEvent;
use shared::clock::Clock;
use shared::domain::timestamp;
use shared::http::{
    ApiError, ApiGatewayV2httpRequest, ApiGatewayV2httpResponse, Route, json, match_route, respond,
};

pub static ROUTES: &[Route] = &[shared::route!("GET", "/time")];

/// What the handler needs, built once during init.
#[derive(Debug)]
pub struct ServerTime<C> {
    pub clock: C,
    /// The zone of answers without `?tz=`: UTC, the zone Lambda runs in.
    pub zone: TimeZone,
}

#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct TimeBody<'a> {
    time: String,
    timezone: &'a str,
    epoch_seconds: i64,
}

pub async fn handler<C: Clock>(
    deps: &ServerTime<C>,
    event: LambdaEvent<ApiGatewayV2httpRequest>,
) -> ApiGatewayV2httpResponse {
    respond(server_time(deps, &event.payload))
}

fn server_time<C: Clock>(
    deps: &ServerTime<C>,
    request: &ApiGatewayV2httpRequest,
) -> Result<ApiGatewayV2httpResponse, ApiError> {
    match_route(request, ROUTES)?;
    let requested;
    let zone = match request.query_string_parameters.first("tz") {
        None => &deps.zone,
        Some(name) => {
            requested = TimeZone::get(name).map_err(|_| {
                ApiError::bad_request(format!(
                    "tz {name:?} is not a known IANA time zone: use a name such as Europe/London or Asia/Kolkata"
                ))
            })?;
            &requested
        }
    };
    Ok(json(200, &time_body(deps.clock.now(), zone)))
}

fn time_body(now: Timestamp, zone: &TimeZone) -> TimeBody<'_> {
    TimeBody {
        time: timestamp::format_in(now, zone),
        timezone: zone.iana_name().unwrap_or("Etc/Unknown"),
        epoch_seconds: now.as_second(),
    }
}
