//! Validation: every rule, checked at once, each broken rule reported as a [`ConfigProblem`].
//!
//! [`ServicesFile::validate`] runs the provider checks (`provider`), then each service's
//! (`service`, which calls the topic checks: `uri`, `trust`, `keys`, `sector`), then the rules
//! across services (names and client ids here, share-users groups in `sector`).

use std::collections::HashMap;

use super::MAX_LEEWAY;
use super::checked::Services;
use super::problems::{ConfigError, ConfigProblem, ProblemKind};
use super::spec::{ServiceSpec, ServicesFile};
use crate::environment::Environment;

mod keys;
mod provider;
mod sector;
mod service;
mod store;
mod trust;
mod uri;

impl ServicesFile {
    /// Checks everything and returns the services, or every problem found.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] with all problems.
    pub fn validate(&self) -> Result<Services, ConfigError> {
        let mut p = Problems::default();
        let environment = provider::environment(&self.provider, &mut p);
        let proxy = provider::proxy(&self.provider, &mut p);
        let store = store::store(self.provider.store.as_ref(), &mut p);
        if self.services.is_empty() {
            p.push(
                ProblemKind::NoServices,
                None,
                "service",
                "the file has no services.".into(),
                "add a [[service]] table with name, client_id, redirect_uris and token_auth."
                    .into(),
            );
        }
        let provider_leeway = self.provider.clock_leeway_seconds;
        if let Some(l) = provider_leeway {
            check_leeway(&mut p, None, "provider.clock_leeway_seconds", l);
        }
        if let Some(ua) = &self.provider.user_agent_suffix {
            check_user_agent(&mut p, None, "provider.user_agent_suffix", ua);
        }

        let env_kind = environment.as_ref().map(Environment::kind);
        let mut services = Vec::new();
        for spec in &self.services {
            if let Some(s) = service::validate_service(
                spec,
                &self.provider,
                env_kind,
                self.base_dir.as_deref(),
                &mut p,
            ) {
                services.push(s);
            }
        }
        check_uniqueness(&self.services, &mut p);
        sector::check_groups(&services, &mut p);

        match environment {
            Some(environment) if p.0.is_empty() => Ok(Services {
                environment,
                services,
                proxy,
                no_proxy: self.provider.no_proxy.clone(),
                store,
            }),
            _ => Err(ConfigError::Invalid(p.0)),
        }
    }
}

/// The problems found so far, in the order the rules ran.
#[derive(Default)]
struct Problems(Vec<ConfigProblem>);

impl Problems {
    fn push(
        &mut self,
        kind: ProblemKind,
        service: Option<&str>,
        field: &str,
        message: String,
        fix: String,
    ) {
        self.0.push(ConfigProblem {
            kind,
            service: service.map(str::to_owned),
            field: field.to_owned(),
            message,
            fix,
        });
    }

    /// How many problems were found so far.
    fn len(&self) -> usize {
        self.0.len()
    }
}

fn check_leeway(p: &mut Problems, service: Option<&str>, field: &str, seconds: u64) {
    if seconds > MAX_LEEWAY.as_secs() {
        p.push(
            ProblemKind::LeewayTooLarge,
            service,
            field,
            format!("a clock leeway of {seconds} s would accept expired tokens for too long."),
            format!(
                "use at most {} seconds (30 is usual).",
                MAX_LEEWAY.as_secs()
            ),
        );
    }
}

fn check_user_agent(p: &mut Problems, service: Option<&str>, field: &str, value: &str) {
    if value.chars().any(char::is_control) || !value.is_ascii() {
        p.push(ProblemKind::BadUserAgent, service, field,
            "the User-Agent suffix has control or non-ASCII characters, which are not allowed in an HTTP header.".into(),
            "use printable ASCII, e.g. \"my-service/1.0 (https://my-service.gov.uk)\".".into());
    }
}

fn check_uniqueness(specs: &[ServiceSpec], p: &mut Problems) {
    let mut names: HashMap<&str, usize> = HashMap::new();
    let mut ids: HashMap<&str, &str> = HashMap::new();
    for spec in specs {
        if !spec.name.trim().is_empty() {
            let n = names.entry(spec.name.as_str()).or_default();
            *n += 1;
            if *n == 2 {
                p.push(
                    ProblemKind::DuplicateName,
                    Some(&spec.name),
                    "name",
                    format!("two services are named `{}`.", spec.name),
                    "give each [[service]] its own name.".into(),
                );
            }
        }
        if !spec.client_id.trim().is_empty() {
            if let Some(first) = ids.get(spec.client_id.as_str()) {
                p.push(
                    ProblemKind::DuplicateClientId,
                    Some(&spec.name),
                    "client_id",
                    format!("the client id is also used by service `{first}`."),
                    "register each service separately with One Login and use its own client id."
                        .into(),
                );
            } else {
                ids.insert(spec.client_id.as_str(), spec.name.as_str());
            }
        }
    }
}
