//! The one error type of the benchmark crate.

use std::fmt;

/// Why a benchmark scenario or the summary could not be produced. Each variant has a stable
/// [`code`](BenchError::code); none carries a token, key or personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BenchError {
    /// The mock provider (testkit) could not start.
    ProviderStart {
        /// The testkit's error code.
        code: &'static str,
    },
    /// The services file built for the scenario was refused by core's validation.
    Config {
        /// The validation error, as displayed.
        reason: String,
    },
    /// The relying parties could not be built.
    Setup {
        /// The facade's error code.
        code: &'static str,
    },
    /// The HTTP transport could not be built.
    Transport {
        /// The http crate's error code.
        code: &'static str,
    },
    /// A contender refused a token it should have accepted: the benchmark would measure a
    /// failure path, so it stops.
    Rejected {
        /// Which contender (`ours`, `jsonwebtoken`, `openidconnect`, `raw_aws_lc`).
        contender: &'static str,
        /// What it said (an error kind or code; never the token).
        reason: String,
    },
    /// A contender accepted a token it must refuse (the tampered-token sanity check).
    Accepted {
        /// Which contender.
        contender: &'static str,
    },
    /// A key from the fixture's JWKS could not be loaded by a contender.
    Key {
        /// Which contender.
        contender: &'static str,
        /// Why.
        reason: String,
    },
    /// The fixture's JWKS lacks the key for an algorithm.
    MissingKey {
        /// The algorithm (`ES256`, `RS256`).
        algorithm: &'static str,
    },
    /// A step of a whole sign-in failed.
    SignIn {
        /// The step (`start`, `authorize`, `finish`).
        step: &'static str,
        /// The error code of that step.
        code: &'static str,
    },
    /// A verification inside a scale scenario failed where it should have succeeded.
    Verification {
        /// The verify or discovery error code.
        code: &'static str,
    },
    /// An unknown-kid token was not refused with `discovery.unknown_kid`.
    UnexpectedFloodOutcome {
        /// What happened instead (`accepted` or an error code).
        actual: String,
    },
    /// A spawned task panicked or was cancelled.
    Task {
        /// The join error, as displayed.
        reason: String,
    },
    /// The async runtime could not be built.
    Runtime {
        /// The I/O error, as displayed.
        reason: String,
    },
    /// A criterion estimate or a scale report was missing.
    MissingFile {
        /// The file.
        path: String,
    },
    /// A criterion estimate or a scale report was not the JSON expected.
    BadFile {
        /// The file.
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// The summary could not be written.
    Write {
        /// The file.
        path: String,
        /// The I/O error, as displayed.
        reason: String,
    },
    /// A scenario parameter was out of range (e.g. zero tokens).
    BadParameter {
        /// The parameter.
        name: &'static str,
        /// What is accepted.
        expected: &'static str,
        /// What was given.
        actual: String,
    },
}

impl BenchError {
    /// A stable machine-readable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::ProviderStart { .. } => "bench.provider_start",
            Self::Config { .. } => "bench.config",
            Self::Setup { .. } => "bench.setup",
            Self::Transport { .. } => "bench.transport",
            Self::Rejected { .. } => "bench.rejected",
            Self::Accepted { .. } => "bench.accepted",
            Self::Key { .. } => "bench.key",
            Self::MissingKey { .. } => "bench.missing_key",
            Self::SignIn { .. } => "bench.sign_in",
            Self::Verification { .. } => "bench.verification",
            Self::UnexpectedFloodOutcome { .. } => "bench.unexpected_flood_outcome",
            Self::Task { .. } => "bench.task",
            Self::Runtime { .. } => "bench.runtime",
            Self::MissingFile { .. } => "bench.missing_file",
            Self::BadFile { .. } => "bench.bad_file",
            Self::Write { .. } => "bench.write",
            Self::BadParameter { .. } => "bench.bad_parameter",
        }
    }
}

impl fmt::Display for BenchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ProviderStart { code } => write!(f, "the mock provider did not start ({code})"),
            Self::Config { reason } => {
                write!(f, "the benchmark's services file is invalid: {reason}")
            }
            Self::Setup { code } => write!(f, "the relying parties could not be built ({code})"),
            Self::Transport { code } => write!(f, "the HTTP transport could not be built ({code})"),
            Self::Rejected { contender, reason } => {
                write!(f, "{contender} refused the benchmark token: {reason}")
            }
            Self::Accepted { contender } => {
                write!(
                    f,
                    "{contender} accepted a tampered token: its figure would be meaningless"
                )
            }
            Self::Key { contender, reason } => {
                write!(f, "{contender} could not load the fixture key: {reason}")
            }
            Self::MissingKey { algorithm } => {
                write!(f, "the fixture JWKS has no {algorithm} key")
            }
            Self::SignIn { step, code } => write!(f, "the sign-in failed at `{step}` ({code})"),
            Self::Verification { code } => write!(f, "a verification failed ({code})"),
            Self::UnexpectedFloodOutcome { actual } => write!(
                f,
                "an unknown-kid token was not refused as discovery.unknown_kid (got {actual})"
            ),
            Self::Task { reason } => write!(f, "a benchmark task failed: {reason}"),
            Self::Runtime { reason } => write!(f, "the tokio runtime could not start: {reason}"),
            Self::MissingFile { path } => write!(
                f,
                "{path} is missing: run `cargo xtask bench` (it runs the benchmarks first)"
            ),
            Self::BadFile { path, reason } => write!(f, "{path} is not usable: {reason}"),
            Self::Write { path, reason } => write!(f, "could not write {path}: {reason}"),
            Self::BadParameter {
                name,
                expected,
                actual,
            } => write!(f, "`{name}` must be {expected}, not {actual}"),
        }
    }
}

impl std::error::Error for BenchError {}
