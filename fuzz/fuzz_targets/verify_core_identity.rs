//! Core identity JWT verification past the signature: the fuzzer's header (optionally) and
//! payload are signed with the DID document's real key. An identity that verifies must be for the
//! expected person, at the expected level, with names and birth dates.
#![no_main]
#![forbid(unsafe_code)]

use govuk_one_login_fuzz::{
    IDENTITY_ISSUER, SUB, Signer, audience_is_client, claims_of, fixtures, identity_expectations,
    sign, split_input, times_hold,
};
use govuk_one_login_verify::verify_core_identity;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let input = split_input(data);
    let token = sign(Signer::Identity, input.header, input.payload, None);
    let f = fixtures();
    match verify_core_identity(&token, &f.did, &identity_expectations()) {
        Err(e) => assert!(!e.code().is_empty()),
        Ok(v) => {
            let c = claims_of(input.payload);
            assert_eq!(c.get("iss").and_then(Value::as_str), Some(IDENTITY_ISSUER));
            assert!(audience_is_client(&c));
            assert!(times_hold(&c));
            assert_eq!(v.sub(), SUB);
            assert_eq!(c.get("vot").and_then(Value::as_str), Some("P2"));
            assert!(!v.names().is_empty());
            assert!(v.names().iter().all(|n| !n.parts.is_empty()));
            assert!(!v.birth_dates().is_empty());
        }
    }
});
