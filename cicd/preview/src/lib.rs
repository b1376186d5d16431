//! Pull-request previews: every pull request of this repository gets a stack
//! of its own, `birthdays-pr-<number>`, deployed by
//! `.github/workflows/preview.yml`. This crate holds the decisions the
//! workflow makes, as plain functions over what AWS and GitHub list, so that
//! they are tested with fixtures: which preview stacks to delete
//! ([`stacks_to_delete`]), what the pull request's comment says
//! ([`comment`]), and what the API costs a month ([`cost`], `make cost`).

pub mod cost;

use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

/// The prefix of every preview stack's name; the number follows it.
pub const STACK_PREFIX: &str = "birthdays-pr-";

/// The first line of the preview's comment, so that a run finds and updates
/// its own comment instead of adding one per push.
pub const COMMENT_MARKER: &str = "<!-- birthdays-preview -->";

/// The name of pull request `number`'s preview stack.
pub fn stack_name(number: u64) -> String {
    format!("{STACK_PREFIX}{number}")
}

/// The pull request a stack previews, if it is a preview stack: exactly the
/// prefix and a number (`birthdays-pr-12`, not `birthdays-pr-12-Functions-…`,
/// a nested stack that goes with its root, nor `birthdays-prod`).
pub fn pull_request_of(stack: &str) -> Option<u64> {
    let digits = stack.strip_prefix(STACK_PREFIX)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.starts_with('0') {
        return None;
    }
    digits.parse().ok()
}

/// A stack as `aws cloudformation list-stacks` lists it (`StackSummaries`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StackSummary {
    pub stack_name: String,
    pub stack_status: String,
    #[serde(deserialize_with = "rfc3339")]
    pub creation_time: Timestamp,
}

/// An RFC 3339 instant, as the AWS CLI prints times
/// (`2026-12-01T10:00:00.123000+00:00`).
fn rfc3339<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
    let text = String::deserialize(deserializer)?;
    text.parse().map_err(serde::de::Error::custom)
}

/// Why a preview stack goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Its pull request is closed (or merged, or gone).
    Closed { pull_request: u64 },
    /// It has stood longer than the limit, whatever its pull request.
    TooOld { pull_request: u64, hours: i64 },
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::Closed { pull_request } => {
                write!(f, "pull request #{pull_request} is not open")
            }
            Reason::TooOld {
                pull_request,
                hours,
            } => write!(
                f,
                "the preview of #{pull_request} has stood {hours} hours, over the limit"
            ),
        }
    }
}

/// The preview stacks to delete, given every stack of the account and
/// region, the numbers of this repository's open pull requests, the time
/// now and the longest a preview may stand: those whose pull request is not
/// open, and those older than the limit. Stacks that are not previews, and
/// previews in the middle of an operation (a deployment or a deletion
/// running: the next sweep sees them settled), are left alone; one whose
/// deletion failed is tried again.
pub fn stacks_to_delete(
    stacks: &[StackSummary],
    open_pull_requests: &[u64],
    now: Timestamp,
    max_age: SignedDuration,
) -> Vec<(String, Reason)> {
    let mut doomed: Vec<(String, Reason)> = stacks
        .iter()
        .filter(|s| {
            s.stack_status != "DELETE_COMPLETE" && !s.stack_status.ends_with("_IN_PROGRESS")
        })
        .filter_map(|s| {
            let pull_request = pull_request_of(&s.stack_name)?;
            let age = now.duration_since(s.creation_time);
            let reason = if !open_pull_requests.contains(&pull_request) {
                Reason::Closed { pull_request }
            } else if age > max_age {
                Reason::TooOld {
                    pull_request,
                    hours: age.as_hours(),
                }
            } else {
                return None;
            };
            Some((s.stack_name.clone(), reason))
        })
        .collect();
    doomed.sort_by(|a, b| a.0.cmp(&b.0));
    doomed.dedup_by(|a, b| a.0 == b.0);
    doomed
}

/// What the preview's comment reports.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub pull_request: u64,
    pub commit: String,
    pub api_url: String,
    /// The smoke binary's verdict: `passed` or `failed`.
    pub smoke: String,
    /// The estimated monthly cost (`make cost`'s table for this pull
    /// request, and the base branch's, as Markdown), when measured.
    pub cost: Option<String>,
}

/// The pull request's comment, in Markdown, starting with
/// [`COMMENT_MARKER`].
pub fn comment(report: &Report) -> String {
    let smoke = match report.smoke.as_str() {
        "passed" => "passed ✅".to_owned(),
        other => format!("**{other}** ❌ (the workflow's log says which check)"),
    };
    let mut body = format!(
        "{COMMENT_MARKER}\n### Preview of #{number}: `{stack}`\n\n\
         | | |\n|---|---|\n\
         | Commit | `{commit}` |\n\
         | API | {api} |\n\
         | Page | none in previews: its CloudFront distribution would take longer to create and to delete than the preview lives (`make test` checks the page in a browser) |\n\
         | Smoke checks | {smoke} |\n",
        number = report.pull_request,
        stack = stack_name(report.pull_request),
        commit = report.commit,
        api = report.api_url,
    );
    if let Some(cost) = &report.cost {
        body.push_str("\n#### Estimated monthly cost\n\n");
        body.push_str(cost.trim_end());
        body.push('\n');
    }
    body.push_str(
        "\nThe stack is deleted when the pull request closes, and by the daily sweep \
         once it is older than its limit.\n",
    );
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack(name: &str, status: &str, created: &str) -> StackSummary {
        StackSummary {
            stack_name: name.to_owned(),
            stack_status: status.to_owned(),
            creation_time: created.parse().unwrap(),
        }
    }

    fn now() -> Timestamp {
        "2026-12-02T12:00:00Z".parse().unwrap()
    }

    const LIMIT: SignedDuration = SignedDuration::from_hours(72);

    #[test]
    fn only_exact_preview_names_are_previews() {
        assert_eq!(pull_request_of("birthdays-pr-12"), Some(12));
        assert_eq!(pull_request_of("birthdays-pr-12-Functions-1ABC"), None);
        assert_eq!(pull_request_of("birthdays-prod"), None);
        assert_eq!(pull_request_of("birthdays-pr-"), None);
        assert_eq!(pull_request_of("birthdays-pr-012"), None);
        assert_eq!(pull_request_of("other-birthdays-pr-3"), None);
        assert_eq!(stack_name(7), "birthdays-pr-7");
    }

    #[test]
    fn closed_pull_requests_lose_their_stacks_and_open_ones_keep_them() {
        let stacks = [
            stack("birthdays-pr-3", "CREATE_COMPLETE", "2026-12-02T08:00:00Z"),
            stack("birthdays-pr-4", "UPDATE_COMPLETE", "2026-12-02T08:00:00Z"),
            stack(
                "birthdays-pr-4-Functions-1X2Y",
                "UPDATE_COMPLETE",
                "2026-12-02T08:00:00Z",
            ),
        ];
        assert_eq!(
            stacks_to_delete(&stacks, &[4], now(), LIMIT),
            vec![(
                "birthdays-pr-3".to_owned(),
                Reason::Closed { pull_request: 3 }
            )]
        );
    }

    #[test]
    fn a_preview_older_than_the_limit_goes_even_while_open() {
        let stacks = [
            stack("birthdays-pr-5", "UPDATE_COMPLETE", "2026-11-28T11:00:00Z"),
            stack("birthdays-pr-6", "CREATE_COMPLETE", "2026-11-29T13:00:00Z"),
        ];
        assert_eq!(
            stacks_to_delete(&stacks, &[5, 6], now(), LIMIT),
            vec![(
                "birthdays-pr-5".to_owned(),
                Reason::TooOld {
                    pull_request: 5,
                    hours: 97
                }
            )]
        );
    }

    #[test]
    fn the_stages_and_stacks_mid_operation_are_left_alone() {
        let stacks = [
            stack("birthdays-dev", "UPDATE_COMPLETE", "2026-01-01T00:00:00Z"),
            stack("birthdays-prod", "UPDATE_COMPLETE", "2026-01-01T00:00:00Z"),
            stack(
                "birthdays-pipeline-prod",
                "UPDATE_COMPLETE",
                "2026-01-01T00:00:00Z",
            ),
            stack(
                "birthdays-pr-8",
                "DELETE_IN_PROGRESS",
                "2026-11-01T00:00:00Z",
            ),
            stack(
                "birthdays-pr-11",
                "UPDATE_IN_PROGRESS",
                "2026-11-01T00:00:00Z",
            ),
            stack("birthdays-pr-13", "DELETE_COMPLETE", "2026-11-01T00:00:00Z"),
        ];
        assert!(stacks_to_delete(&stacks, &[], now(), LIMIT).is_empty());
    }

    #[test]
    fn a_failed_deletion_is_tried_again() {
        let stacks = [stack(
            "birthdays-pr-9",
            "DELETE_FAILED",
            "2026-11-01T00:00:00Z",
        )];
        assert_eq!(
            stacks_to_delete(&stacks, &[], now(), LIMIT),
            vec![(
                "birthdays-pr-9".to_owned(),
                Reason::Closed { pull_request: 9 }
            )]
        );
    }

    #[test]
    fn a_failed_create_is_removed_too() {
        let stacks = [stack(
            "birthdays-pr-10",
            "ROLLBACK_COMPLETE",
            "2026-12-02T11:00:00Z",
        )];
        assert_eq!(stacks_to_delete(&stacks, &[], now(), LIMIT).len(), 1);
    }

    #[test]
    fn the_comment_is_found_again_by_its_marker_and_says_what_ran() {
        let body = comment(&Report {
            pull_request: 12,
            commit: "0123abc".to_owned(),
            api_url: "https://abc.execute-api.eu-west-1.amazonaws.com".to_owned(),
            smoke: "passed".to_owned(),
            cost: Some("| route | 1 M |\n|---|---|\n| GET /time | $0.50 |".to_owned()),
        });
        assert!(body.starts_with(COMMENT_MARKER));
        assert!(body.contains("`birthdays-pr-12`"));
        assert!(body.contains("`0123abc`"));
        assert!(body.contains("https://abc.execute-api.eu-west-1.amazonaws.com"));
        assert!(body.contains("passed ✅"));
        assert!(body.contains("| GET /time | $0.50 |"));
        let failed = comment(&Report {
            smoke: "failed".to_owned(),
            ..Report::default()
        });
        assert!(failed.contains("**failed** ❌"));
        assert!(!failed.contains("Estimated monthly cost"));
    }
}
