//! `DidDocument::from_json`: any bytes, against the configured DID. What it keeps must be an EC
//! P-256 key of that DID, findable by its full `kid`.
#![no_main]
#![forbid(unsafe_code)]

use govuk_one_login_fuzz::DID;
use govuk_one_login_verify::{DidDocument, KeyAlgorithm};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match DidDocument::from_json(data, DID) {
        Err(e) => assert!(e.code().starts_with("did."), "{}", e.code()),
        Ok(parsed) => {
            let doc = &parsed.document;
            assert_eq!(doc.id(), DID);
            let kids: Vec<&str> = doc.kids().collect();
            assert_eq!(kids.len(), doc.len());
            for kid in kids {
                assert!(kid.starts_with(&format!("{DID}#")));
                let key = doc
                    .key_for_kid(kid)
                    .unwrap_or_else(|| panic!("kid not found"));
                assert_eq!(key.algorithm(), KeyAlgorithm::ES256);
            }
            for r in &parsed.rejected {
                assert!(
                    r.reason.starts_with("did.") || r.reason.starts_with("jwk."),
                    "{}",
                    r.reason
                );
            }
        }
    }
});
