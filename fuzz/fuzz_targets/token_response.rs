//! Token endpoint answers: `TokenResponse::parse` over any status and body. Accepted answers
//! have non-empty tokens and a Bearer token type; refusals carry a stable code.
#![no_main]
#![forbid(unsafe_code)]

use govuk_one_login::protocol::TokenResponse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (status, body) = match data.split_first() {
        Some((first, rest)) if *first < 128 => (200, rest),
        Some((first, rest)) => (u16::from(*first) + 300, rest),
        None => (200, data),
    };
    match TokenResponse::parse(status, body) {
        Ok(r) => {
            assert_eq!(status, 200);
            assert!(!r.access_token().is_empty() && !r.id_token().is_empty());
            let text = String::from_utf8_lossy(body);
            assert!(!text.contains("\"error\""), "an error member is never accepted");
        }
        Err(e) => assert!(!e.code().is_empty()),
    }
});
