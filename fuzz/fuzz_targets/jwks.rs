//! `KeySet::from_jwks_json`: any bytes. What it keeps must be usable: every key has a unique
//! `kid` and can be found by it; every rejection carries a stable `jwk.*` code.
#![no_main]
#![forbid(unsafe_code)]

use govuk_one_login_verify::{KeyAlgorithm, KeySet};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match KeySet::from_jwks_json(data) {
        Err(e) => assert!(e.code().starts_with("jwks.")),
        Ok(parsed) => {
            let kids: Vec<&str> = parsed.keys.kids().collect();
            assert_eq!(kids.len(), parsed.keys.len(), "a kept key has no kid");
            for kid in &kids {
                let key = parsed
                    .keys
                    .get(kid)
                    .unwrap_or_else(|| panic!("kid not found"));
                assert_eq!(key.kid(), Some(*kid));
                assert_eq!(
                    kids.iter().filter(|k| *k == kid).count(),
                    1,
                    "duplicate kid kept"
                );
                match key.algorithm() {
                    KeyAlgorithm::ES256 => assert!(key.rsa_bits().is_none()),
                    _ => assert!(key.rsa_bits().is_some_and(|b| (2048..=8192).contains(&b))),
                }
            }
            for r in &parsed.rejected {
                assert!(r.reason.starts_with("jwk."), "{}", r.reason);
            }
        }
    }
});
