//! Services files and their validation.
//!
//! A services file is TOML: one `[provider]` table shared by every service, then one `[[service]]`
//! table per service registered with One Login. [`ServicesFile`] is its plain, serde form (build it
//! in code if you prefer); [`ServicesFile::validate`] checks **everything** at once and returns the
//! checked [`Services`] or every [`ConfigProblem`], each naming the service, the field and the fix.
//!
//! * `spec`: the file's shape, as written;
//! * `problems`: the rules and the errors;
//! * `checked`: the checked [`Services`] and [`ServiceConfig`];
//! * `load`: reading, parsing and writing the file;
//! * `validate`: the rules themselves, by topic.

use std::time::Duration;

mod checked;
mod load;
mod problems;
mod spec;
mod validate;

pub use checked::{ClientAuth, ServiceConfig, Services};
pub use problems::{ConfigError, ConfigProblem, ProblemKind};
pub use spec::{ProviderSpec, ServiceSpec, ServicesFile, TokenAuthSpec};

/// The default clock leeway for token time checks.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(30);
/// The largest clock leeway a services file may set.
pub const MAX_LEEWAY: Duration = Duration::from_secs(300);
