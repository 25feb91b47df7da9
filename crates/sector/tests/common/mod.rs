//! Helpers shared by the integration tests: services built in code with a test RSA key.

// Each test file uses a different subset of these helpers.
#![allow(dead_code)]

use govuk_one_login_core::internal::fixtures::service_spec;
use govuk_one_login_core::{
    ConfigProblem, ProblemKind, SecretString, ServiceSpec, Services, ServicesFile,
};

/// A 2048-bit RSA key made for these tests with
/// `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`.
pub(crate) const TEST_KEY_PEM: &str = include_str!("../../testdata/rsa_test_key.pem");

/// A private_key_jwt service with the test key.
pub(crate) fn service(name: &str, redirect_uris: &[&str]) -> ServiceSpec {
    ServiceSpec {
        redirect_uris: redirect_uris.iter().map(|u| (*u).to_owned()).collect(),
        ..service_spec(
            name,
            &format!("client-{name}"),
            "",
            &SecretString::new(TEST_KEY_PEM),
            "k",
        )
    }
}

/// A service with a sector identifier URI and, optionally, a share-users group.
pub(crate) fn service_in(
    name: &str,
    redirect_uris: &[&str],
    sector_identifier_uri: Option<&str>,
    group: Option<&str>,
) -> ServiceSpec {
    ServiceSpec {
        sector_identifier_uri: sector_identifier_uri.map(str::to_owned),
        share_users_group: group.map(str::to_owned),
        ..service(name, redirect_uris)
    }
}

/// A services file on the integration environment.
pub(crate) fn file(services: Vec<ServiceSpec>) -> ServicesFile {
    ServicesFile {
        services,
        ..ServicesFile::default()
    }
}

/// Validates services that must be valid.
pub(crate) fn valid(services: Vec<ServiceSpec>) -> Services {
    match file(services).validate() {
        Ok(s) => s,
        Err(e) => panic!("expected a valid file, got: {e}"),
    }
}

/// The problems core reports for services that must be invalid.
pub(crate) fn problems(services: Vec<ServiceSpec>) -> Vec<ConfigProblem> {
    match file(services).validate() {
        Ok(_) => panic!("expected problems, the file is valid"),
        Err(e) => e.problems().to_vec(),
    }
}

/// (kind, service, field) of each problem, for exact comparisons.
pub(crate) fn summary(problems: &[ConfigProblem]) -> Vec<(ProblemKind, Option<String>, String)> {
    problems
        .iter()
        .map(|p| (p.kind, p.service.clone(), p.field.clone()))
        .collect()
}
