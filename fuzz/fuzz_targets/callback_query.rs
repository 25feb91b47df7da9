//! Callback and post-logout return queries as the relying party reads them: the facade's own
//! sans-I/O parsers (`CallbackParams`, `SignOutReturn`), then what a parsed callback leads to.
//! Any input gives a value or a typed error, never a panic; a parsed callback's outcome is
//! consistent with its parameters.
#![no_main]
#![forbid(unsafe_code)]

use govuk_one_login::protocol::{CallbackError, CallbackParams, SignOutReturn};
use govuk_one_login_fuzz::ISSUER;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(params) = CallbackParams::parse(query) {
        match params.into_code(ISSUER) {
            Ok(code) => assert!(!code.is_empty()),
            Err(CallbackError::IssuerMismatch { actual, .. }) => {
                assert!(!actual.chars().any(char::is_control));
            }
            Err(e) => assert!(e.code().starts_with("sign_in.")),
        }
    }
    if let Ok(returned) = SignOutReturn::parse(query) {
        assert!(!returned.state().is_empty());
    }
});
