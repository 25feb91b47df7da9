//! Where to send the person after sign-in: a path on this site, never another site.

use std::fmt;

/// The longest "return to" path accepted, in bytes.
pub const MAX_RETURN_TO: usize = 1024;

/// A path on the relying party's own site to return to after sign-in (`/account?tab=1`):
/// relative, starting with a single `/`, in ASCII (percent-encode the rest), without a
/// backslash, a control character, white space or a fragment, so no browser can read it as another site (`//evil.example`, `/\evil.example`,
/// `/%09/evil.example` after decoding). The open-redirect guard of every integration.
#[derive(Clone, PartialEq, Eq)]
pub struct ReturnTo(String);

/// Why a "return to" path was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReturnToError {
    /// It does not start with `/`, or starts with `//` or `/\`: it could name another site.
    #[error("the return path must be a path on this site, starting with a single `/`")]
    NotRelative,
    /// It holds a backslash, a control character, white space, a `#` or a character that is not
    /// ASCII.
    #[error("the return path holds a character a browser could misread")]
    BadCharacter,
    /// Longer than [`MAX_RETURN_TO`].
    #[error("the return path is longer than {MAX_RETURN_TO} bytes")]
    TooLong,
}

impl ReturnToError {
    /// A stable code: `return_to.not_relative`, `return_to.bad_character` or `return_to.too_long`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotRelative => "return_to.not_relative",
            Self::BadCharacter => "return_to.bad_character",
            Self::TooLong => "return_to.too_long",
        }
    }
}

impl ReturnTo {
    /// Checks `path`.
    ///
    /// # Errors
    /// [`ReturnToError`] for anything but a plain path on this site.
    ///
    /// ```
    /// use govuk_one_login::protocol::ReturnTo;
    /// assert_eq!(ReturnTo::parse("/account?tab=1").unwrap().as_str(), "/account?tab=1");
    /// assert!(ReturnTo::parse("//evil.example").is_err());
    /// assert!(ReturnTo::parse("https://evil.example/").is_err());
    /// assert!(ReturnTo::parse("/\\evil.example").is_err());
    /// ```
    pub fn parse(path: &str) -> Result<Self, ReturnToError> {
        if path.len() > MAX_RETURN_TO {
            return Err(ReturnToError::TooLong);
        }
        let mut bytes = path.bytes();
        if bytes.next() != Some(b'/') {
            return Err(ReturnToError::NotRelative);
        }
        if matches!(bytes.next(), Some(b'/' | b'\\')) {
            return Err(ReturnToError::NotRelative);
        }
        // Visible ASCII only: no control character, white space, line separator or bidi control
        // can hide in it, and it goes into a `Location` header as it is.
        if path
            .chars()
            .any(|c| c == '\\' || c == '#' || !c.is_ascii_graphic())
        {
            return Err(ReturnToError::BadCharacter);
        }
        // Percent-encoded slashes or backslashes right after the first `/` could be decoded by a
        // proxy into `//`; refuse them there too.
        let lower = path.to_ascii_lowercase();
        if lower.starts_with("/%2f") || lower.starts_with("/%5c") {
            return Err(ReturnToError::NotRelative);
        }
        Ok(Self(path.to_owned()))
    }

    /// The path.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ReturnTo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A path may carry an application's query; show only its length.
        write!(f, "ReturnTo({} bytes)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_are_kept() {
        for ok in ["/", "/me", "/a/b?c=d&e=%2F", "/caf%C3%A9"] {
            assert_eq!(ReturnTo::parse(ok).map(|r| r.0), Ok(ok.to_owned()), "{ok}");
        }
    }

    #[test]
    fn anything_that_could_name_another_site_is_refused() {
        for bad in [
            "",
            "me",
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/%2F/evil.example",
            "/%5cevil.example",
            "javascript:alert(1)",
        ] {
            assert_eq!(
                ReturnTo::parse(bad).map_err(|e| e.code()),
                Err("return_to.not_relative"),
                "{bad}"
            );
        }
        for bad in [
            "/\t/evil.example",
            "/a b",
            "/a\nb",
            "/a#b",
            "/a\\b",
            "/a\u{2028}",
            "/a\u{202e}b",
            "/caf\u{e9}",
        ] {
            assert_eq!(
                ReturnTo::parse(bad).map_err(|e| e.code()),
                Err("return_to.bad_character"),
                "{bad:?}"
            );
        }
        assert_eq!(
            ReturnTo::parse(&format!("/{}", "a".repeat(MAX_RETURN_TO))),
            Err(ReturnToError::TooLong)
        );
    }
}
