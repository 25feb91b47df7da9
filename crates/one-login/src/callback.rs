//! Reading the callback query strictly.

use crate::error::SignInError;

/// The parameters of an authorization response.
#[derive(Default)]
pub(crate) struct Callback {
    pub(crate) code: Option<String>,
    pub(crate) state: Option<String>,
    pub(crate) error: Option<String>,
    pub(crate) error_description: Option<String>,
    pub(crate) iss: Option<String>,
}

/// The most bytes of callback query accepted (codes and states are short; this bounds hostile input).
pub(crate) const MAX_CALLBACK_BYTES: usize = 8 * 1024;

/// Parses a callback query (with or without a leading `?`). A parameter that appears twice is
/// refused, whatever its name: a repeated `code` or `state` is an injection attempt.
pub(crate) fn parse(query: &str) -> Result<Callback, SignInError> {
    if query.len() > MAX_CALLBACK_BYTES {
        return Err(SignInError::MalformedCallback("the query is too long"));
    }
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut cb = Callback::default();
    let mut seen: Vec<String> = Vec::new();
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        if seen.iter().any(|s| *s == name) {
            return Err(SignInError::DuplicateParameter(crate::rp::printable(
                &name, 32,
            )));
        }
        seen.push(name.to_string());
        let slot = match name.as_ref() {
            "code" => &mut cb.code,
            "state" => &mut cb.state,
            "error" => &mut cb.error,
            "error_description" => &mut cb.error_description,
            "iss" => &mut cb.iss,
            _ => continue,
        };
        *slot = Some(value.into_owned());
    }
    Ok(cb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_code_state_and_iss() {
        let cb = parse("?code=abc&state=xyz&iss=https%3A%2F%2Fop%2F&extra=1").unwrap();
        assert_eq!(cb.code.as_deref(), Some("abc"));
        assert_eq!(cb.state.as_deref(), Some("xyz"));
        assert_eq!(cb.iss.as_deref(), Some("https://op/"));
    }

    #[test]
    fn refuses_repeated_parameters_and_huge_queries() {
        assert_eq!(
            parse("code=a&code=b").err().map(|e| e.code()),
            Some("sign_in.duplicate_parameter")
        );
        assert_eq!(
            parse("state=a&x=1&state=a").err().map(|e| e.code()),
            Some("sign_in.duplicate_parameter")
        );
        let huge = format!("code={}", "a".repeat(MAX_CALLBACK_BYTES));
        assert_eq!(
            parse(&huge).err().map(|e| e.code()),
            Some("sign_in.malformed_callback")
        );
    }
}
