//! Back-channel logout token verification past the signature: the fuzzer's header (optionally)
//! and payload are signed with the provider's real EC key. A token that verifies must be a real
//! logout token for this client.
#![no_main]
#![forbid(unsafe_code)]

use govuk_one_login_fuzz::{
    ISSUER, Signer, audience_is_client, claims_of, fixtures, logout_expectations, sign,
    split_input, times_hold,
};
use govuk_one_login_verify::{BACKCHANNEL_LOGOUT_EVENT, verify_logout_token};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let input = split_input(data);
    let typ = (input.mode & 1 == 1).then_some("logout+jwt");
    let token = sign(Signer::ProviderEc, input.header, input.payload, typ);
    let f = fixtures();
    match verify_logout_token(&token, &f.provider_keys, &logout_expectations()) {
        Err(e) => assert!(!e.code().is_empty()),
        Ok(v) => {
            let c = claims_of(input.payload);
            assert_eq!(c.get("iss").and_then(Value::as_str), Some(ISSUER));
            assert!(audience_is_client(&c));
            assert!(times_hold(&c));
            assert!(!c.contains_key("nonce"));
            let events = c.get("events").and_then(Value::as_object);
            assert!(events.is_some_and(|e| {
                e.len() == 1
                    && e.get(BACKCHANNEL_LOGOUT_EVENT)
                        .is_some_and(Value::is_object)
            }));
            assert!(!v.jti().is_empty() && v.jti().len() <= 256);
            assert!(!v.sub().is_empty());
        }
    }
});
