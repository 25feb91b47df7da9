//! Why a token is not a well-formed compact JWS.

use super::TokenPart;

/// Why a token is not a well-formed compact JWS: checked before anything in it is trusted.
/// Under [`VerifyError::Form`](crate::VerifyError::Form).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenFormError {
    /// The token is longer than the configured cap (checked before any decoding).
    #[error("the token is {actual} bytes, more than the {max}-byte limit")]
    TooLarge {
        /// The cap.
        max: usize,
        /// The token's length.
        actual: usize,
    },
    /// The token is empty.
    #[error("the token is empty")]
    Empty,
    /// The token is a JWS in JSON serialization; only the compact form is accepted.
    #[error(
        "the token is in JSON serialization; only compact JWS (three base64url segments) is accepted"
    )]
    JsonSerialization,
    /// The token has five segments: an encrypted JWE, which is never accepted.
    #[error("the token is an encrypted JWE (five segments); only signed compact JWS is accepted")]
    Encrypted,
    /// The token does not have exactly three segments.
    #[error("the token has {segments} segments; a compact JWS has exactly three")]
    Segments {
        /// How many `.`-separated segments were found.
        segments: usize,
    },
    /// A segment holds characters outside the base64url alphabet (padding `=`, whitespace, `+`,
    /// `/`, ...) or is not canonical base64url.
    #[error("the token's {part} is not unpadded base64url")]
    Base64 {
        /// The segment.
        part: TokenPart,
    },
    /// A segment that must be JSON is not a JSON object.
    #[error("the token's {part} is not a JSON object")]
    NotJson {
        /// The segment.
        part: TokenPart,
    },
    /// A JSON object repeats a member name (parsers disagree on which one wins).
    #[error("the token's {part} repeats the member `{name}`")]
    DuplicateMember {
        /// The segment.
        part: TokenPart,
        /// The repeated name (truncated to 64 characters).
        name: String,
    },
}

impl TokenFormError {
    /// A stable machine-readable code (`token.*`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "token.too_large",
            Self::Empty => "token.empty",
            Self::JsonSerialization => "token.json_serialization",
            Self::Encrypted => "token.encrypted",
            Self::Segments { .. } => "token.segments",
            Self::Base64 { .. } => "token.base64",
            Self::NotJson { .. } => "token.not_json",
            Self::DuplicateMember { .. } => "token.duplicate_member",
        }
    }
}
