//! The page of `web/` in a real browser (headless Chromium over WebDriver),
//! served by the local gateway beside the API and signing in with the local
//! user pool, as a person would use it. Screenshots of each step go to
//! `<target folder>/tmp/screenshots/` for review.

use std::path::PathBuf;

use api_tests::browser::Browser;
use api_tests::http::{base_url, send_raw, unique_username};
use api_tests::identity::{DEFAULT_PASSWORD, admin_token, identity, tokens_of};
use serde_json::json;

fn shot(browser: &Browser, name: &str) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    browser.screenshot(&dir.join(format!("{name}.png")));
}

fn sign_in(browser: &Browser, username: &str) {
    browser.type_into("#username", username);
    browser.type_into("#password", DEFAULT_PASSWORD);
    browser.click("#sign-in");
    browser.wait_for_text("#who", "the signed-in user", |t| t.contains(username));
}

/// Types a date into the date field as a person does in an en-US browser
/// (month, day, year), which the field turns into `YYYY-MM-DD`.
fn enter_date(browser: &Browser, iso: &str) {
    let (year, rest) = iso.split_at(4);
    let (month, day) = (&rest[1..3], &rest[4..6]);
    browser.type_into("#dob", &format!("{month}{day}{year}"));
    let value = browser.run("return document.querySelector('#dob').value;", json!([]));
    assert_eq!(value, json!(iso), "the date field holds what was typed");
}

fn put_as(token: &str, username: &str, date: &str) -> u16 {
    let auth = format!("Bearer {token}");
    send_raw(
        "PUT",
        &format!("/hello/{username}"),
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        format!(r#"{{"dateOfBirth":"{date}"}}"#).as_bytes(),
    )
    .status
}

#[test]
#[ignore = "needs the local API and a browser: `make test` runs it"]
fn a_person_signs_in_stores_a_date_sees_the_greeting_and_signs_out() {
    let name = unique_username("Web");
    tokens_of(&name, false); // the user exists in the pool, as after sign-up
    let browser = Browser::start(1280, 900);
    browser.goto(&format!("{}/", base_url()));
    browser.find("#sign-in-form");
    shot(&browser, "01-signed-out");

    sign_in(&browser, &name);
    shot(&browser, "02-signed-in");

    enter_date(&browser, "1990-04-23");
    browser.click("#save");
    let greeting = browser.wait_for_text("#greeting", "the greeting", |t| {
        t.contains(&format!("Hello, {name}!"))
    });
    assert!(
        greeting.contains("Your birthday is in") || greeting.contains("Happy birthday"),
        "{greeting}"
    );
    browser.wait_for_text("#record", "the stored date", |t| t.contains("1990-04-23"));
    let time = browser.text("#server-time");
    assert!(
        time.chars().any(|c| c.is_ascii_digit()),
        "server time shown: {time:?}"
    );
    shot(&browser, "03-stored");

    // A refused date: the API's own words, and nothing lost.
    let refused = send_raw(
        "PUT",
        &format!("/hello/{name}"),
        &[
            (
                "authorization",
                &format!("Bearer {}", tokens_of(&name, false).access),
            ),
            ("content-type", "application/json"),
        ],
        br#"{"dateOfBirth":"2999-01-01"}"#,
    );
    assert_eq!(refused.status, 400);
    let message: serde_json::Value = serde_json::from_str(&refused.body).unwrap();
    let message = message["message"].as_str().unwrap().to_owned();
    enter_date(&browser, "2999-01-01");
    browser.click("#save");
    browser.wait_for_text("#status", "the API's message", |t| t.contains(&message));
    assert!(
        browser.text("#record").contains("1990-04-23"),
        "the record stays shown"
    );
    let kept = browser.run("return document.querySelector('#dob').value;", json!([]));
    assert_eq!(kept, json!("2999-01-01"), "the form keeps what was typed");
    assert!(
        browser.text("#users").is_empty(),
        "no user list for a non-admin"
    );
    shot(&browser, "04-refused");

    // Only the page's origin and the identity endpoint were contacted.
    let identity_origin = identity()
        .cognito
        .endpoint()
        .trim_end_matches('/')
        .to_owned();
    for url in browser.requested_urls() {
        assert!(
            url.starts_with(&base_url()) || url.starts_with(&identity_origin),
            "the page requested {url}, outside its origin and the identity endpoint"
        );
    }

    // Readable at a phone's width: nothing wider than the screen.
    browser.set_size(375, 740);
    let overflow = browser.run(
        "return document.documentElement.scrollWidth - window.innerWidth;",
        json!([]),
    );
    assert!(
        overflow.as_i64().unwrap_or(1) <= 0,
        "wider than a phone by {overflow} px"
    );
    shot(&browser, "05-phone");
    browser.set_size(1280, 900);

    browser.click("#sign-out");
    browser.find("#sign-in-form");
    browser.wait_for_text("#who", "no signed-in user", |t| !t.contains(&name));
    shot(&browser, "06-signed-out-again");
}

fn status_of(method: &str, path: &str, token: &str) -> u16 {
    send_raw(
        method,
        path,
        &[("authorization", &format!("Bearer {token}"))],
        b"",
    )
    .status
}

#[test]
#[ignore = "needs the local API and a browser: `make test` runs it"]
fn a_person_deletes_their_data_only_once_they_confirm_it_by_name() {
    let name = unique_username("Gone");
    let token = tokens_of(&name, false).access;
    assert_eq!(put_as(&token, &name, "1991-02-03"), 204);
    let browser = Browser::start(1280, 900);
    browser.goto(&format!("{}/", base_url()));
    sign_in(&browser, &name);
    browser.wait_for_text("#record", "the stored date", |t| t.contains("1991-02-03"));

    // A click without the confirmation, and one with another name, delete nothing.
    browser.click("#delete");
    browser.wait_for_text("#status", "the refusal", |t| {
        t.starts_with("Error: Nothing was deleted") && t.contains(&name)
    });
    browser.type_into("#delete-confirm", "Somebody");
    browser.click("#delete");
    browser.wait_for_text("#status", "the refusal", |t| {
        t.starts_with("Error: Nothing was deleted")
    });
    assert_eq!(status_of("GET", &format!("/users/{name}"), &token), 200);
    assert!(browser.text("#record").contains("1991-02-03"));
    shot(&browser, "11-delete-unconfirmed");

    // Typed, then Enter: the keyboard alone deletes.
    browser.type_into("#delete-confirm", &format!("{name}\u{E007}"));
    browser.wait_for_text("#status", "the deletion", |t| {
        t == format!("Deleted your data: nothing is stored for {name}.")
    });
    browser.wait_for_text("#record", "nothing stored", |t| {
        t.contains("No date of birth saved yet.")
    });
    let form = browser.run(
        "return [document.querySelector('#dob').value, document.querySelector('#delete-confirm').value, document.querySelector('#greeting').textContent];",
        json!([]),
    );
    assert_eq!(form, json!(["", "", ""]), "the form is empty afterwards");
    assert_eq!(status_of("GET", &format!("/users/{name}"), &token), 404);
    assert_eq!(status_of("GET", &format!("/hello/{name}"), &token), 404);
    shot(&browser, "12-deleted");
}

#[test]
#[ignore = "needs the local API and a browser: `make test` runs it"]
fn an_admin_pages_through_the_users() {
    let admin = admin_token();
    for _ in 0..12 {
        assert_eq!(
            put_as(&admin, &unique_username("Listed"), "1985-06-15"),
            204
        );
    }
    let name = unique_username("Boss");
    tokens_of(&name, true);
    let browser = Browser::start(1280, 900);
    browser.goto(&format!("{}/", base_url()));
    sign_in(&browser, &name);
    let rows = || {
        browser
            .run(
                "return document.querySelectorAll('#users-table tbody tr').length;",
                json!([]),
            )
            .as_i64()
            .unwrap_or(0)
    };
    browser.wait_for_text("#users", "the user list", |t| t.contains("Listed"));
    assert_eq!(rows(), 10, "a page of ten");
    let first = browser.text("#users-table");
    shot(&browser, "07-admin-users");
    browser.click("#next-page");
    browser.wait_for_text("#users-table", "the second page", |t| t != first);
    assert!(rows() >= 1);
    shot(&browser, "08-admin-next-page");
}
