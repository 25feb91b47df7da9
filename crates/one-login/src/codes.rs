//! Failure codes and what the application should do about each failure.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

/// What the application should do about a failure, so that no one has to match code strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Action {
    /// Something outside the request failed (One Login, the network, a shared store): try again
    /// later; show the person a "try again shortly" page, answer 5xx to a machine.
    RetryLater,
    /// This attempt cannot go on (it expired, was used already, or the person cancelled): start
    /// the journey again.
    StartAgain,
    /// The service is set up wrongly (configuration, keys, registration): an operator must fix
    /// it; retrying will not help.
    Misconfigured,
    /// The request or a token was refused as invalid or hostile: do not retry it.
    Refused,
}

impl Action {
    /// A stable name: `retry_later`, `start_again`, `misconfigured` or `refused`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RetryLater => "retry_later",
            Self::StartAgain => "start_again",
            Self::Misconfigured => "misconfigured",
            Self::Refused => "refused",
        }
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `prefix.code` as a `&'static str`, so that a verifier's code (`claims.iss`) names the artefact
/// that failed (`id_token.claims.iss`). Codes come from fixed sets, so the interned strings are
/// bounded (a few hundred at most) and each is made once.
pub(crate) fn scoped(prefix: &'static str, code: &'static str) -> &'static str {
    static INTERNED: OnceLock<Mutex<HashMap<(&'static str, &'static str), &'static str>>> =
        OnceLock::new();
    let map = INTERNED.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = map.lock().unwrap_or_else(PoisonError::into_inner);
    map.entry((prefix, code))
        .or_insert_with(|| Box::leak(format!("{prefix}.{code}").into_boxed_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoped_codes_name_the_artefact_and_are_made_once() {
        let a = scoped("id_token", "claims.iss");
        assert_eq!(a, "id_token.claims.iss");
        assert!(std::ptr::eq(a, scoped("id_token", "claims.iss")));
        assert_eq!(
            scoped("logout_token", "claims.iss"),
            "logout_token.claims.iss"
        );
    }
}
