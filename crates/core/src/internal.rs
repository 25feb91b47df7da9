//! **Not part of the API.** Rules the `govuk-one-login-*` crates share, so that each has one owner
//! (here) rather than a copy in every crate that applies it. Hidden from the documentation and
//! exempt from semantic versioning: do not use it outside this workspace.

pub mod fixtures;
pub mod record;

pub use crate::environment::{did_web_for, is_loopback};
pub use crate::secret::constant_time_eq;
pub use crate::sector::{
    SectorUriProblem, non_canonical_host, sector_host, sector_uri_problem, service_sector_host,
};
pub use crate::transport::redacted_url;
pub use crate::types::random_bytes;

/// At most `max_chars` characters of `text` (outside text: from the provider, a callback, a
/// token), with every character that could forge a log line or reorder what a reader sees
/// replaced by U+FFFD: control characters (newlines included), the line and paragraph separators
/// U+2028/U+2029, and the bidirectional controls. The one helper every crate uses to echo outside
/// text in an error message or a log line.
///
/// ```
/// use govuk_one_login_core::internal::printable;
/// assert_eq!(printable("ES256\nforged: line", 64), "ES256\u{fffd}forged: line");
/// assert_eq!(printable("abcdef", 3), "abc");
/// ```
pub fn printable(text: &str, max_chars: usize) -> String {
    text.chars()
        .take(max_chars)
        .map(|c| if is_unsafe(c) { '\u{fffd}' } else { c })
        .collect()
}

fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// `value` with any user name and password in its authority replaced by `[redacted]`, for error
/// messages; everything else is shown as written. The authority is found as
/// `written_host` finds it (after the first `:` and any `/` or `\`), so a
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
    fn replaces_controls_separators_and_bidi_marks_and_bounds_the_length() {
        assert_eq!(
            printable("a\nb\r\u{2028}c\u{202e}d\u{2066}", 100),
            "a\u{fffd}b\u{fffd}\u{fffd}c\u{fffd}d\u{fffd}"
        );
        assert_eq!(printable("abcdef", 3), "abc");
        assert_eq!(printable("Hélène", 10), "Hélène");
    }

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
