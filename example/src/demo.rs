//! The no-set-up demo: the embedded mock One Login with one registered service.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use govuk_one_login::{OneLogin, Sealer, SealingKey, ServiceSpec, ServicesFile, Url};
use govuk_one_login_testkit::{MockOneLogin, identity_service};

use crate::{App, ExampleError};

/// The demo service's name.
pub const DEMO_SERVICE: &str = "demo";
/// The demo service's client id.
pub const DEMO_CLIENT_ID: &str = "example-rp-demo";

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

/// Starts the embedded mock One Login with the demo service registered for an app at `base`
/// (email, phone and identity, the testkit's client key, and `/auth/callback`, `/signed-out`
/// and `/auth/back-channel-logout`), and the app for it. The app's sealing key is generated now,
/// so the demo's sessions end with the process. Dropping the mock stops it.
///
/// # Errors
/// The testkit's or the library's error if the mock cannot start or the app cannot be built.
pub async fn demo(base: &Url) -> Result<(MockOneLogin, App), ExampleError> {
    let provider = MockOneLogin::try_start().await?;
    let service = ServiceSpec {
        redirect_uris: vec![format!("{base}auth/callback")],
        post_logout_redirect_uris: vec![format!("{base}signed-out")],
        back_channel_logout_uri: Some(format!("{base}auth/back-channel-logout")),
        ..identity_service(DEMO_SERVICE, DEMO_CLIENT_ID)
    };
    let (provider_spec, services, base_dir) = (provider.provider_spec(), vec![service], None);
    let services = ServicesFile {
        provider: provider_spec,
        services,
        base_dir,
    }
    .validate()?;
    services.iter().for_each(|s| provider.register(s));
    let (key, _) = SealingKey::generate()?;
    let app = App::new(OneLogin::builder(services).build()?, Sealer::new(key), None)?;
    Ok((provider, app))
}
