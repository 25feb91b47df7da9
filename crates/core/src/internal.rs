//! **Not part of the API.** Rules the `govuk-one-login-*` crates share, so that each has one owner
//! (here) rather than a copy in every crate that applies it. Hidden from the documentation and
//! exempt from semantic versioning: do not use it outside this workspace.

pub use crate::sector::{SectorUriProblem, non_canonical_host, sector_uri_problem};

/// `value` with any user name and password in its authority replaced by `[redacted]`, for error
/// messages; everything else is shown as written. The authority is found as
/// [`written_host`](crate::written_host) finds it (after the first `:` and any `/` or `\`), so a
/// value that does not parse as a URL is redacted too.
///
/// ```
/// use govuk_one_login_core::internal::redact_userinfo;
/// assert_eq!(redact_userinfo("https://u:pw@dept.gov.uk/p"), "https://[redacted]@dept.gov.uk/p");
/// assert_eq!(redact_userinfo("https://dept.gov.uk/a@b"), "https://dept.gov.uk/a@b");
/// ```
pub fn redact_userinfo(value: &str) -> String {
    let Some(colon) = value.find(':') else {
        return value.to_owned();
    };
    let after = &value[colon + 1..];
    let start = value.len() - after.trim_start_matches(['/', '\\']).len();
    let rest = &value[start..];
    let end = rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{}[redacted]{}", &value[..start], &rest[at..]),
        None => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_credentials_in_shown_values() {
        assert_eq!(
            redact_userinfo("https://u:pw@dept.gov.uk/p"),
            "https://[redacted]@dept.gov.uk/p"
        );
        assert_eq!(
            redact_userinfo("https://dept.gov.uk/a@b"),
            "https://dept.gov.uk/a@b"
        );
        assert_eq!(redact_userinfo("dept.gov.uk"), "dept.gov.uk");
    }

    #[test]
    fn redacts_credentials_in_values_that_are_not_urls() {
        assert_eq!(
            redact_userinfo("https://user:secret@dept gov.uk"),
            "https://[redacted]@dept gov.uk"
        );
        assert_eq!(
            redact_userinfo("https:user:secret@dept.gov.uk"),
            "https:[redacted]@dept.gov.uk"
        );
        assert_eq!(
            redact_userinfo("https:\\\\u:p@dept.gov.uk\\x?a@b"),
            "https:\\\\[redacted]@dept.gov.uk\\x?a@b"
        );
        assert_eq!(redact_userinfo("https://u:p@"), "https://[redacted]@");
    }
}
