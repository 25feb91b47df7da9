//! `ServicesFile::parse_toml` then `validate`: any text. Key and secret *files* named by the
//! input are replaced by a path that does not exist before validating (a services file is trusted
//! configuration; the fuzzer must not read `/dev/zero`). A file that validates has services.
#![no_main]
#![forbid(unsafe_code)]

use govuk_one_login_core::ServicesFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut file = match ServicesFile::parse_toml(text) {
        Ok(f) => f,
        Err(e) => {
            assert_eq!(e.code(), "config.parse");
            return;
        }
    };
    for s in &mut file.services {
        if s.token_auth.key_file.is_some() {
            s.token_auth.key_file = Some("/nonexistent/govuk-one-login-fuzz/key.pem".into());
        }
        if s.token_auth.secret_file.is_some() {
            s.token_auth.secret_file = Some("/nonexistent/govuk-one-login-fuzz/secret".into());
        }
    }
    match file.validate() {
        Err(e) => {
            assert!(!e.code().is_empty());
            for p in e.problems() {
                assert!(!p.kind.code().is_empty());
                assert!(!p.to_string().is_empty());
            }
        }
        Ok(services) => {
            assert!(!services.is_empty());
            for s in services.iter() {
                assert!(!s.redirect_uris().is_empty());
            }
        }
    }
    // Writing back must not panic either.
    let _ = file.to_toml();
});
