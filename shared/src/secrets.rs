//! Secrets, read from AWS Secrets Manager once, during init.
//!
//! A function's environment names a secret; it never holds one. Anyone who may
//! read the function's configuration (`lambda:GetFunctionConfiguration`) sees
//! its environment, while a secret's value is readable only by the roles its
//! ARN is granted to, and every read is in CloudTrail.

use aws_sdk_secretsmanager::Client;

/// Why a secret could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("Secrets Manager did not give the secret {name}: {detail}")]
    Unreadable { name: String, detail: String },
    #[error(
        "the secret {name} has no text value (a binary secret, or an empty one): \
         store it with `aws secretsmanager put-secret-value --secret-id {name} --secret-string ...`"
    )]
    NoText { name: String },
}

/// Secrets Manager, through the same HTTPS client and bounds as the store.
#[derive(Debug, Clone)]
pub struct Secrets {
    client: Client,
}

impl Secrets {
    /// A client from the SDK's settings ([`crate::aws::load`]; locally the
    /// endpoint of `AWS_ENDPOINT_URL_SECRETS_MANAGER`).
    pub fn connect(aws: &aws_config::SdkConfig) -> Self {
        Self {
            client: Client::new(aws),
        }
    }

    /// The secret's current text, trimmed. `name` is its name or ARN.
    pub async fn text(&self, name: &str) -> Result<String, SecretError> {
        let output = self
            .client
            .get_secret_value()
            .secret_id(name)
            .send()
            .await
            .map_err(|err| SecretError::Unreadable {
                name: name.to_owned(),
                detail: crate::telemetry::error_chain(&aws_sdk_secretsmanager::Error::from(err)),
            })?;
        output
            .secret_string
            .map(|text| text.trim().to_owned())
            .filter(|text| !text.is_empty())
            .ok_or_else(|| SecretError::NoText {
                name: name.to_owned(),
            })
    }
}
