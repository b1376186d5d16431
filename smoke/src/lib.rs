//! Smoke checks of the API contract against any base URL: the happy paths
//! and a few bad inputs, each a named check with a pass/fail line.
//!
//! They write one user, `Smoketest`, and erase it again as the last check,
//! so a run leaves no data behind.
//!
//! A stage that checks tokens is smoke-tested with an access token of that
//! user (`SMOKE_TOKEN`): the checks then also see that a request without a
//! token is refused (401) and that the token opens no other user's record
//! (403). Without a token the stage must be in open mode.

pub mod http;

use http::{Reply, send_as};
use serde_json::Value;

/// The user the checks write.
pub const SMOKE_USER: &str = "Smoketest";

/// The outcome of one check.
#[derive(Debug)]
pub struct Outcome {
    pub name: &'static str,
    pub result: Result<(), String>,
}

type Check = (&'static str, fn(&Api) -> Result<(), String>);

/// The checks, in order: later ones read what earlier ones wrote.
const CHECKS: &[Check] = &[
    ("GET /time answers the server time", time),
    ("GET /time?tz=Asia/Kolkata answers in +05:30", time_in_zone),
    ("GET /time?tz=Not/AZone is a 400", unknown_zone),
    (
        "PUT /hello/{username} without a token is a 401 (cognito)",
        no_token,
    ),
    ("PUT /hello/{username} stores a date of birth", put_birthday),
    (
        "GET /users/{another} with the token is a 403 (cognito)",
        another_user,
    ),
    ("GET /hello/{username} greets", greeting),
    ("GET /users/{username} returns the record", record),
    (
        "PUT a future date is a 400 and changes nothing",
        future_date,
    ),
    ("PUT malformed JSON is a 400", malformed_json),
    ("an invalid username is a 400", invalid_username),
    ("an unknown user is a 404", unknown_user),
    (
        "the page loads with its security headers (WEB_URL)",
        web_page,
    ),
    (
        "the API answers through the page's origin (WEB_URL)",
        web_api,
    ),
    (
        "DELETE /users/{username} erases the record, leaving nothing behind",
        delete_user,
    ),
];

/// Runs every check against `base_url`, with `token` (an access token of
/// [`SMOKE_USER`]) on the routes that need one, or none for an open stage.
pub fn run(base_url: &str, token: Option<&str>, web_url: Option<&str>) -> Vec<Outcome> {
    let api = Api {
        base_url,
        token,
        web_url,
    };
    CHECKS
        .iter()
        .map(|(name, check)| Outcome {
            name,
            result: check(&api),
        })
        .collect()
}

struct Api<'a> {
    base_url: &'a str,
    token: Option<&'a str>,
    /// Where the page is served (the CloudFront distribution), if checked.
    web_url: Option<&'a str>,
}

impl Api<'_> {
    fn send(&self, method: &str, path: &str, body: Option<&str>) -> Result<Reply, String> {
        send_as(self.base_url, method, path, body, self.token)
    }

    fn expect(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        status: u16,
    ) -> Result<Reply, String> {
        let reply = self.send(method, path, body)?;
        if reply.status != status {
            return Err(format!(
                "{method} {path}: expected {status}, got {}: {}",
                reply.status, reply.body
            ));
        }
        Ok(reply)
    }

    /// A 4xx whose body is `{"message": "..."}`.
    fn expect_error(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        status: u16,
    ) -> Result<(), String> {
        let reply = self.expect(method, path, body, status)?;
        match reply.try_json()?.get("message") {
            Some(Value::String(m)) if !m.is_empty() => Ok(()),
            _ => Err(format!("{method} {path}: no message in {}", reply.body)),
        }
    }
}

fn field<'v>(json: &'v Value, name: &str) -> Result<&'v Value, String> {
    json.get(name)
        .ok_or_else(|| format!("no {name:?} in {json}"))
}

fn time(api: &Api) -> Result<(), String> {
    let json = api.expect("GET", "/time", None, 200)?.try_json()?;
    let time = field(&json, "time")?.as_str().unwrap_or_default();
    let parsed: jiff::Timestamp = time.parse().map_err(|e| format!("time {time:?}: {e}"))?;
    let epoch = field(&json, "epochSeconds")?
        .as_i64()
        .ok_or("epochSeconds is not an integer")?;
    if parsed.as_second() != epoch {
        return Err(format!("time {time} and epochSeconds {epoch} disagree"));
    }
    field(&json, "timezone")?
        .as_str()
        .ok_or("timezone is not a string")?;
    Ok(())
}

fn time_in_zone(api: &Api) -> Result<(), String> {
    let json = api
        .expect("GET", "/time?tz=Asia/Kolkata", None, 200)?
        .try_json()?;
    let time = field(&json, "time")?.as_str().unwrap_or_default();
    if !time.ends_with("+05:30") || json["timezone"] != "Asia/Kolkata" {
        return Err(format!("not in Asia/Kolkata: {json}"));
    }
    Ok(())
}

fn unknown_zone(api: &Api) -> Result<(), String> {
    api.expect_error("GET", "/time?tz=Not/AZone", None, 400)
}

const SMOKE_DATE: &str = "1990-04-23";

fn put_birthday(api: &Api) -> Result<(), String> {
    let body = format!(r#"{{"dateOfBirth":"{SMOKE_DATE}"}}"#);
    let reply = api.expect("PUT", &format!("/hello/{SMOKE_USER}"), Some(&body), 204)?;
    if !reply.body.is_empty() {
        return Err(format!("204 with a body: {:?}", reply.body));
    }
    Ok(())
}

fn greeting(api: &Api) -> Result<(), String> {
    let json = api
        .expect("GET", &format!("/hello/{SMOKE_USER}"), None, 200)?
        .try_json()?;
    let message = field(&json, "message")?.as_str().unwrap_or_default();
    let expected = format!("Hello, {SMOKE_USER}! ");
    let rest = message
        .strip_prefix(&expected)
        .ok_or(format!("unexpected greeting {message:?}"))?;
    let well_formed = rest == "Happy birthday!"
        || rest == "Your birthday is in 1 day"
        || rest
            .strip_prefix("Your birthday is in ")
            .and_then(|r| r.strip_suffix(" days"))
            .is_some_and(|n| n.parse::<u16>().is_ok_and(|n| n > 1));
    if !well_formed {
        return Err(format!("unexpected greeting {message:?}"));
    }
    Ok(())
}

fn record(api: &Api) -> Result<(), String> {
    let json = api
        .expect("GET", &format!("/users/{SMOKE_USER}"), None, 200)?
        .try_json()?;
    if json["username"] != SMOKE_USER || json["dateOfBirth"] != SMOKE_DATE {
        return Err(format!("unexpected record {json}"));
    }
    for name in [
        "nextBirthday",
        "daysUntilBirthday",
        "createdAt",
        "updatedAt",
    ] {
        field(&json, name)?;
    }
    Ok(())
}

fn future_date(api: &Api) -> Result<(), String> {
    api.expect_error(
        "PUT",
        &format!("/hello/{SMOKE_USER}"),
        Some(r#"{"dateOfBirth":"2999-01-01"}"#),
        400,
    )?;
    record(api)
}

fn malformed_json(api: &Api) -> Result<(), String> {
    api.expect_error("PUT", &format!("/hello/{SMOKE_USER}"), Some("{"), 400)
}

fn invalid_username(api: &Api) -> Result<(), String> {
    api.expect_error("GET", "/hello/john1", None, 400)
}

fn unknown_user(api: &Api) -> Result<(), String> {
    api.expect_error("GET", "/hello/Smoketestnobody", None, 404)
}

fn no_token(api: &Api) -> Result<(), String> {
    if api.token.is_none() {
        return Ok(()); // An open stage: nothing to refuse.
    }
    let path = format!("/hello/{SMOKE_USER}");
    let body = format!(r#"{{"dateOfBirth":"{SMOKE_DATE}"}}"#);
    let reply = send_as(api.base_url, "PUT", &path, Some(&body), None)?;
    if reply.status != 401 || reply.try_json()?["message"] != "Unauthorized" {
        return Err(format!(
            "PUT {path} without a token: expected 401 Unauthorized, got {}: {}",
            reply.status, reply.body
        ));
    }
    Ok(())
}

fn another_user(api: &Api) -> Result<(), String> {
    if api.token.is_none() {
        return Ok(());
    }
    // Refused before any lookup, so the other user need not exist.
    api.expect_error("GET", "/users/Smoketestother", None, 403)
}

fn web_page(api: &Api) -> Result<(), String> {
    let Some(web) = api.web_url else {
        return Ok(()); // No page to check on this run.
    };
    let reply = send_as(web, "GET", "/", None, None)?;
    if reply.status != 200
        || !reply
            .content_type
            .as_deref()
            .unwrap_or("")
            .starts_with("text/html")
    {
        return Err(format!(
            "GET {web}/: expected a 200 HTML page, got {} {:?}",
            reply.status, reply.content_type
        ));
    }
    for header in [
        "content-security-policy",
        "x-content-type-options",
        "x-frame-options",
    ] {
        if !reply.headers.contains_key(header) {
            return Err(format!("GET {web}/ has no {header} header"));
        }
    }
    let config = send_as(web, "GET", "/config.json", None, None)?.try_json()?;
    if config["auth"] != "cognito" && config["auth"] != "open" {
        return Err(format!(
            "{web}/config.json does not say how to sign in: {config}"
        ));
    }
    Ok(())
}

fn web_api(api: &Api) -> Result<(), String> {
    let Some(web) = api.web_url else {
        return Ok(());
    };
    let reply = send_as(web, "GET", "/time", None, None)?;
    if reply.status != 200 {
        return Err(format!(
            "GET {web}/time: expected 200, got {}: {}",
            reply.status, reply.body
        ));
    }
    field(&reply.try_json()?, "epochSeconds").map(|_| ())
}

fn delete_user(api: &Api) -> Result<(), String> {
    let path = format!("/users/{SMOKE_USER}");
    let reply = api.expect("DELETE", &path, None, 204)?;
    if !reply.body.is_empty() {
        return Err(format!("204 with a body: {:?}", reply.body));
    }
    api.expect_error("GET", &format!("/hello/{SMOKE_USER}"), None, 404)?;
    api.expect_error("DELETE", &path, None, 404)
}
