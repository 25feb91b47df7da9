//! The conformance suite: the relying party against the testkit's mock One Login, one test per
//! scenario, grouped by family. Each rejection asserts the exact error code and that no later
//! protocol call was made.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests: a panic is a failed test.

mod back_channel;
mod flows;
mod hardening;
mod one_login_rules;
mod rfc8725;
mod rfc9700;
mod simulator_faults;
mod whole_flow;
