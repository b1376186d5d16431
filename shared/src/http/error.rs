use aws_lambda_events::apigw::ApiGatewayV2httpResponse;

/// An answer that is not a success: a status and a sentence for the caller.
///
/// Errors are values that know their status; only [`ApiError::into_response`]
/// turns them into HTTP, with the `{"message": ...}` body API Gateway uses
/// for its own errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
}

impl ApiError {
    fn new(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, message)
    }

    /// No verified caller where one is needed.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(401, message)
    }

    /// A verified caller who may not do this.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(403, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, message)
    }

    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            413,
            format!("the request body is larger than {limit} bytes: send a smaller body"),
        )
    }

    /// Storage could not be reached in time; the client may retry.
    pub fn unavailable() -> Self {
        Self::new(
            503,
            "the user store is unavailable right now: please retry in a few seconds",
        )
    }

    /// Something on our side is wrong (for example a stored record we cannot read).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, message)
    }

    pub fn into_response(self) -> ApiGatewayV2httpResponse {
        #[derive(serde::Serialize)]
        struct Body<'a> {
            message: &'a str,
        }
        super::json(
            self.status,
            &Body {
                message: &self.message,
            },
        )
    }
}

impl From<crate::store::StoreError> for ApiError {
    /// Storage failures are logged here, with their cause chain, at the one
    /// place they become responses.
    fn from(err: crate::store::StoreError) -> Self {
        use crate::store::StoreError;
        tracing::error!(
            error = crate::telemetry::error_chain(&err),
            "storage call failed"
        );
        match err {
            StoreError::Unavailable(_) => Self::unavailable(),
            StoreError::Corrupt { .. } => {
                Self::internal("the stored record could not be read: the error was logged")
            }
        }
    }
}

impl From<crate::domain::UsernameError> for ApiError {
    fn from(err: crate::domain::UsernameError) -> Self {
        Self::bad_request(err.to_string())
    }
}

impl From<crate::domain::DateOfBirthError> for ApiError {
    fn from(err: crate::domain::DateOfBirthError) -> Self {
        Self::bad_request(err.to_string())
    }
}
