//! The `[provider]` table: which environment, and its URLs for a custom one.

use super::Problems;
use crate::config::problems::ProblemKind;
use crate::config::spec::ProviderSpec;
use crate::environment::{Environment, EnvironmentError};

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
