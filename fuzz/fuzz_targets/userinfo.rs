//! `UserInfo::from_json`: any bytes. Accepted userinfo has a non-empty `sub`, and its `Debug`
//! never shows the email address or phone number.
#![no_main]
#![forbid(unsafe_code)]

use govuk_one_login_verify::UserInfo;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match UserInfo::from_json(data) {
        Err(e) => assert!(e.code().starts_with("userinfo."), "{}", e.code()),
        Ok(info) => {
            assert!(!info.sub.is_empty());
            let debug = format!("{info:?}");
            for secret in [&info.email, &info.phone_number].into_iter().flatten() {
                // A secret short enough to occur by chance in the field names is not a leak.
                if secret.len() >= 12 {
                    assert!(
                        !debug.contains(secret.as_str()),
                        "Debug shows personal data"
                    );
                }
            }
        }
    }
});
