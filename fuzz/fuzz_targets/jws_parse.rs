//! Compact JWS parsing: any text, given to `token_kid` and to every verifier. Nothing unsigned can
//! verify, so every verifier must refuse it, with a stable error code, and none may panic.
#![no_main]
#![forbid(unsafe_code)]

use govuk_one_login_fuzz::{fixtures, id_expectations, identity_expectations, logout_expectations};
use govuk_one_login_verify::{
    DEFAULT_MAX_TOKEN_BYTES, token_kid, verify_core_identity, verify_id_token, verify_logout_token,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let token = String::from_utf8_lossy(data);
    let f = fixtures();
    if let Ok(Some(kid)) = token_kid(&token, DEFAULT_MAX_TOKEN_BYTES) {
        assert!(!kid.is_empty() && kid.len() <= govuk_one_login_verify::MAX_KID_BYTES);
        assert!(!kid.chars().any(char::is_control));
    }
    for rs256 in [false, true] {
        let err = verify_id_token(&token, &f.provider_keys, &id_expectations(rs256))
            .err()
            .unwrap_or_else(|| panic!("an unsigned ID token verified"));
        assert!(!err.code().is_empty());
    }
    let err = verify_logout_token(&token, &f.provider_keys, &logout_expectations())
        .err()
        .unwrap_or_else(|| panic!("an unsigned logout token verified"));
    assert!(!err.code().is_empty());
    let err = verify_core_identity(&token, &f.did, &identity_expectations())
        .err()
        .unwrap_or_else(|| panic!("an unsigned identity JWT verified"));
    assert!(!err.code().is_empty());
});
