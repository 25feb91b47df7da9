//! Back-channel logout bodies: `BackChannelForm::parse` and the unverified audience read only to
//! choose a verifier, then the logout verifier itself (which must refuse anything unsigned).
#![no_main]
#![forbid(unsafe_code)]

use govuk_one_login::protocol::BackChannelForm;
use govuk_one_login_fuzz::{fixtures, logout_expectations};
use govuk_one_login_verify::verify_logout_token;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(form) = BackChannelForm::parse(data) else {
        return;
    };
    assert!(!form.logout_token().is_empty());
    let _ = form.unverified_audience();
    let f = fixtures();
    assert!(verify_logout_token(form.logout_token(), &f.provider_keys, &logout_expectations()).is_err());
});
