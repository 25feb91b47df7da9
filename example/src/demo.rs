//! The no-set-up demo: the embedded mock One Login with one registered service.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use govuk_one_login::{
    OneLogin, RsaPrivateKey, ServiceSpec, Services, ServicesFile, TokenAuthSpec, Url,
};
use govuk_one_login_testkit::MockOneLogin;

use crate::error::ExampleError;

/// The demo service's name.
pub const DEMO_SERVICE: &str = "demo";
/// The demo service's client id.
pub const DEMO_CLIENT_ID: &str = "example-rp-demo";
/// The `kid` of the demo service's generated client key.
pub const DEMO_KEY_ID: &str = "example-rp-demo-key";

/// The app's base URL for a listening address: `http://IP:PORT/`, with an unspecified address
/// (`0.0.0.0`, `::`) written as loopback, since One Login allows plain http only there.
///
/// # Errors
/// A [`url::ParseError`], which an IP address and port never produce.
pub fn base_url(addr: SocketAddr) -> Result<Url, url::ParseError> {
    let ip = match addr.ip() {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    Url::parse(&format!("http://{}/", SocketAddr::new(ip, addr.port())))
}

/// The demo service at `base` (the app's `http://127.0.0.1:PORT/`): sign-in with email and
/// phone, identity allowed (`Cl.Cm.P2` with the core identity, address and return codes), and
/// the callback, signed-out page and back-channel logout at `/auth/callback`, `/signed-out` and
/// `/auth/back-channel-logout`.
pub fn demo_service(base: &Url, key: &RsaPrivateKey) -> ServiceSpec {
    let at = |path: &str| format!("{}{path}", base.as_str().trim_end_matches('/'));
    ServiceSpec {
        name: DEMO_SERVICE.into(),
        client_id: DEMO_CLIENT_ID.into(),
        redirect_uris: vec![at("/auth/callback")],
        post_logout_redirect_uris: vec![at("/signed-out")],
        back_channel_logout_uri: Some(at("/auth/back-channel-logout")),
        scopes: Some(vec!["openid".into(), "email".into(), "phone".into()]),
        identity_vtr: Some("Cl.Cm.P2".into()),
        claims: vec![
            "coreIdentityJWT".into(),
            "address".into(),
            "returnCode".into(),
        ],
        token_auth: TokenAuthSpec {
            key_pem: Some(key.pem().clone()),
            key_id: Some(DEMO_KEY_ID.into()),
            ..TokenAuthSpec::default()
        },
        ..ServiceSpec::default()
    }
}

/// The embedded mock One Login with the demo service registered.
#[derive(Debug)]
pub struct Demo {
    provider: MockOneLogin,
    services: Services,
}

impl Demo {
    /// Starts the mock provider, generates the demo service's RSA key, and registers the demo
    /// service for an app served at `base`.
    ///
    /// # Errors
    /// [`ExampleError::Provider`] if the provider cannot start, [`ExampleError::Key`] if the key
    /// cannot be generated, [`ExampleError::Config`] if the demo service is refused (a `base`
    /// that is not loopback http or https).
    pub async fn start(base: &Url) -> Result<Self, ExampleError> {
        let provider = MockOneLogin::try_start().await?;
        let key = RsaPrivateKey::generate(DEMO_KEY_ID)?;
        let file = ServicesFile {
            provider: provider.provider_spec(),
            services: vec![demo_service(base, &key)],
            base_dir: None,
        };
        let services = file.validate()?;
        for service in services.iter() {
            provider.register(service);
        }
        Ok(Self { provider, services })
    }

    /// The mock provider (to script its user or faults, or mint logout tokens).
    pub fn provider(&self) -> &MockOneLogin {
        &self.provider
    }

    /// The checked demo services.
    pub fn services(&self) -> &Services {
        &self.services
    }

    /// The relying parties of the demo services, on the reqwest transport.
    ///
    /// # Errors
    /// [`ExampleError::Setup`] if they cannot be built.
    pub fn one_login(&self) -> Result<OneLogin, ExampleError> {
        Ok(OneLogin::builder(self.services.clone()).build()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_writes_unspecified_addresses_as_loopback() {
        let url = |s: &str| base_url(s.parse().unwrap()).unwrap().to_string();
        assert_eq!(url("127.0.0.1:8080"), "http://127.0.0.1:8080/");
        assert_eq!(url("0.0.0.0:9000"), "http://127.0.0.1:9000/");
        assert_eq!(url("[::]:9000"), "http://[::1]:9000/");
        assert_eq!(url("[::1]:80"), "http://[::1]/");
    }

    #[test]
    fn demo_service_puts_its_uris_on_the_apps_base() {
        let key = RsaPrivateKey::generate("k").unwrap();
        let base = Url::parse("http://127.0.0.1:4321/").unwrap();
        let spec = demo_service(&base, &key);
        assert_eq!(spec.redirect_uris, ["http://127.0.0.1:4321/auth/callback"]);
        assert_eq!(
            spec.post_logout_redirect_uris,
            ["http://127.0.0.1:4321/signed-out"]
        );
        assert_eq!(
            spec.back_channel_logout_uri.as_deref(),
            Some("http://127.0.0.1:4321/auth/back-channel-logout")
        );
        assert_eq!(spec.identity_vtr.as_deref(), Some("Cl.Cm.P2"));
    }
}
