//! Callback queries and back-channel logout bodies as the relying party reads them: form
//! decoding (`url::form_urlencoded`), then the public checks the values reach: the constant-time
//! `state` comparison, and `token_kid` plus `verify_logout_token` for a `logout_token` (which,
//! unsigned, must be refused). The facade's own callback parser is private; see docs/security.md.
#![no_main]
#![forbid(unsafe_code)]

use govuk_one_login_core::State;
use govuk_one_login_fuzz::{fixtures, logout_expectations};
use govuk_one_login_verify::{DEFAULT_MAX_TOKEN_BYTES, token_kid, verify_logout_token};
use libfuzzer_sys::fuzz_target;

const PENDING_STATE: &str = "af0ifjsldkj-state-0123456789";

fuzz_target!(|data: &[u8]| {
    let query = data.strip_prefix(b"?").unwrap_or(data);
    let pending = State::from_string(PENDING_STATE.to_owned());
    let f = fixtures();
    for (name, value) in url::form_urlencoded::parse(query) {
        match name.as_ref() {
            "state" => assert_eq!(pending.matches(&value), value == PENDING_STATE),
            "logout_token" => {
                let _ = token_kid(&value, DEFAULT_MAX_TOKEN_BYTES);
                assert!(
                    verify_logout_token(&value, &f.provider_keys, &logout_expectations()).is_err()
                );
            }
            _ => {}
        }
    }
});
