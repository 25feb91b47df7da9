//! URI rules: absolute, https (http only on loopback), no fragment, reachable back-channel.

use url::Url;

use super::Problems;
use crate::config::problems::ProblemKind;
use crate::config::spec::ServiceSpec;
use crate::environment::{EnvironmentKind, is_loopback};

/// Which kind of URI is being checked, for the rules that differ.
#[derive(Clone, Copy, PartialEq, Eq)]
enum UriRole {
    Redirect,
    PostLogout,
    BackChannel,
    /// The service's JWKS: One Login fetches it, so it must be reachable like the back channel.
    Jwks,
}

fn check_uri(
    p: &mut Problems,
    service: &str,
    field: &str,
    value: &str,
    role: UriRole,
    env: Option<EnvironmentKind>,
) -> Option<Url> {
    let url = match Url::parse(value) {
        Ok(u) => u,
        Err(e) => {
            p.push(ProblemKind::InvalidUri, Some(service), field,
                format!("`{value}` is not an absolute URL ({e})."),
                "give the full URL as registered with One Login, e.g. https://my-service.gov.uk/auth/callback.".into());
            return None;
        }
    };
    let mut ok = true;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            p.push(
                ProblemKind::InsecureHttp,
                Some(service),
                field,
                format!("`{value}` uses http on a host that is not loopback."),
                "use https (http is only for 127.0.0.1, ::1 or localhost while developing).".into(),
            );
            ok = false;
        }
        other => {
            p.push(
                ProblemKind::BadScheme,
                Some(service),
                field,
                format!("`{value}` uses the `{other}` scheme."),
                "use an https URL.".into(),
            );
            ok = false;
        }
    }
    if url.fragment().is_some() {
        p.push(
            ProblemKind::FragmentInUri,
            Some(service),
            field,
            format!("`{value}` has a #fragment, which OAuth forbids in redirect URIs."),
            "remove the part from '#' on.".into(),
        );
        ok = false;
    }
    if matches!(role, UriRole::BackChannel | UriRole::Jwks)
        && is_loopback(&url)
        && env.is_some_and(|k| k != EnvironmentKind::Custom)
    {
        p.push(
            ProblemKind::UnreachableBackChannel,
            Some(service),
            field,
            format!("`{value}` is a loopback address that One Login cannot reach."),
            format!("register an https URL reachable from the internet, or leave {field} unset."),
        );
        ok = false;
    }
    let _ = role == UriRole::PostLogout;
    ok.then_some(url)
}

/// A service's checked URIs (the ones that passed; each failure is reported).
pub(super) struct ServiceUris {
    pub(super) redirect: Vec<Url>,
    pub(super) post_logout: Vec<Url>,
    pub(super) back_channel: Option<Url>,
    pub(super) jwks: Option<Url>,
}

/// Checks a service's redirect, post-logout redirect and back-channel logout URIs.
pub(super) fn service_uris(
    spec: &ServiceSpec,
    svc: &str,
    env: Option<EnvironmentKind>,
    p: &mut Problems,
) -> ServiceUris {
    if spec.redirect_uris.is_empty() {
        p.push(ProblemKind::NoRedirectUri, Some(svc), "redirect_uris",
            "the service has no redirect URI.".into(),
            "add the redirect URIs registered with One Login, e.g. redirect_uris = [\"https://my-service.gov.uk/auth/callback\"].".into());
    }
    let redirect: Vec<Url> = spec
        .redirect_uris
        .iter()
        .filter_map(|u| check_uri(p, svc, "redirect_uris", u, UriRole::Redirect, env))
        .collect();
    let post_logout: Vec<Url> = spec
        .post_logout_redirect_uris
        .iter()
        .filter_map(|u| {
            check_uri(
                p,
                svc,
                "post_logout_redirect_uris",
                u,
                UriRole::PostLogout,
                env,
            )
        })
        .collect();
    let back_channel = spec.back_channel_logout_uri.as_deref().and_then(|u| {
        check_uri(
            p,
            svc,
            "back_channel_logout_uri",
            u,
            UriRole::BackChannel,
            env,
        )
    });
    let jwks = spec
        .jwks_uri
        .as_deref()
        .and_then(|u| check_uri(p, svc, "jwks_uri", u, UriRole::Jwks, env));
    ServiceUris {
        redirect,
        post_logout,
        back_channel,
        jwks,
    }
}
