//! `ProviderMetadata::parse`: any bytes, for a public environment and for a loopback custom one.
//! Accepted metadata must name the configured issuer and only secure endpoints.
#![no_main]
#![forbid(unsafe_code)]

use govuk_one_login_core::{Environment, Url};
use govuk_one_login_discovery::ProviderMetadata;
use libfuzzer_sys::fuzz_target;

fn check(data: &[u8], env: &Environment, loopback: bool) {
    match ProviderMetadata::parse(data, env) {
        Err(e) => assert!(e.code().starts_with("discovery."), "{}", e.code()),
        Ok(m) => {
            assert_eq!(m.issuer(), env.issuer());
            let mut endpoints: Vec<&Url> = vec![
                m.authorization_endpoint(),
                m.token_endpoint(),
                m.userinfo_endpoint(),
                m.jwks_uri(),
            ];
            endpoints.extend(m.end_session_endpoint());
            endpoints.extend(m.trustmark());
            for url in endpoints {
                let secure = url.scheme() == "https"
                    || (loopback
                        && url.scheme() == "http"
                        && govuk_one_login_core::internal::is_loopback(url));
                assert!(secure, "insecure endpoint accepted");
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    check(data, &Environment::integration(), false);
    if let Ok(env) = Environment::custom("http://127.0.0.1:3000/", None, None, None) {
        check(data, &env, true);
    }
});
