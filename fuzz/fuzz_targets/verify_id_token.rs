//! ID token verification past the signature: the fuzzer's header (optionally) and payload are
//! signed with the provider's real EC or RSA key, so every claim check is reached. A token that
//! verifies must really say what the relying party expects (checked with a lenient oracle).
#![no_main]
#![forbid(unsafe_code)]

use govuk_one_login_fuzz::{
    CLIENT_ID, ISSUER, NONCE, Signer, audience_is_client, claims_of, fixtures, id_expectations,
    sign, split_input, times_hold,
};
use govuk_one_login_verify::verify_id_token;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let input = split_input(data);
    let rs256 = input.mode & 1 == 1;
    let signer = if rs256 {
        Signer::ProviderRsa
    } else {
        Signer::ProviderEc
    };
    let token = sign(signer, input.header, input.payload, None);
    let f = fixtures();
    match verify_id_token(&token, &f.provider_keys, &id_expectations(rs256)) {
        Err(e) => assert!(!e.code().is_empty()),
        Ok(v) => {
            let c = claims_of(input.payload);
            assert_eq!(c.get("iss").and_then(Value::as_str), Some(ISSUER));
            assert!(audience_is_client(&c));
            if let Some(azp) = c.get("azp") {
                assert_eq!(azp.as_str(), Some(CLIENT_ID));
            }
            assert_eq!(c.get("nonce").and_then(Value::as_str), Some(NONCE));
            assert_eq!(c.get("vot").and_then(Value::as_str), Some("Cl.Cm"));
            assert!(times_hold(&c));
            assert!(!c.contains_key("events"));
            assert!(!v.sub().is_empty());
            assert_eq!(Some(v.sub()), c.get("sub").and_then(Value::as_str));
            assert_eq!(v.raw(), token);
        }
    }
});
