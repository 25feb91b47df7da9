//! Shared set-up for the conformance suite: the `govuk-one-login` relying party against the
//! testkit's mock One Login, scenario by scenario.
//!
//! Each scenario records its outcome with [`expect_failure`] or [`expect_success`]; when the
//! `GOVUK_ONE_LOGIN_CONFORMANCE_REPORT` environment variable names a file, a line per scenario is
//! appended to it (`family`, `scenario`, `expected`, `actual`), which `cargo xtask conformance`
//! prints as a table.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Test support: a panic is a failed test.

/// `docs/testing.md`, whose examples run as this crate's doc tests, so the guide cannot drift.
#[doc = include_str!("../../docs/testing.md")]
mod testing_guide {}

use std::fmt::Debug;
use std::io::Write as _;

/// The set-up every scenario shares: the testkit's own [`Harness`] (the mock, the relying parties
/// and one [`TestClock`](govuk_one_login::TestClock)) and its service specs.
pub use govuk_one_login_testkit::{Harness, auth_service, identity_service};

/// The test-only RSA key every test client signs with (the testkit's [`TEST_CLIENT_KEY`](govuk_one_login_testkit::TEST_CLIENT_KEY)).
pub const CLIENT_KEY: &str = govuk_one_login_testkit::TEST_CLIENT_KEY;

fn report(family: &str, scenario: &str, expected: &str, actual: &str) {
    if let Ok(path) = std::env::var("GOVUK_ONE_LOGIN_CONFORMANCE_REPORT")
        && let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
    {
        let _ = writeln!(f, "{family}\t{scenario}\t{expected}\t{actual}");
    }
}

/// Asserts that `result` failed with the error code `expected`, and records the scenario.
pub fn expect_failure<T: Debug, E: Debug>(
    family: &str,
    scenario: &str,
    expected: &str,
    result: Result<T, E>,
    code: impl Fn(&E) -> &'static str,
) -> E {
    match result {
        Ok(v) => {
            report(family, scenario, expected, "accepted");
            panic!("{family}/{scenario}: expected {expected}, but it was accepted: {v:?}");
        }
        Err(e) => {
            let actual = code(&e);
            report(family, scenario, expected, actual);
            assert_eq!(actual, expected, "{family}/{scenario}: {e:?}");
            e
        }
    }
}

/// Asserts that `result` succeeded, and records the scenario.
pub fn expect_success<T, E: Debug>(family: &str, scenario: &str, result: Result<T, E>) -> T {
    match result {
        Ok(v) => {
            report(family, scenario, "success", "success");
            v
        }
        Err(e) => {
            report(family, scenario, "success", "failed");
            panic!("{family}/{scenario}: expected success, got {e:?}");
        }
    }
}
