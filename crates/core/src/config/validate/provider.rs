//! The `[provider]` table: which environment, and its URLs for a custom one.

use super::Problems;
use crate::config::problems::ProblemKind;
use crate::config::spec::ProviderSpec;
use crate::environment::{Environment, EnvironmentError};
use url::Url;

/// The provider environment the table names, or `None` after reporting why there is none.
pub(super) fn environment(spec: &ProviderSpec, p: &mut Problems) -> Option<Environment> {
    let name = spec.environment.as_deref().unwrap_or("integration");
    let custom_fields = [
        ("provider.issuer", spec.issuer.is_some()),
        ("provider.identity_issuer", spec.identity_issuer.is_some()),
        ("provider.did_document_url", spec.did_document_url.is_some()),
        ("provider.did_controller", spec.did_controller.is_some()),
    ];
    let public = |p: &mut Problems| {
        for (field, set) in custom_fields {
            if set {
                p.push(ProblemKind::CustomSettingOnPublicEnvironment, None, field,
                    format!("`{field}` only applies to environment = \"custom\"; the {name} environment's URLs are fixed."),
                    format!("remove `{field}`, or set environment = \"custom\"."));
            }
        }
    };
    match name {
        "integration" => {
            public(p);
            Some(Environment::integration())
        }
        "production" => {
            public(p);
            Some(Environment::production())
        }
        "custom" => {
            let Some(issuer) = spec.issuer.as_deref() else {
                p.push(
                    ProblemKind::MissingIssuer,
                    None,
                    "provider.issuer",
                    "a custom environment needs its issuer.".into(),
                    "set issuer, e.g. issuer = \"http://localhost:3000/\" for the GDS simulator."
                        .into(),
                );
                return None;
            };
            match Environment::custom(
                issuer,
                spec.identity_issuer.as_deref(),
                spec.did_document_url.as_deref(),
                spec.did_controller.as_deref(),
            ) {
                Ok(env) => Some(env),
                Err(e) => {
                    let fix = match e {
                        EnvironmentError::InsecureUrl { .. } => {
                            "use https, or a loopback host (127.0.0.1, ::1, localhost) for a local mock."
                        }
                        _ => "give an absolute https URL such as https://oidc.example.gov.uk/.",
                    };
                    p.push(
                        ProblemKind::BadProviderUrl,
                        None,
                        "provider",
                        format!("{e}."),
                        fix.into(),
                    );
                    None
                }
            }
        }
        other => {
            p.push(
                ProblemKind::UnknownEnvironment,
                None,
                "provider.environment",
                format!("`{other}` is not an environment."),
                "use \"integration\", \"production\" or \"custom\".".into(),
            );
            None
        }
    }
}

/// The egress proxy, when one is set: an `http` or `https` URL with a host and no path, query
/// or fragment. Its text is never echoed (it may carry credentials).
pub(super) fn proxy(spec: &ProviderSpec, p: &mut Problems) -> Option<Url> {
    if spec
        .no_proxy
        .iter()
        .any(|e| e.trim().is_empty() || e.chars().any(|c| c.is_whitespace() || c.is_control()))
    {
        p.push(
            ProblemKind::BadProxy,
            None,
            "provider.no_proxy",
            "a `provider.no_proxy` entry is empty or holds spaces.".into(),
            "list host names, addresses or CIDR ranges, one per entry.".into(),
        );
    }
    let text = spec.proxy.as_deref()?;
    let message = match Url::parse(text) {
        Err(_) => "`provider.proxy` is not a URL.",
        Ok(u) if !matches!(u.scheme(), "http" | "https") => {
            "`provider.proxy` must use http or https."
        }
        Ok(u) if u.host_str().is_none_or(str::is_empty) => "`provider.proxy` has no host.",
        Ok(u) if u.path() != "/" || u.query().is_some() || u.fragment().is_some() => {
            "`provider.proxy` must be an origin, with no path, query or fragment."
        }
        Ok(u) => return Some(u),
    };
    p.push(
        ProblemKind::BadProxy,
        None,
        "provider.proxy",
        message.into(),
        "give the proxy's origin, e.g. proxy = \"http://proxy.internal:3128\".".into(),
    );
    None
}
