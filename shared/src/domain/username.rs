use std::fmt;

/// A user's name: 1 to 64 characters, every one a Unicode letter.
///
/// Only [`Username::parse`] makes one, so any `Username` a handler holds has
/// already been checked. Case is kept: `Ann` and `ann` are two users.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Username(String);

/// Why a string is not a username.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    #[error("the username is empty: give 1 to {max} letters", max = Username::MAX_CHARS)]
    Empty,
    #[error(
        "the username is {len} characters long: use at most {max}",
        max = Username::MAX_CHARS
    )]
    TooLong { len: usize },
    #[error("the username may contain only letters, but it contains {found:?}")]
    NotALetter { found: char },
}

impl Username {
    /// The longest name accepted, in characters (not bytes).
    pub const MAX_CHARS: usize = 64;

    /// Parses an already percent-decoded path segment.
    pub fn parse(input: &str) -> Result<Self, UsernameError> {
        if input.is_empty() {
            return Err(UsernameError::Empty);
        }
        if let Some(found) = input.chars().find(|c| !c.is_alphabetic()) {
            return Err(UsernameError::NotALetter { found });
        }
        let len = input.chars().count();
        if len > Self::MAX_CHARS {
            return Err(UsernameError::TooLong { len });
        }
        Ok(Self(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_letters_of_any_script_and_keeps_case() {
        for name in [
            "john",
            "John",
            "Zoë",
            "Ægir",
            "Łukasz",
            "José",
            "Дмитрий",
            "李雷",
        ] {
            assert_eq!(Username::parse(name).unwrap().as_str(), name);
        }
    }

    #[test]
    fn rejects_anything_that_is_not_a_letter() {
        for (name, bad) in [
            ("john1", '1'),
            ("john_doe", '_'),
            ("a.b", '.'),
            ("a b", ' '),
            ("a/b", '/'),
            ("a\0b", '\0'),
            ("a-b", '-'),
            ("😀", '😀'),
        ] {
            assert_eq!(
                Username::parse(name),
                Err(UsernameError::NotALetter { found: bad }),
                "{name:?}"
            );
        }
    }

    #[test]
    fn rejects_empty_and_overlong_names() {
        assert_eq!(Username::parse(""), Err(UsernameError::Empty));
        let max = "ë".repeat(Username::MAX_CHARS);
        assert!(Username::parse(&max).is_ok(), "64 two-byte letters fit");
        let over = "a".repeat(Username::MAX_CHARS + 1);
        assert_eq!(
            Username::parse(&over),
            Err(UsernameError::TooLong { len: 65 })
        );
    }

    #[test]
    fn errors_read_as_sentences() {
        assert_eq!(
            Username::parse("john1").unwrap_err().to_string(),
            "the username may contain only letters, but it contains '1'"
        );
    }
}
